package kafka

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Failure policies: poison messages, transient failures, retries in place,
// retry topics and the dead-letter topic (the seed's "Handling Failures").
//
// A processing attempt fails when the message is poison (a share of
// message ids, or listed keys: the same messages on every attempt), when a
// downstream-outage fault is on, or with the transient probability. Then:
//
//   - retry: the partition seeks back to the record and pauses for the
//     backoff; the record is fetched and tried again, for ever. Only that
//     partition stops (other partitions of the member keep flowing), and
//     its lag grows without bound: head-of-line blocking.
//   - dead-letter: the same, up to max_attempts; then the record is written
//     to the DLQ topic and the partition moves on.
//   - retry-topics: the record is written to the first retry topic at once
//     and the partition moves on. A retry consumer per rung reads its
//     topic, waits until each record's delay has passed, and tries again;
//     a failure goes to the next rung, and after the last to the DLQ. A
//     retried message is processed after later messages of its key:
//     reordered.
//   - skip: the record is logged and skipped (discarded).
//
// DLQ and retry topics are topics of the scenario: records are really
// appended to their leader logs (and replicated), carrying the original
// message id, so the checker follows a message through the ladder. A
// dead-lettered or discarded message is handled, not lost.
//
// Simplified: the consumer's own writes to retry and DLQ topics append at
// the leader without a produce round trip; the retry consumers are one per
// rung, outside the group protocol, and keep their positions in memory.
type failureHandler struct {
	w           *world
	g           *group
	spec        *scenarios.Failures
	poisonKeys  map[int64]bool // lookups only
	poisonShare float64
	transient   float64
	rng         *rand.Rand
	outage      int // downstream-outage faults in force
	dlq         *topic
	stages      []*retryStage

	deadLettered, retries, delayed, discarded int64

	bb     commitlog.BatchBuilder
	keyBuf []byte
	valBuf []byte
}

func newFailureHandler(w *world, g *group) (*failureHandler, error) {
	spec := g.spec.Failures
	if spec == nil {
		return nil, nil
	}
	fh := &failureHandler{w: w, g: g, spec: spec, poisonShare: float64(spec.PoisonShare), transient: float64(spec.TransientRate),
		rng: w.s.Stream("group/" + g.spec.Name + "/failures")}
	if len(spec.PoisonKeys) > 0 {
		fh.poisonKeys = map[int64]bool{}
		for _, k := range spec.PoisonKeys {
			fh.poisonKeys[k] = true
		}
	}
	switch spec.Policy {
	case scenarios.PolicyRetry, scenarios.PolicyDeadLetter, scenarios.PolicyRetryTopics, scenarios.PolicySkip:
	default:
		return nil, fmt.Errorf("unknown failure policy %q (known: %s)", spec.Policy, scenarios.PolicyNames())
	}
	find := func(name string) (*topic, error) {
		for _, t := range w.topics {
			if t.spec.Name == name {
				return t, nil
			}
		}
		return nil, fmt.Errorf("no topic %q (a DLQ or retry topic must be declared under topics)", name)
	}
	var err error
	if spec.DLQ != "" {
		if fh.dlq, err = find(spec.DLQ); err != nil {
			return nil, err
		}
	}
	if spec.Policy == scenarios.PolicyRetryTopics {
		if fh.dlq == nil {
			return nil, fmt.Errorf("policy retry-topics needs a DLQ topic")
		}
		for k, rt := range spec.RetryTopics {
			t, err := find(rt.Topic)
			if err != nil {
				return nil, err
			}
			if rt.Delay < 0 {
				return nil, fmt.Errorf("retry topic %s: negative delay %v", rt.Topic, rt.Delay)
			}
			fh.stages = append(fh.stages, &retryStage{fh: fh, k: k, t: t, delay: sim.Time(rt.Delay), pos: make([]int64, len(t.parts))})
		}
	}
	if spec.Policy == scenarios.PolicyDeadLetter && fh.dlq == nil {
		return nil, fmt.Errorf("policy dead-letter needs a DLQ topic")
	}
	return fh, nil
}

