package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// The transaction coordinator (KIP-98).
//
// A transactional id's coordinator is the leader of partition
// abs(hash(id)) % 50 of __transaction_state, a replicated internal topic
// like __consumer_offsets (offsets.go: the same placement, fetchers,
// ISRs and elections). Every state change of a transaction is a record
// appended to that log, keyed by the transactional id, and takes effect
// once the high watermark passes it:
//
//	InitProducerId   Empty (a new epoch; an ongoing transaction of the
//	                 previous one is aborted first: PrepareAbort, markers,
//	                 CompleteAbort — the older producer is fenced)
//	AddPartitions    Ongoing with the partitions added
//	EndTxn           PrepareCommit or PrepareAbort: the decision; the
//	                 producer is answered here
//	markers written  CompleteCommit or CompleteAbort
//
// After the decision the coordinator writes a COMMIT or ABORT control
// batch to every partition in the transaction (one request per leader
// broker, each marker waiting for its partition's high watermark, as
// Kafka writes markers with acks=all), then the Complete record. A
// transaction Ongoing for longer than its timeout is aborted by the
// coordinator (checked every 10s, Kafka's
// transaction.abort.timed.out.transaction.cleanup.interval.ms), with an
// epoch bump that fences the silent producer. When the partition's
// leadership moves, the new leader loads the latest record of every
// transactional id from its own replica and finishes the transactions it
// finds decided but not complete.

// txnTopicName is Kafka's internal topic of transaction state.
const txnTopicName = "__transaction_state"

// txnAbortCheckEvery is transaction.abort.timed.out.transaction.cleanup.interval.ms.
const txnAbortCheckEvery = 10 * sim.Second

// txnRetryBackoff is how long the coordinator waits before writing a
// marker again to a partition whose leader could not take it.
const txnRetryBackoff = 100 * sim.Millisecond

// txnState is a transaction's state in the coordinator's log.
type txnState int8

const (
	txnEmpty txnState = iota
	txnOngoing
	txnPrepareCommit
	txnPrepareAbort
	txnCompleteCommit
	txnCompleteAbort
)

var txnStateNames = [...]string{"Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort"}

func (s txnState) String() string { return txnStateNames[s] }

// txnPartRef names a partition in a transaction: a data topic's index, or
// -1 for __consumer_offsets.
type txnPartRef struct {
	topic int32
	part  int32
}

// txnMeta is the coordinator's view of one transactional id.
type txnMeta struct {
	id      string
	k       int // its __transaction_state partition
	pid     int64
	epoch   int16
	state   txnState
	timeout sim.Time
	started sim.Time // when the transaction became Ongoing
	parts   []txnPartRef
	added   []sim.Time // when each partition was added (lso_stall_seconds)
	// gen numbers the completions started: a failover or a new decision
	// makes the older completion's steps stop.
	gen     uint32
	pending int // markers not yet written
	// writing: a state record is being appended (requests wait).
	writing bool
	// holderFenced: the epoch's holder was fenced already (by an abort's
	// bump); the next InitProducerId's bump fences no one new.
	holderFenced bool
}

// txnCoords is every broker's transaction coordinator, by the partition
// of __transaction_state it leads. Its counters feed the results.
type txnCoords struct {
	w      *world
	metas  map[string]*txnMeta // lookups only
	order  []*txnMeta          // creation order: timeout scans never iterate the map
	loaded map[int]int32       // partition → leader epoch the coordinator loaded it under
	nextID int64
	bb     commitlog.BatchBuilder
	mb     commitlog.BatchBuilder
	link   net.Link   // coordinators to partition leaders (WriteTxnMarkers)
	links  []net.Link // broker to broker, for leaders' AddPartitionsToTxn (txn_implicit.go)
	// abortedSpans are, per partition, the records each ABORT marker
	// closed (lookups only).
	abortedSpans map[*partition][]txnSpan

	// tv2: transaction.version 2 (KIP-890): an epoch bump at every
	// transaction end, and partition leaders adding a partition to the
	// transaction on its first transactional write (txn_implicit.go).
	tv2 bool

	committed, aborted, timedOut, fenced int64
	markers, logWrites, requests         int64
	clientRequests                       int64 // FindCoordinator and coordinator requests clients sent (txn_conn.go)
	maxStall                             sim.Time
}

