package commitlog

import (
	"fmt"
	"testing"
)

// TestRecordBytes checks RecordBytes against hand-encoded records and
// against what the builder writes.
func TestRecordBytes(t *testing.T) {
	// Key "g/t/7" (5 bytes), an 8-byte value, no headers, deltas 0:
	// attributes 1 + timestamp delta 1 + offset delta 1 + key length 1 +
	// key 5 + value length 1 + value 8 + header count 1 = 19 bytes of
	// body, and a 1-byte length in front: 20.
	if got := RecordBytes(0, 0, 5, 8); got != 20 {
		t.Fatalf("RecordBytes(0, 0, 5, 8) = %d, want 20", got)
	}
	// Offset delta 64 zig-zags to 128: a 2-byte varint, so 21.
	if got := RecordBytes(64, 0, 5, 8); got != 21 {
		t.Fatalf("RecordBytes(64, 0, 5, 8) = %d, want 21", got)
	}
	// A 60-byte key: body 1+1+1+1+60+1+8+1 = 74 > 63, so its length
	// takes 2 bytes: 76.
	if got := RecordBytes(0, 0, 60, 8); got != 76 {
		t.Fatalf("RecordBytes(0, 0, 60, 8) = %d, want 76", got)
	}
	var bb BatchBuilder
	bb.Reset(BatchHeader{})
	var sum int64
	for i := range 300 {
		key := fmt.Appendf(nil, "group/topic/%d", i)
		bb.Add(9, key, make([]byte, 8), nil)
		sum += RecordBytes(int64(i), 0, len(key), 8)
	}
	b, err := bb.Build()
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != HeaderSize+sum {
		t.Fatalf("300 records built: %d bytes, RecordBytes sums to %d + header %d", b.Size(), sum, HeaderSize)
	}
}

// TestElidedRecords: a batch of declared-only records takes the same
// offsets and declared bytes as the batch it stands for, replicates as
// any batch, and reads back as a batch with those offsets and no records.
func TestElidedRecords(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		full := bc.open(t, Config{SegmentBytes: 50_000})
		sized := bc.open(t, Config{SegmentBytes: 50_000})
		follower := bc.open(t, Config{SegmentBytes: 50_000})
		var bb BatchBuilder
		for i := range 40 {
			n := 10 + 37*i%90
			bb.Reset(BatchHeader{})
			var recs int64
			for j := range n {
				key := fmt.Appendf(nil, "g/t/%d", j)
				bb.Add(int64(i), key, []byte("12345678"), nil)
				recs += RecordBytes(int64(j), 0, len(key), 8)
			}
			fb, err := bb.Build()
			if err != nil {
				t.Fatal(err)
			}
			mustAppend(t, full, fb, 0)
			// The sized header's 8-byte field stands in for 8 of the
			// records' bytes.
			bb.Reset(BatchHeader{SizedValues: true})
			bb.AddElided(int64(i), int32(n), recs-(SizedHeaderSize-HeaderSize))
			sb, err := bb.Build()
			if err != nil {
				t.Fatal(err)
			}
			if sb.StoredSize() != SizedHeaderSize || sb.NumRecords() != 0 || sb.LastOffsetDelta() != int32(n-1) {
				t.Fatalf("batch %d: stored %d records %d last delta %d; want %d, 0, %d", i, sb.StoredSize(), sb.NumRecords(), sb.LastOffsetDelta(), SizedHeaderSize, n-1)
			}
			mustAppend(t, sized, sb, 0)
		}
		if full.LogEndOffset() != sized.LogEndOffset() || full.Size() != sized.Size() || full.Stats().Segments != sized.Stats().Segments {
			t.Fatalf("full log: end %d size %d segments %d; elided: end %d size %d segments %d",
				full.LogEndOffset(), full.Size(), full.Stats().Segments, sized.LogEndOffset(), sized.Size(), sized.Stats().Segments)
		}
		for off := int64(0); off < sized.LogEndOffset(); {
			res, err := sized.Read(off, ReadOptions{MaxBytes: 8 << 10})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := follower.AppendReplicated(res.Data); err != nil {
				t.Fatal(err)
			}
			off = res.NextOffset
		}
		if follower.LogEndOffset() != sized.LogEndOffset() || follower.Size() != sized.Size() {
			t.Fatalf("follower: end %d size %d; leader %d, %d", follower.LogEndOffset(), follower.Size(), sized.LogEndOffset(), sized.Size())
		}
		if recs := readAll(t, follower, 0, UptoLogEnd); len(recs) != 0 {
			t.Fatalf("%d records read from elided batches", len(recs))
		}
	})
}

