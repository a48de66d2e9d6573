package check

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"mqsim/model/commitlog"
	"mqsim/sim"
)

// Ledger is a set of message ids. A message id is (producer instance,
// partition, sequence): the sequence numbers one producer gives one
// partition are dense from 0, as an idempotent producer's are, so the set
// is a bitmap per (producer, partition) — one bit per message, never a map
// entry per message.
type Ledger struct {
	bits [][][]uint64 // producer → partition → bitmap
	// The bitmap last looked up, and its (producer, partition): a consumer
	// processes a batch's messages one after another, all of one producer
	// and partition, so most look-ups find it here.
	lastProd, lastPart int
	last               []uint64
}

// NewLedger returns an empty set.
func NewLedger() *Ledger { return &Ledger{lastProd: -1, lastPart: -1} }

// words returns the bitmap of (prod, part); with grow, long enough to hold
// seq (made or lengthened as needed).
func (l *Ledger) words(prod, part int, seq int32, grow bool) []uint64 {
	if prod == l.lastProd && part == l.lastPart && int(seq>>6) < len(l.last) {
		return l.last
	}
	w := l.lookup(prod, part, seq, grow)
	if w != nil {
		l.lastProd, l.lastPart, l.last = prod, part, w
	}
	return w
}

func (l *Ledger) lookup(prod, part int, seq int32, grow bool) []uint64 {
	if prod >= len(l.bits) {
		if !grow {
			return nil
		}
		l.bits = append(l.bits, make([][][]uint64, prod+1-len(l.bits))...)
	}
	pp := l.bits[prod]
	if part >= len(pp) {
		if !grow {
			return nil
		}
		pp = append(pp, make([][]uint64, part+1-len(pp))...)
		l.bits[prod] = pp
	}
	w := pp[part]
	if need := int(seq>>6) + 1; need > len(w) {
		if !grow {
			return w
		}
		if need <= cap(w) {
			w = w[:need]
		} else {
			nw := make([]uint64, need, max(2*cap(w), need, 16))
			copy(nw, w)
			w = nw
		}
		pp[part] = w
	}
	return w
}

// Set adds an id.
func (l *Ledger) Set(prod, part int, seq int32) {
	w := l.words(prod, part, seq, true)
	w[seq>>6] |= 1 << (seq & 63)
}

// add adds an id and reports whether it was new.
func (l *Ledger) add(prod, part int, seq int32) bool {
	w := l.words(prod, part, seq, true)
	word, bit := &w[seq>>6], uint64(1)<<(seq&63)
	if *word&bit != 0 {
		return false
	}
	*word |= bit
	return true
}

// Test reports whether the id is in the set.
func (l *Ledger) Test(prod, part int, seq int32) bool {
	if seq < 0 {
		return false
	}
	w := l.words(prod, part, seq, false)
	i := int(seq >> 6)
	return i < len(w) && w[i]&(1<<(seq&63)) != 0
}

// SetRange adds seq0 … seq0+n-1 of one producer and partition.
func (l *Ledger) SetRange(prod, part int, seq0, n int32) {
	if n <= 0 {
		return
	}
	w := l.words(prod, part, seq0+n-1, true)
	// A word at a time: the bits [lo, hi) of word i.
	for s, end := seq0, seq0+n; s < end; {
		i := s >> 6
		lo, hi := s&63, min(end-i<<6, 64)
		w[i] |= ^uint64(0) >> (64 - (hi - lo)) << lo
		s = (i + 1) << 6
	}
}

// Each calls fn for every id in the set, in (producer, partition, seq)
// order.
func (l *Ledger) Each(fn func(prod, part int, seq int32)) {
	for pi, pp := range l.bits {
		for pa, w := range pp {
			for wi, word := range w {
				for word != 0 {
					b := bits.TrailingZeros64(word)
					fn(pi, pa, int32(wi*64+b))
					word &= word - 1
				}
			}
		}
	}
}

// Checker keeps the delivery ledger: what producers were told and what
// each consuming group processed, and derives lost, unseen, duplicates and
// reordered. It knows messages only by id, key and produce time, so it is
// the same for every simulated system.
type Checker struct {
	acked     *Ledger
	done      []*Ledger // per group: processed ids
	dups      []int64
	reordered []int64
	// lastSeq[group][producer] maps a key to the latest message processed
	// for it (per-key order is per producer: one producer's sends to one
	// key land on one partition in send order, or not).
	lastSeq [][]map[int64]keyLast
	// Interval holds the end-to-end latencies of the current sample
	// interval; the sampler reads and resets it.
	Interval *sim.Histogram
}

