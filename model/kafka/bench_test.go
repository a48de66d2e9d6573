package kafka

import (
	"fmt"
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

// BenchmarkBaselinePartitions runs the built-in baseline (5K msg/s, 100K
// messages, 3 brokers) with more and more partitions: the same messages,
// so the wall time per run should grow with the work (batches, fetches),
// not with a scan over the partitions on every request.
func BenchmarkBaselinePartitions(b *testing.B) {
	for _, n := range []int{6, 600, 3000} {
		b.Run(fmt.Sprintf("partitions=%d", n), func(b *testing.B) {
			benchScenario(b, "baseline", fmt.Sprintf("topics.0.partitions=%d", n))
		})
	}
}

// BenchmarkManyPartitions runs 10,000 partitions on 100 brokers at 1K
// msg/s for 10 s: the cost of partitions that carry almost nothing.
func BenchmarkManyPartitions(b *testing.B) {
	benchScenario(b, "baseline", "topics.0.partitions=10000", "cluster.brokers=100",
		"producers.0.rate=1000/s", "duration=10s")
}

// benchScenario runs the built-in scenario name with the --set overrides
// sets, once per iteration, reporting events per wall second.
func benchScenario(b *testing.B, name string, sets ...string) {
	ls, err := scenarios.LoadScenario(name, sets)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		sc := ls.Scenario
		r, err := Run(&sc, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Events)/time.Since(start).Seconds(), "events/s")
		b.ReportMetric(float64(r.Events)/float64(max(r.Produced, 1)), "events/msg")
	}
}
