package kafka

import (
	"testing"

	"mqsim/scenarios/units"
)

// The reorder-inflight row of the documented behaviours: with retries and
// several requests in flight and no idempotence, a retried batch lands after
// a later one; idempotence, or max.in.flight = 1 (Kafka's
// guaranteeMessageOrder), keeps each key's records in send order.
func TestProducerOrderUnderRetries(t *testing.T) {
	for _, c := range []struct {
		name        string
		inFlight    int
		idempotent  bool
		wantReorder bool
	}{
		{"in-flight 5, no idempotence", 5, false, true},
		{"in-flight 1, no idempotence", 1, false, false},
		{"in-flight 5, idempotence", 5, true, false},
	} {
		s := baseScenario(5000, 5*units.Second)
		s.Cluster.TransientErrorRate = 0.05
		p := &s.Producers[0]
		p.Keys = "uniform(100)"
		p.MaxInFlight = c.inFlight
		idem := c.idempotent
		p.EnableIdempotence = &idem
		r := mustRun(t, s)
		if r.Retries == 0 {
			t.Fatalf("%s: no retries happened; the test needs them", c.name)
		}
		if got := r.Reordered > 0; got != c.wantReorder {
			t.Errorf("%s: reordered = %d, want reordering %v", c.name, r.Reordered, c.wantReorder)
		}
		if r.Lost != 0 || r.Duplicates != 0 || len(r.InvariantViolations) != 0 {
			t.Errorf("%s: lost %d, duplicates %d, invariant violations %v; want none", c.name, r.Lost, r.Duplicates, r.InvariantViolations)
		}
	}
}