// txnPartitionOf is Kafka's partitionFor(transactionalId).
func txnPartitionOf(id string) int {
	h := javaStringHash(id)
	switch {
	case h == math.MinInt32:
		h = 0
	case h < 0:
		h = -h
	}
	return int(h) % scenarios.TransactionStatePartitions
}

// txnCoordinators returns the world's coordinators, creating them at
// first use (after every partition of __transaction_state).
func (w *world) txnCoordinators() *txnCoords {
	if w.txn == nil {
		w.txn = &txnCoords{w: w, metas: map[string]*txnMeta{}, loaded: map[int]int32{}, abortedSpans: map[*partition][]txnSpan{}, nextID: w.pidBase + 1<<24,
			tv2: w.sc.Cluster.TransactionVersion == 2}
		w.s.AfterCall(txnAbortCheckEvery, func(uint64) { w.txn.abortTimedOut() }, 0)
	}
	return w.txn
}

func (w *world) txnStatePart(k int) (*offsetsPart, error) {
	return w.internalPartition(&w.txnTopic, txnTopicName, scenarios.TransactionStatePartitions, scenarios.TransactionStateReplicationFactor, k)
}

// stateLog is partition k of __transaction_state: every partition is
// created with the first transactional stage (newStage), in order.
func (tc *txnCoords) stateLog(k int) *partition { return tc.w.txnTopic.parts[k] }

// coordinator is the broker a FindCoordinator for id names: the live
// leader of its partition, nil while it has none.
func (tc *txnCoords) coordinator(id string) *broker {
	p := tc.stateLog(txnPartitionOf(id))
	if tc.w.ctl.offline(p) || !tc.w.ctl.up(p.leader.b.id) {
		return nil
	}
	return p.leader.b
}

// isCoordinator reports whether b coordinates id now; if so the
// coordinator has loaded id's partition under the current leader epoch.
func (tc *txnCoords) isCoordinator(b *broker, id string) bool {
	k := txnPartitionOf(id)
	p := tc.stateLog(k)
	if p.leader.b != b || tc.w.ctl.offline(p) || !tc.w.ctl.up(b.id) {
		return false
	}
	tc.ensureLoaded(k)
	return true
}

// Records of __transaction_state: key the transactional id; value the
// producer id and epoch, the state, the timeout, the start time, and the
// partitions (topic index, -1 for __consumer_offsets, and partition).

func (tc *txnCoords) encode(m *txnMeta) []byte {
	v := make([]byte, 0, 32+8*len(m.parts))
	v = binary.BigEndian.AppendUint64(v, uint64(m.pid))
	v = binary.BigEndian.AppendUint16(v, uint16(m.epoch))
	v = append(v, byte(m.state))
	v = binary.BigEndian.AppendUint64(v, uint64(m.timeout))
	v = binary.BigEndian.AppendUint64(v, uint64(m.started))
	v = binary.BigEndian.AppendUint32(v, uint32(len(m.parts)))
	for _, r := range m.parts {
		v = binary.BigEndian.AppendUint32(v, uint32(r.topic))
		v = binary.BigEndian.AppendUint32(v, uint32(r.part))
	}
	return v
}

var errTxnRecord = errors.New("malformed __transaction_state record")

