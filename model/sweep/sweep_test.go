package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mqsim/scenarios"
)

func TestMeanCI(t *testing.T) {
	// 1, 2, 3: mean 2, s = 1; t(0.975, 2) = 4.302652729911275 (tables:
	// 4.303), so the half-width is 4.302652729911275/√3 = 2.4841377...
	mean, half := MeanCI([]float64{1, 2, 3})
	if mean != 2 || math.Abs(half-4.302652729911275/math.Sqrt(3)) > 1e-9 {
		t.Errorf("MeanCI(1,2,3) = %v ± %v, want 2 ± 2.48414", mean, half)
	}
	// Ten values with s = 1 around 5: t(0.975, 9) = 2.262157 (tables: 2.262).
	xs := []float64{4, 6, 4, 6, 4, 6, 4, 6, 4, 6} // s² = 10/9
	mean, half = MeanCI(xs)
	if want := 2.2621571627409915 * math.Sqrt(10.0/9) / math.Sqrt(10); mean != 5 || math.Abs(half-want) > 1e-9 {
		t.Errorf("MeanCI = %v ± %v, want 5 ± %v", mean, half, want)
	}
	if _, half := MeanCI([]float64{7}); !math.IsNaN(half) {
		t.Errorf("one value: half-width %v, want NaN (no interval)", half)
	}
}

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		flag   string
		shards int
		env    func(string) string
		want   Shard
		err    string
	}{
		{"2/4", 0, env(), Shard{2, 4}, ""},
		{"", 0, env(), Shard{0, 1}, ""},
		{"", 4, env("JOB_COMPLETION_INDEX", "3"), Shard{3, 4}, ""},
		{"", 4, env("SLURM_ARRAY_TASK_ID", "1"), Shard{1, 4}, ""},
		{"", 0, env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "5"), Shard{1, 5}, ""},
		{"", 4, env("PARALLEL_SEQ", "1"), Shard{0, 4}, ""}, // parallel counts from 1
		{"", 4, env("PARALLEL_SEQ", "4"), Shard{3, 4}, ""},
		{"1/4", 0, env("JOB_COMPLETION_INDEX", "3"), Shard{1, 4}, ""}, // the flag wins
		{"4/4", 0, env(), Shard{}, "0 ≤ I < N"},
		{"x", 0, env(), Shard{}, "want I/N"},
		{"1/4", 3, env(), Shard{}, "disagree"},
		{"", 0, env("JOB_COMPLETION_INDEX", "3"), Shard{}, "add --shards"},
		{"", 4, env("JOB_COMPLETION_INDEX", "4"), Shard{}, "not below"},
		{"", 4, env(), Shard{}, "without an index"},
	} {
		got, err := ParseShard(c.flag, c.shards, c.env)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseShard(%q, %d) error %v, want one containing %q", c.flag, c.shards, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseShard(%q, %d) = %v, %v; want %v", c.flag, c.shards, got, err, c.want)
		}
	}
}

func TestGridErrors(t *testing.T) {
	for _, c := range []struct {
		yaml, want string
		line       int
	}{
		{"scenario: baseline\nseeds: 0\n", "seeds: want a count", 2},
		{"scenario: baseline\nvary: [\"ack=1,all\"]\n", "did you mean acks", 2},
		{"scenario: baseline\nmetrics: [p99]\n", `unknown metric "p99"`, 2},
		{"scenario: baseline\nseeds: [1, 1]\n", "seed 1 given twice", 2},
		{"scenario: baseline\nsets: [x=1]\n", "sets", 2},
		{"scenario: baseline\nset: [seed=4]\n", "seed is set per run", 2},
		{"vary: [\"acks=1,all\"]\n", "scenario", 0},
	} {
		_, err := ParseGrid("grid.yaml", []byte(c.yaml))
		var ie *scenarios.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || (c.line > 0 && ie.Line != c.line) || !strings.Contains(err.Error(), "grid.yaml") {
			t.Errorf("ParseGrid(%q) = %v, want an input error in grid.yaml line %d containing %q", c.yaml, err, c.line, c.want)
		}
	}
}

