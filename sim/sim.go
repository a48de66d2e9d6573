package sim

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Handler is the allocation-free way to receive an event: the kernel calls
// Handle(arg) with the arg given when the event was scheduled. A pointer to a
// long-lived struct satisfies it without allocating, so a model schedules
// millions of events with no garbage (see Sim.Schedule).
type Handler interface {
	Handle(arg uint64)
}

// HandlerFunc adapts a func(uint64) to Handler. Converting a func value to an
// interface does not allocate, so a method value bound once (srv.done) can be
// scheduled any number of times for free.
type HandlerFunc func(arg uint64)

// Handle calls f(arg).
func (f HandlerFunc) Handle(arg uint64) { f(arg) }

// thunk adapts a plain func() to Handler without allocating.
type thunk func()

func (f thunk) Handle(uint64) { f() }

// EventID names a scheduled event so that it can be cancelled or
// rescheduled. The zero EventID names no event. An ID stays valid until its
// event runs or is cancelled; after that, Cancel and Reschedule return false
// for it (IDs are generation-checked, so a stale ID never touches a later
// event that happens to reuse the same storage).
type EventID uint64

// TraceFunc is called just before each event runs, with the event's time,
// its scheduling sequence number and its ID. Set it with Sim.SetTrace.
type TraceFunc func(now Time, seq uint64, id EventID)

// entry is one element of the event heap: 16 bytes, so that the four
// children of a node fill one 64-byte cache line. It is ordered by
// (t, key); key is seq<<32 | slot, and seq numbers are unique among the
// entries in the heap, so the order is (time, sequence). The entry is live
// while its slot's seq equals its own: cancel and reschedule leave stale
// entries behind, skipped when they reach the top or dropped by compaction.
type entry struct {
	t   Time
	key uint64
}

func (e *entry) slot() uint32 { return uint32(e.key) }
func (e *entry) seq() uint32  { return uint32(e.key >> 32) }

// slot holds an event's payload: 32 bytes.
type slot struct {
	h   Handler
	arg uint64
	gen uint32 // bumped when the slot is freed; part of the EventID
	seq uint32 // sequence number of the slot's live heap entry; 0 when free
}

// root is the heap's first index. Indices 0–2 are padding so that the
// children of node p, at 4p−8 … 4p−5, start on a multiple of four entries
// (one cache line).
const root = 3

// Sim is a discrete-event simulator: a virtual clock, an event list ordered
// by (time, sequence), named random streams and a sticky error. It is not
// safe for concurrent use; run independent simulations on separate Sims.
type Sim struct {
	now Time
	// The pending events are in two heaps: heap, and lane for the events
	// of recurring sources (AtCallRecurring). The order of events is
	// (time, sequence) across both — the run loop takes the lesser root —
	// so which heap holds an entry changes nothing but speed: a source
	// that keeps one event pending reschedules within a heap as small as
	// the number of sources, not one as large as everything pending.
	heap     []entry
	lane     []entry
	slots    []slot
	free     []uint32
	seq      uint32 // last sequence number handed out
	seqLimit uint32 // renumber when seq reaches this
	live     int    // scheduled and neither run nor cancelled
	stale    int    // heap entries whose slot has moved on
	daemons  int    // live events that do not keep Run going
	events   uint64
	stopped  bool
	top      *[]entry // the heap whose root is the running event's entry, to be replaced or popped; nil if none
	trace    TraceFunc
	err      error
	seed     uint64
	streams  map[string]*rand.Rand
}

// compactMin is the number of stale heap entries below which the heap is
// never compacted (compaction is O(n); below this the stale entries are
// cheaper to skip).
const compactMin = 1024

// New returns a simulator at time 0 whose random streams derive from seed.
func New(seed uint64) *Sim {
	return &Sim{seed: seed, streams: make(map[string]*rand.Rand), heap: make([]entry, root, 64), lane: make([]entry, root, 16), seqLimit: math.MaxUint32}
}

// Seed returns the master seed the simulator was created with.
func (s *Sim) Seed() uint64 { return s.seed }

// Now returns the current simulated time: the time of the event being run,
// or where the last Run/RunUntil left the clock.
func (s *Sim) Now() Time { return s.now }

// Events returns the number of events run so far.
func (s *Sim) Events() uint64 { return s.events }

// Pending returns the number of scheduled events that have neither run nor
// been cancelled (daemon events such as sampler ticks included).
func (s *Sim) Pending() int { return s.live }

