package commitlog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// refLog is a reference model of what a log holds, written from the
// storage contract alone (doc.go) and never from the engine's code: the
// batches in offset order with their records, the log end offset and the
// leader-epoch cache. It has no segments, slabs or files; the tests that
// use it take the one thing it cannot know, where the segments begin (the
// cleaner works on whole segments), from the log.
type refLog struct {
	batches []refBatch
	leo     int64
	epochs  []EpochEntry
}

type refBatch struct {
	base, last int64 // compaction keeps both, whatever records it drops
	epoch      int32
	recs       []refRec
}

type refRec struct {
	off      int64
	key, val []byte // nil key: never compacted away; nil value: a tombstone
}

// add appends a batch at b.base (a leader append has b.base = leo; a
// replicated one may start after it where the leader compacted). A new
// epoch starts at the batch's base offset.
func (m *refLog) add(b refBatch) {
	m.assignEpoch(b.epoch, b.base)
	m.batches = append(m.batches, b)
	m.leo = b.last + 1
}

// assignEpoch records that epoch starts at offset (a new leader's epoch
// starts at its log end). As Kafka's leader-epoch cache does, an entry
// for an older epoch starting at or after offset gives way.
func (m *refLog) assignEpoch(epoch int32, offset int64) {
	if n := len(m.epochs); n > 0 && m.epochs[n-1].Epoch >= epoch {
		return
	}
	m.epochs = slices.DeleteFunc(m.epochs, func(e EpochEntry) bool { return e.StartOffset >= offset })
	m.epochs = append(m.epochs, EpochEntry{epoch, offset})
}

// compact keeps, in the batches below limit (the base of the first segment
// the cleaner does not touch), only the latest record of each key and
// every null-key record; a batch left without records goes, one that
// keeps some keeps its base and last offsets. Tombstones younger than the
// delete retention stay, which is every tombstone here (time stands
// still). It returns the records removed.
func (m *refLog) compact(limit int64) int64 {
	latest := map[string]int64{}
	for _, b := range m.batches {
		if b.base >= limit {
			break
		}
		for _, r := range b.recs {
			if r.key != nil {
				latest[string(r.key)] = r.off
			}
		}
	}
	var removed int64
	out := m.batches[:0]
	for _, b := range m.batches {
		if b.base < limit {
			var kept []refRec
			for _, r := range b.recs {
				if r.key == nil || latest[string(r.key)] == r.off {
					kept = append(kept, r)
				} else {
					removed++
				}
			}
			if len(kept) == 0 {
				continue
			}
			b.recs = kept
		}
		out = append(out, b)
	}
	m.batches = out
	return removed
}

// truncate is TruncateTo(t): every batch holding an offset at or after t
// goes, and the log ends at t or at the base of the first batch removed,
// whichever is lower; epochs that start at or after the new end go too.
func (m *refLog) truncate(t int64) {
	if t >= m.leo {
		return
	}
	i := slices.IndexFunc(m.batches, func(b refBatch) bool { return b.last >= t })
	end := t
	if i >= 0 {
		end = min(t, m.batches[i].base)
		m.batches = m.batches[:i]
	}
	m.leo = end
	m.epochs = slices.DeleteFunc(m.epochs, func(e EpochEntry) bool { return e.StartOffset >= end })
}

// points lists, as gaps, offsets below the log end that no record holds,
// and, as firsts, the first offset held in each batch; tests truncate at
// both.
func (m *refLog) points() (gaps, firsts []int64) {
	next := int64(0)
	for _, b := range m.batches {
		for _, r := range b.recs {
			if r.off > next {
				gaps = append(gaps, next, r.off-1)
			}
			next = r.off + 1
		}
		firsts = append(firsts, b.recs[0].off)
	}
	if next < m.leo {
		gaps = append(gaps, next)
	}
	return gaps, firsts
}

