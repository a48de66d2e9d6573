package commitlog

import (
	"bytes"
	"fmt"
	"testing"
)

// image is everything a reader can see of a log: each Read from every
// offset (bytes and next offset), the offsets, epochs and a producer's
// state. Two logs with equal images read back identically.
func image(t *testing.T, l *Log, pid int64) string {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "start %d end %d hw %d epochs %v\n", l.LogStartOffset(), l.LogEndOffset(), l.HighWatermark(), l.Epochs())
	if st, ok := l.ProducerState(pid); ok {
		fmt.Fprintf(&b, "producer %+v\n", st)
	}
	for off := l.ReadableFrom(); off < l.LogEndOffset(); off++ {
		for _, max := range []int64{1, 700, 1 << 20} {
			res, err := l.Read(off, ReadOptions{MaxBytes: max})
			if err != nil {
				t.Fatalf("Read(%d): %v", off, err)
			}
			fmt.Fprintf(&b, "%d/%d: next %d size %d %x\n", off, max, res.NextOffset, res.Size, res.Data)
		}
	}
	return b.String()
}

// sharedSetup fills a leader with 60 idempotent batches of 1 to 6 records
// (small segments, so replicated fetches cross segment rolls) and
// replicates them, in fetches of at most 900 bytes, to a follower that
// copies and to one that keeps references (AppendReplicatedShared).
func sharedSetup(t *testing.T) (leader, copied, shared *Log, fetches int) {
	t.Helper()
	cfg := Config{SegmentBytes: 3000}
	open := func() *Log {
		l, err := OpenMemory(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	leader, copied, shared = open(), open(), open()
	seq := int32(0)
	for i := 0; i < 60; i++ {
		n := 1 + i%6
		recs := make([]rec, n)
		for j := range recs {
			recs[j] = rec{int64(10*i + j), []byte(fmt.Sprintf("k%d", (i+j)%7)), bytes.Repeat([]byte{byte(i)}, 20+j)}
		}
		mustAppend(t, leader, build(t, BatchHeader{Idempotent: true, ProducerID: 3, BaseSequence: seq}, recs...), int32(i/20))
		seq += int32(n)
	}
	fetches = replicate(t, leader, copied, shared)
	return leader, copied, shared, fetches
}

// replicate fetches from the leader to both followers until they hold
// everything, returning the number of fetches.
func replicate(t *testing.T, leader, copied, shared *Log) int {
	t.Helper()
	n := 0
	for shared.LogEndOffset() < leader.LogEndOffset() {
		res, err := leader.Read(shared.LogEndOffset(), ReadOptions{MaxBytes: 900})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := copied.AppendReplicated(res.Data); err != nil {
			t.Fatal(err)
		}
		if _, err := shared.appendReplicated(res.Data, shareAlways); err != nil { // however small
			t.Fatal(err)
		}
		n++
	}
	if err := shared.SetHighWatermark(shared.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if err := copied.SetHighWatermark(copied.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	return n
}

func slabs(l *Log) (n int) {
	for _, s := range l.segs {
		n += len(s.data.(*memData).slabs)
	}
	return n
}

// A follower that keeps references to the leader's bytes reads back
// exactly as one that copies them, holds no copy (one slab per fetch and
// segment, each inside the leader's storage), and stays so whatever either
// log does next.
func TestSharedFollowerReadsLikeACopy(t *testing.T) {
	leader, copied, shared, fetches := sharedSetup(t)
	want := image(t, copied, 3)
	if got := image(t, shared, 3); got != want {
		t.Fatalf("shared follower reads differently from a copying one:\n%s\nwant\n%s", got, want)
	}
	// Each fetch is one run of the leader's bytes; a segment roll inside
	// a fetch splits it in two. So at most fetches + segments slabs, where
	// the copying follower packs the same bytes into doubling slabs.
	if n, max := slabs(shared), fetches+len(shared.segs); n > max {
		t.Fatalf("shared follower has %d slabs, want at most %d (%d fetches, %d segments)", n, max, fetches, len(shared.segs))
	}

	// The leader truncates, appends other bytes in a new epoch, compacts,
	// releases everything and finally empties itself: the follower's bytes
	// never change.
	if err := leader.TruncateTo(40); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		mustAppend(t, leader, simple(t, int64(1000+i), 3), 7)
	}
	if err := leader.SetHighWatermark(leader.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if _, err := leader.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := leader.Release(leader.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if err := leader.TruncateFullyAndStartAt(0); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		mustAppend(t, leader, simple(t, int64(2000+i), 4), 9)
	}
	if got := image(t, shared, 3); got != want {
		t.Fatalf("the leader's truncation, compaction, release and restart changed the shared follower's reads")
	}

	// The follower truncates (a crash losing its unflushed tail ends
	// this way too) and replicates the leader's new log; the old leader
	// bytes it still refers to and the new ones read as a copy does.
	for _, l := range []*Log{copied, shared} {
		if err := l.TruncateFullyAndStartAt(0); err != nil {
			t.Fatal(err)
		}
	}
	replicate(t, leader, copied, shared)
	for _, l := range []*Log{copied, shared} {
		if err := l.TruncateTo(50); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		mustAppend(t, leader, simple(t, int64(3000+i), 2), 9)
	}
	replicate(t, leader, copied, shared)
	newLeader := image(t, leader, 3)
	if got, want := image(t, shared, 0), image(t, copied, 0); got != want {
		t.Fatalf("after the follower's truncation and catch-up, the shared follower reads differently:\n%s\nwant\n%s", got, want)
	}
	// The follower's truncation, compaction and release never touch the
	// leader's bytes.
	if _, err := shared.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := shared.Release(shared.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if err := shared.TruncateFullyAndStartAt(5); err != nil {
		t.Fatal(err)
	}
	if got := image(t, leader, 3); got != newLeader {
		t.Fatalf("the follower's compaction, release and truncation changed the leader's reads")
	}
}

// A follower's append after a shared run copies into its own slab: it must
// never write into the bytes past the end of the run, which belong to the
// leader (here, bytes the leader appends later into the same slab).
func TestSharedFollowerNeverWritesIntoTheLeader(t *testing.T) {
	leader, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	follower, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, leader, simple(t, 0, 5), 0)
	res, err := leader.Read(0, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Give the follower the run with spare capacity, as a read's buffer
	// may have, then let it append a batch of its own.
	run := append(make([]byte, 0, len(res.Data)+4096), res.Data...)
	if _, err := follower.appendReplicated(run, shareAlways); err != nil { // however small
		t.Fatal(err)
	}
	spare := run[len(run):cap(run)]
	for i := range spare {
		spare[i] = 0xAB
	}
	mustAppend(t, follower, simple(t, 100, 5), 0)
	for i, c := range run[len(run):cap(run)] {
		if c != 0xAB {
			t.Fatalf("the follower wrote byte %d past its shared run", i)
		}
	}
	if got := readAll(t, follower, 0, UptoLogEnd); len(got) != 10 || got[9].Offset != 9 {
		t.Fatalf("follower reads %d records", len(got))
	}
}

// AppendReplicatedShared keeps references to fetches of at least minShared
// bytes and copies smaller ones (a reference costs more than their copy)
// until the segment ends with a reference: two 100-byte fetches go into
// the follower's first slab, a 600-byte one is a slab of its own, the
// fetched bytes themselves, and so is the 100-byte fetch after it (a copy
// there would start a new slab).
func TestSharedFollowerCopiesSmallFetches(t *testing.T) {
	leader, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	follower, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var fetched [][]byte
	for _, n := range []int{100, 100, 600, 100} {
		b := build(t, BatchHeader{}, rec{1, nil, make([]byte, n-HeaderSize-8)})
		mustAppend(t, leader, b, 0)
		res, err := leader.Read(follower.LogEndOffset(), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Data) != len(b) {
			t.Fatalf("read %d bytes, appended %d", len(res.Data), len(b))
		}
		if _, err := follower.AppendReplicatedShared(res.Data); err != nil {
			t.Fatal(err)
		}
		fetched = append(fetched, res.Data)
	}
	md := follower.segs[0].data.(*memData)
	if len(md.slabs) != 3 || !md.lastShared {
		t.Fatalf("follower has %d slabs (last shared: %v), want 3: the first two fetches copied into one, the others shared", len(md.slabs), md.lastShared)
	}
	for i, f := range fetched[2:] {
		if &md.slabs[1+i].buf[0] != &f[0] {
			t.Fatalf("fetch %d's slab is a copy, not the fetched bytes", 3+i)
		}
	}
}
