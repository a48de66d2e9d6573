package kafka

import (
	"reflect"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// TestPollReadyListMatchesFullWalk: a poll that visits only the partitions
// with buffered records returns what a walk over all the member's
// partitions returns (a partition with nothing buffered yields nothing),
// and so does the prefetch of drained sessions: every built-in below runs
// to identical results both ways. They cover retries that pause a
// partition (poison-message), rebalances and crashes (consumer-crash),
// partitions added mid-run (add-partitions), a hot partition and a lagging
// group.
func TestPollReadyListMatchesFullWalk(t *testing.T) {
	for _, name := range []string{"poison-message", "consumer-crash", "add-partitions", "hot-partition", "slow-consumer"} {
		ls, err := scenarios.LoadScenario(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		sc := ls.Scenario
		sc.Duration = min(sc.Duration, 10*units.Second)
		run := func(full bool) *Results {
			fullPollWalk = full
			defer func() { fullPollWalk = false }()
			s := sc
			r, err := Run(&s, Options{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return r
		}
		walk, ready := run(true), run(false)
		if walk.Produced == 0 || walk.ConsumerFetches == 0 {
			t.Fatalf("%s: produced %d, consumer fetches %d: want traffic", name, walk.Produced, walk.ConsumerFetches)
		}
		if !reflect.DeepEqual(walk, ready) {
			t.Errorf("%s: results differ between the full walk and the ready list:\nwalk  %+v\nready %+v", name, walk, ready)
		}
	}
}
