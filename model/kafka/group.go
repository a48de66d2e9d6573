package kafka

import (
	"fmt"
	"sort"

	"mqsim/scenarios"
	"mqsim/sim"
)

// The group protocol, as the coordinator and the members see it.
//
// Members heartbeat every heartbeat.interval; the coordinator removes a
// member it has not heard from for session.timeout, and a member whose
// application has not called poll for max.poll.interval leaves on its own
// (the heartbeat thread sends LeaveGroup). Any change of membership starts
// a rebalance: the coordinator waits until every member has sent JoinGroup
// (members learn of the rebalance from a heartbeat response and join at
// their next poll), or until the rebalance timeout (max.poll.interval)
// removes those that did not, then bumps the generation and hands out the
// assignment.
//
// Eager strategies (range, roundrobin) revoke everything before joining:
// the whole group stops. cooperative-sticky keeps partitions where they are
// and revokes only those that must move; their owner commits, gives them
// up and rejoins, and a second rebalance assigns them. Static members
// (static_membership) send no LeaveGroup; one back within session.timeout
// gets its old assignment without a rebalance.
//
// Group protocol messages travel through the network to the coordinator
// (coordclient.go) and cost no broker resources; offset commits are real
// requests (consumer.go) appended to the replicated __consumer_offsets
// partition (offsets.go).

type groupState int8

const (
	groupStable groupState = iota
	groupPreparing
)

// remove takes m out of the group (session expired, LeaveGroup, or not
// rejoined within the rebalance timeout): its commits are refused from now
// on and its partitions wait for the next generation.
func (g *group) remove(m *member) {
	if !m.inGroup {
		return
	}

	if m.joined && m.joining {
		// Its JoinGroup waits for this rebalance: it is answered
		// UNKNOWN_MEMBER_ID, and the member joins again at its next poll.
		inc := m.inc
		m.reply(func() {
			if m.inc == inc && m.alive && m.joining {
				m.joining, m.needRejoin = false, true
				m.maybePoll()
			}
		})
	}
	m.inGroup, m.joined = false, false
	for p, o := range g.owner {
		if o == m {
			g.setOwner(p, nil)
		}
	}
	if g.state == groupStable {
		g.prepare()
	} else {
		g.maybeComplete()
	}
}

// prepare starts a rebalance.
func (g *group) prepare() {
	now := g.w.s.Now()
	g.state = groupPreparing
	g.prepStart = now
	if g.formed {
		g.rebalances++
	} else if d := sim.Time(g.spec.InitialRebalanceDelay); d > 0 {
		g.delayUntil = now + d
		g.w.s.At(g.delayUntil, g.maybeComplete)
	}
	g.rbSeq++
	seq := g.rbSeq
	g.w.s.At(now+g.maxPoll, func() { g.rebalanceTimeout(seq) })
}

// rebalanceTimeout removes the members that have not rejoined in time.
func (g *group) rebalanceTimeout(seq uint32) {
	if g.state != groupPreparing || g.rbSeq != seq {
		return
	}
	for _, m := range g.all {
		if m.inGroup && !m.joined {
			m.inGroup = false
			for p, o := range g.owner {
				if o == m {
					g.setOwner(p, nil)
				}
			}
		}
	}
	g.complete()
}

// maybeComplete finishes the rebalance once every member has joined.
func (g *group) maybeComplete() {
	if g.state != groupPreparing || g.w.s.Now() < g.delayUntil {
		return
	}
	for _, m := range g.all {
		if m.inGroup && !m.joined {
			return
		}
	}
	if !g.formed && g.spec.InitialRebalanceDelay == 0 {
		// Without an initial delay the run starts with the group forming
		// from all its consumers at once (as if the delay had gathered
		// them), not from whichever JoinGroup came first.
		for _, m := range g.members {
			if m.alive && !m.joined {
				return
			}
		}
	}
	g.complete()
}

