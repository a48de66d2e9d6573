package pulsar

import (
	"fmt"

	"mqsim/model"
	"mqsim/model/channel"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// A topic with a shared subscription is a channel an asynchronous service
// call can go through.
func init() { channel.Register(scenarios.ViaPulsar, newChannel) }

// pchannel is a service's inbox as a Pulsar topic (one partition) with a
// shared subscription: via.nodes brokers and as many bookies (machines of
// the default hardware profile) on the run's kernel and network, the
// ledger written to an ensemble of via.replicas bookies with an ack quorum
// of their majority. Each caller instance is a producer (batching, the
// send timeout) on its own connection; each callee instance is a consumer
// whose receiver queue is its threads, acknowledging what it handled and
// negatively acknowledging what it failed (redelivered after the
// negative-ack delay). The same code runs as in `system: pulsar`.
type pchannel struct {
	w    *world
	h    channel.Host
	sb   *subscription
	pubs map[net.NodeID]*producer
	wait map[int32]func(bool) // confirm callbacks by message id
	cons []channel.Consumer
	st   channel.Stats
}

// pdelivery is a delivery's handle.
type pdelivery struct{ d delivery }

func newChannel(h channel.Host) (channel.Channel, error) {
	qa := h.Via.Replicas/2 + 1
	sc := &scenarios.Scenario{Name: h.Name, System: scenarios.SystemPulsar, Seed: 1,
		Duration: units.Duration(h.End), Drain: units.Duration(h.Drain),
		Cluster:        scenarios.Cluster{Brokers: h.Via.Nodes},
		Topics:         []scenarios.Topic{{Name: h.Name, Partitions: 1}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: h.Name, Topic: h.Name, Consumers: h.Consumers}},
		Pulsar: &scenarios.Pulsar{Bookies: h.Via.Nodes, Ensemble: h.Via.Replicas, WriteQuorum: h.Via.Replicas, AckQuorum: qa,
			Subscriptions: []scenarios.PulsarSubscription{{Group: h.Name, Type: "shared", ReceiverQueue: max(h.Window, 1),
				InitialPosition: "earliest"}}}}
	sc.Defaults()
	ch := &pchannel{h: h, pubs: map[net.NodeID]*producer{}, wait: map[int32]func(bool){}}
	w, err := buildOn(h.Sim, h.Net, sc, model.Options{}, ch)
	if err != nil {
		return nil, fmt.Errorf("pulsar channel %s: %w", h.Name, err)
	}
	ch.w, ch.sb = w, w.subs[0]
	if channelBuilt != nil {
		channelBuilt(ch)
	}
	return ch, nil
}

// channelBuilt, set only by tests, hears of every channel built.
var channelBuilt func(*pchannel)

// Publish sends from the caller instance's own producer: batched per
// batching_max_delay, answered with the send receipt once the ack quorum
// has the entry.
func (ch *pchannel) Publish(from net.NodeID, msg channel.Message, done func(bool)) {
	w := ch.w
	p := ch.pubs[from]
	if p == nil {
		name := fmt.Sprintf("%s/producer-%d", ch.h.Name, len(w.pubs))
		p = &producer{w: w, idx: len(w.pubs), name: name, spec: &scenarios.Producer{Name: name, Topic: ch.h.Name},
			parts: w.regions[0].byTopic[ch.h.Name], rng: w.s.Stream("producer/" + name), ackHist: sim.NewLatencyHistogram()}
		for _, part := range p.parts {
			p.conns = append(p.conns, &pconn{pr: p, p: part, backoff: 100 * sim.Millisecond})
		}
		w.pubs = append(w.pubs, p)
		ch.pubs[from] = p
		for _, c := range p.conns {
			c.dial()
		}
		w.s.After(sim.Second, p.checkTimeouts)
	}
	ch.st.Published++
	c := p.conns[p.rr%len(p.conns)]
	ch.wait[int32(len(w.msgs))] = done // the id enqueue gives it
	p.enqueue(c, msg2(p, c, msg))
}

func msg2(p *producer, c *pconn, m channel.Message) msg {
	return msg{prod: int32(p.idx), seq: int32(len(p.ids)), part: int32(c.p.idx), region: int8(c.p.reg.idx), born: m.Born, size: m.Size, key: -1}
}

// outcome is pconn.settle's hook: the callers' receipts (or failures).
func (ch *pchannel) outcome(mids []int32, ok bool) {
	for _, mid := range mids {
		done := ch.wait[mid]
		if done == nil {
			continue
		}
		delete(ch.wait, mid)
		if !ok {
			ch.st.Refused++
		}
		done(ok)
	}
}

// Attach: the subscription's consumers exist from the start (one per
// callee instance, Host.Consumers); this names where each delivers.
func (ch *pchannel) Attach(c channel.Consumer) { ch.cons = append(ch.cons, c) }

// Want: a push channel delivers within each consumer's permits unasked.
func (ch *pchannel) Want(int, int) {}

// deliver is consumer.work's hook: the message goes to the callee
// instance, which acknowledges it when done.
func (ch *pchannel) deliver(cons *consumer, d delivery) {
	m := &ch.w.msgs[d.mid]
	ch.st.Delivered++
	if d.redo > 0 {
		ch.st.Redelivered++
	}
	ch.cons[cons.i].Deliver([]channel.Delivery{{Message: channel.Message{Born: m.born, Size: m.size}, Handle: pdelivery{d}}})
}

// Settle acknowledges a handled message; a failed one is negatively
// acknowledged and redelivered after the negative-ack delay.
func (ch *pchannel) Settle(i int, dv channel.Delivery, ok bool) {
	cons := ch.sb.cons[i]
	d := dv.Handle.(pdelivery).d
	if !cons.alive || d.cc.life != d.life {
		return // the connection it came on is gone: the broker redelivers it
	}
	if ok {
		ch.st.Settled++
		cons.ack(d)
		return
	}
	w := ch.w
	w.res.NegativeAcks++
	cc, life := d.cc, d.cc.life
	w.s.After(sim.Time(ch.sb.spec.NegativeAckDelay), func() {
		if cc.life != life || !cons.alive {
			return
		}
		w.net.Send(&cc.up, func(uint64) {
			if cc.life == life && cc.conn {
				ch.sb.redelivered++
				cc.c.requeue([]int64{d.pos})
			}
		}, 0)
	})
}

// Stop: the consumer process died; the broker redelivers what it held.
func (ch *pchannel) Stop(i int, _ bool) { ch.sb.cons[i].crash() }

func (ch *pchannel) Start(i int) { ch.sb.cons[i].restart() }

// Stored is the backlog: messages the producers hold and every message of
// the topic past the subscription's mark-delete position (running counts:
// lag.go).
func (ch *pchannel) Stored() int { return int(ch.w.held + ch.sb.spanTotal) }

func (ch *pchannel) Stats() channel.Stats {
	st := ch.st
	st.DeadLettered = ch.sb.deadLettered
	return st
}
