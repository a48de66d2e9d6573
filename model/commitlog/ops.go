package commitlog

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"sync"
)

// each calls fn for every batch of s from position from. With full, fn
// gets the whole batch (verified by its CRC when verify is set); otherwise a
// header-only view, unless the batch is a control batch.
func (l *Log) each(s *segment, from int64, full, verify bool, fn func(b Batch, pos int64) error) error {
	var buf []byte
	for pos := from; pos < s.data.Size(); {
		h, n, err := s.readHeader(pos)
		if err != nil {
			return l.corrupt(s, pos, err)
		}
		b := h
		if full || h.IsControl() {
			if v := s.data.Contiguous(pos); int64(len(v)) >= n {
				b = Batch(v[:n])
			} else {
				if int64(cap(buf)) < n {
					buf = make([]byte, n)
				}
				buf = buf[:n]
				if err := s.data.ReadAt(buf, pos); err != nil {
					return storageErr("read segment "+l.be.segName(s.base), err)
				}
				b = Batch(buf)
			}
			if verify || h.IsControl() {
				if err := checkHeader(b); err != nil {
					return l.corrupt(s, pos, err)
				}
				if b.computeCRC() != b.CRC() {
					return l.corrupt(s, pos, fmt.Errorf("crc mismatch"))
				}
			}
		}
		if err := fn(b, pos); err != nil {
			return err
		}
		pos += n
	}
	return nil
}