// poison reports whether a message fails on every attempt.
func (fh *failureHandler) poison(prod, part, seq int32, key int64) bool {
	if key >= 0 && fh.poisonKeys[key] {
		return true
	}
	if fh.poisonShare <= 0 {
		return false
	}
	// A hash of the message id picks the same messages every time.
	h := uint64(uint32(prod))<<40 ^ uint64(uint32(part))<<24 ^ uint64(uint32(seq))
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return float64(h>>11)/(1<<53) < fh.poisonShare
}

// fails draws one attempt's outcome.
func (fh *failureHandler) fails(prod, part, seq int32, key int64) bool {
	if fh.poison(prod, part, seq, key) || fh.outage > 0 {
		return true
	}
	return fh.transient > 0 && fh.rng.Float64() < fh.transient
}

// attempt is one processing attempt of a polled record by m; it returns
// the record's fate under the policy.
func (fh *failureHandler) attempt(m *member, r *pollRec, at sim.Time) int8 {
	p := int(r.part)
	if m.failOff[p] == r.offset && m.failAttempts[p] > 0 {
		fh.retries++
		r.retry = true
	}
	if !fh.fails(r.prod, r.part, r.seq, r.key) {
		m.failOff[p], m.failAttempts[p] = -1, 0
		return fateOK
	}
	if m.failOff[p] != r.offset {
		m.failOff[p], m.failAttempts[p] = r.offset, 0
	}
	m.failAttempts[p]++
	switch fh.spec.Policy {
	case scenarios.PolicySkip:
		m.failOff[p], m.failAttempts[p] = -1, 0
		return fateDiscard
	case scenarios.PolicyRetryTopics:
		m.failOff[p], m.failAttempts[p] = -1, 0
		return fateForward
	case scenarios.PolicyDeadLetter:
		if m.failAttempts[p] >= fh.spec.MaxAttempts {
			m.failOff[p], m.failAttempts[p] = -1, 0
			return fateDLQ
		}
	}
	return fateRetry
}

// backoff is the wait before the next attempt after n failed ones:
// exponential from Backoff, capped at BackoffMax, ± Jitter.
func (fh *failureHandler) backoff(n int, rng *rand.Rand) sim.Time {
	d := sim.Time(fh.spec.Backoff)
	for i := 1; i < n && d < sim.Time(fh.spec.BackoffMax); i++ {
		d *= 2
	}
	d = min(d, sim.Time(fh.spec.BackoffMax))
	j := float64(fh.spec.Jitter)
	return sim.Time(float64(d) * (1 - j + 2*j*rng.Float64()))
}

// settle applies a failed record's fate at the end of its poll.
func (fh *failureHandler) settle(m *member, r *pollRec, done sim.Time) {
	g := fh.g
	switch r.fate {
	case fateDiscard:
		fh.discarded++
		fh.w.chk.Handled(g.idx, int(r.prod), int(r.part), r.seq)
	case fateDLQ:
		fh.deadLetter(r.prod, r.part, r.seq, r.key, r.born, r.size)
	case fateForward:
		fh.stages[0].put(r.prod, r.part, r.seq, r.key, r.born, r.size)
	}
}

func (fh *failureHandler) deadLetter(prod, part, seq int32, key int64, born sim.Time, size int64) {
	fh.deadLettered++
	fh.w.chk.Handled(fh.g.idx, int(prod), int(part), seq)
	fh.write(fh.dlq, prod, part, seq, key, born, size)
}