func decodeTxnMeta(id string, v []byte) (*txnMeta, error) {
	if len(v) < 31 {
		return nil, errTxnRecord
	}
	m := &txnMeta{id: id, pid: int64(binary.BigEndian.Uint64(v)), epoch: int16(binary.BigEndian.Uint16(v[8:])),
		state: txnState(v[10]), timeout: sim.Time(binary.BigEndian.Uint64(v[11:])), started: sim.Time(binary.BigEndian.Uint64(v[19:]))}
	n := int(binary.BigEndian.Uint32(v[27:]))
	v = v[31:]
	if m.state > txnCompleteAbort || len(v) != 8*n {
		return nil, errTxnRecord
	}
	for i := 0; i < n; i++ {
		m.parts = append(m.parts, txnPartRef{topic: int32(binary.BigEndian.Uint32(v[8*i:])), part: int32(binary.BigEndian.Uint32(v[8*i+4:]))})
	}
	return m, nil
}

// write appends m's state (as it is now) to its __transaction_state
// partition and calls done(ok) once it is replicated, or not (the
// leadership moved: the new coordinator takes over from its log).
func (tc *txnCoords) write(m *txnMeta, done func(ok bool)) {
	w := tc.w
	p := tc.stateLog(m.k)
	op := p.offs
	tc.bb.Reset(commitlog.BatchHeader{})
	tc.bb.Add(int64(w.s.Now()/sim.Millisecond), []byte(m.id), tc.encode(m), nil)
	batch, err := tc.bb.Build()
	if err != nil {
		w.fail(fmt.Errorf("transaction %s: %w", m.id, err))
		return
	}
	res, err := p.leader.log.Append(batch, p.epoch)
	if err != nil {
		w.fail(fmt.Errorf("append to %s-%d: %w", txnTopicName, m.k, err))
		return
	}
	p.appended(1, res.Size)
	tc.logWrites++
	w.traceTxn("%s-%d: %s %s epoch %d", txnTopicName, m.k, m.id, m.state, m.epoch)
	m.writing = true
	epoch := p.epoch
	op.wait(p.records, func(ok bool) {
		if tc.loaded[m.k] == epoch {
			m.writing = false
		}
		done(ok && tc.loaded[m.k] == epoch)
	})
}

// ensureLoaded: a coordinator new to partition k (its leadership moved)
// loads the latest state of every transactional id from its replica, and
// finishes the transactions decided but not complete.
func (tc *txnCoords) ensureLoaded(k int) {
	p := tc.stateLog(k)
	if e, ok := tc.loaded[k]; ok && e == p.epoch {
		return
	}
	first := !func() bool { _, ok := tc.loaded[k]; return ok }()
	tc.loaded[k] = p.epoch
	p.offs.failWaitersBefore(p.epoch)
	if first && p.base == 0 {
		return // a fresh log: nothing to load
	}
	latest := map[string]*txnMeta{} // lookups only
	var ids []string
	err := p.leader.log.ScanRecords(p.leader.log.LogStartOffset(), func(rec *commitlog.Record) error {
		id := string(rec.Key)
		m, err := decodeTxnMeta(id, rec.Value)
		if err != nil {
			return err
		}
		if _, seen := latest[id]; !seen {
			ids = append(ids, id)
		}
		latest[id] = m
		return nil
	})
	if err != nil {
		tc.w.fail(fmt.Errorf("load %s-%d on broker %d: %w", txnTopicName, k, p.leader.b.id, err))
		return
	}
	for _, id := range ids {
		m := latest[id]
		m.k = k
		old := tc.metas[id]
		if old != nil {
			m.added = old.added
			old.gen++ // the old coordinator's completion stops
			m.gen = old.gen + 1
			*old = *m
			m = old
		} else {
			tc.metas[id] = m
			tc.order = append(tc.order, m)
		}
		for len(m.added) < len(m.parts) {
			m.added = append(m.added, m.started)
		}
		switch m.state {
		case txnPrepareCommit, txnPrepareAbort:
			tc.complete(m)
		}
	}
	// Ids this coordinator knows but its log lacks (their records never
	// reached this replica) start over as if new.
	for _, m := range tc.order {
		if m.k == k && latest[m.id] == nil {
			m.gen++
			m.state, m.parts, m.added, m.pending, m.writing = txnEmpty, nil, nil, 0, false
		}
	}
}

