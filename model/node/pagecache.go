package node

import (
	"container/heap"
	"math/rand/v2"

	"mqsim/sim"
)

// Linux's write-back defaults (Documentation/admin-guide/sysctl/vm.rst):
// vm.dirty_ratio 20, vm.dirty_background_ratio 10,
// vm.dirty_expire_centisecs 3000, vm.dirty_writeback_centisecs 500.
const (
	LinuxDirtyRatio           = 0.20
	LinuxDirtyBackgroundRatio = 0.10
	LinuxDirtyExpire          = 30 * sim.Second
	LinuxDirtyWriteback       = 5 * sim.Second
)

// WritebackChunk is the most one write-back step writes of one file before
// the flusher looks again: Linux's MAX_WRITEBACK_PAGES, 1024 pages of 4 KiB.
const WritebackChunk = 4 << 20

// mergeWindow: writes to one file this close together share one extent,
// so the cache keeps a bounded number of extents per file (the flushed
// offset a power loss keeps is exact to the extent).
const mergeWindow = 100 * sim.Millisecond

// PageCache is a machine's page cache seen from its writers: written bytes
// are dirty until write-back puts them on the disk. It follows Linux:
//
//   - Background write-back starts once the dirty bytes pass the
//     background threshold (dirty_background_ratio of the cache's memory)
//     and writes the files dirtied longest ago, a chunk at a time, at the
//     disk's bandwidth, until they are below it again.
//   - The flusher wakes every writeback interval and also writes back every
//     file whose dirty data is older than dirty_expire.
//   - Past the dirty limit (dirty_ratio) a writer is held (Room reports
//     false) until write-back has brought the dirty bytes below the limit;
//     held writers go on in the order they came.
//   - Fsync writes one file's dirty bytes and then waits the disk's fsync
//     latency; writers of one file asking while its fsync has not started
//     share it (group commit), and the fsyncs of different files on one
//     disk run one after another.
//   - LoseDirty is a power loss: every dirty byte is gone.
//
// A file is an owner (a number from NewOwner); each write says the file's
// end after it (upto: a log's end offset), and OnClean hears, once write-
// back or an fsync has put a file's bytes on the disk, the end they reach.
type PageCache struct {
	s    *sim.Sim
	disk *sim.RateServer
	rng  *rand.Rand

	limit, background int64
	expire, interval  sim.Time
	fsyncLatency      sim.Dist // seconds; nil costs nothing beyond the write
	seek              float64  // bytes of disk-write time a write to another file than the last costs
	lastFile          int32    // the file the disk last wrote, -1 none

	owners []owner
	byAge  ownerHeap // dirty owners, oldest dirty data first
	dirty  int64
	cutoff sim.Time // data dirtied at or before this is expired (set each flusher wake-up)

	wbBusy   bool
	wbOwner  int32
	wbTarget int64
	gen      uint32 // bumped by a power loss: write-back in flight is void

	waiters  []waiter
	waitHead int

	fsyncQ     []*fsyncOp
	fsyncBusy  bool
	fsyncTimer sim.EventID
	freeOps    []*fsyncOp

	fWBDone, fFsyncWritten func(sim.Job)

	// OnClean is called with a file and the end its bytes on disk reach.
	OnClean func(owner int32, upto int64)

	Stats CacheStats
}

// CacheStats counts what the page cache did.
type CacheStats struct {
	MaxDirty    int64    // the most dirty bytes at once
	Dirtied     int64    // bytes written into the cache, in all
	Blocked     int64    // writes held at the dirty limit
	BlockedTime sim.Time // total time writes were held
	WrittenBack int64    // bytes write-back and fsyncs put on disk
	Fsyncs      int64    // fsyncs done (each may serve several writers)
	FsyncWrites int64    // writers an fsync served
	Lost        int64    // dirty bytes lost to power losses
}

type owner struct {
	fsyncs   int64    // fsyncs of the file done
	ext      []extent // dirty extents, oldest first, from head
	head     int
	written  int64 // bytes written to the file, cumulative
	cleaned  int64 // bytes of it on disk
	since    sim.Time
	heapIdx  int
	queued   *fsyncOp // an fsync asked for and not yet started
	fsyncing bool
}

