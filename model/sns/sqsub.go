package sns

import (
	"mqsim/model/sqs"
	"mqsim/sim"
)

// The SQS side of an SQS subscription: the copy lands in the queue and the
// group's consumer threads receive (long polling), process and delete,
// each API call a request latency's round trip (as model/sqs).

type waiter struct {
	done  bool
	max   int
	reply func([]sqs.Receipt)
}

// enqueue is SNS's delivery of m into the subscription's queue. The
// message's group id on a FIFO queue is the producer's key.
func (u *sub) enqueue(m *msg) {
	u.settle(m.id)
	c := &sqs.Message{Prod: m.id.prod, Seq: m.id.seq, Key: m.key, Born: m.born, Size: m.size,
		DedupID: uint64(m.id.prod)<<32 | uint64(uint32(m.id.seq))}
	u.q.Send(u.w.s.Now(), c)
	u.rose()
	u.wake()
}

// call runs handle at the service half a request latency from now.
func (u *sub) call(handle func()) { u.w.s.After(u.w.half, handle) }

// poll is a consumer thread's ReceiveMessage loop.
func (c *consumer) poll() {
	u, w := c.g.u, c.g.w
	if !c.alive {
		return
	}
	alive := c.aliveNow()
	got := func(rs []sqs.Receipt) {
		w.s.After(w.half, func() {
			if !alive() {
				return // in flight until the visibility timeout
			}
			if len(rs) == 0 {
				c.poll()
				return
			}
			c.reserved = append(c.reserved, rs...)
			c.next()
		})
	}
	wait := sim.Time(u.spec.Queue.ReceiveWait)
	max := u.spec.Queue.MaxMessages
	u.call(func() {
		rs := u.q.Receive(w.s.Now(), max)
		u.count(rs)
		if len(rs) > 0 || wait == 0 {
			got(rs)
			return
		}
		wt := &waiter{max: max, reply: got}
		u.waiters = append(u.waiters, wt)
		w.s.After(wait, func() {
			if !wt.done {
				wt.done = true
				wt.reply(nil)
			}
		})
		u.armWake()
	})
}

func (u *sub) count(rs []sqs.Receipt) {
	for _, r := range rs {
		if r.M.ReceiveCount > 1 {
			u.w.redelivered++
		}
	}
}

// next processes the next received message, or polls again.
func (c *consumer) next() {
	w, u := c.g.w, c.g.u
	for len(c.reserved) > 0 && c.skip[c.reserved[0].M.Key] {
		c.reserved = c.reserved[1:] // left in flight: back with its group after the timeout
	}
	if len(c.reserved) == 0 {
		clear(c.skip)
		c.poll()
		return
	}
	r := c.reserved[0]
	c.reserved = c.reserved[1:]
	c.running = true
	alive := c.aliveNow()
	d := sim.SampleTime(c.g.spec.Processing.Dist, c.rng)
	w.s.After(d, func() {
		if !alive() {
			return
		}
		c.running = false
		m := r.M
		if c.g.fails(m.Prod, m.Seq, m.Key, c.rng) {
			w.processingRetries++
			if u.q.Cfg.FIFO {
				if c.skip == nil {
					c.skip = map[int64]bool{}
				}
				c.skip[m.Key] = true
			}
		} else {
			c.g.record(m.Prod, m.Seq, m.Key, m.Born, m.Size)
			u.call(func() {
				u.q.Delete(w.s.Now(), r)
				u.wake()
			})
		}
		c.next()
	})
}

// wake answers parked long polls while messages are available.
func (u *sub) wake() {
	now := u.w.s.Now()
	u.q.Advance(now)
	for len(u.waiters) > 0 {
		wt := u.waiters[0]
		if wt.done {
			u.waiters = u.waiters[1:]
			continue
		}
		if u.q.AtInFlightLimit() || !u.q.HasAvailable(now) {
			break
		}
		rs := u.q.Receive(now, wt.max)
		if len(rs) == 0 {
			continue
		}
		u.count(rs)
		wt.done = true
		u.waiters = u.waiters[1:]
		wt.reply(rs)
	}
	u.armWake()
}

// armWake schedules a wake at the queue's next timer while polls are parked.
func (u *sub) armWake() {
	if len(u.waiters) == 0 {
		return
	}
	t, ok := u.q.NextTimer()
	if !ok {
		return
	}
	s := u.w.s
	if u.wakeEv != 0 && u.wakeAt <= t && u.wakeAt >= s.Now() {
		return
	}
	if u.wakeEv != 0 {
		s.Cancel(u.wakeEv)
	}
	u.wakeAt = t
	u.wakeEv = s.At(t, func() { u.wakeEv = 0; u.wake() })
}