// Request handling at the coordinator. Each handler runs on the
// coordinator broker after the request's NIC and CPU (txn_client.go) and
// answers through reply with an error code (0: none).

// Error codes a transactional client branches on.
const (
	txnOK int8 = iota
	txnNotCoordinator
	txnConcurrent     // CONCURRENT_TRANSACTIONS: retry shortly
	txnProducerFenced // PRODUCER_FENCED / INVALID_PRODUCER_EPOCH
	txnInvalidState
)

// initProducerID handles InitProducerId: a new id gets a producer id and
// epoch 0; a known one gets its epoch bumped, its ongoing transaction
// aborted first (CONCURRENT_TRANSACTIONS until the abort completes).
func (tc *txnCoords) initProducerID(id string, timeout sim.Time, reply func(code int8, pid int64, epoch int16)) {
	tc.requests++
	tc.producerIDFor(id)
	m := tc.metas[id]
	switch {
	case m.writing:
		reply(txnConcurrent, 0, 0)
		return
	case m.state == txnOngoing:
		m.epoch++
		tc.fenced++ // the previous instance's epoch is over
		m.holderFenced = true
		tc.decide(m, false)
		reply(txnConcurrent, 0, 0)
		return
	case m.state == txnPrepareCommit || m.state == txnPrepareAbort:
		reply(txnConcurrent, 0, 0)
		return
	}
	if m.epoch == math.MaxInt16-1 {
		m.pid, m.epoch = tc.nextID, -1
		tc.nextID++
	}
	if m.epoch >= 0 && !m.holderFenced {
		tc.fenced++ // the previous instance's epoch is over
	}
	m.holderFenced = false
	m.epoch++
	m.state, m.timeout, m.parts, m.added = txnEmpty, timeout, nil, nil
	pid, epoch := m.pid, m.epoch
	tc.write(m, func(ok bool) {
		if !ok {
			reply(txnNotCoordinator, 0, 0)
			return
		}
		reply(txnOK, pid, epoch)
	})
}

// producerIDFor returns the producer id InitProducerId gives id,
// allocating it if id is new (epoch -1: no InitProducerId yet).
func (tc *txnCoords) producerIDFor(id string) int64 {
	m := tc.metas[id]
	if m == nil {
		m = &txnMeta{id: id, k: txnPartitionOf(id), pid: tc.nextID, epoch: -1}
		tc.nextID++
		tc.metas[id] = m
		tc.order = append(tc.order, m)
	}
	return m.pid
}

// check is the fencing every request after InitProducerId meets.
func (tc *txnCoords) check(id string, pid int64, epoch int16) (*txnMeta, int8) {
	m := tc.metas[id]
	switch {
	case m == nil || m.pid != pid:
		return nil, txnInvalidState
	case epoch < m.epoch:
		return nil, txnProducerFenced
	case m.writing || m.state == txnPrepareCommit || m.state == txnPrepareAbort:
		return nil, txnConcurrent
	}
	return m, txnOK
}

// addPartitions handles AddPartitionsToTxn (and AddOffsetsToTxn, whose
// partition is the group's __consumer_offsets partition): the
// transaction becomes Ongoing with them, once that is in the log.
func (tc *txnCoords) addPartitions(id string, pid int64, epoch int16, refs []txnPartRef, reply func(code int8)) {
	tc.requests++
	m, code := tc.check(id, pid, epoch)
	if code != txnOK {
		reply(code)
		return
	}
	now := tc.w.s.Now()
	if m.state != txnOngoing {
		m.state, m.started, m.parts, m.added = txnOngoing, now, m.parts[:0], m.added[:0]
	}
	grew := false
	for _, r := range refs {
		if !containsRef(m.parts, r) {
			m.parts = append(m.parts, r)
			m.added = append(m.added, now)
			grew = true
		}
	}
	if !grew {
		reply(txnOK)
		return
	}
	tc.write(m, func(ok bool) {
		if !ok {
			reply(txnNotCoordinator)
			return
		}
		reply(txnOK)
	})
}

