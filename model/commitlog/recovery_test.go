package commitlog

import (
	"errors"
	"path"
	"strconv"
	"strings"
	"testing"

	"mqsim/model/commitlog/vfs"
)

// recoveryLog writes n batches of 3 records into one segment and closes;
// with unclean set it then removes the clean-shutdown marker, as a crash
// after the last sync would leave the directory.
func recoveryLog(t *testing.T, n int, unclean bool) (*vfs.Mem, []int) {
	t.Helper()
	mem := vfs.NewMem()
	l, err := Open(mem, corruptDir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		mustAppend(t, l, simple(t, int64(i), 3), 0)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if unclean {
		removeFile(t, mem, metaClean)
	}
	return mem, batchStarts(fileBytes(t, mem, offsetName(0, logSuffix)))
}

// TestRecoveryReportTornTail: a crash tore the last batch; recovery cuts
// there and says so.
func TestRecoveryReportTornTail(t *testing.T) {
	mem, starts := recoveryLog(t, 5, true)
	seg := offsetName(0, logSuffix)
	data := fileBytes(t, mem, seg)
	// Keep 10 bytes of the last batch: less than its length field, so not
	// even its header can say which offsets it held.
	setFile(t, mem, seg, data[:starts[4]+10])
	l, err := Open(mem, corruptDir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := l.Recovery()
	// Five batches of three records: the first four hold offsets 0..11.
	if r.Clean || !r.Truncated || r.Segment != seg || r.Position != int64(starts[4]) ||
		r.LogEndOffset != 12 || r.DroppedTo != 12 || r.BytesDropped != 10 || r.SegmentsDeleted != 0 ||
		r.SegmentsScanned != 1 || r.BatchesScanned != 4 || r.Dir != corruptDir {
		t.Fatalf("report = %+v", r)
	}
	if !strings.Contains(r.String(), "truncated at segment "+seg) {
		t.Fatalf("report text %q", r)
	}
	if l.LogEndOffset() != 12 {
		t.Fatalf("log end %d, want 12", l.LogEndOffset())
	}
}

// TestRecoveryReportForgedBatch: a batch with a valid CRC but a far base
// offset after an unclean shutdown is where recovery cuts (offsets must be
// contiguous), and the report gives the offsets it claimed.
func TestRecoveryReportForgedBatch(t *testing.T) {
	mem, _ := recoveryLog(t, 3, true)
	seg := offsetName(0, logSuffix)
	forged := simple(t, 0, 2)
	forged.setBaseOffset(1_000_000)
	data := fileBytes(t, mem, seg)
	setFile(t, mem, seg, append(data, forged...))
	l, err := Open(mem, corruptDir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := l.Recovery()
	// The forged batch claimed offsets 1,000,000 and 1,000,001.
	if !r.Truncated || r.Position != int64(len(data)) || r.LogEndOffset != 9 || r.DroppedTo != 1_000_002 ||
		r.BytesDropped != int64(len(forged)) || !strings.Contains(r.Reason, "offset gap") {
		t.Fatalf("report = %+v", r)
	}
	if l.LogEndOffset() != 9 {
		t.Fatalf("log end %d, want 9", l.LogEndOffset())
	}
}

// TestRecoveryCleanReport: a clean log is not rescanned and nothing is
// dropped.
func TestRecoveryCleanReport(t *testing.T) {
	mem, _ := recoveryLog(t, 3, false)
	l, err := Open(mem, corruptDir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if r := l.Recovery(); !r.Clean || r.Truncated || r.Recovered() || r.SegmentsScanned != 0 || r.LogEndOffset != 9 {
		t.Fatalf("report = %+v", r)
	}
}

// segmentedLog writes 12 batches over several segments and closes it.
func segmentedLog(t *testing.T) (*vfs.Mem, []string) {
	t.Helper()
	mem := vfs.NewMem()
	l, err := Open(mem, corruptDir, Config{SegmentBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		mustAppend(t, l, simple(t, int64(i), 3), int32(i/4))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var segs []string
	for _, n := range fileNames(t, mem) {
		if _, ok := parseOffsetName(n, logSuffix); ok {
			segs = append(segs, n)
		}
	}
	if len(segs) < 3 {
		t.Fatalf("only %d segments", len(segs))
	}
	return mem, segs
}

func snapshotFS(t *testing.T, m *vfs.Mem) map[string]string {
	out := map[string]string{}
	for _, n := range fileNames(t, m) {
		out[n] = string(fileBytes(t, m, n))
	}
	return out
}

// TestOpenRefusesStructuralDamage: damage to data that was synced before
// the shutdown is not "recovered" by throwing data away: Open refuses with
// a typed error naming the directory, file and offset, and changes nothing.
func TestOpenRefusesStructuralDamage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		unclean bool
		damage  func(t *testing.T, m *vfs.Mem, segs []string)
		want    string
	}{
		{"deleted middle segment", false, func(t *testing.T, m *vfs.Mem, segs []string) { removeFile(t, m, segs[1]) }, "missing between segments"},
		{"deleted middle segment, unclean", true, func(t *testing.T, m *vfs.Mem, segs []string) { removeFile(t, m, segs[1]) }, "missing between segments"},
		{"deleted first segment", false, func(t *testing.T, m *vfs.Mem, segs []string) { removeFile(t, m, segs[0]) }, "the log starts at 0"},
		{"deleted last segment", false, func(t *testing.T, m *vfs.Mem, segs []string) { removeFile(t, m, segs[len(segs)-1]) }, "recovery point 33 is past the last segment"},
		{"deleted last segment, unclean", true, func(t *testing.T, m *vfs.Mem, segs []string) { removeFile(t, m, segs[len(segs)-1]) }, "recovery point 33 is past the last segment"},
		{"last segment cut at a batch boundary", false, func(t *testing.T, m *vfs.Mem, segs []string) {
			last := segs[len(segs)-1]
			setFile(t, m, last, fileBytes(t, m, last)[:0])
		}, "shut down cleanly at log end 36 but its data ends at 33"},
		{"forged batch at a far offset", false, func(t *testing.T, m *vfs.Mem, segs []string) {
			last := segs[len(segs)-1]
			f := simple(t, 0, 1)
			f.setBaseOffset(1 << 40)
			setFile(t, m, last, append(fileBytes(t, m, last), f...))
		}, "batch offset 1099511627776"},
		{"forged batch at the next offset", false, func(t *testing.T, m *vfs.Mem, segs []string) {
			last := segs[len(segs)-1]
			f := simple(t, 0, 1)
			f.setBaseOffset(36)
			f.setLeaderEpoch(2)
			setFile(t, m, last, append(fileBytes(t, m, last), f...))
		}, "shut down cleanly at log end 36 but its data ends at 37"},
		{"swapped segments", false, func(t *testing.T, m *vfs.Mem, segs []string) {
			a, b := fileBytes(t, m, segs[0]), fileBytes(t, m, segs[1])
			removeFile(t, m, offsetName(0, indexSuffix))
			setFile(t, m, segs[0], b)
			setFile(t, m, segs[1], a)
		}, "offset gap: batch at offset 12, expected 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem, segs := segmentedLog(t)
			if tc.unclean {
				removeFile(t, mem, metaClean)
			}
			tc.damage(t, mem, segs)
			before := snapshotFS(t, mem)
			_, err := Open(mem, corruptDir, Config{SegmentBytes: 400})
			var ce *CorruptionError
			if !errors.As(err, &ce) || !errors.Is(err, ErrStorage) || !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("Open = %v, want a *CorruptionError", err)
			}
			if ce.Dir != corruptDir || ce.Segment == "" || ce.Offset < 0 || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "log "+corruptDir+": ") || !strings.Contains(err.Error(), "(offset ") {
				t.Fatalf("error %q (%+v) does not name the directory, file and offset, or lacks %q", err, *ce, tc.want)
			}
			after := snapshotFS(t, mem)
			if len(before) != len(after) {
				t.Fatalf("files changed: %d before, %d after", len(before), len(after))
			}
			for n, b := range before {
				if after[n] != b {
					t.Fatalf("%s changed by a refused Open", n)
				}
			}
		})
	}
}

// TestOpenRemovesLeftovers: a segment wholly below the log start offset
// (an interrupted deletion) and temporaries are removed and reported.
func TestOpenRemovesLeftovers(t *testing.T) {
	mem, segs := segmentedLog(t)
	second, _ := parseOffsetName(segs[1], logSuffix)
	setFile(t, mem, metaLogStart, []byte(strconv.FormatInt(second, 10)+"\n"))
	setFile(t, mem, metaEpochs+tmpSuffix, []byte("half"))
	l, err := Open(mem, corruptDir, Config{SegmentBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := l.Recovery()
	if strings.Join(r.Removed, ",") != metaEpochs+tmpSuffix+","+segs[0] || !r.Recovered() || l.LogStartOffset() != second {
		t.Fatalf("report %+v, log start %d", r, l.LogStartOffset())
	}
	if _, err := mem.Stat(path.Join(corruptDir, segs[0])); err == nil {
		t.Fatalf("%s still there", segs[0])
	}
}

// TestReadCorruptionIsStorageError: data that rots after Open is met by a
// read as a typed storage error naming the segment, never a panic or bad
// data.
func TestReadCorruptionIsStorageError(t *testing.T) {
	mem, segs := segmentedLog(t)
	l, err := Open(mem, corruptDir, Config{SegmentBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := fileBytes(t, mem, segs[1])
	d[HeaderSize+2] ^= 0xff // inside the first batch's records: CRC-covered
	if err := mem.SetBytes(path.Join(corruptDir, segs[1]), d); err != nil {
		t.Fatal(err)
	}
	base, _ := parseOffsetName(segs[1], logSuffix)
	_, err = l.Read(base, ReadOptions{})
	var ce *CorruptionError
	if !errors.As(err, &ce) || !errors.Is(err, ErrStorage) || ce.Segment != segs[1] || ce.Dir != corruptDir {
		t.Fatalf("Read of rotten data = %v, want a storage error in %s", err, segs[1])
	}
	// Reads before the rotten segment still work.
	if _, err := l.Read(0, ReadOptions{MaxBytes: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestCompactRefusesRottenData: compaction of a file log checks CRCs, so
// rotten bytes come back as a storage error instead of being rewritten
// into a batch with a fresh, valid CRC.
func TestCompactRefusesRottenData(t *testing.T) {
	mem := vfs.NewMem()
	l, err := Open(mem, corruptDir, Config{SegmentBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 12; i++ {
		mustAppend(t, l, simple(t, int64(i), 3), 0)
	}
	l.SetHighWatermark(l.LogEndOffset())
	seg := offsetName(0, logSuffix)
	d := fileBytes(t, mem, seg)
	d[len(d)-3] ^= 0x40 // inside the last record of the segment's last batch
	if err := mem.SetBytes(path.Join(corruptDir, seg), d); err != nil {
		t.Fatal(err)
	}
	_, err = l.Compact()
	var ce *CorruptionError
	if !errors.As(err, &ce) || !errors.Is(err, ErrStorage) || ce.Segment != seg {
		t.Fatalf("Compact over rotten data = %v, want a storage error in %s", err, seg)
	}
}

// TestRecoveryReportDroppedSegments: a torn batch in a middle segment after
// the recovery point cuts every later segment; the report counts them and
// the offsets their headers held.
func TestRecoveryReportDroppedSegments(t *testing.T) {
	mem := vfs.NewMem()
	cfg := Config{SegmentBytes: 400}
	l, err := Open(mem, corruptDir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		mustAppend(t, l, simple(t, int64(i), 3), 0)
	}
	segs := l.Segments()
	// Abandon without a clean shutdown and with the recovery point at the
	// start: everything is rescanned.
	for _, s := range l.segs {
		s.data.Close()
	}
	setFile(t, mem, metaRecovery, []byte("0\n"))
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	second := offsetName(segs[1].BaseOffset, logSuffix)
	d := fileBytes(t, mem, second)
	d[len(d)-1] ^= 1 // the last batch of the second segment fails its CRC
	setFile(t, mem, second, d)
	l2, err := Open(mem, corruptDir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	r := l2.Recovery()
	var later int64
	for _, s := range segs[2:] {
		later += s.StoredSize
	}
	lastBatch := int64(len(simple(t, 0, 3)))
	// Each batch holds 3 offsets; the second segment loses its last batch.
	wantEnd := segs[1].NextOffset - 3
	if !r.Truncated || r.Segment != second || r.LogEndOffset != wantEnd || r.DroppedTo != 36 ||
		r.SegmentsDeleted != len(segs)-2 || r.BytesDropped != later+lastBatch || !strings.Contains(r.Reason, "crc") {
		t.Fatalf("report = %+v; want end %d, dropped to 36, %d segments and %d bytes", r, wantEnd, len(segs)-2, later+lastBatch)
	}
}

// TestReadEditedEpochIsStorageError: a leader epoch edited inside a trusted
// segment (outside the CRC, so Open's checks at epoch boundaries do not see
// it) is met by a read as a storage error, never served as if it were
// right.
func TestReadEditedEpochIsStorageError(t *testing.T) {
	mem, segs := segmentedLog(t)
	// The second batch of the first segment (offsets 3..5, epoch 0).
	d := fileBytes(t, mem, segs[0])
	second := batchStarts(d)[1]
	Batch(d[second:]).setLeaderEpoch(1)
	setFile(t, mem, segs[0], d)
	l, err := Open(mem, corruptDir, Config{SegmentBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	res, err := l.Read(0, ReadOptions{MaxBytes: 1 << 20})
	if err != nil || res.NextOffset != 3 {
		t.Fatalf("read before the edited batch: next %d, %v; want the first batch (offsets 0..2)", res.NextOffset, err)
	}
	_, err = l.Read(3, ReadOptions{})
	var ce *CorruptionError
	if !errors.As(err, &ce) || !errors.Is(err, ErrStorage) || ce.Position != int64(second) || !strings.Contains(err.Error(), "leader epoch 1") {
		t.Fatalf("read of the edited batch = %v, want a storage error at byte %d", err, second)
	}
}
