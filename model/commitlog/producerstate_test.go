package commitlog

import (
	"bytes"
	"errors"
	"testing"
)

// A batch stamped with SetProducerState is byte for byte the batch built
// with those producer fields in the first place: same epoch, sequence and
// CRC, so it parses.
func TestSetProducerStateMatchesBuilt(t *testing.T) {
	recs := []rec{{1, []byte("a"), []byte("x")}, {2, []byte("b"), []byte("y")}, {3, nil, []byte("z")}}
	b := build(t, BatchHeader{Idempotent: true, ProducerID: 42, ProducerEpoch: 0, BaseSequence: 7}, recs...)
	want := build(t, BatchHeader{Idempotent: true, ProducerID: 42, ProducerEpoch: 3, BaseSequence: 0}, recs...)
	if err := b.SetProducerState(3, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("restamped batch differs from the batch built with epoch 3, sequence 0")
	}
	p, _, err := ParseBatch(b)
	if err != nil {
		t.Fatalf("restamped batch does not parse: %v", err)
	}
	// 3 records from sequence 0: the last is 2.
	if p.ProducerEpoch() != 3 || p.BaseSequence() != 0 || p.LastSequence() != 2 || p.ProducerID() != 42 {
		t.Fatalf("epoch %d seq %d..%d pid %d, want 3, 0..2, 42", p.ProducerEpoch(), p.BaseSequence(), p.LastSequence(), p.ProducerID())
	}
}

// The log refuses a sequence gap within an epoch and accepts the same batch
// restamped at sequence 0 of a newer epoch; the older epoch is then fenced.
func TestSetProducerStateEpochBump(t *testing.T) {
	l, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := BatchHeader{Idempotent: true, ProducerID: 9}
	one := []rec{{1, nil, []byte("v")}, {2, nil, []byte("w")}}
	mustAppend(t, l, build(t, h, one...), 1) // sequences 0, 1
	h.BaseSequence = 5                       // 2..4 never arrive
	gap := build(t, h, one...)
	if _, err := l.Append(append(Batch(nil), gap...), 1); !errors.Is(err, ErrOutOfOrderSequence) {
		t.Fatalf("append after a gap: %v, want out of order", err)
	}
	if err := gap.SetProducerState(1, 0); err != nil {
		t.Fatal(err)
	}
	if r := mustAppend(t, l, gap, 1); r.FirstOffset != 2 || r.Duplicate {
		t.Fatalf("restamped batch at %d (duplicate %v), want appended at offset 2", r.FirstOffset, r.Duplicate)
	}
	if st, ok := l.ProducerState(9); !ok || st.Epoch != 1 {
		t.Fatalf("producer state %+v %v, want epoch 1", st, ok)
	}
	h.BaseSequence = 2
	stale := build(t, h, one...)
	if _, err := l.Append(stale, 1); !errors.Is(err, ErrInvalidProducerEpoch) {
		t.Fatalf("append in epoch 0 after the bump: %v, want invalid producer epoch", err)
	}
}

func TestSetProducerStateBadInput(t *testing.T) {
	plain := build(t, BatchHeader{}, rec{1, nil, []byte("v")})
	idem := build(t, BatchHeader{Idempotent: true, ProducerID: 1}, rec{1, nil, []byte("v")})
	for _, c := range []struct {
		name  string
		b     Batch
		epoch int16
		seq   int32
	}{
		{"no producer", plain, 0, 0},
		{"short", idem[:HeaderSize-1], 0, 0},
		{"truncated", idem[:len(idem)-1], 0, 0},
		{"negative epoch", idem, -1, 0},
		{"negative sequence", idem, 0, -1},
	} {
		before := append([]byte(nil), c.b...)
		if err := c.b.SetProducerState(c.epoch, c.seq); err == nil {
			t.Errorf("%s: no error", c.name)
		}
		if !bytes.Equal(before, c.b) {
			t.Errorf("%s: batch changed on error", c.name)
		}
	}
}

// A COMMIT marker that carries the producer's next epoch (transaction
// version 2 bumps the epoch at every transaction end) leaves that epoch
// with no sequences yet: its first data batch must start at 0, as Kafka
// requires, so a batch that overtook it is refused, not taken as the start.
func TestEpochBumpedByMarkerStartsAtZero(t *testing.T) {
	l, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := func(epoch int16, seq int32) BatchHeader {
		return BatchHeader{Idempotent: true, Transactional: true, ProducerID: 5, ProducerEpoch: epoch, BaseSequence: seq}
	}
	one := []rec{{1, nil, []byte("v")}}
	mustAppend(t, l, build(t, h(0, 0), one...), 0)
	var bb BatchBuilder
	m, err := bb.BuildControl(5, 1, true, 0, 2) // the commit, carrying epoch 1
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, append(Batch(nil), m...), 0)
	if _, err := l.Append(build(t, h(1, 3), one...), 0); !errors.Is(err, ErrOutOfOrderSequence) {
		t.Fatalf("epoch 1 starting at sequence 3: %v, want ErrOutOfOrderSequence", err)
	}
	mustAppend(t, l, build(t, h(1, 0), one...), 0)
	mustAppend(t, l, build(t, h(1, 1), one...), 0)
}

// A producer entry remembers its last 5 batches, oldest first, however
// many were pushed, whether it started empty, was reset to none by a new
// epoch, or came from a snapshot (a slice of its own).
func TestProducerEntryKeepsLastFive(t *testing.T) {
	for _, start := range []string{"empty", "epoch-reset", "snapshot"} {
		p := &ProducerEntry{ProducerID: 1}
		first := int32(0)
		switch start {
		case "epoch-reset":
			for i := int32(0); i < 9; i++ {
				p.push(BatchMeta{FirstSeq: 100 + i})
			}
			p.Batches = p.Batches[:0]
		case "snapshot":
			p.Batches = []BatchMeta{{FirstSeq: -3}, {FirstSeq: -2}, {FirstSeq: -1}}
			first = -3
		}
		for i := int32(0); i < 60; i++ {
			p.push(BatchMeta{FirstSeq: i})
			lo := max(first, i-maxProducerBatches+1)
			if len(p.Batches) != int(i-lo+1) {
				t.Fatalf("%s: after pushing %d, %d batches remembered, want %d", start, i, len(p.Batches), i-lo+1)
			}
			for k, m := range p.Batches {
				if m.FirstSeq != lo+int32(k) {
					t.Fatalf("%s: after pushing %d, batch %d has sequence %d, want %d", start, i, k, m.FirstSeq, lo+int32(k))
				}
			}
		}
	}
}
