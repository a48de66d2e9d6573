package node

import (
	"testing"

	"mqsim/sim"
)

// cacheMachine is a machine with a 1,000 MB page cache (dirty limit
// 200 MB, background threshold 100 MB at Linux's ratios) and a disk that
// writes diskMBs MB/s.
func cacheMachine(t *testing.T, s *sim.Sim, diskMBs float64, fsync sim.Dist) *Machine {
	t.Helper()
	m, err := New(s, "b", Spec{NICIn: 1e9, NICOut: 1e9, DiskWrite: diskMBs * 1e6, DiskRead: 1e9, CPUThreads: 1,
		PageCache: 1000e6, FsyncLatency: fsync})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Below the background threshold nothing is written back until the data
// expires: 50 MB written at 0 are due at the flusher's wake-up at 30 s
// (dirty_expire), and take 50 MB / 100 MB/s = 0.5 s.
func TestWritebackWaitsForExpiry(t *testing.T) {
	s := sim.New(1)
	m := cacheMachine(t, s, 100, nil)
	c := m.Cache
	var flushedTo int64 = -1
	c.OnClean = func(o int32, upto int64) { flushedTo = upto }
	o := c.NewOwner()
	c.Write(o, 50e6, 7)
	s.RunUntil(29900 * sim.Millisecond)
	if c.Dirty() != 50e6 || flushedTo != -1 {
		t.Fatalf("at 29.9s: dirty %d, flushed to %d; want 50 MB dirty and nothing on disk", c.Dirty(), flushedTo)
	}
	s.RunUntil(30400 * sim.Millisecond)
	if c.Dirty() == 0 {
		t.Fatalf("at 30.4s: all written back, want 0.5s of writing")
	}
	s.RunUntil(30600 * sim.Millisecond)
	if c.Dirty() != 0 || flushedTo != 7 {
		t.Errorf("at 30.6s: dirty %d, flushed to %d; want 0 and the file's end 7", c.Dirty(), flushedTo)
	}
}

// Past the background threshold write-back starts at once and stops at
// the first chunk that brings the cache below it: 150 MB dirty, 100 MB
// threshold, 4 MiB chunks: ceil(50e6 / 4,194,304) = 12 chunks, so
// 150e6 − 12 × 4,194,304 = 99,668,352 bytes stay dirty, written in
// 12 × 4,194,304 / 100 MB/s = 0.503 s.
func TestBackgroundWriteback(t *testing.T) {
	s := sim.New(1)
	m := cacheMachine(t, s, 100, nil)
	c := m.Cache
	o := c.NewOwner()
	c.Write(o, 150e6, 1)
	s.RunUntil(500 * sim.Millisecond)
	if c.Dirty() <= 99_668_352 {
		t.Fatalf("at 0.5s dirty %d, want write-back still under way", c.Dirty())
	}
	s.RunUntil(2 * sim.Second)
	if got, want := c.Dirty(), int64(99_668_352); got != want {
		t.Errorf("dirty after background write-back = %d, want %d", got, want)
	}
}

// A writer offering 300 MB/s to a 100 MB/s disk is held at the dirty
// limit: once the cache is full (by 1.5 s: 100 MB at 300 MB/s, then the
// next 100 MB at 300 − 100 MB/s), what it writes per second is what the
// disk takes, 100 MB/s.
func TestDirtyLimitHoldsWriters(t *testing.T) {
	s := sim.New(1)
	m := cacheMachine(t, s, 100, nil)
	c := m.Cache
	o := c.NewOwner()
	var written int64
	var tick func(uint64)
	write := func(uint64) {
		c.Write(o, 3e6, written)
		written += 3e6
		s.AfterCall(10*sim.Millisecond, tick, 0) // 3 MB per 10 ms = 300 MB/s
	}
	tick = func(uint64) {
		if c.Room(0, write) {
			write(0)
		}
	}
	s.AfterCall(0, tick, 0)
	s.RunUntil(10 * sim.Second)
	at10 := written
	s.RunUntil(20 * sim.Second)
	rate := float64(written-at10) / 10
	if rate < 0.98*100e6 || rate > 1.02*100e6 {
		t.Errorf("held writer's rate %.1f MB/s, want the disk's 100 MB/s ± 2%%", rate/1e6)
	}
	if c.Stats.MaxDirty > c.Limit()+3e6 {
		t.Errorf("max dirty %d, want at most the limit %d plus one write", c.Stats.MaxDirty, c.Limit())
	}
	if c.Stats.Blocked == 0 {
		t.Error("no write was held, want the limit to act")
	}
}

// Group commit: with a 10 ms fsync, the first of five writers asking at
// once gets its own fsync (done at 10 ms); the other four join the next
// one, which starts when the first ends (done at 20 ms): 2 fsyncs for 5
// writers. Three files fsync one after another: 10, 20, 30 ms.
func TestFsyncGroupCommit(t *testing.T) {
	s := sim.New(1)
	m := cacheMachine(t, s, 1e6, sim.Constant{Value: 0.010})
	c := m.Cache
	o := c.NewOwner()
	c.Write(o, 1000, 1)
	var done [5]sim.Time
	for i := range done {
		c.Fsync(o, uint64(i), func(k uint64) { done[k] = s.Now() })
	}
	s.RunUntil(sim.Second)
	want := [5]sim.Time{10 * sim.Millisecond, 20 * sim.Millisecond, 20 * sim.Millisecond, 20 * sim.Millisecond, 20 * sim.Millisecond}
	for i := range done {
		// The 1,000 bytes at 1 TB/s add 1 ns to the first.
		if d := done[i] - want[i]; d < 0 || d > sim.Microsecond {
			t.Errorf("writer %d done at %v, want %v", i, done[i], want[i])
		}
	}
	if c.Stats.Fsyncs != 2 || c.Stats.FsyncWrites != 5 || c.Dirty() != 0 {
		t.Errorf("fsyncs %d serving %d writers, dirty %d; want 2, 5, 0", c.Stats.Fsyncs, c.Stats.FsyncWrites, c.Dirty())
	}

	s = sim.New(1)
	c = cacheMachine(t, s, 1e6, sim.Constant{Value: 0.010}).Cache
	var files [3]sim.Time
	for i := range files {
		f := c.NewOwner()
		c.Fsync(f, uint64(i), func(k uint64) { files[k] = s.Now() })
	}
	s.RunUntil(sim.Second)
	for i, at := range files {
		if want := sim.Time(i+1) * 10 * sim.Millisecond; at != want {
			t.Errorf("file %d's fsync done at %v, want %v", i, at, want)
		}
	}
}

// A power loss loses exactly the dirty bytes: of 150 MB written, the
// 12 chunks background write-back put on disk survive (and OnClean told
// where they reach); the rest, 99,668,352 bytes, is lost.
func TestLoseDirty(t *testing.T) {
	s := sim.New(1)
	c := cacheMachine(t, s, 100, nil).Cache
	o := c.NewOwner()
	var flushed int64 = -1
	c.OnClean = func(_ int32, upto int64) { flushed = upto }
	for i := range 150 { // 1 MB at a time, the file's end counting MBs
		c.Write(o, 1e6, int64(i+1))
	}
	s.RunUntil(2 * sim.Second)
	if lost := c.LoseDirty(); lost != 99_668_352 {
		t.Errorf("lost %d bytes, want 99,668,352", lost)
	}
	// All 150 writes fall in one 100 ms extent: no whole extent reached
	// the disk, so nothing counts as flushed.
	if flushed != -1 {
		t.Errorf("flushed to %d, want nothing (the one extent was only partly written)", flushed)
	}
	if c.Dirty() != 0 || c.OwnerDirty(o) != 0 {
		t.Errorf("after the loss: dirty %d, want 0", c.Dirty())
	}
}

// Truncating a file drops its dirty extents past the cut.
func TestTruncatedDropsDirty(t *testing.T) {
	s := sim.New(1)
	c := cacheMachine(t, s, 100, nil).Cache
	o := c.NewOwner()
	for i := range 5 {
		c.Write(o, 1e6, int64(10*(i+1))) // ends 10, 20, …, 50
		s.RunUntil(s.Now() + 200*sim.Millisecond)
	}
	c.Truncated(o, 25) // the extents ending 40 and 50 start at or past 25
	if got, want := c.OwnerDirty(o), int64(3e6); got != want {
		t.Errorf("dirty after truncating to 25 = %d, want %d", got, want)
	}
}

// An fsync writes whole pages: on a disk of 4,096 B/s with no fsync
// latency, 10 bytes take one page (1 s); 10 more in the same page rewrite
// it (1 s more); 5,000 bytes from byte 20 touch pages 0 and 1 (2 s more).
func TestFsyncWritesWholePages(t *testing.T) {
	s := sim.New(1)
	m, err := New(s, "b", Spec{NICIn: 1e9, NICOut: 1e9, DiskWrite: PageSize, DiskRead: 1e9, CPUThreads: 1, PageCache: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Cache
	o := c.NewOwner()
	var at []sim.Time
	step := func(bytes, upto int64) {
		c.Write(o, bytes, upto)
		c.Fsync(o, 0, func(uint64) { at = append(at, s.Now()) })
		s.RunUntil(s.Now() + 10*sim.Second)
	}
	step(10, 10)
	step(10, 20)
	step(5000, 5020)
	want := []sim.Time{sim.Second, 11 * sim.Second, 22 * sim.Second}
	if len(at) != 3 {
		t.Fatalf("%d fsyncs done, want 3", len(at))
	}
	for i := range want {
		if d := at[i] - want[i]; d < -sim.Microsecond || d > sim.Microsecond {
			t.Errorf("fsync %d done at %v, want %v", i, at[i], want[i])
		}
	}
	for _, tc := range []struct{ from, to, want int64 }{{0, 0, 0}, {0, 1, 4096}, {4095, 4097, 8192}, {4096, 8192, 4096}, {100, 12288, 12288}} {
		if got := pagesSpanned(tc.from, tc.to); got != tc.want {
			t.Errorf("pagesSpanned(%d, %d) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

// A file written to all the time is never wholly clean, so its list of
// dirty extents never empties; the written-back ones must still go. 1 MB
// every 200 ms (one extent each: the merge window is 100 ms) for 10
// minutes is 3,000 extents. At 5 MB/s the cache reaches the background
// threshold (100 MB) at 20 s, before anything expires (30 s), and
// write-back then keeps it just under it: about 100 extents dirty, at
// most 101 (100 MB ÷ 1 MB, plus the one being written back), and the list
// is trimmed once half of it is written back, so it holds at most twice
// that — where it kept all 3,000.
func TestDirtyExtentsFollowTheDirtyData(t *testing.T) {
	s := sim.New(1)
	m := cacheMachine(t, s, 100, nil)
	c := m.Cache
	o := c.NewOwner()
	var upto int64
	var tick func()
	tick = func() {
		upto++
		c.Write(o, 1e6, upto)
		if s.Now() < 600*sim.Second {
			s.AfterCall(200*sim.Millisecond, func(uint64) { tick() }, 0)
		}
	}
	tick()
	s.RunUntil(600 * sim.Second)
	if c.Dirty() > 100e6 || c.Dirty() < 95e6 {
		t.Fatalf("dirty %d, want just under the 100 MB background threshold", c.Dirty())
	}
	ow := &c.owners[o]
	if held := len(ow.ext) - ow.head; held > 101 || len(ow.ext) > 2*101 {
		t.Errorf("after 3,000 writes: %d extents in the list (%d dirty); want at most 202 (101 dirty)", len(ow.ext), held)
	}
}
