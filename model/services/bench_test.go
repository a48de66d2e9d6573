package services

import (
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// BenchmarkSyncCascade plays the built-in sync-cascade (15 services, 150 s
// at 200 requests/s, about 540K events) once per iteration; events/s is the
// kernel events executed per second of wall time.
func BenchmarkSyncCascade(b *testing.B) {
	ls, err := scenarios.LoadScenario("sync-cascade", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var events uint64
	for b.Loop() {
		w, err := build(&ls.Scenario)
		if err != nil {
			b.Fatal(err)
		}
		r, err := w.run(model.Options{})
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
