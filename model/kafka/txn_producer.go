package kafka

import (
	"fmt"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// A plain producer with a transactional_id: the application calls
// initTransactions() once, then beginTransaction() with its first record,
// send() …, and commitTransaction() commit_interval later (every
// abort_ratio-th transaction abortTransaction() instead):
//
//	FindCoordinator → InitProducerId                  (once per process)
//	AddPartitionsToTxn (as soon as a batch opens on a partition new to the
//	                    transaction; one at a time: the partitions new
//	                    while one is in flight go in the next; not under
//	                    transaction.version 2: the leader adds them)
//	Produce            (transactional batches: producer id, epoch, sequences)
//	… commit_interval after the first record:
//	flush (every batch of the transaction acknowledged) → EndTxn
//
// The sender, as Kafka's (Sender.runOnce), sends the next transactional
// request before it drains anything, one at a time, and drains nothing
// while one is in flight (runOnce returns after
// maybeSendAndPollTransactionalRequest): send() notes a partition new to
// the transaction (TransactionManager.maybeAddPartition) and wakes the
// sender for the batch it opened, which sends AddPartitionsToTxn for
// every partition noted (nextRequest); no produce request leaves until
// its answer (its retries after CONCURRENT_TRANSACTIONS included), which
// sends the next add if partitions were noted meanwhile, and else drains.
// A batch of a partition not yet added stops the drain
// (isSendToPartitionAllowed).
//
// Records are assigned to the transaction open when send() is called: a
// record arriving while the previous transaction commits belongs to the
// next, whose batches the sender holds until the commit has been answered
// (Kafka's application blocks in commitTransaction()). A record is
// acknowledged to the application — the checker, the producer's
// acknowledged count and its ack latency — when its transaction commits;
// the records of an aborted transaction count as failed (the application
// was told they did not commit). A batch that fails (retries or
// delivery.timeout.ms spent, or refused) makes the transaction abort, and
// the producer then initialises a new epoch before its next one (KIP-360).
//
// A crashed producer's process (producer-crash) sends nothing more; the
// new process starting after the fault's duration is a new client with
// the same transactional id, whose InitProducerId fences the old epoch and
// aborts the transaction it left open.

// plainTxn is a transactional plain producer's transaction state.
type plainTxn struct {
	txnConn
	p          *producer
	interval   sim.Time
	abortEvery uint64 // every abortEvery-th transaction aborts (0: none)
	tv2        bool   // transaction.version 2: the leader adds partitions

	// Transactions by number: records join cur; active is the oldest not
	// ended (cur, or cur-1 while that one commits). Only these two are
	// ever live.
	cur, active    uint32
	of             []uint32 // per batch id: the transaction it belongs to
	ok             []bool   // per batch id: acknowledged by the partition
	committing     bool
	commitDue      bool // cur's interval passed while active committed
	began          bool // cur has records
	left, nextLeft int  // batches of active, of cur (while committing), not yet released
	failed         bool // a batch of active failed: it must abort
	nextFailed     bool // … of cur, while active commits
	reinit         bool // initialise a new epoch after active ends
	// Per partition: added to the active transaction; noted for the
	// next AddPartitionsToTxn (maybeAddPartition's
	// newPartitionsInTransaction; a partition in the request in flight
	// may be noted again, and is left out of the next once added).
	added, want []bool
	wantNext    []bool // want for cur, while active commits
	// adding: an AddPartitionsToTxn is in flight (the sender drains
	// nothing meanwhile); addQueue: the sender was woken to send one.
	adding, addQueue bool
	ending           bool // EndTxn went (or the end was scheduled) for active
	acks             []deferredAck
	ended            uint64 // transactions ended, for abort_ratio

	// verified is the leaders' view (transaction.version 2): per
	// partition, the epoch whose transaction the coordinator has added
	// the partition to, for this producer (-1: none).
	verified, refused []int32

	// endSent: EndTxn(commit) went for the active transaction; a crash
	// before its answer leaves its records' fate unknown to the
	// application.
	endSent bool
	crashed bool
}

// deferredAck is a batch the partition acknowledged, waiting for its
// transaction's commit to be acknowledged to the application.
type deferredAck struct {
	part  int32
	seq0  int32
	n     int32
	bytes int64
	times []sim.Time
}

// newPlainTxn makes p transactional (nil when its spec has no
// transactional id).
func newPlainTxn(w *world, p *producer, inst int) (*plainTxn, error) {
	spec := p.spec
	if spec.TransactionalID == "" {
		return nil, nil
	}
	if spec.Transaction == nil || spec.Transaction.CommitInterval <= 0 || spec.Transaction.TransactionTimeout <= 0 {
		return nil, fmt.Errorf("producer %s: transaction settings unset: want a resolved scenario", spec.Name)
	}
	if p.acks >= 0 || !p.idem {
		return nil, fmt.Errorf("producer %s: a transactional producer needs acks=all and idempotence", spec.Name)
	}
	for k := range scenarios.TransactionStatePartitions {
		if _, err := w.txnStatePart(k); err != nil {
			return nil, err
		}
	}
	tc := w.txnCoordinators()
	t := &plainTxn{p: p, interval: sim.Time(spec.Transaction.CommitInterval), tv2: tc.tv2, cur: 1, active: 1,
		added: make([]bool, len(p.t.parts)), want: make([]bool, len(p.t.parts)), wantNext: make([]bool, len(p.t.parts)),
		verified: make([]int32, len(p.t.parts)), refused: make([]int32, len(p.t.parts))}
	for i := range t.verified {
		t.verified[i], t.refused[i] = -1, -1
	}
	if r := float64(spec.Transaction.AbortRatio); r > 0 {
		t.abortEvery = uint64(1/r + 0.5)
	}
	t.id = spec.TransactionalIDOf(inst, max(spec.Instances, 1))
	t.slot = p.idx
	t.timeout = sim.Time(spec.Transaction.TransactionTimeout)
	t.reqTimeout = p.reqTimeout
	t.isLive = func() bool { return !t.crashed }
	t.onInit = t.newEpoch
	t.setup(w, p.node)
	// The producer id InitProducerId will give (ids come from the
	// coordinators' block: opaque numbers) goes into the batch headers;
	// nothing is sent before InitProducerId has answered with an epoch.
	p.pid = tc.producerIDFor(t.id)
	p.t.txnRead = true
	return t, nil
}

// start is initTransactions(): the producer's first request.
func (t *plainTxn) start() { t.init(t.resume) }

// resume: the producer has an epoch (again): the sender sends the
// AddPartitionsToTxn for the partitions noted meanwhile first, then
// drains.
func (t *plainTxn) resume() {
	t.wake()
	t.drainAll()
}

// newEpoch: InitProducerId gave the producer its id and a new epoch;
// every partition's sequences start again at 0 in it.
func (t *plainTxn) newEpoch() {
	p := t.p
	p.pid = t.pid
	for i := range p.parts {
		t.resetPartition(i)
	}
}

func (t *plainTxn) resetPartition(i int) {
	a := &t.p.parts[i]
	a.epoch, a.logSeq, a.ackedNext, a.gap, a.bump, a.gapBump, a.gapMaybe, a.unresolved = t.epoch, 0, 0, -1, false, false, false, 0
}

// opened: batch b was opened for the transaction new records join. The
// first batch of a transaction begins it and arms its commit.
func (t *plainTxn) opened(b *pbatch) {
	for int(b.id) >= len(t.of) {
		t.of = append(t.of, 0)
		t.ok = append(t.ok, false)
	}
	t.of[b.id], t.ok[b.id] = t.cur, false
	// Kafka's send() notes a partition new to the transaction
	// (maybeAddPartition) and wakes the sender for the batch it opened
	// (newBatchCreated): the sender's next loop sends AddPartitionsToTxn
	// before it drains anything.
	if t.committing {
		t.nextLeft++
		t.wantNext[b.part] = !t.tv2
	} else {
		t.left++
		if !t.tv2 && !t.added[b.part] && !t.want[b.part] {
			t.want[b.part] = true
			t.wake()
		}
	}
	if t.began {
		return
	}
	t.began = true
	n := t.cur
	t.p.w.s.After(t.interval, func() {
		if !t.crashed && t.cur == n {
			t.commit()
		}
	})
}

// later reports whether batch b belongs to the transaction after the
// one committing. Kafka's application is still blocked in
// commitTransaction() then, so its sender has no such batch: the drain
// passes it by.
func (t *plainTxn) later(b *pbatch) bool { return t.of[b.id] != t.active }

// hold reports whether the sender may not send batch b of the active
// transaction yet, which stops the drain (Kafka's
// shouldStopDrainBatchesForPartition): before InitProducerId has
// answered (no valid producer id and epoch), and (transaction.version 1)
// until its partition is in the transaction (isSendToPartitionAllowed;
// its AddPartitionsToTxn went when its first batch opened, see opened).
func (t *plainTxn) hold(b *pbatch) bool {
	if !t.ready || t.crashed {
		return true
	}
	if t.tv2 || t.added[b.part] {
		return false
	}
	if !t.want[b.part] {
		// Not noted: its add was refused (the transaction aborts).
		t.want[b.part] = true
		t.wake()
	}
	return true
}

// busy reports whether an AddPartitionsToTxn is in flight, or the sender
// was woken to send one: the sender drains nothing, and the next
// transactional request (EndTxn) waits (Kafka's Sender.runOnce returns
// after maybeSendAndPollTransactionalRequest while a transactional
// request is in flight, or when it sent one).
func (t *plainTxn) busy() bool { return t.adding || t.addQueue }

// wake wakes the sender to send AddPartitionsToTxn for the partitions
// noted, unless one is in flight (its answer sends the next), the
// producer has no epoch yet (InitProducerId's answer wakes it), or the
// transaction is ending.
func (t *plainTxn) wake() {
	if t.tv2 || !t.ready || t.crashed || t.adding || t.addQueue || t.ending {
		return
	}
	t.addQueue = true
	t.p.w.s.After(0, t.sendAdds)
}

// sendAdds is the sender's loop, woken: AddPartitionsToTxn first, if
// partitions were noted, then the drain.
func (t *plainTxn) sendAdds() {
	t.addQueue = false
	t.nextAdd()
	t.drainAll()
	t.maybeEnd()
}

// nextAdd sends AddPartitionsToTxn with every partition noted and not
// yet added (TransactionManager.nextRequest), unless one is in flight.
func (t *plainTxn) nextAdd() {
	if t.crashed || t.adding || !t.ready || t.ending {
		return
	}
	var refs []txnPartRef
	for i, w := range t.want {
		if w && !t.added[i] {
			refs = append(refs, txnPartRef{topic: int32(t.p.t.idx), part: int32(i)})
		}
		t.want[i] = false
	}
	if len(refs) == 0 {
		return
	}
	t.adding = true
	n := t.active
	t.addPartitions(refs, func(code int8) {
		t.adding = false
		if t.active != n {
			return
		}
		if code != txnOK {
			// Fenced, or the transaction's state is not ours: it cannot
			// commit; its held batches fail.
			t.failed, t.reinit = true, true
			t.failHeld()
			t.drainAll()
			return
		}
		for _, r := range refs {
			t.added[r.part] = true
		}
		// The sender's next loop: the next AddPartitionsToTxn first, if
		// partitions were noted meanwhile, then the drain.
		t.nextAdd()
		t.drainAll()
		t.maybeEnd()
	})
}

// failHeld fails the queued batches of the active transaction (its
// AddPartitionsToTxn was refused: they can never be written in it).
func (t *plainTxn) failHeld() {
	p := t.p
	var gone []int32
	for i := range p.parts {
		a := &p.parts[i]
		kept := a.dq[:0]
		for _, id := range a.dq {
			if id != a.open && t.of[id] == t.active && p.batches[id].attempts == 0 {
				gone = append(gone, id)
				continue
			}
			kept = append(kept, id)
		}
		a.dq = kept
	}
	for _, id := range gone {
		p.complete(p.batches[id], false)
	}
	t.maybeEnd()
}

// outOfOrder handles the log's refusal of a transactional batch's
// sequence or epoch. While earlier batches of its epoch are unanswered
// it may have overtaken them: it is retried as it is. Refused as the
// first batch not acknowledged, or after one of its epoch ended
// unacknowledged, the log cannot take it (sequences lost, or the epoch
// fenced): it fails, its transaction aborts, and the producer
// initialises a new epoch (sequences are not renumbered within one, as
// an idempotent producer's are: the coordinator owns the epoch).
func (t *plainTxn) outOfOrder(b *pbatch) {
	p := t.p
	a := &p.parts[b.part]
	if b.stamped && b.epoch == a.epoch && b.logSeq != a.ackedNext && (a.gap < 0 || b.logSeq < a.gap) {
		p.retry(b, false)
		return
	}
	t.reinit = true
	p.complete(b, false)
}

// traceAppend tells the protocol trace (tests) of b's append.
func (t *plainTxn) traceAppend(b *pbatch) {
	if txnTrace != nil {
		t.p.w.traceTxn("%s-%d: %d records of %s epoch %d", t.p.t.spec.Name, b.part, b.n, t.id, commitlog.Batch(b.data).ProducerEpoch())
	}
}

// acked: the partition acknowledged b; the application hears of it when
// the transaction commits.
func (t *plainTxn) acked(b *pbatch) {
	t.ok[b.id] = true
	t.acks = append(t.acks, deferredAck{part: b.part, seq0: b.seq0, n: b.n, bytes: b.bytes - int64(b.n)*recordOverhead,
		times: append([]sim.Time(nil), b.times...)})
}

// released: batch b ended (acknowledged or failed).
func (t *plainTxn) released(b *pbatch) {

	if t.of[b.id] == t.active {
		t.left--
		if !t.ok[b.id] {
			t.failed = true
		}
		t.maybeEnd()
		return
	}
	t.nextLeft--
	if !t.ok[b.id] {
		t.nextFailed = true // the next transaction lost a record: it must abort
	}
}

// commit is commitTransaction() (or abortTransaction()): every open batch
// of the transaction is sealed, and EndTxn goes once all are answered.
func (t *plainTxn) commit() {
	if t.committing {
		t.commitDue = true
		return
	}
	if !t.began {
		return
	}
	t.committing, t.began, t.commitDue = true, false, false
	t.cur++
	p := t.p
	for i := range p.parts {
		p.sealOnly(i)
	}
	t.drainAll()
	t.maybeEnd()
}

// maybeEnd sends EndTxn once every batch of the committing transaction
// has been answered.
func (t *plainTxn) maybeEnd() {
	if !t.committing || t.left > 0 || t.crashed || t.ending || t.busy() {
		return // (an AddPartitionsToTxn in flight: its answer comes back here)
	}
	t.ending = true
	t.ended++
	commit := !t.failed && (t.abortEvery == 0 || t.ended%t.abortEvery != 0)
	n := t.active
	if t.failed {
		t.reinit = true // KIP-360: a new epoch after an abortable error
	}
	if !t.ready || !t.anyAdded() {
		// Nothing reached the coordinator (no partition was added, or
		// the producer is between epochs): nothing to end there. (Not
		// at once: this may run inside the sender's loop.)
		ok := commit && len(t.acks) == 0
		t.p.w.s.After(0, func() {
			if t.active == n && !t.crashed {
				t.finish(ok)
			}
		})
		return
	}
	t.endSent = commit
	t.endTxn(commit, func(code int8, newEpoch int16) {
		if t.active != n {
			return
		}
		if code != txnOK {
			t.reinit = true
			t.finish(false)
			return
		}
		if t.tv2 && newEpoch != t.epoch {
			t.epoch = newEpoch
			for i := range t.p.parts {
				t.resetPartition(i)
			}
		}
		t.finish(commit)
	})
}

// anyAdded reports whether the active transaction reached the
// coordinator (a partition added by the producer or by a leader).
func (t *plainTxn) anyAdded() bool {
	for i, a := range t.added {
		if a || t.verified[i] >= 0 && int16(t.verified[i]) == t.epoch {
			return true
		}
	}
	return len(t.acks) > 0
}

// finish ends the active transaction at the producer: committed, its records are
// acknowledged to the application; aborted, they failed.
func (t *plainTxn) finish(committed bool) {
	p := t.p
	w := p.w
	now := w.s.Now()
	for _, d := range t.acks {
		if !committed {
			p.failed += int64(d.n)
			continue
		}
		p.acked += int64(d.n)
		p.bytesAcked += d.bytes
		w.chk.Ack(p.idx, int(d.part), d.seq0, d.n)
		if now >= w.warm {
			for _, at := range d.times {
				if at >= w.warm {
					p.ackHist.RecordTime(now - at)
					if iv := w.ackInterval; iv != nil {
						iv.RecordTime(now - at)
					}
				}
			}
		}
	}
	t.acks = t.acks[:0]
	t.committing, t.failed, t.endSent, t.ending = false, t.nextFailed, false, false
	t.nextFailed = false
	t.active = t.cur
	t.left, t.nextLeft = t.nextLeft, 0
	clear(t.added)
	copy(t.want, t.wantNext)
	clear(t.wantNext)
	if t.reinit {
		t.reinit, t.ready = false, false
		t.init(t.resume)
	}
	// commitTransaction() returns: the records sent meanwhile are the
	// next transaction's, and their partitions go in its first add.
	t.resume()
	if t.commitDue {
		t.commit()
	}
}

// drainAll lets the sender look again at every connection.
func (t *plainTxn) drainAll() {
	if t.crashed || t.busy() {
		return
	}
	for _, c := range t.p.conns {
		t.p.drain(c)
	}
}

// open reports whether the producer has a transaction not ended.
func (t *plainTxn) open() bool { return !t.crashed && (t.began || t.committing || t.left > 0) }

// crash: the producer's process dies. Nothing it holds is sent again:
// its requests are lost with its host, and its batches expire at once.
func (p *producer) crash() {
	p.down = true
	p.w.net.CrashProcess(p.node)
	p.deliveryTimeout = 0
	if t := p.tx; t != nil {
		t.crashed = true
		// The records the partitions took in the open transaction: if
		// its EndTxn(commit) went, the coordinator may have committed
		// them (indeterminate); else it will abort them (failed).
		for _, d := range t.acks {
			if t.endSent {
				p.indeterminate += int64(d.n)
			} else {
				p.failed += int64(d.n)
			}
		}
		t.acks = nil
	}
}

// restartProducer starts a new process for crashed producer old: a new
// client (its own host and, untransactional, its own producer id) with
// the same spec and transactional id, taking arrivals from now on.
func (w *world) restartProducer(old *producer, inst int) error {
	p, err := newProducer(w, old.spec, old.t, inst, len(w.prods))
	if err != nil {
		return err
	}
	w.prods = append(w.prods, p)
	if p.tx != nil {
		p.tx.start()
	}
	if p.arr.Rate > 0 {
		w.s.AtCall(p.arr.Next(w.s.Now()), p.arrive, 0)
	}
	return nil
}

func init() {
	faultKinds["producer-crash"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		type target struct {
			p    *producer
			inst int
		}
		var hit []target
		var spec *scenarios.Producer
		for i := range w.sc.Producers {
			if w.sc.Producers[i].Name == f.Producer {
				spec = &w.sc.Producers[i]
			}
		}
		if spec == nil {
			return nil, fmt.Errorf("no producer %q", f.Producer)
		}
		return &funcFault{
			on: func() error {
				hit = hit[:0]
				inst := 0
				for _, p := range w.prods {
					if p.spec == spec && !p.down {
						p.crash()
						hit = append(hit, target{p, inst})
						inst++
					}
				}
				return nil
			},
			off: func() error {
				for _, h := range hit {
					if err := w.restartProducer(h.p, h.inst); err != nil {
						return err
					}
				}
				return nil
			},
		}, nil
	}
}
