package scenarios

import (
	"math"
	"strings"
	"testing"
)

func TestParseCondition(t *testing.T) {
	for _, c := range []struct {
		in    string
		op    string
		value float64
		kind  string
	}{
		{"0", "==", 0, KindCount},
		{" 0 ", "==", 0, KindCount},
		{"< 50ms", "<", 0.050, KindDuration},
		{"<50ms", "<", 0.050, KindDuration},
		{">= 1", ">=", 1, KindCount},
		{"> 0", ">", 0, KindCount},
		{"< 1K", "<", 1000, KindCount},
		{"<= 1.5M", "<=", 1.5e6, KindCount},
		{"<= 5%", "<=", 0.05, KindRatio},
		{"== 2x", "==", 2, KindRatio},
		{"= 3", "==", 3, KindCount},
		{"!= 0", "!=", 0, KindCount},
		{"> 90K/s", ">", 90000, KindRate},
		{"> 600/min", ">", 10, KindRate},
		{"< 2s", "<", 2, KindDuration},
		{">= 1m", ">=", 60, KindDuration},
		{"< 250us", "<", 250e-6, KindDuration},
	} {
		got, err := ParseCondition(c.in)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", c.in, err)
			continue
		}
		if got.Op != c.op || math.Abs(got.Value-c.value) > 1e-12 || got.Kind != c.kind {
			t.Errorf("ParseCondition(%q) = %+v, want {%s %v %s}", c.in, got, c.op, c.value, c.kind)
		}
	}
	for _, bad := range []string{"", "<", "<< 5", "=> 5", "about 5", "< 5 apples", "< -1", "< 1e999", "> 5/fortnight", "< 5 %%", "> NaN"} {
		if c, err := ParseCondition(bad); err == nil {
			t.Errorf("ParseCondition(%q) = %+v, want an error", bad, c)
		}
	}
}

func TestConditionHolds(t *testing.T) {
	for _, c := range []struct {
		cond string
		v    float64
		want bool
	}{
		{"0", 0, true},
		{"0", 1, false},
		{"< 50ms", 0.049, true},
		{"< 50ms", 0.050, false},
		{"<= 50ms", 0.050, true},
		{"> 0", 0, false},
		{"> 0", 3, true},
		{">= 1", 1, true},
		{"!= 0", 0, false},
		{"< 1K", 999, true},
		{"< 1K", 1000, false},
		{"<= 5%", 0.05, true},
		{"<= 5%", 0.051, false},
		{"< 1K", math.NaN(), false},
	} {
		c0, err := ParseCondition(c.cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := c0.Holds(c.v); got != c.want {
			t.Errorf("%q holds for %v = %v, want %v", c.cond, c.v, got, c.want)
		}
	}
}

type fakeResults map[string]float64

func (f fakeResults) Metric(name string) (float64, string, bool) {
	v, ok := f[name]
	if !ok {
		return 0, "", false
	}
	kind := KindCount
	if strings.HasSuffix(name, "_e2e") {
		kind = KindDuration
	}
	if strings.HasPrefix(name, "throughput") {
		kind = KindRate
	}
	return v, kind, true
}

func TestEvaluate(t *testing.T) {
	expect := map[string]string{
		"lost":          "0",
		"p99_e2e":       "< 50ms",
		"final_lag":     "< 1K",
		"reordered":     "> 0",
		"throughput_in": ">= 10K",
		"max_lag":       "< 5ms", // a duration against a count: cannot be evaluated
		"mystery":       "0",
	}
	res := fakeResults{"lost": 0, "p99_e2e": 0.080, "final_lag": 12, "reordered": 0, "throughput_in": 10000, "max_lag": 3}
	got := Evaluate(expect, res)
	want := []struct {
		metric string
		pass   bool
		err    bool
	}{
		{"final_lag", true, false},
		{"lost", true, false},
		{"max_lag", false, true},
		{"mystery", false, true},
		{"p99_e2e", false, false},
		{"reordered", false, false},
		{"throughput_in", true, false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d verdicts, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Metric != w.metric || g.Pass != w.pass || (g.Error != "") != w.err {
			t.Errorf("verdict %d = %+v, want metric %s pass %v error %v", i, g, w.metric, w.pass, w.err)
		}
	}
	if g := got[4]; g.Value != 0.080 || g.Kind != KindDuration || g.Condition != "< 50ms" {
		t.Errorf("p99_e2e verdict %+v: want the measured 0.08 s and the condition as written", g)
	}
	if n := len(Failed(got)); n != 4 {
		t.Errorf("Failed: %d, want 4", n)
	}
}

func TestMetricCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Metrics {
		if seen[m.Name] {
			t.Errorf("metric %s listed twice", m.Name)
		}
		seen[m.Name] = true
		if m.Doc == "" || (m.Kind != KindCount && m.Kind != KindDuration && m.Kind != KindRate && m.Kind != KindRatio) {
			t.Errorf("metric %+v: needs a doc and a known kind", m)
		}
	}
	// The issue's own examples are all expressible.
	for _, name := range []string{"lost", "p99_e2e", "final_lag", "produced", "acked", "failed", "indeterminate",
		"unseen", "duplicates", "reordered", "max_lag", "sim_seconds", "events", "p999_ack"} {
		if !seen[name] {
			t.Errorf("metric %s missing from the catalogue", name)
		}
	}
}
