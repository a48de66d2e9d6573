package pulsar

import (
	"fmt"
	"math/rand/v2"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/load"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// producer is one producer instance: it routes each message to a
// partition (a key's hash, or round-robin per batch for null keys),
// batches per partition, and keeps each partition's sends in order on its
// connection to the owning broker.
type producer struct {
	w     *world
	idx   int
	name  string
	spec  *scenarios.Producer
	parts []*partition
	conns []*pconn
	arr   load.Arrivals
	keys  *load.KeyGen
	rng   *rand.Rand
	ids   []int32 // message id by sequence
	rr    int

	produced, acked, failed, indeterminate, batches int64
	bytesAcked                                      int64
	ackHist                                         *sim.Histogram
}

// pconn is a producer's connection for one partition.
type pconn struct {
	pr      *producer
	p       *partition
	batch   []int32
	bBytes  int64
	bGen    int
	pending []*addOp // sent or waiting, oldest first
	sent    int      // pending[:sent] went out on the current connection
	cpuq    []*addOp // at the broker: publishes in handler threads, in arrival order
	b       *broker
	life    int
	conn    bool
	dialing bool
	backoff sim.Time
	up      net.Link
	down    net.Link
	bb      commitlog.BatchBuilder
	key     []byte
	prefix  []byte
}

func (w *world) newProducers() error {
	for pi := range w.sc.Producers {
		ps := &w.sc.Producers[pi]
		arr, err := scenarios.ParseArrival(ps.Arrival)
		if err != nil {
			return fmt.Errorf("producer %s: %w", ps.Name, err)
		}
		keys, err := scenarios.ParseKeys(ps.Keys)
		if err != nil {
			return fmt.Errorf("producer %s: %w", ps.Name, err)
		}
		if ps.MessageSize.Dist == nil {
			return fmt.Errorf("producer %s: no message size", ps.Name)
		}
		parts := w.regionOf(ps.Name, "").byTopic[ps.Topic]
		if len(parts) == 0 {
			return fmt.Errorf("producer %s: unknown topic %q", ps.Name, ps.Topic)
		}
		inst := max(ps.Instances, 1)
		rate := float64(ps.Rate) / float64(inst)
		for i := range inst {
			name := fmt.Sprintf("%s-%d", ps.Name, i)
			p := &producer{w: w, idx: len(w.pubs), name: name, spec: ps, parts: parts,
				arr:  load.Arrivals{A: arr, Rate: rate, Rng: w.s.Stream("producer/" + name + "/arrivals")},
				keys: load.NewKeyGen(keys, w.s.Stream("producer/"+name+"/keys")),
				rng:  w.s.Stream("producer/" + name), ackHist: sim.NewLatencyHistogram()}
			for _, part := range parts {
				p.conns = append(p.conns, &pconn{pr: p, p: part, backoff: 100 * sim.Millisecond})
			}
			w.pubs = append(w.pubs, p)
		}
	}
	return nil
}

func (p *producer) start() {
	if p.arr.Rate > 0 {
		p.w.s.AtCall(p.arr.Next(0), p.arrive, 0)
	}
	for _, c := range p.conns {
		c.dial()
	}
	p.w.s.After(sim.Second, p.checkTimeouts)
}

// busy: messages not yet acknowledged or failed.
func (p *producer) busy() bool {
	for _, c := range p.conns {
		if len(c.pending) > 0 || len(c.batch) > 0 {
			return true
		}
	}
	return false
}

// arrive is the application handing the client one message.
func (p *producer) arrive(uint64) {
	w := p.w
	now := w.s.Now()
	if now >= w.end {
		return
	}
	w.s.AtCall(p.arr.Next(now), p.arrive, 0)
	key := p.keys.Next()
	var c *pconn
	if key >= 0 {
		c = p.conns[int(keyHash(key)%uint32(len(p.conns)))]
	} else {
		c = p.conns[p.rr%len(p.conns)]
	}
	m := msg{prod: int32(p.idx), seq: int32(len(p.ids)), part: int32(c.p.idx), region: int8(c.p.reg.idx), born: now,
		size: load.Size(p.spec.MessageSize.Dist, p.rng), key: key}
	p.enqueue(c, m)
}

// enqueue adds message m to connection c's open batch: the batch is sent
// once it holds batching_max_messages or batching_max_bytes (enqueue
// reports that it sent it), or batching_max_delay after its first message.
func (p *producer) enqueue(c *pconn, m msg) (sent bool) {
	w := p.w
	mid := int32(len(w.msgs))
	w.msgs = append(w.msgs, m)
	p.ids = append(p.ids, mid)
	p.produced++
	c.batch = append(c.batch, mid)
	c.bBytes += m.size
	w.held++
	w.storedRose()
	pc := w.pc
	if len(c.batch) >= pc.BatchingMaxMessages || c.bBytes >= int64(pc.BatchingMaxBytes) {
		c.flush()
		return true
	}
	if len(c.batch) == 1 {
		gen := c.bGen
		w.s.After(sim.Time(pc.BatchingMaxDelay), func() {
			if c.bGen == gen {
				c.flush()
			}
		})
	}
	return false
}

// keyHash spreads key ids over partitions and Key_Shared hash ranges.
func keyHash(k int64) uint32 {
	x := uint64(k) * 0x9E3779B97F4A7C15
	x ^= x >> 29
	return uint32(x >> 32)
}

// flush closes the open batch: it becomes one entry, encoded as a record
// batch with each message's id, key and size.
func (c *pconn) flush() {
	if len(c.batch) == 0 {
		return
	}
	w := c.pr.w
	c.bGen++
	c.pr.rr++
	c.pr.batches++
	c.bb.Reset(commitlog.BatchHeader{SizedValues: true})
	for _, mid := range c.batch {
		m := &w.msgs[mid]
		var key []byte
		if m.key >= 0 {
			c.key = load.KeyBytes(c.key, m.key)
			key = c.key
		}
		c.prefix = check.AppendID(c.prefix[:0], int(m.prod), m.seq, m.born)
		c.bb.AddSized(int64(m.born/sim.Millisecond), key, c.prefix, max(m.size, int64(len(c.prefix))), nil)
	}
	b, err := c.bb.Build()
	if err != nil {
		w.fail(fmt.Errorf("producer %s: %w", c.pr.name, err))
		return
	}
	op := &addOp{data: append(commitlog.Batch(nil), b...), bytes: b.Size(), mids: c.batch, created: w.s.Now(), pc: c}
	c.batch, c.bBytes = nil, 0
	c.pending = append(c.pending, op)
	c.pump()
}

// pump sends what waits on a live connection.
func (c *pconn) pump() {
	if !c.conn {
		c.dial()
		return
	}
	w := c.pr.w
	for c.sent < len(c.pending) {
		op := c.pending[c.sent]
		c.sent++
		b, life := c.b, c.life
		w.net.Send(&c.up, func(uint64) {
			if c.life != life || !b.up || !b.serves(c.p) {
				return
			}
			b.NICIn.Submit(float64(op.bytes), 0, func(sim.Job) {
				if c.life != life || !b.up || !b.serves(c.p) {
					return
				}
				// Handler threads run in parallel; one connection's
				// publishes still reach the managed ledger in order.
				c.cpuq = append(c.cpuq, op)
				op.cpuDone = false
				b.CPU.SubmitTime(b.CPUCostRecords(int64(len(op.mids)), op.bytes), 0, func(sim.Job) {
					op.cpuDone = true
					for len(c.cpuq) > 0 && c.cpuq[0].cpuDone {
						x := c.cpuq[0]
						c.cpuq = c.cpuq[1:]
						if c.life == life && b.up && b.serves(c.p) {
							c.p.publish(c, x)
						}
					}
				})
			})
		}, 0)
	}
}

// dial looks the partition's owner up and connects when it has loaded
// the partition; otherwise it retries with backoff (100 ms doubling to
// 60 s, the client's defaults).
func (c *pconn) dial() {
	if c.conn || c.dialing {
		return
	}
	w := c.pr.w
	c.dialing = true
	w.s.After(2*w.net.Latency, func() {
		c.dialing = false
		b := c.p.reg.bundles[c.p.bundle]
		if b != nil && b.up && !b.clientsCut && c.p.owner == b && c.p.ready {
			c.b, c.conn, c.sent = b, true, 0
			c.life++
			c.up = net.Link{From: 0, To: b.node}
			c.down = net.Link{From: b.node}
			c.backoff = 100 * sim.Millisecond
			c.pump()
			return
		}
		d := c.backoff
		c.backoff = min(2*c.backoff, 60*sim.Second)
		c.dialing = true
		w.s.After(d, func() {
			c.dialing = false
			c.dial()
		})
	})
}

// lost: the connection died; unacknowledged sends go again on the next
// one (without deduplication a send the broker had written is then
// written twice).
func (c *pconn) lost() {
	if !c.conn {
		return
	}
	c.conn = false
	c.life++
	c.sent = 0
	c.cpuq = nil
	c.dial()
}

// receipt is the broker answering a persisted entry.
func (c *pconn) receipt(op *addOp) {
	w := c.pr.w
	b, life := c.b, c.life
	w.net.Send(&c.down, func(uint64) {
		if c.life != life || c.b != b || b.clientsCut {
			return
		}
		c.settle(op, true)
	}, 0)
}

// rejected is the broker refusing a send (producer_exception quota).
func (c *pconn) rejected(op *addOp) {
	w := c.pr.w
	life := c.life
	w.net.Send(&c.down, func(uint64) {
		if c.life == life {
			c.settle(op, false)
		}
	}, 0)
}

// settle removes an op from pending with its outcome.
func (c *pconn) settle(op *addOp, ok bool) {
	i := -1
	for j, x := range c.pending {
		if x == op {
			i = j
			break
		}
	}
	if i < 0 {
		return // already timed out
	}
	c.pending = append(c.pending[:i], c.pending[i+1:]...)
	if i < c.sent {
		c.sent--
	}
	p := c.pr
	w := p.w
	w.held -= int64(len(op.mids))
	if w.ch != nil {
		w.ch.outcome(op.mids, ok)
	}
	if !ok {
		p.failed += int64(len(op.mids))
		return
	}
	now := w.s.Now()
	for _, mid := range op.mids {
		m := &w.msgs[mid]
		p.acked++
		p.bytesAcked += m.size
		w.chk.Ack(int(m.prod), 0, m.seq, 1)
		if m.born >= w.warm {
			d := int64(now - m.born)
			p.ackHist.Record(d)
			w.ack.Record(d)
		}
	}
}

// checkTimeouts fails every pending send once the oldest is older than
// the send timeout, as the client does; such a send may still be
// written (indeterminate).
func (p *producer) checkTimeouts() {
	w := p.w
	now := w.s.Now()
	for _, c := range p.conns {
		if len(c.pending) > 0 && now-c.pending[0].created >= sim.Time(w.pc.SendTimeout) {
			for _, op := range c.pending {
				p.indeterminate += int64(len(op.mids))
				w.held -= int64(len(op.mids))
				if w.ch != nil {
					w.ch.outcome(op.mids, false)
				}
				op.gaveUp = true
			}
			c.pending, c.sent = nil, 0
		}
	}
	if now < w.end+sim.Time(w.sc.Drain) {
		w.s.After(sim.Second, p.checkTimeouts)
	}
}