func TestPlanOrderAndHashes(t *testing.T) {
	g, err := ParseGrid("grid.yaml", []byte("scenario: baseline\nset: [duration=1s]\nvary: [\"acks=1,all\", \"partitions=3,6\"]\nseeds: [5, 9]\n"))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := Plan(g, "grid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// 2 × 2 variants × 2 seeds, the last axis fastest, seeds innermost.
	want := []string{"acks=1 partitions=3/5", "acks=1 partitions=3/9", "acks=1 partitions=6/5", "acks=1 partitions=6/9",
		"acks=all partitions=3/5", "acks=all partitions=3/9", "acks=all partitions=6/5", "acks=all partitions=6/9"}
	hashes := map[string]bool{}
	for i, l := range lines {
		if got := l.Variant + "/" + map[uint64]string{5: "5", 9: "9"}[l.Seed]; i >= len(want) || got != want[i] || l.Index != i || l.Of != 8 || l.VariantIndex != i/2 {
			t.Errorf("line %d = %+v, want %s", i, l, want[i])
		}
		hashes[l.Hash] = true
	}
	if len(lines) != 8 || len(hashes) != 8 {
		t.Errorf("%d lines with %d distinct hashes, want 8 and 8", len(lines), len(hashes))
	}
	again, _ := Plan(g, "grid.yaml")
	if again[3].Hash != lines[3].Hash || again[3].Grid != lines[3].Grid {
		t.Errorf("planning twice gave different hashes")
	}
}

// TestPlanCarriesScenarioFile: a grid over a scenario file puts the
// file's text in every line, so a machine without the file runs it.
func TestPlanCarriesScenarioFile(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../scenarios/builtin/baseline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	grid := filepath.Join(dir, "grid.yaml")
	g, err := ParseGrid(grid, []byte("scenario: mine.yaml\nset: [duration=1s]\nseeds: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := Plan(g, grid)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "mine.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		ls, err := l.Resolve()
		if err != nil {
			t.Fatalf("line %d without the file: %v", l.Index, err)
		}
		if h, _ := Hash(&ls.Scenario); h != l.Hash || l.Source != string(data) || l.Scenario != "mine.yaml" {
			t.Errorf("line %d: hash %s vs %s, scenario %q", l.Index, h, l.Hash, l.Scenario)
		}
	}
}

func TestParseManifestErrors(t *testing.T) {
	good := `{"index":0,"of":2,"hash":"a","grid":"g"}` + "\n" + `{"index":1,"of":2,"hash":"b","grid":"g"}` + "\n"
	if _, err := ParseManifest("m.jsonl", []byte(good)); err != nil {
		t.Fatalf("a whole manifest: %v", err)
	}
	for _, c := range []struct{ text, want string }{
		{`{"index":0,"of":2,"hash":"a","grid":"g"}` + "\n", "truncated"},
		{`{"index":0,"of":2,"hash":"a","grid":"g"}` + "\nnot json\n", "m.jsonl:2"},
		{`{"index":1,"of":2,"hash":"a","grid":"g"}` + "\n", "expected line index 0"},
		{good + good, "expected line index 2"},
	} {
		if _, err := ParseManifest("m.jsonl", []byte(c.text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseManifest(%q) = %v, want %q", c.text, err, c.want)
		}
	}
}

func FuzzParseGrid(f *testing.F) {
	f.Add([]byte("scenario: baseline\nvary: [\"acks=1,all\"]\nseeds: 3\n"))
	f.Add([]byte("scenario: baseline\nseeds: [1, 2]\nmetrics: [lost]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGrid("grid.yaml", data)
		if err == nil && (g.Scenario == "" || len(g.Seeds) == 0 || len(g.Metrics) == 0) {
			t.Fatalf("accepted an incomplete grid: %+v", g)
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"index":0,"of":1,"hash":"a","grid":"g"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := ParseManifest("m.jsonl", data)
		if err == nil && (len(lines) == 0 || len(lines) != lines[0].Of) {
			t.Fatalf("accepted %d lines of %d", len(lines), lines[0].Of)
		}
	})
}

func TestParseAxis(t *testing.T) {
	a, err := ParseAxis("--vary", "consumer_groups.*.processing=exp(2ms), lognormal(median=5ms, p99=50ms)")
	if err != nil {
		t.Fatal(err)
	}
	if a.Path != "consumer_groups.*.processing" || len(a.Values) != 2 || a.Values[1] != "lognormal(median=5ms, p99=50ms)" {
		t.Errorf("ParseAxis = %+v, want two values with the comma inside parentheses kept", a)
	}
	if a, _ := ParseAxis("--vary", "partitions=3,12"); a.Path != "topics.*.partitions" || strings.Join(a.Values, "|") != "3|12" {
		t.Errorf("alias partitions = %+v", a)
	}
	v, err := Variants("--vary", []Axis{{Key: "acks", Path: "producers.*.acks", Values: []string{"1", "all"}},
		{Key: "linger", Path: "producers.*.linger", Values: []string{"0", "5ms"}}}, 64)
	if err != nil || len(v) != 4 || v[1].Label != "acks=1 linger=5ms" || strings.Join(v[2].Sets, ";") != "producers.*.acks=all;producers.*.linger=0" {
		t.Errorf("Variants = %+v, %v; want the last axis fastest", v, err)
	}
	if _, err := Variants("--vary", []Axis{{Key: "acks", Path: "p"}, {Key: "producers.*.acks", Path: "p"}}, 64); err == nil || !strings.Contains(err.Error(), "same field") {
		t.Errorf("two axes on one field: %v", err)
	}
}

// TestHashCoversTraceContents: two scenarios that differ only in what
// their trace files hold (same names, same text) get different hashes, and
// editing a trace changes a scenario's hash; a scenario without traces
// hashes its JSON alone.
func TestHashCoversTraceContents(t *testing.T) {
	dir := t.TempDir()
	rate := filepath.Join(dir, "rate.csv")
	sizes := filepath.Join(dir, "sizes.csv")
	text := "name: t\nduration: 10s\ntopics:\n  - name: t\n    partitions: 1\nproducers:\n  - name: p\n    topic: t\n" +
		"    arrival: trace(" + rate + ")\n    message_size: trace(" + sizes + ")\n"
	hash := func(rateCSV, sizesCSV string) string {
		t.Helper()
		if err := os.WriteFile(rate, []byte(rateCSV), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sizes, []byte(sizesCSV), 0o644); err != nil {
			t.Fatal(err)
		}
		sc, err := scenarios.ParseScenario("t.yaml", []byte(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := Hash(&sc.Scenario)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := hash("0,100\n10,300\n", "500\n")
	if again := hash("0,100\n10,300\n", "500\n"); again != base {
		t.Errorf("same files, hashes %s and %s", base, again)
	}
	if h := hash("0,100\n10,900\n", "500\n"); h == base {
		t.Errorf("a changed rate trace kept the hash %s", h)
	}
	if h := hash("0,100\n10,300\n", "700\n"); h == base {
		t.Errorf("a changed size trace kept the hash %s", h)
	}

	plain, err := scenarios.LoadScenario("baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(&plain.Scenario)
	sum := sha256.Sum256(b)
	if h, _ := Hash(&plain.Scenario); h != hex.EncodeToString(sum[:])[:20] {
		t.Errorf("baseline hash %s, want the JSON's own %s", h, hex.EncodeToString(sum[:])[:20])
	}
}
