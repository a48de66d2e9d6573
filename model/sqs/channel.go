package sqs

import (
	"mqsim/model/channel"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// An SQS queue is a channel an asynchronous service call can go through.
func init() { channel.Register(scenarios.ViaSQS, newChannel) }

// inbox is a service's SQS queue (with its dead-letter queue) reached
// through SQS's API, each call half the request latency each way: a
// managed service outside the run's network. Callers publish
// (SendMessage) and go on; consumers receive with long polling when they
// ask (Want), and delete a message once handled. A message whose handling
// fails is not deleted: it comes back after the visibility timeout, and
// after max_receive_count receives goes to the dead-letter queue.
type inbox struct {
	h       channel.Host
	s       *sim.Sim
	half    sim.Time
	q, dlq  *Queue
	cons    []*inboxConsumer
	waiters []*waiter
	wakeEv  sim.EventID
	wakeAt  sim.Time
	seq     int32
	st      channel.Stats
}

type inboxConsumer struct {
	c       channel.Consumer
	polling bool
	life    int // bumped when the process stops: its receives are void
}

func newChannel(h channel.Host) (channel.Channel, error) {
	c := &h.Queue
	b := &inbox{h: h, s: h.Sim, half: sim.Time(c.RequestLatency) / 2}
	b.dlq = NewQueue(QueueConfig{Name: h.Name + "-dlq", Visibility: sim.Time(c.VisibilityTimeout),
		Retention: 14 * 24 * 3600 * sim.Second})
	b.q = NewQueue(QueueConfig{Name: h.Name, Visibility: sim.Time(c.VisibilityTimeout),
		Retention: 14 * 24 * 3600 * sim.Second, MaxReceiveCount: c.MaxReceiveCount, DLQ: b.dlq, InFlightLimit: 120_000})
	b.q.OnRedrive = func(*Message) { b.st.DeadLettered++ }
	return b, nil
}

// Publish is a SendMessage call: the answer comes a round trip later.
func (b *inbox) Publish(_ net.NodeID, msg channel.Message, done func(bool)) {
	b.st.Published++
	b.st.Requests++
	b.seq++
	m := &Message{Seq: b.seq, Key: -1, Born: msg.Born, Size: msg.Size}
	b.s.After(b.half, func() {
		b.q.Send(b.s.Now(), m)
		b.st.MaxStored = max(b.st.MaxStored, b.q.Stored())
		b.wake()
		b.s.After(b.half, func() { done(true) })
	})
}

func (b *inbox) Attach(c channel.Consumer) { b.cons = append(b.cons, &inboxConsumer{c: c}) }

// Want starts a ReceiveMessage for up to n messages (at most max_messages)
// unless one is outstanding.
func (b *inbox) Want(i, n int) {
	ic := b.cons[i]
	if ic.polling {
		return
	}
	n = min(n, b.h.Queue.MaxMessages)
	ic.polling = true
	life := ic.life
	got := func(rs []Receipt) {
		b.s.After(b.half, func() {
			if life != ic.life {
				return // the process died: its messages come back after the visibility timeout
			}
			ic.polling = false
			ds := make([]channel.Delivery, len(rs))
			for k, r := range rs {
				ds[k] = channel.Delivery{Message: channel.Message{Born: r.M.Born, Size: r.M.Size}, Handle: r}
			}
			ic.c.Deliver(ds)
		})
	}
	b.s.After(b.half, func() {
		b.st.Requests++
		rs := b.q.Receive(b.s.Now(), n)
		wait := b.h.Queue.ReceiveWait
		if len(rs) > 0 || wait == 0 {
			if len(rs) == 0 {
				b.st.EmptyReceives++
			}
			got(rs)
			return
		}
		wt := &waiter{max: n}
		wt.reply = func(rs []Receipt) {
			if len(rs) == 0 {
				b.st.EmptyReceives++
			}
			got(rs)
		}
		b.waiters = append(b.waiters, wt)
		b.s.After(sim.Time(wait), func() {
			if !wt.done {
				wt.done = true
				wt.reply(nil)
			}
		})
		b.armWake()
	})
}

// Settle deletes a handled message (a DeleteMessage call the consumer does
// not wait for); a failure leaves it to come back after its visibility
// timeout.
func (b *inbox) Settle(_ int, d channel.Delivery, ok bool) {
	if !ok {
		return
	}
	r := d.Handle.(Receipt)
	b.s.After(b.half, func() {
		if b.q.Delete(b.s.Now(), r) {
			b.st.Requests++
			b.st.Settled++
		}
		b.wake()
	})
}

func (b *inbox) Stop(i int, _ bool) {
	ic := b.cons[i]
	ic.life++
	ic.polling = false
}

func (b *inbox) Start(int) {}

func (b *inbox) Stored() int { return b.q.Stored() }

func (b *inbox) Stats() channel.Stats {
	st := b.st
	st.Delivered = b.q.Received
	st.Redelivered = b.q.Received - b.q.Deleted - int64(b.q.InFlight())
	return st
}

// wake answers parked long polls while messages are available.
func (b *inbox) wake() {
	now := b.s.Now()
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
	if b.wakeEv != 0 && b.wakeAt <= t && b.wakeAt >= b.s.Now() {
		return
	}
	if b.wakeEv != 0 {
		b.s.Cancel(b.wakeEv)
	}
	b.wakeAt = t
	b.wakeEv = b.s.At(t, func() { b.wakeEv = 0; b.wake() })
}
