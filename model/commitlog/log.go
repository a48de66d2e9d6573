package commitlog

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"mqsim/model/commitlog/vfs"
)

// Bound chooses how far a Read may go.
type Bound int8

// Read bounds.
const (
	// UptoLogEnd reads everything appended: what a follower fetches.
	UptoLogEnd Bound = iota
	// UptoHighWatermark reads committed data: a read_uncommitted consumer.
	UptoHighWatermark
	// UptoLastStable reads below the last stable offset and reports the
	// aborted transactions in range: a read_committed consumer.
	UptoLastStable
)

// ReadOptions parameterise Read.
type ReadOptions struct {
	// MaxBytes bounds the declared size returned (0 means 1 MiB). The first
	// batch is returned whole even when larger, unless Strict.
	MaxBytes int64
	Strict   bool
	Upto     Bound
	// Buf, if large enough, receives the data on the file backend.
	Buf []byte
}

// ReadResult is what Read returns.
type ReadResult struct {
	// Data holds whole batches; it is read-only and, on the memory backend,
	// aliases the log's storage (which is never rewritten).
	Data []byte
	// Size is the declared size of Data's batches.
	Size int64
	// NextOffset is the offset after the last returned batch, or the
	// requested offset when nothing was returned.
	NextOffset       int64
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
	LogEndOffset     int64
	// Aborted lists the aborted transactions overlapping the returned
	// range, for UptoLastStable reads; see CommittedFilter.
	Aborted []AbortedTxn
}

// AppendResult is what an append returns.
type AppendResult struct {
	FirstOffset int64
	LastOffset  int64
	// Size is the declared size appended.
	Size int64
	// Duplicate is set when an idempotent producer's batch had already been
	// written; the offsets are the original ones and nothing was appended.
	Duplicate bool
}

// Stats describe a log's storage.
type Stats struct {
	Segments    int
	Batches     int64
	Size        int64 // declared bytes
	StoredBytes int64 // bytes held in segments
	// IndexBytes is the memory held by the in-memory offset and time indexes.
	IndexBytes int64
	// SlabOverhead is, on the memory backend, the memory held by slab
	// bookkeeping (32 bytes per slab of up to 1 MiB).
	SlabOverhead int64
	// SlabUnused is the free capacity at the end of each memory segment's
	// last slab: a fixed cost per segment (at most 1 MiB), not per batch.
	SlabUnused int64
	// Released is, on the memory backend, the stored bytes Release took
	// out of memory (spilled or dropped); StoredBytes still counts them.
	Released int64
}

// Log is one partition's log. See the package documentation for the
// contract.
type Log struct {
	mu        sync.RWMutex
	cfg       Config
	be        backend
	segs      []*segment
	logStart  int64
	leo       int64
	hw        int64
	epochs    epochCache
	producers producerStates
	txns      []openTxn
	unflushed int
	lastFlush int64
	recovery  int64 // recovery point: segments below it are synced
	// cleaned is the cleaner offset checkpoint: offsets below it may have
	// gaps (compaction ran there, here or on the leader this log
	// replicated); above it offsets are contiguous.
	cleaned int64
	report  RecoveryReport
	// rebuildFrom, when set (>= 0), makes the next producer-state rebuild
	// replay from a snapshot at or below it: a segment from there on lost
	// its transaction index, which only a replay restores.
	rebuildFrom int64
	failed      error
	closed      bool
	bb          BatchBuilder
	rr          RecordReader
	// Release (release.go): stored bytes below released left memory; with
	// dropped, they are gone (no spill FS).
	released    int64
	dropped     bool
	spill       vfs.FS
	autoRelease bool // tests: every append releases all it can (spills)
	// shareSrc, in tests, makes every leader append store a reference to
	// a copy of its batch kept in shareSrc (appendShared), so the whole
	// conformance suite runs over shared slabs.
	shareSrc *memData
	// The offsets asked for on every simulated request, readable without
	// the lock: every writer publishes them as it unlocks (unlock).
	startA, endA, hwA atomic.Int64
}

// unlock publishes the offsets and releases the write lock.
func (l *Log) unlock() {
	l.publish()
	l.mu.Unlock()
}

// publish stores only what changed: an atomic store is a full barrier,
// a load is not, and most unlocks move one offset at most.
func (l *Log) publish() {
	if l.startA.Load() != l.logStart {
		l.startA.Store(l.logStart)
	}
	if l.endA.Load() != l.leo {
		l.endA.Store(l.leo)
	}
	if l.hwA.Load() != l.hw {
		l.hwA.Store(l.hw)
	}
}