// buildRef encodes recs as one batch at offsets base … last (last may lie
// past the last record: a batch whose tail the leader compacted away) in
// epoch, ready for AppendReplicated; for Append, base and epoch are
// overwritten by the log.
func buildRef(base, last int64, epoch int32, recs []refRec) (Batch, error) {
	var bb BatchBuilder
	bb.Reset(BatchHeader{})
	for _, r := range recs {
		size := int64(len(r.val))
		if r.val == nil {
			size = -1
		}
		bb.add(r.off-base, 0, r.key, r.val, size, nil)
	}
	b, err := bb.Build()
	if err != nil {
		return nil, err
	}
	b = append(Batch(nil), b...)
	binary.BigEndian.PutUint32(b[posLastOffsetDelta:], uint32(last-base))
	binary.BigEndian.PutUint32(b[posCRC:], b.computeCRC())
	b.setBaseOffset(base)
	b.setLeaderEpoch(epoch)
	return b, nil
}

// checkAgainst reads l and compares it with m: the log end, the epoch
// cache, every batch from the log start (its CRC, base and last offsets,
// epoch and records) and, from each offset of from, what a read there
// returns. It returns the first difference.
func checkAgainst(l *Log, m *refLog, maxBytes int64, from ...int64) error {
	if got := l.LogEndOffset(); got != m.leo {
		return fmt.Errorf("log end %d, want %d", got, m.leo)
	}
	want := m.epochs
	if len(want) == 0 {
		want = nil
	}
	if got := l.Epochs(); !slices.Equal(got, want) {
		return fmt.Errorf("epochs %v, want %v", got, want)
	}
	// Every batch from the start, in order.
	var got []refBatch
	for off := l.LogStartOffset(); ; {
		res, err := l.Read(off, ReadOptions{MaxBytes: maxBytes})
		if err != nil {
			return fmt.Errorf("read at %d: %w", off, err)
		}
		if len(res.Data) == 0 {
			break // the end, or a gap up to it: sameBatches tells
		}
		bs, err := decodeRef(res.Data)
		if err != nil {
			return fmt.Errorf("read at %d: %w", off, err)
		}
		got = append(got, bs...)
		if res.NextOffset <= off {
			return fmt.Errorf("read at %d: next offset %d", off, res.NextOffset)
		}
		off = res.NextOffset
	}
	if err := sameBatches(got, m.batches); err != nil {
		return fmt.Errorf("reading from the start: %w", err)
	}
	for _, o := range from {
		if o < l.LogStartOffset() || o > m.leo {
			continue
		}
		res, err := l.Read(o, ReadOptions{MaxBytes: maxBytes})
		if err != nil {
			return fmt.Errorf("read at %d: %w", o, err)
		}
		i := slices.IndexFunc(m.batches, func(b refBatch) bool { return b.last >= o })
		if i < 0 {
			if len(res.Data) != 0 {
				return fmt.Errorf("read at %d: %d bytes past the last batch", o, len(res.Data))
			}
			continue
		}
		bs, err := decodeRef(res.Data)
		if err != nil {
			return fmt.Errorf("read at %d: %w", o, err)
		}
		if len(bs) == 0 {
			return fmt.Errorf("read at %d: nothing, want the batch at %d", o, m.batches[i].base)
		}
		if err := sameBatches(bs, m.batches[i:i+len(bs)]); err != nil {
			return fmt.Errorf("read at %d: %w", o, err)
		}
	}
	return nil
}

// decodeRef decodes read data into batches, checking each CRC.
func decodeRef(data []byte) ([]refBatch, error) {
	var out []refBatch
	var rr RecordReader
	for len(data) > 0 {
		b, rest, err := ParseBatch(data)
		if err != nil {
			return nil, err
		}
		if _, err := validate(b); err != nil {
			return nil, fmt.Errorf("batch at %d: %w", b.BaseOffset(), err)
		}
		rb := refBatch{base: b.BaseOffset(), last: b.LastOffset(), epoch: b.LeaderEpoch()}
		if err := rr.Reset(b); err != nil {
			return nil, err
		}
		for rr.Next() {
			r := rr.Record()
			rec := refRec{off: r.Offset, key: bytes.Clone(r.Key), val: bytes.Clone(r.Value)}
			if r.IsTombstone() {
				rec.val = nil
			} else if rec.val == nil {
				rec.val = []byte{}
			}
			rb.recs = append(rb.recs, rec)
		}
		if err := rr.Err(); err != nil {
			return nil, fmt.Errorf("batch at %d: %w", b.BaseOffset(), err)
		}
		out = append(out, rb)
		data = rest
	}
	return out, nil
}

