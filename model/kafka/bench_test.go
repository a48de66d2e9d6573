package kafka

import (
	"os"
	"runtime"
	"testing"
	"time"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// BenchmarkSocialMediaPeak runs the seed's worked example at peak (the
// built-in social-media-peak scenario) for MQSIM_BENCH_SECONDS simulated
// seconds (default 10), and reports simulated messages and events per wall
// second and the ratio of simulated to wall time.
func BenchmarkSocialMediaPeak(b *testing.B) {
	secs := 10
	if v := os.Getenv("MQSIM_BENCH_SECONDS"); v != "" {
		d, err := units.ParseDuration(v + "s")
		if err != nil {
			b.Fatal(err)
		}
		secs = int(d.Seconds())
	}
	ls, err := scenarios.LoadScenario("social-media-peak", nil)
	if err != nil {
		b.Fatal(err)
	}
	sc := ls.Scenario
	sc.Duration = units.Duration(secs) * units.Second
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		r, err := Run(&sc, Options{})
		if err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start).Seconds()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(r.Produced)/wall, "msgs/s")
		b.ReportMetric(float64(r.Events)/wall, "events/s")
		b.ReportMetric(r.SimSeconds/wall, "sim/wall")
		b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
		b.Logf("produced %d acked %d lost %d dup %d p99 e2e %.2fms max lag %d sim %.1fs wall %.1fs events %d",
			r.Produced, r.Acked, r.Lost, r.Duplicates, r.E2ELatency.P99, r.MaxLag, r.SimSeconds, wall, r.Events)
	}
}
