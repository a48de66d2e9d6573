package kafka

import (
	"fmt"

	"mqsim/scenarios"
	"mqsim/sim"
)

// Consumer-side faults: crashes, clean shutdowns (rolling restarts),
// stalls, slowdowns, joins, and a group's downstream failing or slowing.
func init() {
	faultKinds["consumer-crash"] = consumerFault(func(g *group, slot int) { g.members[slot].crash() },
		func(g *group, slot int) { g.restart(slot) })
	faultKinds["consumer-leave"] = consumerFault(func(g *group, slot int) { g.members[slot].leave() },
		func(g *group, slot int) { g.restart(slot) })
	faultKinds["consumer-stall"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		g, err := w.faultGroup(f)
		if err != nil {
			return nil, err
		}
		return &funcFault{
			on: func() error {
				for _, slot := range g.slots(f) {
					g.members[slot].stall(w.s.Now() + sim.Time(f.Duration))
				}
				return nil
			},
			off: func() error { return nil }, // the stall ends by itself
		}, nil
	}
	faultKinds["consumer-slowdown"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		g, err := w.faultGroup(f)
		if err != nil {
			return nil, err
		}
		var hit []*member
		return &funcFault{
			on: func() error {
				hit = hit[:0]
				for _, slot := range g.slots(f) {
					m := g.members[slot]
					m.slow *= float64(f.Slowdown)
					hit = append(hit, m)
				}
				return nil
			},
			off: func() error {
				for _, m := range hit {
					m.slow /= float64(f.Slowdown)
				}
				return nil
			},
		}, nil
	}
	// coordinator-loss crashes a broker, so it counts among the broker
	// faults (the controller's heartbeats and fault checks run).
	brokerFaultTypes["coordinator-loss"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		g, err := w.faultGroup(f)
		if err != nil {
			return nil, err
		}
		b := -1
		return &funcFault{
			on: func() error {
				// The broker hosting the coordinator now: the leader of
				// the group's __consumer_offsets partition.
				b = g.op.p.leader.b.id
				return w.ctl.crash(b, f.LosePageCache)
			},
			off: func() error { return w.ctl.restart(b) },
		}, nil
	}
	faultKinds["coordinator-loss"] = brokerFaultTypes["coordinator-loss"]
	faultKinds["consumer-join"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		g, err := w.faultGroup(f)
		if err != nil {
			return nil, err
		}
		var m *member
		return &funcFault{
			on:  func() error { m = g.addMember(); return nil },
			off: func() error { g.members[m.slot].leave(); return nil },
		}, nil
	}
	faultKinds["downstream-outage"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		g, err := w.faultGroup(f)
		if err != nil {
			return nil, err
		}
		if g.fh == nil {
			return nil, fmt.Errorf("group %s has no failures policy: say what its consumers do when processing fails", g.spec.Name)
		}
		return &funcFault{
			on:  func() error { g.fh.outage++; return nil },
			off: func() error { g.fh.outage--; return nil },
		}, nil
	}
	faultKinds["downstream-slowdown"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		g, err := w.faultGroup(f)
		if err != nil {
			return nil, err
		}
		k := float64(f.Slowdown)
		return &funcFault{
			on: func() error {
				if g.ds != nil {
					g.ds.slow *= k
				} else {
					g.slowdown *= k
				}
				return nil
			},
			off: func() error {
				if g.ds != nil {
					g.ds.slow /= k
				} else {
					g.slowdown /= k
				}
				return nil
			},
		}, nil
	}
}

// funcFault is a fault made of two functions.
type funcFault struct{ on, off func() error }

func (f *funcFault) apply() error  { return f.on() }
func (f *funcFault) revert() error { return f.off() }

// consumerFault builds a fault acting on each targeted slot, and (with a
// duration) undoing it at the end.
func consumerFault(on, off func(g *group, slot int)) func(w *world, f *scenarios.Fault) (faultAction, error) {
	return func(w *world, f *scenarios.Fault) (faultAction, error) {
		g, err := w.faultGroup(f)
		if err != nil {
			return nil, err
		}
		return &funcFault{
			on: func() error {
				for _, slot := range g.slots(f) {
					on(g, slot)
				}
				return nil
			},
			off: func() error {
				for _, slot := range g.slots(f) {
					off(g, slot)
				}
				return nil
			},
		}, nil
	}
}

func (w *world) faultGroup(f *scenarios.Fault) (*group, error) {
	for _, g := range w.groups {
		if g.spec.Name == f.Group {
			if f.Consumer != nil && (*f.Consumer < 0 || *f.Consumer >= len(g.members)) {
				return nil, fmt.Errorf("group %s has no consumer %d", g.spec.Name, *f.Consumer)
			}
			return g, nil
		}
	}
	return nil, fmt.Errorf("no consumer group %q", f.Group)
}

// stall makes m's application stop polling until end: a poll in progress
// ends no earlier, and an idle member starts an empty "poll" that does.
func (m *member) stall(end sim.Time) {
	if !m.alive {
		return
	}
	m.stallUntil = max(m.stallUntil, end)
	if m.busy || m.g.sh != nil { // a share member's poll waits for the stall (share.go)
		return
	}
	w := m.g.w
	now := w.s.Now()
	m.busy = true
	m.recs = m.recs[:0]
	m.pollStart, m.busySince = now, now
	m.pollSeq++
	m.armPollTimer()
	w.s.AtCall(end, m.pollDone, uint64(m.inc)<<32|uint64(m.pollSeq))
}
