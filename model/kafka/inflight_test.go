package kafka

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// A produce request that fails as a network error (its broker's process
// died, or its response was lost with the connection) no longer counts
// against its partitions' batches in flight. Counted on, it held an
// idempotent partition's epoch bump (which waits for nothing of the
// partition to be in flight) for ever: the partition stalled.
//
// By hand: at the end of a run, each partition's count of batches in
// flight must equal the batches of that partition in the requests still
// outstanding (sent, not answered, not timed out, not failed).
func TestFailedRequestsLeaveNothingInFlight(t *testing.T) {
	for _, f := range []scenarios.Fault{
		{Type: "broker-crash", At: 5 * units.Second, Duration: 5 * units.Second, Broker: brokerID(0)},
		{Type: "lost-response", At: 5 * units.Second, Duration: 5 * units.Second, Broker: brokerID(0), Share: 0.2},
	} {
		s := faultScenario(5000, 15*units.Second, "all", 2, f)
		w, r, err := run(s, Options{})
		if err != nil {
			t.Fatalf("%s: %v", f.Type, err)
		}
		noViolations(t, f.Type, r)
		free := make([]bool, len(w.preqs))
		for _, id := range w.freePreq {
			free[id] = true
		}
		for _, p := range w.prods {
			want := make([]int, len(p.parts))
			for id, rq := range w.preqs {
				if free[id] || rq.c == nil || rq.c.p != p || rq.timedOut {
					continue
				}
				for _, bid := range rq.batches {
					want[p.batches[bid].part]++
				}
			}
			for i := range p.parts {
				if got := p.parts[i].inFlight; got != want[i] {
					t.Errorf("%s: producer %s partition %d: %d batches counted in flight, %d in outstanding requests", f.Type, p.name, i, got, want[i])
				}
			}
		}
		w.close()
	}
}