// complete bumps the generation and sends each member its assignment.
func (g *group) complete() {
	w := g.w
	now := w.s.Now()

	var ms []*member
	for _, m := range g.all {
		if m.inGroup {
			ms = append(ms, m)
		}
	}
	target := g.computeAssignment(ms)
	g.gen++
	g.state = groupStable
	if g.formed {
		g.rebalanceTime += now - g.prepStart
	}
	g.formed = true
	g.lastRebalance = now
	g.rbSeq++
	gen := g.gen
	for i, m := range ms {
		m.joined = false
		parts := target[i]
		m.assigned = parts
		inc := m.inc
		// JoinGroup response, then SyncGroup: a round trip and a half. A
		// SyncGroup that finds a newer rebalance started fails
		// (REBALANCE_IN_PROGRESS), and one the coordinator cannot take
		// fails: the member must (re)join.
		rejoin := func() {
			if m.inc == inc && m.alive {
				m.joining, m.needRejoin = false, true
				m.maybePoll()
			}
		}
		m.reply(func() {
			if m.inc != inc || !m.alive {
				return
			}
			m.groupCall(func() {
				if g.gen != gen || g.state == groupPreparing {
					if !m.joined {
						m.reply(rejoin)
					}
					return
				}
				m.reply(func() {
					if g.gen != gen || g.state == groupPreparing {
						// A newer rebalance began while the answer
						// travelled: the coordinator treats the SyncGroup
						// as part of it (a simplification: the exchange is
						// taken as atomic).
						if !m.joined {
							rejoin()
						}
						return
					}
					m.onAssignment(inc, gen, parts)
				})
			}, rejoin)
		})
	}
}

// computeAssignment gives each member (in ms order) its partitions for the
// next generation. Under cooperative-sticky a partition still owned by a
// member that must give it up is assigned to nobody now: its owner revokes
// it and rejoins, and the follow-up rebalance places it.
func (g *group) computeAssignment(ms []*member) [][]int {
	n := len(g.t.parts)
	out := make([][]int, len(ms))
	if len(ms) == 0 {
		return out
	}
	if g.assignor != scenarios.AssignCooperativeSticky {
		return assign(g.assignor, n, len(ms))
	}
	// Current owners among the joining members (what they reported).
	cur := make([]int, n)
	for p := range cur {
		cur[p] = -1
	}
	count := make([]int, len(ms))
	for i, m := range ms {
		for _, p := range m.parts {
			if cur[p] < 0 && m.owns(p) {
				cur[p] = i
				count[i]++
			}
		}
	}
	// Quotas: n/len(ms) each, one more for the members owning most now.
	order := make([]int, len(ms))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return count[order[a]] > count[order[b]] })
	quota := make([]int, len(ms))
	for k, i := range order {
		quota[i] = n / len(ms)
		if k < n%len(ms) {
			quota[i]++
		}
	}
	kept := make([]int, len(ms))
	var free []int
	for p := range n {
		i := cur[p]
		switch {
		case i < 0:
			free = append(free, p)
		case kept[i] < quota[i]:
			out[i] = append(out[i], p)
			kept[i]++
		}
		// else: over quota, revoked now, placed by the follow-up rebalance.
	}
	next := 0
	for _, p := range free {
		for k := 0; k < len(ms); k++ {
			i := (next + k) % len(ms)
			if kept[i] < quota[i] {
				out[i] = append(out[i], p)
				kept[i]++
				next = i + 1
				break
			}
		}
	}
	for i := range out {
		sort.Ints(out[i])
	}
	return out
}

// onJoin is the coordinator receiving m's JoinGroup.
func (g *group) onJoin(m *member, inc uint32) {
	if m.inc != inc || !m.alive {
		return
	}
	now := g.w.s.Now()
	if g.spec.StaticMembership && m.inGroup && m.restarted && g.state == groupStable {
		// A known static member is back: same assignment, no rebalance.
		m.restarted = false
		m.lastSeen = now
		parts := append([]int(nil), m.assigned...)
		gen := g.gen
		m.reply(func() { m.onAssignment(inc, gen, parts) })
		return
	}
	m.restarted = false
	if !m.inGroup && len(m.parts) > 0 {
		// The group removed it (session expired, rebalance timeout) and it
		// joins with its old member id: UNKNOWN_MEMBER_ID. It loses its
		// partitions (onPartitionsLost) and joins anew (the exchange is
		// taken as one).
		m.fenced()
	}
	if !m.inGroup {
		m.inGroup = true
		m.lastSeen = now
		g.armSession(m)
	}
	m.joined = true
	if g.state == groupStable {
		g.prepare()
	}
	g.maybeComplete()
}

// armSession makes the coordinator check m's session when it would expire.
func (g *group) armSession(m *member) {
	if m.sessionArmed {
		return
	}
	m.sessionArmed = true
	g.w.s.At(m.lastSeen+g.session, func() { g.checkSession(m) })
}