// OpenMemory returns an empty log on the memory backend.
func OpenMemory(cfg Config) (*Log, error) {
	be := newMemBackend()
	if cfg.Spill != nil {
		if err := cfg.Spill.MkdirAll(cfg.SpillDir); err != nil {
			return nil, storageErr("spill directory", err)
		}
		be.spill, be.spillDir = cfg.Spill, cfg.SpillDir
	}
	l := newLog(cfg, be)
	l.spill = cfg.Spill
	if err := l.createFirst(0); err != nil {
		return nil, err
	}
	l.report.Clean = true
	l.publish()
	return l, nil
}

func newLog(cfg Config, be backend) *Log {
	return &Log{cfg: cfg.withDefaults(), be: be, producers: producerStates{}, rebuildFrom: -1}
}

func (l *Log) createFirst(base int64) error {
	data, err := l.be.createSegment(base)
	if err != nil {
		return storageErr("create segment", err)
	}
	l.segs = []*segment{newSegment(base, data, l.cfg.Clock())}
	l.logStart, l.leo, l.hw = base, base, base
	return nil
}

func (l *Log) active() *segment { return l.segs[len(l.segs)-1] }

func (l *Log) usable() error {
	if l.closed {
		return ErrLogClosed
	}
	if l.failed != nil {
		return fmt.Errorf("%w: earlier failure: %w", ErrLogClosed, l.failed)
	}
	return nil
}

func (l *Log) fail(err error) error {
	if l.failed == nil {
		l.failed = err
	}
	return err
}

// LogStartOffset is the first offset still in the log.
func (l *Log) LogStartOffset() int64 { return l.startA.Load() }

// LogEndOffset is the offset the next appended record will get.
func (l *Log) LogEndOffset() int64 { return l.endA.Load() }

// HighWatermark is the caller-set high watermark.
func (l *Log) HighWatermark() int64 { return l.hwA.Load() }

// LastStableOffset is the high watermark held back by the first
// transaction not yet decided below it.
func (l *Log) LastStableOffset() int64 { l.mu.RLock(); defer l.mu.RUnlock(); return l.lastStable() }

func (l *Log) lastStable() int64 {
	lso := l.hw
	for _, t := range l.txns {
		if t.first < lso {
			lso = t.first
		}
	}
	return lso
}

// SetHighWatermark sets the high watermark, which must lie within
// [LogStartOffset, LogEndOffset]. Keeping it monotonic is the caller's
// business (a follower may lower it after truncation).
func (l *Log) SetHighWatermark(hw int64) error {
	l.mu.Lock()
	defer l.unlock()
	if hw < l.logStart || hw > l.leo {
		return errorf(ErrOffsetOutOfRange, "high watermark %d outside [%d, %d]", hw, l.logStart, l.leo)
	}
	l.hw = hw
	l.pruneTxns()
	return nil
}

// pruneTxns forgets completed transactions whose marker is below the high
// watermark.
func (l *Log) pruneTxns() {
	k := 0
	for _, t := range l.txns {
		if t.end < 0 || t.end >= l.hw {
			l.txns[k] = t
			k++
		}
	}
	l.txns = l.txns[:k]
}

// LatestEpoch is the newest leader epoch in the cache.
func (l *Log) LatestEpoch() (int32, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.epochs.latest()
}

// Epochs returns a copy of the leader-epoch cache.
func (l *Log) Epochs() []EpochEntry {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]EpochEntry(nil), l.epochs...)
}

// Divergence is where follower's log stops matching lead's, by leader
// epochs (KIP-101, KIP-279): the end of the follower's latest epoch as the
// leader knows it, or, when the leader never had that epoch, the end of
// the largest epoch both share; the follower's high watermark when it has
// no epoch or the leader cannot answer. A follower truncates there before
// it fetches from a new leader.
func Divergence(follower, lead *Log) int64 {
	fe, ok := follower.LatestEpoch()
	if !ok {
		return follower.HighWatermark()
	}
	le, lend := lead.EndOffsetForEpoch(fe)
	if le < 0 || lend < 0 {
		return follower.HighWatermark()
	}
	if le == fe {
		return min(lend, follower.LogEndOffset())
	}
	_, fend := follower.EndOffsetForEpoch(le)
	return min(lend, max(fend, 0))
}

