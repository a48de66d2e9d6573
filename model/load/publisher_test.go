package load

import (
	"fmt"
	"strings"
	"testing"

	"mqsim/scenarios"
	"mqsim/sim"
)

// TestNewPublishers: a producer of 1,000 msg/s with 4 instances gives four
// publishers of 250 msg/s each, numbered after the producer before it,
// whose draws are the named streams (so a system that names its streams
// the same way draws the same messages as before).
func TestNewPublishers(t *testing.T) {
	sc := &scenarios.Scenario{Name: "t", Producers: []scenarios.Producer{
		{Name: "a", Topic: "x", Rate: 10, Instances: 1, Arrival: "poisson", Keys: "none"},
		{Name: "b", Topic: "x", Rate: 1000, Instances: 4, Arrival: "poisson", Keys: "uniform(8)"},
	}}
	for i := range sc.Producers {
		sc.Producers[i].MessageSize.Dist = sim.Constant{Value: 100}
	}
	s := sim.New(1)
	pubs, err := NewPublishers(s, sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(pubs) != 5 {
		t.Fatalf("%d publishers, want 1 + 4", len(pubs))
	}
	for i, p := range pubs[1:] {
		if p.ID != i+1 || p.Result != 1 || p.Arr.Rate != 250 || p.Name != fmt.Sprintf("producer/b/%d", i) {
			t.Errorf("instance %d: id %d result %d rate %v name %q, want %d, 1, 250, producer/b/%d", i, p.ID, p.Result, p.Arr.Rate, p.Name, i+1, i)
		}
		if p.Rng != s.Stream(p.Name) || p.Arr.Rng != s.Stream(p.Name+"/arrivals") {
			t.Errorf("instance %d does not draw from its named streams", i)
		}
		if p.AckHist != pubs[1].AckHist {
			t.Errorf("instance %d has its own histogram; a producer's instances share one", i)
		}
	}
	sc.Producers[1].MessageSize.Dist = nil
	if _, err := NewPublishers(sim.New(1), sc); err == nil || !strings.Contains(err.Error(), "producer b") {
		t.Errorf("unresolved message size: err %v, want one naming producer b", err)
	}
}
