package services

import (
	"testing"

	"pgregory.net/rapid"

	"mqsim/sim"
)

// Whatever the sequence of calls and outcomes, a breaker never lets more
// than its probes through while half-open, never lets a call through while
// open before the sleep window ends, and counts every refusal.
func TestBreakerInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := BreakerConfig{Window: sim.Time(rapid.Int64Range(1, 20).Draw(t, "window_s")) * sim.Second, Buckets: 10,
			Volume: rapid.IntRange(1, 30).Draw(t, "volume"), Threshold: rapid.Float64Range(0.01, 1).Draw(t, "threshold"),
			Sleep: sim.Time(rapid.Int64Range(1, 10).Draw(t, "sleep_s")) * sim.Second, Probes: rapid.IntRange(1, 5).Draw(t, "probes")}
		b := NewBreaker(cfg)
		now := sim.Time(0)
		var outstanding []bool // calls let through, not yet recorded
		refused := int64(0)
		for range rapid.IntRange(1, 300).Draw(t, "steps") {
			now += sim.Time(rapid.Int64Range(0, 2000).Draw(t, "dt_ms")) * sim.Millisecond
			if rapid.Bool().Draw(t, "call") {
				st := b.State(now)
				ok := b.Allow(now)
				switch {
				case ok:
					outstanding = append(outstanding, rapid.Bool().Draw(t, "outcome"))
				default:
					refused++
					if st == Closed {
						t.Fatalf("a closed breaker refused a call")
					}
				}
				if st == Open && ok {
					t.Fatalf("an open breaker let a call through before its sleep ended")
				}
				if b.state == HalfOpen && b.probesPending > cfg.Probes {
					t.Fatalf("%d probes out, at most %d", b.probesPending, cfg.Probes)
				}
			} else if len(outstanding) > 0 {
				i := rapid.IntRange(0, len(outstanding)-1).Draw(t, "which")
				b.Record(now, outstanding[i])
				outstanding = append(outstanding[:i], outstanding[i+1:]...)
			}
		}
		if b.ShortCircuited != refused {
			t.Fatalf("short-circuited %d, refused %d", b.ShortCircuited, refused)
		}
	})
}

// A budget never goes below zero or above its burst, and over any run
// retries ≤ burst + ratio × first attempts + floor × elapsed seconds.
func TestBudgetInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ratio := rapid.Float64Range(0, 1).Draw(t, "ratio")
		floor := rapid.Float64Range(0, 20).Draw(t, "floor")
		burst := rapid.Float64Range(1, 100).Draw(t, "burst")
		b := NewBudget(ratio, floor, burst)
		now := sim.Time(0)
		firsts, retries := 0, 0
		for range rapid.IntRange(1, 500).Draw(t, "steps") {
			now += sim.Time(rapid.Int64Range(0, 500).Draw(t, "dt_ms")) * sim.Millisecond
			if rapid.Bool().Draw(t, "first") {
				b.Deposit(now)
				firsts++
			} else if b.TryRetry(now) {
				retries++
			}
			if tk := b.Tokens(now); tk < 0 || tk > burst+1e-9 {
				t.Fatalf("balance %v outside [0, %v]", tk, burst)
			}
		}
		if bound := burst + ratio*float64(firsts) + floor*now.Seconds(); float64(retries) > bound+1e-6 {
			t.Fatalf("%d retries, bound %v", retries, bound)
		}
	})
}
