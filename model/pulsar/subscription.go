package pulsar

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// maxAckBatch: the client sends its grouped acks once this many wait,
// before the group time is up (maxAcknowledgmentGroupSize, 1000).
const maxAckBatch = 1000

// subscription is a consumer group: one cursor per partition of its
// topic, its consumers, and how it dispatches (its type).
type subscription struct {
	w         *world
	reg       *region
	idx       int
	spec      *scenarios.PulsarSubscription
	group     *scenarios.ConsumerGroup
	cursors   []*cursor
	cons      []*consumer
	started   bool
	keyShared bool
	ranges    []krange
	rangeSize int
	unacked   int
	poison    map[int64]bool
	share     float64
	flaky     float64
	rng       *rand.Rand
	e2e       *sim.Histogram

	processed, deadLettered, redelivered, evicted int64
	// Running lag and spans over the cursors and their maxima (lag.go).
	lagTotal, spanTotal, maxLag, maxPartLag int64
	// The retry letter topic (retry.go): the copies due for delivery,
	// and those published and not yet acknowledged.
	retryTopic *partition
	retryReady []retryMsg
	retryRR    int
	retryArm   bool
	retryOut   int
}

// consumer is one consumer process of a subscription, connected to each
// partition's owner.
type consumer struct {
	sb      *subscription
	i       int
	alive   bool
	life    int
	conns   []*cconn // by partition number
	queue   []delivery
	busy    bool
	unacked int // the broker's count of its unacknowledged messages
	acks    []pendingAck
	ackArm  bool
	tracked map[trackKey]sim.Time // ack timeout: received, unacknowledged
	done    int64                 // messages it processed
	// retryHeld are the retry topic's copies it holds.
	retryHeld []retryMsg
}

// cconn is a consumer's connection for one partition.
type cconn struct {
	cons     *consumer
	c        *cursor
	b        *broker
	conn     bool
	dialing  bool
	backoff  sim.Time
	life     int
	permits  int
	freed    int
	up, down net.Link
}

type delivery struct {
	cc   *cconn
	pos  int64
	mid  int32
	redo int32 // redelivery count
	life int
	// A copy from the retry letter topic (no cc), reconsumed times.
	retry bool
	times int32
}

type pendingAck struct {
	cc  *cconn
	pos int64
}

type trackKey struct {
	part int
	pos  int64
}

func (w *world) newSubscriptions() error {
	bySpec := map[string]*scenarios.PulsarSubscription{}
	for i := range w.pc.Subscriptions {
		bySpec[w.pc.Subscriptions[i].Group] = &w.pc.Subscriptions[i]
	}
	for gi := range w.sc.ConsumerGroups {
		g := &w.sc.ConsumerGroups[gi]
		spec := bySpec[g.Name]
		if spec == nil {
			return fmt.Errorf("consumer group %s has no pulsar subscription (Defaults adds one)", g.Name)
		}
		reg := w.regionOf("", g.Name)
		parts := reg.byTopic[g.Topic]
		if len(parts) == 0 {
			return fmt.Errorf("consumer group %s: unknown topic %q", g.Name, g.Topic)
		}
		sb := &subscription{w: w, idx: gi, reg: reg, spec: spec, group: g, keyShared: spec.Type == "key_shared",
			rangeSize: scenarios.DefaultPulsarKeySharedRange, poison: map[int64]bool{},
			rng: w.s.Stream("group/" + g.Name), e2e: sim.NewLatencyHistogram()}
		if f := g.Failures; f != nil {
			for _, k := range f.PoisonKeys {
				sb.poison[k] = true
			}
			sb.share = float64(f.PoisonShare)
			sb.flaky = float64(f.TransientRate)
		}
		for i := range max(g.Consumers, 1) {
			cons := &consumer{sb: sb, i: i, alive: true, tracked: map[trackKey]sim.Time{}}
			sb.cons = append(sb.cons, cons)
		}
		w.subs = append(w.subs, sb)
	}
	return nil
}

// start creates the subscription (at SubscribeAt: from the latest
// position, or the earliest still stored) and connects its consumers.
func (sb *subscription) start() {
	w := sb.w
	w.s.At(sim.Time(sb.spec.SubscribeAt), func() {
		for _, p := range sb.reg.byTopic[sb.group.Topic] {
			at := int64(len(p.pos))
			if sb.spec.InitialPosition == "earliest" {
				at = p.deletedBefore
			}
			c := newCursor(sb, p, at)
			p.cursors = append(p.cursors, c)
			sb.addCursor(c)
		}
		sb.started = true
		for _, c := range sb.cursors {
			c.p.backlogRose()
		}
		for _, cons := range sb.cons {
			for _, c := range sb.cursors {
				cons.conns = append(cons.conns, &cconn{cons: cons, c: c, backoff: 100 * sim.Millisecond})
			}
			cons.connect()
		}
		if sb.spec.AckTimeout > 0 {
			w.s.After(sim.Second, sb.ackTimeouts)
		}
	})
}

