package capacity

import (
	"errors"
	"math"
	"strings"
	"testing"

	"mqsim/scenarios/units"
)

// Exactly-once rows, worked by hand: 4 transactional producers committing
// every 100ms make 40 commits/s; with P partitions they write
// (P + 4) markers per 100ms, each 78 B on RF 3 replicas; the coordinator
// logs 4 records of ~120 B per commit on RF 3.
func TestExactlyOnceRows(t *testing.T) {
	w := Workload{Name: "eos", MessagesPerSec: 10_000, MessageSize: 1000, Retention: units.Day,
		Guarantee: "exactly-once", CommitInterval: 100 * units.Millisecond, TransactionalProducers: 4}
	p, err := Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	P := float64(p.Partitions)
	rf := float64(p.Workload.ReplicationFactor)
	want := map[string]float64{
		"txn_commits_per_sec":      40,
		"txn_markers_per_sec":      (P + 4) * 10,
		"txn_marker_bytes_per_sec": (P + 4) * 10 * 78 * rf,
		"txn_log_bytes_per_sec":    40 * 4 * 120 * rf,
		"txn_requests_per_sec":     40*4 + (P+4)*10,
		"txn_added_latency":        0.05,
	}
	for k, v := range want {
		r, ok := p.Row(k)
		if !ok {
			t.Errorf("no row %s", k)
			continue
		}
		if math.Abs(r.Value-v) > 1e-9*math.Max(1, v) {
			t.Errorf("%s = %v (%s), want %v", k, r.Value, r.Formula, v)
		}
		if r.Formula == "" || r.Why == "" {
			t.Errorf("%s: formula %q, why %q: both must be shown", k, r.Formula, r.Why)
		}
	}
	// Without the guarantee the plan has none of them.
	w.Guarantee, w.CommitInterval, w.TransactionalProducers = "", 0, 0
	p, err = Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Row("txn_commits_per_sec"); ok {
		t.Error("transaction rows without guarantee: exactly-once")
	}
}

func TestExactlyOnceValidation(t *testing.T) {
	base := Workload{Name: "eos", MessagesPerSec: 10_000, MessageSize: 1000, Retention: units.Day}
	for _, c := range []struct {
		edit  func(w *Workload)
		field string
	}{
		{func(w *Workload) { w.Guarantee = "exactly-once" }, "commit_interval"},
		{func(w *Workload) { w.CommitInterval = units.Second }, "commit_interval"},
		{func(w *Workload) { w.Guarantee = "exactly-twice" }, "guarantee"},
		{func(w *Workload) {
			w.Guarantee, w.CommitInterval, w.TransactionalProducers = "exactly-once", units.Second, -1
		}, "transactional_producers"},
	} {
		w := base
		c.edit(&w)
		_, err := Compute(w)
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: error %v, want one on %s", w, err, c.field)
		}
	}
}
