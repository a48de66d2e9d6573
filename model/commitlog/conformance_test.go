package commitlog

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"mqsim/model/commitlog/vfs"
)

func TestReadBoundsAndMaxBytes(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		l := bc.open(t, Config{})
		var sizes []int64
		for i := 0; i < 4; i++ {
			b := simple(t, 0, 10)
			sizes = append(sizes, b.Size())
			mustAppend(t, l, b, 0)
		}
		// A budget of two batches and one byte returns exactly two.
		res, err := l.Read(0, ReadOptions{MaxBytes: sizes[0] + sizes[1] + 1})
		if err != nil || res.NextOffset != 20 || res.Size != sizes[0]+sizes[1] {
			t.Fatalf("Read = next %d size %d (%v), want next 20 size %d", res.NextOffset, res.Size, err, sizes[0]+sizes[1])
		}
		// Strict with a budget below one batch returns nothing.
		res, _ = l.Read(0, ReadOptions{MaxBytes: 10, Strict: true})
		if len(res.Data) != 0 {
			t.Fatalf("strict read returned %d bytes", len(res.Data))
		}
		// The high watermark bounds consumer reads.
		if err := l.SetHighWatermark(20); err != nil {
			t.Fatal(err)
		}
		if got := len(readAll(t, l, 0, UptoHighWatermark)); got != 20 {
			t.Fatalf("read %d records below the high watermark, want 20", got)
		}
		if err := l.SetHighWatermark(41); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("SetHighWatermark past end: %v", err)
		}
	})
}

func TestIdempotentProducer(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		l := bc.open(t, Config{})
		h := func(epoch int16, seq int32) BatchHeader {
			return BatchHeader{Idempotent: true, ProducerID: 7, ProducerEpoch: epoch, BaseSequence: seq}
		}
		two := []rec{{1, []byte("a"), []byte("1")}, {2, []byte("b"), []byte("2")}}
		mustAppend(t, l, build(t, h(0, 0), two...), 0) // seq 0-1, offsets 0-1
		mustAppend(t, l, build(t, h(0, 2), two...), 0) // seq 2-3, offsets 2-3
		// A retry of the first batch comes back with its original offsets.
		r := mustAppend(t, l, build(t, h(0, 0), two...), 0)
		if !r.Duplicate || r.FirstOffset != 0 || r.LastOffset != 1 {
			t.Fatalf("duplicate = %+v, want offsets 0..1 marked duplicate", r)
		}
		if l.LogEndOffset() != 4 {
			t.Fatalf("duplicate was appended: end %d", l.LogEndOffset())
		}
		if _, err := l.Append(build(t, h(0, 7), two...), 0); !errors.Is(err, ErrOutOfOrderSequence) {
			t.Fatalf("gap in sequence: %v, want ErrOutOfOrderSequence", err)
		}
		var kerr *Error
		if _, err := l.Append(build(t, h(0, 7), two...), 0); !errors.As(err, &kerr) || kerr.Code != 45 {
			t.Fatalf("errors.As code: %v", err)
		}
		// A new epoch must start at 0; then the old epoch is fenced.
		if _, err := l.Append(build(t, h(1, 5), two...), 0); !errors.Is(err, ErrOutOfOrderSequence) {
			t.Fatalf("new epoch at seq 5: %v", err)
		}
		mustAppend(t, l, build(t, h(1, 0), two...), 0)
		if _, err := l.Append(build(t, h(0, 4), two...), 0); !errors.Is(err, ErrInvalidProducerEpoch) {
			t.Fatalf("stale epoch: %v, want ErrInvalidProducerEpoch", err)
		}
		// Only the last 5 batches are remembered.
		for i := int32(1); i <= 5; i++ {
			mustAppend(t, l, build(t, h(1, 2*i), two...), 0)
		}
		if _, err := l.Append(build(t, h(1, 0), two...), 0); !errors.Is(err, ErrOutOfOrderSequence) {
			t.Fatalf("batch older than the 5 remembered: %v", err)
		}
		if bc.reopen != nil {
			l = bc.reopen(t, l, Config{})
			r := mustAppend(t, l, build(t, h(1, 10), two...), 0)
			if !r.Duplicate {
				t.Fatalf("dedupe state lost across restart: %+v", r)
			}
		}
	})
}

