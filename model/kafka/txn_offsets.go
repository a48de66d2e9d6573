package kafka

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"mqsim/model/commitlog"
	"mqsim/sim"
)

// Transactional offset commits (KIP-98's TxnOffsetCommit, KIP-447's
// fencing by group generation).
//
// A transactional stage commits its input offsets inside its transaction:
// AddOffsetsToTxn adds the group's __consumer_offsets partition to the
// transaction; TxnOffsetCommit appends the offsets to that partition as a
// transactional batch of the producer, from a member of the current
// generation that owns the partitions (else ILLEGAL_GENERATION: a zombie
// cannot commit, and aborts). The offsets are pending — OffsetFetch for
// those partitions answers UNSTABLE_OFFSET_COMMIT and the new owner asks
// again — until the transaction's marker reaches the partition: a COMMIT
// makes them the group's committed offsets, an ABORT drops them. A
// coordinator loading the group after a failover reads only committed
// transactional offsets from its log, and keeps the pending ones pending.

// groupTxn is a group's transactional state: offsets pending per producer
// id, and for a group reading a stage's output, what it read of
// transactional batches (for aborted_records_read).
type groupTxn struct {
	pending map[int64][]txnOffset // producer id → offsets awaiting the marker
	// spans are, per partition, the transactional records the group's
	// members took into polls (read_uncommitted).
	spans       [][]txnSpan
	abortedRead int64
}

type txnOffset struct {
	part int
	off  int64
}

// offsetSet is a set of (partition, offset) pairs.
type offsetSet struct{ bits [][]uint64 }

func (s *offsetSet) set(part int, off int64) {
	for part >= len(s.bits) {
		s.bits = append(s.bits, nil)
	}
	w := int(off >> 6)
	for w >= len(s.bits[part]) {
		s.bits[part] = append(s.bits[part], 0)
	}
	s.bits[part][w] |= 1 << (off & 63)
}

func (s *offsetSet) has(part int, off int64) bool {
	if part >= len(s.bits) || int(off>>6) >= len(s.bits[part]) {
		return false
	}
	return s.bits[part][off>>6]&(1<<(off&63)) != 0
}

func (g *group) txnState() *groupTxn {
	if g.tx == nil {
		g.tx = &groupTxn{pending: map[int64][]txnOffset{}}
	}
	return g.tx
}

// unstable reports whether any of parts has transactional offsets pending
// (OffsetFetch answers UNSTABLE_OFFSET_COMMIT for it).
func (g *group) unstable(parts []int) bool {
	if g.tx == nil {
		return false
	}
	for _, list := range g.tx.pending { // a yes/no answer: the order does not matter
		for _, o := range list {
			for _, p := range parts {
				if o.part == p {
					return true
				}
			}
		}
	}
	return false
}

// txnOffsetCommit is the group coordinator's TxnOffsetCommit: refused
// (ILLEGAL_GENERATION) unless m is in the current generation and owns
// every partition; else the offsets are appended as a transactional batch
// of the producer (pid, epoch, sequences from seq) and pending, and
// done(code) runs once they are replicated.
func (g *group) txnOffsetCommit(m *member, gen int32, pid int64, epoch int16, seq int32, parts []int, offs []int64, done func(code int8)) {
	w := g.w
	ok := m.inGroup && gen == g.gen
	for _, p := range parts {
		ok = ok && g.owner[p] == m
	}
	if !ok {
		g.rejectedCommits++
		if w.txn != nil {
			w.txn.fenced++
		}
		done(txnProducerFenced)
		return
	}
	if len(parts) == 0 {
		done(txnOK)
		return
	}
	op := g.op
	bb := &op.builder
	bb.Reset(commitlog.BatchHeader{Idempotent: true, Transactional: true, ProducerID: pid, ProducerEpoch: epoch, BaseSequence: seq})
	ts := int64(w.s.Now() / sim.Millisecond)
	for i, p := range parts {
		binary.BigEndian.PutUint64(op.val[:], uint64(offs[i]))
		bb.Add(ts, g.offsetKey(p), op.val[:], nil)
	}
	batch, err := bb.Build()
	if err != nil {
		w.fail(fmt.Errorf("txn offset commit of group %s: %w", g.spec.Name, err))
		return
	}
	pp := op.p
	res, err := pp.leader.log.Append(batch, pp.epoch)
	if err != nil {
		if _, refused := appendRefused(err); refused {
			done(txnInvalidState) // the producer aborts and starts a new epoch
			return
		}
		w.fail(fmt.Errorf("txn offset commit of group %s: %w", g.spec.Name, err))
		return
	}
	if !res.Duplicate {
		pp.appended(int64(len(parts)), res.Size)
		w.offsetCommits++
		w.traceTxn("%s-%d: offsets of %s for %v, producer %d epoch %d", offsetsTopicName, pp.idx, g.spec.Name, parts, pid, epoch)
	}
	tx := g.txnState()
	list := tx.pending[pid][:0:0]
	for _, o := range tx.pending[pid] {
		keep := true
		for _, p := range parts {
			keep = keep && o.part != p
		}
		if keep {
			list = append(list, o)
		}
	}
	for i, p := range parts {
		list = append(list, txnOffset{part: p, off: offs[i]})
	}
	tx.pending[pid] = list
	op.wait(pp.records, func(ok bool) {
		if ok {
			done(txnOK)
		} else {
			done(txnNotCoordinator)
		}
	})
}

