package sqs

import (
	"fmt"
	"math/rand/v2"

	"mqsim/model"
	wl "mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// groupState is one consumer group: the consumers (threads) that receive
// from its queue, or Celery workers when the scenario has a celery section.
type groupState struct {
	w         *world
	idx       int
	spec      *scenarios.ConsumerGroup
	qs        *qstate
	consumers []*consumer
	processed int64
	e2e       *sim.Histogram
	failing   map[int64]bool // poison keys
	proc      sim.Dist
}

func newGroup(w *world, idx int, spec *scenarios.ConsumerGroup, qs *qstate) *groupState {
	g := &groupState{w: w, idx: idx, spec: spec, qs: qs, e2e: sim.NewLatencyHistogram(), failing: map[int64]bool{},
		proc: spec.Processing.Dist}
	if f := spec.Failures; f != nil {
		for _, k := range f.PoisonKeys {
			g.failing[k] = true
		}
	}
	for i := range spec.Consumers {
		c := &consumer{g: g, idx: i, alive: true, rng: w.s.Stream(fmt.Sprintf("consumer/%s/%d", spec.Name, i))}
		g.consumers = append(g.consumers, c)
		w.s.At(0, c.start)
	}
	return g
}

func (g *groupState) busy() bool {
	for _, c := range g.consumers {
		if c.alive && (c.running > 0 || len(c.reserved) > 0 || c.held > 0) {
			return true
		}
	}
	return false
}

// fails reports whether one processing attempt of m fails: a poison
// message always, others at the transient rate.
func (g *groupState) fails(m *Message, rng *rand.Rand) bool {
	f := g.spec.Failures
	if f == nil {
		return false
	}
	if g.failing[m.Key] || f.PoisonShare > 0 && wl.PoisonHash(m.Prod, m.Seq) < float64(f.PoisonShare) {
		return true
	}
	return f.TransientRate > 0 && rng.Float64() < float64(f.TransientRate)
}

// consumer is one consumer thread, or one Celery worker: it receives,
// processes and deletes. A plain consumer receives max_messages at a time
// and processes them one after another; a Celery worker keeps up to
// concurrency × prefetch_multiplier messages reserved and runs concurrency
// of them at once (celery.go).
type consumer struct {
	g     *groupState
	idx   int
	alive bool
	epoch int
	rng   *rand.Rand

	polling   bool
	reserved  []Receipt // received, not started
	held      int       // Celery: ETA tasks waiting in memory
	running   int
	nextStart sim.Time // Celery rate limit
	// skip holds the FIFO groups of the current batch whose message failed.
	skip map[int64]bool
	// runningR are a Celery worker's running tasks; procEpoch changes when
	// its processes are killed, cancelling their completions.
	runningR  []Receipt
	procEpoch int
	// toDelete are processed messages whose DeleteMessageBatch is not sent
	// yet (sqs.delete_batch above 1).
	toDelete []Receipt
}

func (c *consumer) start() {
	if c.g.w.sc.Celery != nil {
		c.workerPoll()
		return
	}
	c.poll()
}

// aliveNow returns a check that the consumer is still the incarnation that
// made a call.
func (c *consumer) aliveNow() func() bool {
	e := c.epoch
	return func() bool { return c.alive && c.epoch == e }
}

// poll is a plain consumer's ReceiveMessage loop.
func (c *consumer) poll() {
	w := c.g.w
	if !c.alive {
		return
	}
	c.polling = true
	w.receive(c.g.qs, w.cfg.MaxMessages, c.aliveNow(), func(rs []Receipt) {
		c.polling = false
		if len(rs) == 0 {
			c.poll()
			return
		}
		c.reserved = append(c.reserved, rs...)
		c.next()
	})
}

// next processes the next received message, or polls again.
func (c *consumer) next() {
	w := c.g.w
	for len(c.reserved) > 0 && c.skip[c.reserved[0].M.Key] {
		c.reserved = c.reserved[1:] // left in flight: back with its group after the timeout
	}
	if len(c.reserved) == 0 {
		clear(c.skip)
		c.flushDeletes()
		c.poll()
		return
	}
	r := c.reserved[0]
	c.reserved = c.reserved[1:]
	c.running = 1
	if r.M.ReceiveCount == 1 {
		w.waitSum += (w.s.Now() - r.M.Born).Seconds()
		w.waitN++
	}
	alive := c.aliveNow()
	d := sim.Time(0)
	if c.g.proc != nil {
		d = sim.SampleTime(c.g.proc, c.rng)
	}
	c.heartbeat(r, d, alive)
	w.s.After(d, func() {
		if !alive() {
			return
		}
		c.running = 0
		c.finish(r)
		c.next()
	})
}

// heartbeat extends the visibility of r every sqs.heartbeat while it is
// processed for d.
func (c *consumer) heartbeat(r Receipt, d sim.Time, alive func() bool) {
	w := c.g.w
	hb := sim.Time(w.cfg.Heartbeat)
	if hb <= 0 {
		return
	}
	vis := sim.Time(c.g.qs.spec.VisibilityTimeout)
	for t := hb; t < d; t += hb {
		w.s.After(t, func() {
			if alive() {
				w.changeVisibility(c.g.qs, r, vis)
			}
		})
	}
}

// finish ends one processing of r: a success is recorded and deleted; a
// failure is left alone, so the message comes back after its visibility
// timeout (and goes to the DLQ past maxReceiveCount).
func (c *consumer) finish(r Receipt) {
	g, w := c.g, c.g.w
	if g.fails(r.M, c.rng) {
		w.processingRetries++
		if g.qs.spec.IsFIFO() {
			// The rest of its group in this batch would run out of order:
			// a FIFO consumer stops that group and lets it come back.
			if c.skip == nil {
				c.skip = map[int64]bool{}
			}
			c.skip[r.M.Key] = true
		}
		return
	}
	g.record(r.M)
	if w.cfg.DeleteBatch > 1 {
		c.toDelete = append(c.toDelete, r)
		if len(c.toDelete) >= w.cfg.DeleteBatch {
			c.flushDeletes()
		}
		return
	}
	w.deleteMsg(g.qs, r, c.rng)
}

// flushDeletes sends the pending deletes as one DeleteMessageBatch.
func (c *consumer) flushDeletes() {
	if len(c.toDelete) == 0 {
		return
	}
	c.g.w.deleteBatch(c.g.qs, c.toDelete, c.rng)
	c.toDelete = nil
}

// record tells the checker one processing of m finished.
func (g *groupState) record(m *Message) {
	w := g.w
	g.processed++
	w.chk.Processed(g.idx, m.Prod, m.Part, m.Seq, m.Key, m.Born)
	lat := w.s.Now() - m.Born
	g.e2e.RecordTime(lat)
	if m.Born >= sim.Time(w.sc.Warmup) {
		w.e2e.RecordTime(lat)
	}
	w.chk.Interval.RecordTime(lat)
}

// crash stops the consumer: everything it holds in memory is gone; its
// messages in flight come back after their visibility timeout.
func (c *consumer) crash() {
	c.alive = false
	c.epoch++
	c.reserved, c.held, c.running, c.polling, c.runningR = nil, 0, 0, false, nil
	c.toDelete = nil // processed, never deleted: back after the visibility timeout
}

func (c *consumer) restart() {
	if c.alive {
		return
	}
	c.alive = true
	c.epoch++
	c.start()
}

func (w *world) buildFaults() error {
	members := func(name string) ([]*consumer, bool) {
		for _, g := range w.groups {
			if g.spec.Name == name {
				return g.consumers, true
			}
		}
		return nil, false
	}
	return model.ConsumerCrashes(w.sc, "sqs", members, func(c *consumer, f *scenarios.Fault) {
		if cel := w.sc.Celery; cel != nil && cel.CrashKills == "processes" {
			w.s.At(sim.Time(f.At), c.processesLost)
			return
		}
		w.s.At(sim.Time(f.At), c.crash)
		if f.Duration > 0 {
			w.s.At(sim.Time(f.At+f.Duration), c.restart)
		}
	})
}