func TestLeaderEpochCache(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		l := bc.open(t, Config{})
		// Epoch 1: offsets 0-9; epoch 3: 10-19; epoch 4: 20-24.
		mustAppend(t, l, simple(t, 0, 10), 1)
		mustAppend(t, l, simple(t, 0, 10), 3)
		mustAppend(t, l, simple(t, 0, 5), 4)
		cases := []struct {
			epoch     int32
			wantEpoch int32
			wantEnd   int64
		}{
			{4, 4, 25},  // latest epoch: the log end
			{3, 3, 20},  // ends where epoch 4 starts
			{2, 1, 10},  // unknown epoch: the largest below it, ending where 3 starts (KIP-279)
			{1, 1, 10},  //
			{0, 0, 0},   // older than all: the first start offset
			{5, -1, -1}, // newer than all: undefined
		}
		check := func(l *Log) {
			for _, c := range cases {
				e, o := l.EndOffsetForEpoch(c.epoch)
				if e != c.wantEpoch || o != c.wantEnd {
					t.Errorf("EndOffsetForEpoch(%d) = (%d, %d), want (%d, %d)", c.epoch, e, o, c.wantEpoch, c.wantEnd)
				}
			}
		}
		check(l)
		if _, err := l.Append(simple(t, 0, 1), 3); !errors.Is(err, ErrFencedLeaderEpoch) {
			t.Fatalf("append in an old epoch: %v", err)
		}
		if bc.reopen != nil {
			l = bc.reopen(t, l, Config{})
			check(l)
		}
		// Truncation drops the epochs that start at or after the new end.
		if err := l.TruncateTo(15); err != nil {
			t.Fatal(err)
		}
		if got := l.LogEndOffset(); got != 10 {
			t.Fatalf("TruncateTo(15) in a batch 10-19: end %d, want 10", got)
		}
		if e, _ := l.LatestEpoch(); e != 1 {
			t.Fatalf("latest epoch after truncation %d, want 1", e)
		}
	})
}

func TestTruncateAndReappend(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		l := bc.open(t, Config{SegmentBytes: 600})
		h := BatchHeader{Idempotent: true, ProducerID: 1}
		for i := int32(0); i < 20; i++ {
			h.BaseSequence = 3 * i
			mustAppend(t, l, build(t, h, rec{1, []byte("k"), bytes.Repeat([]byte("x"), 40)}, rec{2, nil, []byte("y")}, rec{3, nil, nil}), 0)
		}
		if n := len(l.Segments()); n < 3 {
			t.Fatalf("want several segments, got %d", n)
		}
		// Batches hold 3 records; truncating at 31 removes the batch 30-32.
		if err := l.TruncateTo(31); err != nil {
			t.Fatal(err)
		}
		if l.LogEndOffset() != 30 {
			t.Fatalf("end %d, want 30", l.LogEndOffset())
		}
		// Producer state rolled back: sequence 30 (batch 10) is new again.
		h.BaseSequence = 30
		r := mustAppend(t, l, build(t, h, rec{1, []byte("k"), []byte("again")}, rec{2, nil, nil}, rec{3, nil, nil}), 0)
		if r.Duplicate || r.FirstOffset != 30 {
			t.Fatalf("re-append after truncation = %+v, want offset 30, not duplicate", r)
		}
		recs := readAll(t, l, 0, UptoLogEnd)
		if len(recs) != 33 || string(recs[30].Value) != "again" {
			t.Fatalf("after truncation: %d records", len(recs))
		}
		if bc.reopen != nil {
			l = bc.reopen(t, l, Config{SegmentBytes: 600})
			if got := len(readAll(t, l, 0, UptoLogEnd)); got != 33 {
				t.Fatalf("after reopen: %d records", got)
			}
		}
	})
}

