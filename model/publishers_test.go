package model

import (
	"testing"

	"mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// TestPublisherResults: two instances of one producer sum into its result;
// 30 messages acknowledged in 4 calls is a mean batch of 7.5.
func TestPublisherResults(t *testing.T) {
	sc := &scenarios.Scenario{Producers: []scenarios.Producer{{Name: "a", Topic: "x"}, {Name: "b", Topic: "y"}}}
	h := sim.NewLatencyHistogram()
	pubs := []*load.Publisher{
		{Result: 1, Produced: 12, Acked: 10, Failed: 2, Calls: 1, AckHist: h},
		{Result: 1, Produced: 20, Acked: 20, Calls: 3, AckHist: h},
	}
	got := PublisherResults(sc, pubs)
	if len(got) != 2 || got[0].Name != "a" || got[0].Batches != 0 || got[0].MeanBatch != 0 {
		t.Fatalf("results %+v: want a with nothing, then b", got)
	}
	b := got[1]
	if b.Produced != 32 || b.Acked != 30 || b.Failed != 2 || b.Batches != 4 || b.MeanBatch != 7.5 {
		t.Errorf("b: produced %d acked %d failed %d batches %d mean %v, want 32, 30, 2, 4, 7.5", b.Produced, b.Acked, b.Failed, b.Batches, b.MeanBatch)
	}
}
