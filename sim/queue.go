package sim

import (
	"fmt"
	"math"
)

// QueueConfig describes a Queue.
type QueueConfig struct {
	Name     string // for errors and reports
	Capacity int    // items held at most; 0 unbounded
	Block    bool   // when full: park the put (true) or reject it (false)
}

// PutResult says what became of a Put.
type PutResult int

const (
	// Accepted: the item is in the queue (or was handed to a waiting getter).
	Accepted PutResult = iota
	// Blocked: the queue was full; the item waits, in FIFO order with other
	// blocked puts, and enters when space frees (OnAdmit then reports it).
	Blocked
	// Rejected: the queue was full and does not block; the item is dropped.
	Rejected
)

func (r PutResult) String() string {
	switch r {
	case Accepted:
		return "accepted"
	case Blocked:
		return "blocked"
	case Rejected:
		return "rejected"
	}
	return fmt.Sprintf("PutResult(%d)", int(r))
}

// Queue is a bounded FIFO of items of type T that either rejects or blocks
// puts when full, and parks getters while empty. Getters and blocked putters
// are served in FIFO order. Callbacks (a getter's fn, OnAdmit) run as
// events at the current time, never inside the Put or Get that caused them,
// so handlers need not be re-entrant. Nothing allocates per item once the
// buffers have grown.
type Queue[T any] struct {
	sim     *Sim
	cfg     QueueConfig
	items   ring[queued[T]]
	blocked ring[queued[T]]
	getters ring[func(T)]
	ready   ring[delivery[T]]
	onAdmit func(T)

	length           TimeAverage
	start            Time
	puts, accepted   uint64
	blockedN, reject uint64
	gets             uint64
	waitSum          float64
}

type queued[T any] struct {
	v  T
	at Time
}

type delivery[T any] struct {
	fn func(T)
	v  T
}

// NewQueue returns an empty queue.
func NewQueue[T any](s *Sim, cfg QueueConfig) (*Queue[T], error) {
	if cfg.Capacity < 0 {
		return nil, fmt.Errorf("queue %q: capacity (%d) must be ≥ 0 (0 is unbounded)", cfg.Name, cfg.Capacity)
	}
	q := &Queue[T]{sim: s, cfg: cfg}
	q.ResetStats()
	return q, nil
}

// OnAdmit sets the function told when a blocked put enters the queue.
func (q *Queue[T]) OnAdmit(fn func(T)) { q.onAdmit = fn }

func (q *Queue[T]) full() bool { return q.cfg.Capacity > 0 && q.items.len() >= q.cfg.Capacity }

// Put offers v to the queue.
func (q *Queue[T]) Put(v T) PutResult {
	now := q.sim.now
	q.puts++
	if q.getters.len() > 0 {
		q.accepted++
		q.gets++
		q.deliver(q.getters.pop(), v)
		return Accepted
	}
	if q.full() {
		if q.cfg.Block {
			q.blockedN++
			q.blocked.push(queued[T]{v: v, at: now})
			return Blocked
		}
		q.reject++
		return Rejected
	}
	q.accepted++
	q.items.push(queued[T]{v: v, at: now})
	q.length.Set(now, float64(q.items.len()))
	return Accepted
}

// TryGet removes and returns the head item, or reports false when empty.
func (q *Queue[T]) TryGet() (T, bool) {
	if q.items.len() == 0 {
		var zero T
		return zero, false
	}
	v := q.take()
	q.admit()
	return v, true
}

// Get hands the head item to fn, as an event at the current time; when the
// queue is empty fn waits, in FIFO order with other getters, for the next
// Put. fn should be a func value made once, to avoid an allocation per call.
func (q *Queue[T]) Get(fn func(T)) {
	if q.items.len() == 0 {
		q.getters.push(fn)
		return
	}
	q.deliver(fn, q.take())
	q.admit()
}

// take removes the head.
func (q *Queue[T]) take() T {
	now := q.sim.now
	it := q.items.pop()
	q.gets++
	q.waitSum += float64(now - it.at)
	q.length.Set(now, float64(q.items.len()))
	return it.v
}

// admit moves the first blocked put into the queue if there is room. Its
// time in the queue counts from its Put, blocked time included.
func (q *Queue[T]) admit() {
	if q.blocked.len() == 0 || q.full() {
		return
	}
	b := q.blocked.pop()
	q.accepted++
	q.items.push(b)
	q.length.Set(q.sim.now, float64(q.items.len()))
	if q.onAdmit != nil {
		q.deliver(q.onAdmit, b.v)
	}
}

func (q *Queue[T]) deliver(fn func(T), v T) {
	q.ready.push(delivery[T]{fn: fn, v: v})
	q.sim.Schedule(q.sim.now, q, 0)
}

// Handle runs one pending delivery; it is the kernel's callback and not for
// callers.
func (q *Queue[T]) Handle(uint64) {
	d := q.ready.pop()
	d.fn(d.v)
}

// Len returns the number of items in the queue.
func (q *Queue[T]) Len() int { return q.items.len() }

// BlockedPuts returns the number of puts waiting for space.
func (q *Queue[T]) BlockedPuts() int { return q.blocked.len() }

// WaitingGets returns the number of getters waiting for an item.
func (q *Queue[T]) WaitingGets() int { return q.getters.len() }

// QueueStats is a Queue's record over its measurement window.
type QueueStats struct {
	Window   Time
	Puts     uint64  // Put calls
	Accepted uint64  // items that entered (including admitted blocked puts)
	Blocked  uint64  // puts that had to wait for space
	Rejected uint64  // puts dropped because the queue was full
	Gets     uint64  // items taken out
	MeanLen  float64 // time-average number of items
	MaxLen   int
	MeanWait Time // mean time an item spent in the queue (from its Put)
}

// Stats returns the statistics since creation or the last ResetStats.
func (q *Queue[T]) Stats() QueueStats {
	now := q.sim.now
	st := QueueStats{
		Window: now - q.start, Puts: q.puts, Accepted: q.accepted, Blocked: q.blockedN,
		Rejected: q.reject, Gets: q.gets, MeanLen: q.length.Mean(now), MaxLen: int(q.length.Max()),
	}
	if q.gets > 0 {
		st.MeanWait = Time(math.Round(q.waitSum / float64(q.gets)))
	}
	return st
}

// ResetStats starts a new measurement window at Now.
func (q *Queue[T]) ResetStats() {
	now := q.sim.now
	q.start = now
	q.length.Reset(now)
	q.puts, q.accepted, q.blockedN, q.reject, q.gets, q.waitSum = 0, 0, 0, 0, 0, 0
}
