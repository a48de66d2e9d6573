package scenarios

import (
	"strings"
	"testing"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

// The scenario built from a plan loads and validates as a file would, and
// carries the plan's numbers: the seed's 11 brokers and 116 partitions (or
// 15 and 240 recommended: 232 rounded up to a multiple of 15), RF 3, the peak 1e11/86,400 = 1,157,407.4 msg/s
// with Poisson arrivals, 500 B messages, 116 consumers.
func TestFromPlanSeed(t *testing.T) {
	lw, err := LoadWorkload("social-media", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := capacity.Compute(lw.Workload)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		recommended                    bool
		brokers, partitions, consumers int
	}{{false, 11, 116, 116}, {true, 15, 240, 240}} {
		data, s, err := FromPlan(p, PlanOptions{Recommended: c.recommended, Duration: 2 * units.Second})
		if err != nil {
			t.Fatalf("recommended=%v: %v", c.recommended, err)
		}
		// Load the bytes again, as `mqsim run plan.yaml` would.
		again, err := ParseScenario("plan.yaml", data, nil)
		if err != nil {
			t.Fatalf("recommended=%v: the written scenario does not load: %v\n%s", c.recommended, err, data)
		}
		for _, sc := range []*LoadedScenario{s, again} {
			if sc.Cluster.Brokers != c.brokers || len(sc.Topics) != 1 || sc.Topics[0].Partitions != c.partitions || sc.Topics[0].ReplicationFactor != 3 {
				t.Errorf("recommended=%v: %d brokers, topics %+v; want %d brokers, %d partitions, RF 3", c.recommended, sc.Cluster.Brokers, sc.Topics, c.brokers, c.partitions)
			}
			if sc.Topics[0].Retention != 7*units.Day {
				t.Errorf("retention %v, want 7d", sc.Topics[0].Retention)
			}
			if len(sc.Producers) != 1 || sc.Producers[0].Arrival != "poisson" || sc.Producers[0].MessageSize.Mean() != 500 {
				t.Fatalf("producers %+v; want one at Poisson arrivals of 500 B", sc.Producers)
			}
			if r := float64(sc.Producers[0].Rate); r < 1e11/86400-1e-6 || r > 1e11/86400+1e-6 {
				t.Errorf("rate %v, want 1e11/86400 = 1,157,407.4", r)
			}
			if len(sc.ConsumerGroups) != 1 || sc.ConsumerGroups[0].Consumers != c.consumers {
				t.Errorf("groups %+v, want one of %d consumers", sc.ConsumerGroups, c.consumers)
			}
			if sc.Duration != 2*units.Second {
				t.Errorf("duration %v, want 2s", sc.Duration)
			}
			if sc.Cluster.Hardware.NICIn != 1.25e9 || sc.Cluster.Hardware.DiskWrite != 600e6 {
				t.Errorf("hardware %+v, want the workload's 10 Gbps NIC and 600 MB/s disk", sc.Cluster.Hardware)
			}
		}
	}
}

// A stated per-consumer rate becomes each consumer's service time: 5K/s is
// one message every 200µs. Two consumer groups give two groups.
func TestFromPlanConsumerRate(t *testing.T) {
	lw, err := LoadWorkload("partitions-100k", []string{"consumer_groups=2"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := capacity.Compute(lw.Workload)
	if err != nil {
		t.Fatal(err)
	}
	_, s, err := FromPlan(p, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ConsumerGroups) != 2 {
		t.Fatalf("%d groups, want 2", len(s.ConsumerGroups))
	}
	for _, g := range s.ConsumerGroups {
		// 100K/s ÷ 5K/s = 20 partitions × 2x headroom = 40 consumers.
		if g.Consumers != 40 || g.Processing.Mean() != 200e-6 {
			t.Errorf("group %s: %d consumers, %v s per message; want 40 and 200µs", g.Name, g.Consumers, g.Processing.Mean())
		}
	}
	if s.Duration != DefaultPlanDuration {
		t.Errorf("duration %v, want the default %v", s.Duration, DefaultPlanDuration)
	}
}

// A plan past what a scenario may hold is refused with the limit named.
func TestFromPlanTooLarge(t *testing.T) {
	lw, err := LoadWorkload("social-media", []string{"partition_throughput=1/s"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := capacity.Compute(lw.Workload)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = FromPlan(p, PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), "partitions (a scenario may have") {
		t.Errorf("FromPlan of %d partitions: %v, want the partition limit named", p.Partitions, err)
	}
}
