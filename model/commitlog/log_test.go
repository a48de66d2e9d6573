package commitlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

func TestAppendAssignsOffsetsAndReads(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		l := bc.open(t, Config{})
		for i := 0; i < 3; i++ {
			r := mustAppend(t, l, simple(t, int64(100*i), 5), 1)
			// Batch i holds offsets 5i .. 5i+4.
			if r.FirstOffset != int64(5*i) || r.LastOffset != int64(5*i+4) {
				t.Fatalf("batch %d: offsets %d..%d, want %d..%d", i, r.FirstOffset, r.LastOffset, 5*i, 5*i+4)
			}
		}
		if got := l.LogEndOffset(); got != 15 {
			t.Fatalf("LogEndOffset = %d, want 15", got)
		}
		res, err := l.Read(7, ReadOptions{MaxBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		it := Batches(res.Data)
		if !it.Next() || it.Batch().BaseOffset() != 5 || it.Next() {
			t.Fatalf("Read(7, 1 byte) should return exactly the batch at 5")
		}
		if it.Batch().LeaderEpoch() != 1 {
			t.Fatalf("leader epoch %d, want 1", it.Batch().LeaderEpoch())
		}
		recs := readAll(t, l, 0, UptoLogEnd)
		if len(recs) != 15 {
			t.Fatalf("read %d records, want 15", len(recs))
		}
		for i, r := range recs {
			want := fmt.Sprintf("v%d-%d", 100*(i/5), i%5)
			if r.Offset != int64(i) || string(r.Value) != want || r.Timestamp != int64(100*(i/5)+i%5) {
				t.Fatalf("record %d = {%d %q ts %d}, want {%d %q}", i, r.Offset, r.Value, r.Timestamp, i, want)
			}
		}
		if _, err := l.Read(16, ReadOptions{}); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("Read past end: %v, want ErrOffsetOutOfRange", err)
		}
		res, err = l.Read(15, ReadOptions{})
		if err != nil || len(res.Data) != 0 {
			t.Fatalf("Read at end = %d bytes, %v; want empty", len(res.Data), err)
		}
	})
}

// readVarint agrees with binary.Varint on every one- and two-byte input
// (its one-byte path is its own) and on a truncated or overlong one.
func TestReadVarintMatchesBinaryVarint(t *testing.T) {
	check := func(p []byte) {
		t.Helper()
		want, n := binary.Varint(p)
		got, rest, err := readVarint(p)
		if n <= 0 {
			if err == nil {
				t.Fatalf("readVarint(%x) = %d, want an error", p, got)
			}
			return
		}
		if err != nil || got != want || len(rest) != len(p)-n {
			t.Fatalf("readVarint(%x) = %d, %d bytes left, %v; want %d, %d bytes left", p, got, len(rest), err, want, len(p)-n)
		}
	}
	for a := 0; a < 256; a++ {
		check([]byte{byte(a)})
		for b := 0; b < 256; b++ {
			check([]byte{byte(a), byte(b)})
		}
	}
	check(nil)
	check(bytes.Repeat([]byte{0xff}, 11))
}
