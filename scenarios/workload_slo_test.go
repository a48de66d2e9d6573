package scenarios

import (
	"strings"
	"testing"
)

const sloBase = "name: t\nmessages_per_sec: 1K/s\nmessage_size: 1KB\nretention: 1d\n"

func TestWorkloadSLO(t *testing.T) {
	lw, err := ParseWorkload("w.yaml", []byte(sloBase+"slo: {p99_e2e: 50ms, max_lag: 10s}\n"), []string{"slo.max_lag=20s"})
	if err != nil {
		t.Fatal(err)
	}
	if lw.SLO.P99E2E.Seconds() != 0.05 || lw.SLO.MaxLag.Seconds() != 20 {
		t.Errorf("slo = %+v; want p99_e2e 50ms and max_lag 20s (the --set)", lw.SLO)
	}
	if lw, err := ParseWorkload("w.yaml", []byte(sloBase), nil); err != nil || lw.SLO.P99E2E != 0 || lw.SLO.MaxLag != 0 {
		t.Errorf("no slo: %+v, %v; want none stated", lw.SLO, err)
	}
}

func TestWorkloadSLOErrors(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"slo: 50ms\n", "w.yaml:5: slo: want a mapping"},
		{"slo:\n  p99_e2e: 50Q\n", "w.yaml:6: slo.p99_e2e: \"50Q\" is not a valid duration"},
		{"slo:\n  p99: 50ms\n", "w.yaml:6: slo.p99: unknown field \"p99\" (known fields: p99_e2e, max_lag)"},
		{"slo:\n  max_lag: 0s\n", "w.yaml:6: slo.max_lag: is 0"},
		{"slo:\n  max_lag: 2d\n", "w.yaml:6: slo.max_lag: is 2d; want at most 1d"},
		{"slo:\n  p99_e2e: 1ms\n  p99_e2e: 2ms\n", "w.yaml:7: slo.p99_e2e: given twice"},
	} {
		_, err := ParseWorkload("w.yaml", []byte(sloBase+c.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want %q", c.yaml, err, c.want)
		}
	}
}