// rebuildProducers reloads producer and transaction state from the newest
// usable snapshot at or below the log end and replays the batches after it.
// Replayed batches also teach the epoch cache epochs it lacks.
func (l *Log) rebuildProducers() error {
	offs, err := l.snapshotOffsets()
	if err != nil {
		return l.fail(storageErr("list snapshots", err))
	}
	start := l.segs[0].base
	l.producers = producerStates{}
	from := l.rebuildFrom
	l.rebuildFrom = -1
	for i := len(offs) - 1; i >= 0; i-- {
		if offs[i] > l.leo {
			if err := l.be.removeMeta(snapshotName(offs[i])); err != nil {
				return l.fail(storageErr("remove snapshot", err))
			}
			continue
		}
		if from >= 0 && offs[i] > from {
			continue
		}
		if offs[i] < start {
			break
		}
		data, err := l.be.getMeta(snapshotName(offs[i]))
		if err != nil {
			continue
		}
		if ps, err := decodeSnapshot(data); err == nil {
			l.producers, start = ps, offs[i]
			break
		}
	}
	ids := make([]int64, 0, len(l.producers))
	for id, p := range l.producers {
		if p.TxnFirstOffset >= 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	l.txns = l.txns[:0]
	for _, id := range ids {
		l.txns = append(l.txns, openTxn{pid: id, first: l.producers[id].TxnFirstOffset, end: -1})
	}
	for _, s := range l.segs {
		k := 0
		for _, a := range s.aborted {
			if a.LastOffset < start {
				s.aborted[k] = a
				k++
			}
		}
		s.aborted = s.aborted[:k]
	}
	epochsChanged := false
	for si := l.segFor(start); si < len(l.segs); si++ {
		s := l.segs[si]
		if s.next <= start {
			continue
		}
		from, err := s.locate(start)
		if err != nil {
			return l.corrupt(s, from, err)
		}
		err = l.each(s, from, false, false, func(b Batch, pos int64) error {
			// An epoch never starts below the log start, even when the
			// batch holding the log start begins before it.
			if b.LeaderEpoch() >= 0 && l.epochs.assign(b.LeaderEpoch(), max(b.BaseOffset(), l.logStart)) {
				epochsChanged = true
			}
			ctrl := int16(-1)
			if b.IsControl() {
				t, err := ControlType(b)
				if err != nil {
					return l.corrupt(s, pos, err)
				}
				ctrl = t
			}
			l.apply(b, ctrl, s)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if epochsChanged {
		return l.saveEpochs()
	}
	return nil
}

// TruncateTo removes every batch containing an offset at or after offset
// (replica truncation); see the package documentation. The log end becomes
// min(offset, base of the first removed batch).
func (l *Log) TruncateTo(offset int64) error {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return err
	}
	if offset < l.leo {
		if err := l.needHistory("truncate"); err != nil {
			return err
		}
	}
	if offset >= l.leo {
		return nil
	}
	if offset <= l.logStart {
		return l.truncateFully(offset)
	}
	si := l.segFor(offset)
	// Truncation is by whole batches: when the batch holding offset starts
	// below the log start, nothing at or above the log start survives, and
	// the log restarts empty at that batch (never an end below its start).
	if pos, err := l.segs[si].locate(offset); err != nil {
		return l.fail(l.corrupt(l.segs[si], pos, err))
	} else if pos < l.segs[si].data.Size() {
		h, _, err := l.segs[si].readHeader(pos)
		if err != nil {
			return l.fail(l.corrupt(l.segs[si], pos, err))
		}
		if h.BaseOffset() < l.logStart {
			return l.truncateFully(h.BaseOffset())
		}
	}
	// The recovery point goes first: a crash half-way must never leave it
	// past the last segment (Open takes that for a lost segment).
	if l.recovery > l.segs[si].base {
		if err := l.setRecoveryPoint(l.segs[si].base); err != nil {
			return err
		}
	}
	for len(l.segs) > si+1 {
		last := l.segs[len(l.segs)-1]
		if err := l.be.removeSegment(last); err != nil {
			return l.fail(storageErr("remove segment", err))
		}
		l.segs = l.segs[:len(l.segs)-1]
	}
	seg := l.segs[si]
	pos, err := seg.locate(offset)
	if err != nil {
		return l.fail(l.corrupt(seg, pos, err))
	}
	newEnd := offset
	if pos < seg.data.Size() {
		h, _, err := seg.readHeader(pos)
		if err != nil {
			return l.fail(l.corrupt(seg, pos, err))
		}
		newEnd = min(offset, h.BaseOffset())
	}
	if err := seg.data.Truncate(pos); err != nil {
		return l.fail(storageErr("truncate segment", err))
	}
	if err := l.be.dropIndexes(seg.base); err != nil {
		return l.fail(storageErr("drop indexes", err))
	}
	if _, err := seg.rescan(l.cfg.IndexIntervalBytes, false, anyGaps); err != nil {
		return l.fail(l.corrupt(seg, 0, err))
	}
	l.leo = max(newEnd, seg.base)
	l.hw = min(l.hw, l.leo)
	if l.cleaned > l.leo {
		if err := l.setCleaned(l.leo); err != nil {
			return err
		}
	}
	if l.epochs.truncateFromEnd(l.leo) {
		if err := l.saveEpochs(); err != nil {
			return err
		}
	}
	if l.recovery > seg.base {
		if err := l.setRecoveryPoint(seg.base); err != nil {
			return err
		}
	}
	if err := l.rebuildProducers(); err != nil {
		return err
	}
	if l.leo > seg.next {
		// The log now ends inside a gap compaction left, past the last
		// batch of its last segment. A segment's data says only where
		// its last batch ends, so a log reopened from it would end
		// lower, at offsets already given out (and a clean shutdown's
		// marker would disagree with it). A new, empty active segment
		// based at the log end records where the log ends.
		return l.roll(l.cfg.Clock())
	}
	return nil
}

// TruncateFullyAndStartAt empties the log and restarts it at offset, as a
// replica does when the leader's log starts after its end.
func (l *Log) TruncateFullyAndStartAt(offset int64) error {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return err
	}
	return l.truncateFully(offset)
}

func (l *Log) truncateFully(offset int64) error {
	if offset < 0 {
		return errorf(ErrOffsetOutOfRange, "offset %d", offset)
	}
	// Newest first, so that a crash half-way leaves a shorter log, not one
	// with a hole at its start; the recovery point first of all.
	if l.recovery > l.segs[0].base {
		if err := l.setRecoveryPoint(l.segs[0].base); err != nil {
			return err
		}
	}
	for len(l.segs) > 0 {
		if err := l.be.removeSegment(l.active()); err != nil {
			return l.fail(storageErr("remove segment", err))
		}
		l.segs = l.segs[:len(l.segs)-1]
	}
	l.logStart = offset
	if err := l.saveLogStart(); err != nil {
		return err
	}
	if err := l.setCleaned(0); err != nil {
		return err
	}
	offs, err := l.snapshotOffsets()
	if err != nil {
		return l.fail(storageErr("list snapshots", err))
	}
	for _, o := range offs {
		if err := l.be.removeMeta(snapshotName(o)); err != nil {
			return l.fail(storageErr("remove snapshot", err))
		}
	}
	if err := l.createFirst(offset); err != nil {
		return l.fail(err)
	}
	l.producers, l.txns = producerStates{}, nil
	// Every segment went, released bytes with them: the new log is whole.
	l.released, l.dropped = offset, false
	l.epochs = nil
	if err := l.saveEpochs(); err != nil {
		return err
	}
	return l.setRecoveryPoint(offset)
}

func (l *Log) saveLogStart() error {
	if err := l.be.putMeta(metaLogStart, []byte(strconv.FormatInt(l.logStart, 10)+"\n")); err != nil {
		return l.fail(storageErr("write log start offset", err))
	}
	return nil
}

// RetentionResult reports what retention or DeleteRecordsBefore removed.
type RetentionResult struct {
	SegmentsDeleted int
	BytesDeleted    int64 // declared
	LogStartOffset  int64
}

// ApplyRetention deletes the oldest segments that are past RetentionAge or
// beyond RetentionBytes. Only whole segments below the high watermark go,
// never the active one.
func (l *Log) ApplyRetention() (RetentionResult, error) {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return RetentionResult{}, err
	}
	nowMs := l.cfg.Clock() / 1e6
	var total int64
	for _, s := range l.segs {
		total += s.size
	}
	n := 0
	for n < len(l.segs)-1 {
		s := l.segs[n]
		if s.next > l.hw {
			break
		}
		byTime := l.cfg.RetentionAge > 0 && s.maxTs < nowMs-l.cfg.RetentionAge.Milliseconds()
		bySize := l.cfg.RetentionBytes > 0 && total-s.size >= l.cfg.RetentionBytes
		if !byTime && !bySize {
			break
		}
		total -= s.size
		n++
	}
	return l.deleteOldest(n, l.segs[n].base)
}

// deleteOldest removes the first n segments and moves the log start to at
// least start.
func (l *Log) deleteOldest(n int, start int64) (RetentionResult, error) {
	res := RetentionResult{}
	// The log start goes first: a crash half-way leaves segments wholly
	// below it, which the next Open removes, never a log whose first
	// segment starts after its log start.
	if start > l.logStart {
		l.logStart = start
		if err := l.saveLogStart(); err != nil {
			return res, err
		}
		if l.epochs.truncateFromStart(start) {
			if err := l.saveEpochs(); err != nil {
				return res, err
			}
		}
	}
	for i := 0; i < n; i++ {
		s := l.segs[0]
		if err := l.be.removeSegment(s); err != nil {
			return res, l.fail(storageErr("remove segment", err))
		}
		res.SegmentsDeleted++
		res.BytesDeleted += s.size
		l.segs = l.segs[1:]
	}
	res.LogStartOffset = l.logStart
	return res, nil
}

// DeleteRecordsBefore moves the log start offset to offset (at most the
// high watermark) and deletes the segments wholly before it.
func (l *Log) DeleteRecordsBefore(offset int64) (RetentionResult, error) {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return RetentionResult{}, err
	}
	if offset > l.hw || offset < 0 {
		return RetentionResult{}, errorf(ErrOffsetOutOfRange, "delete before %d: high watermark is %d", offset, l.hw)
	}
	if offset <= l.logStart {
		return RetentionResult{LogStartOffset: l.logStart}, nil
	}
	n := 0
	for n < len(l.segs)-1 && l.segs[n+1].base <= offset {
		n++
	}
	return l.deleteOldest(n, offset)
}

