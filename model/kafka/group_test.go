package kafka

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// churnScenario draws a group under random churn: crashes (with and
// without restart), clean leaves and restarts, stalls past
// max.poll.interval, joins and slowdowns, all within the first part of the
// run; then the run goes on quietly. Consumers commit after processing and
// together have several times the capacity the load needs.
func churnScenario(t *rapid.T) *scenarios.Scenario {
	parts := rapid.IntRange(2, 8).Draw(t, "partitions")
	consumers := rapid.IntRange(1, 4).Draw(t, "consumers")
	s := &scenarios.Scenario{
		Name: "churn", Seed: rapid.Uint64().Draw(t, "seed"),
		Duration: 20 * units.Second, Drain: 60 * units.Second,
		Cluster: scenarios.Cluster{Brokers: 3},
		Topics:  []scenarios.Topic{{Name: "t", Partitions: parts}},
		Producers: []scenarios.Producer{{Name: "p", Topic: "t", Rate: units.Rate(rapid.IntRange(20, 200).Draw(t, "rate")),
			Keys: "uniform(100)"}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "g", Topic: "t", Consumers: consumers,
			Commit:           "after",
			Assignment:       rapid.SampledFrom([]string{"range", "roundrobin", "cooperative-sticky"}).Draw(t, "assignment"),
			StaticMembership: rapid.Bool().Draw(t, "static"),
			MaxPollRecords:   rapid.IntRange(5, 200).Draw(t, "max_poll_records"),
			SessionTimeout:   6 * units.Second, HeartbeatInterval: units.Second, MaxPollInterval: 3 * units.Second,
		}},
	}
	s.Defaults()
	s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(0.5ms)")
	n := rapid.IntRange(0, 6).Draw(t, "faults")
	busy := map[string]units.Duration{} // type/consumer → end of the last such fault
	for i := range n {
		typ := rapid.SampledFrom([]string{"consumer-crash", "consumer-leave", "consumer-stall", "consumer-join", "consumer-slowdown"}).Draw(t, fmt.Sprintf("type%d", i))
		at := units.Duration(rapid.IntRange(1, 10).Draw(t, fmt.Sprintf("at%d", i))) * units.Second
		dur := units.Duration(rapid.IntRange(1, 8).Draw(t, fmt.Sprintf("dur%d", i))) * units.Second
		f := scenarios.Fault{Type: typ, At: at, Duration: dur, Group: "g"}
		if typ == "consumer-join" {
			if at < busy[typ] {
				continue
			}
			busy[typ] = at + dur
		} else {
			c := rapid.IntRange(0, consumers-1).Draw(t, fmt.Sprintf("consumer%d", i))
			f.Consumer = &c
			key := fmt.Sprintf("%s/%d", typ, c)
			if at < busy[key] {
				continue // the same fault on the same consumer may not overlap
			}
			busy[key] = at + dur
		}
		if typ == "consumer-slowdown" {
			f.Slowdown = 10
		}
		s.Faults = append(s.Faults, f)
	}
	return s
}

// Under any churn: at most one member processes a partition with the
// group's authority in each generation; with commit after processing no
// message is lost; once churn stops the group stops rebalancing and the
// lag drains, because capacity exceeds load.
func TestGroupChurnProperties(t *testing.T) {
	auditOwnership = true
	defer func() { auditOwnership = false }()
	rapid.Check(t, func(t *rapid.T) {
		s := churnScenario(t)
		if err := s.Validate(); err != nil {
			t.Fatalf("invalid scenario: %v", err)
		}
		w, r, err := run(s, Options{})
		if w != nil {
			defer w.close()
		}
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		g := w.groups[0]
		if g.auditViolations != 0 || r.OwnershipViolations != 0 {
			t.Fatalf("two owners of one partition in one generation: audit %d, assignment %d", g.auditViolations, r.OwnershipViolations)
		}
		if r.Lost != 0 || r.Unseen != 0 {
			t.Fatalf("commit after processing: lost %d, unseen %d (want 0, 0)", r.Lost, r.Unseen)
		}
		if r.FinalLag != 0 {
			t.Fatalf("final lag %d: the group did not catch up", r.FinalLag)
		}
		// The last membership change is the last fault's end; after it a
		// rebalance needs at most a session timeout (a ghost member
		// expiring), a rebalance timeout (max.poll.interval) and a
		// cooperative follow-up with its heartbeats.
		var last units.Duration
		for _, f := range s.Faults {
			last = max(last, f.At+f.Duration)
		}
		gs := s.ConsumerGroups[0]
		bound := last + gs.SessionTimeout + 2*gs.MaxPollInterval + 4*gs.HeartbeatInterval
		if len(s.Faults) > 0 && units.Duration(g.lastRebalance) > bound {
			t.Fatalf("the group still rebalanced at %v, after the churn ended at %v (bound %v)", g.lastRebalance, last, bound)
		}
		if len(s.Faults) == 0 && r.Rebalances != 0 {
			t.Fatalf("%d rebalances without churn", r.Rebalances)
		}
	})
}