// Err returns the first misuse the simulator detected, or nil. The only
// misuse is scheduling an event before Now: such an event is run at Now
// (after the events already due at Now, as any new event at Now would be), and
// Err reports the first occurrence so that a model's tests can insist on nil.
func (s *Sim) Err() error { return s.err }

// SetTrace installs fn to be called before every event (nil removes it).
// With no trace installed the cost is one predictable branch per event.
func (s *Sim) SetTrace(fn TraceFunc) { s.trace = fn }

// At schedules fn to run at time t. It allocates only if fn is a closure
// created for the call; on hot paths use Schedule or AtCall.
func (s *Sim) At(t Time, fn func()) EventID { return s.schedule(t, thunk(fn), 0) }

// After schedules fn to run d after Now.
func (s *Sim) After(d Time, fn func()) EventID { return s.schedule(s.now+d, thunk(fn), 0) }

// Schedule schedules h.Handle(arg) at time t. It never allocates in steady
// state (storage is recycled), so it is the call for hot paths.
func (s *Sim) Schedule(t Time, h Handler, arg uint64) EventID { return s.schedule(t, h, arg) }

// ScheduleAfter schedules h.Handle(arg) d after Now.
func (s *Sim) ScheduleAfter(d Time, h Handler, arg uint64) EventID {
	return s.schedule(s.now+d, h, arg)
}

// AtCall schedules fn(arg) at time t. fn should be a func value made once
// (for example a method value stored in a field); then the call does not
// allocate.
func (s *Sim) AtCall(t Time, fn func(arg uint64), arg uint64) EventID {
	return s.schedule(t, HandlerFunc(fn), arg)
}

// AfterCall schedules fn(arg) d after Now; see AtCall.
func (s *Sim) AfterCall(d Time, fn func(arg uint64), arg uint64) EventID {
	return s.schedule(s.now+d, HandlerFunc(fn), arg)
}

// AtCallRecurring is AtCall for a recurring source — an arrival process
// that keeps one event pending and schedules the next as each runs. The
// event runs in exactly the order AtCall's would; it is kept with the
// other sources' events, in a heap as small as their number, which makes
// a model with a million arrivals a second cheaper to run. A model should
// have no more than a few hundred such sources.
func (s *Sim) AtCallRecurring(t Time, fn func(arg uint64), arg uint64) EventID {
	return s.scheduleIn(&s.lane, t, HandlerFunc(fn), arg)
}

func (s *Sim) checkTime(t Time) Time {
	if t < s.now {
		if s.err == nil {
			s.err = fmt.Errorf("sim: event scheduled at %v, before now (%v); run at now instead", t, s.now)
		}
		return s.now
	}
	return t
}

func (s *Sim) schedule(t Time, h Handler, arg uint64) EventID {
	return s.scheduleIn(&s.heap, t, h, arg)
}

func (s *Sim) scheduleIn(hp *[]entry, t Time, h Handler, arg uint64) EventID {
	if t < s.now {
		t = s.checkTime(t)
	}
	seq := s.nextSeq()
	var i uint32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		i = uint32(len(s.slots))
		if len(s.slots) == cap(s.slots) {
			s.slots = grow(s.slots)
		}
		s.slots = append(s.slots, slot{gen: 1})
	}
	sl := &s.slots[i]
	sl.h = h
	sl.arg = arg
	sl.seq = seq
	s.pushTo(hp, entry{t: t, key: uint64(seq)<<32 | uint64(i)})
	s.live++
	return EventID(uint64(sl.gen)<<32 | uint64(i))
}

// lookup returns the slot index of a live event, or false.
func (s *Sim) lookup(id EventID) (uint32, bool) {
	i := uint32(id)
	if id == 0 || int(i) >= len(s.slots) || s.slots[i].gen != uint32(id>>32) || s.slots[i].h == nil {
		return 0, false
	}
	return i, true
}

// Cancel removes a pending event. It returns false if the event has already
// run, was already cancelled, or id is zero.
func (s *Sim) Cancel(id EventID) bool {
	i, ok := s.lookup(id)
	if !ok {
		return false
	}
	s.release(i)
	s.stale++
	s.maybeCompact()
	return true
}

// Reschedule moves a pending event to time t, keeping its ID, handler and
// argument. Among events at t it runs after those already scheduled there
// (it takes a new sequence number). It returns false if the event is no
// longer pending.
func (s *Sim) Reschedule(id EventID, t Time) bool {
	i, ok := s.lookup(id)
	if !ok {
		return false
	}
	if t < s.now {
		t = s.checkTime(t)
	}
	seq := s.nextSeq()
	s.slots[i].seq = seq
	s.pushTo(&s.heap, entry{t: t, key: uint64(seq)<<32 | uint64(i)})
	s.stale++
	s.maybeCompact()
	return true
}

