package sns

import "mqsim/sim"

// The HTTP side: SNS posts each copy to the endpoint and retries a failed
// delivery on the subscription's delivery policy.

// delivery is one copy on its way to an HTTP endpoint; n is the attempt
// (1 = the first).
type delivery struct {
	m *msg
	n int
}

// attempt sends d to the endpoint now, or at the throttle policy's next
// slot.
func (u *sub) attempt(d *delivery) {
	w := u.w
	now := w.s.Now()
	at := now
	if r := u.spec.DeliveryPolicy.MaxReceivesPerSecond; r > 0 {
		if u.nextSlot > at {
			at = u.nextSlot
			w.svc.SNSThrottled++
		}
		u.nextSlot = at + max(sim.Seconds(1/r), 1)
	}
	w.s.At(at, func() {
		w.svc.SNSAttempts++
		if d.n > 1 {
			w.svc.SNSRetries++
		}
		if w.onAttempt != nil {
			w.onAttempt(u.spec.Name, d.n, w.s.Now())
		}
		w.s.At(u.arrival(w.s.Now()), func() { u.arrive(d) })
	})
}

// arrive is the request reaching the endpoint: refused when no handler is
// alive, otherwise queued for the next free handler.
func (u *sub) arrive(d *delivery) {
	if !u.endpointUp() {
		u.failed(d)
		return
	}
	u.epQueue = append(u.epQueue, d)
	u.dispatch()
}

func (u *sub) endpointUp() bool {
	for _, c := range u.group.consumers {
		if c.alive {
			return true
		}
	}
	return false
}

// dispatch hands queued requests to free live handlers.
func (u *sub) dispatch() {
	for _, c := range u.group.consumers {
		if len(u.epQueue) == 0 {
			return
		}
		if c.alive && !c.running {
			d := u.epQueue[0]
			u.epQueue = u.epQueue[1:]
			c.serve(d)
		}
	}
}

// serve handles one request: the group's processing time, then a 2xx (the
// message is processed) or a 5xx (the group's failures).
func (c *consumer) serve(d *delivery) {
	g, w := c.g, c.g.w
	c.running, c.cur = true, d
	alive := c.aliveNow()
	w.s.After(sim.SampleTime(g.spec.Processing.Dist, c.rng), func() {
		if !alive() {
			return // the crash failed the request
		}
		c.running, c.cur = false, nil
		m := d.m
		if g.fails(m.id.prod, m.id.seq, m.key, c.rng) {
			w.processingRetries++
			g.u.failed(d)
		} else {
			g.record(m.id.prod, m.id.seq, m.key, m.born, m.size)
			g.u.settle(m.id)
		}
		g.u.dispatch()
	})
}

// failed is a failed attempt: SNS learns of it after the response's way
// back, then waits the policy's next delay, or gives up when the policy
// has run out: to the subscription's dead-letter queue if it has one,
// else discarded (lost).
func (u *sub) failed(d *delivery) {
	w := u.w
	back := sim.SampleTime(w.cfg.DeliveryLatency.Dist, u.rng)
	w.s.After(back, func() {
		if d.n <= len(u.delays) {
			delay := u.delays[d.n-1]
			d.n++
			w.s.After(delay, func() { u.attempt(d) })
			return
		}
		w.svc.SNSExhausted++
		u.settle(d.m.id)
		if u.spec.DeadLetterQueue {
			w.svc.SNSToDLQ++
			w.deadLettered++
			u.t.chk.Handled(u.gi, d.m.id.prod, 0, d.m.id.seq)
			return
		}
		w.svc.SNSDiscarded++
	})
}
