package commitlog

import (
	"bytes"
	"errors"
	"testing"

	"mqsim/model/commitlog/vfs"
)

// fillForRelease appends 400 batches of 10 records with 1 KiB values
// (about 10.3 KB each: some 4 MB, several 1 MiB slabs) and returns their
// bytes as read back before any release.
func fillForRelease(t *testing.T, l *Log) []byte {
	t.Helper()
	for i := 0; i < 400; i++ {
		recs := make([]rec, 10)
		for j := range recs {
			recs[j] = rec{int64(i), []byte{byte(j)}, bytes.Repeat([]byte{byte(i)}, 1024)}
		}
		mustAppend(t, l, build(t, BatchHeader{}, recs...), 0)
	}
	return readRange(t, l, 0)
}

// readRange reads every stored byte from offset from to the log end.
func readRange(t *testing.T, l *Log, from int64) []byte {
	t.Helper()
	var out []byte
	for off := from; off < l.LogEndOffset(); {
		res, err := l.Read(off, ReadOptions{MaxBytes: 1 << 20, Upto: UptoLogEnd})
		if err != nil {
			t.Fatalf("Read(%d): %v", off, err)
		}
		if res.NextOffset <= off {
			t.Fatalf("Read(%d) made no progress", off)
		}
		out = append(out, res.Data...)
		off = res.NextOffset
	}
	return out
}

// TestReleaseDropKeepsSummaries: dropping the bytes below offset 2,000
// (batch 200 of 400, about half the 4 MB) frees at least all but one
// 1 MiB slab of them, keeps every statistic retention and accounting use,
// refuses reads below the release point with ErrReleased, and reads above
// it exactly as before.
func TestReleaseDropKeepsSummaries(t *testing.T) {
	l, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	fillForRelease(t, l)
	before := l.Stats()
	segs := l.Segments()
	tail := readRange(t, l, 2000)
	if err := l.Release(2000); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	half := before.StoredBytes / 2
	if st.Released < half-(1<<20) || st.Released > half {
		t.Errorf("released %d bytes, want between %d and %d (half of %d, less at most one slab)", st.Released, half-(1<<20), half, before.StoredBytes)
	}
	if st.Size != before.Size || st.Batches != before.Batches || st.StoredBytes != before.StoredBytes || st.Segments != before.Segments {
		t.Errorf("stats after release %+v, before %+v: want size, batches, stored bytes and segments unchanged", st, before)
	}
	after := l.Segments()
	for i := range segs {
		if segs[i] != after[i] {
			t.Errorf("segment %d: %+v after release, %+v before", i, after[i], segs[i])
		}
	}
	if got := l.ReadableFrom(); got != 2000 {
		t.Errorf("ReadableFrom = %d, want 2000", got)
	}
	if _, err := l.Read(1990, ReadOptions{}); !errors.Is(err, ErrReleased) {
		t.Errorf("Read(1990) after release: %v, want ErrReleased", err)
	}
	if got := readRange(t, l, 2000); !bytes.Equal(got, tail) {
		t.Errorf("read above the release point: %d bytes differ from the %d before", len(got), len(tail))
	}
	// Batch i holds offsets 10i … 10i+9 at timestamp i: the first readable
	// record at or after timestamp 5 is the first kept one, offset 2,000;
	// at or after 300, offset 3,000.
	for _, c := range []struct{ ts, want int64 }{{5, 2000}, {300, 3000}} {
		if off, ok, err := l.OffsetForTime(c.ts); err != nil || !ok || off != c.want {
			t.Errorf("OffsetForTime(%d) = %d, %v, %v; want %d", c.ts, off, ok, err, c.want)
		}
	}
	if err := l.TruncateTo(3000); !errors.Is(err, ErrReleased) {
		t.Errorf("TruncateTo after a drop: %v, want ErrReleased", err)
	}
	if _, err := l.Compact(); !errors.Is(err, ErrReleased) {
		t.Errorf("Compact after a drop: %v, want ErrReleased", err)
	}
	// Appends and reads at the end go on as usual.
	mustAppend(t, l, simple(t, 0, 5), 0)
	if got := len(readAll(t, l, 4000, UptoLogEnd)); got != 5 {
		t.Errorf("read %d records appended after the release, want 5", got)
	}
	// Emptying the log (a replica restarting from the leader's start)
	// takes the released bytes with it: the new log reads from its start.
	if err := l.TruncateFullyAndStartAt(10); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, simple(t, 0, 5), 0)
	if from, got := l.ReadableFrom(), len(readAll(t, l, 10, UptoLogEnd)); from != 10 || got != 5 {
		t.Errorf("after TruncateFullyAndStartAt(10) and 5 records: readable from %d, read %d records; want 10 and 5", from, got)
	}
}

// TestReleaseSpillReadsBack: with a spill FS the released bytes leave
// memory but every read, and a truncation into them, behave as before.
func TestReleaseSpillReadsBack(t *testing.T) {
	fs := vfs.NewMem()
	l, err := OpenMemory(Config{Spill: fs, SpillDir: "/spill"})
	if err != nil {
		t.Fatal(err)
	}
	all := fillForRelease(t, l)
	if err := l.Release(3000); err != nil {
		t.Fatal(err)
	}
	if st := l.Stats(); st.Released == 0 {
		t.Fatalf("nothing spilled: %+v", st)
	}
	if got := readRange(t, l, 0); !bytes.Equal(got, all) {
		t.Fatalf("read back %d bytes after spilling, want the %d before", len(got), len(all))
	}
	if err := l.TruncateTo(1000); err != nil {
		t.Fatalf("TruncateTo into spilled bytes: %v", err)
	}
	if got := readRange(t, l, 0); !bytes.Equal(got, all[:len(got)]) || l.LogEndOffset() != 1000 {
		t.Fatalf("after truncation to 1000: end %d, %d bytes not a prefix of the original", l.LogEndOffset(), len(got))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if names, _ := fs.List("/spill"); len(names) != 0 {
		t.Errorf("spill files left after Close: %v", names)
	}
}

// TestReleaseClosedSegmentsKeepNoSlab: a log of small segments (64 KiB:
// the 4 MB of fillForRelease make about 64 of them, each with slabs of
// 16, 32 and 64 KiB, the last partly filled when the segment rolls)
// released to its end keeps in memory at most the active segment's slabs:
// a closed segment takes no more appends, so its last slab goes too,
// full or not. Before, each closed segment kept its partly filled slab.
func TestReleaseClosedSegmentsKeepNoSlab(t *testing.T) {
	l, err := OpenMemory(Config{SegmentBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	fillForRelease(t, l)
	if n := len(l.Segments()); n < 32 {
		t.Fatalf("%d segments, want dozens", n)
	}
	if err := l.Release(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	// The active segment holds at most 64 KiB plus one batch (10.3 KB),
	// in slabs of 16, 32, 64 (and at most 128) KiB.
	if kept := st.StoredBytes - st.Released; kept > 80<<10 {
		t.Errorf("%d of %d stored bytes still in memory after releasing everything, want at most the active segment's (80 KiB)",
			kept, st.StoredBytes)
	}
	if got := l.ReadableFrom(); got != l.LogEndOffset() {
		t.Errorf("ReadableFrom = %d, want the end %d", got, l.LogEndOffset())
	}
	// The log takes appends after the release.
	mustAppend(t, l, build(t, BatchHeader{}, rec{1, []byte("k"), []byte("v")}), 0)
	if got := readRange(t, l, l.LogEndOffset()-1); len(got) == 0 {
		t.Error("the batch appended after the release does not read back")
	}
}