func TestRollingIndexAndOffsetForTime(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		cfg := Config{SegmentBytes: 4000, IndexIntervalBytes: 300}
		l := bc.open(t, cfg)
		// 100 batches of 2 records; batch i has timestamps 1000+10i, +1.
		for i := 0; i < 100; i++ {
			mustAppend(t, l, simple(t, 1000+10*int64(i), 2), 0)
		}
		segs := l.Segments()
		for _, s := range segs[:len(segs)-1] {
			if s.Size > 4000 {
				t.Fatalf("segment %d is %d bytes, over 4000", s.BaseOffset, s.Size)
			}
		}
		check := func(l *Log) {
			for _, c := range []struct {
				ts   int64
				want int64
				ok   bool
			}{{0, 0, true}, {1000, 0, true}, {1001, 1, true}, {1002, 2, true}, {1505, 102, true}, {1991, 199, true}, {1992, -1, false}} {
				off, ok, err := l.OffsetForTime(c.ts)
				if err != nil || off != c.want || ok != c.ok {
					t.Errorf("OffsetForTime(%d) = %d, %v, %v; want %d, %v", c.ts, off, ok, err, c.want, c.ok)
				}
			}
			for off := int64(0); off < 200; off += 7 {
				res, err := l.Read(off, ReadOptions{MaxBytes: 1})
				if err != nil {
					t.Fatal(err)
				}
				b := Batch(res.Data)
				if b.BaseOffset() != off&^1 {
					t.Fatalf("Read(%d) started at %d, want %d", off, b.BaseOffset(), off&^1)
				}
			}
		}
		check(l)
		if bc.reopen != nil {
			check(bc.reopen(t, l, cfg))
		}
	})
}

func TestRetention(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		now := int64(0)
		cfg := Config{SegmentBytes: 1000, RetentionBytes: 3000, RetentionAge: time.Hour, Clock: func() int64 { return now }}
		l := bc.open(t, cfg)
		for i := 0; i < 80; i++ {
			mustAppend(t, l, simple(t, int64(i)*60_000, 2), 0) // one batch a minute
		}
		segs := l.Segments()
		// Nothing goes while the high watermark is at 0.
		if r, _ := l.ApplyRetention(); r.SegmentsDeleted != 0 {
			t.Fatalf("retention deleted above the high watermark")
		}
		l.SetHighWatermark(l.LogEndOffset())
		r, err := l.ApplyRetention()
		if err != nil {
			t.Fatal(err)
		}
		var left int64
		for _, s := range l.Segments() {
			left += s.Size
		}
		// By size: the remaining log is at least 3000 bytes, and dropping
		// its oldest segment would take it below.
		first := l.Segments()[0]
		if left < 3000 || left-first.Size >= 3000 || r.SegmentsDeleted == 0 {
			t.Fatalf("after size retention %d bytes in %d segments (deleted %d)", left, len(l.Segments()), r.SegmentsDeleted)
		}
		if l.LogStartOffset() != first.BaseOffset || r.LogStartOffset != first.BaseOffset {
			t.Fatalf("log start %d, want %d", l.LogStartOffset(), first.BaseOffset)
		}
		if _, err := l.Read(0, ReadOptions{}); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("read below log start: %v", err)
		}
		// By time: at 60 minutes after the last batch, only the active
		// segment stays.
		now = int64(80*time.Minute + 61*time.Minute)
		if _, err := l.ApplyRetention(); err != nil {
			t.Fatal(err)
		}
		if got := l.Segments(); len(got) != 1 || got[0].BaseOffset != segs[len(segs)-1].BaseOffset {
			t.Fatalf("after time retention %d segments", len(got))
		}
		// DeleteRecordsBefore moves the start inside the active segment.
		if _, err := l.DeleteRecordsBefore(159); err != nil || l.LogStartOffset() != 159 {
			t.Fatalf("DeleteRecordsBefore(159): start %d, %v", l.LogStartOffset(), err)
		}
		if _, err := l.DeleteRecordsBefore(161); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("delete past the high watermark: %v", err)
		}
		if recs := readAll(t, l, 159, UptoLogEnd); len(recs) != 1 || recs[0].Offset != 159 {
			t.Fatalf("read from new start: %v", recs)
		}
		if bc.reopen != nil {
			l = bc.reopen(t, l, cfg)
			if l.LogStartOffset() != 159 {
				t.Fatalf("log start after reopen %d", l.LogStartOffset())
			}
		}
	})
}

