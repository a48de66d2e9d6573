package txncost

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// TestTransactionCostGrid checks two cells against hand arithmetic. The
// stage processes a record in 40µs (25K/s at most) and polls up to 500
// records: a full poll takes 500 × 40µs = 20ms. It is fed 30K/s, so it
// runs flat out in both runs.
//
// Added latency. Without transactions a poll's outputs are written when
// the poll ends; with them they also wait for the commit. A transaction
// begins with its first write (the end of a poll) and commits at the end
// of the first poll that ends commit_interval or more later:
//
//	100ms: the outputs wait on average half the interval (50ms) plus the
//	       commit (AddOffsetsToTxn, TxnOffsetCommit, EndTxn: a few ms)
//	10ms:  shorter than a poll, so a transaction holds two polls'
//	       outputs: the first poll's wait one more poll (20ms), the
//	       second's none: 10ms on average, plus the commit
//
// Throughput lost at 10ms: the poll loop stops for every commit — three
// requests to coordinators, each a round trip (2 × 150µs one way, plus
// NICs and a handler thread) and a replicated log write (a follower's
// fetch and the next one that reports it: about two more round trips) —
// so each commit stalls the stage roughly 3 × 0.3ms (the round trips
// alone) to 3 × 1ms plus the next transaction's AddPartitionsToTxn: the
// share lost is commits/s × that stall, between ~1ms and ~5ms per commit.
func TestTransactionCostGrid(t *testing.T) {
	load := func(extra []string) (*scenarios.LoadedScenario, error) {
		return scenarios.LoadScenario(Scenario, extra)
	}
	r, err := Run(load, []units.Duration{10 * units.Millisecond, 100 * units.Millisecond}, []units.Bytes{1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Cells) != 2 || len(r.Base) != 1 {
		t.Fatalf("%d cells, %d base runs; want 2, 1", len(r.Cells), len(r.Base))
	}
	base := r.Base[0]
	if base.Throughput < 20000 || base.Throughput > 25000 {
		t.Errorf("without transactions the stage does %.0f/s, want near its 25K/s (flat out)", base.Throughput)
	}
	c10, c100 := r.Cells[0], r.Cells[1]
	for _, c := range r.Cells {
		if c.Txn.Lost != 0 || c.Txn.Dups != 0 || c.Txn.Commits == 0 {
			t.Errorf("%s: lost %d, duplicates %d, commits %d; want 0, 0, some", c.Interval, c.Txn.Lost, c.Txn.Dups, c.Txn.Commits)
		}
	}
	if a := c100.AddedLatency; a < 50 || a > 65 {
		t.Errorf("100ms: added %.1fms, want half the interval (50ms) plus the commit (a few ms)", a)
	}
	if a := c10.AddedLatency; a < 10 || a > 22 {
		t.Errorf("10ms: added %.1fms, want a poll's 20ms halved (10ms) plus the commit", a)
	}
	perSec := float64(c10.Txn.Commits) / c10.Txn.Seconds
	if c10.ThroughputLoss <= 0 {
		t.Fatalf("10ms: throughput loss %.3f, want some: the poll loop waits for every commit", c10.ThroughputLoss)
	}
	if stall := c10.ThroughputLoss / perSec * 1000; stall < 0.8 || stall > 5 {
		t.Errorf("10ms: %.1f%% lost at %.1f commits/s is %.2fms per commit, want 1–5ms (three round trips and replicated writes)",
			100*c10.ThroughputLoss, perSec, stall)
	}
	// Longer intervals commit less often: less lost.
	if c100.ThroughputLoss >= c10.ThroughputLoss {
		t.Errorf("throughput lost %.1f%% at 100ms, %.1f%% at 10ms: want less at the longer interval", 100*c100.ThroughputLoss, 100*c10.ThroughputLoss)
	}
}
