package pulsar

import (
	"container/heap"
	"sort"

	"mqsim/sim"
)

// cursor is one subscription's position on one partition: the mark-delete
// position (every message below it is acknowledged), the individually
// acknowledged messages above it (between them, the ack holes), what the
// dispatcher has read and handed out, and what it must deliver again.
type cursor struct {
	sub   *subscription
	p     *partition
	start int64 // the position the subscription started at
	// markDelete: positions below are acknowledged; acked[i] says whether
	// markDelete+i is.
	markDelete int64
	acked      []bool
	holes      int64 // acked's true entries (lag.go)
	readPos    int64
	replay     posHeap
	inReplay   map[int64]bool
	out        map[int64]*consumer // handed out, unacknowledged
	redeliver  map[int64]int32     // deliveries beyond the first, by position
	reading    bool
	// persisted is the last state written to the cursor ledger: what a
	// new owner restores after a broker failure.
	persisted snapshot
	dirty     bool
	persist   *ledger
	persistOp bool
	creating  bool // a new cursor ledger's metadata write is under way
	// Failover: the active consumer and since when it may receive.
	active      *consumer
	activeSince sim.Time
	// Key_Shared: consumers that joined while messages were out, with the
	// read position at their join; they get no message at or after it
	// until the mark-delete position passes it.
	joined  map[*consumer]int64
	heldFor map[*consumer][]int64
	heldN   int64 // messages in replay held for a joined consumer
	rrNext  int   // shared: round-robin index
	rrCount int
}

// snapshot is a persisted cursor state: the mark-delete position and up to
// UnackedRangesToPersist ranges of acknowledged messages above it.
type snapshot struct {
	markDelete int64
	ranges     [][2]int64 // [from, to) acknowledged
	upto       int64      // acks at or after this were not persisted (too many ranges)
}

// posHeap is a min-heap of positions.
type posHeap []int64

