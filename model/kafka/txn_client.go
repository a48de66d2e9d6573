package kafka

import (
	"fmt"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// The stage's producer: one per member process of a pipeline stage. It
// writes the stage's outputs after each poll — one produce request per
// leader broker, one batch per partition — with the pipeline's acks, and,
// when transactional, inside transactions:
//
//	FindCoordinator → InitProducerId (once per process)
//	AddPartitionsToTxn (the output partitions new to the transaction, in one request)
//	Produce (transactional batches: producer id, epoch, sequences)
//	… every commit_interval:
//	AddOffsetsToTxn → TxnOffsetCommit (to the group coordinator) → EndTxn(COMMIT)
//
// The coordinator requests go as txn_conn.go says. Under
// transaction.version 2 the stage sends no AddPartitionsToTxn for its
// outputs: the output partition's leader adds the partition on the first
// write (txn_implicit.go). A fenced producer (PRODUCER_FENCED, or ILLEGAL_GENERATION on its
// offsets: a zombie) aborts what it can, rewinds its input to the start
// of the transaction, rejoins the group and initialises again; the new
// epoch is what its successor, or its own next life, writes with.
//
// The producer reaches partition leaders as the controller names them
// (it keeps no metadata cache of its own), retrying a partition whose
// leader refused after retry.backoff.ms.

const txnConcurrentBackoff = 20 * sim.Millisecond

// outRec is one output the stage owes: the input message's id travels on.
type outRec struct {
	prod, seq int32
	key       int64
	born      sim.Time
	size      int64
}

// txnProducer is a stage member process's producer.
type txnProducer struct {
	txnConn // transactional.id "" when not transactional
	st      *stage
	m       *member
	inc     uint32 // the member incarnation it belongs to

	seq    []int32 // per output partition: next sequence of this epoch
	offSeq int32   // next sequence on the group's __consumer_offsets partition

	out  [][]outRec // per output partition: outputs not yet sent
	nOut int

	inTxn        bool
	txnStart     sim.Time
	added        []bool // output partitions added to the transaction
	offsetsAdded bool
	from         []int64 // input partition → first offset processed in the transaction (-1)
	flushing     bool

	// verified is the output leaders' view under transaction.version 2:
	// per output partition, the epoch the coordinator added it for (-1).
	verified []int32

	bb     commitlog.BatchBuilder
	keyBuf []byte
	prefix []byte
}

func (st *stage) newProducer(m *member) *txnProducer {
	no := len(st.out.parts)
	sp := &txnProducer{st: st, m: m, inc: m.inc,
		seq: make([]int32, no), out: make([][]outRec, no), added: make([]bool, no), from: make([]int64, len(m.g.t.parts)),
		verified: make([]int32, no)}
	sp.pid, sp.epoch = commitlog.NoProducerID, commitlog.NoProducerEpoch
	for i := range sp.from {
		sp.from[i] = -1
	}
	for i := range sp.verified {
		sp.verified[i] = -1
	}
	if st.transactional {
		sp.id = fmt.Sprintf("%s-%d", st.spec.TransactionalID, m.slot)
	}
	sp.slot, sp.timeout, sp.reqTimeout = m.slot, st.timeout, st.g.reqTimeout
	sp.isLive = func() bool { return sp.m.alive && sp.m.inc == sp.inc && sp.m.txp == sp }
	sp.onInit = sp.newEpoch
	sp.setup(st.g.w, 0)
	return sp
}

// newEpoch: InitProducerId gave a new epoch; sequences start at 0.
func (sp *txnProducer) newEpoch() {
	clear(sp.seq)
	sp.offSeq = 0
}

// emit takes the output of a processed record.
func (sp *txnProducer) emit(r *pollRec) {
	p := int(r.part)
	sp.out[p] = append(sp.out[p], outRec{prod: r.prod, seq: r.seq, key: r.key, born: r.born, size: r.size})
	sp.nOut++
	if sp.from[p] < 0 {
		sp.from[p] = r.offset
	}
}

// flush writes every pending output; done(ok) runs once all are
// acknowledged (acks=0: once sent), done(false) if the producer was
// fenced (its transaction is aborted).
func (sp *txnProducer) flush(done func(ok bool)) {
	if sp.nOut == 0 {
		done(true)
		return
	}
	if !sp.st.transactional {
		sp.produce(done)
		return
	}
	sp.init(func() {
		sp.begin()
		var fresh []txnPartRef
		for p, list := range sp.out {
			if len(list) > 0 && !sp.added[p] && !sp.st.g.w.txn.tv2 {
				fresh = append(fresh, txnPartRef{topic: sp.st.outIdx, part: int32(p)})
			}
		}
		if len(fresh) == 0 {
			sp.produce(done)
			return
		}
		sp.addPartitions(fresh, func(code int8) {
			if code != txnOK {
				done(false)
				return
			}
			for _, r := range fresh {
				sp.added[r.part] = true
			}
			sp.produce(done)
		})
	})
}

// begin opens a transaction if none is open, and arms its commit timer.
func (sp *txnProducer) begin() {
	if sp.inTxn {
		return
	}
	w := sp.st.g.w
	sp.inTxn, sp.txnStart = true, w.s.Now()
	start := sp.txnStart
	w.s.After(sp.st.interval, func() {
		if sp.live() && sp.inTxn && sp.txnStart == start {
			sp.st.idleCommit(sp.m)
		}
	})
}

// produce sends the pending outputs: one request per leader broker.
func (sp *txnProducer) produce(done func(ok bool)) {
	st := sp.st
	w := st.g.w
	type part struct {
		p    int
		data []byte
		n    int
	}
	byBroker := make([][]part, len(w.brokers))
	for p, list := range sp.out {
		if len(list) == 0 {
			continue
		}
		data, err := sp.build(p, list)
		if err != nil {
			w.fail(err)
			return
		}
		b := st.out.parts[p].leader.b.id
		byBroker[b] = append(byBroker[b], part{p: p, data: data, n: len(list)})
		sp.out[p] = sp.out[p][:0]
	}
	sp.nOut = 0
	left := 0
	failed := false
	for _, parts := range byBroker {
		left += len(parts)
	}
	finish := func(ok bool) {
		left--
		failed = failed || !ok
		if left == 0 {
			done(!failed)
		}
	}
	if st.acks == 0 {
		// Fire and forget: sent is done.
		for b, parts := range byBroker {
			for _, pt := range parts {
				sp.send(b, pt.p, pt.data, pt.n, func(bool) {})
			}
		}
		sp.retryLater(0, func() { done(true) })
		return
	}
	for b, parts := range byBroker {
		for _, pt := range parts {
			sp.send(b, pt.p, pt.data, pt.n, finish)
		}
	}
}

// build encodes partition p's outputs as one batch: transactional (with
// the producer's id, epoch and sequence) when the stage is.
func (sp *txnProducer) build(p int, list []outRec) ([]byte, error) {
	h := commitlog.BatchHeader{SizedValues: true}
	if sp.st.transactional {
		h.Idempotent, h.Transactional, h.ProducerID, h.ProducerEpoch, h.BaseSequence = true, true, sp.pid, sp.epoch, sp.seq[p]
		sp.seq[p] = seqNext(sp.seq[p], int32(len(list)))
	}
	sp.bb.Reset(h)
	for _, r := range list {
		var key []byte
		if r.key >= 0 {
			sp.keyBuf = load.KeyBytes(sp.keyBuf, r.key)
			key = sp.keyBuf
		}
		sp.prefix = check.AppendID(sp.prefix[:0], int(r.prod), r.seq, r.born)
		sp.bb.AddSized(int64(r.born/sim.Millisecond), key, sp.prefix, max(r.size, int64(len(sp.prefix))), nil)
	}
	b, err := sp.bb.Build()
	if err != nil {
		return nil, fmt.Errorf("stage %s: build output batch: %w", sp.st.g.spec.Name, err)
	}
	return append([]byte(nil), b...), nil
}

// send writes one partition's batch at broker b (acks as the pipeline
// says), retrying after retry.backoff.ms at the partition's leader then
// when it is refused or unanswered. done(false) means the producer was
// fenced.
func (sp *txnProducer) send(b int, p int, data []byte, n int, done func(ok bool)) {
	st := sp.st
	w := st.g.w
	br := w.brokers[b]
	part := st.out.parts[p]
	st.produceRequests++
	again := func() {
		sp.retryLater(sim.Time(scenarios.DefaultRetryBackoff), func() {
			sp.send(part.leader.b.id, p, data, n, done)
		})
	}
	sp.call(br, int64(len(data)), func(answer func(func())) bool {
		if part.leader.b != br || w.ctl.offline(part) {
			return false // NOT_LEADER_OR_FOLLOWER
		}
		if st.acks < 0 && part.isrSize < part.t.minISR {
			answer(again) // NOT_ENOUGH_REPLICAS
			return true
		}
		write := func() {
			if part.leader.b != br || w.ctl.offline(part) {
				answer(again) // it moved while the leader asked the coordinator
				return
			}
			batch := commitlog.Batch(append([]byte(nil), data...))
			res, err := part.leader.log.Append(batch, part.epoch)
			if err != nil {
				if code, refused := appendRefused(err); refused {
					if code == resOutOfOrder {
						answer(func() { done(false) }) // fenced (an older epoch), or a sequence the log cannot take
						return
					}
					answer(func() { done(true) }) // too large: dropped
					return
				}
				w.fail(fmt.Errorf("stage %s: append to %s-%d: %w", st.g.spec.Name, st.out.spec.Name, p, err))
				return
			}
			if !res.Duplicate {
				part.appended(int64(n), res.Size)
				st.outputs += int64(n)
				if st.transactional {
					w.traceTxn("%s-%d: %d records of %s epoch %d", st.out.spec.Name, p, n, sp.id, sp.epoch)
				}
			}
			if st.acks == 1 || st.acks == 0 {
				answer(func() { done(true) })
				return
			}
			part.waitHW(res.LastOffset+1, func(ok bool) {
				if ok {
					answer(func() { done(true) })
				} else {
					answer(again)
				}
			})
		}
		if ep := commitlog.Batch(data).ProducerEpoch(); st.transactional && w.txn.tv2 && sp.verified[p] != int32(ep) {
			// KIP-890: the leader adds the partition to the transaction
			// before the transaction's first write to it.
			w.txn.leaderAdd(br, sp.id, sp.pid, ep, []txnPartRef{{topic: st.outIdx, part: int32(p)}}, func(code int8) {
				if code != txnOK {
					answer(func() { done(false) })
					return
				}
				sp.verified[p] = int32(ep)
				write()
			})
			return true
		}
		write()
		return true
	}, again)
}

// commit ends the open transaction with a commit: AddOffsetsToTxn,
// TxnOffsetCommit of the member's positions, EndTxn. done(ok): ok false
// when the producer was fenced and the transaction aborted.
func (sp *txnProducer) commit(done func(ok bool)) {
	if !sp.inTxn {
		done(true)
		return
	}
	m := sp.m
	g := m.g
	offRef := txnPartRef{topic: -1, part: int32(g.op.p.idx)}
	step := func() {
		sp.txnOffsetCommit(func(code int8) {
			if code != txnOK {
				sp.fencedAbort(done)
				return
			}
			sp.endTxn(true, func(code int8, newEpoch int16) {
				if code != txnOK {
					sp.fencedAbort(done)
					return
				}
				if newEpoch != sp.epoch { // transaction.version 2: a new epoch per transaction
					sp.epoch = newEpoch
					sp.newEpoch()
				}
				sp.endOK(true)
				done(true)
			})
		})
	}
	if sp.offsetsAdded {
		step()
		return
	}
	sp.addPartitions([]txnPartRef{offRef}, func(code int8) {
		if code != txnOK {
			sp.fencedAbort(done)
			return
		}
		sp.offsetsAdded = true
		step()
	})
}

// txnOffsetCommit sends the member's positions of the partitions it owns
// to its group coordinator, in the transaction.
func (sp *txnProducer) txnOffsetCommit(done func(code int8)) {
	m := sp.m
	g := m.g
	var parts []int
	var offs []int64
	for _, p := range m.parts {
		if m.owns(p) && m.pausedUntil[p] != offsetPending {
			parts = append(parts, p)
			offs = append(offs, m.pos[p])
		}
	}
	gen, pid, epoch, seq := m.memberGen, sp.pid, sp.epoch, sp.offSeq
	inc := m.inc
	var try func()
	try = func() {
		m.groupCall(func() {
			g.txnOffsetCommit(m, gen, pid, epoch, seq, parts, offs, func(code int8) {
				m.reply(func() {
					if !sp.live() || m.inc != inc {
						return
					}
					if code == txnNotCoordinator {
						sp.retryLater(sim.Time(scenarios.DefaultConsumerRetryBackoff), try)
						return
					}
					if code == txnOK && len(parts) > 0 {
						sp.offSeq = seqNext(seq, int32(len(parts)))
					}
					done(code)
				})
			})
		}, func() {
			if sp.live() && m.inc == inc {
				sp.retryLater(sim.Time(scenarios.DefaultConsumerRetryBackoff), try)
			}
		})
	}
	try()
}

// endOK closes the transaction at the producer.
func (sp *txnProducer) endOK(committed bool) {
	sp.inTxn, sp.offsetsAdded = false, false
	clear(sp.added)
	for i := range sp.from {
		sp.from[i] = -1
	}
	if committed {
		sp.st.commits++
	}
}

// fencedAbort: the transaction cannot commit (the producer was fenced, or
// its offsets refused as a zombie's). It aborts what it can, throws away
// what it holds, rewinds its input to the transaction's start, rejoins
// the group and initialises a new epoch before writing again.
func (sp *txnProducer) fencedAbort(done func(ok bool)) {
	m := sp.m
	sp.st.fencedAborts++
	rewind := func() {
		for p, off := range sp.from {
			if off >= 0 && m.owns(p) {
				m.pos[p], m.fetchPos[p], m.buf[p] = off, off, nil
			}
		}
		for p := range sp.out {
			sp.out[p] = sp.out[p][:0]
		}
		sp.nOut = 0
		sp.endOK(false)
		sp.ready = false
		m.needRejoin = true
		done(false)
	}
	if !sp.ready {
		rewind()
		return
	}
	sp.endTxn(false, func(int8, int16) { rewind() })
}
