package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A producer whose message sizes replay a recorded trace sends the
// recording's mean size: three messages of 100 B and one of 1000 B give
// (3×100 + 1000)/4 = 325 B. At a constant 1,000 messages/s for 10 s that
// is 10,000 messages and 3.25 MB. Each size is an independent draw with
// variance E[x²] − 325² = (3×100² + 1000²)/4 − 105,625 = 151,875 B²
// (σ ≈ 390 B), so over 10,000 messages the mean's σ is 3.9 B: allow 4σ.
func TestSizeTraceRun(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "sizes.csv")
	if err := os.WriteFile(trace, []byte("size\n100\n100\n100\n1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "s.yaml")
	yaml := "name: sizes\nduration: 10s\ntopics:\n  - name: t\n    partitions: 2\nproducers:\n  - name: p\n    topic: t\n    rate: 1K/s\n    arrival: constant\n    message_size: trace(" + trace + ")\n"
	if err := os.WriteFile(scen, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	runJSON := func(seed string) (string, map[string]any) {
		code, out, errs := run(t, "run", scen, "--seed", seed, "--output", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		return out, got
	}
	out1, got := runJSON("1")
	acked, _ := got["acked"].(float64)
	in, _ := got["throughput_in"].(float64)
	inBytes, _ := got["throughput_in_bytes"].(float64)
	if math.Abs(acked-10000) > 2 {
		t.Fatalf("acked %v; want 10,000 messages (1K/s for 10 s)", acked)
	}
	mean := inBytes / in
	if sigma := math.Sqrt(151875.0 / acked); math.Abs(mean-325) > 4*sigma {
		t.Errorf("mean message size %.1f B; want 325 ± %.1f B", mean, 4*sigma)
	}
	if bytes, want := inBytes*10, 325*acked; math.Abs(bytes-want) > 4*math.Sqrt(151875*acked) {
		t.Errorf("produced %.0f B; want %.0f B", bytes, want)
	}
	// The same seed gives the same sizes; another seed other sizes.
	wall := regexp.MustCompile(`"wall_seconds": [0-9.e+-]+`)
	out2, _ := runJSON("1")
	if wall.ReplaceAllString(out1, "") != wall.ReplaceAllString(out2, "") {
		t.Error("two runs with seed 1 differ")
	}
	_, other := runJSON("2")
	if other["throughput_in_bytes"] == got["throughput_in_bytes"] {
		t.Errorf("seeds 1 and 2 both sent %v B/s; want other draws", inBytes)
	}
}

// A malformed size trace is bad input: exit 2, naming the scenario's line
// and field, then the trace's file, line and column.
func TestSizeTraceBadInput(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "sizes.csv")
	if err := os.WriteFile(trace, []byte("size,count\n100,3\n1KB,lots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "s.yaml")
	yaml := "name: sizes\nduration: 1s\ntopics:\n  - name: t\n    partitions: 1\nproducers:\n  - name: p\n    topic: t\n    rate: 10\n    message_size: trace(" + trace + ")\n"
	if err := os.WriteFile(scen, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"run", scen}, {"validate", scen}} {
		code, _, errs := run(t, args...)
		want := scen + ":10: producers[0].message_size:"
		if code != exitBadInput || !strings.Contains(errs, want) || !strings.Contains(errs, trace+`:3: count "lots"`) {
			t.Errorf("mqsim %s: exit %d, %s; want exit 2 naming %s and %s:3", args[0], code, errs, want, trace)
		}
	}
}
