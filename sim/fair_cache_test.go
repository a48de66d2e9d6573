package sim

import "testing"

// A flow id always finds its own queue, whether the cache holds it or
// another id that hashes to the same entry evicted it: with 1,000 flows
// on 256 cache entries, looking each up again in a different order gives
// the queue made for it, and no flow is made twice.
func TestFairFlowCacheKeepsIdentity(t *testing.T) {
	f := &fairState{byID: map[uint64]int32{}}
	const n = 1000
	made := make(map[uint64]*fairFlow, n)
	for i := range uint64(n) {
		id := i<<20 | i%7 // ids shaped like the model's flow ids
		made[id] = f.flow(id)
	}
	for pass := range 2 {
		for i := uint64(n); i > 0; i-- {
			id := (i-1)<<20 | (i-1)%7
			if got := f.flow(id); got != made[id] || got.id != id {
				t.Fatalf("pass %d: flow(%#x) returned the queue of %#x", pass, id, got.id)
			}
		}
	}
	if len(f.flows) != n {
		t.Errorf("%d flows made for %d ids", len(f.flows), n)
	}
}
