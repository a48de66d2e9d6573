package services

import (
	"testing"

	"mqsim/sim"
)

func hystrix() BreakerConfig {
	// Hystrix's defaults: 10 s window in 10 buckets, 20 requests, 50%, 5 s.
	return BreakerConfig{Window: 10 * sim.Second, Buckets: 10, Volume: 20, Threshold: 0.5, Sleep: 5 * sim.Second, Probes: 1}
}

// The state machine, step by step: closed until the window holds the
// volume at the threshold; open (short-circuiting) for the sleep window;
// half-open lets one probe through; a failed probe opens it again, a
// successful one closes it with a fresh window.
func TestBreakerTransitions(t *testing.T) {
	b := NewBreaker(hystrix())
	ms := func(n int64) sim.Time { return sim.Time(n) * sim.Millisecond }
	// 19 failures: below the volume of 20, so still closed.
	for i := range int64(19) {
		if !b.Allow(ms(i)) {
			t.Fatalf("call %d refused while closed", i)
		}
		b.Record(ms(i), false)
	}
	if s := b.State(ms(19)); s != Closed {
		t.Fatalf("after 19 failures: %v, want closed (volume 20 not reached)", s)
	}
	// The 20th failure: 20 calls, 100% errors ≥ 50%: open.
	b.Allow(ms(19))
	b.Record(ms(19), false)
	if s := b.State(ms(20)); s != Open || b.Opens != 1 {
		t.Fatalf("after 20 failures: %v, %d opens; want open, 1", s, b.Opens)
	}
	// Open: every call short-circuits until the sleep window ends.
	if b.Allow(ms(20)) || b.Allow(ms(19)+5*sim.Second-1) {
		t.Fatal("a call passed an open breaker")
	}
	if b.ShortCircuited != 2 {
		t.Errorf("short-circuited %d, want 2", b.ShortCircuited)
	}
	// Half-open after 5 s: one probe, the next call waits for it.
	at := ms(19) + 5*sim.Second
	if s := b.State(at); s != HalfOpen {
		t.Fatalf("after the sleep window: %v, want half-open", s)
	}
	if !b.Allow(at) {
		t.Fatal("the probe was refused")
	}
	if b.Allow(at) {
		t.Fatal("a second call passed while the probe was out")
	}
	// The probe fails: open again, for another sleep window.
	b.Record(at+ms(10), false)
	if s := b.State(at + ms(10)); s != Open || b.Opens != 2 {
		t.Fatalf("after a failed probe: %v, %d opens; want open, 2", s, b.Opens)
	}
	at2 := at + ms(10) + 5*sim.Second
	if !b.Allow(at2) {
		t.Fatal("the second probe was refused")
	}
	b.Record(at2+ms(10), true)
	if s := b.State(at2 + ms(10)); s != Closed {
		t.Fatalf("after a good probe: %v, want closed", s)
	}
	// A fresh window: the failures before do not count.
	if c, f := b.Window(at2 + ms(10)); c != 0 || f != 0 {
		t.Errorf("window after closing: %d calls, %d failures; want 0, 0", c, f)
	}
}

// The threshold is a share of the window: 20 calls with 9 failures (45%)
// stay closed, a 10th failure among 21 (47.6%) too, an 11th among 22
// (50%) opens it.
func TestBreakerThreshold(t *testing.T) {
	b := NewBreaker(hystrix())
	now := sim.Time(0)
	rec := func(ok bool) { b.Allow(now); b.Record(now, ok); now += sim.Millisecond }
	for range 11 {
		rec(true)
	}
	for range 9 {
		rec(false)
	}
	rec(false) // 21 calls, 10 failures: 47.6%
	if b.State(now) != Closed {
		t.Fatal("opened at 47.6% errors, threshold 50%")
	}
	rec(false) // 22 calls, 11 failures: 50%
	if b.State(now) != Open {
		t.Fatal("still closed at 50% errors, threshold 50%")
	}
}

