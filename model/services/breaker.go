package services

import "mqsim/sim"

// BreakerState is a circuit breaker's state.
type BreakerState int

// A breaker is closed (calls pass, outcomes are counted), open (calls fail
// at once) or half-open (a few trial calls pass; their outcome decides).
const (
	Closed BreakerState = iota
	Open
	HalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "closed"
}

// BreakerConfig is a breaker's settings (scenarios.Breaker, resolved).
type BreakerConfig struct {
	Window    sim.Time // rolling window of outcomes
	Buckets   int      // the window's buckets (Hystrix: 10)
	Volume    int      // fewest calls in the window before it may open
	Threshold float64  // error share that opens it (0–1)
	Sleep     sim.Time // open this long before half-open
	Probes    int      // trial calls let through half-open
}

// Breaker is a circuit breaker as Hystrix's: outcomes are counted in a
// rolling window of buckets; when the window holds at least Volume calls
// and the share of failures reaches Threshold it opens; after Sleep the
// next call finds it half-open, which lets Probes trial calls through:
// all succeeding closes it (with a fresh window), any failing opens it
// again for another Sleep. It is a plain value driven by the caller's
// clock: Allow before a call, Record after it.
type Breaker struct {
	Cfg      BreakerConfig
	state    BreakerState
	openedAt sim.Time
	// Rolling window: buckets of (calls, failures) by bucket index.
	bucket         []int64 // bucket number each slot holds
	calls, fails   []int
	probesLeft     int // half-open: trial calls still to let through
	probesPending  int // half-open: trial calls let through, not yet recorded
	Opens          int64
	ShortCircuited int64
}

// NewBreaker returns a closed breaker.
func NewBreaker(cfg BreakerConfig) *Breaker {
	if cfg.Buckets < 1 {
		cfg.Buckets = 10
	}
	b := &Breaker{Cfg: cfg, bucket: make([]int64, cfg.Buckets), calls: make([]int, cfg.Buckets), fails: make([]int, cfg.Buckets)}
	for i := range b.bucket {
		b.bucket[i] = -1
	}
	return b
}

// State is the breaker's state at now (an open breaker whose sleep is
// over reads half-open).
func (b *Breaker) State(now sim.Time) BreakerState {
	if b.state == Open && now >= b.openedAt+b.Cfg.Sleep {
		return HalfOpen
	}
	return b.state
}

func (b *Breaker) width() sim.Time { return max(b.Cfg.Window/sim.Time(b.Cfg.Buckets), 1) }

// Allow reports whether a call may go out at now. A refused call is
// counted as short-circuited.
func (b *Breaker) Allow(now sim.Time) bool {
	if b.state == Open && now >= b.openedAt+b.Cfg.Sleep {
		b.state = HalfOpen
		b.probesLeft, b.probesPending = b.Cfg.Probes, 0
	}
	switch b.state {
	case Open:
		b.ShortCircuited++
		return false
	case HalfOpen:
		if b.probesLeft == 0 {
			b.ShortCircuited++
			return false
		}
		b.probesLeft--
		b.probesPending++
	}
	return true
}

// Record counts a call's outcome at now (one let through by Allow).
func (b *Breaker) Record(now sim.Time, ok bool) {
	switch b.state {
	case HalfOpen:
		if b.probesPending == 0 {
			return // an outcome of a call made before the breaker opened
		}
		b.probesPending--
		if !ok {
			b.trip(now)
			return
		}
		if b.probesLeft == 0 && b.probesPending == 0 {
			b.state = Closed
			b.reset()
		}
		return
	case Open:
		return // late outcomes of calls made while closed
	}
	n := int64(now / b.width())
	i := int(n % int64(len(b.bucket)))
	if b.bucket[i] != n {
		b.bucket[i], b.calls[i], b.fails[i] = n, 0, 0
	}
	b.calls[i]++
	if !ok {
		b.fails[i]++
	}
	calls, fails := b.Window(now)
	if calls >= b.Cfg.Volume && float64(fails) >= b.Cfg.Threshold*float64(calls) {
		b.trip(now)
	}
}

// Window is the calls and failures in the rolling window ending at now.
func (b *Breaker) Window(now sim.Time) (calls, fails int) {
	n := int64(now / b.width())
	for i, k := range b.bucket {
		if k >= 0 && k > n-int64(len(b.bucket)) && k <= n {
			calls += b.calls[i]
			fails += b.fails[i]
		}
	}
	return calls, fails
}

func (b *Breaker) trip(now sim.Time) {
	b.state = Open
	b.openedAt = now
	b.Opens++
	b.reset()
}

func (b *Breaker) reset() {
	for i := range b.bucket {
		b.bucket[i], b.calls[i], b.fails[i] = -1, 0, 0
	}
}
