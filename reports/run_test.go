package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"mqsim/model"
	"mqsim/scenarios"
)

func sampleRun(t *testing.T) *Run {
	t.Helper()
	ls, err := scenarios.LoadScenario("baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	res := &model.Results{
		Scenario: "baseline", Seed: 1,
		Produced: 100_000, Acked: 99_990, Failed: 4, Indeterminate: 6, Lost: 2, Unseen: 1, Duplicates: 3, Reordered: 5,
		E2ELatency: model.Latency{Count: 99_000, P50: 4.2, P90: 6, P99: 12.5, P999: 48, Max: 1350},
		AckLatency: model.Latency{Count: 99_990, P50: 0.85, P90: 1, P99: 2, P999: 3, Max: 4},
		MaxLag:     1234, FinalLag: 0, ThroughputIn: 5000, ThroughputInBytes: 2.5e6, ThroughputOut: 4990,
		MinISR: 3, MaxBrokerUtilisation: 0.125, SimSeconds: 20.5, Events: 1_500_000,
		Groups: []model.GroupResult{{Name: "analytics", Consumers: 3, Processed: 99_993, MaxLag: 1234, MaxPartLag: 400}},
	}
	return &Run{
		Results: res, WallSeconds: 0.5, Scenario: &ls.Scenario, Command: "mqsim run baseline --seed 1",
		Expectations: scenarios.Evaluate(map[string]string{"lost": "0", "p99_e2e": "< 50ms"}, res),
	}
}

func TestRunText(t *testing.T) {
	r := sampleRun(t)
	var b bytes.Buffer
	if err := RunText(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Scenario: baseline (seed 1)",
		"Simulated: 20.5s in 500ms wall (1,500,000 events, 41× real time)", // 20.5 / 0.5 = 41
		"produced       100,000", "acked           99,990", "lost                 2  acked but never processed",
		"duplicates           3  processed more than once",
		"produce → processed  4.2ms", "1.35s", "850µs",
		"analytics (3 consumers)  1,234", "400",
		"in 5K msg/s (2.5 MB/s)", "busiest resource 12.5% busy",
		"EXPECTATIONS: 1 of 2 met", "✗ lost", "0       was 2", "✓ p99_e2e", "was 12.5ms",
		"Reproduce: mqsim run baseline --seed 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// Columns line up: every row of the delivery table puts its number's
	// last digit in the same column.
	var ends []int
	table, _, _ := strings.Cut(out, "\nWHY\n")
	for _, l := range strings.Split(table, "\n") {
		for _, name := range []string{"  produced ", "  lost ", "  reordered "} {
			if strings.HasPrefix(l, name) {
				i := strings.Index(l, "  messages")
				if i < 0 {
					i = strings.Index(l, "  acked but")
				}
				if i < 0 {
					i = strings.Index(l, "  processed after")
				}
				ends = append(ends, utf8.RuneCountInString(l[:i]))
			}
		}
	}
	if len(ends) != 3 || ends[0] != ends[1] || ends[1] != ends[2] {
		t.Errorf("delivery numbers end at columns %v, want one column", ends)
	}
}

func TestRunMarkdownEscapes(t *testing.T) {
	r := sampleRun(t)
	r.Scenario.Description = "a | pipe and <script>alert(1)</script>"
	var b bytes.Buffer
	if err := RunMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<script>") || !strings.Contains(out, `a \| pipe`) {
		t.Errorf("description not escaped:\n%s", out)
	}
	for _, want := range []string{"| lost | **2** | acked but never processed: real data loss |", "- **lost 2:**", "| produce → processed | 4.2ms | 6ms | 12.5ms | 48ms | 1.35s |",
		"**Expectations: 1 of 2 met**", "| ✗ | `lost` | `0` | was 2 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestRunJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sampleRun(t)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["produced"] != 100_000.0 || doc["wall_seconds"] != 0.5 {
		t.Errorf("produced %v, wall_seconds %v: want the results' keys at the top level", doc["produced"], doc["wall_seconds"])
	}
	ex, _ := doc["expectations"].([]any)
	if len(ex) != 2 {
		t.Fatalf("expectations %v", doc["expectations"])
	}
	first, _ := ex[0].(map[string]any)
	if first["metric"] != "lost" || first["pass"] != false || first["value"] != 2.0 {
		t.Errorf("first expectation %v, want lost failing at 2", first)
	}
	if _, ok := doc["Scenario"]; ok {
		t.Error("the resolved scenario leaked into the JSON under its Go name")
	}
}

func TestFormatMetric(t *testing.T) {
	for _, c := range []struct {
		v    float64
		kind string
		want string
	}{
		{0, scenarios.KindDuration, "0"},
		{0.00025, scenarios.KindDuration, "250µs"},
		{0.0042, scenarios.KindDuration, "4.2ms"},
		{0.05, scenarios.KindDuration, "50ms"},
		{1.349, scenarios.KindDuration, "1.35s"},
		{600, scenarios.KindDuration, "10m"},
		{12345, scenarios.KindCount, "12,345"},
		{2.5, scenarios.KindCount, "2.5"},
		{1157407, scenarios.KindRate, "1.16M/s"},
		{0.125, scenarios.KindRatio, "12.5%"},
	} {
		if got := FormatMetric(c.v, c.kind); got != c.want {
			t.Errorf("FormatMetric(%v, %s) = %q, want %q", c.v, c.kind, got, c.want)
		}
	}
}