// connected is how many consumers are connected.
func (sb *subscription) connected() int {
	n := 0
	for _, x := range sb.cons {
		if x.alive {
			n++
		}
	}
	return n
}

// permits is the messages the cursor's consumers can take now.
func (sb *subscription) permits(c *cursor) int {
	n := 0
	for _, x := range sb.cons {
		if x.on(c) && x.canTake(c) {
			n += x.conns[c.p.num].permits
		}
	}
	return n
}

// on reports whether the consumer is connected for c's partition.
func (cons *consumer) on(c *cursor) bool {
	return cons.alive && cons.conns[c.p.num].conn && cons.conns[c.p.num].b == c.p.owner
}

// canTake: the consumer has permits for the partition and is below the
// broker's unacknowledged limit.
func (cons *consumer) canTake(c *cursor) bool {
	return cons.conns[c.p.num].permits > 0 && cons.unacked < cons.sb.w.pc.MaxUnackedPerConsumer
}

// connect connects the consumer to every partition (Key_Shared: it joins
// the hash ranges).
func (cons *consumer) connect() {
	sb := cons.sb
	if sb.keyShared {
		sb.join(cons)
	}
	for _, cc := range cons.conns {
		cc.dial()
	}
}

// dial connects to the partition's owner once it has loaded the
// partition, with the client's backoff otherwise.
func (cc *cconn) dial() {
	if cc.conn || cc.dialing || !cc.cons.alive {
		return
	}
	w := cc.cons.sb.w
	cc.dialing = true
	w.s.After(2*w.net.Latency, func() {
		cc.dialing = false
		cons := cc.cons
		if !cons.alive {
			return
		}
		c := cc.c
		b := c.p.reg.bundles[c.p.bundle]
		if b != nil && b.up && !b.clientsCut && c.p.owner == b && c.p.ready {
			cc.b, cc.conn = b, true
			cc.life++
			cc.permits = cons.sb.spec.ReceiverQueue
			cc.freed = 0
			cc.up = net.Link{To: b.node}
			cc.down = net.Link{From: b.node}
			cc.backoff = 100 * sim.Millisecond
			if cons.sb.keyShared && c.readPos > c.markDelete {
				c.joined[cons] = c.readPos
			}
			c.dispatch()
			return
		}
		d := cc.backoff
		cc.backoff = min(2*cc.backoff, 60*sim.Second)
		cc.dialing = true
		w.s.After(d, func() {
			cc.dialing = false
			cc.dial()
		})
	})
}

// dropped: the broker lost the connection (the consumer died, or the
// broker did). Its unacknowledged messages go back for redelivery.
func (cc *cconn) dropped() {
	c := cc.c
	cons := cc.cons
	cc.conn = false
	cc.life++
	var back []int64
	for pos, x := range c.out {
		if x == cons {
			back = append(back, pos)
		}
	}
	cons.sb.redelivered += int64(len(back))
	if c.heldFor != nil {
		c.unhold(cons)
	}
	delete(c.joined, cons)
	if c.active == cons {
		c.activeSince = cons.sb.w.s.Now() + sim.Time(cons.sb.spec.FailoverDelay)
		c.active = nil
	}
	c.requeue(back)
	// The client clears what it had buffered from this partition.
	q := cons.queue[:0]
	for _, d := range cons.queue {
		if d.cc != cc {
			q = append(q, d)
		}
	}
	cons.queue = q
	for k := range cons.tracked {
		if k.part == c.p.num {
			delete(cons.tracked, k)
		}
	}
	c.failoverWake()
	c.dispatch()
}

// crash: the consumer process dies; brokers see its connections close.
func (cons *consumer) crash() {
	if !cons.alive {
		return
	}
	cons.alive = false
	cons.life++
	cons.busy = false
	cons.acks = nil
	cons.ackArm = false
	sb := cons.sb
	if sb.keyShared {
		sb.leave(cons)
	}
	for _, cc := range cons.conns {
		if cc.conn {
			cc.dropped()
		}
	}
	cons.retryBack()
	cons.queue = nil
	clear(cons.tracked)
	for _, c := range sb.cursors {
		c.dispatch()
	}
}

