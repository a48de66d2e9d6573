package kafka

import "mqsim/sim"

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
// however many partitions it moves, and its records reach the brokers one
// network latency later, when every new leader takes effect at the same
// instant. (A ZooKeeper-era controller elected one partition after another,
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
	c.batches++
	t := max(now, c.busyUntil, c.failedUntil) + c.electionCost
	c.busyUntil = t
	effect := t + c.w.net.Latency
	c.w.s.At(effect, func() {
		for _, p := range parts {
			c.electAvoiding(p, avoid)
		}
	})
	return effect
}
