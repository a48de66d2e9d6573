package sqs

import (
	"mqsim/sim"
)

// Celery workers on the SQS transport (celery/celery docs: workers,
// configuration, tasks). A worker keeps up to concurrency ×
// prefetch_multiplier messages reserved (0 = no limit), runs concurrency
// tasks at once, acknowledges — deletes — just before running (the
// default) or after (acks_late), retries failed tasks by publishing them
// again with a countdown, and holds tasks with an ETA in memory outside
// the prefetch window until it is due. The transport never extends a
// reserved message's visibility, so a task held longer than the visibility
// timeout is received again — and run again — by a worker: ⌊ETA /
// visibility⌋ extra times (celery/kombu#337 and its reports).

// reservationLimit is how many messages a worker keeps reserved (received,
// not finished, ETA tasks apart); 0 means no limit.
func (c *consumer) reservationLimit() int {
	cel := c.g.w.sc.Celery
	return cel.Concurrency * cel.Multiplier()
}

// unacked is how many of the worker's messages count against its prefetch
// window: those reserved, and those running when they are acknowledged
// late (an early ack frees the slot as the task starts).
func (c *consumer) unacked() int {
	n := len(c.reserved)
	if c.g.w.sc.Celery.AcksLate {
		n += c.running
	}
	return n
}

// workerPoll receives while the worker has room in its prefetch window.
func (c *consumer) workerPoll() {
	w := c.g.w
	if !c.alive || c.polling {
		return
	}
	n := MaxReceiveMsgs
	if lim := c.reservationLimit(); lim > 0 {
		n = min(n, lim-c.unacked())
	}
	if n <= 0 {
		return
	}
	c.polling = true
	w.receive(c.g.qs, n, c.aliveNow(), func(rs []Receipt) {
		c.polling = false
		now := w.s.Now()
		alive := c.aliveNow()
		for _, r := range rs {
			if r.M.ETA > now {
				// Held in memory until due, outside the prefetch window.
				c.held++
				w.s.At(r.M.ETA, func() {
					if !alive() {
						return
					}
					c.held--
					c.reserved = append(c.reserved, r)
					c.tryStart()
				})
				continue
			}
			c.reserved = append(c.reserved, r)
		}
		c.tryStart()
		c.workerPoll()
	})
}

// tryStart runs reserved tasks while a process is free and the per-worker
// rate limit allows.
func (c *consumer) tryStart() {
	w := c.g.w
	cel := w.sc.Celery
	for c.alive && c.running < cel.Concurrency && len(c.reserved) > 0 {
		now := w.s.Now()
		if cel.RateLimit > 0 {
			if now < c.nextStart {
				alive := c.aliveNow()
				at := c.nextStart
				w.s.At(at, func() {
					if alive() && w.s.Now() >= c.nextStart {
						c.tryStart()
					}
				})
				return
			}
			c.nextStart = now + max(sim.Seconds(1/float64(cel.RateLimit)), 1)
		}
		r := c.reserved[0]
		c.reserved = c.reserved[1:]
		c.running++
		if !cel.AcksLate {
			w.deleteMsg(c.g.qs, r, c.rng) // early ack: at-most-once
		}
		d := sim.Time(0)
		if c.g.proc != nil {
			d = sim.SampleTime(c.g.proc, c.rng)
		}
		alive, pe := c.aliveNow(), c.procEpoch
		c.runningR = append(c.runningR, r)
		w.s.After(d, func() {
			if !alive() || c.procEpoch != pe {
				return
			}
			c.running--
			c.removeRunning(r)
			c.taskDone(r)
			c.tryStart()
			c.workerPoll()
		})
	}
}

// taskDone ends one run of a task: success is recorded; a failure is
// retried (published again with a countdown) up to max_retries, then the
// task fails for good. A late-acked message is deleted either way (Celery
// acks failed tasks too: task_acks_on_failure_or_timeout).
func (c *consumer) taskDone(r Receipt) {
	g, w := c.g, c.g.w
	cel := w.sc.Celery
	m := r.M
	if !g.fails(m, c.rng) {
		g.record(m)
	} else if m.Retries < cel.Retries() {
		w.processingRetries++
		retry := *m
		retry.Retries++
		retry.DedupID = m.DedupID ^ uint64(retry.Retries)<<48 // a new message: a FIFO queue must not drop it as a repeat
		retry.ETA = w.s.Now() + backoff(cel, retry.Retries, c.rng)
		retry.receipt, retry.inFlight, retry.gen, retry.deleted, retry.group, retry.ReceiveCount = 0, false, 0, false, nil, 0
		w.send(g.qs, &retry, func() {})
	} else {
		w.discarded++
		w.chk.Handled(g.idx, m.Prod, m.Part, m.Seq)
	}
	if cel.AcksLate {
		w.deleteMsg(g.qs, r, c.rng)
	}
}

func (c *consumer) removeRunning(r Receipt) {
	for i, x := range c.runningR {
		if x == r {
			c.runningR = append(c.runningR[:i], c.runningR[i+1:]...)
			return
		}
	}
}

// processesLost kills the pool processes running tasks (a consumer-crash
// fault with celery.crash_kills: processes): the worker itself lives,
// replaces them at once and settles each lost task — an early-acked one is
// already deleted; a late-acked one is acknowledged (deleted) as failed
// unless reject_on_worker_lost requeues it (visible again at once).
func (c *consumer) processesLost() {
	w := c.g.w
	if !c.alive {
		return
	}
	cel := w.sc.Celery
	c.procEpoch++
	for _, r := range c.runningR {
		if !cel.AcksLate {
			continue
		}
		if cel.RejectOnWorkerLost {
			w.changeVisibility(c.g.qs, r, 0)
		} else {
			w.deleteMsg(c.g.qs, r, c.rng)
		}
	}
	c.runningR, c.running = nil, 0
	c.tryStart()
	c.workerPoll()
}
