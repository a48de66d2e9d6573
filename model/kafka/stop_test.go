package kafka

import (
	"math"
	"testing"

	"mqsim/scenarios/units"
	"mqsim/sim"
)

// TestStop: closing Options.Stop ends the run at the simulated time the
// loop had reached, and the results cover only that much.
func TestStop(t *testing.T) {
	const rate = 2000.0
	s := baseScenario(rate, 60*units.Second)
	stop := make(chan struct{})
	closed := false
	progress := func(now, end sim.Time) {
		if now >= 5*sim.Second && !closed {
			close(stop)
			closed = true
		}
	}
	r, err := Run(s, Options{Progress: progress, Stop: stop})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Partial {
		t.Errorf("Partial = false after Stop was closed")
	}
	// The loop checks Stop once per step after reporting progress, so it
	// stops at the first step at or after 5s.
	if r.SimSeconds != 5 {
		t.Errorf("SimSeconds = %v, want 5 (stopped at the step that saw Stop)", r.SimSeconds)
	}
	// Poisson arrivals at 2000/s for 5s: 10,000 expected, σ = 100.
	if math.Abs(float64(r.Produced)-rate*5) > 5*math.Sqrt(rate*5) {
		t.Errorf("Produced = %d, want about %v (5s at %v/s)", r.Produced, rate*5, rate)
	}
	// Throughput is over the time producers actually ran.
	if want := float64(r.Acked) / 5; math.Abs(r.ThroughputIn-want) > 1e-9 {
		t.Errorf("ThroughputIn = %v, want acked/5s = %v", r.ThroughputIn, want)
	}
	if got := r.Acked; got > r.Produced {
		t.Errorf("Acked %d > Produced %d", got, r.Produced)
	}

	full := mustRun(t, baseScenario(rate, units.Second))
	if full.Partial {
		t.Errorf("Partial = true on a run nobody stopped")
	}
}
