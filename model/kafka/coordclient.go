package kafka

import (
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// How members reach their group coordinator.
//
// Every group request — FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch — travels through the network (net.Send) on the
// member's connection to the broker it takes for its coordinator, so
// latency, jitter and faults apply to it. A member finds its coordinator
// by asking a broker (FindCoordinator: the leader of the group's
// __consumer_offsets partition, or COORDINATOR_NOT_AVAILABLE while it has
// none; asked again after retry.backoff.ms). A request to a broker whose
// process died is refused within a round trip; to a dead machine or across
// a cut link it gets no answer and the member gives up after
// coordinator_request_timeout; a live broker that is no longer the
// coordinator answers NOT_COORDINATOR. In each case the member forgets
// its coordinator and finds it again. Heartbeats that do not reach the
// coordinator do not renew the member's session, so a member cut off for
// session.timeout.ms is removed from the group.

// Reachability of a broker for a client request.
const (
	reachOK      = iota
	reachRefused // the process is dead, its machine up: connection refused
	reachSilent  // the machine is dead or the link cut: no answer
)

// reach is what a client request finds at broker b now. A cut between
// the clients and b ("clients" network faults cut every client node from
// it alike) is silent, as a dead machine is.
func (w *world) reach(b *broker) int {
	bs := &w.ctl.bs[b.id]
	switch {
	case bs.down && bs.lostCache, !w.net.MachineUp(b.node):
		return reachSilent
	case bs.down, !w.net.Up(b.node):
		return reachRefused
	case len(w.clientNodes) > 0 && !w.net.Reachable(w.clientNodes[0], b.node):
		return reachSilent
	}
	return reachOK
}

// groupCall sends a group request from m to its coordinator: serve runs
// at the coordinator (after it has loaded the group, if it is new to it)
// and answers with m.reply. When the coordinator cannot serve it, fail
// (if any) runs at the member once it learns so, after the member has
// forgotten that coordinator. Without a known coordinator the request
// waits for FindCoordinator.
func (m *member) groupCall(serve, fail func()) {
	if m.coord == nil {
		m.awaitCoord = append(m.awaitCoord, func() { m.groupCall(serve, fail) })
		m.findCoordinator()
		return
	}
	g := m.g
	w := g.w
	b, inc, sent := m.coord, m.inc, w.s.Now()
	failed := func() {
		if m.inc != inc {
			return
		}
		m.lostCoordinator(b)
		if fail != nil {
			fail()
		}
	}
	w.net.Send(&m.coordUp, func(uint64) {
		switch w.reach(b) {
		case reachSilent:
			w.s.At(sent+g.reqTimeout, failed)
			return
		case reachRefused:
			w.net.Send(&m.coordDown, func(uint64) { failed() }, 0)
			return
		}
		if !g.isCoordinator(b) {
			w.net.Send(&m.coordDown, func(uint64) { failed() }, 0) // NOT_COORDINATOR
			return
		}
		g.ensureLoaded()
		// A handler thread serves it (cpu_per_request), as any request.
		w.useTime(b.CPU, b.CPUReq, func(uint64) {
			if w.ctl.bs[b.id].down {
				// It died while serving: no answer comes.
				w.s.At(max(w.s.Now(), sent+g.reqTimeout), failed)
				return
			}
			serve()
		}, 0)
	}, 0)
}

// reply sends the coordinator's answer to m: fn runs when it arrives.
func (m *member) reply(fn func()) {
	m.g.w.net.Send(&m.coordDown, func(uint64) { fn() }, 0)
}

// lostCoordinator: a request to b failed, so the member no longer takes b
// for its coordinator.
func (m *member) lostCoordinator(b *broker) {
	if m.coord == b {
		m.coord = nil
		m.coordUp, m.coordDown = net.Link{}, net.Link{}
	}
}

// findCoordinator sends FindCoordinator to a broker (the next one after a
// broker that failed to answer); the answer lets the waiting requests go.
func (m *member) findCoordinator() {
	if m.finding || !m.alive {
		return
	}
	m.finding = true
	g := m.g
	w := g.w
	b := w.brokers[(m.idx+m.findTry)%len(w.brokers)]
	inc, sent := m.inc, w.s.Now()
	m.findUp, m.findDown = net.Link{}, net.Link{}
	w.net.Send(&m.findUp, func(uint64) {
		switch w.reach(b) {
		case reachSilent:
			w.s.At(sent+g.reqTimeout, func() { m.found(inc, nil, true) })
			return
		case reachRefused:
			w.net.Send(&m.findDown, func(uint64) { m.found(inc, nil, true) }, 0)
			return
		}
		w.useTime(b.CPU, b.CPUReq, func(uint64) {
			c := g.coordinator()
			w.net.Send(&m.findDown, func(uint64) { m.found(inc, c, false) }, 0)
		}, 0)
	}, 0)
}

// found is FindCoordinator's answer at the member: the coordinator, or
// none (COORDINATOR_NOT_AVAILABLE, or the broker asked did not answer:
// then the next broker is asked), retried after retry.backoff.ms.
func (m *member) found(inc uint32, c *broker, brokerFailed bool) {
	if m.inc != inc {
		return
	}
	w := m.g.w
	m.finding = false
	if c == nil {
		if brokerFailed {
			m.findTry++
		}
		w.s.At(w.s.Now()+sim.Time(scenarios.DefaultConsumerRetryBackoff), func() {
			if m.inc == inc && m.coord == nil && len(m.awaitCoord) > 0 {
				m.findCoordinator()
			}
		})
		return
	}
	if m.coord != c {
		m.coord = c
		m.coordUp, m.coordDown = net.Link{}, net.Link{}
	}
	waiting := m.awaitCoord
	m.awaitCoord = nil
	for _, fn := range waiting {
		fn()
	}
}

// forgetCoordinator is a process ending: a new one starts without one.
func (m *member) forgetCoordinator() {
	m.coord, m.finding, m.awaitCoord = nil, false, nil
	m.coordUp, m.coordDown = net.Link{}, net.Link{}
}
