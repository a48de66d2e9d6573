package services

import (
	"mqsim/model/channel"
	"mqsim/scenarios"
	"mqsim/sim"
)

// inbox is the queue (or topic) in front of a service reached
// asynchronously: a channel of the system its callers' via names
// (model/channel: SQS, a RabbitMQ quorum queue, a Pulsar topic with a
// shared subscription), built on this run's kernel and network. Callers
// publish and go on once the broker has the message; the service's
// instances consume, and settle a message once handled (a failure lets it
// come back).
type inbox struct {
	w   *world
	svc *service
	ch  channel.Channel
	sys string
	// attached: the instances consume (they exist).
	attached bool
	// Counters.
	sends, refused int64
	maxStored      int
}

func newInbox(w *world, sv *service, via *scenarios.ServiceVia) (*inbox, error) {
	b := &inbox{w: w, svc: sv, sys: via.System}
	publishers := 0 // the instances of every service calling it asynchronously
	for _, caller := range w.cfg.Graph {
		for _, k := range caller.Calls {
			if k.To == sv.spec.Name && k.Mode == scenarios.CallAsync {
				publishers += caller.Instances
				break
			}
		}
	}
	ch, err := channel.New(channel.Host{Sim: w.s, Net: w.net, Name: sv.spec.Name + "-inbox", Via: *via, Queue: w.cfg.Queue,
		Publishers: publishers, Consumers: sv.spec.Instances, Window: sv.spec.Threads, End: w.end, Drain: sim.Time(w.sc.Drain),
		Fail: w.fail})
	if err != nil {
		return nil, err
	}
	b.ch = ch
	return b, nil
}

// attach makes each of the service's instances a consumer, asking for
// work from the start.
func (b *inbox) attach() {
	if b.attached {
		return
	}
	b.attached = true
	for _, in := range b.svc.insts {
		in := in
		b.ch.Attach(channel.Consumer{Node: in.node, Deliver: func(ds []channel.Delivery) {
			in.polling = false
			in.prefetched = append(in.prefetched, ds...)
			in.next()
		}})
		b.w.s.At(0, in.poll)
	}
}

// publish sends j's message from the thread handling it: the thread waits
// for the broker's answer, then runs (a refusal fails the call).
func (b *inbox) publish(in *instance, j *job, then func(ok bool)) {
	b.sends++
	b.svc.attempts++
	b.ch.Publish(in.node, channel.Message{Born: j.origin, Size: msgSize}, func(ok bool) {
		if !ok {
			b.refused++
		}
		then(ok)
	})
}

// stored is the messages held now. maxStored is the most held at once
// during the run: the channel's own maximum, exact over the run for an
// SQS, RabbitMQ or Pulsar channel, which raise it wherever their count
// rises (a Kafka channel's at each publish), and every value sampled.
func (b *inbox) stored() int {
	n := b.ch.Stored()
	b.maxStored = max(b.maxStored, n, b.ch.Stats().MaxStored)
	return n
}

// poll asks the channel for work when the instance has a free thread and
// nothing else to do.
func (in *instance) poll() {
	sv := in.svc
	b := sv.inbox
	if b == nil || in.polling || in.down || in.busy >= sv.spec.Threads || len(in.queue) > 0 || len(in.prefetched) > 0 {
		return
	}
	in.polling = true
	b.ch.Want(in.idx, sv.spec.Threads-in.busy)
}

// done ends an asynchronous job: a success settles (deletes, acks) the
// message, a failure leaves it to come back.
func (b *inbox) done(j *job, ok bool) {
	w := b.w
	if ok {
		b.svc.asyncProcessed++
		if j.origin >= w.warm {
			w.asyncDone.RecordTime(w.s.Now() - j.origin)
		}
	}
	b.ch.Settle(j.inst.idx, *j.delivery, ok)
}