// restart: the consumer process comes back and subscribes again.
func (cons *consumer) restart() {
	if cons.alive {
		return
	}
	cons.alive = true
	cons.life++
	cons.connect()
	if cons.sb.retryTopic != nil {
		cons.sb.dispatchRetries()
	}
}

// send is the broker handing a message to the consumer: it crosses the
// owner's NIC and the network into the consumer's receiver queue.
func (cons *consumer) send(c *cursor, pos int64) {
	w := c.p.w
	cc := cons.conns[c.p.num]
	cc.permits--
	c.out[pos] = cons
	cons.unacked++
	cons.sb.unacked++
	mid := c.p.pos[pos].mid
	size := w.msgs[mid].size
	d := delivery{cc: cc, pos: pos, mid: mid, redo: c.redeliver[pos], life: cc.life}
	w.bytesOut += size
	b := cc.b
	b.NICOut.Submit(float64(size), 0, func(sim.Job) {
		w.net.Send(&cc.down, func(uint64) {
			if cc.life != d.life || !cons.alive {
				return
			}
			cons.queue = append(cons.queue, d)
			if cons.sb.spec.AckTimeout > 0 {
				cons.tracked[trackKey{c.p.num, pos}] = w.s.Now()
			}
			cons.work()
		}, 0)
	})
}

// work processes the next message of the receiver queue; taking it out
// frees a permit, and permits go back to the broker in halves of the
// queue (flow).
func (cons *consumer) work() {
	if cons.busy || len(cons.queue) == 0 || !cons.alive {
		return
	}
	d := cons.queue[0]
	cons.queue = cons.queue[1:]
	sb := cons.sb
	w := sb.w
	// A copy from the retry letter topic took no permit.
	if cc := d.cc; cc != nil {
		cc.freed++
	}
	if cc := d.cc; cc != nil && cc.freed >= max(1, sb.spec.ReceiverQueue/2) {
		n, life := cc.freed, cc.life
		cc.freed = 0
		w.net.Send(&cc.up, func(uint64) {
			if cc.life == life && cc.conn {
				cc.permits += n
				cc.c.dispatch()
			}
		}, 0)
	}
	// The dead-letter policy: past MaxRedeliverCount the client publishes
	// the message to the dead-letter topic and acknowledges it.
	if sb.spec.MaxRedeliverCount > 0 && int(d.redo) >= sb.spec.MaxRedeliverCount {
		m := &w.msgs[d.mid]
		if !m.dead {
			m.dead = true
			w.chk.Handled(sb.idx, int(m.prod), 0, m.seq)
			sb.deadLettered++
			w.res.DeadLettered++
		}
		cons.ack(d)
		cons.work()
		return
	}
	if w.ch != nil {
		w.ch.deliver(cons, d) // a service's instance does the work (channel.go)
		cons.work()
		return
	}
	cons.busy = true
	life := cons.life
	var t sim.Time
	if sb.group.Processing.Dist != nil {
		t = sim.SampleTime(sb.group.Processing.Dist, sb.rng)
	}
	w.s.After(t, func() {
		if cons.life != life {
			return
		}
		cons.busy = false
		cons.finish(d)
		cons.work()
	})
}

// finish is the application done with a message: processed and acked, or
// failed and nacked (or left unacknowledged: on_failure ignore).
func (cons *consumer) finish(d delivery) {
	sb := cons.sb
	w := sb.w
	m := &w.msgs[d.mid]
	if sb.failed(m, d.mid) {
		switch sb.spec.OnFailure {
		case "reconsume_later":
			cons.reconsumeLater(d)
		case "nack":
			w.res.NegativeAcks++
			delete(cons.tracked, trackKey{d.cc.c.p.num, d.pos})
			cc, life := d.cc, d.cc.life
			w.s.After(sim.Time(sb.spec.NegativeAckDelay), func() {
				if cc.life != life || !cons.alive {
					return
				}
				w.net.Send(&cc.up, func(uint64) {
					if cc.life == life && cc.conn {
						sb.redelivered++
						cc.c.requeue([]int64{d.pos})
					}
				}, 0)
			})
		}
		return
	}
	now := w.s.Now()
	w.chk.Processed(sb.idx, int(m.prod), 0, m.seq, m.key, m.born)
	sb.processed++
	cons.done++
	w.processed++
	if m.born >= w.warm {
		e := int64(now - m.born)
		sb.e2e.Record(e)
		w.e2e.Record(e)
		w.chk.Interval.Record(e)
	}
	cons.ack(d)
}

