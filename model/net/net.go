package net

import (
	"math/rand/v2"

	"mqsim/sim"
)

// NodeID names a node (a process on its machine) on the network. The zero
// value is no node: a Link whose ends are unset meets no fault.
type NodeID int32

// Network carries messages between nodes: each arrives after the one-way
// latency with uniform jitter of ± Jitter — or, when Dist is set, after a
// one-way latency drawn from Dist (a long-tailed distribution: lognormal,
// pareto) — drawn from the network's own random stream, unless a fault
// stops it (see Send).
type Network struct {
	s       *sim.Sim
	rng     *rand.Rand
	Latency sim.Time // one way
	Jitter  sim.Time
	Dist    sim.Dist // one-way latency in seconds; nil: Latency ± Jitter

	nodes   []nodeState // by NodeID; [0] is no node
	faults  map[pair]*linkFault
	faulty  bool     // any link fault was ever set: look faults up
	flights []flight // messages on the wire, by slot
	free    []uint32
	fDone   func(uint64)
}

type nodeState struct {
	name                     string
	processDown, machineDown bool
	inc                      uint32 // bumped at every crash and restart
}

// pair is one direction between two nodes.
type pair struct{ from, to NodeID }

// linkFault is what a fault does to one direction between two nodes.
type linkFault struct {
	cut   bool
	drop  float64  // share of messages lost
	delay sim.Time // added to every message
	slow  float64  // latency multiplied by this (≥ 1)
}

// flight is one message on the wire.
type flight struct {
	l   *Link
	fn  func(uint64)
	arg uint64
	inc uint32 // the destination's incarnation when sent
}

// New returns a network on s drawing its jitter from rng.
func New(s *sim.Sim, rng *rand.Rand, latency, jitter sim.Time) *Network {
	n := &Network{s: s, rng: rng, Latency: latency, Jitter: jitter, nodes: make([]nodeState, 1), faults: map[pair]*linkFault{}}
	n.fDone = n.arrive
	return n
}

// AddNode registers a node and returns its id.
func (n *Network) AddNode(name string) NodeID {
	n.nodes = append(n.nodes, nodeState{name: name})
	return NodeID(len(n.nodes) - 1)
}

// Name is the name a node was added with.
func (n *Network) Name(id NodeID) string { return n.nodes[id].name }

// Link is one direction of a connection (a TCP stream) from one node to
// another: a message never arrives before one sent earlier on the same
// link. Undelivered, when set, hears of a message that will not arrive:
// refused (the destination's machine is up but its process is not: the
// connection is refused and the sender learns of it a round trip after
// sending), or lost silently (a dead machine, a cut, a drop: the sender
// learns nothing and must time out; the call only lets the system release
// what it holds for the message).
type Link struct {
	From, To    NodeID
	Undelivered func(arg uint64, refused bool)
	last        sim.Time
}

// CrashProcess stops a node's process; its machine stays up, so new
// connections to it are refused.
func (n *Network) CrashProcess(id NodeID) {
	st := &n.nodes[id]
	st.processDown = true
	st.inc++
}

// CrashMachine stops a node's machine: messages to it vanish.
func (n *Network) CrashMachine(id NodeID) {
	st := &n.nodes[id]
	st.processDown, st.machineDown = true, true
	st.inc++
}

// Restart brings a node's machine and process back.
func (n *Network) Restart(id NodeID) {
	st := &n.nodes[id]
	st.processDown, st.machineDown = false, false
	st.inc++
}

// Up reports whether a node's process runs.
func (n *Network) Up(id NodeID) bool { return !n.nodes[id].processDown }

// MachineUp reports whether a node's machine runs (its process may not).
func (n *Network) MachineUp(id NodeID) bool { return !n.nodes[id].machineDown }

// Incarnation changes at every crash and restart of a node.
func (n *Network) Incarnation(id NodeID) uint32 { return n.nodes[id].inc }

func (n *Network) fault(from, to NodeID) *linkFault {
	k := pair{from, to}
	f := n.faults[k]
	if f == nil {
		f = &linkFault{slow: 1}
		n.faults[k] = f
		n.faulty = true
	}
	return f
}

// Cut stops every message from one node to another (one way); Heal lets
// them through again. Cut both ways for a two-way partition.
func (n *Network) Cut(from, to NodeID)  { n.fault(from, to).cut = true }
func (n *Network) Heal(from, to NodeID) { n.fault(from, to).cut = false }