func (g *group) checkSession(m *member) {
	m.sessionArmed = false
	if !m.inGroup {
		return
	}
	if g.coordinator() == nil || g.loadedEpoch != g.op.p.epoch {
		// No live coordinator expires anyone; the next one starts every
		// session afresh when it loads the group.
		m.lastSeen = max(m.lastSeen, g.w.s.Now())
		g.armSession(m)
		return
	}
	if g.w.s.Now()-m.lastSeen >= g.session {
		g.sessionExpiries++
		g.remove(m)
		return
	}
	g.armSession(m)
}

// heartbeat is one tick of m's heartbeat thread.
func (m *member) heartbeat(inc uint32) {
	g := m.g
	w := g.w
	if m.inc != inc || !m.alive {
		return
	}
	w.s.At(w.s.Now()+g.heartbeat, func() { m.heartbeat(inc) })
	if !m.inGroup && !m.joining && !m.member {
		return
	}
	if m.coord == nil {
		// Not knowing its coordinator, the heartbeat thread looks for it;
		// the session is not renewed meanwhile.
		m.findCoordinator()
		return
	}
	m.groupCall(func() {
		if m.inc != inc {
			return // a heartbeat from a previous life
		}
		ok := m.inGroup
		if ok {
			m.lastSeen = w.s.Now()
		}
		rebalancing := g.state == groupPreparing && !m.joined
		m.reply(func() {
			if m.inc != inc || !m.alive || m.joining {
				return
			}
			if !ok || rebalancing {
				// REBALANCE_IN_PROGRESS or UNKNOWN_MEMBER_ID: rejoin at
				// the next poll.
				if !ok {
					m.fenced()
				}
				m.needRejoin = true
				m.maybePoll()
			}
		})
	}, nil)
}

// fenced: the member learns it is no longer in the group. Its partitions
// are gone without a commit.
func (m *member) fenced() {
	m.member = false
	for _, p := range m.parts {
		m.dropPartition(p)
	}
	m.parts = m.parts[:0]
	m.partsChanged()
	m.rebuildSessions()
}

// rejoin runs at a poll point once the member knows a rebalance is on.
func (m *member) rejoin() {
	g := m.g
	m.needRejoin = false
	if m.pollExpired {
		// Left the group after max.poll.interval: its partitions are lost,
		// not revoked (nothing to commit, nothing to keep).
		m.pollExpired = false
		m.fenced()
	}
	if g.assignor != scenarios.AssignCooperativeSticky && len(m.parts) > 0 {
		// Eager: commit what was processed, then give up everything.
		if m.inGroup && g.commit != scenarios.CommitBefore && !m.revokeCommitted {
			m.revokeCommitted = true
			m.afterCommit = m.rejoin
			m.needRejoin = true
			m.sendCommit(true)
			return
		}
		for _, p := range m.parts {
			m.dropPartition(p)
			if g.owner[p] == m {
				g.setOwner(p, nil)
			}
		}
		m.parts = m.parts[:0]
		m.partsChanged()
		m.rebuildSessions()
	}
	m.revokeCommitted = false
	m.sendJoin()
}

func (m *member) sendJoin() {
	g := m.g
	m.joining = true
	inc := m.inc
	m.groupCall(func() { g.onJoin(m, inc) }, func() {
		if m.inc == inc && m.alive && m.joining {
			m.sendJoin() // to the coordinator found anew
		}
	})
}

// onAssignment applies the member's assignment of a new generation.
func (m *member) onAssignment(inc uint32, gen int32, parts []int) {
	g := m.g
	if m.inc != inc || !m.alive {
		return
	}

	m.joining = false
	m.memberGen = gen
	m.member = true
	want := make(map[int]bool, len(parts)) // lookups only, never iterated
	for _, p := range parts {
		want[p] = true
	}
	var revoked []int
	for _, p := range m.parts {
		if !want[p] && m.owns(p) {
			revoked = append(revoked, p)
		}
	}
	next := make([]int, 0, len(parts)+len(revoked))
	var newly []int
	for _, p := range parts {
		if o := g.owner[p]; o != nil && o != m && o.inGroup && o.alive && o.owns(p) {
			g.violations++
		}
		if !m.owns(p) {
			// Newly owned (or back after a restart): it starts from the
			// committed offset, which the member asks the coordinator
			// for (OffsetFetch); until the answer the partition is held.
			m.pos[p], m.fetchPos[p], m.buf[p] = 0, 0, nil
			m.failOff[p], m.failAttempts[p], m.pausedUntil[p] = -1, 0, offsetPending
			m.partsChanged()
			newly = append(newly, p)
		}
		next = append(next, p)
		g.setOwner(p, m)
	}
	if len(revoked) > 0 {
		// Cooperative: commit the revoked partitions, give them up and
		// rejoin so the next rebalance can place them.
		m.revoking = append(m.revoking[:0], revoked...)
		m.needRejoin = true
		next = append(next, revoked...)
	}
	sort.Ints(next)
	m.setParts(next)
	m.rebuildSessions()
	if len(newly) > 0 {
		m.fetchOffsets(inc, newly)
	}
	m.startFetching(0)
	m.maybePoll()
}

