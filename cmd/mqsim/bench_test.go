package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The benchmark's points are the sweeps: partitions 6 … 100,000
// (the last two on 100 brokers at a low rate), rates 1K … 1.16M msg/s,
// durations 10 s and 60 s, with 10 minutes only under --long, and a run
// with faults for 60 s and 5 minutes (20 minutes under --long).
func TestBenchPoints(t *testing.T) {
	pts, err := benchPoints(benchOptions{sweeps: []string{"partitions", "rate", "duration", "faults"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pts {
		got = append(got, p.sweep+": "+strings.Join(p.args, " "))
	}
	want := []string{
		"partitions: baseline --set topics.0.partitions=6",
		"partitions: baseline --set topics.0.partitions=60",
		"partitions: baseline --set topics.0.partitions=600",
		"partitions: baseline --set topics.0.partitions=3000",
		"partitions: baseline --set topics.0.partitions=10000 --set cluster.brokers=100 --set producers.0.rate=1000/s --duration 10s",
		"partitions: baseline --set topics.0.partitions=100000 --set cluster.brokers=100 --set producers.0.rate=1000/s --duration 10s",
		"rate: social-media-peak --set producers.0.rate=1000/s --duration 10s",
		"rate: social-media-peak --set producers.0.rate=10000/s --duration 10s",
		"rate: social-media-peak --set producers.0.rate=100000/s --duration 10s",
		"rate: social-media-peak --set producers.0.rate=1157407/s --duration 10s",
		"duration: social-media-peak --duration 10s",
		"duration: social-media-peak --duration 60s",
		"faults: broker-failure --duration 60s",
		"faults: broker-failure --duration 5m",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("points:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	long, _ := benchPoints(benchOptions{sweeps: []string{"duration"}, long: true})
	if n := len(long); n != 3 || strings.Join(long[2].args, " ") != "social-media-peak --duration 10m" || !long[2].heavy {
		t.Errorf("--long: %d points, last %+v; want a third, heavy, 10m point", n, long[n-1])
	}
	long, _ = benchPoints(benchOptions{sweeps: []string{"faults"}, long: true})
	if n := len(long); n != 3 || strings.Join(long[2].args, " ") != "broker-failure --duration 20m" {
		t.Errorf("--long faults: %d points, last %+v; want a third, 20m point", n, long[n-1])
	}
}

func TestBenchBadInput(t *testing.T) {
	var out, errb bytes.Buffer
	for _, o := range []benchOptions{{sweeps: []string{"latency"}, format: "table"}, {sweeps: []string{"rate"}, format: "json"}} {
		if err := runBench(&out, &errb, o); err == nil || exitCode(err) != exitBadInput {
			t.Errorf("runBench(%+v) = %v (exit %d), want exit 2", o, err, exitCode(err))
		}
	}
}

// CPU per record batch: 1 s over 100K batches is 10 µs; a run without
// batches (a system without producers' batches) has none.
func TestBenchPerBatch(t *testing.T) {
	if got := perBatch(benchResult{cpu: time.Second, batches: 100e3}); got != "10.0 µs" {
		t.Errorf("perBatch(1 s, 100K) = %q, want 10.0 µs", got)
	}
	if got := perBatch(benchResult{cpu: time.Second}); got != "—" {
		t.Errorf("perBatch(no batches) = %q, want —", got)
	}
}
