package commitlog

import (
	"encoding/binary"
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