// offsetPending marks a partition (in pausedUntil) whose starting offset
// the member has asked its coordinator for: it is neither fetched, polled
// nor committed until the answer.
const offsetPending = sim.Time(1) << 62

// fetchOffsets is an OffsetFetch for newly owned partitions: the
// coordinator answers each one's committed offset (or auto_offset_reset's
// choice), and the member starts them there. A request the coordinator
// cannot take is sent again to the coordinator found anew.
func (m *member) fetchOffsets(inc uint32, parts []int) {
	g := m.g
	m.groupCall(func() {
		if m.txnUnstable(inc, parts) { // pending transactional offsets (txn_consumer.go)
			return
		}
		starts := make([]int64, len(parts))
		for i, p := range parts {
			starts[i] = g.startOffset(p)
		}
		m.reply(func() {
			if m.inc != inc || !m.alive {
				return
			}
			for i, p := range parts {
				if !m.owns(p) || m.pausedUntil[p] != offsetPending {
					continue
				}
				m.pos[p], m.fetchPos[p], m.pausedUntil[p] = starts[i], starts[i], 0
				m.partsChanged()
				if g.owner[p] == m {
					g.setProcessed(p, starts[i])
				}
			}
			for _, s := range m.sessions {
				if s.parked {
					s.read() // the parked fetch takes the partitions in now
				}
			}
			m.startFetching(0)
			m.maybePoll()
		})
	}, func() {
		if m.inc == inc && m.alive {
			m.fetchOffsets(inc, parts)
		}
	})
}

// finishRevoke gives up the partitions a cooperative assignment took away,
// after their offsets were committed.
func (m *member) finishRevoke() {
	g := m.g
	for _, p := range m.revoking {
		m.dropPartition(p)
		if g.owner[p] == m {
			g.setOwner(p, nil)
		}
		for i, q := range m.parts {
			if q == p {
				m.parts = append(m.parts[:i], m.parts[i+1:]...)
				m.partsChanged()
				break
			}
		}
	}
	m.revoking = m.revoking[:0]
	m.rebuildSessions()
	m.startFetching(0)
}

// setOwner records who consumes p, and the time p spends without a
// consuming owner.
func (g *group) setOwner(p int, m *member) {
	g.owner[p] = m
	g.owners++
	g.updatePause(p)
}

// updatePause starts or stops p's paused clock: p is live while its owner
// is alive.
func (g *group) updatePause(p int) {
	now := g.w.s.Now()
	live := g.owner[p] != nil && g.owner[p].alive
	switch {
	case live && g.pausedSince[p] >= 0:
		g.pausedTime += now - g.pausedSince[p]
		g.pausedSince[p] = -1
	case !live && g.pausedSince[p] < 0:
		g.pausedSince[p] = now
	}
}

// Membership changes from faults and the autoscaler.

// addMember starts a new member in a new slot and has it join.
func (g *group) addMember() *member {
	m := g.newMember(len(g.members))
	g.members = append(g.members, m)
	m.boot()
	return m
}

// newMember creates the member object for slot (not started).
func (g *group) newMember(slot int) *member {
	n := len(g.t.parts)
	id := len(g.all)
	m := &member{g: g, idx: id, slot: slot, rng: g.w.s.Stream(fmt.Sprintf("group/%s/member-%d", g.spec.Name, id)),
		pos: make([]int64, n), fetchPos: make([]int64, n), buf: make([][]byte, n), owned: make([]bool, n),
		failOff: make([]int64, n), failAttempts: make([]int, n), pausedUntil: make([]sim.Time, n), slow: 1}
	g.all = append(g.all, m)
	if g.sh != nil {
		m.sh = g.sh.newMember() // share.go
	}
	return m
}

