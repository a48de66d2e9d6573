package commitlog

import (
	"bytes"
	"testing"
)

// An uncompressed batch is built in place, its header written in the room
// before its records: its records section is exactly what a compressed
// build of the same records compresses, and its header fields are those
// of that build (codec aside), in a batch that parses.
func TestBuildInPlaceMatchesCompressedBuild(t *testing.T) {
	for _, sized := range []bool{false, true} {
		var bb BatchBuilder
		build := func(c Compression) Batch {
			bb.Reset(BatchHeader{Compression: c, SizedValues: sized, Idempotent: true, ProducerID: 5, BaseSequence: 9})
			for i := 0; i < 50; i++ {
				if sized {
					bb.AddSized(int64(100+i), []byte{byte(i)}, []byte("id-prefix"), 500, nil)
				} else {
					bb.Add(int64(100+i), []byte{byte(i)}, bytes.Repeat([]byte{byte(i)}, i), []Header{{Key: []byte("h"), Value: []byte{1}}})
				}
			}
			b, err := bb.Build()
			if err != nil {
				t.Fatal(err)
			}
			return append(Batch(nil), b...)
		}
		plain := build(CompressionNone)
		packed := build(CompressionGzip)
		if _, _, err := ParseBatch(plain); err != nil {
			t.Fatalf("sized %v: the in-place batch does not parse: %v", sized, err)
		}
		recs, err := decompress(nil, CompressionGzip, packed[packed.recordsStart():])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain[plain.recordsStart():], recs) {
			t.Fatalf("sized %v: records differ from the compressed build's", sized)
		}
		if plain.NumRecords() != packed.NumRecords() || plain.MaxTimestamp() != packed.MaxTimestamp() ||
			plain.BaseSequence() != packed.BaseSequence() || plain.ElidedBytes() != packed.ElidedBytes() ||
			plain.Attributes() != packed.Attributes()&^attrCodecMask {
			t.Fatalf("sized %v: header fields differ from the compressed build's", sized)
		}
	}
}
