package sqs

import (
	"container/heap"
	"errors"
	"fmt"
	"slices"

	"mqsim/sim"
)

// Limits SQS documents (developer guide, quota pages): a visibility timeout
// of at most 12 hours counted from the receive, the 5-minute FIFO
// deduplication interval, and up to 10 messages per receive.
const (
	MaxVisibility  = 12 * 3600 * sim.Second
	DedupInterval  = 5 * 60 * sim.Second
	MaxReceiveMsgs = 10
)

// ErrReceiptStale is returned by ChangeVisibility for a receipt handle that
// is no longer the message's latest (it became visible and was received
// again, or was deleted).
var ErrReceiptStale = errors.New("receipt handle is not the latest: the message was received again or deleted")

// ErrVisibilityTooLong is returned by ChangeVisibility when the new timeout
// would keep the message invisible more than 12 hours after its receive.
var ErrVisibilityTooLong = errors.New("visibility timeout would exceed 12 hours from the receive")

// QueueConfig is one queue's attributes, resolved (no defaults applied
// here).
type QueueConfig struct {
	Name       string
	FIFO       bool
	Visibility sim.Time // VisibilityTimeout
	Retention  sim.Time // MessageRetentionPeriod
	Delay      sim.Time // DelaySeconds: queue-level delivery delay
	// MaxReceiveCount > 0 with DLQ set is the redrive policy: a message
	// received MaxReceiveCount times goes to DLQ when it would be
	// received again.
	MaxReceiveCount int
	DLQ             *Queue
	ContentDedup    bool // FIFO ContentBasedDeduplication
	InFlightLimit   int  // 120,000
}

// Message is one message in a queue: its identity for the checker, its
// FIFO group, and the queue's bookkeeping.
type Message struct {
	Prod, Part int
	Seq        int32
	Key        int64 // the producer's key id; the FIFO MessageGroupId
	Born       sim.Time
	Size       int64
	DedupID    uint64 // FIFO: the MessageDeduplicationId (or the body's hash)
	ETA        sim.Time
	Retries    int // Celery: retries so far

	// Enqueued is when the queue took the message: retention counts from
	// it (a standard DLQ keeps the source's, a FIFO DLQ resets it).
	Enqueued sim.Time
	// ReceiveCount is ApproximateReceiveCount.
	ReceiveCount int

	receipt    uint64 // the latest receipt handle; 0 before the first receive
	inFlight   bool
	receivedAt sim.Time
	visibleAt  sim.Time
	gen        uint64 // invalidates timers when the message's state changes
	deleted    bool
	group      *group
}

// Receipt is a receipt handle: the message and which receive it was.
type Receipt struct {
	M *Message
	N uint64
}

type group struct {
	msgs     []*Message // delay done, not deleted, in send order
	inFlight int
	ready    bool // in the queue's ready-group list
}

type timer struct {
	at  sim.Time
	m   *Message
	gen uint64
	seq uint64
}

type timerHeap []timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// Queue is one SQS queue as a data structure driven by the caller's clock:
// every method takes the current time and first applies the timers due by
// then (delays ending, visibility timeouts expiring). It draws no random
// numbers and schedules nothing, so its arithmetic can be tested alone.
//
// Standard queues deliver available messages oldest first (a best-effort
// order: a message whose visibility expires goes to the back). FIFO queues
// keep each MessageGroupId in send order and hand out a group only while
// none of its messages is in flight.
type Queue struct {
	Cfg QueueConfig

	ready      []*Message // standard: available messages
	groups     map[int64]*group
	readyGroup []*group // FIFO: groups with messages and none in flight
	timers     timerHeap
	timerSeq   uint64
	dedup      map[uint64]sim.Time // FIFO: dedup id → when first sent
	dedupOrder []uint64

	stored   int // messages in the queue (delayed, available or in flight)
	inFlight int

	// Counters.
	Sent            int64
	DedupDropped    int64 // FIFO sends accepted but not enqueued: a repeat within 5 minutes
	Received        int64 // deliveries (a message received twice counts twice)
	Deleted         int64
	StaleDeletes    int64 // deletes with a receipt handle that was no longer the latest
	Redriven        int64 // moved to the DLQ
	LostToRetention int64 // deleted by the retention period before anyone deleted them
	OverLimit       int64 // receives refused for the in-flight limit

	// OnRedrive and OnExpire, if set, are told of each message moved to
	// the DLQ or deleted by retention.
	OnRedrive func(m *Message)
	OnExpire  func(m *Message)
}

// NewQueue returns an empty queue.
func NewQueue(cfg QueueConfig) *Queue {
	return &Queue{Cfg: cfg, groups: map[int64]*group{}, dedup: map[uint64]sim.Time{}}
}

func (q *Queue) addTimer(at sim.Time, m *Message) {
	q.timerSeq++
	heap.Push(&q.timers, timer{at: at, m: m, gen: m.gen, seq: q.timerSeq})
}

// NextTimer is when the next delay ends or visibility timeout expires, if
// any: a caller with parked long polls wakes them then.
func (q *Queue) NextTimer() (sim.Time, bool) {
	for len(q.timers) > 0 {
		t := q.timers[0]
		if t.gen == t.m.gen && !t.m.deleted {
			return t.at, true
		}
		heap.Pop(&q.timers)
	}
	return 0, false
}

