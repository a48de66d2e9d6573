package kafka

import (
	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Reading a topic a transactional producer writes.
//
// The leader answers a read_committed fetch only below the partition's
// last stable offset (the log engine's: the first offset of the oldest
// transaction not yet decided, else the high watermark), with the aborted
// transactions the returned range overlaps (its aborted-transaction
// index). The member then skips, as Kafka's consumer does, the aborted
// producers' transactional batches up to their ABORT markers
// (commitlog.CommittedFilter). Every reader skips the control batches
// themselves. A read_uncommitted member reads to the high watermark and
// hands aborted records to the application like any other; the offsets
// of the transactional records it took are kept, and after the run
// counted against the aborted transactions of the final logs
// (aborted_records_read).

// txnFetched stores, for a fetch session's partition slot i, the aborted
// transactions of the read (read_committed only).
func (s *fetchSession) txnFetched(i int, aborted []commitlog.AbortedTxn) {
	if s.aborted == nil {
		s.aborted = make([][]commitlog.AbortedTxn, len(s.parts))
	}
	for len(s.aborted) <= i {
		s.aborted = append(s.aborted, nil)
	}
	s.aborted[i] = append(s.aborted[i][:0], aborted...)
}

// txnBuffered: partition pi's buffer now holds the data of the session's
// slot i: its read_committed filter starts over with that read's aborted
// transactions.
func (m *member) txnBuffered(pi int, s *fetchSession, i int) {
	if m.txf == nil {
		m.txf = make([]commitlog.CommittedFilter, len(m.pos))
	}
	for len(m.txf) <= pi {
		m.txf = append(m.txf, commitlog.CommittedFilter{})
	}
	var ab []commitlog.AbortedTxn
	if i < len(s.aborted) {
		ab = s.aborted[i]
	}
	m.txf[pi].Reset(ab)
}

// txnSkip reports whether batch b of partition pi is not for the
// application: a control batch, or under read_committed an aborted one.
// A skipped batch moves the member's position past it. Under
// read_uncommitted the offsets of transactional records are noted.
func (m *member) txnSkip(pi int, b commitlog.Batch) bool {
	g := m.g
	skip := b.IsControl()
	if g.upto == commitlog.UptoLastStable {
		if m.txf == nil || pi >= len(m.txf) {
			m.txnBuffered(pi, &fetchSession{}, 0)
		}
		skip = m.txf[pi].Skip(b)
	} else if b.IsTransactional() && !skip {
		tx := g.txnState()
		for len(tx.spans) <= pi {
			tx.spans = append(tx.spans, nil)
		}
		sp := txnSpan{pid: b.ProducerID(), first: max(b.BaseOffset(), m.pos[pi]), last: b.LastOffset()}
		if n := len(tx.spans[pi]); n == 0 || tx.spans[pi][n-1] != sp {
			tx.spans[pi] = append(tx.spans[pi], sp)
		}
	}
	if !skip {
		return false
	}
	if next := b.NextOffset(); next > m.pos[pi] {
		m.pos[pi] = next
		if g.owner[pi] == m && m.inGroup {
			g.setProcessed(pi, max(g.processed[pi], next))
		}
	}
	return true
}

// countAbortedRead counts, after the run, the records of aborted
// transactions g's members took into polls (read_uncommitted): the spans
// of transactional batches they took, against the spans each ABORT marker
// closed (recorded as the coordinator wrote it), each offset once.
func (g *group) countAbortedRead() {
	if g.tx == nil || len(g.tx.spans) == 0 || g.w.txn == nil {
		return
	}
	seen := &offsetSet{}
	for pi, list := range g.tx.spans {
		aborted := g.w.txn.abortedSpans[g.t.parts[pi]]
		for _, r := range list {
			for _, a := range aborted {
				if a.pid != r.pid {
					continue
				}
				for off := max(r.first, a.first); off <= min(r.last, a.last); off++ {
					if !seen.has(pi, off) {
						seen.set(pi, off)
						g.tx.abortedRead++
					}
				}
			}
		}
	}
}

// txnSpan is a producer's transactional records from first to last.
type txnSpan struct {
	pid         int64
	first, last int64
}

// txnUnstable is OffsetFetch's check for pending transactional offsets:
// true (and the member asks again after retry.backoff.ms) when one of
// parts has some (UNSTABLE_OFFSET_COMMIT).
func (m *member) txnUnstable(inc uint32, parts []int) bool {
	g := m.g
	if !g.unstable(parts) {
		return false
	}
	m.reply(func() {
		g.w.s.After(sim.Time(scenarios.DefaultConsumerRetryBackoff), func() {
			if m.inc == inc && m.alive {
				m.fetchOffsets(inc, parts)
			}
		})
	})
	return true
}

// txnQuiet reports whether every stage has written and committed what it
// owes, and no transaction is open (for the drain).
func (w *world) txnQuiet() bool {
	if w.txn.open() {
		return false
	}
	for _, p := range w.prods {
		if p.tx != nil && p.tx.open() {
			return false
		}
	}
	for _, g := range w.groups {
		if g.stage == nil {
			continue
		}
		for _, m := range g.members {
			if m.alive && m.txp != nil && (m.txp.nOut > 0 || m.txp.inTxn || m.commitWait) {
				return false
			}
		}
	}
	return true
}

// leaveCommits reports whether a clean leave commits the member's offsets
// directly (a transactional stage's commit only inside a transaction).
func (g *group) leaveCommits() bool {
	return g.commit != scenarios.CommitBefore && !g.transactional()
}

// parkedHas reports whether ref is among the last few sessions parked on
// p. A session woken by one of its partitions parks again on all of them
// with the same generation; without this check every wake that finds too
// little to answer (fetch_min_bytes not reached, or a read_committed read
// held at a pinned last stable offset) would add another reference to its
// other partitions' lists, which grow without bound while those stay
// idle. Looking at the last 8 is enough for the common case; a reference
// missed only costs a duplicate entry, never a lost wake-up.
func (p *partition) parkedHas(ref parkRef) bool {
	for i, n := len(p.parked)-1, 0; i >= 0 && n < 8; i, n = i-1, n+1 {
		if p.parked[i] == ref {
			return true
		}
	}
	return false
}