// materializeTxnOffsets applies a marker of producer pid, replicated on
// __consumer_offsets partition p, to the groups p coordinates.
func (w *world) materializeTxnOffsets(p *partition, pid int64, commit bool) {
	for _, g := range w.groups {
		if g.op.p != p || g.tx == nil {
			continue
		}
		list := g.tx.pending[pid]
		delete(g.tx.pending, pid)
		if !commit {
			continue
		}
		for _, o := range list {
			g.committed[o.part] = o.off
		}
	}
}

// scanOffsetRecords calls fn for each offset record of l a coordinator
// loading it takes: plain commits where they are, a producer's
// transactional commits at its COMMIT marker, none of an aborted one.
// Transactional commits still undecided become g's pending offsets.
func (g *group) scanOffsetRecords(l *commitlog.Log, fn func(*commitlog.Record) error) error {
	type held struct {
		key, val []byte
		off, ts  int64
	}
	open := map[int64][]held{} // producer id → its undecided records
	var pids []int64           // producers in first-seen order
	from := l.LogStartOffset()
	var rr commitlog.RecordReader
	for {
		res, err := l.Read(from, commitlog.ReadOptions{MaxBytes: 8 << 20, Upto: commitlog.UptoLogEnd})
		if err != nil {
			return err
		}
		if len(res.Data) == 0 || res.NextOffset <= from {
			break
		}
		it := commitlog.Batches(res.Data)
		for it.Next() {
			b := it.Batch()
			if b.IsControl() {
				t, err := commitlog.ControlType(b)
				if err != nil {
					return err
				}
				if t == commitlog.ControlCommit {
					for _, h := range open[b.ProducerID()] {
						rec := commitlog.Record{Offset: h.off, Timestamp: h.ts, Key: h.key, Value: h.val, ValueSize: int64(len(h.val))}
						if err := fn(&rec); err != nil {
							return err
						}
					}
				}
				delete(open, b.ProducerID())
				continue
			}
			if err := rr.Reset(b); err != nil {
				return err
			}
			for rr.Next() {
				rec := rr.Record()
				if rec.Offset < from {
					continue
				}
				if b.IsTransactional() {
					if _, seen := open[b.ProducerID()]; !seen {
						pids = append(pids, b.ProducerID())
					}
					open[b.ProducerID()] = append(open[b.ProducerID()], held{key: append([]byte(nil), rec.Key...),
						val: append([]byte(nil), rec.Value...), off: rec.Offset, ts: rec.Timestamp})
					continue
				}
				if err := fn(rec); err != nil {
					return err
				}
			}
			if err := rr.Err(); err != nil {
				return err
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		from = res.NextOffset
	}
	if len(open) == 0 {
		return nil
	}
	tx := g.txnState()
	clear(tx.pending)
	for _, pid := range pids {
		for _, h := range open[pid] {
			rest, ok := strings.CutPrefix(string(h.key), g.spec.Name+"/"+g.t.spec.Name+"/")
			p, err := strconv.Atoi(rest)
			if !ok || err != nil || len(h.val) != 8 {
				continue
			}
			tx.pending[pid] = append(tx.pending[pid], txnOffset{part: p, off: int64(binary.BigEndian.Uint64(h.val))})
		}
	}
	return nil
}
