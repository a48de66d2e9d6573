package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type replicationJSON struct {
	Variant string   `json:"variant"`
	Seeds   []uint64 `json:"seeds"`
	Metrics []struct {
		Metric         string
		N              int
		Mean, Min, Max float64
		HalfWidth      float64 `json:"ci95_half_width"`
		Low            float64 `json:"ci95_low"`
		High           float64 `json:"ci95_high"`
	} `json:"metrics"`
	Expectations []struct{ Metric, Outcome string } `json:"expectations"`
}

func TestRunSeedsMatchesTheRunsOneByOne(t *testing.T) {
	code, out, errs := run(t, "run", "baseline", "--seeds", "4", "--duration", "1s", "-o", "json", "--parallel", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var docs []replicationJSON
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || len(docs[0].Seeds) != 4 || docs[0].Seeds[0] != 1 || docs[0].Seeds[3] != 4 {
		t.Fatalf("want one variant over seeds 1–4: %+v", docs)
	}
	// The same four runs one by one, and the interval by hand:
	// mean ± t(0.975, 3)·s/√4 with t(0.975, 3) = 3.182 (a t table).
	var xs []float64
	for _, seed := range []string{"1", "2", "3", "4"} {
		code, out, errs := run(t, "run", "baseline", "--seed", seed, "--duration", "1s", "-o", "json")
		if code != 0 {
			t.Fatalf("seed %s: exit %d: %s", seed, code, errs)
		}
		var r struct {
			E2E struct{ P99 float64 } `json:"e2e_latency_ms"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		xs = append(xs, r.E2E.P99/1e3)
	}
	mean := (xs[0] + xs[1] + xs[2] + xs[3]) / 4
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	half := 3.182 * math.Sqrt(ss/3) / 2
	found := false
	for _, m := range docs[0].Metrics {
		if m.Metric != "p99_e2e" {
			continue
		}
		found = true
		if m.N != 4 || math.Abs(m.Mean-mean) > 1e-12 || math.Abs(m.HalfWidth-half) > 1e-3*half+1e-12 ||
			math.Abs(m.Low-(mean-half)) > 1e-3*half+1e-12 || m.Min > m.Mean || m.Max < m.Mean {
			t.Errorf("p99_e2e: %+v; want mean %g ± %g from the runs one by one %v", m, mean, half, xs)
		}
	}
	if !found {
		t.Error("no p99_e2e among the metrics")
	}
	for _, e := range docs[0].Expectations {
		if e.Outcome != "pass" {
			t.Errorf("expectation %s: %s", e.Metric, e.Outcome)
		}
	}
	// Parallelism changes nothing.
	if _, again, _ := run(t, "run", "baseline", "--seeds", "4", "--duration", "1s", "-o", "json", "--parallel", "1"); again != out {
		t.Error("--parallel 1 and 2 gave different replications")
	}
}

func TestRunSeedsJudgesExpectationsOnTheInterval(t *testing.T) {
	// Every run of baseline has p99 end-to-end near 6.6 ms: "< 1ms" fails
	// on the whole interval (exit 3), "< 1s" passes on it.
	code, out, errs := run(t, "run", "baseline", "--seeds", "3", "--duration", "1s", "--set", "expect.p99_e2e=< 1ms")
	if code != 3 || !strings.Contains(errs, "fail on the whole interval") || !strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d, want 3: %s\n%s", code, errs, out)
	}
	dir := filepath.Join(t.TempDir(), "reps")
	code, out, errs = run(t, "run", "baseline", "--seeds", "3", "--duration", "1s", "--vary", "acks=1,all", "--out", dir)
	if code != 0 || strings.Count(out, "3 replications") != 2 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	for _, f := range []string{"report.html", "report.md", "replications.json", "lag.png", "latency.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestRunSeedsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"run", "baseline", "--seeds", "1"},
		{"run", "baseline", "--seeds", "-3"},
		{"run", "baseline", "--seeds", "5000"},
		{"run", "baseline", "--seeds", "3", "--data-dir", t.TempDir()},
		{"run", "baseline", "--seeds", "3", "-o", "omb"},
	} {
		if code, _, errs := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
}