type extent struct {
	end  int64 // owner.written after the extent
	upto int64 // the file's end after the extent
	at   sim.Time
}

type waiter struct {
	tag   uint64
	fn    func(uint64)
	since sim.Time
}

type fsyncOp struct {
	owner   int32
	target  int64
	waiters []waiter
}

func newPageCache(s *sim.Sim, disk *sim.RateServer, spec Spec, rng *rand.Rand) *PageCache {
	c := &PageCache{s: s, disk: disk, rng: rng, fsyncLatency: spec.FsyncLatency,
		seek: spec.SeekWrite.Seconds() * spec.DiskWrite, lastFile: -1,
		limit:      int64(float64(spec.PageCache) * spec.DirtyRatio),
		background: int64(float64(spec.PageCache) * spec.DirtyBackgroundRatio),
		expire:     spec.DirtyExpire, interval: spec.DirtyWriteback}
	c.byAge.c = c
	c.cutoff = -1 << 62
	c.fWBDone = c.writebackDone
	c.fFsyncWritten = c.fsyncWritten
	if c.interval > 0 && c.expire > 0 {
		s.AfterCall(c.interval, c.wake, 0)
	}
	return c
}

// NewOwner adds a file and returns its number.
func (c *PageCache) NewOwner() int32 {
	c.owners = append(c.owners, owner{heapIdx: -1})
	return int32(len(c.owners) - 1)
}

// Dirty is the bytes written and not yet on disk.
func (c *PageCache) Dirty() int64 { return c.dirty }

// OwnerDirty is the bytes of file o not yet on disk.
func (c *PageCache) OwnerDirty(o int32) int64 {
	return c.owners[o].written - c.owners[o].cleaned
}

// Limit and Background are the dirty limit and the background threshold
// in bytes.
func (c *PageCache) Limit() int64      { return c.limit }
func (c *PageCache) Background() int64 { return c.background }

// Room reports whether a writer may write now: the dirty bytes are below
// the limit and no earlier writer is held. If not, fn(tag) is called once
// there is room, in the order writers were held.
func (c *PageCache) Room(tag uint64, fn func(uint64)) bool {
	if c.dirty < c.limit && c.waitHead == len(c.waiters) {
		return true
	}
	c.Stats.Blocked++
	c.waiters = append(c.waiters, waiter{tag: tag, fn: fn, since: c.s.Now()})
	return false
}

// Write adds bytes written to file o, whose end is upto after them.
func (c *PageCache) Write(o int32, bytes int64, upto int64) {
	if bytes <= 0 {
		return
	}
	now := c.s.Now()
	ow := &c.owners[o]
	if n := len(ow.ext); n > ow.head && now-ow.ext[n-1].at < mergeWindow {
		ow.ext[n-1].end += bytes
		ow.ext[n-1].upto = upto
	} else {
		if ow.head > 0 && ow.head == len(ow.ext) {
			ow.ext, ow.head = ow.ext[:0], 0
		}
		ow.ext = append(ow.ext, extent{end: ow.written + bytes, upto: upto, at: now})
	}
	if ow.written == ow.cleaned {
		ow.since = now
		heap.Push(&c.byAge, o)
	}
	ow.written += bytes
	c.dirty += bytes
	c.Stats.Dirtied += bytes
	c.Stats.MaxDirty = max(c.Stats.MaxDirty, c.dirty)
	c.kick()
}

// OwnerFsyncs is how many fsyncs of file o have been done.
func (c *PageCache) OwnerFsyncs(o int32) int64 { return c.owners[o].fsyncs }

// Truncated drops file o's dirty data past upto, as truncating a file
// drops its dirty pages. An extent the cut falls inside is kept whole.
func (c *PageCache) Truncated(o int32, upto int64) {
	ow := &c.owners[o]
	n := len(ow.ext)
	// Extent i covers the file from extent i-1's end to its own: it goes
	// whole when that start is at or past the cut.
	for n-1 > ow.head && ow.ext[n-2].upto >= upto {
		n--
	}
	if n > ow.head && ow.ext[n-1].upto > upto {
		ow.ext[n-1].upto = upto
	}
	if n == len(ow.ext) {
		return
	}
	ow.ext = ow.ext[:n]
	c.dirty -= ow.written - ow.ext[n-1].end
	ow.written = ow.ext[n-1].end
	c.admit()
}

