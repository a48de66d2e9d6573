package kafka

import (
	"errors"

	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Cluster is a Kafka cluster, with the scenario's topics, producers and
// consumer groups, built on a kernel and a network its caller owns — so
// several clusters, or a cluster and other systems, share one simulated
// time and one network (its latencies, cuts and outages). Run builds one
// on a kernel and network of its own; everything else is the same code.
//
// Use: NewCluster, then run the kernel (model.Play with Quiet and
// AfterStep, or sim.RunUntil), then Results once, then Close.
//
// Components draw from the kernel's named random streams by their names
// (producer/NAME, group/NAME/member-N, broker/N/errors, controller, …):
// two clusters on one kernel with components of the same name share a
// stream, which stays deterministic; give producers and groups distinct
// names when their draws must be independent.
type Cluster struct {
	Name string
	w    *world
}

// NewCluster builds the resolved scenario's cluster and clients on kernel
// s and network n and schedules their start; name labels the cluster. The
// scenario's duration is when its producers stop (simulated time from 0),
// its faults are scheduled on s, and its network latency settings are
// n's business, not read here.
func NewCluster(s *sim.Sim, n *net.Network, sc *scenarios.Scenario, opts Options, name string) (*Cluster, error) {
	if s == nil || n == nil || sc == nil {
		return nil, errors.New("kafka cluster: kernel, network and scenario are required")
	}
	if err := checkBuildable(sc); err != nil {
		return nil, err
	}
	w, err := newWorld(s, n, sc, opts)
	if err != nil {
		if w != nil {
			_ = w.close()
		}
		return nil, err
	}
	return &Cluster{Name: name, w: w}, nil
}

// Quiet reports whether nothing is left to deliver: no producer holds a
// batch and every group has processed everything written.
func (c *Cluster) Quiet() bool { return c.w.quiet() }

// AfterStep is the cluster's work between steps of the run loop (freeing
// consumed records); it returns the cluster's first internal failure.
func (c *Cluster) AfterStep() error { return c.w.afterStep() }

// Results settles the cluster and assembles its results; call it once,
// after the kernel has run. partial marks a run stopped early.
func (c *Cluster) Results(partial bool) (*Results, error) { return c.w.finish(partial) }

// Close closes the cluster's logs.
func (c *Cluster) Close() error { return c.w.close() }
