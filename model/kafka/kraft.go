package kafka

import (
	"fmt"
	"math/rand/v2"

	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// KRaft's broker liveness and metadata batches.
//
// Every broker heartbeats to the active controller each
// broker.heartbeat.interval.ms (broker b first at (2b+1)/2n of an interval,
// so n brokers spread evenly). A heartbeat is a message on the network
// (net.Send): it meets every fault there — a dead process or machine sends
// none, a cut or a drop loses it, a delay or slow link makes it late — and
// the controller answers it with the length of its metadata log, which
// brings a broker that missed a batch up to date. The controller fences a
// broker whose last heartbeat arrived broker.session.timeout.ms ago, so a
// crash is detected between session − interval and session after it
// happens.
//
// The leader elections one controller event needs are written as one
// metadata batch: the batch costs election_cost at the controller once,
// however many partitions it moves, and is committed when a majority of
// the controller voters has it (a round of messages to the voters and
// back, below). The controller's decisions take effect at the commit; the
// batch then travels to every broker over the network, and each broker
// acts on it when it arrives: a new leader starts leading, a follower
// starts fetching from the new leader, an old leader steps down. (A
// ZooKeeper-era controller elected one partition after another, a cost
// each: 1,000 partitions at 5ms took 5s.)

// startHeartbeats starts every broker's heartbeats and the controller's
// session checks, with every broker registered now (time zero, or the
// moment a storage error first makes liveness matter in a run without
// broker faults).
func (c *controller) startHeartbeats() {
	now := c.w.s.Now()
	n := sim.Time(len(c.bs))
	for b := range c.bs {
		c.bs[b].lastHB = now
		phase := c.heartbeat * sim.Time(2*b+1) / (2 * n)
		c.w.s.AtCall(now+phase, c.sendHeartbeat, uint64(b))
		c.arm(b)
	}
}

// activeNode is the active controller's node, or 0 while there is none.
func (c *controller) activeNode() net.NodeID {
	q := c.quorum()
	if q.leader < 0 {
		return 0
	}
	return q.nodes[q.leader]
}

// sendHeartbeat is one tick of broker b's heartbeat: a message to the
// active controller (none while there is no active controller).
func (c *controller) sendHeartbeat(id uint64) {
	b := int(id)
	if to := c.activeNode(); to != 0 {
		l := &c.hbUp[b]
		l.To = to
		c.w.net.Send(l, c.fHeard, id)
	}
	c.w.s.AfterCall(c.heartbeat, c.sendHeartbeat, id)
}

// heardFrom: a heartbeat from broker b reached the controller, which
// answers with its metadata log's length.
func (c *controller) heardFrom(id uint64) {
	b := int(id)
	if c.quorum().leader < 0 {
		return // no active controller hears it
	}
	bs := &c.bs[b]
	bs.lastHB = c.w.s.Now()
	if !bs.fenced {
		c.arm(b)
	} else if !bs.down && !bs.cutController {
		// A fenced broker heard again (its lossy link recovered): the
		// controller registers it anew.
		c.do(0, func() {
			if c.bs[b].fenced && !c.bs[b].down {
				c.unfence(b)
				c.arm(b)
			}
		})
	}
	c.sendMetadata(b, c.meta.batch)
}

// sendMetadata sends broker b the metadata log up to batch n from the
// active controller; b applies it when it arrives (metadata.go).
func (c *controller) sendMetadata(b int, n int32) {
	if c.meta.hist == nil {
		return
	}
	from := c.activeNode()
	if from == 0 {
		return
	}
	l := &c.mdDown[b]
	l.From = from
	c.w.net.Send(l, c.fMdBatch, uint64(b)|uint64(n)<<32)
}

// mdBatch: the controller's metadata reached a broker.
func (c *controller) mdBatch(arg uint64) { c.learnUpTo(int(uint32(arg)), int32(arg>>32)) }

// arm makes sure a session check for broker b is pending.
func (c *controller) arm(b int) {
	bs := &c.bs[b]
	if bs.armed {
		return
	}
	bs.armed = true
	c.w.s.AtCall(bs.lastHB+c.sessionTimeout, c.checkSession, uint64(b))
}

// expired reports whether broker b's session has run out.
func (c *controller) expired(b int) bool {
	return c.w.s.Now()-c.bs[b].lastHB >= c.sessionTimeout
}

// checkSession fences broker b if its session has run out, else looks
// again when the last heartbeat's session would.
func (c *controller) checkSession(id uint64) {
	b := int(id)
	bs := &c.bs[b]
	bs.armed = false
	if bs.fenced {
		return
	}
	if !c.expired(b) {
		c.arm(b)
		return
	}
	c.do(0, func() {
		if !c.bs[b].fenced && c.expired(b) {
			c.fence(b, nil)
		} else if !c.bs[b].fenced {
			c.arm(b)
		}
	})
}

// electBatch writes one metadata batch electing leaders for parts
// (preferring replicas not on broker avoid, -1 for none): it costs the
// controller election_cost once, and the elections are decided when a
// majority of the voters has the batch; then done (if not nil) runs. The
// brokers learn the batch from the network after that. If the active
// controller is lost before the commit, its successor writes the batch
// again.
func (c *controller) electBatch(parts []*partition, avoid int, done func()) {
	if len(parts) == 0 {
		if done != nil {
			done()
		}
		return
	}
	again := func() { c.electBatch(parts, avoid, done) }
	if c.waitActive(again) {
		return
	}
	q := c.quorum()
	epoch, leader := q.epoch, q.leader
	c.batches++
	t := max(c.w.s.Now(), c.busyUntil, c.failedUntil) + c.electionCost
	c.busyUntil = t
	c.w.s.At(t, func() {
		valid := func() bool { return q.epoch == epoch && q.leader == leader }
		lost := func() {
			// The active controller failed before a majority had the
			// batch: its successor decides these partitions again.
			c.batches--
			again()
		}
		if !valid() {
			lost()
			return
		}
		c.round(leader, valid, func() {
			for _, p := range parts {
				c.electAvoiding(p, avoid)
			}
			if done != nil {
				done()
			}
		}, lost)
	})
}

// The controller quorum (KRaft's Raft log of metadata).
//
// ControllerQuorumVoters controllers vote; one is the active controller
// (the quorum leader). Each voter is a node on the network, and every
// message between voters goes through net.Send, so cuts, drops, delays and
// crashes apply to them as to any other. A metadata batch the leader
// writes is committed when a majority of voters has it: the leader sends
// it to every other voter and each answers, so with 3 voters the commit
// comes with the first answer, one round trip (2 × the latency, each way
// with its jitter) after the append.
//
// When the active controller fails, the other voters go
// controller.quorum.election.timeout.ms without hearing from it, then
// stand for election, each after its own random backoff of up to
// controller.quorum.election.backoff.max.ms; the first to stand asks the
// others for their votes (a round trip) and becomes active once its first
// batch (the leader change) is committed, one round trip more. A candidate
// that gets no majority within the election timeout stands again.
// Meanwhile nothing is fenced or elected: the controller's work waits, and
// broker heartbeats reach no one (the new active controller starts every
// broker's session afresh). Without a majority of voters alive nothing is
// elected until enough return.

// quorum is the state of the controller voters.
type quorum struct {
	up          []bool
	nodes       []net.NodeID // each voter's node
	links       []net.Link   // voter i to voter j at i*n+j
	leader      int          // the active controller's voter, -1 while there is none
	epoch       int32        // bumped at every loss of the active controller
	electing    bool         // an election is under way
	electionSeq uint32
	pending     []func()     // controller work waiting for an active controller
	rounds      []*voteRound // rounds of messages to the voters, by id
	elections   int64        // controller elections won after a failover
	activeSince sim.Time     // when the active controller took over
	rng         *rand.Rand
}

// voteRound is one message from a voter to every other voter and their
// answers: a metadata batch's append, or a candidate's vote request. It
// succeeds once a majority (the sender included) has it.
type voteRound struct {
	from    int
	acks    int
	done    bool
	valid   func() bool // the round still counts (its sender is still leader or candidate)
	commit  func()      // a majority has it
	aborted func()      // it stopped counting before a majority had it, or nil
}

// setupQuorum adds the voters' nodes to the network.
func (c *controller) setupQuorum() {
	q := c.quorum()
	n := len(q.up)
	q.nodes = make([]net.NodeID, n)
	for i := range q.nodes {
		q.nodes[i] = c.w.net.AddNode(fmt.Sprintf("controller-%d", i))
	}
	q.links = make([]net.Link, n*n)
	for i := range n {
		for j := range n {
			q.links[i*n+j] = net.Link{From: q.nodes[i], To: q.nodes[j]}
		}
	}
}

// quorum returns the voters' state, created at first use.
func (c *controller) quorum() *quorum {
	if c.q == nil {
		n := max(c.w.sc.Cluster.ControllerQuorumVoters, 1)
		c.q = &quorum{up: make([]bool, n), rng: c.w.s.Stream("controller/quorum")}
		for i := range c.q.up {
			c.q.up[i] = true
		}
	}
	return c.q
}

// live counts the voters alive.
func (q *quorum) live() int {
	n := 0
	for _, u := range q.up {
		if u {
			n++
		}
	}
	return n
}

// majority reports whether enough voters are alive to commit.
func (q *quorum) majority() bool { return q.live() > len(q.up)/2 }

// round sends a message from voter from to every other voter; commit runs
// when a majority (from included) has it and it is still valid; aborted
// runs if it stops being valid first (checked as answers arrive and when
// the active controller is lost).
func (c *controller) round(from int, valid func() bool, commit, aborted func()) {
	q := c.quorum()
	r := &voteRound{from: from, acks: 1, valid: valid, commit: commit, aborted: aborted}
	if 2*r.acks > len(q.up) {
		r.done = true
		commit()
		return
	}
	id := uint64(len(q.rounds))
	q.rounds = append(q.rounds, r)
	n := len(q.up)
	for v := range n {
		if v != from {
			c.w.net.Send(&q.links[from*n+v], c.fVoterGot, id<<8|uint64(v))
		}
	}
}

// voterGot: voter v received round id's message and answers it.
func (c *controller) voterGot(arg uint64) {
	q := c.quorum()
	r := q.rounds[arg>>8]
	if r.done {
		return
	}
	v := int(arg & 0xff)
	c.w.net.Send(&q.links[v*len(q.up)+r.from], c.fVoterAck, arg)
}

// voterAck: an answer reached the round's sender.
func (c *controller) voterAck(arg uint64) {
	q := c.quorum()
	r := q.rounds[arg>>8]
	if r.done {
		return
	}
	if !r.valid() {
		c.abort(r)
		return
	}
	r.acks++
	if 2*r.acks > len(q.up) {
		r.done = true
		q.rounds[arg>>8] = &voteRound{done: true} // release its closures
		r.commit()
	}
}

// abort ends a round that no longer counts.
func (c *controller) abort(r *voteRound) {
	if r.done {
		return
	}
	r.done = true
	if r.aborted != nil {
		r.aborted()
	}
}

// abortStale ends every open round that no longer counts (the active
// controller was lost): their work waits for the next active controller.
func (c *controller) abortStale() {
	for _, r := range c.quorum().rounds {
		if !r.done && !r.valid() {
			c.abort(r)
		}
	}
}

// waitActive reports whether the controller has no active leader now; if
// so, fn is kept to run once one is active.
func (c *controller) waitActive(fn func()) bool {
	q := c.quorum()
	if q.leader >= 0 {
		return false
	}
	q.pending = append(q.pending, fn)
	return true
}

// loseVoters is the controller-failover fault: n voters fail, the active
// one first.
func (c *controller) loseVoters(n int) []int {
	q := c.quorum()
	var lost []int
	if q.leader >= 0 {
		lost = append(lost, q.leader)
		q.up[q.leader] = false
		q.leader = -1
		q.epoch++
	}
	for i := range q.up {
		if len(lost) >= n {
			break
		}
		if q.up[i] {
			q.up[i] = false
			lost = append(lost, i)
		}
	}
	for _, v := range lost {
		c.w.net.CrashProcess(q.nodes[v])
	}
	if q.leader >= 0 && !q.majority() {
		// The leader cannot commit without a majority: it resigns.
		q.leader = -1
		q.epoch++
	}
	c.abortStale()
	c.maybeElect()
	return lost
}

// voterBack: a failed voter returns as a follower.
func (c *controller) voterBack(v int) {
	q := c.quorum()
	q.up[v] = true
	c.w.net.Restart(q.nodes[v])
	c.maybeElect()
}

// maybeElect starts an election when there is no active controller and a
// majority of voters is alive: the first live voter's timer to run out
// (the election timeout plus its own random backoff) stands.
func (c *controller) maybeElect() {
	q := c.quorum()
	if q.leader >= 0 || q.electing || !q.majority() {
		return
	}
	cl := &c.w.sc.Cluster
	timeout, backoff := sim.Time(cl.ControllerQuorumElectionTimeout), sim.Time(cl.ControllerQuorumElectionBackoffMax)
	first, who := sim.Time(-1), -1
	for v, u := range q.up {
		if !u {
			continue
		}
		d := timeout + sim.Time(q.rng.Float64()*float64(backoff))
		if who < 0 || d < first {
			first, who = d, v
		}
	}
	q.electing = true
	q.electionSeq++
	seq := q.electionSeq
	c.failedUntil = sim.Time(1) << 62
	c.w.s.At(c.w.s.Now()+first, func() { c.stand(seq, who, timeout) })
}

// stand: voter v asks the others for their votes; with a majority it
// writes its first batch, and is active once that is committed. Without
// one within the election timeout it stands again.
func (c *controller) stand(seq uint32, v int, timeout sim.Time) {
	q := c.quorum()
	if seq != q.electionSeq || !q.electing {
		return
	}
	if !q.up[v] || !q.majority() {
		q.electing = false
		c.maybeElect() // it failed meanwhile, or the majority did: stand again
		return
	}
	valid := func() bool { return q.electing && q.electionSeq == seq && q.up[v] }
	c.round(v, valid, func() {
		c.round(v, valid, func() { c.elected(seq, v) }, nil)
	}, nil)
	c.w.s.At(c.w.s.Now()+timeout, func() {
		if q.electing && q.electionSeq == seq {
			q.electing = false
			c.maybeElect()
		}
	})
}

// elected: voter v is the active controller. It starts every registered
// broker's session afresh and does the work that waited.
func (c *controller) elected(seq uint32, v int) {
	q := c.quorum()
	if seq != q.electionSeq || !q.electing {
		return
	}
	q.electing = false
	now := c.w.s.Now()
	q.leader = v
	q.elections++
	q.activeSince = now
	c.failedUntil = now
	c.busyUntil = max(c.busyUntil, now)
	if c.bs != nil && c.heartbeat > 0 {
		for b := range c.bs {
			if !c.bs[b].fenced {
				c.bs[b].lastHB = now
				c.arm(b)
			}
		}
	}
	pending := q.pending
	q.pending = nil
	for _, fn := range pending {
		fn()
	}
}

// failoverFault: the active controller (and with count: N, N voters in
// all) fails for the fault's duration.
type failoverFault struct {
	w    *world
	f    *scenarios.Fault
	lost []int
}

func (a *failoverFault) apply() error {
	a.lost = a.w.ctl.loseVoters(max(a.f.Count, 1))
	return nil
}

func (a *failoverFault) revert() error {
	for _, v := range a.lost {
		a.w.ctl.voterBack(v)
	}
	return nil
}
