package model

import (
	"testing"

	"mqsim/scenarios"
)

// TestMetricCatalogue: every metric an expect block may name is answered,
// with the kind the scenarios package documents.
func TestMetricCatalogue(t *testing.T) {
	r := &Results{Groups: []GroupResult{{Name: "g"}}}
	for _, m := range scenarios.Metrics {
		_, kind, ok := r.Metric(m.Name)
		if !ok || kind != m.Kind {
			t.Errorf("Metric(%q) = kind %q ok %v, want kind %q", m.Name, kind, ok, m.Kind)
		}
	}
	for _, m := range scenarios.GroupMetrics {
		_, kind, ok := r.Metric("group.g." + m.Name)
		if !ok || kind != m.Kind {
			t.Errorf("Metric(group.g.%s) = kind %q ok %v, want kind %q", m.Name, kind, ok, m.Kind)
		}
	}
	for _, n := range MetricNames() {
		if _, _, ok := r.Metric(n); !ok {
			t.Errorf("MetricNames lists %q but Metric does not know it", n)
		}
	}
	r.E2ELatency.P99 = 42
	if v, kind, _ := r.Metric("p99_e2e"); v != 0.042 || kind != KindDuration {
		t.Errorf("p99_e2e = %v %s, want 0.042 duration", v, kind)
	}
	if _, _, ok := r.Metric("no_such_metric"); ok {
		t.Error("unknown metric accepted")
	}
}