// EndOffsetForEpoch answers a follower's OffsetsForLeaderEpoch request
// (KIP-101, KIP-279): see the package documentation.
func (l *Log) EndOffsetForEpoch(epoch int32) (int32, int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.epochs.endOffsetFor(epoch, l.leo)
}

// AssignEpoch records that a leader epoch starts at offset (a leader does
// this when elected; appends also do it). Older epochs are ignored.
func (l *Log) AssignEpoch(epoch int32, startOffset int64) error {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return err
	}
	if l.epochs.assign(epoch, startOffset) {
		return l.saveEpochs()
	}
	return nil
}

func (l *Log) saveEpochs() error {
	if err := l.be.putMeta(metaEpochs, l.epochs.encode()); err != nil {
		return l.fail(storageErr("write leader-epoch-checkpoint", err))
	}
	return nil
}

// ProducerState returns what the log remembers about a producer.
func (l *Log) ProducerState(pid int64) (ProducerEntry, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	p, ok := l.producers[pid]
	if !ok {
		return ProducerEntry{}, false
	}
	c := *p
	c.Batches, c.win = append([]BatchMeta(nil), p.Batches...), nil
	return c, true
}

// Stats reports the log's storage use.
func (l *Log) Stats() Stats {
	l.mu.RLock()
	defer l.mu.RUnlock()
	st := Stats{Segments: len(l.segs)}
	for _, s := range l.segs {
		st.Batches += s.batches
		st.Size += s.size
		st.StoredBytes += s.data.Size()
		st.IndexBytes += int64(cap(s.index))*8 + int64(cap(s.tindex))*16
		if m, ok := s.data.(*memData); ok {
			st.SlabOverhead += m.overhead()
			st.SlabUnused += m.unused()
			st.Released += m.out
		}
	}
	return st
}

// Size is the declared size of the log.
func (l *Log) Size() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var n int64
	for _, s := range l.segs {
		n += s.size
	}
	return n
}

// SegmentInfo describes one segment.
type SegmentInfo struct {
	BaseOffset   int64
	NextOffset   int64
	Size         int64
	StoredSize   int64
	Batches      int64
	MaxTimestamp int64
}

// Segments describes the segments, oldest first.
func (l *Log) Segments() []SegmentInfo {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]SegmentInfo, len(l.segs))
	for i, s := range l.segs {
		out[i] = SegmentInfo{s.base, s.next, s.size, s.data.Size(), s.batches, s.maxTs}
	}
	return out
}

// validate checks that b is exactly one well-formed batch.
func validate(b []byte) (Batch, error) {
	n, ok, err := batchLen(b)
	if err != nil {
		return nil, errorf(ErrCorruptRecord, "%v", err)
	}
	if !ok || n != len(b) {
		return nil, errorf(ErrCorruptRecord, "%d bytes given for a batch of %d", len(b), n)
	}
	bt := Batch(b)
	if err := checkHeader(bt); err != nil {
		return nil, errorf(ErrCorruptRecord, "%v", err)
	}
	if got := bt.computeCRC(); got != bt.CRC() {
		return nil, errorf(ErrCorruptRecord, "crc %08x, stored %08x", got, bt.CRC())
	}
	return bt, nil
}

// Append appends a batch as the partition leader in epoch leaderEpoch; see
// the package documentation. It writes the base offset and epoch into b.
func (l *Log) Append(b Batch, leaderEpoch int32) (AppendResult, error) {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return AppendResult{}, err
	}
	b, err := validate(b)
	if err != nil {
		return AppendResult{}, err
	}
	if b.Size() > l.cfg.MaxBatchBytes {
		return AppendResult{}, errorf(ErrMessageTooLarge, "batch of %d bytes, limit %d", b.Size(), l.cfg.MaxBatchBytes)
	}
	if latest, ok := l.epochs.latest(); ok && leaderEpoch < latest {
		return AppendResult{}, errorf(ErrFencedLeaderEpoch, "append in epoch %d, log is at epoch %d", leaderEpoch, latest)
	}
	ctrl := int16(-1)
	if b.IsControl() {
		if ctrl, err = ControlType(b); err != nil {
			return AppendResult{}, err
		}
	}
	var st *ProducerEntry
	if pid := b.ProducerID(); pid >= 0 {
		if st = l.producers[pid]; st != nil {
			dup, err := st.checkSequence(b)
			if err != nil {
				return AppendResult{}, err
			}
			if dup != nil {
				return AppendResult{FirstOffset: dup.FirstOffset, LastOffset: dup.LastOffset, Size: b.Size(), Duplicate: true}, nil
			}
			if !b.IsTransactional() && st.TxnFirstOffset >= 0 && b.ProducerEpoch() == st.Epoch {
				return AppendResult{}, errorf(ErrInvalidTxnState, "producer %d: non-transactional batch inside a transaction", pid)
			}
		}
	} else if b.IsTransactional() {
		return AppendResult{}, errorf(ErrInvalidRecord, "transactional batch without a producer id")
	}
	now := l.cfg.Clock()
	b.setBaseOffset(l.leo)
	b.setLeaderEpoch(leaderEpoch)
	if err := l.write(b, now, l.shareCopy(b)); err != nil {
		return AppendResult{}, err
	}
	l.applyTo(st, b, ctrl, l.active())
	if err := l.maybeFlush(now); err != nil {
		return AppendResult{}, err
	}
	return AppendResult{FirstOffset: b.BaseOffset(), LastOffset: b.LastOffset(), Size: b.Size()}, nil
}