func (h posHeap) Len() int           { return len(h) }
func (h posHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h posHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *posHeap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *posHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newCursor(sb *subscription, p *partition, at int64) *cursor {
	c := &cursor{sub: sb, p: p, start: at, markDelete: at, readPos: at, inReplay: map[int64]bool{}, out: map[int64]*consumer{},
		redeliver: map[int64]int32{}, joined: map[*consumer]int64{}}
	c.persisted = snapshot{markDelete: at, upto: at}
	return c
}

// isAcked reports whether position pos is acknowledged.
func (c *cursor) isAcked(pos int64) bool {
	if pos < c.markDelete {
		return true
	}
	i := pos - c.markDelete
	return i < int64(len(c.acked)) && c.acked[i]
}

// ack acknowledges one position; it reports whether it was new.
func (c *cursor) ack(pos int64) bool {
	if c.isAcked(pos) || pos >= int64(len(c.p.pos)) {
		return false
	}
	i := pos - c.markDelete
	for int64(len(c.acked)) <= i {
		c.acked = append(c.acked, false)
	}
	c.acked[i] = true
	c.holes++
	c.moved(0, 1)
	c.release(pos)
	c.dirty = true
	// Move the mark-delete position over the acknowledged prefix.
	n := 0
	for n < len(c.acked) && c.acked[n] {
		n++
	}
	if n > 0 {
		c.advance(c.markDelete + int64(n))
	}
	return true
}

// advance moves the mark-delete position to md (everything below is
// acknowledged).
func (c *cursor) advance(md int64) {
	if md <= c.markDelete {
		return
	}
	k := md - c.markDelete
	passed := int64(0) // holes now below the mark-delete position
	for _, a := range c.acked[:min(k, int64(len(c.acked)))] {
		if a {
			passed++
		}
	}
	if k >= int64(len(c.acked)) {
		c.acked = c.acked[:0]
	} else {
		c.acked = append(c.acked[:0], c.acked[k:]...)
	}
	c.markDelete = md
	c.holes -= passed
	c.moved(-k, -passed)
	c.readPos = max(c.readPos, md)
	c.dirty = true
	for cons, at := range c.joined {
		if c.markDelete >= at {
			delete(c.joined, cons)
			c.unhold(cons)
		}
	}
}

// release forgets a position's delivery state (acknowledged or skipped).
func (c *cursor) release(pos int64) {
	if cons, ok := c.out[pos]; ok {
		delete(c.out, pos)
		cons.unacked--
		c.sub.unacked--
	}
	delete(c.redeliver, pos)
}

// skipTo acknowledges everything below pos without delivery: a backlog
// quota's eviction. Skipped messages are handled by policy.
func (c *cursor) skipTo(pos int64) {
	w := c.p.w
	for q := c.markDelete; q < pos; q++ {
		if c.isAcked(q) {
			continue
		}
		if c.out[q] != nil {
			// Already with a consumer: it processes it; its ack is moot.
			c.release(q)
			continue
		}
		c.release(q)
		m := &w.msgs[c.p.pos[q].mid]
		w.chk.Handled(c.sub.idx, int(m.prod), 0, m.seq)
		w.res.QuotaEvicted++
		c.sub.evicted++
	}
	c.advance(pos)
}

// ranges lists the acknowledged ranges above the mark-delete position;
// the number of holes is the number of ranges.
func (c *cursor) ranges() [][2]int64 {
	var out [][2]int64
	for i := 0; i < len(c.acked); {
		if !c.acked[i] {
			i++
			continue
		}
		j := i
		for j < len(c.acked) && c.acked[j] {
			j++
		}
		out = append(out, [2]int64{c.markDelete + int64(i), c.markDelete + int64(j)})
		i = j
	}
	return out
}

// takeSnapshot is the state a persist writes: the mark-delete position
// and the first UnackedRangesToPersist ranges.
func (c *cursor) takeSnapshot() snapshot {
	r := c.ranges()
	w := c.p.w
	w.res.MaxAckHoles = max(w.res.MaxAckHoles, int64(len(r)))
	s := snapshot{markDelete: c.markDelete, upto: int64(len(c.p.pos))}
	if lim := w.pc.UnackedRangesToPersist; len(r) > lim {
		s.upto = r[lim][0]
		r = r[:lim]
	}
	s.ranges = r
	return s
}

// persistState writes the cursor's state to its cursor ledger (an entry
// on the bookies); the state counts as persisted once the entry is
// confirmed.
func (c *cursor) persistState() {
	if !c.dirty || c.persistOp {
		return
	}
	p := c.p
	w := p.w
	if c.persist == nil || !c.persist.usable() {
		// A new cursor ledger is a metadata write; the state goes to it
		// at the next interval.
		if !c.creating && !p.owner.metaCut {
			c.creating = true
			owner, epoch := p.owner, p.epoch
			p.reg.meta.write(owner.node, func() {
				c.creating = false
				if p.owner != owner || p.epoch != epoch || !owner.up {
					return
				}
				if l := w.newLedger(owner); l != nil {
					c.persist = l
					l.onFail = func() {}
				}
			})
		}
		return
	}
	snap := c.takeSnapshot()
	c.dirty = false
	c.persistOp = true
	l := c.persist
	l.onConfirm = func(op *addOp) {
		c.persistOp = false
		if op.snap != nil && p.owner == l.writer && p.owner.epoch == l.life {
			c.persisted = *op.snap
			w.res.CursorPersists++
		}
	}
	bytes := int64(64 + 16*len(snap.ranges))
	l.add(&addOp{snap: &snap, bytes: bytes, data: cursorEntry(bytes), created: w.s.Now()})
	// A failed write is retried at the next interval.
	w.s.After(sim.Time(w.pc.MarkDeleteInterval), func() {
		if c.persistOp && (c.persist != l || !l.usable()) {
			c.persistOp = false
			c.dirty = true
		}
	})
}

// restore is a new owner loading the cursor from its last persisted
// state: acknowledgements made since, or beyond the persisted ranges, are
// forgotten and those messages delivered again.
func (c *cursor) restore() {
	s := c.persisted
	span, holes := c.span(), c.holes
	c.markDelete = s.markDelete
	c.acked = c.acked[:0]
	c.holes = 0
	for _, r := range s.ranges {
		for q := r[0]; q < r[1]; q++ {
			i := q - c.markDelete
			for int64(len(c.acked)) <= i {
				c.acked = append(c.acked, false)
			}
			if !c.acked[i] {
				c.acked[i] = true
				c.holes++
			}
		}
	}
	c.moved(c.span()-span, c.holes-holes)
	c.p.backlogRose()
	for _, cons := range c.out {
		cons.unacked--
		c.sub.unacked--
	}
	clear(c.out)
	c.replay = c.replay[:0]
	clear(c.inReplay)
	c.heldN = 0
	clear(c.joined)
	clear(c.heldFor)
	c.readPos = c.markDelete
	c.reading = false
	c.persist = nil
	c.persistOp = false
	c.dirty = false
	c.active = nil
}

// requeue puts positions back for redelivery (nack, ack timeout, a lost
// consumer), in position order.
func (c *cursor) requeue(positions []int64) {
	c.pushBack(positions)
	c.dispatch()
}

// pushBack puts positions in the replay set.
func (c *cursor) pushBack(positions []int64) {
	sort.Slice(positions, func(i, j int) bool { return positions[i] < positions[j] })
	for _, pos := range positions {
		if c.isAcked(pos) || c.inReplay[pos] {
			continue
		}
		if cons, ok := c.out[pos]; ok {
			delete(c.out, pos)
			cons.unacked--
			c.sub.unacked--
		}
		c.redeliver[pos]++
		c.inReplay[pos] = true
		heap.Push(&c.replay, pos)
	}
}
