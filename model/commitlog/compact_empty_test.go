package commitlog

import (
	"fmt"
	"testing"
)

// A segment whose every record is superseded is emptied by compaction;
// reads and scans from the log start must step over it to the records
// kept in later segments (they used to fail reading byte 0 of the empty
// segment as a corrupt batch). What survives is the latest record per key.
func TestReadAcrossSegmentsEmptiedByCompaction(t *testing.T) {
	var now int64
	l, err := OpenMemory(Config{Clock: func() int64 { return now }, SegmentBytes: 4096, RetentionAge: -1, SegmentAge: -1})
	if err != nil {
		t.Fatal(err)
	}
	const keys = 5
	var bb BatchBuilder
	for i := range 2000 {
		now = int64(i) * 1e6
		bb.Reset(BatchHeader{})
		bb.Add(now/1e6, fmt.Appendf(nil, "k%d", i%keys), fmt.Appendf(nil, "%d", i), nil)
		b, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(b, 0); err != nil {
			t.Fatal(err)
		}
		if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
			t.Fatal(err)
		}
		if i%300 != 299 {
			continue
		}
		if _, err := l.Compact(); err != nil {
			t.Fatalf("after %d appends: compact: %v", i+1, err)
		}
		// The latest value per key, by hand: key k's last append is the
		// largest j <= i with j % keys == k.
		latest := map[string]string{}
		err = l.ScanRecords(l.LogStartOffset(), func(r *Record) error {
			latest[string(r.Key)] = string(r.Value)
			return nil
		})
		if err != nil {
			t.Fatalf("after %d appends: scan: %v", i+1, err)
		}
		for k := range keys {
			j := i - ((i-k)%keys+keys)%keys
			if got, want := latest[fmt.Sprintf("k%d", k)], fmt.Sprint(j); got != want {
				t.Fatalf("after %d appends: key k%d = %s, want %s", i+1, k, got, want)
			}
		}
		for off := l.LogStartOffset(); off < l.LogEndOffset(); {
			r, err := l.Read(off, ReadOptions{MaxBytes: 1000, Upto: UptoHighWatermark})
			if err != nil {
				t.Fatalf("after %d appends: read at %d: %v", i+1, off, err)
			}
			if r.NextOffset <= off {
				t.Fatalf("after %d appends: read at %d made no progress", i+1, off)
			}
			off = r.NextOffset
		}
	}
}

// Compaction, then a replica truncation into the compacted range, then
// appends: every read from the log start returns the kept records below
// the truncation point and the new ones, in offset order (the emptied
// segment used to end the scan with a corrupt batch at its byte 0).
func TestCompactTruncateAppendReadsBack(t *testing.T) {
	for trunc := int64(1); trunc < 600; trunc += 7 {
		var now int64
		l, err := OpenMemory(Config{Clock: func() int64 { return now }, SegmentBytes: 2048, RetentionAge: -1, SegmentAge: -1})
		if err != nil {
			t.Fatal(err)
		}
		var bb BatchBuilder
		app := func(i int) {
			bb.Reset(BatchHeader{})
			bb.Add(now/1e6, fmt.Appendf(nil, "k%d", i%5), fmt.Appendf(nil, "%d", i), nil)
			b, err := bb.Build()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Append(b, 0); err != nil {
				t.Fatal(err)
			}
			if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 600 {
			now = int64(i) * 1e6
			app(i)
		}
		if _, err := l.Compact(); err != nil {
			t.Fatal(err)
		}
		if err := l.TruncateTo(trunc); err != nil {
			t.Fatalf("truncate to %d: %v", trunc, err)
		}
		end := l.LogEndOffset()
		for i := range 50 {
			app(1000 + i)
		}
		prev, appended := int64(-1), 0
		err = l.ScanRecords(l.LogStartOffset(), func(r *Record) error {
			if r.Offset <= prev {
				return fmt.Errorf("offset %d after %d", r.Offset, prev)
			}
			prev = r.Offset
			if r.Offset >= end {
				if want := fmt.Sprint(1000 + appended); string(r.Value) != want {
					return fmt.Errorf("offset %d holds %s, want %s", r.Offset, r.Value, want)
				}
				appended++
			}
			return nil
		})
		if err != nil || appended != 50 {
			t.Fatalf("truncate to %d, append 50: scan read %d of them: %v", trunc, appended, err)
		}
	}
}