// release frees slot i: its ID and any heap entry for it become stale.
func (s *Sim) release(i uint32) {
	sl := &s.slots[i]
	sl.h = nil
	sl.gen++
	if sl.gen == 0 {
		sl.gen = 1 // keep IDs non-zero
	}
	sl.seq = 0
	s.free = append(s.free, i)
	s.live--
}

// Stop makes the running Run or RunUntil return after the current event.
// Events still pending stay pending; a later Run continues with them.
func (s *Sim) Stop() { s.stopped = true }

// Run runs events in (time, sequence) order until none is pending except
// daemon events (sampler ticks), or until Stop is called.
func (s *Sim) Run() { s.run(Forever, true) }

// RunUntil runs every event due at or before t (daemon events included),
// then sets the clock to t. If Stop is called, it returns at once and the
// clock stays at the time of the last event. A t before Now runs nothing.
func (s *Sim) RunUntil(t Time) {
	if t < s.now {
		return
	}
	s.run(t, false)
	if !s.stopped && t != Forever {
		s.now = t
	}
}

func (s *Sim) run(limit Time, stopOnDaemons bool) {
	s.settleTop()
	s.stopped = false
	for !s.stopped {
		hp := &s.heap
		if len(s.lane) > root && (len(s.heap) <= root || lt(&s.lane[root], &s.heap[root]) != 0) {
			hp = &s.lane
		}
		if len(*hp) <= root {
			break
		}
		if stopOnDaemons && s.live <= s.daemons {
			break
		}
		e := (*hp)[root]
		if e.t > limit {
			break
		}
		sl := &s.slots[e.slot()]
		if sl.seq != e.seq() {
			popFrom(hp)
			s.stale--
			continue
		}
		h, arg := sl.h, sl.arg
		if s.trace != nil {
			s.trace(e.t, uint64(e.seq()), EventID(uint64(sl.gen)<<32|uint64(e.slot())))
		}
		s.release(e.slot())
		s.now = e.t
		s.events++
		// The entry stays at the root while it runs: if the handler
		// schedules an event (the common case), push replaces the root
		// instead of a pop followed by a push.
		s.top = hp
		h.Handle(arg)
		s.settleTop()
	}
}

// settleTop removes the root left in place by run, if no push took it.
func (s *Sim) settleTop() {
	if hp := s.top; hp != nil {
		s.top = nil
		popFrom(hp)
	}
}

// heap: a 4-ary min-heap on (t, seq), moved by holes rather than swaps.

func less(a, b *entry) bool {
	return a.t < b.t || (a.t == b.t && a.key < b.key)
}

// lt is less as 0 or 1, computed without branches: the borrow out of the
// 128-bit subtraction (a.t, a.key) − (b.t, b.key). Times in the heap are
// never negative (nothing is scheduled before Now ≥ 0), so they compare
// correctly as unsigned.
func lt(a, b *entry) int {
	_, borrow := bits.Sub64(a.key, b.key, 0)
	_, borrow = bits.Sub64(uint64(a.t), uint64(b.t), borrow)
	return int(borrow)
}

