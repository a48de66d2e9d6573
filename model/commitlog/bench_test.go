package commitlog

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"mqsim/model/commitlog/vfs"
)

// benchBatch is 100 records of 500 random bytes, uncompressed (~50 KB).
func benchBatch(b testing.TB, records, size int) Batch {
	r := rand.New(rand.NewPCG(1, 2))
	var bb BatchBuilder
	bb.Reset(BatchHeader{})
	v := make([]byte, size)
	for i := 0; i < records; i++ {
		for j := range v {
			v[j] = byte(r.Uint32())
		}
		bb.Add(int64(i), nil, v, nil)
	}
	bt, err := bb.Build()
	if err != nil {
		b.Fatal(err)
	}
	return append(Batch(nil), bt...)
}

func fdatasync(b *testing.B, f *os.File) {
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAppend compares the log's append path with the minimal possible
// log: a buffered writer framing each batch with a length and a CRC-32C.
func BenchmarkAppend(b *testing.B) {
	batch := benchBatch(b, 100, 500)
	appendLoop := func(b *testing.B, open func() *Log) {
		b.SetBytes(int64(len(batch)))
		b.ReportAllocs()
		l := open()
		for i := 0; i < b.N; i++ {
			if i > 0 && i%20000 == 0 { // bound memory and disk: 1 GB per log
				b.StopTimer()
				l.Close()
				l = open()
				b.StartTimer()
			}
			if _, err := l.Append(batch, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if st := l.Stats(); st.Batches > 0 {
			b.ReportMetric(float64(st.IndexBytes+st.SlabOverhead)/float64(st.Batches), "overhead-B/batch")
		}
		l.Close()
	}
	fileOpen := func(b *testing.B, flush FlushPolicy) func() *Log {
		return func() *Log {
			l, err := Open(vfs.OS, b.TempDir(), Config{Flush: flush})
			if err != nil {
				b.Fatal(err)
			}
			return l
		}
	}
	b.Run("file", func(b *testing.B) { appendLoop(b, fileOpen(b, FlushPolicy{})) })
	// Both in-memory benchmarks start with the heap returned to the OS, so
	// each pays for first-touching its pages (on these machines that, not
	// copying, sets the speed) and neither reuses the other's freed memory.
	b.Run("memory", func(b *testing.B) {
		debug.FreeOSMemory()
		appendLoop(b, func() *Log {
			l, err := OpenMemory(Config{})
			if err != nil {
				b.Fatal(err)
			}
			return l
		})
	})
	baseline := func(b *testing.B, sync bool) {
		b.SetBytes(int64(len(batch)))
		b.ReportAllocs()
		dir := b.TempDir()
		var f *os.File
		var w *bufio.Writer
		open := func(n int) {
			var err error
			f, err = os.Create(filepath.Join(dir, fmt.Sprint(n)))
			if err != nil {
				b.Fatal(err)
			}
			w = bufio.NewWriterSize(f, 64<<10)
		}
		open(0)
		var frame [8]byte
		for i := 0; i < b.N; i++ {
			if i > 0 && i%20000 == 0 {
				b.StopTimer()
				w.Flush()
				f.Close()
				open(i)
				b.StartTimer()
			}
			binary.BigEndian.PutUint32(frame[:], uint32(len(batch)))
			binary.BigEndian.PutUint32(frame[4:], crc32.Checksum(batch, castagnoli))
			w.Write(frame[:])
			w.Write(batch)
			if sync {
				if err := w.Flush(); err != nil {
					b.Fatal(err)
				}
				fdatasync(b, f)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		f.Close()
	}
	b.Run("baseline", func(b *testing.B) { baseline(b, false) })
	// memory-baseline is the floor for any in-memory log that keeps its
	// data: copying each batch into fresh 1 MiB slabs, nothing else. The
	// memory backend's ratio to it shows what the engine itself costs.
	b.Run("memory-baseline", func(b *testing.B) {
		debug.FreeOSMemory()
		b.SetBytes(int64(len(batch)))
		b.ReportAllocs()
		var slabs [][]byte
		var cur []byte
		for i := 0; i < b.N; i++ {
			if i > 0 && i%20000 == 0 {
				slabs, cur = nil, nil
			}
			if len(cur)+len(batch) > cap(cur) {
				cur = make([]byte, 0, 1<<20)
				slabs = append(slabs, cur)
			}
			cur = append(cur, batch...)
		}
		_ = slabs
	})
	// The fsync benchmarks start from a clean page cache: the gigabytes the
	// unsynced benchmarks above left dirty would otherwise be written back
	// during whichever fsync benchmark runs first, and skew the ratio.
	b.Run("file-fsync", func(b *testing.B) { syscall.Sync(); appendLoop(b, fileOpen(b, FlushPolicy{EveryBatches: 1})) })
	b.Run("baseline-fsync", func(b *testing.B) { syscall.Sync(); baseline(b, true) })
}

// BenchmarkRead reads a log back: sequentially in 1 MiB fetches (walking
// and CRC-checking every batch, as a consumer does), and at random offsets
// in logs of 10^4, 10^6 and 10^7 small records.
func BenchmarkRead(b *testing.B) {
	batch := benchBatch(b, 100, 500)
	const perFetch = 20
	seq := func(b *testing.B, l *Log) {
		n := int64(256 << 20 / len(batch))
		for i := int64(0); i < n; i++ {
			if _, err := l.Append(batch, 0); err != nil {
				b.Fatal(err)
			}
		}
		o := ReadOptions{MaxBytes: perFetch * int64(len(batch)), Buf: make([]byte, perFetch*len(batch))}
		b.SetBytes(perFetch * int64(len(batch)))
		b.ReportAllocs()
		b.ResetTimer()
		off := int64(0)
		for i := 0; i < b.N; i++ {
			// One op consumes 20 batches (1 MB); a fetch may return fewer
			// (at a memory slab's end), in which case it fetches again.
			if off+perFetch*100 > l.LogEndOffset() {
				off = 0
			}
			for k := 0; k < perFetch; {
				res, err := l.Read(off, o)
				if err != nil {
					b.Fatal(err)
				}
				it := Batches(res.Data)
				for k < perFetch && it.Next() {
					k++
					off = it.Batch().NextOffset()
				}
				if it.Err() != nil {
					b.Fatalf("fetch at %d: %v", off, it.Err())
				}
			}
		}
	}
	b.Run("sequential", func(b *testing.B) {
		l, err := Open(vfs.OS, b.TempDir(), Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		seq(b, l)
	})
	b.Run("sequential-memory", func(b *testing.B) {
		l, _ := OpenMemory(Config{})
		seq(b, l)
	})
	for _, records := range []int{1e4, 1e6, 1e7} {
		b.Run(fmt.Sprintf("random/%d", records), func(b *testing.B) {
			l, _ := OpenMemory(Config{})
			small := benchBatch(b, 10, 20) // 10 records of 20 bytes
			for i := 0; i < records/10; i++ {
				if _, err := l.Append(small, 0); err != nil {
					b.Fatal(err)
				}
			}
			r := rand.New(rand.NewPCG(3, 4))
			b.SetBytes(int64(len(small)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				off := r.Int64N(int64(records))
				res, err := l.Read(off, ReadOptions{MaxBytes: 1})
				if err != nil || Batch(res.Data).BaseOffset() != off/10*10 {
					b.Fatalf("Read(%d): %v", off, err)
				}
			}
		})
	}
}

// TestReopenUncleanLarge writes a 1 GB log, abandons it without a clean
// shutdown and times the reopen: only the segment after the recovery point
// is rescanned, so it must take well under 2 s.
func TestReopenUncleanLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 GB")
	}
	dir := t.TempDir()
	cfg := Config{SegmentBytes: 128 << 20, Flush: FlushPolicy{EveryBatches: 5000}}
	l, err := Open(vfs.OS, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	batch := benchBatch(t, 100, 500)
	n := (1 << 30) / len(batch)
	for i := 0; i < n; i++ {
		if _, err := l.Append(batch, 0); err != nil {
			t.Fatal(err)
		}
	}
	end := l.LogEndOffset()
	for _, s := range l.segs { // crash: no clean-shutdown marker, nothing flushed
		s.data.Close()
	}
	start := time.Now()
	l2, err := Open(vfs.OS, dir, cfg)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.LogEndOffset() != end {
		t.Fatalf("end after reopen %d, want %d", l2.LogEndOffset(), end)
	}
	t.Logf("reopened %d segments, %d MB, in %v", len(l2.Segments()), l2.Size()>>20, took)
	if took > 2*time.Second {
		t.Fatalf("reopen took %v, want < 2s", took)
	}
}

// TestMemoryOverhead checks the memory backend's bookkeeping per batch for
// the simulator's typical batch (32 sized records, ~2.5 kB stored) and for
// the 50 kB benchmark batch.
func TestMemoryOverhead(t *testing.T) {
	var bb BatchBuilder
	bb.Reset(BatchHeader{SizedValues: true})
	for j := 0; j < 32; j++ {
		bb.AddSized(int64(j), []byte("key-0000"), []byte("0123456789abcdef"), 500, []Header{{Key: []byte("trace"), Value: []byte("0123456789")}})
	}
	sized, _ := bb.Build()
	sized = append(Batch(nil), sized...)
	for _, c := range []struct {
		name string
		b    Batch
		n    int
	}{{"sized-32x500", sized, 200_000}, {"plain-100x500", benchBatch(t, 100, 500), 10_000}} {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		l, _ := OpenMemory(Config{})
		for i := 0; i < c.n; i++ {
			if _, err := l.Append(c.b, 0); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		st := l.Stats()
		per := float64(st.IndexBytes+st.SlabOverhead) / float64(st.Batches)
		heap := (float64(m1.HeapAlloc) - float64(m0.HeapAlloc) - float64(st.StoredBytes) - float64(st.SlabUnused)) / float64(st.Batches)
		t.Logf("%s: %d batches, %.1f bytes/batch of index and slab bookkeeping (heap growth beyond stored bytes and the %d-byte free slab tail: %.1f bytes/batch)", c.name, st.Batches, per, st.SlabUnused, heap)
		if per >= 32 {
			t.Errorf("%s: overhead %.1f bytes per batch, want < 32", c.name, per)
		}
		runtime.KeepAlive(l)
	}
}