// Fsync writes file o's dirty bytes and waits for the disk to confirm
// them; fn(tag) is called then. A writer asking while an fsync of the same
// file waits to start joins it.
func (c *PageCache) Fsync(o int32, tag uint64, fn func(uint64)) {
	ow := &c.owners[o]
	if ow.queued == nil {
		var op *fsyncOp
		if n := len(c.freeOps); n > 0 {
			op, c.freeOps = c.freeOps[n-1], c.freeOps[:n-1]
		} else {
			op = &fsyncOp{}
		}
		op.owner, op.waiters = o, op.waiters[:0]
		ow.queued = op
		c.fsyncQ = append(c.fsyncQ, op)
	}
	ow.queued.waiters = append(ow.queued.waiters, waiter{tag: tag, fn: fn})
	c.startFsync()
}

func (c *PageCache) startFsync() {
	if c.fsyncBusy || len(c.fsyncQ) == 0 {
		return
	}
	op := c.fsyncQ[0]
	ow := &c.owners[op.owner]
	ow.queued, ow.fsyncing = nil, true
	op.target = ow.written
	c.fsyncBusy = true
	c.disk.Submit(c.work(op.owner, pagesSpanned(ow.cleaned, ow.written)), uint64(c.gen), c.fFsyncWritten)
}

// fsyncWritten: the file's bytes are on the disk; the flush itself takes
// the fsync latency.
func (c *PageCache) fsyncWritten(j sim.Job) {
	var d sim.Time
	if c.fsyncLatency != nil {
		d = sim.SampleTime(c.fsyncLatency, c.rng)
	}
	c.fsyncTimer = c.s.AfterCall(d, c.fsyncDone, j.Tag)
}

func (c *PageCache) fsyncDone(gen uint64) {
	op := c.fsyncQ[0]
	c.fsyncQ = c.fsyncQ[1:]
	c.fsyncBusy = false
	c.owners[op.owner].fsyncing = false
	c.Stats.Fsyncs++
	c.Stats.FsyncWrites += int64(len(op.waiters))
	c.owners[op.owner].fsyncs++
	if uint32(gen) == c.gen {
		c.clean(op.owner, op.target)
	}
	for _, wt := range op.waiters {
		wt.fn(wt.tag)
	}
	op.waiters = op.waiters[:0]
	c.freeOps = append(c.freeOps, op)
	c.startFsync()
}

// LoseDirty is a power loss: every dirty byte is lost (what OnClean last
// reported for each file is what its disk holds). Held writers and fsync
// waiters go on at once; their system finds its machine down.
func (c *PageCache) LoseDirty() int64 {
	lost := c.dirty
	c.Stats.Lost += lost
	for i := range c.owners {
		ow := &c.owners[i]
		ow.written = ow.cleaned
		ow.ext, ow.head, ow.heapIdx = ow.ext[:0], 0, -1
	}
	c.byAge.ids = c.byAge.ids[:0]
	c.dirty = 0
	c.gen++
	c.admit()
	return lost
}

// wake is the flusher's periodic wake-up: data dirtied expire ago or
// earlier is now due for write-back.
func (c *PageCache) wake(uint64) {
	c.cutoff = c.s.Now() - c.expire
	c.kick()
	c.s.AfterCall(c.interval, c.wake, 0)
}

// kick starts the next write-back step if one is due: the oldest dirty
// file while the cache is over the background threshold or that file's
// data has expired.
func (c *PageCache) kick() {
	if c.wbBusy || len(c.byAge.ids) == 0 {
		return
	}
	o := c.byAge.ids[0]
	ow := &c.owners[o]
	if c.dirty <= c.background && (c.expire <= 0 || ow.since > c.cutoff) {
		return
	}
	chunk := min(ow.written-ow.cleaned, WritebackChunk)
	c.wbBusy, c.wbOwner, c.wbTarget = true, o, ow.cleaned+chunk
	c.disk.Submit(c.work(o, chunk), uint64(c.gen), c.fWBDone)
}

