package kafka

import (
	"math/rand/v2"

	"mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Backpressure on the producer side (the seed's table, first, third and
// fourth rows) and consumer autoscaling (second row).
//
// A send() passes three gates in order: sampling (a low-priority message
// is dropped while the lag of the topic's groups is above a threshold),
// the client's token bucket (the message waits for a token: throttle
// time), and buffer.memory (when full, send() blocks until batches
// complete and free memory, up to max.block, then fails: rejected; or,
// with buffer_full: error, fails at once). Waiting sends keep their order
// and their send time, so their latency includes the wait.
type backpressure struct {
	p        *producer
	errMode  bool
	maxBlock sim.Time
	bucket   *sim.TokenBucket
	drop     *scenarios.Drop
	rng      *rand.Rand
	lagAt    sim.Time
	lag      int64

	waiting []waitingSend
	head    int
	timer   sim.EventID
	timerAt sim.Time
	armed   bool
	kicked  bool

	rejected, dropped int64
	throttle, block   sim.Time

	blk bulkArrivals // arrivals counted while blocked (bufferpool.go)
}

// waitingSend is a send() waiting for a token or for buffer memory.
type waitingSend struct {
	born  sim.Time // the send() call
	ready sim.Time // when its token is available
	size  int64
	key   int64
}

func newBackpressure(p *producer) (*backpressure, error) {
	spec := p.spec
	bp := &backpressure{p: p, errMode: spec.BufferFull == scenarios.BufferFullError, maxBlock: sim.Time(spec.MaxBlock),
		drop: spec.Drop, rng: p.w.s.Stream("producer/" + p.name + "/backpressure")}
	if spec.RateLimit > 0 {
		// The limit is the producer spec's total, shared by its instances.
		rate := float64(spec.RateLimit) / float64(max(spec.Instances, 1))
		b, err := sim.NewTokenBucket(p.w.s, rate, max(float64(spec.RateBurst)/float64(max(spec.Instances, 1)), 1))
		if err != nil {
			return nil, err
		}
		bp.bucket = b
	}
	return bp, nil
}

// recordBytes is what one message takes of buffer.memory.
func (p *producer) recordBytes(size, key int64) int64 {
	n := size + recordOverhead
	if key >= 0 {
		p.keyBuf = load.KeyBytes(p.keyBuf, key)
		n += int64(len(p.keyBuf))
	}
	return n
}

// admit decides whether a send() goes into the accumulator now. When it
// does not, the message was dropped or rejected, or it waits and enters
// later.
func (p *producer) admit(now sim.Time, size, key int64) bool {
	bp := p.bp
	if d := bp.drop; d != nil && bp.rng.Float64() < float64(d.LowPriority) && bp.topicLag(now) > int64(d.LagAbove) {
		bp.dropped++
		return false
	}
	ready := now
	if bp.bucket != nil {
		if wait := bp.bucket.Take(1); wait > 0 {
			bp.throttle += wait
			ready = now + wait
		}
	}
	if ready == now && bp.head == len(bp.waiting) && p.bufUsed+p.recordBytes(size, key) <= p.bufMax {
		return true
	}
	if ready == now && bp.errMode && p.bufUsed+p.recordBytes(size, key) > p.bufMax {
		bp.rejected++
		p.failed++
		return false
	}
	bp.waiting = append(bp.waiting, waitingSend{born: now, ready: ready, size: size, key: key})
	bp.schedule(ready)
	return false
}

// topicLag is the total lag of the groups reading the producer's topic,
// looked at no more than every 100ms (a monitoring signal, not a lock).
func (bp *backpressure) topicLag(now sim.Time) int64 {
	if now-bp.lagAt >= 100*sim.Millisecond || bp.lagAt == 0 {
		bp.lagAt = now
		bp.lag = 0
		for _, g := range bp.p.t.groups {
			l, _ := g.lag()
			bp.lag += l
		}
	}
	return bp.lag
}

func (bp *backpressure) schedule(t sim.Time) {
	w := bp.p.w
	if bp.armed && bp.timerAt <= t {
		return
	}
	if bp.armed {
		w.s.Cancel(bp.timer)
	}
	bp.armed, bp.timerAt = true, t
	bp.timer = w.s.At(t, func() { bp.armed = false; bp.process() })
}

// freed is called when batches release buffer memory.
func (bp *backpressure) freed() {
	if (bp.head == len(bp.waiting) && !bp.blk.on) || bp.kicked {
		return
	}
	bp.kicked = true
	bp.p.w.s.After(0, func() { bp.kicked = false; bp.process() })
}

// process lets waiting sends in, in order, while there is memory.
func (bp *backpressure) process() {
	p := bp.p
	now := p.w.s.Now()
	bp.count(now)
	for bp.head < len(bp.waiting) {
		m := bp.waiting[bp.head]
		if m.ready > now {
			bp.schedule(m.ready)
			break
		}
		need := p.recordBytes(m.size, m.key)
		if p.bufUsed+need > p.bufMax {
			if bp.errMode {
				bp.rejected++
				p.failed++
				bp.head++
				continue
			}
			if now >= m.ready+bp.maxBlock {
				// max.block.ms passed: send() throws.
				bp.block += now - m.ready
				bp.rejected++
				p.failed++
				bp.head++
				continue
			}
			bp.schedule(m.ready + bp.maxBlock)
			break
		}
		bp.head++
		bp.block += now - m.ready
		p.put(m.born, m.size, m.key)
	}
	if bp.head == len(bp.waiting) {
		bp.waiting, bp.head = bp.waiting[:0], 0
		bp.processBulk(now)
	} else if bp.head > 4096 && bp.head*2 > len(bp.waiting) {
		bp.waiting = append(bp.waiting[:0], bp.waiting[bp.head:]...)
		bp.head = 0
	}
}

// Autoscaling on lag.

// startAutoscaler checks the group's lag every check_every and, above the
// threshold, starts one more consumer after the spin-up delay; never more
// than max_consumers (default: the partition count) live at once.
func (g *group) startAutoscaler() {
	a := g.spec.Autoscale
	limit := a.Max
	if limit <= 0 || limit > len(g.t.parts) {
		limit = len(g.t.parts)
	}
	var tick func()
	tick = func() {
		w := g.w
		now := w.s.Now()
		live := 0
		for _, m := range g.members {
			if m.alive {
				live++
			}
		}
		if l, _ := g.lag(); l > int64(a.LagAbove) && !g.scalePending && live < limit {
			g.scalePending = true
			w.s.At(now+sim.Time(a.SpinUp), func() {
				g.scalePending = false
				g.scaleUps++
				g.addMember()
			})
		}
		if now < w.end+sim.Time(w.sc.Drain) {
			w.s.At(now+sim.Time(a.CheckEvery), tick)
		}
	}
	g.w.s.At(sim.Time(a.CheckEvery), tick)
}