func TestCompaction(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		now := int64(0)
		cfg := Config{SegmentBytes: 500, DeleteRetention: time.Hour, Clock: func() int64 { return now }}
		l := bc.open(t, cfg)
		// Keys a..e written 10 times each in rounds; round r value "r<r>".
		// In round 8 key "e" gets a tombstone; a null-key record each round.
		for r := 0; r < 10; r++ {
			var recs []rec
			for _, k := range []string{"a", "b", "c", "d", "e"} {
				v := []byte(fmt.Sprintf("r%d", r))
				if r == 8 && k == "e" {
					v = nil
				}
				if r == 9 && k == "e" {
					continue
				}
				recs = append(recs, rec{int64(r), []byte(k), v})
			}
			recs = append(recs, rec{int64(r), nil, []byte("nokey")})
			mustAppend(t, l, build(t, BatchHeader{Compression: CompressionZstd}, recs...), 0)
		}
		end := l.LogEndOffset()
		l.SetHighWatermark(end)
		activeBase := l.Segments()[len(l.Segments())-1].BaseOffset
		before := readAll(t, l, 0, UptoLogEnd)
		res, err := l.Compact()
		if err != nil {
			t.Fatal(err)
		}
		after := readAll(t, l, 0, UptoLogEnd)
		// Expected: every record at or after the active segment, every
		// null-key record, and below it only the latest per key. The
		// tombstone is younger than DeleteRetention, so it stays.
		lastOff := map[string]int64{}
		for _, r := range before {
			if r.Key != nil && r.Offset < activeBase {
				lastOff[string(r.Key)] = r.Offset
			}
		}
		var want []Record
		for _, r := range before {
			if r.Offset >= activeBase || r.Key == nil || lastOff[string(r.Key)] == r.Offset {
				want = append(want, r)
			}
		}
		if len(after) != len(want) {
			t.Fatalf("after compaction %d records, want %d", len(after), len(want))
		}
		for i := range want {
			if after[i].Offset != want[i].Offset || !bytes.Equal(after[i].Value, want[i].Value) || after[i].ValueSize != want[i].ValueSize {
				t.Fatalf("record %d = %d %q, want %d %q", i, after[i].Offset, after[i].Value, want[i].Offset, want[i].Value)
			}
		}
		if res.RecordsRemoved != int64(len(before)-len(after)) || res.BytesReclaimed() <= 0 {
			t.Fatalf("result %+v for %d removed", res, len(before)-len(after))
		}
		if l.LogEndOffset() != end {
			t.Fatalf("compaction moved the end")
		}
	})
}