// TestElidedAfterStored: stored records and declared-only ones in one
// batch: the stored keep their offsets, the elided take the ones after.
func TestElidedAfterStored(t *testing.T) {
	l, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var bb BatchBuilder
	bb.Reset(BatchHeader{SizedValues: true})
	bb.AddSized(5, []byte("a"), []byte("x"), 100, nil)
	bb.AddSized(5, []byte("b"), []byte("y"), 100, nil)
	bb.AddElided(6, 3, 90)
	b, err := bb.Build()
	if err != nil {
		t.Fatal(err)
	}
	// Two stored values of 100 declared bytes with 1 stored: 2×99 elided,
	// and the three records' 90: 288.
	if b.ElidedBytes() != 2*99+90 || b.NumRecords() != 2 || b.LastOffsetDelta() != 4 || b.MaxTimestamp() != 6 {
		t.Fatalf("elided %d records %d last delta %d max ts %d; want 288, 2, 4, 6", b.ElidedBytes(), b.NumRecords(), b.LastOffsetDelta(), b.MaxTimestamp())
	}
	mustAppend(t, l, b, 0)
	if l.LogEndOffset() != 5 {
		t.Fatalf("log end %d, want 5", l.LogEndOffset())
	}
	recs := readAll(t, l, 0, UptoLogEnd)
	if len(recs) != 2 || recs[1].Offset != 1 || string(recs[1].Key) != "b" {
		t.Fatalf("records %+v, want a at 0 and b at 1", recs)
	}
	bb.Reset(BatchHeader{})
	bb.AddElided(1, 1, 10)
	if _, err := bb.Build(); err == nil {
		t.Fatal("AddElided without SizedValues built")
	}
}

// TestSlabsGrowWithData: a memory log's slabs start at 512 bytes and
// double, so a nearly empty log holds about its data, not a fixed 16 KiB
// (300,000 replica logs of a 100,000-partition cluster would hold 4.8 GB
// for nothing), while a busy log soon appends into 1 MiB slabs.
func TestSlabsGrowWithData(t *testing.T) {
	l, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var bb BatchBuilder
	bb.Reset(BatchHeader{})
	bb.Add(1, []byte("k"), make([]byte, 100), nil)
	b, err := bb.Build()
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, b, 0)
	// One batch: header 61 + record (2 length + 1 attributes + 1 + 1
	// deltas + 1 + 1 key + 2 + 100 value + 1 headers: 110; 108 and 100
	// zig-zag to 216 and 200, two varint bytes each) = 171 bytes in a
	// 512-byte slab.
	if st := l.Stats(); st.StoredBytes != 171 || st.StoredBytes+st.SlabUnused != 512 {
		t.Fatalf("one batch: %d stored, %d unused; want 171 in a 512-byte slab", st.StoredBytes, st.SlabUnused)
	}
	// 8 MiB more in 4 KiB batches: slabs of 512 B, 1 KiB, …, 1 MiB
	// (12 of them, 2 MiB - 512 B) and then 1 MiB each: 6 more for the
	// rest, 18 in all at most.
	for range 2048 {
		bb.Reset(BatchHeader{})
		bb.Add(1, nil, make([]byte, 4096-HeaderSize-8), nil)
		b, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, l, b, 0)
	}
	st := l.Stats()
	slabs := 0
	for _, s := range l.segs {
		slabs += len(s.data.(*memData).slabs)
	}
	if slabs > 18 {
		t.Fatalf("%d slabs for %d bytes, want at most 18", slabs, st.StoredBytes)
	}
	if st.SlabUnused >= 1<<20 {
		t.Fatalf("%d bytes unused, want less than one 1 MiB slab", st.SlabUnused)
	}
}
