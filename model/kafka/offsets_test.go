package kafka

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
)

// TestOffsetCommitSplitsUnderMaxBatch: an OffsetCommit for more partitions
// than one __consumer_offsets batch can hold is written as several
// batches, each under the log's limit, instead of the log refusing it
// (MESSAGE_TOO_LARGE) and the run failing. The limit is lowered to 2 KiB so
// that 300 partitions show what 200,000 would at the default 1 MiB: each
// record is at least its key "readers/events/NNN" (18 B) and value (8 B),
// so one commit of 300 partitions is at least 300 × 26 = 7,800 B, four
// batches or more.
func TestOffsetCommitSplitsUnderMaxBatch(t *testing.T) {
	old := offsetsMaxBatchBytes
	offsetsMaxBatchBytes = 2 << 10
	defer func() { offsetsMaxBatchBytes = old }()
	// The test reads the offsets log back from its start: keep it in
	// memory (a fault-free run otherwise releases what nothing reads).
	keepConsumed = true
	defer func() { keepConsumed = false }()

	s := baseScenario(3000, 1e9)
	s.Topics[0].Partitions = 300
	s.ConsumerGroups[0].Consumers = 1
	s.ConsumerGroups[0].Commit = "after"
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	defer w.close()
	if r.OffsetCommits == 0 {
		t.Fatal("no offset commits")
	}
	if r.Lost != 0 || r.Duplicates != 0 {
		t.Errorf("lost %d, duplicates %d", r.Lost, r.Duplicates)
	}
	g := w.groups[0]
	log := g.op.p.leader.log
	var batches, records int64
	latest := map[string]int64{} // offset-record key → last committed offset
	var rr commitlog.RecordReader
	for off := log.LogStartOffset(); off < log.LogEndOffset(); {
		// A read stops at a segment's end: read on from where it stopped.
		res, err := log.Read(off, commitlog.ReadOptions{MaxBytes: 1 << 30, Upto: commitlog.UptoLogEnd})
		if err != nil {
			t.Fatal(err)
		}
		if res.NextOffset <= off {
			t.Fatalf("read at %d made no progress", off)
		}
		off = res.NextOffset
		it := commitlog.Batches(res.Data)
		for it.Next() {
			b := it.Batch()
			if b.Size() > offsetsMaxBatchBytes {
				t.Errorf("batch at %d of %d bytes, over the limit %d", b.BaseOffset(), b.Size(), offsetsMaxBatchBytes)
			}
			batches++
			if err := rr.Reset(b); err != nil {
				t.Fatal(err)
			}
			for rr.Next() {
				rec := rr.Record()
				latest[string(rec.Key)] = int64(binary.BigEndian.Uint64(rec.Value))
				records++
			}
			if err := rr.Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if batches < 4 || batches <= r.OffsetCommits {
		t.Errorf("%d batches for %d commits: want the commits split", batches, r.OffsetCommits)
	}
	// Nothing lost to the split: the log's last record for each partition
	// is the group's committed offset.
	for p, off := range g.committed {
		key := fmt.Sprintf("readers/events/%d", p)
		if got, ok := latest[key]; off > 0 && (!ok || got != off) {
			t.Errorf("partition %d: committed %d, the log's last record says %d (present %v)", p, off, got, ok)
		}
	}
	if records < 300 {
		t.Errorf("%d offset records: want at least one commit of 300 partitions", records)
	}
}

// TestOffsetsCleanerDirtyRatio: the cleaner runs as Kafka's does with
// min.cleanable.dirty.ratio 0.5: once the dirty bytes (appended since the
// last clean) are at least half the log, dirty / (dirty + clean) ≥ 0.5,
// i.e. dirty ≥ clean; and never for less than offsetsCleanMin dirty bytes,
// which sit in the active segment that a clean leaves alone.
func TestOffsetsCleanerDirtyRatio(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		dirty, clean int64
		want         bool
	}{
		{0, 0, false},
		{offsetsCleanMin - 1, 0, false},
		{offsetsCleanMin, 0, true},
		{offsetsCleanMin, 10 * mib, false}, // ratio 4/14 < 0.5
		{10*mib - 1, 10 * mib, false},
		{10 * mib, 10 * mib, true}, // ratio exactly 0.5
		{30 * mib, 10 * mib, true},
	} {
		op := &offsetsPart{dirty: c.dirty, clean: c.clean}
		if got := op.cleanDue(); got != c.want {
			t.Errorf("dirty %d, clean %d: clean due %v, want %v", c.dirty, c.clean, got, c.want)
		}
	}
}

// TestElidedCommitsMatchRecords: a run that releases consumed records
// writes its commits as sized batches with the records elided
// (appendCommit); the run that keeps every record writes them record by
// record. Both must report the same results, and every replica of the
// offsets partition must end at the same offset with the same declared
// bytes, batches and segments: the split under the batch limit (2 KiB
// here, 300 partitions, as in TestOffsetCommitSplitsUnderMaxBatch) and
// every record's size agree, while the elided log stores only headers.
func TestElidedCommitsMatchRecords(t *testing.T) {
	old := offsetsMaxBatchBytes
	offsetsMaxBatchBytes = 2 << 10
	defer func() { offsetsMaxBatchBytes = old }()
	scenario := func() *scenarios.Scenario {
		s := baseScenario(3000, 1e9)
		s.Topics[0].Partitions = 300
		s.ConsumerGroups[0].Consumers = 2
		s.ConsumerGroups[0].Commit = "after"
		return s
	}
	w, wk, kept, rel := keptAndReleased(t, scenario)
	if !reflect.DeepEqual(kept, rel) {
		t.Errorf("results differ with elided commits:\nrecords %+v\nelided  %+v", kept, rel)
	}
	if rel.OffsetCommits == 0 {
		t.Fatal("no offset commits")
	}
	ep, kp := w.groups[0].op.p, wk.groups[0].op.p
	if ep.records != kp.records {
		t.Errorf("offsets partition ends at %d elided, %d with records", ep.records, kp.records)
	}
	for i, r := range ep.replicas {
		es, ks := r.log.Stats(), kp.replicas[i].log.Stats()
		if es.Size != ks.Size || es.Batches != ks.Batches || es.Segments != ks.Segments {
			t.Errorf("replica on broker %d: elided %d bytes in %d batches, %d segments; with records %d, %d, %d",
				r.b.id, es.Size, es.Batches, es.Segments, ks.Size, ks.Batches, ks.Segments)
		}
		if es.StoredBytes != es.Batches*commitlog.SizedHeaderSize {
			t.Errorf("replica on broker %d: %d stored bytes in %d batches, want headers only (%d each)",
				r.b.id, es.StoredBytes, es.Batches, commitlog.SizedHeaderSize)
		}
	}
}