// New returns a checker for the given number of consuming groups.
func New(groups int) *Checker {
	c := &Checker{acked: NewLedger(), dups: make([]int64, groups), reordered: make([]int64, groups),
		lastSeq: make([][]map[int64]keyLast, groups), Interval: sim.NewLatencyHistogram()}
	for range groups {
		c.done = append(c.done, NewLedger())
	}
	return c
}

// Ack records that producer prod was told seq0 … seq0+n-1 on part were
// written.
func (c *Checker) Ack(prod, part int, seq0, n int32) { c.acked.SetRange(prod, part, seq0, n) }

// Acked is the set of acknowledged ids.
func (c *Checker) Acked() *Ledger { return c.acked }

// Duplicates is how many processings of group g were of a message it had
// processed before.
func (c *Checker) Duplicates(g int) int64 { return c.dups[g] }

// Reordered is how many messages group g processed after a later message
// of the same producer and key.
func (c *Checker) Reordered(g int) int64 { return c.reordered[g] }

// Handled marks a message as dealt with by group g without processing it
// (dead-lettered or discarded by policy): not lost, not a duplicate.
func (c *Checker) Handled(g, prod, part int, seq int32) {
	if !c.done[g].Test(prod, part, seq) {
		c.done[g].Set(prod, part, seq)
	}
}

// keyLast is the latest message of one producer and key a group
// processed: its partition, sequence and produce time.
type keyLast struct {
	part int32
	seq  int32
	born sim.Time
}

// Processed records that group g finished processing a message, produced
// at born. Sequences order one producer's messages on one partition; when
// a key moved to another partition (partitions were added), send order is
// the produce time.
func (c *Checker) Processed(g, prod, part int, seq int32, key int64, born sim.Time) {
	if !c.done[g].add(prod, part, seq) {
		c.dups[g]++
		return
	}
	if key < 0 {
		return
	}
	for prod >= len(c.lastSeq[g]) {
		c.lastSeq[g] = append(c.lastSeq[g], nil)
	}
	m := c.lastSeq[g][prod]
	if m == nil {
		m = map[int64]keyLast{}
		c.lastSeq[g][prod] = m
	}
	if last, ok := m[key]; ok && (last.part == int32(part) && seq < last.seq || last.part != int32(part) && born < last.born) {
		c.reordered[g]++
		return
	}
	m[key] = keyLast{part: int32(part), seq: seq, born: born}
}

// Settle classifies, for group g, the acknowledged messages it never
// processed: unseen if still in the log ahead of the group's position
// (pending), lost otherwise.
func (c *Checker) Settle(g int, pending *Ledger) (lost, unseen int64) {
	proc := c.done[g]
	for prod, pp := range c.acked.bits {
		for part, acked := range pp {
			done, pend := proc.bitmap(prod, part), pending.bitmap(prod, part)
			for i, a := range acked {
				// The acknowledged ids of word i that the group never processed.
				left := a &^ wordAt(done, i)
				p := wordAt(pend, i)
				unseen += int64(bits.OnesCount64(left & p))
				lost += int64(bits.OnesCount64(left &^ p))
			}
		}
	}
	return lost, unseen
}

// bitmap returns the bitmap of (prod, part) as it is (nil when there is
// none).
func (l *Ledger) bitmap(prod, part int) []uint64 {
	if prod >= len(l.bits) || part >= len(l.bits[prod]) {
		return nil
	}
	return l.bits[prod][part]
}

func wordAt(w []uint64, i int) uint64 {
	if i < len(w) {
		return w[i]
	}
	return 0
}

// PendingIDs adds to into the message ids of the records in log from
// offset from to its end (records whose value starts with the producer
// index and sequence as uvarints), as partition part.
func PendingIDs(into *Ledger, log *commitlog.Log, part int, from int64) error {
	return log.ScanRecords(from, func(rec *commitlog.Record) error {
		pid, n1 := binary.Uvarint(rec.Value)
		if n1 <= 0 {
			return fmt.Errorf("%w: record %d without a message id", commitlog.ErrCorruptRecord, rec.Offset)
		}
		seq, n2 := binary.Uvarint(rec.Value[n1:])
		if n2 <= 0 {
			return fmt.Errorf("%w: record %d without a message id", commitlog.ErrCorruptRecord, rec.Offset)
		}
		into.Set(int(pid), part, int32(uint32(seq)))
		return nil
	})
}
