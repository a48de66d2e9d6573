package kafka

import (
	"math/rand/v2"

	"mqsim/scenarios"
	"mqsim/sim"
)

// KRaft's broker liveness and metadata batches.
//
// Every broker heartbeats to the controller each broker.heartbeat.interval.ms
// (broker b first at (2b+1)/2n of an interval, so n brokers spread evenly);
// a heartbeat reaches the controller one network latency after it is sent,
// and none is sent while the broker is down or cut off from the controller.
// The controller fences a broker whose last heartbeat arrived
// broker.session.timeout.ms ago, so a crash is detected between
// session − interval and session after it happens.
//
// The leader elections one controller event needs are written as one
// metadata batch: the batch costs election_cost at the controller once,
// however many partitions it moves, is committed when a majority of the
// controller voters has it (a round trip, below), and its records reach
// the brokers one network latency later, when every new leader takes
// effect at the same instant. (A ZooKeeper-era controller elected one partition after another,
// a cost each: 1,000 partitions at 5ms took 5s.)

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

// sendHeartbeat is one tick of broker b's heartbeat: sent unless the broker
// is down or cut off from the controller.
func (c *controller) sendHeartbeat(id uint64) {
	b := int(id)
	if bs := &c.bs[b]; !bs.down && !bs.cutController {
		c.w.s.AfterCall(c.w.net.Latency, c.heardFrom, id)
	}
	c.w.s.AfterCall(c.heartbeat, c.sendHeartbeat, id)
}

// heardFrom: a heartbeat from broker b reached the controller.
func (c *controller) heardFrom(id uint64) {
	b := int(id)
	if c.quorum().leader < 0 {
		return // no active controller hears it
	}
	c.bs[b].lastHB = c.w.s.Now()
	if !c.bs[b].fenced {
		c.arm(b)
	}
}

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
			c.fence(b)
		} else if !c.bs[b].fenced {
			c.arm(b)
		}
	})
}

// electBatch writes one metadata batch electing leaders for parts
// (preferring replicas not on broker avoid, -1 for none): it costs the
// controller election_cost once, and the new leaders take effect one
// network latency after it is committed. It returns that time (now, for
// an empty batch).
func (c *controller) electBatch(parts []*partition, avoid int) sim.Time {
	now := c.w.s.Now()
	if len(parts) == 0 {
		return now
	}
	if c.waitActive(func() { c.electBatch(parts, avoid) }) {
		return now
	}
	q := c.quorum()
	epoch := q.epoch
	c.batches++
	t := max(now, c.busyUntil, c.failedUntil) + c.electionCost
	c.busyUntil = t
	commit := t + c.commitDelay()
	effect := commit + c.w.net.Latency
	c.w.s.At(commit, func() {
		if q.epoch != epoch {
			// The active controller failed before a majority had the
			// batch: its successor decides these partitions again.
			c.batches--
			c.electBatch(parts, avoid)
			return
		}
		c.w.s.At(effect, func() {
			for _, p := range parts {
				c.electAvoiding(p, avoid)
			}
		})
	})
	return effect
}

// The controller quorum (KRaft's Raft log of metadata).
//
// ControllerQuorumVoters controllers vote; one is the active controller
// (the quorum leader). A metadata batch it writes is committed when a
// majority of voters has it: the followers' fetch carries it to them and
// their next fetch tells the leader, one round trip (2 × the network
// latency) after the append. The batch's cost at the controller is
// election_cost (processing the elections and appending the batch to its
// log), then that round trip, then one latency more to reach the brokers.
//
// When the active controller fails, the other voters go
// controller.quorum.election.timeout.ms without hearing from it, then
// stand for election, each after its own random backoff of up to
// controller.quorum.election.backoff.max.ms; the first to stand wins the
// votes of the majority in one round trip and becomes active once its
// first batch (the leader change) is committed, one round trip more.
// Meanwhile nothing is fenced or elected: the controller's work waits, and
// broker heartbeats reach no one (the new active controller starts every
// broker's session afresh). Without a majority of voters alive nothing is
// elected until enough return.
//
// Voters are dedicated controller nodes at the network's latency from
// each other and from the brokers; their messages take that latency
// without jitter.

// quorum is the state of the controller voters.
type quorum struct {
	up          []bool
	leader      int   // the active controller's voter, -1 while there is none
	epoch       int32 // bumped at every loss of the active controller
	electing    bool  // an election is under way
	electionSeq uint32
	pending     []func() // controller work waiting for an active controller
	elections   int64    // controller elections won after a failover
	activeSince sim.Time // when the active controller took over
	rng         *rand.Rand
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

// roundTrip is one round trip between controllers (or a controller and a
// broker): a vote, or a batch reaching a majority.
func (c *controller) roundTrip() sim.Time { return 2 * c.w.net.Latency }

// commitDelay is how long after its append a batch is committed: a round
// trip to the other voters, none for a quorum of one.
func (c *controller) commitDelay() sim.Time {
	if len(c.quorum().up) == 1 {
		return 0
	}
	return c.roundTrip()
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
	if q.leader >= 0 && !q.majority() {
		// The leader cannot commit without a majority: it resigns.
		q.leader = -1
		q.epoch++
	}
	c.maybeElect()
	return lost
}

// voterBack: a failed voter returns as a follower.
func (c *controller) voterBack(v int) {
	q := c.quorum()
	q.up[v] = true
	c.maybeElect()
}

// maybeElect starts an election when there is no active controller and a
// majority of voters is alive: the first live voter's timer to run out
// (the election timeout plus its own random backoff) stands, wins the
// votes in a round trip, and is active once its first batch is committed
// (a round trip more).
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
	c.w.s.At(c.w.s.Now()+first+c.roundTrip()+c.commitDelay(), func() { c.elected(seq, who) })
}

// elected: voter v is the active controller. It starts every registered
// broker's session afresh and does the work that waited.
func (c *controller) elected(seq uint32, v int) {
	q := c.quorum()
	if seq != q.electionSeq || !q.electing {
		return
	}
	q.electing = false
	if !q.up[v] || !q.majority() {
		c.maybeElect() // it failed meanwhile, or the majority did: stand again
		return
	}
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