// write appends one record carrying a message's id to topic t, at the
// partition its key hashes to (the original partition without a key).
func (fh *failureHandler) write(t *topic, prod, part, seq int32, key int64, born sim.Time, size int64) {
	w := fh.w
	var kb []byte
	pi := int(part) % len(t.parts)
	if key >= 0 {
		fh.keyBuf = load.KeyBytes(fh.keyBuf, key)
		kb = fh.keyBuf
		pi = partitionFor(kb, len(t.parts))
	}
	v := binary.AppendUvarint(fh.valBuf[:0], uint64(uint32(prod)))
	v = binary.AppendUvarint(v, uint64(uint32(seq)))
	v = binary.AppendUvarint(v, uint64(max(born, 0)))
	v = binary.AppendUvarint(v, uint64(uint32(part)))
	fh.valBuf = v
	p := t.parts[pi]
	fh.bb.Reset(commitlog.BatchHeader{SizedValues: true})
	fh.bb.AddSized(int64(w.s.Now()/sim.Millisecond), kb, v, max(size, int64(len(v))), nil)
	data, err := fh.bb.Build()
	if err != nil {
		w.fail(fmt.Errorf("write to %s: %w", t.spec.Name, err))
		return
	}
	ar, err := p.leader.log.Append(commitlog.Batch(data), p.epoch)
	if err != nil {
		w.fail(fmt.Errorf("write to %s-%d: %w", t.spec.Name, pi, err))
		return
	}
	p.appended(1, ar.Size)
}

// retryRec is a record of a retry topic, decoded.
type retryRec struct {
	prod, part, seq int32
	key             int64
	born            sim.Time
	size            int64
	ts              sim.Time // when it was written to this rung
	offset          int64
}

// retryStage is the consumer of one rung of the retry ladder.
type retryStage struct {
	fh        *failureHandler
	k         int
	t         *topic
	delay     sim.Time
	pos       []int64
	busy      bool
	scheduled bool
	rr        commitlog.RecordReader
}

func (st *retryStage) put(prod, part, seq int32, key int64, born sim.Time, size int64) {
	st.fh.write(st.t, prod, part, seq, key, born, size)
	st.wake(st.fh.w.net.Latency)
}

func (st *retryStage) wake(after sim.Time) {
	if st.busy || st.scheduled {
		return
	}
	st.scheduled = true
	w := st.fh.w
	w.s.At(w.s.Now()+after, st.run)
}

// head decodes the record at the stage's position in partition pi, if one
// is below the high watermark.
func (st *retryStage) head(pi int) (retryRec, bool, error) {
	p := st.t.parts[pi]
	log := p.leader.log
	st.pos[pi] = max(st.pos[pi], log.LogStartOffset())
	if st.pos[pi] >= p.hw {
		return retryRec{}, false, nil
	}
	res, err := log.Read(st.pos[pi], commitlog.ReadOptions{MaxBytes: 1 << 16, Upto: commitlog.UptoHighWatermark})
	if err != nil || len(res.Data) == 0 {
		return retryRec{}, false, err
	}
	it := commitlog.Batches(res.Data)
	for it.Next() {
		if err := st.rr.Reset(it.Batch()); err != nil {
			return retryRec{}, false, err
		}
		for st.rr.Next() {
			rec := st.rr.Record()
			if rec.Offset < st.pos[pi] {
				continue
			}
			r, err := decodeRetry(rec)
			return r, err == nil, err
		}
	}
	return retryRec{}, false, it.Err()
}

func decodeRetry(rec *commitlog.Record) (retryRec, error) {
	v := rec.Value
	var f [4]uint64
	for i := range f {
		x, n := binary.Uvarint(v)
		if n <= 0 {
			return retryRec{}, fmt.Errorf("%w: retry record %d has no message id", commitlog.ErrCorruptRecord, rec.Offset)
		}
		f[i], v = x, v[n:]
	}
	r := retryRec{prod: int32(f[0]), seq: int32(uint32(f[1])), born: sim.Time(f[2]), part: int32(f[3]), key: -1,
		size: rec.ValueSize, ts: sim.Time(rec.Timestamp) * sim.Millisecond, offset: rec.Offset}
	if rec.Key != nil {
		k, _ := binary.Uvarint(rec.Key)
		r.key = int64(k)
	}
	return r, nil
}

