package kafka

import (
	"testing"

	"mqsim/scenarios"
)

// TestDeliveryGuaranteesOrder runs delivery-guarantees under each
// guarantee and checks the seed's table row by row: at-most-once loses,
// at-least-once duplicates, idempotent consumers and exactly-once do
// neither, and exactly-once pays in end-to-end latency.
func TestDeliveryGuaranteesOrder(t *testing.T) {
	res := map[string]*Results{}
	for _, g := range scenarios.Guarantees {
		ls, err := scenarios.LoadScenario("delivery-guarantees", []string{"guarantee=" + g})
		if err != nil {
			t.Fatal(err)
		}
		res[g] = mustRun(t, &ls.Scenario)
	}
	billing := func(g string) GroupResult { return res[g].Groups[1] }

	// acks=0 to a leader dead for 6s: the shop's sends to its partitions
	// (a third of 1K/s) vanish until the new leader is known — about
	// 2,000; a few hundred at the very least.
	if b := billing(scenarios.GuaranteeAtMostOnce); b.Lost < 500 || b.Duplicates != 0 {
		t.Errorf("at-most-once: lost %d, duplicates %d; want > 500 and 0", b.Lost, b.Duplicates)
	}
	// The crashed enrich member's partitions restart from the last
	// auto-commit (every 5s): what it wrote since is written again.
	if b := billing(scenarios.GuaranteeAtLeastOnce); b.Lost != 0 || b.Duplicates == 0 {
		t.Errorf("at-least-once: lost %d, duplicates %d; want 0 and > 0", b.Lost, b.Duplicates)
	}
	for _, g := range []string{scenarios.GuaranteeAtLeastOnceIdempotent, scenarios.GuaranteeExactlyOnce} {
		if b := billing(g); b.Lost != 0 || b.Duplicates != 0 || b.Unseen != 0 {
			t.Errorf("%s: lost %d, duplicates %d, unseen %d; want 0, 0, 0", g, b.Lost, b.Duplicates, b.Unseen)
		}
	}
	if n := res[scenarios.GuaranteeExactlyOnce].Transactions.AbortedRecordsRead; n != 0 {
		t.Errorf("exactly-once: %d aborted records read, want 0 under read_committed", n)
	}
	// Exactly-once: billing sees a record when its transaction commits,
	// on average half the 100ms commit interval after it was processed,
	// plus the commit's round trips and replication: ~50ms more at the
	// median than at-least-once, under 150ms.
	alo := billing(scenarios.GuaranteeAtLeastOnce).E2ELatency.P50
	eos := billing(scenarios.GuaranteeExactlyOnce).E2ELatency.P50
	if d := eos - alo; d < 40 || d > 150 {
		t.Errorf("exactly-once adds %.1fms at the median (%.1f vs %.1f), want ~50ms (40–150)", d, eos, alo)
	}
}

// TestTransactionCost: the latency exactly-once adds comes from the
// commit interval and the commit's own work. A record waits for its
// transaction's commit, on average half the interval after it was
// processed, so the reader's median end to end minus the stage's is
// about interval/2 plus the commit's round trips (a few ms); at 10ms the
// commits themselves (three round trips and two replicated log writes
// each, ~15ms) dominate and the stage spends a third of its time on
// them.
func TestTransactionCost(t *testing.T) {
	added := func(interval string) (float64, int64) {
		ls, err := scenarios.LoadScenario("transaction-cost", []string{"duration=4s", "consumer_groups.0.pipeline.commit_interval=" + interval})
		if err != nil {
			t.Fatal(err)
		}
		r := mustRun(t, &ls.Scenario)
		return r.Groups[1].E2ELatency.P50 - r.Groups[0].E2ELatency.P50, r.Transactions.Committed
	}
	for _, c := range []struct {
		interval string
		half     float64 // ms
	}{{"100ms", 50}, {"1s", 500}} {
		d, n := added(c.interval)
		if d < c.half || d > c.half*1.4+20 {
			t.Errorf("commit interval %s: the reader's median is %.1fms after the stage's, want about %.0fms (half the interval) plus the commit", c.interval, d, c.half)
		}
		if n == 0 {
			t.Errorf("commit interval %s: no transaction committed", c.interval)
		}
	}
}
