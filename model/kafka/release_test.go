package kafka

import (
	"reflect"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// TestReleaseKeepsResultsAndBoundsMemory: a fault-free run that releases
// what its group consumed reports exactly what the same run keeping every
// record reports, while its logs release everything consumed. The group
// commits after every poll and the run drains, so at the end every record
// is processed and committed: every replica's log is readable only from
// its end, and holds in memory at most the slab being filled (1 MiB at
// most) of the bytes it stored.
func TestReleaseKeepsResultsAndBoundsMemory(t *testing.T) {
	scenario := func() *scenarios.Scenario {
		s := baseScenario(5000, 20*units.Second)
		s.ConsumerGroups[0].Commit = "after"
		return s
	}
	w, wk, kept, rel := keptAndReleased(t, scenario)
	if !reflect.DeepEqual(kept, rel) {
		t.Errorf("results differ with released records:\nkept     %+v\nreleased %+v", kept, rel)
	}
	if rel.Acked < 90_000 || rel.Lost != 0 || rel.Unseen != 0 {
		t.Fatalf("acked %d, lost %d, unseen %d: want about 100K delivered", rel.Acked, rel.Lost, rel.Unseen)
	}
	for _, tp := range w.topics {
		for _, p := range tp.parts {
			for _, r := range p.replicas {
				st := r.log.Stats()
				if got := r.log.ReadableFrom(); got != p.records {
					t.Errorf("partition %d on broker %d: readable from %d, want the end %d (all consumed)", p.idx, r.b.id, got, p.records)
				}
				if st.StoredBytes-st.Released > 1<<20 {
					t.Errorf("partition %d on broker %d: %d of %d stored bytes in memory, want at most one slab (1 MiB)",
						p.idx, r.b.id, st.StoredBytes-st.Released, st.StoredBytes)
				}
			}
		}
	}
	// The group's __consumer_offsets partition too: after the drain every
	// commit is replicated, so every replica is readable only from its
	// end, while the run that keeps records still reads it all.
	op := w.groups[0].op.p
	if op.records == 0 {
		t.Fatal("no offset records written")
	}
	for _, r := range op.replicas {
		if got := r.log.ReadableFrom(); got != op.records {
			t.Errorf("%s-%d on broker %d: readable from %d, want the end %d", offsetsTopicName, op.idx, r.b.id, got, op.records)
		}
	}
	for _, r := range wk.groups[0].op.p.replicas {
		if got := r.log.ReadableFrom(); got != r.log.LogStartOffset() {
			t.Errorf("keeping records: %s on broker %d readable from %d, want its start %d", offsetsTopicName, r.b.id, got, r.log.LogStartOffset())
		}
	}
}

// keptAndReleased runs the scenario scenario makes twice, fault-free:
// once keeping every consumed record (wk, kept) and once releasing them as
// a run does (w, rel); it fails t unless only the second released. Both
// worlds close when t ends.
func keptAndReleased(t *testing.T, scenario func() *scenarios.Scenario) (w, wk *world, kept, rel *Results) {
	t.Helper()
	keepConsumed = true
	wk, kept, err := run(scenario(), Options{})
	keepConsumed = false
	if wk != nil {
		t.Cleanup(func() { wk.close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	w, rel, err = run(scenario(), Options{})
	if w != nil {
		t.Cleanup(func() { w.close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	if !w.releases || wk.releases {
		t.Fatalf("releases: %v with, %v without; want true, false", w.releases, wk.releases)
	}
	return w, wk, kept, rel
}
