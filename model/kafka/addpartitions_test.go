package kafka

import (
	"testing"

	"mqsim/model/load"
)

// The add-partitions built-in: orders grows from 4 to 8 partitions at 15s
// while a producer sends 2000 msg/s over 1000 uniform keys; two groups of 2
// consumers (1.43ms a message, heartbeat 1s, metadata_max_age 10s) read it,
// one with auto_offset_reset latest, one earliest.
//
// Share of the new partitions: murmur2(k) mod 8 is murmur2(k) mod 4 or that
// plus 4, so the keys whose hash mod 8 is 4 or more move, all of them to a
// new partition; counted below over the 1000 keys (about half).
//
// The groups' leaders refresh metadata at 10s, 20s, …: the first refresh
// after 15s is at 20s, a delay of 5s. The rebalance then needs each member
// to learn of it (at its next heartbeat, within 1s), reach its next poll
// point (a poll is at most 500 records × 1.43ms = 0.715s), commit and join
// (a few network round trips). So the latest group starts the new
// partitions at their high watermark between 5s and 5s + 1s + 0.715s after
// they were added, and loses what was written to them in between:
//
//	lost ≈ rate × share × delay = 2000/s × share × [5s, 6.715s]
//
// (about 5000 to 6700 for share ½), widened by 4% each way for Poisson
// noise (±3σ of ~6000 arrivals is ±4%). The earliest group reads those
// records: nothing lost. Each group lags: it processes 2 × 1/1.43ms ≈
// 1400/s of the 2000/s, so at 20s it is at records produced near 14s, still
// before the change; the moved keys' newer records on the new partitions
// are processed next to their older ones still on the old partitions, so
// both groups see reordering.
func TestAddPartitions(t *testing.T) {
	r := runBuiltin(t, "add-partitions")
	noViolations(t, "add-partitions", r)

	moved := 0
	var kb []byte
	for k := range int64(1000) {
		kb = load.KeyBytes(kb, k)
		if partitionFor(kb, 8) >= 4 {
			moved++
		}
	}
	share := float64(moved) / 1000
	if share < 0.4 || share > 0.6 {
		t.Fatalf("share of keys moved to the new partitions %.3f: want about a half", share)
	}
	lo := 0.96 * 2000 * share * 5
	hi := 1.04 * 2000 * share * (5 + 1 + 0.715)

	latest, earliest := groupOf(t, r, "latest-reader"), groupOf(t, r, "earliest-reader")
	if l := float64(latest.Lost); l < lo || l > hi {
		t.Errorf("latest group lost %d: want rate × share × delay in [%.0f, %.0f] (share %.3f)", latest.Lost, lo, hi, share)
	}
	if earliest.Lost != 0 || earliest.Unseen != 0 {
		t.Errorf("earliest group lost %d, unseen %d: want every record read", earliest.Lost, earliest.Unseen)
	}
	if latest.Unseen != 0 || latest.Processed+latest.Lost != r.Acked {
		t.Errorf("latest group: processed %d + lost %d, unseen %d, acked %d: want processed + lost = acked",
			latest.Processed, latest.Lost, latest.Unseen, r.Acked)
	}
	if latest.Reordered == 0 || earliest.Reordered == 0 {
		t.Errorf("reordered: latest %d, earliest %d: want both > 0 (groups lag past the change)", latest.Reordered, earliest.Reordered)
	}
	if latest.Duplicates != 0 || earliest.Duplicates != 0 {
		t.Errorf("duplicates %d, %d: commit after processing and an eager rebalance redeliver nothing", latest.Duplicates, earliest.Duplicates)
	}
	// One rebalance each (the metadata change), and the 8 partitions spread.
	for _, g := range []*GroupResult{latest, earliest} {
		if g.Rebalances != 1 {
			t.Errorf("group %s: %d rebalances, want 1", g.Name, g.Rebalances)
		}
		n := 0
		for _, ps := range g.Assignment {
			n += len(ps)
		}
		if n != 8 {
			t.Errorf("group %s owns %d partitions at the end (%v), want 8", g.Name, n, g.Assignment)
		}
	}
	// Producers lose nothing to the change, and the new partitions'
	// followers replicate: every ISR full at the end.
	if r.Acked != r.Produced || r.FinalUnderReplicated != 0 || r.MinISR != 3 {
		t.Errorf("acked %d of %d, under-replicated at the end %d, min ISR %d: want all acked and full ISRs",
			r.Acked, r.Produced, r.FinalUnderReplicated, r.MinISR)
	}
}