func TestTransactions(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		l := bc.open(t, Config{})
		var bb BatchBuilder
		txn := func(pid int64, seq int32, v string) Batch {
			return build(t, BatchHeader{Transactional: true, ProducerID: pid, BaseSequence: seq}, rec{1, []byte("k"), []byte(v)})
		}
		marker := func(pid int64, commit bool) Batch {
			b, err := bb.BuildControl(pid, 0, commit, 0, 2)
			if err != nil {
				t.Fatal(err)
			}
			return append(Batch(nil), b...)
		}
		mustAppend(t, l, simple(t, 0, 1), 0)   // 0: plain
		mustAppend(t, l, txn(1, 0, "p1-a"), 0) // 1: pid 1 (will abort)
		mustAppend(t, l, txn(2, 0, "p2-a"), 0) // 2: pid 2 (will commit)
		mustAppend(t, l, txn(1, 1, "p1-b"), 0) // 3
		l.SetHighWatermark(l.LogEndOffset())
		if got := l.LastStableOffset(); got != 1 {
			t.Fatalf("LSO with open transactions = %d, want 1", got)
		}
		mustAppend(t, l, marker(1, false), 0) // 4: abort pid 1
		mustAppend(t, l, marker(2, true), 0)  // 5: commit pid 2
		mustAppend(t, l, simple(t, 0, 1), 0)  // 6
		// Markers above the high watermark still hold the LSO back.
		if got := l.LastStableOffset(); got != 1 {
			t.Fatalf("LSO before markers are replicated = %d, want 1", got)
		}
		l.SetHighWatermark(7)
		if got := l.LastStableOffset(); got != 7 {
			t.Fatalf("LSO = %d, want 7", got)
		}
		check := func(l *Log, want string) {
			res, err := l.Read(0, ReadOptions{Upto: UptoLastStable})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Aborted) != 1 || res.Aborted[0] != (AbortedTxn{ProducerID: 1, FirstOffset: 1, LastOffset: 4, LastStableOffset: res.Aborted[0].LastStableOffset}) {
				t.Fatalf("aborted = %+v", res.Aborted)
			}
			var f CommittedFilter
			f.Reset(res.Aborted)
			var rr RecordReader
			var got []int64
			it := Batches(res.Data)
			for it.Next() {
				if f.Skip(it.Batch()) {
					continue
				}
				rr.Reset(it.Batch())
				for rr.Next() {
					got = append(got, rr.Record().Offset)
				}
			}
			if fmt.Sprint(got) != want {
				t.Fatalf("read_committed saw offsets %v, want %s", got, want)
			}
		}
		check(l, "[0 2 6]")
		if _, err := l.Append(simple(t, 0, 1), 0); err != nil {
			t.Fatal(err)
		}
		if bc.reopen != nil {
			l = bc.reopen(t, l, Config{})
			l.SetHighWatermark(l.LogEndOffset())
			check(l, "[0 2 6 7]")
		}
	})
}

func TestSizedRecords(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		cfg := Config{SegmentBytes: 100_000}
		l := bc.open(t, cfg)
		var bb BatchBuilder
		var stored, declared int64
		for i := 0; i < 20; i++ {
			bb.Reset(BatchHeader{SizedValues: true, Compression: CompressionLZ4})
			for j := 0; j < 32; j++ {
				id := []byte(fmt.Sprintf("msg-%04d-%04d...", i, j)) // 16 bytes
				bb.AddSized(int64(i), []byte("key"), id, 500, []Header{{Key: []byte("h"), Value: []byte("v")}})
			}
			b, err := bb.Build()
			if err != nil {
				t.Fatal(err)
			}
			// 32 values of 500 declared bytes, 16 stored: 32*484 elided.
			if b.ElidedBytes() != 32*484 {
				t.Fatalf("elided %d, want %d", b.ElidedBytes(), 32*484)
			}
			stored += b.StoredSize()
			declared += b.Size()
			mustAppend(t, l, b, 0)
		}
		st := l.Stats()
		if st.Size != declared || st.StoredBytes != stored || declared-stored != 20*32*484 {
			t.Fatalf("stats %+v, want size %d stored %d", st, declared, stored)
		}
		// Segments roll on declared size: 20 batches of > 16000 declared
		// bytes do not fit in 100 kB segments.
		if st.Segments < 4 {
			t.Fatalf("%d segments, want rolling on declared size", st.Segments)
		}
		// MaxBytes counts declared bytes: one batch per 16 kB budget.
		res, _ := l.Read(0, ReadOptions{MaxBytes: 17000})
		if res.NextOffset != 32 {
			t.Fatalf("read with a 17 kB budget ended at %d, want 32", res.NextOffset)
		}
		recs := readAll(t, l, 0, UptoLogEnd)
		if len(recs) != 640 {
			t.Fatalf("%d records", len(recs))
		}
		r := recs[33]
		if r.ValueSize != 500 || string(r.Value) != "msg-0001-0001..." || r.NumHeaders != 1 {
			t.Fatalf("record 33 = size %d value %q headers %d", r.ValueSize, r.Value, r.NumHeaders)
		}
	})
}