// Outcomes older than the rolling window are forgotten: 15 failures, then
// 11 s later 10 more are only 10 in the window (under the volume of 20).
func TestBreakerWindowRolls(t *testing.T) {
	b := NewBreaker(hystrix())
	for i := range 15 {
		b.Allow(sim.Time(i))
		b.Record(sim.Time(i), false)
	}
	later := 11 * sim.Second
	for i := range 10 {
		b.Allow(later + sim.Time(i))
		b.Record(later+sim.Time(i), false)
	}
	if c, f := b.Window(later + 10); c != 10 || f != 10 {
		t.Errorf("window holds %d calls, %d failures; want 10, 10", c, f)
	}
	if b.State(later+10) != Closed {
		t.Error("opened on failures that left the window")
	}
}

// Half-open with several probes: all must succeed before it closes.
func TestBreakerProbes(t *testing.T) {
	cfg := hystrix()
	cfg.Volume, cfg.Probes = 1, 3
	b := NewBreaker(cfg)
	b.Allow(0)
	b.Record(0, false)
	at := cfg.Sleep
	for i := range 3 {
		if !b.Allow(at) {
			t.Fatalf("probe %d refused", i)
		}
	}
	if b.Allow(at) {
		t.Fatal("a fourth call passed with 3 probes out")
	}
	b.Record(at, true)
	b.Record(at, true)
	if b.State(at) != HalfOpen {
		t.Fatal("closed before the third probe answered")
	}
	b.Record(at, true)
	if b.State(at) != Closed {
		t.Fatal("not closed after three good probes")
	}
}

// Retry budget arithmetic. Burst 10, ratio 20%, no floor: 100 first
// attempts at one instant deposit 20 tokens, but the balance is capped at
// 10, so 10 retries go and the 11th is denied. With the floor of 10/s,
// 2.5 s later 25 tokens have accrued, capped at 10 again.
func TestBudgetArithmetic(t *testing.T) {
	b := NewBudget(0.2, 0, 10)
	for range 100 {
		b.Deposit(0)
	}
	n := 0
	for b.TryRetry(0) {
		n++
	}
	if n != 10 || b.Denied != 1 {
		t.Errorf("%d retries, %d denied; want 10 (the cap), 1", n, b.Denied)
	}
	// Spent: 4 first attempts give 0.8 of a token, not enough for one retry;
	// the 5th makes 1.0.
	for range 4 {
		b.Deposit(0)
	}
	if b.TryRetry(0) {
		t.Error("a retry on 0.8 tokens")
	}
	b.Deposit(0)
	if !b.TryRetry(0) {
		t.Errorf("no retry on 1.0 tokens (balance %v)", b.Tokens(0))
	}
	// The floor: 10 tokens a second.
	f := NewBudget(0.2, 10, 10)
	for f.TryRetry(0) {
	}
	if got := f.Tokens(sim.Second / 4); got < 2.5-1e-9 || got > 2.5+1e-9 {
		t.Errorf("after 250ms at 10/s: %v tokens, want 2.5", got)
	}
	if got := f.Tokens(10 * sim.Second); got != 10 {
		t.Errorf("after 10s: %v tokens, want the cap 10", got)
	}
}

// Over a long run the budget bounds retries at ratio × requests + floor ×
// seconds + burst, however many fail: 1,000 requests a second for 10 s,
// every one failing and wanting 3 retries, ratio 10%, floor 5/s, burst 50.
func TestBudgetBound(t *testing.T) {
	b := NewBudget(0.1, 5, 50)
	retries := 0
	for ms := range 10_000 {
		now := sim.Time(ms) * sim.Millisecond
		b.Deposit(now)
		for range 3 {
			if b.TryRetry(now) {
				retries++
			}
		}
	}
	bound := 0.1*10_000 + 5*10 + 50
	if float64(retries) > bound || float64(retries) < 0.95*(0.1*10_000+5*10) {
		t.Errorf("%d retries, want at most %v and near ratio × requests + floor × seconds (%v)", retries, bound, 0.1*10_000+5*10)
	}
}
