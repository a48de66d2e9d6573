package sim

import (
	"fmt"
	"math"
)

// Sampler records time series: every Interval it calls each registered
// function and appends the value to that series' column. Columns are plain
// float64 slices sharing one Times slice, ready for plotting or CSV.
//
// Sampler ticks are daemon events: they do not keep Run going, so a model
// that runs to quiescence stops sampling with it; use RunUntil to sample
// over a fixed horizon.
type Sampler struct {
	sim      *Sim
	interval Time
	names    []string
	fns      []func() float64
	rate     []bool
	prev     []float64
	cols     [][]float64
	times    []Time
	ev       EventID
	running  bool
}

// NewSampler returns a sampler that will tick every interval once started.
func NewSampler(s *Sim, interval Time) (*Sampler, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("sampler: interval (%v) must be positive", interval)
	}
	return &Sampler{sim: s, interval: interval}, nil
}

// Interval returns the sampling interval.
func (p *Sampler) Interval() Time { return p.interval }

// Add registers a series whose value at each tick is fn(). Series added
// after sampling began are NaN for the ticks they missed.
func (p *Sampler) Add(name string, fn func() float64) error { return p.add(name, fn, false) }

// AddRate registers a series whose value at each tick is the growth of the
// counter fn() per second over the last interval (0 at the first tick).
func (p *Sampler) AddRate(name string, counter func() float64) error {
	return p.add(name, counter, true)
}

func (p *Sampler) add(name string, fn func() float64, rate bool) error {
	if fn == nil {
		return fmt.Errorf("sampler: series %q has no function", name)
	}
	for _, n := range p.names {
		if n == name {
			return fmt.Errorf("sampler: series %q added twice", name)
		}
	}
	col := make([]float64, len(p.times), max(len(p.times), 64))
	for i := range col {
		col[i] = math.NaN()
	}
	var prev float64
	if rate {
		prev = fn()
	}
	p.names = append(p.names, name)
	p.fns = append(p.fns, fn)
	p.rate = append(p.rate, rate)
	p.prev = append(p.prev, prev)
	p.cols = append(p.cols, col)
	return nil
}

// Start takes a sample now and then every interval until Stop.
func (p *Sampler) Start() {
	if p.running {
		return
	}
	p.running = true
	p.tick()
}

// Stop ends sampling; the series recorded so far remain.
func (p *Sampler) Stop() {
	if !p.running {
		return
	}
	p.running = false
	if p.sim.Cancel(p.ev) {
		p.sim.daemons--
	}
	p.ev = 0
}

func (p *Sampler) tick() {
	now := p.sim.now
	first := len(p.times) == 0
	p.times = append(p.times, now)
	for i, fn := range p.fns {
		v := fn()
		if p.rate[i] {
			d := v - p.prev[i]
			p.prev[i] = v
			if first {
				v = 0
			} else {
				v = d / p.interval.Seconds()
			}
		}
		p.cols[i] = append(p.cols[i], v)
	}
	p.sim.daemons++
	p.ev = p.sim.Schedule(now+p.interval, p, 0)
}

// Handle is the sampler's tick; it is the kernel's callback and not for
// callers.
func (p *Sampler) Handle(uint64) {
	p.sim.daemons--
	p.ev = 0
	if p.running {
		p.tick()
	}
}

// Times returns the sample instants (shared storage: do not modify).
func (p *Sampler) Times() []Time { return p.times }

// Names returns the series names in the order they were added.
func (p *Sampler) Names() []string { return append([]string(nil), p.names...) }

// Column returns the samples of the named series (shared storage), or nil.
func (p *Sampler) Column(name string) []float64 {
	for i, n := range p.names {
		if n == name {
			return p.cols[i]
		}
	}
	return nil
}
