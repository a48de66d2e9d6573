package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every built-in scenario teaches its lesson: its expectations hold under
// the model. The seed's peak is a long run and is covered only without -short.
func TestBuiltinScenariosMeetExpectations(t *testing.T) {
	for _, name := range scenarios.Scenarios() {
		t.Run(name, func(t *testing.T) {
			args := []string{"run", name, "--output", "json"}
			if name == "social-media-peak" {
				if testing.Short() {
					t.Skip("the seed's peak (1.16M msg/s) is a long run; skipped with -short")
				}
				// Two simulated seconds keep the test bounded; the lesson
				// (nothing lost, lag bounded) must hold from the start.
				args = append(args, "--duration", "2s")
			}
			code, out, errs := run(t, args...)
			var doc struct {
				Expectations []scenarios.Verdict `json:"expectations"`
				Produced     int64               `json:"produced"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("exit %d, output is not JSON: %v\n%s", code, err, errs)
			}
			for _, v := range doc.Expectations {
				if !v.Pass {
					t.Errorf("%s %s: measured %v %s %s", v.Metric, v.Condition, v.Value, v.Kind, v.Error)
				}
			}
			if code != 0 || doc.Produced == 0 {
				t.Errorf("exit %d, produced %d: want 0 and some messages\n%s", code, doc.Produced, errs)
			}
		})
	}
}

var wallRE = regexp.MustCompile(`"wall_seconds": [0-9.e+-]+`)

// The same scenario and seed give byte-identical JSON, apart from the wall time.
func TestRunIsDeterministic(t *testing.T) {
	outs := make([]string, 2)
	for i := range outs {
		code, out, errs := run(t, "run", "reorder-retries", "--duration", "3s", "--output", "json")
		if code != 0 && code != exitCheck {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if !wallRE.MatchString(out) {
			t.Fatalf("no wall_seconds in the JSON:\n%s", out)
		}
		outs[i] = wallRE.ReplaceAllString(out, `"wall_seconds": 0`)
	}
	if outs[0] != outs[1] {
		t.Error("two runs of one scenario and seed differ")
	}
	// A different seed is a different run.
	_, other, _ := run(t, "run", "reorder-retries", "--duration", "3s", "--output", "json", "--seed", "2")
	if wallRE.ReplaceAllString(other, `"wall_seconds": 0`) == outs[0] {
		t.Error("--seed 2 gave the same results as seed 1")
	}
}

// The JSON document carries the keys.
func TestRunJSONKeys(t *testing.T) {
	code, out, errs := run(t, "run", "--duration", "2s", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"produced", "acked", "failed", "indeterminate", "lost", "unseen", "duplicates", "reordered",
		"e2e_latency_ms", "ack_latency_ms", "max_lag", "final_lag", "sim_seconds", "wall_seconds", "events", "expectations", "scenario", "seed"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("key %q missing from the JSON", k)
		}
	}
	for _, k := range []string{"e2e_latency_ms", "ack_latency_ms"} {
		lat, _ := doc[k].(map[string]any)
		for _, q := range []string{"p50", "p90", "p99", "p999", "max"} {
			if _, ok := lat[q]; !ok {
				t.Errorf("%s.%s missing", k, q)
			}
		}
	}
	if doc["scenario"] != "baseline" {
		t.Errorf("no argument ran %v, want baseline", doc["scenario"])
	}
	// --duration overrides the scenario: 2 s of producing plus a drain.
	if s, _ := doc["sim_seconds"].(float64); s < 2 || s > 2+60 {
		t.Errorf("sim_seconds %v with --duration 2s", s)
	}
}

func TestRunSummaryFormats(t *testing.T) {
	code, out, errs := run(t, "run", "baseline", "--duration", "2s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Scenario: baseline (seed 1)", "DELIVERY", "lost", "acked but never processed",
		"LATENCY", "produce → processed", "CONSUMER LAG", "analytics", "EXPECTATIONS:", "✓ lost", "Reproduce: mqsim run baseline --seed 1 --duration 2s"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = run(t, "run", "baseline", "--duration", "2s", "-o", "markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"## Scenario: baseline", "| Delivery | Messages | Meaning |", "| lost | 0 |", "**Expectations:", "| ✓ | `lost` | `0` |"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

// A failed expectation exits 3 and names the expectation and the seed.
func TestRunFailedExpectationExits3(t *testing.T) {
	code, out, errs := run(t, "run", "baseline", "--duration", "1s", "--set", "expect.p99_e2e=< 1us", "--set", "expect.produced=0")
	if code != exitCheck {
		t.Fatalf("exit %d, want %d\n%s", code, exitCheck, errs)
	}
	for _, want := range []string{"2 of", "expectations failed", "p99_e2e < 1us", "produced 0", "--seed 1"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q: %s", want, errs)
		}
	}
	if !strings.Contains(out, "✗ p99_e2e") {
		t.Errorf("summary does not mark the failure:\n%s", out)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: b\nduration: 1s\ntopics:\n  - name: t\n    partitions: 1\nproducers:\n  - topic: t\n    rate: 1K/s\n    acks: 2\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "no-such-scenario"}, "no built-in scenario"},
		{[]string{"run", "--output", "xml"}, "unknown format"},
		{[]string{"run", "--set", "producers.*.acks=2"}, "producers[0].acks"},
		{[]string{"run", "--duration", "soon"}, "not a valid duration"},
		{[]string{"run", "--seed", "-1"}, "seed"},
		{[]string{"run", bad}, bad + ":9: producers[0].acks"},
		{[]string{"run", "a", "b"}, "accepts at most 1 arg"},
	} {
		code, _, errs := run(t, c.args...)
		if code != exitBadInput || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// --data-dir keeps the partition logs as files.
func TestRunDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	code, _, errs := run(t, "run", "baseline", "--duration", "1s", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var logs int
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".log") && info.Size() > 0 {
			logs++
		}
		return nil
	})
	if logs == 0 {
		t.Errorf("no non-empty .log segment under %s", dir)
	}
}

func TestScenariosCommand(t *testing.T) {
	code, out, errs := run(t, "scenarios")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// One entry per built-in; a lesson too long for the width continues
	// on indented lines.
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, " ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != len(scenarios.Scenarios()) {
		t.Errorf("%d lines, want one per built-in (%d):\n%s", len(lines), len(scenarios.Scenarios()), out)
	}
	for i, n := range scenarios.Scenarios() {
		if i < len(lines) && (!strings.HasPrefix(lines[i], n+" ") || len(strings.Fields(lines[i])) < 3) {
			t.Errorf("line %q: want %s and its lesson", lines[i], n)
		}
	}
	code, out, _ = run(t, "scenarios", "--profiles")
	if code != 0 || !strings.Contains(out, "hdd-1g") || !strings.Contains(out, "cloud-nvme-25g") || !strings.Contains(out, "local-ssd-10g") {
		t.Errorf("--profiles: exit %d\n%s", code, out)
	}
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	scen := write("s.yaml", "name: s\nduration: 5s\ntopics:\n  - name: t\n    partitions: 3\nproducers:\n  - topic: t\n    rate: 1K/s\nexpect:\n  lost: 0\n")
	work := write("w.yaml", "name: w\nmessages_per_sec: 10K/s\nmessage_size: 1KB\nretention: 3d\n")
	badScen := write("bs.yaml", "name: s\nduration: 5s\ntopics:\n  - name: t\n    partitions: 3\n    replication_factor: 5\nproducers:\n  - topic: u\n    rate: 1K/s\n")
	badWork := write("bw.yaml", "name: w\nmessages_per_sec: 10K/s\nmessage_size: 1KB\nretention: 0\n")
	neither := write("n.yaml", "name: n\ncolour: blue\n")
	for _, c := range []struct {
		args []string
		code int
		out  []string
	}{
		{[]string{"validate", scen}, 0, []string{"a valid scenario (s): 1 topic, 1 producer, 0 consumer groups, 1 expectation"}},
		{[]string{"validate", work}, 0, []string{"a valid capacity workload (w)"}},
		{[]string{"validate", "baseline"}, 0, []string{"builtin/baseline.yaml: a valid scenario"}},
		{[]string{"validate", "social-media"}, 0, []string{"workloads/social-media.yaml: a valid capacity workload"}},
		{[]string{"validate", badScen}, exitBadInput, []string{badScen + ":6: topics[0].replication_factor", badScen + ":8: producers[0].topic: unknown topic \"u\""}},
		{[]string{"validate", badWork}, exitBadInput, []string{badWork + ":4: retention"}},
		{[]string{"validate", neither}, exitBadInput, []string{"cannot tell whether"}},
		{[]string{"validate", filepath.Join(dir, "missing.yaml")}, exitBadInput, []string{"cannot open"}},
		{[]string{"validate", "baseline", "--set", "cluster.brokers=2"}, exitBadInput, []string{"replication_factor", "more than the 2 brokers"}},
	} {
		code, out, errs := run(t, c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", c.args, code, c.code, out, errs)
		}
		for _, w := range c.out {
			if !strings.Contains(out+errs, w) {
				t.Errorf("%v: output lacks %q:\n%s%s", c.args, w, out, errs)
			}
		}
	}
}

// The expect catalogue and the model's results agree on every name and kind.
func TestMetricCatalogueMatchesModel(t *testing.T) {
	res := &model.Results{Groups: []model.GroupResult{{Name: "g"}}}
	for _, m := range scenarios.Metrics {
		_, kind, ok := res.Metric(m.Name)
		if !ok || kind != m.Kind {
			t.Errorf("model.Results.Metric(%q) = kind %q, ok %v; the catalogue says %q", m.Name, kind, ok, m.Kind)
		}
	}
	for _, m := range scenarios.GroupMetrics {
		_, kind, ok := res.Metric("group.g." + m.Name)
		if !ok || kind != m.Kind {
			t.Errorf("model.Results.Metric(group.g.%s) = kind %q, ok %v; the catalogue says %q", m.Name, kind, ok, m.Kind)
		}
	}
	for _, n := range model.MetricNames() {
		if _, ok := scenarios.LookupMetric(n); !ok {
			t.Errorf("the model answers %q but the expect catalogue does not list it", n)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"baseline": "baseline", "a b.yaml": "'a b.yaml'", "producers.*.acks=1": "'producers.*.acks=1'", "it's": `'it'\''s'`, "": "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// `mqsim scenarios --faults` lists every fault type a scenario may use.
func TestScenariosListsFaults(t *testing.T) {
	var out, errb bytes.Buffer
	if code := execute([]string{"scenarios", "--faults"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, n := range scenarios.FaultTypeNames() {
		if !strings.Contains(out.String(), n+" ") {
			t.Errorf("--faults lacks %q", n)
		}
	}
	if code := execute([]string{"scenarios", "--faults", "--profiles"}, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("--faults --profiles: exit %d, want 2", code)
	}
}
