package net

import (
	"math/rand/v2"

	"mqsim/sim"
)

// Network carries messages between nodes: each arrives after the one-way
// latency with uniform jitter of ± Jitter, drawn from the network's own
// random stream.
type Network struct {
	s       *sim.Sim
	rng     *rand.Rand
	Latency sim.Time // one way
	Jitter  sim.Time
}

// New returns a network on s drawing its jitter from rng.
func New(s *sim.Sim, rng *rand.Rand, latency, jitter sim.Time) *Network {
	return &Network{s: s, rng: rng, Latency: latency, Jitter: jitter}
}

// Link is one direction of a connection (a TCP stream): a message never
// arrives before one sent earlier on the same link.
type Link struct{ last sim.Time }

// Send delivers a message on l: fn(arg) runs when it arrives.
func (n *Network) Send(l *Link, fn func(uint64), arg uint64) {
	d := n.Latency
	if n.Jitter > 0 {
		d += sim.Time((n.rng.Float64()*2 - 1) * float64(n.Jitter))
	}
	t := max(n.s.Now()+max(d, 0), l.last)
	l.last = t
	n.s.AtCall(t, fn, arg)
}