func TestCompressionCodecs(t *testing.T) {
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		t.Run(c.String(), func(t *testing.T) {
			var bb BatchBuilder
			bb.Reset(BatchHeader{Compression: c})
			for i := 0; i < 100; i++ {
				bb.Add(int64(i), []byte(fmt.Sprint(i)), bytes.Repeat([]byte{byte(i)}, 100), []Header{{Key: []byte("n"), Value: nil}})
			}
			b, err := bb.Build()
			if err != nil {
				t.Fatal(err)
			}
			if c != CompressionNone && b.StoredSize() > 5000 {
				t.Fatalf("%v did not compress: %d bytes", c, b.StoredSize())
			}
			b2, _, err := ParseBatch(b)
			if err != nil || b2.Compression() != c {
				t.Fatalf("ParseBatch: %v", err)
			}
			var rr RecordReader
			if err := rr.Reset(b2); err != nil {
				t.Fatal(err)
			}
			n := 0
			var hs []Header
			for rr.Next() {
				r := rr.Record()
				hs, _ = r.Headers(hs)
				if string(r.Key) != fmt.Sprint(n) || !bytes.Equal(r.Value, bytes.Repeat([]byte{byte(n)}, 100)) || len(hs) != 1 || hs[0].Value != nil {
					t.Fatalf("record %d wrong", n)
				}
				n++
			}
			if rr.Err() != nil || n != 100 {
				t.Fatalf("%d records, %v", n, rr.Err())
			}
		})
	}
}

func TestReplicationKeepsBatches(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		leader := bc.open(t, Config{SegmentBytes: 2000})
		follower := bc.open(t, Config{SegmentBytes: 2000})
		for i := 0; i < 30; i++ {
			h := BatchHeader{Idempotent: true, ProducerID: 9, BaseSequence: int32(3 * i)}
			mustAppend(t, leader, build(t, h, rec{1, []byte("a"), []byte("x")}, rec{2, nil, []byte("y")}, rec{3, nil, nil}), int32(i/10))
		}
		for follower.LogEndOffset() < leader.LogEndOffset() {
			res, err := leader.Read(follower.LogEndOffset(), ReadOptions{MaxBytes: 500})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := follower.AppendReplicated(res.Data); err != nil {
				t.Fatal(err)
			}
		}
		a, _ := leader.Read(0, ReadOptions{MaxBytes: 1 << 20})
		b, _ := follower.Read(0, ReadOptions{MaxBytes: 1 << 20})
		if !bytes.Equal(a.Data, b.Data) && len(leader.Segments()) == len(follower.Segments()) {
			t.Fatalf("follower's bytes differ from the leader's")
		}
		if fmt.Sprint(leader.Epochs()) != fmt.Sprint(follower.Epochs()) {
			t.Fatalf("epochs %v vs %v", leader.Epochs(), follower.Epochs())
		}
		if st, ok := follower.ProducerState(9); !ok || st.Batches[len(st.Batches)-1].LastSeq != 89 {
			t.Fatalf("follower producer state %+v", st)
		}
		// Non-contiguous and corrupt input are refused.
		again, _ := leader.Read(0, ReadOptions{MaxBytes: 1})
		if _, err := follower.AppendReplicated(again.Data); !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("overlapping append: %v", err)
		}
		bad := bytes.Clone(again.Data)
		Batch(bad).setBaseOffset(follower.LogEndOffset())
		bad[len(bad)-1] ^= 1
		if _, err := follower.AppendReplicated(bad); !errors.Is(err, ErrCorruptRecord) {
			t.Fatalf("corrupt append: %v", err)
		}
	})
}