// Isolate cuts a node off from every other node, both ways; Rejoin heals
// those cuts.
func (n *Network) Isolate(id NodeID) {
	for o := range n.nodes[1:] {
		if o := NodeID(o + 1); o != id {
			n.Cut(id, o)
			n.Cut(o, id)
		}
	}
}

func (n *Network) Rejoin(id NodeID) {
	for o := range n.nodes[1:] {
		if o := NodeID(o + 1); o != id {
			n.Heal(id, o)
			n.Heal(o, id)
		}
	}
}

// SetDrop loses share (0 to 1) of the messages from one node to another.
func (n *Network) SetDrop(from, to NodeID, share float64) { n.fault(from, to).drop = share }

// SetDelay adds d to every message from one node to another.
func (n *Network) SetDelay(from, to NodeID, d sim.Time) { n.fault(from, to).delay = d }

// SetSlow multiplies the latency (with its jitter) from one node to
// another by factor (1 is normal).
func (n *Network) SetSlow(from, to NodeID, factor float64) { n.fault(from, to).slow = max(factor, 1) }

// Reachable reports whether a message from one node can reach the other's
// machine now (no cut between them, both machines up).
func (n *Network) Reachable(from, to NodeID) bool {
	if from != 0 && n.nodes[from].machineDown || to != 0 && n.nodes[to].machineDown {
		return false
	}
	if !n.faulty {
		return true
	}
	f := n.faults[pair{from, to}]
	return f == nil || !f.cut
}

// Send delivers a message on l: fn(arg) runs when it arrives. The faults
// apply here, for every kind of message: a message from a dead process or
// machine is not sent; one to a dead machine, over a cut, or lost to a
// drop vanishes; one to a dead process on a live machine is refused; a
// delay or slow link lengthens its trip. A message whose destination
// crashes (or restarts) while it travels is lost with the connection.
func (n *Network) Send(l *Link, fn func(uint64), arg uint64) {
	d := n.Latency
	switch {
	case n.Dist != nil:
		d = sim.SampleTime(n.Dist, n.rng)
	case n.Jitter > 0:
		d += sim.Time((n.rng.Float64()*2 - 1) * float64(n.Jitter))
	}
	var inc uint32
	if l.From != 0 || l.To != 0 {
		from, to := &n.nodes[l.From], &n.nodes[l.To]
		if l.From != 0 && from.processDown {
			n.lost(l, arg)
			return
		}
		if f := n.linkFault(l); f != nil {
			if f.cut || f.drop > 0 && n.rng.Float64() < f.drop {
				n.lost(l, arg)
				return
			}
			d = sim.Time(float64(d)*f.slow) + f.delay
		}
		switch {
		case l.To != 0 && to.machineDown:
			n.lost(l, arg)
			return
		case l.To != 0 && to.processDown:
			// The machine answers with a reset: the sender learns a
			// round trip later, if the way back is open.
			if l.Undelivered != nil && n.Reachable(l.To, l.From) {
				u, a := l.Undelivered, arg
				n.s.At(n.s.Now()+2*max(d, 0), func() { u(a, true) })
			}
			return
		}
		inc = to.inc
	}
	t := max(n.s.Now()+max(d, 0), l.last)
	l.last = t
	if l.To == 0 {
		n.s.AtCall(t, fn, arg)
		return
	}
	var slot uint32
	if k := len(n.free); k > 0 {
		slot = n.free[k-1]
		n.free = n.free[:k-1]
	} else {
		slot = uint32(len(n.flights))
		n.flights = append(n.flights, flight{})
	}
	n.flights[slot] = flight{l: l, fn: fn, arg: arg, inc: inc}
	n.s.AtCall(t, n.fDone, uint64(slot))
}

// arrive hands a message to its destination, unless the destination
// crashed or restarted since it was sent, or a cut has come up meanwhile.
func (n *Network) arrive(slot uint64) {
	m := n.flights[slot]
	n.flights[slot] = flight{}
	n.free = append(n.free, uint32(slot))
	if n.nodes[m.l.To].inc != m.inc || !n.Reachable(m.l.From, m.l.To) {
		n.lost(m.l, m.arg)
		return
	}
	m.fn(m.arg)
}

func (n *Network) linkFault(l *Link) *linkFault {
	if !n.faulty {
		return nil
	}
	return n.faults[pair{l.From, l.To}]
}

func (n *Network) lost(l *Link, arg uint64) {
	if l.Undelivered != nil {
		l.Undelivered(arg, false)
	}
}
