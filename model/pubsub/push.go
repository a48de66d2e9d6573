package pubsub

import "mqsim/sim"

// pushReq is one push request: a delivery of e to the endpoint.
type pushReq struct {
	e      *entry
	id     uint64
	sentAt sim.Time
	over   bool // answered or failed already
}

// dispatchPush sends ready messages while the window allows.
func (u *sub) dispatchPush() {
	w := u.w
	for len(u.ready) > 0 && float64(u.outstanding) < u.window {
		e := u.ready[0]
		u.ready = u.ready[1:]
		if u.live[e.m.id] != e || e.outstanding {
			continue
		}
		u.deliver(e)
		u.outstanding++
		r := &pushReq{e: e, id: e.ackID, sentAt: w.s.Now()}
		// The ack deadline is the request's timeout.
		w.s.After(sim.Time(u.spec.AckDeadline), func() { u.pushFailed(r) })
		w.s.After(w.dl, func() { u.pushArrives(r) })
	}
}

func (u *sub) endpointUp() bool {
	for _, c := range u.group.consumers {
		if c.alive {
			return true
		}
	}
	return false
}

func (u *sub) pushArrives(r *pushReq) {
	if r.over {
		return
	}
	if !u.endpointUp() {
		u.w.s.After(u.w.dl, func() { u.pushFailed(r) }) // connection refused
		return
	}
	u.epQueue = append(u.epQueue, r)
	u.serveQueue()
}

func (u *sub) serveQueue() {
	for _, c := range u.group.consumers {
		if len(u.epQueue) == 0 {
			return
		}
		if c.alive && !c.running {
			r := u.epQueue[0]
			u.epQueue = u.epQueue[1:]
			c.servePush(r)
		}
	}
}

func (c *consumer) servePush(r *pushReq) {
	g, w := c.g, c.g.w
	c.running, c.cur = true, r
	alive := c.aliveNow()
	w.s.After(sim.SampleTime(g.spec.Processing.Dist, c.rng), func() {
		if !alive() {
			return
		}
		c.running, c.cur = false, nil
		ok := !g.fails(r.e.m, c.rng)
		if ok {
			g.record(r.e.m)
		} else {
			w.processingRetries++
		}
		w.s.After(w.dl, func() {
			if ok {
				g.u.pushSucceeded(r)
			} else {
				g.u.pushFailed(r)
			}
		})
		g.u.serveQueue()
	})
}

// pushSucceeded is a 2xx reaching the service in time: the message is
// acked and the window doubles.
func (u *sub) pushSucceeded(r *pushReq) {
	if r.over {
		u.w.svc.PubSubLateAcks++
		return
	}
	r.over = true
	u.outstanding--
	u.window = min(u.window*2, float64(u.spec.PushMaxOutstanding))
	u.ackArrives(r.e, r.id)
	u.dispatch()
}

// pushFailed is a failed push (an error, a refused connection, or no
// answer within the ack deadline): a nack, and the window halves.
func (u *sub) pushFailed(r *pushReq) {
	if r.over {
		return
	}
	r.over = true
	u.outstanding--
	u.window = max(1, u.window/2)
	w := u.w
	if w.svc.PubSubDeliveries > 0 && (!w.pushMinSet || int64(u.window) < w.svc.PubSubPushWindowMin) {
		w.pushMinSet = true
		w.svc.PubSubPushWindowMin = int64(u.window)
	}
	u.nackArrives(r.e, r.id)
	u.dispatch()
}