// Advance applies every timer due at or before now.
func (q *Queue) Advance(now sim.Time) {
	for len(q.timers) > 0 && q.timers[0].at <= now {
		t := heap.Pop(&q.timers).(timer)
		m := t.m
		if t.gen != m.gen || m.deleted {
			continue
		}
		if m.inFlight { // visibility timeout expired
			m.inFlight = false
			m.gen++
			q.inFlight--
			q.makeAvailable(m, false)
		} else { // delay ended
			m.gen++
			q.makeAvailable(m, true)
		}
	}
}

// makeAvailable puts m where a receive finds it. fresh: it was just sent
// (after any delay); otherwise its visibility timeout expired.
func (q *Queue) makeAvailable(m *Message, fresh bool) {
	if !q.Cfg.FIFO {
		q.ready = append(q.ready, m)
		return
	}
	g := m.group
	if fresh {
		g.msgs = append(g.msgs, m)
	} else {
		g.inFlight--
	}
	q.groupReady(g)
}

func (q *Queue) groupReady(g *group) {
	if g.inFlight == 0 && len(g.msgs) > 0 && !g.ready {
		g.ready = true
		q.readyGroup = append(q.readyGroup, g)
	}
}

// Send enqueues m at now. It reports false for a FIFO message whose
// deduplication id was sent within the last 5 minutes: SQS accepts such a
// send but does not enqueue it.
func (q *Queue) Send(now sim.Time, m *Message) bool {
	q.Advance(now)
	q.Sent++
	if q.Cfg.FIFO {
		q.expireDedup(now)
		if _, seen := q.dedup[m.DedupID]; seen {
			q.DedupDropped++
			return false
		}
		q.dedup[m.DedupID] = now
		q.dedupOrder = append(q.dedupOrder, m.DedupID)
		g := q.groups[m.Key]
		if g == nil {
			g = &group{}
			q.groups[m.Key] = g
		}
		m.group = g
	}
	m.Enqueued = now
	q.enqueue(now, m, q.Cfg.Delay)
	return true
}

func (q *Queue) enqueue(now sim.Time, m *Message, delay sim.Time) {
	q.stored++
	if delay > 0 {
		q.addTimer(now+delay, m)
		return
	}
	q.makeAvailable(m, true)
}

// expireDedup forgets dedup ids older than the interval (ids are sent in
// time order, so the oldest are at the front).
func (q *Queue) expireDedup(now sim.Time) {
	i := 0
	for ; i < len(q.dedupOrder); i++ {
		id := q.dedupOrder[i]
		if now-q.dedup[id] < DedupInterval {
			break
		}
		delete(q.dedup, id)
	}
	q.dedupOrder = q.dedupOrder[i:]
}

// expired reports whether m is past the retention period at now.
func (q *Queue) expired(now sim.Time, m *Message) bool {
	return now-m.Enqueued >= q.Cfg.Retention
}

// drop removes m from the queue's count (delete, redrive or expiry).
func (q *Queue) drop(m *Message) {
	m.deleted = true
	m.gen++
	q.stored--
	if m.inFlight {
		m.inFlight = false
		q.inFlight--
		if m.group != nil {
			m.group.inFlight--
		}
	}
	if g := m.group; g != nil {
		for i, x := range g.msgs {
			if x == m {
				g.msgs = append(g.msgs[:i], g.msgs[i+1:]...)
				break
			}
		}
		q.groupReady(g)
	}
}

// take decides what to do with an available message a receive reached:
// deliver it (true), or drop it for retention or redrive (false).
func (q *Queue) take(now sim.Time, m *Message) bool {
	if q.expired(now, m) {
		q.drop(m)
		q.LostToRetention++
		if q.OnExpire != nil {
			q.OnExpire(m)
		}
		return false
	}
	if q.Cfg.DLQ != nil && q.Cfg.MaxReceiveCount > 0 && m.ReceiveCount >= q.Cfg.MaxReceiveCount {
		q.drop(m)
		q.Redriven++
		dlq := q.Cfg.DLQ
		c := *m
		c.receipt, c.inFlight, c.gen, c.deleted, c.group, c.ReceiveCount = 0, false, 0, false, nil, 0
		if dlq.Cfg.FIFO {
			// A FIFO DLQ resets the enqueue time; a standard one keeps the
			// source queue's (SQS guide: DLQ retention).
			dlq.Send(now, &c)
		} else {
			dlq.Advance(now)
			dlq.Sent++
			dlq.enqueue(now, &c, 0)
		}
		if q.OnRedrive != nil {
			q.OnRedrive(m)
		}
		return false
	}
	return true
}