// pushTo adds e to the heap at hp; if that heap's root is the running
// event's entry, e replaces it.
func (s *Sim) pushTo(hp *[]entry, e entry) {
	if s.top == hp {
		s.top = nil
		siftDown(*hp, root, e)
		return
	}
	if len(*hp) == cap(*hp) {
		*hp = grow(*hp)
	}
	h := append(*hp, e)
	i := len(h) - 1
	for i > root {
		p := i>>2 + 2
		if !less(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	*hp = h
}

// popFrom removes the root of the heap at hp.
func popFrom(hp *[]entry) {
	h := *hp
	n := len(h) - 1
	last := h[n]
	h[n] = entry{}
	h = h[:n]
	*hp = h
	if n > root {
		siftDownLast(h, last)
	}
}

// family returns the four children of a node, c being the first, as an
// array (one bounds check for the four); c+4 ≤ len(h). The least of them
// is found by a branch-free tournament: the outcomes are random, so
// branches would mispredict about half the time.
func family(h []entry, c int) *[4]entry { return (*[4]entry)(h[c : c+4]) }

// leastPartial returns the index of the least of the children c … n−1 of
// the heap's last, incomplete family.
func leastPartial(h []entry, c, n int) int {
	m := c
	for j := c + 1; j < n; j++ {
		if less(&h[j], &h[m]) {
			m = j
		}
	}
	return m
}

// siftDown places e, which belongs at or below index i, by moving the hole
// at i down. (The tournament is written out here and in siftDownLast: the
// compiler would not inline it, and the call would cost as much as the
// comparisons.)
func siftDown(h []entry, i int, e entry) {
	n := len(h)
	for {
		c := 4*i - 8
		if c+4 > n {
			if c < n {
				if m := leastPartial(h, c, n); less(&h[m], &e) {
					h[i] = h[m]
					i = m
				}
			}
			break
		}
		q := family(h, c)
		a := lt(&q[1], &q[0])
		b := 2 + lt(&q[3], &q[2])
		m := (a ^ ((a ^ b) & -lt(&q[b&3], &q[a&3]))) & 3
		if lt(&q[m], &e) == 0 {
			break
		}
		h[i] = q[m]
		i = c + m
	}
	h[i] = e
}

// siftDownLast re-inserts the former last element e after the root was
// removed: the hole goes all the way down along least children, then e
// rises from there. A former leaf almost always belongs near the bottom, so
// this saves the comparison against e at every level.
func siftDownLast(h []entry, e entry) {
	n := len(h)
	i := root
	for {
		c := 4*i - 8
		if c+4 > n {
			if c < n {
				m := leastPartial(h, c, n)
				h[i] = h[m]
				i = m
			}
			break
		}
		q := family(h, c)
		a := lt(&q[1], &q[0])
		b := 2 + lt(&q[3], &q[2])
		m := (a ^ ((a ^ b) & -lt(&q[b&3], &q[a&3]))) & 3
		h[i] = q[m]
		i = c + m
	}
	for i > root {
		p := i>>2 + 2
		if !less(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// grow returns s with room for more: capacity grows by an eighth (plus a
// little), not append's quarter to double, to keep the memory per pending
// event near the 48 bytes an event needs (16 in the heap, 32 in its slot).
// The extra copying is paid only while the population grows.
func grow[T any](s []T) []T {
	ns := make([]T, len(s), cap(s)+cap(s)/8+64)
	copy(ns, s)
	return ns
}

// maybeCompact drops stale entries once they outnumber live ones, so that a
// model which cancels most of its timeouts keeps a heap proportional to its
// live events.
func (s *Sim) maybeCompact() {
	if s.stale < compactMin || s.stale < (len(s.heap)+len(s.lane))/2 {
		return
	}
	s.settleTop()
	s.dropStale()
	for _, h := range [][]entry{s.heap, s.lane} {
		if len(h) > root+1 {
			for i := (len(h)-1)>>2 + 2; i >= root; i-- {
				siftDown(h, i, h[i])
			}
		}
	}
}

// dropStale removes stale entries from both heaps (which then need
// re-heapifying).
func (s *Sim) dropStale() {
	s.heap = s.dropStaleFrom(s.heap)
	s.lane = s.dropStaleFrom(s.lane)
	s.stale = 0
}

func (s *Sim) dropStaleFrom(old []entry) []entry {
	h := old[:root]
	for _, e := range old[root:] {
		if s.slots[e.slot()].seq == e.seq() {
			h = append(h, e)
		}
	}
	clear(old[len(h):])
	return h
}

// nextSeq returns a fresh sequence number. Sequence numbers are 32 bits to
// keep heap entries small; before they run out, the pending events are
// renumbered 1…n in (time, sequence) order, which keeps their order and
// makes room for four billion more. The cost, O(n log n), comes once per
// four billion schedules.
func (s *Sim) nextSeq() uint32 {
	if s.seq >= s.seqLimit {
		s.renumber()
	}
	s.seq++
	return s.seq
}

func (s *Sim) renumber() {
	s.settleTop()
	s.dropStale()
	byOrder := func(a, b entry) int {
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return int(int64(a.seq()) - int64(b.seq()))
	}
	h, l := s.heap[root:], s.lane[root:]
	slices.SortFunc(h, byOrder)
	slices.SortFunc(l, byOrder)
	// A sorted array is a heap, in this layout as in any other. The
	// numbers are handed out in the order of the two sorted heaps merged.
	var seq uint32
	for len(h) > 0 || len(l) > 0 {
		var e *entry
		if len(l) == 0 || len(h) > 0 && byOrder(h[0], l[0]) < 0 {
			e, h = &h[0], h[1:]
		} else {
			e, l = &l[0], l[1:]
		}
		seq++
		s.slots[e.slot()].seq = seq
		e.key = uint64(seq)<<32 | uint64(e.slot())
	}
	s.seq = seq
}