// failed decides whether one processing attempt fails (poison keys or
// share, transient failures).
func (sb *subscription) failed(m *msg, mid int32) bool {
	if m.key >= 0 && sb.poison[m.key] {
		return true
	}
	if sb.share > 0 {
		h := uint64(m.prod)*0x9E3779B97F4A7C15 ^ uint64(m.seq)*0xBF58476D1CE4E5B9
		if float64(h>>11)/float64(1<<53) < sb.share {
			return true
		}
	}
	return sb.flaky > 0 && sb.rng.Float64() < sb.flaky
}

// ack queues an acknowledgement; the client sends them grouped every
// AckGroupTime (or at once when it is 0, or when maxAckBatch wait).
func (cons *consumer) ack(d delivery) {
	if d.retry {
		cons.retryAcked(d)
		return
	}
	sb := cons.sb
	w := sb.w
	delete(cons.tracked, trackKey{d.cc.c.p.num, d.pos})
	cons.acks = append(cons.acks, pendingAck{d.cc, d.pos})
	if sb.spec.AckGroupTime == 0 || len(cons.acks) >= maxAckBatch {
		cons.flushAcks()
		return
	}
	if !cons.ackArm {
		cons.ackArm = true
		life := cons.life
		w.s.After(sim.Time(sb.spec.AckGroupTime), func() {
			if cons.life == life {
				cons.ackArm = false
				cons.flushAcks()
			}
		})
	}
}

// flushAcks sends the grouped acks, one request per partition:
// individual acks list positions, a cumulative ack only the highest.
func (cons *consumer) flushAcks() {
	if len(cons.acks) == 0 {
		return
	}
	w := cons.sb.w
	acks := cons.acks
	cons.acks = nil
	cum := cons.sb.spec.Ack == "cumulative"
	byPart := map[*cconn][]int64{}
	var order []*cconn
	for _, a := range acks {
		if _, ok := byPart[a.cc]; !ok {
			order = append(order, a.cc)
		}
		byPart[a.cc] = append(byPart[a.cc], a.pos)
	}
	for _, cc := range order {
		list := byPart[cc]
		if !cc.conn {
			continue // lost with the connection: delivered again
		}
		life, b := cc.life, cc.b
		w.net.Send(&cc.up, func(uint64) {
			c := cc.c
			if cc.life != life || c.p.owner != b || !b.up {
				return
			}
			if cum {
				top := list[0]
				for _, x := range list {
					top = max(top, x)
				}
				for q := c.markDelete; q <= top; q++ {
					c.ack(q)
				}
			} else {
				for _, pos := range list {
					c.ack(pos)
				}
			}
			c.dispatch()
		}, 0)
	}
}

// ackTimeouts redelivers, every second, the messages a consumer has held
// unacknowledged longer than the ack timeout.
func (sb *subscription) ackTimeouts() {
	w := sb.w
	now := w.s.Now()
	for _, cons := range sb.cons {
		var due []trackKey
		for k, at := range cons.tracked {
			if now-at >= sim.Time(sb.spec.AckTimeout) {
				due = append(due, k)
			}
		}
		sort.Slice(due, func(i, j int) bool {
			return due[i].part < due[j].part || due[i].part == due[j].part && due[i].pos < due[j].pos
		})
		byPart := map[int][]int64{}
		for _, k := range due {
			delete(cons.tracked, k)
			byPart[k.part] = append(byPart[k.part], k.pos)
		}
		for part := range len(cons.conns) {
			list := byPart[part]
			if len(list) == 0 {
				continue
			}
			cc := cons.conns[part]
			w.res.AckTimeouts += int64(len(list))
			life := cc.life
			w.net.Send(&cc.up, func(uint64) {
				if cc.life == life && cc.conn {
					sb.redelivered += int64(len(list))
					cc.c.requeue(list)
				}
			}, 0)
		}
	}
	if now < w.end+sim.Time(w.sc.Drain) {
		w.s.After(sim.Second, sb.ackTimeouts)
	}
}

// cursorEntry is a cursor-ledger entry of the given size: one record.
func cursorEntry(bytes int64) commitlog.Batch {
	var bb commitlog.BatchBuilder
	bb.Reset(commitlog.BatchHeader{SizedValues: true})
	bb.AddSized(0, nil, []byte{0}, bytes, nil)
	b, err := bb.Build()
	if err != nil {
		panic("cursor entry: " + err.Error()) // a constant record: cannot fail
	}
	return b
}