func containsRef(list []txnPartRef, r txnPartRef) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

// endTxn handles EndTxn: the decision (PrepareCommit or PrepareAbort) is
// written and replicated, the producer answered, and the markers written
// after.
//
// Under transaction.version 2 (KIP-890) the coordinator bumps the
// producer's epoch with the decision: the markers carry the new epoch,
// the answer gives it to the producer, and anything the producer sent in
// the old epoch that arrives late is fenced instead of joining the next
// transaction.
func (tc *txnCoords) endTxn(id string, pid int64, epoch int16, commit bool, reply func(code int8, newEpoch int16)) {
	tc.requests++
	m, code := tc.check(id, pid, epoch)
	if code != txnOK {
		reply(code, epoch)
		return
	}
	if m.state != txnOngoing {
		// Nothing was added: an empty transaction ends at once.
		reply(txnOK, m.epoch)
		return
	}
	if tc.tv2 {
		if m.epoch >= math.MaxInt16-1 {
			tc.w.fail(fmt.Errorf("transactional id %s: producer epoch exhausted after %d transactions (transaction.version 2 bumps it at every one; a new producer id is not modelled)", id, m.epoch))
			return
		}
		m.epoch++
	}
	e := m.epoch
	tc.decide(m, commit, func(code int8) { reply(code, e) })
}

// decide writes the decision and, once it is in the log, completes the
// transaction; answer (if any) hears the decision's fate.
func (tc *txnCoords) decide(m *txnMeta, commit bool, answer ...func(code int8)) {
	m.state = txnPrepareAbort
	if commit {
		m.state = txnPrepareCommit
	}
	m.gen++
	tc.write(m, func(ok bool) {
		for _, a := range answer {
			if ok {
				a(txnOK)
			} else {
				a(txnNotCoordinator)
			}
		}
		if ok {
			tc.complete(m)
		}
	})
}

// abortTimedOut aborts every transaction Ongoing past its timeout, with
// an epoch bump that fences its producer, and checks again in 10s.
func (tc *txnCoords) abortTimedOut() {
	w := tc.w
	now := w.s.Now()
	for _, m := range tc.order {
		if m.state != txnOngoing || m.writing || now-m.started < m.timeout {
			continue
		}
		if !tc.coordinatorUp(m.k) {
			continue
		}
		tc.timedOut++
		tc.fenced++
		m.holderFenced = true
		m.epoch++
		tc.decide(m, false)
	}
	if now < w.end+sim.Time(w.sc.Drain) {
		w.s.AfterCall(txnAbortCheckEvery, func(uint64) { tc.abortTimedOut() }, 0)
	}
}

// coordinatorUp reports whether partition k has a live leader, which
// loads it before acting.
func (tc *txnCoords) coordinatorUp(k int) bool {
	p := tc.stateLog(k)
	if tc.w.ctl.offline(p) || !tc.w.ctl.up(p.leader.b.id) {
		return false
	}
	tc.ensureLoaded(k)
	return true
}

// open reports whether any transaction is not complete (for the drain).
func (tc *txnCoords) open() bool {
	if tc == nil {
		return false
	}
	for _, m := range tc.order {
		if m.state == txnOngoing || m.state == txnPrepareCommit || m.state == txnPrepareAbort {
			return true
		}
	}
	return false
}

// txnTrace, when set (by tests), hears every append the transaction
// protocol makes, as "<log>: <what>", in the order they happen.
var txnTrace func(event string)

func (w *world) traceTxn(format string, a ...any) {
	if txnTrace != nil {
		txnTrace(fmt.Sprintf(format, a...))
	}
}