// PageSize is the page the kernel writes a file in: an fsync writes every
// page its dirty bytes touch, whole.
const PageSize = 4096

// pagesSpanned is the bytes of the whole pages that the file's bytes
// [from, to) touch: a small append followed by an fsync writes a page,
// and the next append to the same page writes it again.
func pagesSpanned(from, to int64) int64 {
	if to <= from {
		return 0
	}
	return ((to+PageSize-1)/PageSize - from/PageSize) * PageSize
}

// work is the disk time, in bytes at its rate, of writing bytes of file
// o: the bytes, plus a seek when the disk last wrote another file (write-
// back of many files interleaves them: random writes).
func (c *PageCache) work(o int32, bytes int64) float64 {
	w := float64(bytes)
	if o != c.lastFile {
		w += c.seek
		c.lastFile = o
	}
	return w
}

func (c *PageCache) writebackDone(j sim.Job) {
	c.wbBusy = false
	if uint32(j.Tag) == c.gen {
		c.clean(c.wbOwner, c.wbTarget)
	}
	c.kick()
}

// clean records that file o's bytes up to target (cumulative) are on disk.
func (c *PageCache) clean(o int32, target int64) {
	ow := &c.owners[o]
	target = min(target, ow.written)
	if target <= ow.cleaned {
		return
	}
	c.dirty -= target - ow.cleaned
	c.Stats.WrittenBack += target - ow.cleaned
	ow.cleaned = target
	upto := int64(-1)
	for ow.head < len(ow.ext) && ow.ext[ow.head].end <= target {
		upto = ow.ext[ow.head].upto
		ow.head++
	}
	if ow.head == len(ow.ext) {
		ow.ext, ow.head = ow.ext[:0], 0
	} else if ow.head >= 32 && 2*ow.head >= len(ow.ext) {
		// A file that is never wholly clean (written to all the time)
		// never empties its list: the written-back extents go, so it
		// holds the dirty ones, not one per merge window ever written.
		n := copy(ow.ext, ow.ext[ow.head:])
		clear(ow.ext[n:])
		ow.ext, ow.head = ow.ext[:n], 0
	}
	if ow.written == ow.cleaned {
		if ow.heapIdx >= 0 {
			heap.Remove(&c.byAge, ow.heapIdx)
		}
	} else if ow.head < len(ow.ext) && ow.ext[ow.head].at != ow.since {
		ow.since = ow.ext[ow.head].at
		heap.Fix(&c.byAge, ow.heapIdx)
	}
	if upto >= 0 && c.OnClean != nil {
		c.OnClean(o, upto)
	}
	c.admit()
}

// admit lets held writers go on while the cache is below its limit.
func (c *PageCache) admit() {
	now := c.s.Now()
	for c.waitHead < len(c.waiters) && c.dirty < c.limit {
		wt := c.waiters[c.waitHead]
		c.waiters[c.waitHead] = waiter{}
		c.waitHead++
		c.Stats.BlockedTime += now - wt.since
		wt.fn(wt.tag)
	}
	if c.waitHead == len(c.waiters) {
		c.waiters, c.waitHead = c.waiters[:0], 0
	}
}

// ownerHeap orders dirty owners by when their oldest dirty data was
// written, then by number (so the order never depends on anything else).
type ownerHeap struct {
	c   *PageCache
	ids []int32
}

func (h *ownerHeap) Len() int { return len(h.ids) }
func (h *ownerHeap) Less(i, j int) bool {
	a, b := &h.c.owners[h.ids[i]], &h.c.owners[h.ids[j]]
	if a.since != b.since {
		return a.since < b.since
	}
	return h.ids[i] < h.ids[j]
}
func (h *ownerHeap) Swap(i, j int) {
	h.ids[i], h.ids[j] = h.ids[j], h.ids[i]
	h.c.owners[h.ids[i]].heapIdx = i
	h.c.owners[h.ids[j]].heapIdx = j
}
func (h *ownerHeap) Push(x any) {
	o := x.(int32)
	h.c.owners[o].heapIdx = len(h.ids)
	h.ids = append(h.ids, o)
}
func (h *ownerHeap) Pop() any {
	o := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	h.c.owners[o].heapIdx = -1
	return o
}