// A read returns the same batches on every backend, whatever the memory
// backend's slab layout: a read that reaches a slab boundary continues
// across it instead of stopping short.
func TestReadAcrossSlabBoundary(t *testing.T) {
	mem, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	file, err := Open(vfs.NewMem(), "log", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	// 3 KB batches: each slab after the first (4 KiB, 8 KiB, …) ends
	// inside a batch.
	var bb BatchBuilder
	for i := 0; i < 200; i++ {
		bb.Reset(BatchHeader{})
		bb.Add(int64(i), nil, make([]byte, 3000), nil)
		b, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []*Log{mem, file} {
			if _, err := l.Append(append(Batch(nil), b...), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	for off := int64(0); off < 200; off += 7 {
		a, err := mem.Read(off, ReadOptions{MaxBytes: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		b, err := file.Read(off, ReadOptions{MaxBytes: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		if a.NextOffset != b.NextOffset || !bytes.Equal(a.Data, b.Data) {
			t.Fatalf("Read(%d): memory returns up to %d (%d bytes), file up to %d (%d bytes)", off, a.NextOffset, len(a.Data), b.NextOffset, len(b.Data))
		}
	}
}

// A compacted log truncated inside its compacted range (as a replica is
// after a leader change) and appended to again, by a leader and by a
// follower, reads back exactly what the reference model holds: the
// records compaction kept below the truncation point, then the new ones,
// with offsets increasing and every CRC valid, from the log start and
// from every offset. The truncation points are every kind of place
// compaction leaves: a gap (offsets no record holds), the offset just
// below the first one a compacted segment kept, that first offset, a
// segment's base, inside a segment compaction emptied, and inside a kept
// batch; file logs are also restarted between the steps. Reads up to a
// high watermark that ends inside the batch after a gap return nothing
// from the gap (they used to report that batch as corrupt).
func TestCompactTruncateAppend(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		cfg := Config{SegmentBytes: 400, IndexIntervalBytes: 100}
		// What a log of these records holds after one compaction does not
		// depend on the truncation point: find the points once.
		points := func() []int64 {
			l := bc.open(t, cfg)
			m := &refLog{}
			fillCompactable(t, l, m)
			var pts []int64
			gaps, firsts := m.points()
			pts = append(pts, gaps...)
			for _, f := range firsts {
				pts = append(pts, f, f-1, f+1)
			}
			for _, s := range l.Segments() {
				pts = append(pts, s.BaseOffset, s.BaseOffset+1, s.NextOffset)
			}
			slices.Sort(pts)
			return slices.Compact(pts)
		}()
		restarts := []string{"none"}
		if bc.reopen != nil {
			restarts = append(restarts, "before-truncate", "before-append", "after-append")
		}
		if bc.name == "file-os" {
			// Real files sync their directory at every segment created
			// or removed: a sample of the points, one restart (the
			// in-memory file system above runs them all).
			var some []int64
			for i := 0; i < len(points); i += 50 {
				some = append(some, points[i])
			}
			points, restarts = some, []string{"before-append"}
		}
		paths := []string{"leader", "follower", "follower-shared"}
		if bc.reopen != nil {
			paths = paths[:2] // a file log writes a shared append as a copy
		}
		for _, path := range paths {
			for _, rs := range restarts {
				for _, tr := range points {
					if tr < 0 {
						continue
					}
					if err := compactTruncateAppend(t, bc, cfg, path, rs, tr); err != nil {
						t.Fatalf("%s, restart %s, truncate to %d: %v", path, rs, tr, err)
					}
				}
			}
		}
	})
}

// fillCompactable appends 120 records in batches of one to three: keys
// k0-k4 over and over (compaction keeps only the last of each, emptying
// whole segments), a key used once every seventh record and a null key
// every thirteenth (kept, so compacted segments keep records with gaps
// between them), then compacts with everything below the high watermark.
func fillCompactable(t testing.TB, l *Log, m *refLog) {
	t.Helper()
	for i := 0; i < 120; {
		n := 1 + i%3
		recs := make([]refRec, n)
		var bb BatchBuilder
		bb.Reset(BatchHeader{})
		for j := range recs {
			k := i + j
			key := fmt.Appendf(nil, "k%d", k%5)
			switch {
			case k%13 == 0:
				key = nil
			case k%7 == 0:
				key = fmt.Appendf(nil, "u%d", k)
			}
			recs[j] = refRec{off: int64(k), key: key, val: fmt.Appendf(nil, "v%d", k)}
			bb.Add(0, key, recs[j].val, nil)
		}
		b, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, l, b, 0)
		m.add(refBatch{base: int64(i), last: int64(i + n - 1), epoch: 0, recs: recs})
		i += n
	}
	if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	limit := cleanLimit(l)
	res, err := l.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if want := m.compact(limit); res.RecordsRemoved != want {
		t.Fatalf("compaction removed %d records, want %d", res.RecordsRemoved, want)
	}
	if err := checkAgainst(l, m, 1<<20); err != nil {
		t.Fatalf("after compaction: %v", err)
	}
}

// compactTruncateAppend fills and compacts a log, truncates it to tr,
// appends three batches in a new epoch (as leader, or as follower of a
// leader whose log has a compacted gap), compacts again and compares the
// log with the model at each step.
func compactTruncateAppend(t *testing.T, bc backendCase, cfg Config, path, restartAt string, tr int64) error {
	l := bc.open(t, cfg)
	defer l.Close()
	m := &refLog{}
	fillCompactable(t, l, m)
	step := func(at string) error {
		if restartAt != at {
			return nil
		}
		n, err := restart(l, cfg)
		if err != nil {
			return fmt.Errorf("restart %s: %w", at, err)
		}
		l = n
		return nil
	}
	if err := step("before-truncate"); err != nil {
		return err
	}
	if err := l.TruncateTo(tr); err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	m.truncate(tr)
	if err := checkAgainst(l, m, 300, tr); err != nil {
		return fmt.Errorf("after truncation: %w", err)
	}
	if err := step("before-append"); err != nil {
		return err
	}
	for i := range 3 {
		base := m.leo
		if path != "leader" && i == 1 {
			base += 3 // the leader compacted offsets away here
		}
		recs := []refRec{
			{off: base, key: []byte("k1"), val: fmt.Appendf(nil, "new%d", i)},
			{off: base + 1, key: fmt.Appendf(nil, "n%d", i), val: []byte("x")},
		}
		b, err := buildRef(base, base+1, 1, recs)
		if err != nil {
			return err
		}
		switch path {
		case "leader":
			_, err = l.Append(b, 1)
		case "follower":
			_, err = l.AppendReplicated(b)
		default:
			_, err = l.AppendReplicatedShared(b)
		}
		if err != nil {
			return fmt.Errorf("append %d at %d: %w", i, base, err)
		}
		m.add(refBatch{base: base, last: base + 1, epoch: 1, recs: recs})
	}
	all := make([]int64, 0, m.leo+1)
	for o := range m.leo + 1 {
		all = append(all, o)
	}
	if err := checkAgainst(l, m, 300, all...); err != nil {
		return fmt.Errorf("after appending: %w", err)
	}
	if err := step("after-append"); err != nil {
		return err
	}
	if err := checkAgainst(l, m, 300, all...); err != nil {
		return fmt.Errorf("after appending and restarting: %w", err)
	}
	// A consumer reading up to a high watermark inside each new batch:
	// from a gap before it (where the truncation or the leader left one)
	// the read returns nothing, and no error.
	for _, b := range m.batches[len(m.batches)-3:] {
		if err := l.SetHighWatermark(b.base + 1); err != nil {
			return err
		}
		if err := checkHighWatermarkReads(l, m, b.base+1, 300, all[min(tr, m.leo):]...); err != nil {
			return err
		}
	}
	if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
		return err
	}
	limit := cleanLimit(l)
	res, err := l.Compact()
	if err != nil {
		return fmt.Errorf("compact again: %w", err)
	}
	if want := m.compact(limit); res.RecordsRemoved != want {
		return fmt.Errorf("compacting again removed %d records, want %d", res.RecordsRemoved, want)
	}
	if err := checkAgainst(l, m, 300, all...); err != nil {
		return fmt.Errorf("after compacting again: %w", err)
	}
	if bc.reopen != nil {
		n, err := restart(l, cfg)
		if err != nil {
			return fmt.Errorf("final restart: %w", err)
		}
		l = n
		if err := checkAgainst(l, m, 300, all...); err != nil {
			return fmt.Errorf("after the final restart: %w", err)
		}
	}
	return nil
}