func sameBatches(got, want []refBatch) error {
	for i := range max(len(got), len(want)) {
		if i >= len(got) {
			return fmt.Errorf("batch %d (offsets %d-%d) missing", i, want[i].base, want[i].last)
		}
		if i >= len(want) {
			return fmt.Errorf("batch %d (offsets %d-%d) not expected", i, got[i].base, got[i].last)
		}
		g, w := got[i], want[i]
		if g.base != w.base || g.last != w.last || g.epoch != w.epoch || len(g.recs) != len(w.recs) {
			return fmt.Errorf("batch %d: offsets %d-%d epoch %d with %d records, want %d-%d epoch %d with %d",
				i, g.base, g.last, g.epoch, len(g.recs), w.base, w.last, w.epoch, len(w.recs))
		}
		for j := range g.recs {
			gr, wr := g.recs[j], w.recs[j]
			if gr.off != wr.off || !bytes.Equal(gr.key, wr.key) || (gr.key == nil) != (wr.key == nil) ||
				!bytes.Equal(gr.val, wr.val) || (gr.val == nil) != (wr.val == nil) {
				return fmt.Errorf("batch %d record %d: offset %d %q=%q, want offset %d %q=%q", i, j, gr.off, gr.key, gr.val, wr.off, wr.key, wr.val)
			}
		}
	}
	return nil
}

// cleanLimit is where l's cleaner stops (Compact's contract): the base of
// the first segment that is the active one or not wholly below the last
// stable offset.
func cleanLimit(l *Log) int64 {
	segs := l.Segments()
	lso := l.LastStableOffset()
	k := 0
	for k < len(segs)-1 && segs[k].NextOffset <= lso {
		k++
	}
	return segs[k].BaseOffset
}

// restart closes a file log, verifies its directory and opens it again.
func restart(l *Log, cfg Config) (*Log, error) {
	fb, ok := l.be.(*fileBackend)
	if !ok {
		return l, nil
	}
	if err := l.Close(); err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	rep, err := Verify(fb.fs, fb.dir)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if !rep.OK() {
		return nil, fmt.Errorf("verify: %v", rep.Problems)
	}
	n, err := Open(fb.fs, fb.dir, cfg)
	if err != nil {
		return nil, fmt.Errorf("reopen: %w", err)
	}
	if n.Recovery().Recovered() {
		return nil, fmt.Errorf("clean reopen recovered: %v", n.Recovery())
	}
	return n, nil
}

// checkHighWatermarkReads reads from each offset of from up to the high
// watermark hw, as a consumer does: the batches from the first one that
// holds an offset at or after the read offset, as long as they end below
// hw; nothing, and no error, when that first batch ends at or past hw.
func checkHighWatermarkReads(l *Log, m *refLog, hw, maxBytes int64, from ...int64) error {
	if got := l.HighWatermark(); got != hw {
		return fmt.Errorf("high watermark %d, want %d", got, hw)
	}
	for _, o := range from {
		if o < l.LogStartOffset() || o > m.leo {
			continue
		}
		res, err := l.Read(o, ReadOptions{MaxBytes: maxBytes, Upto: UptoHighWatermark})
		if err != nil {
			return fmt.Errorf("read at %d up to the high watermark %d: %w", o, hw, err)
		}
		bs, err := decodeRef(res.Data)
		if err != nil {
			return fmt.Errorf("read at %d up to the high watermark %d: %w", o, hw, err)
		}
		i := slices.IndexFunc(m.batches, func(b refBatch) bool { return b.last >= o })
		if i < 0 || m.batches[i].last >= hw {
			if len(bs) != 0 {
				return fmt.Errorf("read at %d up to the high watermark %d: %d batches, want none", o, hw, len(bs))
			}
			continue
		}
		if len(bs) == 0 {
			return fmt.Errorf("read at %d up to the high watermark %d: nothing, want the batch at %d", o, hw, m.batches[i].base)
		}
		if bs[len(bs)-1].last >= hw {
			return fmt.Errorf("read at %d up to the high watermark %d: a batch ends at %d", o, hw, bs[len(bs)-1].last)
		}
		if err := sameBatches(bs, m.batches[i:i+len(bs)]); err != nil {
			return fmt.Errorf("read at %d up to the high watermark %d: %w", o, hw, err)
		}
	}
	return nil
}