// AppendReplicated appends batches fetched from the leader as they are; see
// the package documentation. On error, the batches before the bad one stay
// appended and the result covers them.
func (l *Log) AppendReplicated(data []byte) (AppendResult, error) {
	return l.appendReplicated(data, copyBytes)
}

// How appendReplicated stores the bytes of a memory log.
type storeMode int8

const (
	copyBytes   storeMode = iota
	shareLarge            // AppendReplicatedShared: see minShared
	shareAlways           // tests
)

// AppendReplicatedShared is AppendReplicated for data that is never written
// again, such as ReadResult.Data of a memory log read without a Buf: a
// memory log keeps a reference to data's bytes instead of copying them, as
// a Kafka follower stores the leader's batches as they are. Everything a
// follower checks is checked as by AppendReplicated. What either log does
// afterwards (truncation, release, compaction, retention, a crash) never
// changes the other's bytes: neither ever writes into stored bytes. A file
// log writes the bytes as AppendReplicated does.
func (l *Log) AppendReplicatedShared(data []byte) (AppendResult, error) {
	return l.appendReplicated(data, shareLarge)
}

// minShared is the smallest fetch that starts a follower keeping fetched
// bytes by reference. Each reference costs a slab entry (32 bytes, and the
// growth of the slab list), which for a fetch of one small batch costs
// more time and little less memory than a copy. Once the active segment
// ends with a reference, every fetch is kept so: a copy after a reference
// would start a new slab of up to 1 MiB, and alternating the two would
// take one for every small fetch.
const minShared = 512

// sharing reports whether the active segment ends with a reference.
func (l *Log) sharing() bool {
	md, ok := l.active().data.(*memData)
	return ok && md.lastShared
}

func (l *Log) appendReplicated(data []byte, mode storeMode) (AppendResult, error) {
	l.mu.Lock()
	defer l.unlock()
	res := AppendResult{FirstOffset: -1, LastOffset: -1}
	if err := l.usable(); err != nil {
		return res, err
	}
	shared := mode == shareAlways || (mode == shareLarge && (len(data) >= minShared || l.sharing()))
	now := l.cfg.Clock()
	for len(data) > 0 {
		b, rest, err := ParseBatch(data)
		if err != nil {
			return res, err
		}
		if b.BaseOffset() < l.leo {
			return res, errorf(ErrInvalidRecord, "replicated batch at offset %d, log end is %d", b.BaseOffset(), l.leo)
		}
		if b.BaseOffset() > l.leo && b.BaseOffset() > l.cleaned {
			// The leader's log has a gap here (compacted): record that
			// gaps up to this batch are legitimate before writing it.
			if err := l.setCleaned(b.BaseOffset()); err != nil {
				return res, err
			}
		}
		if latest, ok := l.epochs.latest(); ok && b.LeaderEpoch() < latest {
			return res, errorf(ErrInvalidRecord, "replicated batch of epoch %d, log is at epoch %d", b.LeaderEpoch(), latest)
		}
		ctrl := int16(-1)
		if b.IsControl() {
			if ctrl, err = ControlType(b); err != nil {
				return res, err
			}
		}
		var stored []byte
		if shared {
			stored = data[:len(b)] // with data's capacity: see memData.appendShared
		}
		if err := l.write(b, now, stored); err != nil {
			return res, err
		}
		l.apply(b, ctrl, l.active())
		if res.FirstOffset < 0 {
			res.FirstOffset = b.BaseOffset()
		}
		res.LastOffset = b.LastOffset()
		res.Size += b.Size()
		if err := l.maybeFlush(now); err != nil {
			return res, err
		}
		data = rest
	}
	return res, nil
}

