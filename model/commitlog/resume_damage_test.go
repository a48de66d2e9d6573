package commitlog

import (
	"encoding/binary"
	"errors"
	"path"
	"strings"
	"testing"
)

// A base offset edited on disk after the log was opened (it is outside the
// CRC): the read that reaches that batch fails as a storage error. It used
// to return no data and no error, so a reader looping "until no data"
// stopped there silently (a consumer-offsets log read back on resume lost
// every commit past it).
func TestReadEditedBaseOffsetIsStorageError(t *testing.T) {
	mem, starts := recoveryLog(t, 5, false)
	l, err := Open(mem, corruptDir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	seg := offsetName(0, logSuffix)
	d := fileBytes(t, mem, seg)
	// The second batch holds offsets 3..5; make it claim 1003..1005.
	binary.BigEndian.PutUint64(d[starts[1]:], 1003)
	if err := mem.SetBytes(path.Join(corruptDir, seg), d); err != nil {
		t.Fatal(err)
	}
	res, err := l.Read(0, ReadOptions{MaxBytes: 1 << 20})
	if err != nil || res.NextOffset != 3 {
		t.Fatalf("read before the edited batch: next %d, %v; want the first batch (offsets 0..2)", res.NextOffset, err)
	}
	_, err = l.Read(3, ReadOptions{})
	var ce *CorruptionError
	if !errors.As(err, &ce) || !errors.Is(err, ErrStorage) || ce.Position != int64(starts[1]) || !strings.Contains(err.Error(), "begins at offset 1003") {
		t.Fatalf("read at the edited batch = %v, want a storage error at byte %d", err, starts[1])
	}
}

// A segment renamed to a name that is not a base offset: Open refuses the
// directory naming the file, instead of ignoring it and opening a log
// without its offsets.
func TestOpenRefusesStraySegmentName(t *testing.T) {
	for _, clean := range []bool{true, false} {
		mem, _ := recoveryLog(t, 3, !clean)
		renameFile(t, mem, offsetName(0, logSuffix), "segment.log")
		_, err := Open(mem, corruptDir, Config{})
		var ce *CorruptionError
		if !errors.As(err, &ce) || ce.Segment != "segment.log" || ce.Dir != corruptDir {
			t.Errorf("clean=%v: Open = %v, want a corruption error naming segment.log", clean, err)
		}
	}
}

// A log shut down cleanly at log end 9 whose only segment is gone: its
// clean-shutdown marker says offsets 0..8 existed, so Open refuses it
// instead of starting an empty log.
func TestOpenRefusesCleanLogWithoutSegments(t *testing.T) {
	mem, _ := recoveryLog(t, 3, false)
	removeFile(t, mem, offsetName(0, logSuffix))
	_, err := Open(mem, corruptDir, Config{})
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.Segment != metaClean || ce.Offset != 9 || !strings.Contains(err.Error(), "offsets 0..8 are missing") {
		t.Fatalf("Open = %v, want a corruption error naming %s and offsets 0..8", err, metaClean)
	}
}
