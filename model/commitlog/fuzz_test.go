package commitlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path"
	"testing"

	"mqsim/model/commitlog/vfs"
)

func seedBatches(f *testing.F) {
	for c := CompressionNone; c <= CompressionZstd; c++ {
		var bb BatchBuilder
		bb.Reset(BatchHeader{Compression: c, SizedValues: c%2 == 1})
		bb.Add(1, []byte("k"), []byte("value"), []Header{{Key: []byte("h"), Value: []byte("x")}})
		bb.Add(2, nil, nil, nil)
		b, _ := bb.Build()
		f.Add([]byte(b))
	}
}

// FuzzParseBatch: decoding arbitrary bytes never panics, and whatever
// parses can be walked to the end.
func FuzzParseBatch(f *testing.F) {
	seedBatches(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		it := Batches(data)
		var rr RecordReader
		var hs []Header
		for it.Next() {
			b := it.Batch()
			_ = b.Size()
			if err := rr.Reset(b); err != nil {
				continue
			}
			for rr.Next() {
				hs, _ = rr.Record().Headers(hs)
			}
			if b.IsControl() {
				ControlType(b)
			}
		}
	})
}

// FuzzRecovery: a log whose files were overwritten with fuzz bytes must
// open without panicking, verify, and keep serving reads and appends.
func FuzzRecovery(f *testing.F) {
	f.Add([]byte{0, 0, 10, 0xff}, uint16(0))
	f.Add([]byte{1, 0, 0, 0}, uint16(3))
	f.Add([]byte{2, 5, 0, 1, 2, 3}, uint16(900))
	f.Fuzz(func(t *testing.T, edit []byte, cut uint16) {
		mem := vfs.NewMem()
		cfg := Config{SegmentBytes: 700, IndexIntervalBytes: 100}
		l, err := Open(mem, "/log", cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 12; i++ {
			mustAppend(t, l, simple(t, int64(i), 3), 0)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		// Recovery trusts segments below the recovery point (as Kafka
		// does; 'log verify' checks them), so the fuzzer may rewrite any
		// index or metadata file but only the segments recovery rescans
		// after an unclean shutdown.
		mem.Remove("/log/" + metaClean)
		rp, _ := readOffsetMeta(&fileBackend{fs: mem, dir: "/log"}, metaRecovery)
		all, _ := mem.List("/log")
		var names []string
		for _, n := range all {
			if b, ok := parseOffsetName(n, logSuffix); !ok || b >= rp {
				names = append(names, n)
			}
		}
		// edit: [file selector, position (2 bytes), bytes...]; cut
		// truncates the selected file when non-zero.
		if len(edit) >= 3 && len(names) > 0 {
			name := "/log/" + names[int(edit[0])%len(names)]
			data, _ := mem.Bytes(name)
			pos := int(binary.BigEndian.Uint16(edit[1:3]))
			for i, b := range edit[3:] {
				if pos+i < len(data) {
					data[pos+i] = b
				}
			}
			if cut > 0 && int(cut) < len(data) {
				data = data[:cut]
			}
			mem.SetBytes(name, data)
		}
		l2, err := Open(mem, "/log", cfg)
		if err != nil {
			return // refusing to open is allowed; panicking is not
		}
		readAll(t, l2, l2.LogStartOffset(), UptoLogEnd)
		// The leader epoch is outside the CRC (as in Kafka), so a flipped
		// epoch is legal: append in the latest one.
		epoch, _ := l2.LatestEpoch()
		mustAppend(t, l2, simple(t, 0, 2), max(epoch, 0))
		if err := l2.Close(); err != nil {
			t.Fatal(err)
		}
		checkVerifies(t, mem, "/log")
	})
}

// Fuzz targets for every file of a log directory: each replaces one file of
// a pristine log (see pristineLog) with the fuzzer's bytes, optionally
// after an unclean shutdown, and runs everything that reads a directory:
// Verify, Scan, Open and reads of the opened log, an append and Close. None
// may panic; Open may refuse only with a typed error; no read returns a
// batch that fails its CRC.

// fuzzDir runs the readers over m.
func fuzzDir(t *testing.T, m *vfs.Mem) {
	if _, err := Verify(m, corruptDir); err != nil && !errors.Is(err, ErrNotALog) {
		t.Fatalf("Verify: %v", err)
	}
	Scan(m, corruptDir, 0, func(string, int64, Batch) error { return nil })
	l, err := Open(m, corruptDir, Config{SegmentBytes: 600, IndexIntervalBytes: 150})
	if err != nil {
		var ce *CorruptionError
		if !errors.As(err, &ce) && !errors.Is(err, ErrStorage) {
			t.Fatalf("Open refused with an untyped error: %v", err)
		}
		return
	}
	defer l.Close()
	l.SetHighWatermark(l.LogEndOffset())
	_ = l.Recovery().String()
	for off, n := l.LogStartOffset(), 0; n < 1000; n++ {
		res, err := l.Read(off, ReadOptions{MaxBytes: 1 << 12, Upto: UptoLastStable})
		if err != nil || len(res.Data) == 0 {
			break
		}
		it := Batches(res.Data)
		for it.Next() {
		}
		if it.Err() != nil {
			t.Fatalf("Read(%d) returned a bad batch: %v", off, it.Err())
		}
		off = res.NextOffset
	}
	l.OffsetForTime(100)
	epoch, _ := l.LatestEpoch()
	if _, err := l.Append(simple(t, 0, 2), max(epoch, 0)); err != nil && !errors.Is(err, ErrStorage) && !errors.Is(err, ErrLogClosed) {
		t.Fatalf("Append after Open: %v", err)
	}
}

// fuzzLogFile is the body of the per-file targets: pick the which-th file
// matching match (mod their number), replace it with data and read the
// directory.
func fuzzLogFile(f *testing.F, match func(name string) bool, seeds func(orig []byte) [][]byte) {
	pristine := pristineLog(f)
	var files []string
	for _, n := range fileNames(f, pristine) {
		if match(n) {
			files = append(files, n)
		}
	}
	if len(files) == 0 {
		f.Fatal("no file to fuzz")
	}
	for i, n := range files {
		for _, s := range seeds(fileBytes(f, pristine, n)) {
			f.Add(s, uint8(i), false)
			f.Add(s, uint8(i), true)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8, unclean bool) {
		m := pristine.Clone()
		setFile(t, m, files[int(which)%len(files)], data)
		if unclean {
			removeFile(t, m, metaClean)
		}
		fuzzDir(t, m)
	})
}

// commonSeeds are damaged versions of a file: itself, empty, cut, flipped,
// doubled.
func commonSeeds(orig []byte) [][]byte {
	flip := bytes.Clone(orig)
	if len(flip) > 0 {
		flip[len(flip)/2] ^= 0x10
	}
	return [][]byte{orig, {}, orig[:len(orig)/2], flip, append(bytes.Clone(orig), orig...)}
}

func hasSuffix(suffix string) func(string) bool {
	return func(n string) bool { _, ok := parseOffsetName(n, suffix); return ok }
}

// FuzzSegment fuzzes a segment's data file (.log).
func FuzzSegment(f *testing.F) {
	fuzzLogFile(f, hasSuffix(logSuffix), func(orig []byte) [][]byte {
		far := simple(f, 0, 2)
		far.setBaseOffset(1 << 40)
		epoch := bytes.Clone(orig)
		Batch(epoch).setLeaderEpoch(99)
		return append(commonSeeds(orig), append(bytes.Clone(orig), far...), epoch)
	})
}

// FuzzOffsetIndex fuzzes a segment's offset index (.index).
func FuzzOffsetIndex(f *testing.F) {
	fuzzLogFile(f, hasSuffix(indexSuffix), func(orig []byte) [][]byte { return commonSeeds(orig) })
}

// FuzzTimeIndex fuzzes a segment's time index (.timeindex).
func FuzzTimeIndex(f *testing.F) {
	fuzzLogFile(f, hasSuffix(timeSuffix), func(orig []byte) [][]byte { return commonSeeds(orig) })
}

// FuzzTxnIndex fuzzes a segment's transaction index (.txnindex).
func FuzzTxnIndex(f *testing.F) {
	fuzzLogFile(f, hasSuffix(txnSuffix), func(orig []byte) [][]byte { return commonSeeds(orig) })
}

// FuzzProducerSnapshot fuzzes the producer-state snapshots (.snapshot).
func FuzzProducerSnapshot(f *testing.F) {
	fuzzLogFile(f, hasSuffix(snapshotSuffix), func(orig []byte) [][]byte { return commonSeeds(orig) })
}

// FuzzEpochCheckpoint fuzzes the leader-epoch-checkpoint.
func FuzzEpochCheckpoint(f *testing.F) {
	fuzzLogFile(f, func(n string) bool { return n == metaEpochs }, func(orig []byte) [][]byte {
		return append(commonSeeds(orig), []byte("0\n1\n0 0\n"), []byte("0\n2\n5 0\n3 10\n"), []byte("0\n1\n2147483648 0\n"),
			[]byte("0\n-1\n"), []byte("0\n3\n0 0\n1 24\n2 99999999999999999999\n"), []byte("0\n2\n0 0\n1 23\n"))
	})
}

// FuzzOffsetCheckpoint fuzzes the one-line checkpoint files:
// recovery-point, log-start-offset, cleaner-offset-checkpoint and the
// clean-shutdown marker.
func FuzzOffsetCheckpoint(f *testing.F) {
	pristine := pristineLog(f)
	files := []string{metaRecovery, metaLogStart, metaCleaner, metaClean}
	for i := range files {
		for _, s := range []string{"0\n", "16\n", "68\n", "1000000\n", "-1\n", "9223372036854775807\n", "clean 68\n", "clean\n", "clean 67\n", "x\n", ""} {
			f.Add([]byte(s), uint8(i), false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8, unclean bool) {
		m := pristine.Clone()
		setFile(t, m, files[int(which)%len(files)], data)
		if unclean {
			if _, err := m.Stat(path.Join(corruptDir, metaClean)); err == nil && files[int(which)%len(files)] != metaClean {
				removeFile(t, m, metaClean)
			}
		}
		fuzzDir(t, m)
	})
}
