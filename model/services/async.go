package services

import (
	"mqsim/model/sqs"
	"mqsim/sim"
)

// inbox is the broker queue in front of a service reached asynchronously:
// a real SQS queue (model/sqs's Queue: visibility timeouts, receive
// counts, redrive to a dead-letter queue) reached through SQS's API, each
// call half the request latency each way. Callers publish (SendMessage)
// and go on; the service's instances receive with long polling whenever a
// thread is free, and delete a message once handled. A message whose
// handling fails is not deleted: it comes back after the visibility
// timeout, and after max_receive_count receives goes to the dead-letter
// queue.
type inbox struct {
	w       *world
	svc     *service
	q, dlq  *sqs.Queue
	waiters []*waiter
	wakeEv  sim.EventID
	wakeAt  sim.Time
	seq     int32
	// Counters.
	sends, receives, emptyReceives, deletes int64
	maxStored                               int
}

type waiter struct {
	done  bool
	max   int
	reply func([]sqs.Receipt)
}

func newInbox(w *world, sv *service) *inbox {
	c := &w.cfg.Queue
	b := &inbox{w: w, svc: sv}
	b.dlq = sqs.NewQueue(sqs.QueueConfig{Name: sv.spec.Name + "-dlq", Visibility: sim.Time(c.VisibilityTimeout),
		Retention: 14 * 24 * 3600 * sim.Second})
	b.q = sqs.NewQueue(sqs.QueueConfig{Name: sv.spec.Name + "-inbox", Visibility: sim.Time(c.VisibilityTimeout),
		Retention: 14 * 24 * 3600 * sim.Second, MaxReceiveCount: c.MaxReceiveCount, DLQ: b.dlq, InFlightLimit: 120_000})
	b.q.OnRedrive = func(*sqs.Message) { sv.deadLettered++ }
	return b
}

// publish is a SendMessage call from a thread handling j: the thread
// waits for the broker's answer (a round trip), then then runs.
func (b *inbox) publish(j *job, then func()) {
	w := b.w
	b.sends++
	b.svc.attempts++
	b.seq++
	m := &sqs.Message{Prod: b.svc.idx, Seq: b.seq, Key: -1, Born: j.origin, Size: msgSize}
	w.s.After(w.half, func() {
		b.q.Send(w.s.Now(), m)
		b.maxStored = max(b.maxStored, b.q.Stored())
		b.wake()
		w.s.After(w.half, then)
	})
}

// poll starts a ReceiveMessage from the instance when it has a free
// thread and nothing else to do, and none is outstanding.
func (in *instance) poll() {
	sv := in.svc
	b := sv.inbox
	if b == nil || in.polling || in.down || in.busy >= sv.spec.Threads || len(in.queue) > 0 || len(in.prefetched) > 0 {
		return
	}
	w := sv.w
	n := min(sv.spec.Threads-in.busy, w.cfg.Queue.MaxMessages)
	in.polling = true
	inc := in.inc
	got := func(rs []sqs.Receipt) {
		w.s.After(w.half, func() {
			if inc != in.inc {
				return // the process died: its messages come back after the visibility timeout
			}
			in.polling = false
			in.prefetched = append(in.prefetched, rs...)
			in.next()
		})
	}
	w.s.After(w.half, func() {
		b.receives++
		rs := b.q.Receive(w.s.Now(), n)
		wait := w.cfg.Queue.ReceiveWait
		if len(rs) > 0 || wait == 0 {
			if len(rs) == 0 {
				b.emptyReceives++
			}
			got(rs)
			return
		}
		wt := &waiter{max: n}
		wt.reply = func(rs []sqs.Receipt) {
			if len(rs) == 0 {
				b.emptyReceives++
			}
			got(rs)
		}
		b.waiters = append(b.waiters, wt)
		w.s.After(sim.Time(wait), func() {
			if !wt.done {
				wt.done = true
				wt.reply(nil)
			}
		})
		b.armWake()
	})
}

// done ends an asynchronous job: a success deletes the message (a
// DeleteMessage call the thread does not wait for), a failure leaves it to
// come back after its visibility timeout.
func (b *inbox) done(j *job, ok bool) {
	w := b.w
	if !ok {
		return
	}
	b.svc.asyncProcessed++
	if j.origin >= w.warm {
		w.asyncDone.RecordTime(w.s.Now() - j.origin)
	}
	r := *j.receipt
	w.s.After(w.half, func() {
		if b.q.Delete(w.s.Now(), r) {
			b.deletes++
		}
		b.wake()
	})
}

// wake answers parked long polls while messages are available.
func (b *inbox) wake() {
	now := b.w.s.Now()
	b.q.Advance(now)
	for len(b.waiters) > 0 {
		wt := b.waiters[0]
		if wt.done {
			b.waiters = b.waiters[1:]
			continue
		}
		if b.q.AtInFlightLimit() || !b.q.HasAvailable(now) {
			break
		}
		rs := b.q.Receive(now, wt.max)
		if len(rs) == 0 {
			continue
		}
		wt.done = true
		b.waiters = b.waiters[1:]
		wt.reply(rs)
	}
	b.armWake()
}

// armWake schedules a wake at the queue's next timer while polls are parked.
func (b *inbox) armWake() {
	if len(b.waiters) == 0 {
		return
	}
	t, ok := b.q.NextTimer()
	if !ok {
		return
	}
	if b.wakeEv != 0 && b.wakeAt <= t && b.wakeAt >= b.w.s.Now() {
		return
	}
	if b.wakeEv != 0 {
		b.w.s.Cancel(b.wakeEv)
	}
	b.wakeAt = t
	b.wakeEv = b.w.s.At(t, func() { b.wakeEv = 0; b.wake() })
}
