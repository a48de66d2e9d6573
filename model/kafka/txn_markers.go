package kafka

import (
	"fmt"

	"mqsim/sim"
)

// Transaction markers: after the decision, the coordinator writes a
// COMMIT or ABORT control batch to every partition of the transaction —
// one WriteTxnMarkers request per leader broker, through the network,
// paying that broker's NIC and a handler thread — and each marker counts
// once the partition's high watermark passes it. A partition whose leader
// cannot take its marker (dead, moved, offline) gets it again after
// 100ms, from whoever leads it then. When every marker is in, the
// coordinator writes CompleteCommit or CompleteAbort.

// partOf resolves a transaction's partition reference.
func (w *world) partOf(r txnPartRef) *partition {
	if r.topic < 0 {
		for _, p := range w.offsetsTopic.parts {
			if p.idx == int(r.part) {
				return p
			}
		}
		return nil
	}
	return w.topics[r.topic].parts[r.part]
}

// complete writes m's markers (it is PrepareCommit or PrepareAbort).
func (tc *txnCoords) complete(m *txnMeta) {
	gen := m.gen
	commit := m.state == txnPrepareCommit
	m.pending = len(m.parts)
	if m.pending == 0 {
		tc.finish(m, gen, commit)
		return
	}
	byBroker := make([][]int, len(tc.w.brokers))
	for i, r := range m.parts {
		b := tc.w.partOf(r).leader.b.id
		byBroker[b] = append(byBroker[b], i)
	}
	for b, list := range byBroker {
		if len(list) > 0 {
			tc.markerRequest(m, gen, commit, b, list)
		}
	}
}

// markerRequest sends the markers of m's partitions list to broker b.
func (tc *txnCoords) markerRequest(m *txnMeta, gen uint32, commit bool, b int, list []int) {
	w := tc.w
	br := w.brokers[b]
	retry := func(i int) {
		w.s.After(txnRetryBackoff, func() {
			if m.gen == gen {
				tc.markerRequest(m, gen, commit, w.partOf(m.parts[i]).leader.b.id, []int{i})
			}
		})
	}
	w.net.Send(&tc.link, func(uint64) {
		if m.gen != gen {
			return
		}
		if w.reach(br) != reachOK {
			for _, i := range list {
				retry(i)
			}
			return
		}
		bytes := int64(78 * len(list)) // a control batch is 78 bytes
		w.use(br.NICIn, float64(64+bytes), func(uint64) {
			w.useTime(br.CPU, br.CPUCost(bytes), func(uint64) {
				if m.gen != gen {
					return
				}
				for _, i := range list {
					tc.writeMarker(m, gen, commit, br, i, retry)
				}
			}, 0)
		}, 0)
	}, 0)
}

// writeMarker appends the marker of m's partition i at broker br, if br
// still leads it, and waits for it to be replicated.
func (tc *txnCoords) writeMarker(m *txnMeta, gen uint32, commit bool, br *broker, i int, retry func(int)) {
	w := tc.w
	p := w.partOf(m.parts[i])
	if p.leader.b != br || w.ctl.offline(p) || !w.ctl.up(br.id) {
		retry(i)
		return
	}
	coordEpoch := tc.stateLog(m.k).epoch
	batch, err := tc.mb.BuildControl(m.pid, m.epoch, commit, coordEpoch, int64(w.s.Now()/sim.Millisecond))
	if err != nil {
		w.fail(fmt.Errorf("transaction %s: marker: %w", m.id, err))
		return
	}
	first := int64(-1)
	if st, ok := p.leader.log.ProducerState(m.pid); ok {
		first = st.TxnFirstOffset
	}
	res, err := p.leader.log.Append(batch, p.epoch)
	if !commit && first >= 0 && err == nil {
		tc.abortedSpans[p] = append(tc.abortedSpans[p], txnSpan{pid: m.pid, first: first, last: res.FirstOffset - 1})
	}
	if err != nil {
		w.fail(fmt.Errorf("transaction %s: marker to %s-%d: %w", m.id, p.t.spec.Name, p.idx, err))
		return
	}
	p.appended(1, res.Size)
	tc.markers++
	kind := "ABORT"
	if commit {
		kind = "COMMIT"
	}
	w.traceTxn("%s-%d: %s marker of %s epoch %d", p.t.spec.Name, p.idx, kind, m.id, m.epoch)
	if i < len(m.added) {
		tc.maxStall = max(tc.maxStall, w.s.Now()-m.added[i])
	}
	p.waitHW(res.LastOffset+1, func(ok bool) {
		if m.gen != gen {
			return
		}
		if !ok {
			retry(i)
			return
		}
		if p.offs != nil {
			w.materializeTxnOffsets(p, m.pid, commit)
		}
		m.pending--
		if m.pending == 0 {
			tc.finish(m, gen, commit)
		}
	})
}

// finish writes CompleteCommit or CompleteAbort.
func (tc *txnCoords) finish(m *txnMeta, gen uint32, commit bool) {
	m.state = txnCompleteAbort
	if commit {
		m.state = txnCompleteCommit
	}
	tc.write(m, func(ok bool) {
		if m.gen != gen {
			return
		}
		if !ok {
			return // the new coordinator finds the decision in its log and completes it
		}
		if commit {
			tc.committed++
		} else {
			tc.aborted++
		}
	})
}

// waitHW calls done(true) once p's high watermark reaches end under the
// current leader epoch, done(false) if the leadership moves first.
func (p *partition) waitHW(end int64, done func(ok bool)) {
	if p.offs != nil {
		p.offs.wait(end, done)
		return
	}
	if p.hw >= end {
		done(true)
		return
	}
	p.txw = append(p.txw, offsetsWaiter{end: end, epoch: p.epoch, done: done})
}

// txnHWMoved completes the markers (and transactional produce requests)
// the high watermark now covers.
func (p *partition) txnHWMoved() {
	var due []offsetsWaiter
	kept := p.txw[:0]
	for _, wt := range p.txw {
		if wt.end <= p.hw {
			due = append(due, wt)
		} else {
			kept = append(kept, wt)
		}
	}
	p.txw = kept
	for _, wt := range due {
		wt.done(wt.epoch == p.epoch)
	}
}

// failTxnWaiters: the leader stepped down; what waited on its high
// watermark is not known to be replicated.
func (p *partition) failTxnWaiters() {
	list := p.txw
	p.txw = nil
	for _, wt := range list {
		wt.done(false)
	}
}