// boot starts m's process: heartbeats and a JoinGroup.
func (m *member) boot() {
	if m.g.sh != nil {
		m.shareBoot() // share.go
		return
	}
	w := m.g.w
	m.alive = true
	m.inc++
	m.commitReq = &commitReq{id: int32(len(w.commits)), m: m}
	w.commits = append(w.commits, m.commitReq)
	m.nextAuto = w.s.Now() + m.g.autoEvery
	inc := m.inc
	// The heartbeat thread starts with the process: its phase is the
	// member's own, not the whole group's.
	if m.hbRng == nil {
		m.hbRng = w.s.Stream(fmt.Sprintf("group/%s/member-%d/heartbeat", m.g.spec.Name, m.idx))
	}
	phase := sim.Time(m.hbRng.Float64() * float64(m.g.heartbeat))
	w.s.At(w.s.Now()+phase, func() { m.heartbeat(inc) })
	for _, p := range m.parts {
		m.g.updatePause(p)
	}
	if m.g.stage != nil {
		m.g.stage.boot(m) // its producer (txn_stage.go)
	}
	m.sendJoin()
}

// crash kills m's process: what it finished processing stays done, the
// rest of its poll is lost, and nothing is committed or said to anyone.
func (m *member) crash() {
	if !m.alive {
		return
	}
	if m.g.sh != nil {
		m.shareCrash() // share.go
		return
	}
	if m.busy && len(m.recs) > 0 {
		m.finishPoll(m.g.w.s.Now())
	}
	m.crashes++
	m.stop()
}

// stop ends m's process (after a crash or a clean shutdown).
func (m *member) stop() {
	m.alive = false
	m.inc++
	m.busy, m.commitWait, m.joining, m.needRejoin, m.revokeCommitted = false, false, false, false, false
	m.afterCommit = nil
	m.stallUntil = 0
	m.pollExpired, m.pollTimerArmed = false, false
	m.member = false
	m.forgetCoordinator()
	m.revoking = m.revoking[:0]
	m.recs = m.recs[:0]
	if m.commitReq != nil {
		m.commitReq.inFlight = false
	}
	for _, p := range m.parts {
		m.buf[p] = nil
		m.owned[p] = false
		m.partsChanged()
		m.g.updatePause(p)
	}
	for _, s := range m.sessions {
		s.kill()
	}
	m.sessions = m.sessions[:0]
}

// leave is a clean shutdown: commit what was processed, then LeaveGroup
// (dynamic members only; a static member just goes quiet).
func (m *member) leave() {
	g := m.g
	if !m.alive {
		return
	}
	if m.busy && len(m.recs) > 0 {
		// A clean shutdown lets the application finish its batch.
		m.finishPoll(-1)
	}
	m.busy = false
	if m.inGroup && g.leaveCommits() && len(m.parts) > 0 {
		// The final commit reaches the coordinator; the process ends
		// without waiting for the answer.
		var parts []int
		var offs []int64
		for _, p := range m.parts {
			if m.owns(p) && m.pausedUntil[p] != offsetPending {
				parts = append(parts, p)
				offs = append(offs, m.pos[p])
			}
		}
		gen := m.memberGen
		m.groupCall(func() { g.writeCommit(m, gen, parts, offs, nil) }, nil)
	}
	if !g.spec.StaticMembership {
		inc := m.inc + 1 // the member's incarnation once stopped
		m.groupCall(func() {
			if m.inc == inc {
				g.remove(m)
			}
		}, nil)
	}
	m.stop()
	if !g.spec.StaticMembership {
		m.parts = m.parts[:0]
		m.partsChanged()
	}
}

// restart brings slot's member back: the same static member, or a new
// dynamic one (the old member id stays in the group until its session
// expires, as in Kafka).
func (g *group) restart(slot int) {
	old := g.members[slot]
	if old.alive {
		return
	}
	if g.spec.StaticMembership {
		old.restarted = true
		old.boot()
		return
	}
	m := g.newMember(slot)
	g.members[slot] = m
	m.boot()
}

// consumer faults act on a slot, or on every slot.
func (g *group) slots(f *scenarios.Fault) []int {
	if f.Consumer != nil {
		return []int{*f.Consumer}
	}
	out := make([]int, len(g.members))
	for i := range out {
		out[i] = i
	}
	return out
}