// shareCopy is nil, except in tests (shareSrc): then it is b's bytes as
// stored in shareSrc, which nothing writes again.
func (l *Log) shareCopy(b Batch) []byte {
	if l.shareSrc == nil {
		return nil
	}
	src := l.shareSrc
	pos := src.size
	src.Append(b)
	// With the slab's capacity, so that consecutive batches lengthen one
	// shared slab, as a fetch's batches do.
	if s := src.slabs[src.slab(pos)]; pos+int64(len(b)) <= s.start+int64(len(s.buf)) {
		return s.buf[pos-s.start : pos-s.start+int64(len(b))]
	}
	return append([]byte(nil), b...) // straddles two slabs of shareSrc
}

// write appends b to the active segment, rolling first if needed, and
// advances the log end offset. A new leader epoch in b is recorded. With
// shared set (b's bytes, never written again: AppendReplicatedShared), a
// memory segment keeps a reference to shared instead of a copy of b.
func (l *Log) write(b Batch, now int64, shared []byte) error {
	seg := l.active()
	if seg.batches > 0 && (seg.size+b.Size() > l.cfg.SegmentBytes ||
		(l.cfg.SegmentAge > 0 && now-seg.created >= int64(l.cfg.SegmentAge)) ||
		b.LastOffset()-seg.base > math.MaxUint32 ||
		seg.data.Size()+int64(len(b)) > math.MaxUint32) {
		if err := l.roll(now); err != nil {
			return err
		}
		seg = l.active()
	} else if seg.batches == 0 && b.BaseOffset() > seg.base && b.LastOffset()-seg.base > math.MaxUint32 {
		return errorf(ErrInvalidRecord, "batch offset %d too far past segment base %d", b.BaseOffset(), seg.base)
	}
	if e := b.LeaderEpoch(); e >= 0 && l.epochs.assign(e, b.BaseOffset()) {
		if err := l.saveEpochs(); err != nil {
			return err
		}
	}
	pos := seg.data.Size()
	if md, ok := seg.data.(*memData); ok && shared != nil {
		md.appendShared(shared)
	} else if err := seg.data.Append(b); err != nil {
		if terr := seg.data.Truncate(pos); terr != nil {
			l.fail(terr)
		}
		return storageErr("append to segment "+l.be.segName(seg.base), err)
	}
	seg.track(b, pos, l.cfg.IndexIntervalBytes)
	l.leo = b.NextOffset()
	return nil
}

// apply updates producer and transaction state for a written batch.
func (l *Log) apply(b Batch, ctrl int16, seg *segment) {
	if pid := b.ProducerID(); pid >= 0 {
		l.applyTo(l.producers[pid], b, ctrl, seg)
	}
}

// applyTo is apply with the batch's producer entry already looked up (nil
// when there is none yet).
func (l *Log) applyTo(st *ProducerEntry, b Batch, ctrl int16, seg *segment) {
	pid := b.ProducerID()
	if pid < 0 {
		return
	}
	if st == nil {
		st = &ProducerEntry{ProducerID: pid, Epoch: b.ProducerEpoch(), TxnFirstOffset: -1}
		l.producers[pid] = st
	}
	if b.ProducerEpoch() > st.Epoch {
		st.Epoch = b.ProducerEpoch()
		st.Batches = st.Batches[:0]
	}
	if b.IsControl() {
		if st.TxnFirstOffset < 0 {
			return
		}
		first := st.TxnFirstOffset
		st.TxnFirstOffset = -1
		for i := range l.txns {
			if l.txns[i].pid == pid && l.txns[i].end < 0 {
				l.txns[i].end = b.BaseOffset()
			}
		}
		l.pruneTxns()
		if ctrl == ControlAbort {
			// As Kafka's ProducerStateManager.lastStableOffset: the first
			// offset of another ongoing transaction, else the offset after
			// the marker. It depends on the log alone, so a replay after
			// a lost transaction index gives the same entry.
			lso := b.NextOffset()
			for _, t := range l.txns {
				if t.pid != pid && t.end < 0 && t.first < lso {
					lso = t.first
				}
			}
			seg.aborted = append(seg.aborted, AbortedTxn{ProducerID: pid, FirstOffset: first, LastOffset: b.BaseOffset(), LastStableOffset: lso})
		}
		return
	}
	if b.BaseSequence() != NoSequence {
		st.push(BatchMeta{FirstSeq: b.BaseSequence(), LastSeq: b.LastSequence(), FirstOffset: b.BaseOffset(), LastOffset: b.LastOffset(), MaxTimestamp: b.MaxTimestamp()})
	}
	if b.IsTransactional() && st.TxnFirstOffset < 0 {
		st.TxnFirstOffset = b.BaseOffset()
		l.txns = append(l.txns, openTxn{pid: pid, first: b.BaseOffset(), end: -1})
	}
}

