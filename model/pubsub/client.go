package pubsub

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"mqsim/model"
	wl "mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// group reads one subscription: pull subscriber clients, or a push
// endpoint's request handlers.
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

// consumer is one pull subscriber client (holding leased messages,
// processing one at a time) or one push handler.
type consumer struct {
	g     *group
	idx   int
	alive bool
	epoch int
	rng   *rand.Rand

	held    int      // pull: leased messages the client holds (flow control)
	buf     []*lease // pull: received, not started
	running bool
	cur     *pushReq // push: the request being handled
}

// lease is one delivery a client holds.
type lease struct {
	e       *entry
	id      uint64
	arrived sim.Time
	done    bool
}

func newGroup(w *world, idx int, spec *scenarios.ConsumerGroup, u *sub) *group {
	g := &group{w: w, idx: idx, spec: spec, u: u, failing: map[int64]bool{}, e2e: sim.NewLatencyHistogram()}
	if f := spec.Failures; f != nil {
		for _, k := range f.PoisonKeys {
			g.failing[k] = true
		}
	}
	for i := range spec.Consumers {
		g.consumers = append(g.consumers, &consumer{g: g, idx: i, alive: true, rng: w.s.Stream(fmt.Sprintf("consumer/%s/%d", spec.Name, i))})
	}
	return g
}

func (g *group) busy() bool {
	for _, c := range g.consumers {
		if c.alive && (c.running || len(c.buf) > 0) {
			return true
		}
	}
	return false
}

func (g *group) fails(m *msg, rng *rand.Rand) bool {
	f := g.spec.Failures
	if f == nil {
		return false
	}
	if g.failing[m.key] || f.PoisonShare > 0 && wl.PoisonHash(m.id.prod, m.id.seq) < float64(f.PoisonShare) {
		return true
	}
	return f.TransientRate > 0 && rng.Float64() < float64(f.TransientRate)
}

func (g *group) record(m *msg) {
	w := g.w
	g.processed++
	w.processedBytes += m.size
	if g.u.gi >= 0 {
		g.u.t.chk.Processed(g.u.gi, m.id.prod, 0, m.id.seq, m.key, m.born)
	}
	lat := w.s.Now() - m.born
	g.e2e.RecordTime(lat)
	if m.born >= sim.Time(w.sc.Warmup) {
		w.e2e.RecordTime(lat)
	}
	w.interval.RecordTime(lat)
}

func (c *consumer) aliveNow() func() bool {
	e := c.epoch
	return func() bool { return c.alive && c.epoch == e }
}

// dispatch hands ready messages to subscribers with room (pull) or to the
// endpoint within the push window.
func (u *sub) dispatch() {
	if u.group == nil {
		return
	}
	if u.push {
		u.dispatchPush()
		return
	}
	max := u.spec.MaxOutstanding
	cs := u.group.consumers
	for len(u.ready) > 0 {
		e := u.ready[0]
		if u.live[e.m.id] != e || e.outstanding {
			u.ready = u.ready[1:]
			continue
		}
		var pick *consumer
		if u.spec.MessageOrdering && e.m.key >= 0 {
			if o := u.keys[e.m.key].owner; o != nil && o.alive && o.held < max {
				pick = o
			}
		}
		for i := 0; pick == nil && i < len(cs); i++ {
			c := cs[(u.rr+i)%len(cs)]
			if c.alive && c.held < max {
				pick = c
				u.rr = (u.rr + i + 1) % len(cs)
			}
		}
		if pick == nil {
			return // every subscriber is full or down
		}
		u.ready = u.ready[1:]
		if u.spec.MessageOrdering && e.m.key >= 0 {
			u.keys[e.m.key].owner = pick
		}
		u.deliver(e)
		e.holder = pick
		pick.held++
		l := &lease{e: e, id: e.ackID}
		alive := pick.aliveNow()
		u.w.s.After(u.w.dl, func() {
			if alive() {
				pick.receive(l)
			}
		})
	}
}

// receive is a leased message reaching the client: buffered, its lease
// extended while held (if the client does), processed in turn.
func (c *consumer) receive(l *lease) {
	w, u := c.g.w, c.g.u
	l.arrived = w.s.Now()
	c.buf = append(c.buf, l)
	if u.spec.Extends() {
		c.extend(l, c.aliveNow())
	}
	c.next()
}

// extend sends ModifyAckDeadline for l every half deadline while the
// client holds it, up to max_extension after it arrived.
func (c *consumer) extend(l *lease, alive func() bool) {
	w, u := c.g.w, c.g.u
	every := sim.Time(u.spec.AckDeadline) / 2
	w.s.After(every, func() {
		if !alive() || l.done || w.s.Now()-l.arrived >= sim.Time(u.spec.MaxExtension) {
			return
		}
		w.svc.PubSubModAcks++
		w.s.After(w.half, func() {
			e := l.e
			if e.ackID == l.id && e.outstanding && u.live[e.m.id] == e {
				u.arm(e, w.s.Now()+sim.Time(u.spec.AckDeadline))
			}
		})
		c.extend(l, alive)
	})
}

// next processes the next buffered message.
func (c *consumer) next() {
	if c.running || len(c.buf) == 0 || !c.alive {
		return
	}
	w, g := c.g.w, c.g
	l := c.buf[0]
	c.buf = c.buf[1:]
	c.running = true
	alive := c.aliveNow()
	w.s.After(sim.SampleTime(g.spec.Processing.Dist, c.rng), func() {
		if !alive() {
			return
		}
		c.running = false
		l.done = true
		u := g.u
		// The client's slot frees when the answer is sent; a crash since
		// then already emptied the client (alive() is false).
		if g.fails(l.e.m, c.rng) {
			w.processingRetries++
			w.s.After(w.half, func() {
				if alive() {
					c.held--
				}
				u.nackArrives(l.e, l.id)
				u.dispatch()
			})
		} else {
			g.record(l.e.m)
			lost := !u.spec.ExactlyOnce && u.spec.AckLossRate > 0 && w.rng.Float64() < float64(u.spec.AckLossRate)
			w.s.After(w.half, func() {
				if alive() {
					c.held--
				}
				if lost {
					w.svc.PubSubLateAcks++
				} else {
					u.ackArrives(l.e, l.id)
				}
				u.dispatch()
			})
		}
		c.next()
	})
}

// crash stops the client: what it holds is forgotten (the service
// redelivers it when its deadline expires); a push handler's request in
// progress fails.
func (c *consumer) crash() {
	if !c.alive {
		return
	}
	c.alive = false
	c.epoch++
	c.buf, c.running, c.held = nil, false, 0
	if r := c.cur; r != nil {
		c.cur = nil
		c.g.u.pushFailed(r)
	}
	u := c.g.u
	if u.push && !slices.ContainsFunc(c.g.consumers, func(x *consumer) bool { return x.alive }) {
		q := u.epQueue
		u.epQueue = nil
		for _, r := range q {
			u.pushFailed(r)
		}
	}
}

func (c *consumer) restart() {
	if c.alive {
		return
	}
	c.alive = true
	c.epoch++
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
	return model.ConsumerCrashes(w.sc, "pubsub", members, func(c *consumer, f *scenarios.Fault) {
		w.s.At(sim.Time(f.At), c.crash)
		if f.Duration > 0 {
			w.s.At(sim.Time(f.At+f.Duration), c.restart)
		}
	})
}
