package kafka

import (
	"fmt"

	"mqsim/scenarios"
	"mqsim/sim"
)

// A pipeline stage: a consumer group whose processing writes one output
// per input record to the pipeline's output topic, at the input's
// partition number, carrying the input's message id (so the checker of
// the groups reading the output follows each message end to end).
//
// Without a transactional id the stage writes its poll's outputs after
// processing the poll and then commits as its commit mode says (after:
// at-least-once, outputs acknowledged before the offsets; before:
// at-most-once). With one, outputs go into a transaction that commits,
// together with the input offsets, once commit_interval has passed since
// it began: at the end of a poll, or on a timer when the member is idle.
// A rebalance or shutdown commits the open transaction first (the member's
// synchronous commits become transaction commits).

// stage is a pipeline stage's shared settings and counters.
type stage struct {
	g             *group
	spec          *scenarios.Pipeline
	out           *topic
	outIdx        int32
	acks          int
	transactional bool
	interval      sim.Time
	timeout       sim.Time

	outputs, produceRequests, commits, fencedAborts int64
}

// newStage sets up g's pipeline (nil without one).
func newStage(w *world, g *group) (*stage, error) {
	pl := g.spec.Pipeline
	if pl == nil {
		return nil, nil
	}
	st := &stage{g: g, spec: pl, interval: sim.Time(pl.CommitInterval), timeout: sim.Time(pl.TransactionTimeout),
		transactional: pl.Transactional(), outIdx: -1}
	for i, t := range w.topics {
		if t.spec.Name == pl.Output {
			st.out, st.outIdx = t, int32(i)
		}
	}
	if st.out == nil {
		return nil, fmt.Errorf("group %s: pipeline output: unknown topic %q", g.spec.Name, pl.Output)
	}
	if len(st.out.parts) != len(g.t.parts) {
		return nil, fmt.Errorf("group %s: pipeline output %s has %d partitions, the input %d", g.spec.Name, pl.Output, len(st.out.parts), len(g.t.parts))
	}
	switch pl.Acks {
	case "all", "":
		st.acks = -1
	case "1":
		st.acks = 1
	case "0":
		st.acks = 0
	default:
		return nil, fmt.Errorf("group %s: pipeline acks %q", g.spec.Name, pl.Acks)
	}
	if st.interval <= 0 || st.timeout <= 0 {
		return nil, fmt.Errorf("group %s: pipeline commit_interval or transaction_timeout unset: want a resolved scenario", g.spec.Name)
	}
	if st.transactional {
		// Every partition of __transaction_state exists from the start
		// (members added later, by autoscaling or a join, map anywhere).
		for k := range scenarios.TransactionStatePartitions {
			if _, err := w.txnStatePart(k); err != nil {
				return nil, err
			}
		}
		w.txnCoordinators()
	}
	st.out.txnRead = st.out.txnRead || st.transactional
	return st, nil
}

// boot gives a starting member process its producer; a transactional one
// initialises at once (fencing its slot's previous process).
func (st *stage) boot(m *member) {
	m.txp = st.newProducer(m)
	if st.transactional {
		m.txp.init(func() {})
	}
}

// emit is a record of m processed: its output is owed.
func (st *stage) emit(m *member, r *pollRec) {
	if m.txp != nil {
		m.txp.emit(r)
	}
}

// pollDone runs when m finished a poll (instead of its commit step): the
// outputs are written, then the transaction commits if its interval has
// passed, or the offsets are committed as the group's mode says.
func (st *stage) pollDone(m *member) {
	sp := m.txp
	g := m.g
	w := g.w
	m.commitWait = true
	sp.flush(func(ok bool) {
		if !sp.live() {
			return
		}
		if !ok {
			sp.fencedAbort(func(bool) { st.resume(m, false) })
			return
		}
		if st.transactional {
			if sp.inTxn && w.s.Now()-sp.txnStart >= st.interval {
				sp.commit(func(bool) { st.resume(m, false) })
				return
			}
			st.resume(m, false)
			return
		}
		m.commitWait = false
		if g.commit == scenarios.CommitAfter {
			m.sendCommit(true)
			return
		}
		m.maybePoll()
	})
}

// resume lets m poll again after a flush or commit of its own.
func (st *stage) resume(m *member, sync bool) {
	m.commitWait = false
	if f := m.afterCommit; f != nil && sync {
		m.afterCommit = nil
		f()
		return
	}
	m.maybePoll()
}

// commitNow is a synchronous commit of a transactional stage's member (a
// rebalance, a revocation): write the outputs, commit the transaction.
// An asynchronous one is not made (the validation requires commit:
// after).
func (st *stage) commitNow(m *member, sync bool) {
	if !sync {
		return
	}
	sp := m.txp
	m.commitWait = true
	sp.flush(func(ok bool) {
		if !sp.live() {
			return
		}
		if !ok {
			sp.fencedAbort(func(bool) { st.resume(m, true) })
			return
		}
		sp.commit(func(bool) { st.resume(m, true) })
	})
}

// idleCommit: the transaction's interval passed while m was between polls
// (Kafka Streams commits from its poll loop even when polls return
// nothing).
func (st *stage) idleCommit(m *member) {
	if now := st.g.w.s.Now(); m.stallUntil > now && m.alive {
		// The application is stuck: it commits when it runs again.
		sp := m.txp
		st.g.w.s.At(m.stallUntil, func() {
			if sp.live() && sp.inTxn {
				st.idleCommit(m)
			}
		})
		return
	}
	if m.busy || m.commitWait || !m.alive {
		// The poll in progress commits when it ends; look again then.
		return
	}
	sp := m.txp
	m.commitWait = true
	sp.flush(func(ok bool) {
		if !sp.live() {
			return
		}
		if !ok {
			sp.fencedAbort(func(bool) { st.resume(m, false) })
			return
		}
		sp.commit(func(bool) { st.resume(m, false) })
	})
}

// transactional reports whether g is a transactional stage.
func (g *group) transactional() bool { return g.stage != nil && g.stage.transactional }
