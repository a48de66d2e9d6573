package scenarios

import (
	"math"
	"strings"
	"testing"

	"mqsim/scenarios/units"
)

// daily(phase=) shifts the curve: RateFactor(t) is the daily curve
// peak × ((1−cos(2π(t+phase)/period))/2)^k, so with the phase at half a
// period the producers start at the peak, and at a quarter at
// peak × (1/2)^k, where k makes the mean over a period 1/peak of the peak.
func TestDailyPhase(t *testing.T) {
	a, err := ParseArrival("daily(peak=10x, phase=12h)")
	if err != nil {
		t.Fatal(err)
	}
	if a.Phase != 12*units.Hour || a.Period != units.Day {
		t.Fatalf("phase %v period %v, want 12h and 1d", a.Phase, a.Period)
	}
	k := a.shape
	curve := func(t units.Duration) float64 {
		return 10 * math.Pow((1-math.Cos(2*math.Pi*float64(t)/float64(units.Day)))/2, k)
	}
	if got := a.RateFactor(0); math.Abs(got-10) > 1e-9 {
		t.Errorf("RateFactor(0) with phase 12h = %v, want the peak 10", got)
	}
	for _, h := range []units.Duration{0, 1, 6, 11, 12, 13, 18, 23, 30} {
		at := h * units.Hour
		if got, want := a.RateFactor(at), curve(at+12*units.Hour); math.Abs(got-want) > 1e-9 {
			t.Errorf("RateFactor(%v) = %v, want curve(%v + 12h) = %v", at, got, at, want)
		}
	}
	q, err := ParseArrival("daily(peak=10x, phase=6h)")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.RateFactor(0), 10*math.Pow(0.5, k); math.Abs(got-want) > 1e-9 {
		t.Errorf("RateFactor(0) with phase 6h = %v, want 10 × 0.5^k = %v", got, want)
	}
	// The phase moves the curve; its mean over a period stays 1.
	const n = 100000
	var sum float64
	for i := range n {
		sum += a.RateFactor(units.Duration(i) * units.Day / n)
	}
	if mean := sum / n; math.Abs(mean-1) > 1e-3 {
		t.Errorf("mean over a day with phase 12h = %v, want 1", mean)
	}
	for _, bad := range []string{"daily(peak=10x, phase=24h)", "daily(peak=3x, period=1m, phase=2m)", "daily(peak=3x, phase=-1h)", "daily(peak=3x, phase=noon)"} {
		if _, err := ParseArrival(bad); err == nil || !strings.Contains(err.Error(), "phase") {
			t.Errorf("ParseArrival(%q) = %v, want an error about the phase", bad, err)
		}
	}
}