func (l *Log) maybeFlush(now int64) error {
	if l.autoRelease {
		if err := l.release(l.leo); err != nil {
			return err
		}
	}
	p := l.cfg.Flush
	if p.never() {
		return nil
	}
	l.unflushed++
	if (p.EveryBatches > 0 && l.unflushed >= p.EveryBatches) || (p.Interval > 0 && now-l.lastFlush >= int64(p.Interval)) {
		if err := l.active().data.Sync(); err != nil {
			return l.fail(storageErr("sync", err))
		}
		l.unflushed, l.lastFlush = 0, now
	}
	return nil
}

// roll closes the active segment and starts a new one at the log end.
func (l *Log) roll(now int64) error {
	old := l.active()
	if f, ok := old.data.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return l.fail(storageErr("write segment", err))
		}
	}
	durable := !l.cfg.Flush.never()
	if durable {
		if err := old.data.Sync(); err != nil {
			return l.fail(storageErr("sync segment", err))
		}
	}
	if err := l.be.saveIndexes(old, durable); err != nil {
		return l.fail(storageErr("write indexes", err))
	}
	if err := l.saveSnapshot(l.leo); err != nil {
		return err
	}
	data, err := l.be.createSegment(l.leo)
	if err != nil {
		return l.fail(storageErr("create segment", err))
	}
	l.segs = append(l.segs, newSegment(l.leo, data, now))
	if durable {
		if err := l.setRecoveryPoint(l.leo); err != nil {
			return err
		}
	}
	return nil
}

// setCleaned moves the cleaner offset checkpoint (see Log.cleaned).
func (l *Log) setCleaned(off int64) error {
	l.cleaned = off
	if off == 0 {
		if err := l.be.removeMeta(metaCleaner); err != nil {
			return l.fail(storageErr("remove cleaner checkpoint", err))
		}
		return nil
	}
	if err := l.be.putMeta(metaCleaner, []byte(strconv.FormatInt(off, 10)+"\n")); err != nil {
		return l.fail(storageErr("write cleaner checkpoint", err))
	}
	return nil
}

func (l *Log) setRecoveryPoint(off int64) error {
	l.recovery = off
	if err := l.be.putMeta(metaRecovery, []byte(strconv.FormatInt(off, 10)+"\n")); err != nil {
		return l.fail(storageErr("write recovery point", err))
	}
	return nil
}

const keepSnapshots = 3

// saveSnapshot writes the producer state as of offset and prunes old ones.
func (l *Log) saveSnapshot(offset int64) error {
	if err := l.be.putMeta(snapshotName(offset), l.producers.encode()); err != nil {
		return l.fail(storageErr("write producer snapshot", err))
	}
	offs, err := l.snapshotOffsets()
	if err != nil {
		return l.fail(storageErr("list snapshots", err))
	}
	for len(offs) > keepSnapshots {
		if err := l.be.removeMeta(snapshotName(offs[0])); err != nil {
			return l.fail(storageErr("remove snapshot", err))
		}
		offs = offs[1:]
	}
	return nil
}

