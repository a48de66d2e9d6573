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

// BuildTake hands over the batch it built: the batch keeps its bytes
// while the builder builds the next ones in the spare buffer it was given
// (one taken earlier, as a producer recycles its batches), and every batch
// is byte for byte what Build gives for the same records.
func TestBuildTakeKeepsTheBatch(t *testing.T) {
	for _, c := range []Compression{CompressionNone, CompressionGzip} {
		var taker, builder BatchBuilder
		fill := func(bb *BatchBuilder, round int) {
			bb.Reset(BatchHeader{Compression: c, SizedValues: true, Idempotent: true, ProducerID: 5, BaseSequence: int32(10 * round)})
			for i := 0; i < 10+round; i++ {
				bb.AddSized(int64(100*round+i), []byte{byte(round), byte(i)}, []byte("id-prefix"), 300, nil)
			}
		}
		var kept []Batch // what BuildTake returned, still owned by the caller
		var want []Batch // Build's batches, copied at once
		var spare []byte // the oldest kept batch, given back
		for round := 0; round < 6; round++ {
			fill(&builder, round)
			b, err := builder.Build()
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, append(Batch(nil), b...))
			fill(&taker, round)
			if round >= 3 { // from then on the oldest kept batch is recycled
				spare, kept = kept[0], kept[1:]
				want = want[1:]
			}
			got, err := taker.BuildTake(spare)
			if err != nil {
				t.Fatal(err)
			}
			kept = append(kept, got)
			for i := range kept {
				if !bytes.Equal(kept[i], want[i]) {
					t.Fatalf("%v round %d: kept batch %d changed or differs from Build's", c, round, i)
				}
			}
		}
	}
}
