package kafka

import (
	"fmt"

	"mqsim/model/channel"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// A topic read by a consumer group is a channel an asynchronous service
// call can go through.
func init() { channel.Register(scenarios.ViaKafka, newChannel) }

// kchannel is a service's inbox as a Kafka topic (one partition per
// callee instance, replicated via.replicas times over via.nodes brokers)
// read by a consumer group with a member per callee instance: the
// cluster NewCluster builds, on the run's kernel and network. Each caller
// instance is a producer instance (acks=all, idempotent, its batching and
// retries); a send is confirmed when its batch is acknowledged. A member's
// poll (max.poll.records = the instance's threads) is handed to the
// instance; once every record of it is handled the member commits and
// polls again. Kafka has no per-message negative acknowledgement: a
// record the instance failed is handed to it again, in place, before the
// poll completes.
type kchannel struct {
	c    *Cluster
	w    *world
	h    channel.Host
	g    *group
	pubs map[net.NodeID]*producer
	// next holds the confirm callbacks of sends not yet in a batch (put
	// adds one record at a time); wait each batch's, by batch.
	next func(bool)
	wait map[*pbatch][]func(bool)
	cons []channel.Consumer
	st   channel.Stats
}

// kdelivery is a delivery's handle: the member's poll it belongs to and
// the record's index in it.
type kdelivery struct {
	m        *member
	inc, seq uint32
	ri       int
}

func newChannel(h channel.Host) (channel.Channel, error) {
	rf := h.Via.Replicas
	parts := max(h.Consumers, 1)
	sc := &scenarios.Scenario{Name: h.Name, System: scenarios.SystemKafka, Seed: 1,
		Duration: units.Duration(h.End), Drain: units.Duration(h.Drain),
		Cluster: scenarios.Cluster{Brokers: h.Via.Nodes, MinInsyncReplicas: max(rf/2+rf%2, 1)},
		Topics:  []scenarios.Topic{{Name: h.Name, Partitions: parts, ReplicationFactor: rf}},
		Producers: []scenarios.Producer{{Name: h.Name + "/callers", Topic: h.Name, Instances: max(h.Publishers, 1),
			Acks: "all", Rate: 0, Arrival: "constant"}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: h.Name, Topic: h.Name, Consumers: max(h.Consumers, 1),
			MaxPollRecords: max(h.Window, 1), Commit: "after"}}}
	sc.Defaults()
	ch := &kchannel{h: h, pubs: map[net.NodeID]*producer{}, wait: map[*pbatch][]func(bool){}}
	c, err := NewCluster(h.Sim, h.Net, sc, Options{}, h.Name)
	if err != nil {
		return nil, fmt.Errorf("kafka channel %s: %w", h.Name, err)
	}
	ch.c, ch.w, ch.g = c, c.w, c.w.groups[0]
	c.w.ch = ch
	// The backlog rises where records are published and where the group's
	// lag rises (a high watermark moves): its maximum is raised at both,
	// so it is the run's, not the samples'.
	ch.g.onLagRise = func() { ch.st.MaxStored = max(ch.st.MaxStored, ch.Stored()) }
	return ch, nil
}

// Publish hands the message to the caller instance's producer (the
// callers' instances take the producer instances in turn).
func (ch *kchannel) Publish(from net.NodeID, msg channel.Message, done func(bool)) {
	w := ch.w
	p := ch.pubs[from]
	if p == nil {
		if len(ch.pubs) >= len(w.prods) {
			done(false) // more callers than Host.Publishers said
			return
		}
		p = w.prods[len(ch.pubs)]
		ch.pubs[from] = p
	}
	ch.st.Published++
	now := w.s.Now()
	p.produced++
	if !p.admit(now, msg.Size, -1) {
		ch.st.Refused++
		done(false) // buffer.memory full: send() blocks past max.block.ms, or fails
		return
	}
	p.bp.blk.streak = 0
	ch.next = done
	p.put(now, msg.Size, -1)
	ch.next = nil
	ch.st.MaxStored = max(ch.st.MaxStored, ch.Stored())
}

// added is producer.put's hook: the record just added joins its batch.
func (ch *kchannel) added(b *pbatch) {
	if ch.next != nil {
		ch.wait[b] = append(ch.wait[b], ch.next)
	}
}

// outcome is the producer's hook when a batch is acknowledged or fails.
func (ch *kchannel) outcome(b *pbatch, ok bool) {
	fs := ch.wait[b]
	delete(ch.wait, b)
	for _, f := range fs {
		if !ok {
			ch.st.Refused++
		}
		f(ok)
	}
}

// Attach: the group's members exist from the start (one per callee
// instance, Host.Consumers); this names where each delivers.
func (ch *kchannel) Attach(c channel.Consumer) { ch.cons = append(ch.cons, c) }

// Want: the member polls on its own; the poll's records come to the
// instance.
func (ch *kchannel) Want(int, int) {}

// handoff is member.maybePoll's hook: the poll goes to the instance.
func (ch *kchannel) handoff(m *member) {
	ds := make([]channel.Delivery, len(m.recs))
	for i := range m.recs {
		r := &m.recs[i]
		r.done = 1 << 62 // settled one by one
		r.fate = fateOK
		ds[i] = channel.Delivery{Message: channel.Message{Born: r.born, Size: r.size}, Handle: kdelivery{m: m, inc: m.inc, seq: m.pollSeq, ri: i}}
		ch.st.Delivered++
		if r.offset < ch.g.high[r.part] {
			ch.st.Redelivered++
		}
	}
	ch.cons[m.slot].Deliver(ds)
}

// Settle records a handled record; a failed one is handed again. Once the
// poll's records are all handled the member commits and polls again.
func (ch *kchannel) Settle(i int, d channel.Delivery, ok bool) {
	kd := d.Handle.(kdelivery)
	m := kd.m
	if m.inc != kd.inc || m.pollSeq != kd.seq || !m.busy {
		return // the member crashed or moved on: the records come again
	}
	if !ok {
		ch.st.Delivered++
		ch.st.Redelivered++
		ch.cons[i].Deliver([]channel.Delivery{d})
		return
	}
	ch.st.Settled++
	r := &m.recs[kd.ri]
	m.complete(r, ch.w.s.Now())
	r.fate, r.done = fateUntouched, 0
	for k := range m.recs {
		if m.recs[k].fate != fateUntouched {
			return
		}
	}
	m.recs = m.recs[:0]
	m.busy = false
	m.sendCommit(true) // commit: after
}

// Stop: the member's process died; its partitions go to the others after
// the session timeout, from the committed offsets.
func (ch *kchannel) Stop(i int, _ bool) { ch.g.members[i].crash() }

func (ch *kchannel) Start(i int) { ch.g.restart(i) }

// Stored is the backlog: records the producers hold and the group's lag.
func (ch *kchannel) Stored() int {
	n := 0
	for _, fs := range ch.wait {
		n += len(fs)
	}
	return n + int(ch.g.lagTotal)
}

func (ch *kchannel) Stats() channel.Stats { return ch.st }

// AfterStep frees consumed records between steps of the run loop.
func (ch *kchannel) AfterStep() error { return ch.c.AfterStep() }