// Receive hands out up to max available messages at now, each with a new
// receipt handle, invisible for the queue's visibility timeout. A FIFO
// receive takes as many as it can from one group before the next. It
// returns nil when the in-flight limit is reached.
func (q *Queue) Receive(now sim.Time, max int) []Receipt {
	q.Advance(now)
	if q.Cfg.InFlightLimit > 0 && q.inFlight >= q.Cfg.InFlightLimit {
		q.OverLimit++
		return nil
	}
	if lim := q.Cfg.InFlightLimit; lim > 0 {
		max = min(max, lim-q.inFlight)
	}
	var out []Receipt
	if !q.Cfg.FIFO {
		for len(out) < max && len(q.ready) > 0 {
			m := q.ready[0]
			q.ready = q.ready[1:]
			if m.deleted || m.inFlight || !q.take(now, m) {
				continue
			}
			out = append(out, q.deliver(now, m))
		}
		return out
	}
	for len(out) < max && len(q.readyGroup) > 0 {
		g := q.readyGroup[0]
		q.readyGroup = q.readyGroup[1:]
		g.ready = false
		if g.inFlight > 0 { // a stale entry: the group was handed out since
			continue
		}
		// A group's messages in flight are its first ones (it is blocked
		// while any is), so the next to hand out is at index inFlight.
		for len(out) < max && g.inFlight < len(g.msgs) {
			m := g.msgs[g.inFlight]
			if !q.take(now, m) {
				continue
			}
			out = append(out, q.deliver(now, m))
			g.inFlight++
		}
	}
	return out
}

func (q *Queue) deliver(now sim.Time, m *Message) Receipt {
	m.ReceiveCount++
	m.receipt++
	m.inFlight = true
	m.receivedAt = now
	m.visibleAt = now + q.Cfg.Visibility
	m.gen++
	q.inFlight++
	q.Received++
	q.addTimer(m.visibleAt, m)
	return Receipt{M: m, N: m.receipt}
}

// Delete removes the message of receipt r. A stale handle (the message was
// received again since) deletes nothing and reports false: SQS asks for the
// latest handle, and the later receiver's delete is the one that counts.
func (q *Queue) Delete(now sim.Time, r Receipt) bool {
	q.Advance(now)
	m := r.M
	if m.deleted {
		return false
	}
	if r.N != m.receipt {
		q.StaleDeletes++
		return false
	}
	q.drop(m)
	q.Deleted++
	return true
}

// ChangeVisibility is ChangeMessageVisibility: the message of receipt r
// becomes visible timeout after now (the countdown restarts from the call;
// 0 makes it visible at once). It fails for a stale handle, a message no
// longer in flight, or a total over 12 hours from the receive.
func (q *Queue) ChangeVisibility(now sim.Time, r Receipt, timeout sim.Time) error {
	q.Advance(now)
	m := r.M
	if m.deleted || r.N != m.receipt || !m.inFlight {
		return ErrReceiptStale
	}
	if now+timeout-m.receivedAt > MaxVisibility {
		return fmt.Errorf("%w (%v after the receive)", ErrVisibilityTooLong, now+timeout-m.receivedAt)
	}
	m.visibleAt = now + timeout
	m.gen++
	q.addTimer(m.visibleAt, m)
	if timeout == 0 {
		q.Advance(now)
	}
	return nil
}

// VisibleAt is when an in-flight message becomes visible again.
func (m *Message) VisibleAt() sim.Time { return m.visibleAt }

// Stored is the number of messages in the queue: delayed, available and
// in flight (ApproximateNumberOfMessages + NotVisible + Delayed).
func (q *Queue) Stored() int { return q.stored }

// AtInFlightLimit reports whether receives return nothing for the
// in-flight limit.
func (q *Queue) AtInFlightLimit() bool {
	return q.Cfg.InFlightLimit > 0 && q.inFlight >= q.Cfg.InFlightLimit
}

// InFlight is ApproximateNumberOfMessagesNotVisible.
func (q *Queue) InFlight() int { return q.inFlight }

// HasAvailable reports whether a receive at now would find a message
// (before retention and redrive checks).
func (q *Queue) HasAvailable(now sim.Time) bool {
	q.Advance(now)
	if !q.Cfg.FIFO {
		for len(q.ready) > 0 && (q.ready[0].deleted || q.ready[0].inFlight) {
			q.ready = q.ready[1:]
		}
		return len(q.ready) > 0
	}
	for len(q.readyGroup) > 0 {
		g := q.readyGroup[0]
		if g.inFlight == 0 && len(g.msgs) > 0 {
			return true
		}
		g.ready = false
		q.readyGroup = q.readyGroup[1:]
	}
	return false
}

// Each calls fn for every message still in the queue at now, and whether
// retention has passed for it.
func (q *Queue) Each(now sim.Time, fn func(m *Message, expired bool)) {
	seen := map[*Message]bool{}
	visit := func(m *Message) {
		if m.deleted || seen[m] {
			return
		}
		seen[m] = true
		fn(m, q.expired(now, m))
	}
	// In a deterministic order: available messages, then timers by time.
	for _, m := range q.ready {
		visit(m)
	}
	keys := make([]int64, 0, len(q.groups))
	for k := range q.groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, m := range q.groups[k].msgs {
			visit(m)
		}
	}
	ts := append(timerHeap(nil), q.timers...)
	for ts.Len() > 0 {
		t := heap.Pop(&ts).(timer)
		visit(t.m)
	}
}
