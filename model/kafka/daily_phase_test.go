package kafka

import (
	"math"
	"testing"

	"mqsim/scenarios/units"
)

// A day replayed from its peak: with daily(peak=4x, period=1h, phase=30m)
// the producers start at the curve's maximum, so the first 10 simulated
// seconds carry about 4× the mean rate (the curve falls by under 0.1%
// in 10s of an hour: cos(2π·10/3600) ≈ 0.9985); without the phase they
// start at the trough, where the curve is 0.
func TestDailyPhaseStartsAtPeak(t *testing.T) {
	const rate = 1000.0
	produced := func(arrival string) int64 {
		s := baseScenario(rate, 10*units.Second)
		s.Producers[0].Arrival = arrival
		return mustRun(t, s).Produced
	}
	peak := produced("daily(peak=4x, period=1h, phase=30m)")
	if want := 4 * rate * 10; math.Abs(float64(peak)-want) > 0.01*want+5*math.Sqrt(want) {
		t.Errorf("from the peak: produced %d in 10s, want about %v (4 × %v/s × 10s)", peak, want, rate)
	}
	trough := produced("daily(peak=4x, period=1h)")
	if float64(trough) > 0.001*rate*10 {
		t.Errorf("from the trough: produced %d in 10s, want about 0", trough)
	}
}
