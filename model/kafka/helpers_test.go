package kafka

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// baseScenario is a small healthy cluster: 3 brokers, one topic of 6
// partitions with RF 3, one producer and one group.
func baseScenario(rate float64, dur units.Duration) *scenarios.Scenario {
	s := &scenarios.Scenario{
		Name: "test", Seed: 1, Duration: dur,
		Cluster:        scenarios.Cluster{Brokers: 3},
		Topics:         []scenarios.Topic{{Name: "events", Partitions: 6}},
		Producers:      []scenarios.Producer{{Name: "app", Topic: "events", Rate: units.Rate(rate)}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 3}},
	}
	s.Defaults()
	return s
}

func mustRun(t testing.TB, s *scenarios.Scenario) *Results {
	t.Helper()
	r, err := Run(s, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

func expDist(rate float64) sim.Dist { return sim.Exponential{Rate: rate} }
