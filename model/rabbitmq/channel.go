package rabbitmq

import (
	"fmt"

	"mqsim/model/channel"
	"mqsim/model/check"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// A quorum queue is a channel an asynchronous service call can go through.
func init() { channel.Register(scenarios.ViaRabbitMQ, newChannel) }

// rchannel is a service's inbox as a RabbitMQ quorum queue: a cluster of
// via.nodes RabbitMQ nodes (machines of the default hardware profile) on
// the run's kernel, the queue replicated by Raft over via.replicas members
// on real commitlog logs. Each caller instance publishes in confirm mode
// on its own connection (credit flow, the memory alarm), through the
// default exchange; each callee instance is a consumer with prefetch =
// its threads, acking what it handled and rejecting with requeue what it
// failed (the delivery limit then drops it). The same code runs as in
// `system: rabbitmq`: this file only connects it to the services.
type rchannel struct {
	w    *world
	h    channel.Host
	q    *queue
	g    *group
	pubs map[net.NodeID]*publisher
	// wait holds each open message's confirm callback, by message id, and
	// order each publisher's open ids in publishing order.
	wait  map[int32]func(bool)
	order map[*publisher][]int32
	cons  []channel.Consumer
	st    channel.Stats
}

// rdelivery is a delivery's handle: the entry and the consumer's
// connection it came on.
type rdelivery struct {
	e    entry
	life int
}

func newChannel(h channel.Host) (channel.Channel, error) {
	p, ok := scenarios.LookupProfile(scenarios.DefaultProfile)
	if !ok {
		return nil, fmt.Errorf("rabbitmq channel %s: no default hardware profile", h.Name)
	}
	hw := p.Hardware
	limit := scenarios.DefaultRabbitDeliveryLimit
	qs := &scenarios.RabbitQueue{Name: h.Name, Type: "quorum", QuorumSize: h.Via.Replicas, DeliveryLimit: &limit,
		Ack: "manual", OnFailure: "requeue", Overflow: "drop-head", DeadLetterStrategy: "at-most-once", Prefetch: h.Window}
	rc := &scenarios.RabbitMQ{Queues: []scenarios.RabbitQueue{*qs}}
	rc.NodeDefaults()
	gs := &scenarios.ConsumerGroup{Name: h.Name, Topic: h.Name}
	sc := &scenarios.Scenario{Name: h.Name, System: scenarios.SystemRabbitMQ, Duration: units.Duration(h.End),
		Drain: units.Duration(h.Drain), ConsumerGroups: []scenarios.ConsumerGroup{*gs}, RabbitMQ: rc}
	w := &world{s: h.Sim, sc: sc, rc: rc, net: h.Net, end: h.End, exchanges: map[string]*exchange{},
		e2e: sim.NewLatencyHistogram(), ack: sim.NewLatencyHistogram()}
	ch := &rchannel{w: w, h: h, pubs: map[net.NodeID]*publisher{}, wait: map[int32]func(bool){}, order: map[*publisher][]int32{}}
	w.ch = ch
	for i := range h.Via.Nodes {
		if err := w.addNode(fmt.Sprintf("%s/rabbit-%d", h.Name, i), &hw); err != nil {
			return nil, err
		}
	}
	q, err := w.newQueue(&rc.Queues[0], 0)
	if err != nil {
		return nil, err
	}
	w.queues = []*queue{q}
	g, err := newGroup(w, &sc.ConsumerGroups[0], 0, q)
	if err != nil {
		return nil, err
	}
	g.cons = nil // one consumer per callee instance, as they attach
	q.g = g
	w.groups = []*group{g}
	w.defaultEx = &exchange{name: "", typ: exDirect, bindings: []binding{{q: q, key: q.name}}}
	w.chk = check.New(1)
	g.start()
	ch.q, ch.g = q, g
	if channelBuilt != nil {
		channelBuilt(ch)
	}
	return ch, nil
}

// channelBuilt, set only by tests, hears of every channel built.
var channelBuilt func(*rchannel)

// Publish publishes from the caller instance's own connection, to the
// node its round robin gave it.
func (ch *rchannel) Publish(from net.NodeID, msg channel.Message, done func(bool)) {
	w := ch.w
	p := ch.pubs[from]
	if p == nil {
		idx := len(w.pubs)
		k := idx % len(w.nodes)
		// Its links carry the network's latency but, as inside the
		// cluster, meet no fault (no heartbeat is modelled to notice one).
		p = &publisher{w: w, idx: idx, name: fmt.Sprintf("%s/publisher-%d", ch.h.Name, idx), ex: w.defaultEx,
			n: w.nodes[k], credit: w.rc.CreditInitial, open: map[int32]bool{}, ackHist: sim.NewLatencyHistogram()}
		w.pubs = append(w.pubs, p)
		ch.pubs[from] = p
	}
	ch.st.Published++
	mid := int32(len(w.msgs))
	w.msgs = append(w.msgs, msg2(p, msg))
	p.ids = append(p.ids, mid)
	p.produced++
	ch.wait[mid] = done
	ch.order[p] = append(ch.order[p], mid)
	p.backlog = append(p.backlog, mid)
	p.pump()
	ch.st.MaxStored = max(ch.st.MaxStored, ch.Stored())
}

func msg2(p *publisher, m channel.Message) msg {
	return msg{prod: int32(p.idx), seq: int32(len(p.ids)), born: m.Born, size: m.Size, key: -1, rk: p.w.defaultEx.bindings[0].key, prio: -1}
}

// outcome is publisher.outcome's hook: the caller's confirm (or nack).
func (ch *rchannel) outcome(mid int32, ok bool) {
	done := ch.wait[mid]
	if done == nil {
		return
	}
	delete(ch.wait, mid)
	if !ok {
		ch.st.Refused++
	}
	done(ok)
}

// lost is publisher.connLost's hook: the connection closed with messages
// unconfirmed; the client library fails each pending confirm wait, in
// publishing order.
func (ch *rchannel) lost(p *publisher) {
	for _, mid := range ch.order[p] {
		if ch.wait[mid] != nil {
			ch.outcome(mid, false)
		}
	}
	ch.order[p] = nil
}

// Attach adds a consumer on its own connection to the queue's leader (its
// links, as the publishers', meet no network fault).
func (ch *rchannel) Attach(c channel.Consumer) {
	g := ch.g
	rc := &consumer{g: g, i: len(g.cons), alive: true, conn: true, seen: map[int32]bool{}}
	g.cons = append(g.cons, rc)
	ch.cons = append(ch.cons, c)
	ch.w.s.At(0, ch.q.dispatch)
}

// Want: a push channel delivers under each consumer's prefetch without
// being asked.
func (ch *rchannel) Want(int, int) {}

// work is consumer.work's hook: the deliveries go to the callee instance.
func (ch *rchannel) work(c *consumer) {
	if len(c.buf) == 0 {
		return
	}
	ds := make([]channel.Delivery, len(c.buf))
	for k, e := range c.buf {
		m := &ch.w.msgs[e.m]
		ds[k] = channel.Delivery{Message: channel.Message{Born: m.born, Size: m.size}, Handle: rdelivery{e: e, life: c.life}}
		ch.st.Delivered++
		if e.deliveries > 0 || c.seen[e.m] {
			ch.st.Redelivered++
		}
	}
	c.buf = c.buf[:0]
	ch.cons[c.i].Deliver(ds)
}

// Settle acks a handled delivery, or rejects it with requeue (counted
// toward the delivery limit).
func (ch *rchannel) Settle(i int, d channel.Delivery, ok bool) {
	c := ch.g.cons[i]
	rd := d.Handle.(rdelivery)
	if rd.life != c.life || !c.alive {
		return // the connection it came on is gone: the broker requeued it
	}
	verb := "requeue"
	if ok {
		verb = "ack"
		ch.st.Settled++
	}
	c.send([]entry{rd.e}, verb)
}

// Stop: the consumer's process (or machine) stopped; its connection
// closes and the broker requeues what it held. (A dead machine's
// connection is noticed at once here, not after the heartbeat.)
func (ch *rchannel) Stop(i int, _ bool) {
	c := ch.g.cons[i]
	if c.conn {
		c.connLost()
	}
	c.alive = false
}

func (ch *rchannel) Start(i int) {
	c := ch.g.cons[i]
	c.alive, c.busy = true, false
	c.reconnect()
}

func (ch *rchannel) Stored() int { return ch.q.depth() + len(ch.q.r.parked) + len(ch.q.r.pending) }

func (ch *rchannel) Stats() channel.Stats {
	st := ch.st
	st.DeadLettered = ch.g.deadLettered
	return st
}
