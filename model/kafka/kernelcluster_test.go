package kafka

import (
	"encoding/json"
	"testing"

	"mqsim/model"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// A cluster built with NewCluster on a kernel and network made the way Run
// makes its own runs exactly as Run does: the same results, byte for byte.
func TestNewClusterRunsAsRun(t *testing.T) {
	ls, err := scenarios.LoadScenario("broker-failure", []string{"duration=15s"})
	if err != nil {
		t.Fatal(err)
	}
	sc := &ls.Scenario
	want, err := Run(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := sc.Cluster.Hardware
	s := sim.New(sc.Seed)
	n := net.New(s, s.Stream("network"), sim.Time(h.NetworkLatency), sim.Time(h.NetworkJitter))
	n.Dist = h.NetworkLatencyDist.Dist
	c, err := NewCluster(s, n, sc, Options{}, "only")
	if err != nil {
		t.Fatal(err)
	}
	end := sim.Time(sc.Duration)
	partial, err := model.Play(s, Options{}, step, end, end+sim.Time(sc.Drain), c.Quiet, c.AfterStep)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Results(partial)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("NewCluster's results differ from Run's (%d vs %d bytes of JSON)", len(b), len(a))
	}
	if _, err := NewCluster(nil, n, sc, Options{}, "x"); err == nil {
		t.Error("NewCluster without a kernel: want an error")
	}
}