func (l *Log) snapshotOffsets() ([]int64, error) {
	names, err := l.be.listMeta()
	if err != nil {
		return nil, err
	}
	var offs []int64
	for _, n := range names {
		if o, ok := parseOffsetName(n, snapshotSuffix); ok {
			offs = append(offs, o)
		}
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	return offs, nil
}

// segFor returns the index of the segment holding offset (the last one
// whose base is at most offset), or 0.
func (l *Log) segFor(offset int64) int {
	i := sort.Search(len(l.segs), func(i int) bool { return l.segs[i].base > offset }) - 1
	if i < 0 {
		return 0
	}
	return i
}

func (l *Log) corrupt(seg *segment, pos int64, err error) error {
	return &CorruptionError{Segment: l.be.segName(seg.base), Position: pos, Reason: err.Error(), Dir: l.be.location(), Offset: seg.base}
}

// Read returns whole batches from the one containing offset; see the
// package documentation.
func (l *Log) Read(offset int64, o ReadOptions) (ReadResult, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	res := ReadResult{NextOffset: offset, HighWatermark: l.hw, LastStableOffset: l.lastStable(), LogStartOffset: l.logStart, LogEndOffset: l.leo}
	if l.closed {
		return res, ErrLogClosed
	}
	if offset < l.logStart || offset > l.leo {
		return res, errorf(ErrOffsetOutOfRange, "offset %d outside [%d, %d]", offset, l.logStart, l.leo)
	}
	if offset < l.readableFrom() {
		return res, fmt.Errorf("read at %d: %w (below offset %d)", offset, ErrReleased, l.released)
	}
	bound := l.leo
	switch o.Upto {
	case UptoHighWatermark:
		bound = l.hw
	case UptoLastStable:
		bound = res.LastStableOffset
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 20
	}
	if offset < bound {
		for si := l.segFor(offset); si < len(l.segs); si++ {
			seg := l.segs[si]
			if offset >= seg.next || seg.batches == 0 {
				continue // below offset, or emptied by compaction: the data goes on in a later segment
			}
			pos, err := seg.locate(offset)
			if err != nil {
				return res, l.corrupt(seg, pos, err)
			}
			data, size, next, err := l.collect(seg, pos, bound, o)
			if err != nil {
				return res, err
			}
			if len(data) == 0 {
				if err := l.checkLocated(seg, pos, offset); err != nil {
					return res, err
				}
			}
			res.Data, res.Size = data, size
			if len(data) > 0 {
				res.NextOffset = next
			}
			break
		}
	}
	if o.Upto == UptoLastStable && len(res.Data) > 0 {
		res.Aborted = l.collectAborted(offset, res.NextOffset)
	}
	return res, nil
}

// walk measures the complete batches at the start of data that fit the
// bound and budget: it returns their stored length, declared size and next
// offset.
func walk(data []byte, bound int64, o ReadOptions) (n int, size int64, next int64) {
	for {
		l, ok, err := batchLen(data[n:])
		if err != nil || !ok || n+l > len(data) || len(data[n:]) < HeaderSize {
			return
		}
		b := Batch(data[n : n+l])
		if b.LastOffset() >= bound {
			return
		}
		s := b.Size()
		if size+s > o.MaxBytes && (n > 0 || o.Strict) {
			return
		}
		size += s
		n += l
		next = b.NextOffset()
	}
}

// endsRun reports whether the batch after the first n bytes of v is cut off
// by the end of v (so a longer view could hold it).
func endsRun(v []byte, n int) bool {
	l, ok, err := batchLen(v[n:])
	return err == nil && (!ok || n+l > len(v))
}

func (l *Log) collect(seg *segment, pos int64, bound int64, o ReadOptions) ([]byte, int64, int64, error) {
	if v := seg.data.Contiguous(pos); v != nil {
		n, size, next := walk(v, bound, o)
		// Hand out the stored bytes without copying, unless the walk stopped
		// only because the contiguous run ended (a slab boundary) while the
		// segment goes on: then read across it below, so a read returns the
		// same batches whatever the backend's memory layout.
		if n > 0 && !(endsRun(v, n) && pos+int64(len(v)) < seg.data.Size()) {
			return v[:n], size, next, nil
		}
	}
	h, first, err := seg.readHeader(pos)
	if err != nil {
		return nil, 0, 0, l.corrupt(seg, pos, err)
	}
	if h.LastOffset() >= bound || (o.Strict && h.Size() > o.MaxBytes) {
		return nil, 0, 0, nil
	}
	want := max(first, o.MaxBytes)
	if rem := seg.data.Size() - pos; want > rem {
		want = rem
	}
	buf := o.Buf
	if int64(cap(buf)) < want {
		buf = make([]byte, want)
	}
	buf = buf[:want]
	if err := seg.data.ReadAt(buf, pos); err != nil {
		return nil, 0, 0, storageErr("read segment "+l.be.segName(seg.base), err)
	}
	n, size, next := walk(buf, bound, o)
	if _, isMem := seg.data.(*memData); !isMem {
		// Data from a file may have rotted (or been edited) since it was
		// verified: the CRC, and the leader epoch, which it does not cover.
		for p := 0; p < n; {
			bl, _, _ := batchLen(buf[p:])
			b := Batch(buf[p : p+bl])
			bad := checkHeader(b)
			if bad == nil && b.computeCRC() != b.CRC() {
				bad = fmt.Errorf("crc mismatch")
			}
			if bad == nil {
				bad = l.epochs.checkBatch(b, l.logStart)
			}
			if bad != nil {
				if p == 0 {
					return nil, 0, 0, l.corrupt(seg, pos, bad)
				}
				n = p
				_, size, next = walk(buf[:n], bound, o)
				break
			}
			p += bl
		}
	}
	return buf[:n], size, next, nil
}

// checkLocated checks that the batch at pos, where offset was located,
// does not begin past offset: a base offset edited on disk (it is outside
// the CRC) would otherwise end every read there with no data and no error.
// Below the cleaner checkpoint a batch may begin past offset: offset is
// then in a gap compaction left, and the read returned nothing because
// that batch ends at or past the read's bound.
func (l *Log) checkLocated(seg *segment, pos, offset int64) error {
	h, _, err := seg.readHeader(pos)
	if err != nil {
		return l.corrupt(seg, pos, err)
	}
	if h.BaseOffset() > offset && h.BaseOffset() > l.cleaned {
		return l.corrupt(seg, pos, fmt.Errorf("the batch where offset %d should be begins at offset %d", offset, h.BaseOffset()))
	}
	return nil
}

func (l *Log) collectAborted(from, upto int64) []AbortedTxn {
	var out []AbortedTxn
	for si := l.segFor(from); si < len(l.segs); si++ {
		for _, a := range l.segs[si].aborted {
			if a.LastOffset >= from && a.FirstOffset < upto {
				out = append(out, a)
			}
		}
	}
	return out
}

// OffsetForTime returns the first offset whose record timestamp is at least
// ts (milliseconds), and false when every record is older.
func (l *Log) OffsetForTime(ts int64) (int64, bool, error) {
	l.mu.Lock() // the record reader is shared
	defer l.unlock()
	if err := l.usable(); err != nil {
		return -1, false, err
	}
	var buf []byte
	for _, seg := range l.segs {
		if seg.maxTs < ts || seg.batches == 0 {
			continue
		}
		i := sort.Search(len(seg.tindex), func(i int) bool { return seg.tindex[i].ts >= ts })
		pos := int64(0)
		if i > 0 {
			p, err := seg.locate(seg.base + int64(seg.tindex[i-1].rel))
			if err != nil {
				return -1, false, l.corrupt(seg, p, err)
			}
			pos = p
		}
		pos = max(pos, seg.gone) // dropped bytes (release.go): the first readable batch on
		for pos < seg.data.Size() {
			h, n, err := seg.readHeader(pos)
			if err != nil {
				return -1, false, l.corrupt(seg, pos, err)
			}
			if h.MaxTimestamp() >= ts {
				if int64(cap(buf)) < n {
					buf = make([]byte, n)
				}
				buf = buf[:n]
				if err := seg.data.ReadAt(buf, pos); err != nil {
					return -1, false, storageErr("read", err)
				}
				if err := l.rr.Reset(Batch(buf)); err != nil {
					return -1, false, err
				}
				for l.rr.Next() {
					if r := l.rr.Record(); r.Timestamp >= ts {
						return max(r.Offset, l.logStart), true, nil
					}
				}
				if err := l.rr.Err(); err != nil {
					return -1, false, err
				}
			}
			pos += n
		}
	}
	return -1, false, nil
}

// Sync makes everything appended durable (file backend).
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return err
	}
	return l.syncAll()
}

func (l *Log) syncAll() error {
	for _, s := range l.segs {
		if s.base >= l.recovery || s == l.active() {
			if err := s.data.Sync(); err != nil {
				return l.fail(storageErr("sync", err))
			}
		}
	}
	l.unflushed = 0
	l.lastFlush = l.cfg.Clock()
	if a := l.active().base; a != l.recovery {
		return l.setRecoveryPoint(a)
	}
	return nil
}

// Close syncs and closes the log, marking a clean shutdown so the next Open
// need not rescan. Close on a failed log only releases files.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if l.failed == nil {
		err = l.syncAll()
		if err == nil {
			err = l.be.saveIndexes(l.active(), true)
		}
		if err == nil {
			err = l.saveSnapshot(l.leo)
		}
		if err == nil {
			err = l.be.putMeta(metaClean, []byte("clean "+strconv.FormatInt(l.leo, 10)+"\n"))
		}
	}
	for _, s := range l.segs {
		if cerr := s.data.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return storageErr("close", err)
	}
	return nil
}