// run takes the next due record of the rung, or waits for one.
func (st *retryStage) run() {
	st.scheduled = false
	if st.busy {
		return
	}
	w := st.fh.w
	now := w.s.Now()
	best := -1
	var rec retryRec
	var due sim.Time
	unreplicated := false
	for pi, p := range st.t.parts {
		r, ok, err := st.head(pi)
		if err != nil && isStorageError(err) {
			// The leader's log directory goes offline (storage.go);
			// the rung reads the partition again from its new leader.
			if !w.logDirFailed(p.leader.b, p, st.pos[pi], err) {
				return
			}
			unreplicated = true
			continue
		}
		if err != nil {
			w.fail(fmt.Errorf("retry consumer of %s: %w", st.t.spec.Name, err))
			return
		}
		if !ok {
			unreplicated = unreplicated || st.pos[pi] < p.records
			continue
		}
		if d := r.ts + st.delay; best < 0 || d < due {
			best, rec, due = pi, r, d
		}
	}
	switch {
	case best < 0 && unreplicated:
		st.wake(10 * sim.Millisecond)
		return
	case best < 0:
		return
	case due > now:
		st.wake(due - now)
		return
	}
	st.busy = true
	g := st.fh.g
	var cost sim.Time
	if !g.zeroCost {
		cost = sim.Time(float64(max(sim.SampleTime(g.service, st.fh.rng), 0)) * g.slowdown)
	}
	w.s.At(now+cost, func() { st.done(best, rec) })
}

// done finishes one retry attempt.
func (st *retryStage) done(pi int, r retryRec) {
	fh := st.fh
	g := fh.g
	w := fh.w
	st.busy = false
	st.pos[pi] = r.offset + 1
	fh.retries++
	switch {
	case !fh.fails(r.prod, r.part, r.seq, r.key):
		fh.delayed++
		g.consumed++
		g.bytesOut += r.size
		w.chk.Processed(g.idx, int(r.prod), int(r.part), r.seq, r.key, r.born)
		if r.born >= w.warm {
			lat := w.s.Now() - r.born
			g.e2e.RecordTime(lat)
			w.chk.Interval.RecordTime(lat)
		}
	case st.k+1 < len(fh.stages):
		fh.stages[st.k+1].put(r.prod, r.part, r.seq, r.key, r.born, r.size)
	default:
		fh.deadLetter(r.prod, r.part, r.seq, r.key, r.born, r.size)
	}
	st.run()
}

// quiet reports whether every rung has consumed all it holds.
func (fh *failureHandler) quiet() bool {
	for _, st := range fh.stages {
		if st.busy {
			return false
		}
		for pi, p := range st.t.parts {
			if st.pos[pi] < p.records {
				return false
			}
		}
	}
	return true
}

// pending adds the ids still waiting in the retry topics to into. A batch
// that cannot be read is listed as a storage error (storage.go); what
// follows it in that partition counts as not delivered.
func (fh *failureHandler) pending(into *check.Ledger) error {
	for _, st := range fh.stages {
		for pi, p := range st.t.parts {
			from := max(st.pos[pi], p.leader.log.LogStartOffset())
			if err := st.pendingIn(p, from, into); err != nil && !fh.w.storageErrorAfterRun(p.leader.b, p, from, err) {
				return err
			}
		}
	}
	return nil
}

// pendingIn adds the ids in p's leader log from from on to into.
func (st *retryStage) pendingIn(p *partition, from int64, into *check.Ledger) error {
	return p.leader.log.ScanRecords(from, func(rec *commitlog.Record) error {
		r, err := decodeRetry(rec)
		if err != nil {
			return err
		}
		into.Set(int(r.prod), int(r.part), r.seq)
		return nil
	})
}

// dlqDepth is the number of records in the group's dead-letter topic.
func (fh *failureHandler) dlqDepth() int64 {
	if fh == nil || fh.dlq == nil {
		return 0
	}
	var n int64
	for _, p := range fh.dlq.parts {
		n += p.records - p.leader.log.LogStartOffset()
	}
	return n
}
