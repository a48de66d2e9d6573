package sns

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"mqsim/model"
	wl "mqsim/model/load"
	"mqsim/model/sqs"
	"mqsim/scenarios"
	"mqsim/sim"
)

// group is the consumer group reading one subscription: the consumer
// threads of its SQS queue, or the request handlers of its HTTP endpoint.
type group struct {
	w         *world
	idx       int
	spec      *scenarios.ConsumerGroup
	u         *sub
	consumers []*consumer
	failing   map[int64]bool
	processed int64
	e2e       *sim.Histogram
}

// consumer is one consumer thread (SQS: receive, process, delete) or one
// request handler (HTTP: one request at a time).
type consumer struct {
	g     *group
	idx   int
	alive bool
	epoch int
	rng   *rand.Rand

	reserved []sqs.Receipt
	skip     map[int64]bool // FIFO groups of the current batch that failed
	running  bool
	cur      *delivery // HTTP: the request being handled
}

func newGroup(w *world, idx int, spec *scenarios.ConsumerGroup, u *sub) *group {
	g := &group{w: w, idx: idx, spec: spec, u: u, failing: map[int64]bool{}, e2e: sim.NewLatencyHistogram()}
	if f := spec.Failures; f != nil {
		for _, k := range f.PoisonKeys {
			g.failing[k] = true
		}
	}
	for i := range spec.Consumers {
		c := &consumer{g: g, idx: i, alive: true, rng: w.s.Stream(fmt.Sprintf("consumer/%s/%d", spec.Name, i))}
		g.consumers = append(g.consumers, c)
		if u.q != nil {
			w.s.At(0, c.poll)
		}
	}
	return g
}

func (g *group) busy() bool {
	for _, c := range g.consumers {
		if c.alive && (c.running || len(c.reserved) > 0) {
			return true
		}
	}
	return false
}

// fails reports whether one processing of message (prod, seq, key)
// fails: a poison message always, others at the transient rate.
func (g *group) fails(prod int, seq int32, key int64, rng *rand.Rand) bool {
	f := g.spec.Failures
	if f == nil {
		return false
	}
	if g.failing[key] || f.PoisonShare > 0 && wl.PoisonHash(prod, seq) < float64(f.PoisonShare) {
		return true
	}
	return f.TransientRate > 0 && rng.Float64() < float64(f.TransientRate)
}

// record tells the topic's checker one processing finished.
func (g *group) record(prod int, seq int32, key int64, born sim.Time, size int64) {
	w := g.w
	g.processed++
	w.processedBytes += size
	if g.u.gi >= 0 {
		g.u.t.chk.Processed(g.u.gi, prod, 0, seq, key, born)
	}
	lat := w.s.Now() - born
	g.e2e.RecordTime(lat)
	if born >= sim.Time(w.sc.Warmup) {
		w.e2e.RecordTime(lat)
	}
	w.interval.RecordTime(lat)
}

func (c *consumer) aliveNow() func() bool {
	e := c.epoch
	return func() bool { return c.alive && c.epoch == e }
}

// crash stops the consumer. A consumer thread's received messages come
// back after their visibility timeout; a handler's request in progress
// fails, and when no handler is left the endpoint refuses everything
// queued at it.
func (c *consumer) crash() {
	if !c.alive {
		return
	}
	c.alive = false
	c.epoch++
	c.reserved, c.running = nil, false
	if d := c.cur; d != nil {
		c.cur = nil
		c.g.u.failed(d)
	}
	u := c.g.u
	if u.q == nil && !slices.ContainsFunc(c.g.consumers, func(x *consumer) bool { return x.alive }) {
		q := u.epQueue
		u.epQueue = nil
		for _, d := range q {
			u.failed(d)
		}
	}
}

func (c *consumer) restart() {
	if c.alive {
		return
	}
	c.alive = true
	c.epoch++
	if c.g.u.q != nil {
		c.poll()
		return
	}
	c.g.u.dispatch()
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
	return model.ConsumerCrashes(w.sc, "sns", members, func(c *consumer, f *scenarios.Fault) {
		w.s.At(sim.Time(f.At), c.crash)
		if f.Duration > 0 {
			w.s.At(sim.Time(f.At+f.Duration), c.restart)
		}
	})
}