// CompactResult reports what a compaction pass did.
type CompactResult struct {
	SegmentsCleaned   int
	SegmentsRemoved   int   // emptied by the cleaner (this pass or before) and removed
	BytesBefore       int64 // declared size of the cleaned segments before
	BytesAfter        int64 // and after
	RecordsRemoved    int64
	TombstonesRemoved int64
}

// BytesReclaimed is BytesBefore - BytesAfter.
func (r CompactResult) BytesReclaimed() int64 { return r.BytesBefore - r.BytesAfter }

// Compact keeps only the latest record per key in the segments wholly below
// the active segment and the last stable offset, dropping tombstones whose
// batch is older than DeleteRetention. Offsets never change. Records with a
// null key and control batches are kept. A segment left without batches is
// removed, unless it is the first.
func (l *Log) Compact() (CompactResult, error) {
	l.mu.Lock()
	defer l.unlock()
	var res CompactResult
	if err := l.usable(); err != nil {
		return res, err
	}
	if err := l.needHistory("compact"); err != nil {
		return res, err
	}
	limit := l.lastStable()
	k := 0
	for k < len(l.segs)-1 && l.segs[k].next <= limit {
		k++
	}
	if k == 0 {
		return res, nil
	}
	// On files, CRCs are checked: compaction must never turn bytes that
	// rotted on disk into a fresh batch with a valid CRC.
	_, inMemory := l.be.(*memBackend)
	onFiles := !inMemory
	latest := lastOffsets{at: map[string]int{}}
	// The first pass also notes each record's key, so that the second
	// decides which records stay without decoding the batches again: it
	// decodes only those it rewrites (most of a busy offsets log's
	// batches are superseded whole). Past maxSeen records the second pass
	// decodes every batch instead, to keep the notes' memory bounded.
	notes := notesPool.Get().(*cleanerNotes)
	defer notesPool.Put(notes)
	seen, counts := notes.seen[:0], notes.counts[:0] // counts: records of each non-control batch, in order
	defer func() { notes.seen, notes.counts = seen[:0], counts[:0] }()
	noted := true
	for _, s := range l.segs[:k] {
		err := l.each(s, 0, true, onFiles, func(b Batch, pos int64) error {
			if b.IsControl() {
				return nil
			}
			if err := l.rr.Reset(b); err != nil {
				return l.corrupt(s, pos, err)
			}
			n := int32(0)
			for l.rr.Next() {
				r := l.rr.Record()
				key := int32(-1)
				if r.Key != nil {
					key = latest.set(r.Key, r.Offset)
				}
				if noted {
					seen = append(seen, seenRecord{off: r.Offset, key: key, tombstone: r.IsTombstone()})
				}
				n++
			}
			if err := l.rr.Err(); err != nil {
				return l.corrupt(s, pos, err)
			}
			counts = append(counts, n)
			if noted && len(seen) > maxSeen {
				noted, seen = false, nil
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	// The checkpoint goes first, so that a crash half-way never leaves
	// compacted gaps above it.
	if l.segs[k].base > l.cleaned {
		if err := l.setCleaned(l.segs[k].base); err != nil {
			return res, err
		}
	}
	horizon := l.cfg.Clock()/1e6 - l.cfg.DeleteRetention.Milliseconds()
	var out []byte
	var hdrs []Header
	batch, first := 0, 0 // the batch's index in counts, its first record's in seen
	for _, s := range l.segs[:k] {
		out = out[:0]
		before := s.size
		changed := false
		err := l.each(s, 0, true, onFiles, func(b Batch, pos int64) error {
			if b.IsControl() {
				out = append(out, b...)
				return nil
			}
			if batch >= len(counts) {
				return l.corrupt(s, pos, fmt.Errorf("a batch the cleaner's first pass did not see"))
			}
			total, kept := int(counts[batch]), 0
			batch++
			if noted {
				for _, r := range seen[first : first+total] {
					if r.keep(&latest, b, horizon, &res) {
						kept++
					}
				}
				first += total
			} else {
				if err := l.rr.Reset(b); err != nil {
					return l.corrupt(s, pos, err)
				}
				for l.rr.Next() {
					if keep(l.rr.Record(), &latest, b, horizon, &res) {
						kept++
					}
				}
				if err := l.rr.Err(); err != nil {
					return l.corrupt(s, pos, err)
				}
			}
			switch {
			case kept == total:
				out = append(out, b...)
				return nil
			case kept == 0:
				changed = true
				return nil
			}
			changed = true
			l.bb.resetFrom(b)
			if err := l.rr.Reset(b); err != nil {
				return err
			}
			var dummy CompactResult
			for l.rr.Next() {
				r := l.rr.Record()
				if !keep(r, &latest, b, horizon, &dummy) {
					continue
				}
				var err error
				if hdrs, err = r.Headers(hdrs); err != nil {
					return l.corrupt(s, pos, err)
				}
				l.bb.add(r.Offset-b.BaseOffset(), r.Timestamp, r.Key, r.Value, r.ValueSize, hdrs)
			}
			nb, err := l.bb.Build()
			if err != nil {
				return err
			}
			out = append(out, nb...)
			return nil
		})
		if err != nil {
			return res, err
		}
		if !changed {
			continue
		}
		data, err := l.be.replaceSegment(s, out)
		if err != nil {
			return res, l.fail(storageErr("replace segment", err))
		}
		s.data = data
		if _, err := s.rescan(l.cfg.IndexIntervalBytes, false, anyGaps); err != nil {
			return res, l.fail(l.corrupt(s, 0, err))
		}
		if err := l.be.saveIndexes(s, true); err != nil {
			return res, l.fail(storageErr("write indexes", err))
		}
		if s.next < s.base {
			s.next = s.base
		}
		res.SegmentsCleaned++
		res.BytesBefore += before
		res.BytesAfter += s.size
	}
	// Segments the cleaner emptied go, but the first, which holds the log
	// start (Kafka's cleaner merges small cleaned segments into one: an
	// empty one merges into nothing). The offsets log of a long run would
	// otherwise keep thousands of them, each with its bookkeeping. Their
	// offsets become a gap between segments, below the cleaner checkpoint
	// like the gaps compaction leaves inside segments; a crash half-way
	// leaves some of them, which is as valid.
	kept := l.segs[:1]
	for i, s := range l.segs[1:] {
		if i+1 < k && s.batches == 0 {
			if err := l.be.removeSegment(s); err != nil {
				return res, l.fail(storageErr("remove segment", err))
			}
			res.SegmentsRemoved++
			continue
		}
		kept = append(kept, s)
	}
	clear(l.segs[len(kept):])
	l.segs = kept
	return res, nil
}

// keep decides whether compaction keeps a record, counting what it drops.
// lastOffsets is the latest offset of each key. A key's bytes are
// converted to a map key (allocated) once, when first seen: assigning
// m[string(b)] allocates every time, a lookup does not.
type lastOffsets struct {
	at   map[string]int // key → index in offs
	offs []int64
}

// set records off as key's latest offset and returns the key's index in
// offs.
func (m *lastOffsets) set(key []byte, off int64) int32 {
	if i, ok := m.at[string(key)]; ok {
		m.offs[i] = off
		return int32(i)
	}
	m.at[string(key)] = len(m.offs)
	m.offs = append(m.offs, off)
	return int32(len(m.offs) - 1)
}

func (m *lastOffsets) get(key []byte) int64 {
	if i, ok := m.at[string(key)]; ok {
		return m.offs[i]
	}
	return 0
}

// seenRecord is what the cleaner's first pass notes of a record: its
// offset, its key's index in lastOffsets.offs (-1 for a null key) and
// whether it is a tombstone.
type seenRecord struct {
	off       int64
	key       int32
	tombstone bool
}

// cleanerNotes are a compaction's notes, kept for the next one (of any
// log: a pool, since logs may be written from several goroutines) so that
// each does not grow them afresh.
type cleanerNotes struct {
	seen   []seenRecord
	counts []int32
}

var notesPool = sync.Pool{New: func() any { return new(cleanerNotes) }}

// maxSeen bounds the records a compaction notes (16 bytes each). Tests
// lower it to run the other way.
var maxSeen = 1 << 20

// keep is keep for a noted record.
func (r seenRecord) keep(latest *lastOffsets, b Batch, horizon int64, res *CompactResult) bool {
	if r.key < 0 {
		return true
	}
	if latest.offs[r.key] != r.off {
		res.RecordsRemoved++
		return false
	}
	if r.tombstone && b.MaxTimestamp() < horizon {
		res.RecordsRemoved++
		res.TombstonesRemoved++
		return false
	}
	return true
}

func keep(r *Record, latest *lastOffsets, b Batch, horizon int64, res *CompactResult) bool {
	if r.Key == nil {
		return true
	}
	if latest.get(r.Key) != r.Offset {
		res.RecordsRemoved++
		return false
	}
	if r.IsTombstone() && b.MaxTimestamp() < horizon {
		res.RecordsRemoved++
		res.TombstonesRemoved++
		return false
	}
	return true
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
