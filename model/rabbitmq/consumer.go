package rabbitmq

import (
	"math/rand/v2"

	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// group is a consumer group: the consumers of one queue.
type group struct {
	w        *world
	spec     *scenarios.ConsumerGroup
	idx      int
	q        *queue
	cons     []*consumer
	rr       int
	prefetch int
	auto     bool
	poison   map[int64]bool
	share    float64
	flaky    float64 // failures.transient_rate: one attempt fails by chance
	e2e      *sim.Histogram
	rng      *rand.Rand

	processed, deadLettered, redelivered int64
}

// consumer is one consumer on its own connection and channel.
type consumer struct {
	g        *group
	i        int
	alive    bool
	conn     bool    // connected to the queue's node
	life     int     // connection generation: deliveries and acks of an older one are void
	out      []entry // unacknowledged deliveries, in delivery order (manual ack)
	buf      []entry // delivered, waiting to be processed
	acks     []entry // processed, acks not yet sent (ack_multiple)
	busy     bool
	down, up net.Link
	seen     map[int32]bool // processed before (for redelivery counts)
	soff     int            // stream: the next offset to deliver
	done     int            // stream: offsets below are acked
}

func newGroup(w *world, gs *scenarios.ConsumerGroup, idx int, q *queue) (*group, error) {
	g := &group{w: w, spec: gs, idx: idx, q: q, prefetch: q.spec.Prefetch, auto: q.spec.Ack == "auto",
		poison: map[int64]bool{}, e2e: sim.NewLatencyHistogram(), rng: w.s.Stream("group/" + gs.Name)}
	if f := gs.Failures; f != nil {
		for _, k := range f.PoisonKeys {
			g.poison[k] = true
		}
		g.share = float64(f.PoisonShare)
		g.flaky = float64(f.TransientRate)
	}
	for i := range max(gs.Consumers, 1) {
		g.cons = append(g.cons, &consumer{g: g, i: i, alive: true, conn: true, seen: map[int32]bool{}})
	}
	return g, nil
}

func (g *group) start() {
	if !g.auto && sim.Time(g.w.rc.ConsumerTimeout) < g.w.end+sim.Time(g.w.sc.Drain) {
		g.w.s.After(sim.Minute, g.checkTimeouts)
	}
}

// nextConsumer is the next consumer, round-robin, that may take a
// delivery: connected, and below its prefetch (manual ack).
func (g *group) nextConsumer() *consumer {
	for range g.cons {
		c := g.cons[g.rr%len(g.cons)]
		g.rr++
		if !c.alive || !c.conn {
			continue
		}
		if !g.auto && g.prefetch > 0 && len(c.out) >= g.prefetch {
			continue
		}
		return c
	}
	return nil
}

// deliver sends a message to the consumer (basic.deliver).
func (c *consumer) deliver(e entry) {
	g := c.g
	w := g.w
	q := g.q
	m := &w.msgs[e.m]
	if g.auto {
		q.settled++
		q.addMemory(-q.memCost(m)) // settled on sending: at most once
	} else {
		if !q.isStream {
			q.addUnacked(1)
		}
		e.sent = w.s.Now()
		c.out = append(c.out, e)
		w.res.MaxUnacked = max(w.res.MaxUnacked, int64(len(c.out)))
	}
	life := c.life
	w.bytesOut += m.size
	q.home.NICOut.Submit(float64(m.size), 0, func(sim.Job) {
		w.net.Send(&c.down, func(uint64) {
			if c.life != life || !c.alive {
				return
			}
			c.buf = append(c.buf, e)
			c.work()
		}, 0)
	})
}

// work processes the next buffered delivery.
func (c *consumer) work() {
	if c.busy || len(c.buf) == 0 || !c.alive {
		return
	}
	g := c.g
	w := g.w
	if w.ch != nil {
		w.ch.work(c) // a service's instance does the work (channel.go)
		return
	}
	e := c.buf[0]
	c.buf = c.buf[1:]
	c.busy = true
	life := c.life
	d := sim.SampleTime(g.spec.Processing.Dist, g.rng)
	w.s.After(max(d, 0), func() {
		if !c.alive {
			return // the process died: the work is lost, the broker requeued it
		}
		c.busy = false
		if c.life != life {
			// The connection died meanwhile (its node, a timeout): the
			// work was done, but the broker requeued the delivery and the
			// ack has nowhere to go — a redelivery will process it again.
			c.processed(e)
			c.work()
			return
		}
		c.finish(e)
		c.work()
	})
}

// poisoned: processing this message always fails (failures.poison_keys,
// poison_share; transient_rate fails single attempts).
func (g *group) poisoned(m *msg) bool {
	if m.key >= 0 && g.poison[m.key] {
		return true
	}
	if g.share > 0 {
		// Chosen by message id, so the same messages every attempt.
		h := uint64(m.prod)*0x9E3779B97F4A7C15 ^ uint64(m.seq)*0xBF58476D1CE4E5B9
		return float64(h>>11)/float64(1<<53) < g.share
	}
	return false
}

// processed runs the application's side of one delivery: it succeeds
// (the checker records it) or fails; it reports which.
func (c *consumer) processed(e entry) bool {
	g := c.g
	w := g.w
	m := &w.msgs[e.m]
	if g.poisoned(m) || g.flaky > 0 && g.rng.Float64() < g.flaky {
		return false
	}
	if c.seen[e.m] || e.deliveries > 0 {
		g.redelivered++
	}
	w.chk.Processed(g.idx, int(m.prod), 0, m.seq, m.key, m.born)
	g.processed++
	w.processed++
	if m.born >= w.warm {
		d := int64(w.s.Now() - m.born)
		g.e2e.Record(d)
		w.e2e.Record(d)
	}
	return true
}

// finish: processed (ack) or failed (reject/nack, as on_failure says).
func (c *consumer) finish(e entry) {
	g := c.g
	failed := !c.processed(e)
	if g.auto {
		return // nothing to tell the broker; a failed message is gone
	}
	if !failed && g.q.spec.AckMultiple > 1 {
		// basic.ack multiple=true: one ack for every ack_multiple
		// deliveries, or whatever is pending when the consumer runs idle.
		c.acks = append(c.acks, e)
		if len(c.acks) >= g.q.spec.AckMultiple || len(c.buf) == 0 {
			c.flushAcks()
		}
		return
	}
	c.flushAcks() // earlier acks go first: tags are answered in order
	verb := "ack"
	if failed {
		verb = g.q.spec.OnFailure
	}
	c.send([]entry{e}, verb)
}

// flushAcks sends the pending acks as one basic.ack multiple=true.
func (c *consumer) flushAcks() {
	if len(c.acks) == 0 {
		return
	}
	c.send(c.acks, "ack")
	c.acks = nil
}

// send carries the consumer's answer for deliveries es to the queue.
func (c *consumer) send(es []entry, verb string) {
	if verb == "ack" {
		c.g.w.res.AckFrames++
	}
	life := c.life
	c.g.w.net.Send(&c.up, func(uint64) {
		if c.life != life {
			return // the channel died: the deliveries were requeued already
		}
		for _, e := range es {
			c.settle(e, verb)
		}
	}, 0)
}

// settle is the queue handling the consumer's answer for delivery e.
func (c *consumer) settle(e entry, verb string) {
	q := c.g.q
	i := 0
	for i < len(c.out) && c.out[i].m != e.m {
		i++
	}
	if i == len(c.out) {
		return
	}
	e = c.out[i]
	c.out = append(c.out[:i], c.out[i+1:]...)
	if q.isStream {
		// Acks only free credit; nothing is removed from a stream, and
		// nothing can be requeued (a failure is skipped).
		q.settled++
		c.done = max(c.done, int(e.off)+1)
		q.streamMoved()
		q.dispatch()
		return
	}
	switch verb {
	case "ack":
		q.settled++
		q.addUnacked(-1)
		q.addMemory(-q.memCost(&q.w.msgs[e.m]))
	case "requeue": // basic.reject requeue=true: counts toward the delivery limit
		q.requeue(e, true)
	case "nack": // basic.nack requeue=true: does not count (4.3)
		q.requeue(e, false)
	case "reject": // requeue=false: dead-lettered
		q.addUnacked(-1)
		q.deadLetter(e, reasonRejected)
	}
	q.dispatch()
}

// connLost: the consumer's connection died (its process crashed, or the
// queue's node went down): every unacknowledged delivery is requeued,
// each counting as a failed delivery.
func (c *consumer) connLost() { c.closeChannel(true) }

// closeChannel requeues every unacknowledged delivery; counted says
// whether each return counts as a failed delivery (connection loss does;
// a consumer timeout does not, 4.3). A delivery being processed goes on
// in the application (busy stays), its ack void.
func (c *consumer) closeChannel(counted bool) {
	c.life++
	c.conn = false
	c.buf = nil
	c.acks = nil
	q := c.g.q
	out := c.out
	c.out = nil
	if q.isStream {
		return // nothing to requeue: the next connection starts at stream_offset
	}
	for _, e := range out {
		c.seen[e.m] = true
		q.requeue(e, counted)
	}
}

// checkTimeouts runs once a minute, as the broker's check does: a consumer
// holding a delivery unacknowledged longer than consumer_timeout has its
// channel closed; it opens a new one a second later.
func (g *group) checkTimeouts() {
	w := g.w
	limit := sim.Time(w.rc.ConsumerTimeout)
	for _, c := range g.cons {
		if c.conn && len(c.out) > 0 && w.s.Now()-c.out[0].sent > limit {
			w.res.ConsumerTimeouts++
			c.closeChannel(false)
			w.s.After(sim.Second, c.reconnect)
		}
	}
	if w.s.Now() < w.end+sim.Time(w.sc.Drain) {
		w.s.After(sim.Minute, g.checkTimeouts)
	}
}

// reconnect: a live consumer consumes again, on the queue's node.
func (c *consumer) reconnect() {
	if !c.alive || c.conn {
		return
	}
	c.conn = true
	if c.g.q.isStream {
		c.g.q.streamAttach(c)
	}
	c.g.q.dispatch()
}

// lostHome: the queue's node stopped; its consumers' channels close (the
// broker requeues their deliveries), and they reconnect a second later —
// a heartbeat timeout later when the machine died — to the new leader,
// for a quorum queue.
func (q *queue) lostHome() {
	wait := sim.Second
	if q.home != nil && q.home.lostMachine {
		wait = sim.Time(q.w.rc.Heartbeat) // nothing closed the connections
	}
	if q.quorum && q.home != nil {
		q.home.memory -= q.mem
		q.home = nil
	}
	if q.g == nil {
		return
	}
	for _, c := range q.g.cons {
		if c.conn {
			c.connLost()
			c.conn = false
			q.w.s.After(wait, c.reconnect)
		}
	}
}
