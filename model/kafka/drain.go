package kafka

import "mqsim/sim"

// The sender's side of the record accumulator, as Kafka's producer works
// (RecordAccumulator.ready, drain and drainBatchesForOneNode;
// Sender.sendProducerData).
//
// Each partition has a deque of batches (pacc.dq): the sealed ones, oldest
// first, then the open one. A connection is ready when it can take another
// request (in flight < max.in.flight.requests.per.connection) and some
// partition its broker leads has a sendable first batch: sealed (full, or
// closed by a transaction's commit), followed by another batch, lingered
// linger.ms, or waited on by a send() blocked on buffer.memory. A ready
// connection's request takes, from a rotating start (Kafka's drainIndex),
// the FIRST batch of each partition led by its broker — an open one too,
// which draining closes — so at most one batch per partition per request,
// and stops before a batch that would take it past max.request.size
// (unless it is still empty). It skips a partition whose first batch backs
// off after a failure (its later batches wait behind it; a retried batch
// goes back in sequence order), and one muted by max.in.flight = 1 while a
// batch of it is in flight. It STOPS — the request takes nothing after
// that partition — at an idempotent or transactional hold (Kafka's
// shouldStopDrainBatchesForPartition, where drainBatchesForOneNode
// breaks): an epoch bump waiting for the partition's batches in flight, a
// retried batch that is not the first of its epoch still unanswered while
// others are in flight, no producer epoch yet (InitProducerId unanswered),
// a partition not yet added to the transaction. As at max.request.size,
// the connection's next drain starts at the partition that stopped it
// (Kafka's drainIndex stays there), so partitions after it wait until it
// can go. What releases the hold drains the connection again: a response
// (also one on another connection, where the partition's batch went to
// its former leader), the end of a backoff, a transaction step, the
// partition's move to another leader. A batch of
// the transaction after the one committing is passed by: Kafka's
// application is still blocked in commitTransaction(), so its sender has
// no such batch.
//
// The cost is proportional to the partitions that have batches: each
// connection keeps the list of those its broker leads (entries of
// partitions drained empty or moved to another leader are dropped when the
// list is next walked), and one linger timer for the earliest deadline of
// its partitions' first batches instead of one per batch.

// drainTrace, when set (by tests), hears of every produce request sent.
var drainTrace func(p *producer, req *produceReq)

// enlist puts partition part, which has a batch, on the partition list of
// the connection to its leader; it returns that connection.
func (p *producer) enlist(part int) *prodConn {
	a := &p.parts[part]
	c := p.conn(part)
	if a.on != c.idx {
		a.on = c.idx
		c.parts = append(c.parts, int32(part))
	}
	return c
}

// armLinger makes sure the connection's linger timer fires by at.
func (p *producer) armLinger(c *prodConn, at sim.Time) {
	if at <= p.w.s.Now() || c.lingerOn && c.lingerAt <= at {
		return
	}
	if c.lingerOn {
		p.w.s.Cancel(c.lingerEv)
	}
	c.lingerOn, c.lingerAt = true, at
	c.lingerEv = p.w.s.AtCall(at, p.fLingerDone, uint64(c.idx))
}

// lingerDone: the earliest linger deadline of a connection's first
// batches has passed.
func (p *producer) lingerDone(arg uint64) {
	c := p.conns[arg]
	c.lingerOn = false
	p.drain(c)
}

// memoryWaited reports whether a send() waits for buffer.memory (Kafka's
// "exhausted": every batch is then ready).
func (p *producer) memoryWaited(now sim.Time) bool {
	bp := p.bp
	return bp.blk.on || bp.head < len(bp.waiting) && bp.waiting[bp.head].ready <= now
}

// drain sends requests on connection c while it is ready and can take
// another request.
func (p *producer) drain(c *prodConn) {
	if p.tx != nil && p.tx.busy() {
		return // a transactional request first: its answer drains every connection
	}
	now := p.w.s.Now()
	for c.inFlight < p.maxInFlight {
		ready, next := p.ready(c, now)
		if !ready {
			p.armLinger(c, next)
			return
		}
		req := p.w.newPreq(c)
		if !p.drainOne(c, req) {
			return // the run failed
		}
		if len(req.batches) == 0 {
			// Ready, but the drain stopped at its first sendable
			// partition, held (or every batch waits for the next
			// transaction): what releases a hold (a response,
			// drainAfter; a backoff's end; a transaction step) drains
			// again.
			p.w.freePreqID(req.id)
			p.armLinger(c, next)
			return
		}
		p.send(req)
	}
}

// drainAfter drains the connection of request req, just answered (or
// given up on), and every other connection whose last drain stopped at a
// held partition of one of req's batches: that partition's batch in
// flight to its former leader may have been what held it.
func (p *producer) drainAfter(req *produceReq) {
	wake := p.wake[:0]
	for _, id := range req.batches {
		if on := p.parts[p.batches[id].part].on; on >= 0 && on != req.c.idx && p.conns[on].stopped {
			p.conns[on].stopped = false
			wake = append(wake, on)
		}
	}
	// Collected first: req may be reused by the drains below. The list
	// is the producer's, lent out meanwhile.
	p.wake = nil
	p.drain(req.c)
	for _, on := range wake {
		p.drain(p.conns[on])
	}
	p.wake = wake[:0]
}

// ready walks the connection's partition list once: it drops stale
// entries, expires first batches whose delivery.timeout.ms has passed, and
// reports whether a first batch is sendable, and otherwise the earliest
// time one will be by lingering (0 if none).
func (p *producer) ready(c *prodConn, now sim.Time) (ready bool, next sim.Time) {
	p.passes++
	pass := p.passes
	exhausted := p.memoryWaited(now)
	kept := c.parts[:0]
	nextAt := c.next
	for i, part := range c.parts {
		a := &p.parts[part]
		if a.on != c.idx || a.mark == pass {
			if i < c.next {
				nextAt--
			}
			continue // moved to another leader's list, or listed twice
		}
		a.mark = pass
		for len(a.dq) > 0 {
			b := p.batches[a.dq[0]]
			if now < b.created+p.deliveryTimeout {
				break
			}
			if b.id == a.open && p.sealOnly(int(part)) == nil {
				return false, 0
			}
			a.popFirst()
			p.expire(b)
		}
		if len(a.dq) == 0 {
			a.on = -1
			if i < c.next {
				nextAt--
			}
			continue
		}
		kept = append(kept, part)
		if ready || p.backingOff(a) || p.maxInFlight == 1 && a.inFlight > 0 {
			continue // already ready, or backing off or muted: not sendable
		}
		b := p.batches[a.dq[0]]
		due := b.created + p.linger
		if b.id != a.open || len(a.dq) > 1 || now >= due || exhausted || b.attempts > 0 {
			ready = true
		} else if next == 0 || due < next {
			next = due
		}
	}
	clear(c.parts[len(kept):])
	c.parts = kept
	c.next = max(nextAt, 0)
	return ready, next
}

// drainOne fills request req with the first batch of each partition of
// c's list, from the rotating start, within max.request.size. It reports
// false if the run failed.
func (p *producer) drainOne(c *prodConn, req *produceReq) bool {
	n := len(c.parts)
	if n == 0 {
		return true
	}
	p.passes++
	pass := p.passes
	start := c.next % n
	c.next = (start + 1) % n
	c.stopped = false
	for k := range n {
		i := (start + k) % n
		part := int(c.parts[i])
		a := &p.parts[part]
		if a.on != c.idx || a.mark == pass || len(a.dq) == 0 {
			continue
		}
		a.mark = pass
		if p.backingOff(a) || p.maxInFlight == 1 && a.inFlight > 0 {
			continue // the first batch backs off, or the partition is muted
		}
		b := p.batches[a.dq[0]]
		if p.tx != nil && p.tx.later(b) {
			continue // not yet sent by the application, as far as Kafka's sender knows
		}
		if req.bytes > 0 && req.bytes+b.bytes > p.maxReq {
			c.next = i // the next request starts here
			break
		}
		if p.idem && p.stopDrain(a, b) || p.tx != nil && p.tx.hold(b) {
			// Kafka's shouldStopDrainBatchesForPartition: the request
			// ends here, and the next one starts at this partition.
			c.next, c.stopped = i, true
			break
		}
		if b.id == a.open && p.sealOnly(part) == nil {
			return false
		}
		if p.idem && !p.stamp(b) {
			return false
		}
		a.popFirst()
		req.batches = append(req.batches, b.id)
		req.gens = append(req.gens, b.gen)
		req.bytes += b.bytes
	}
	return true
}

// backingOff reports whether partition a's first batch backs off: a
// batch waiting out its retry backoff goes back into the deque in
// sequence order, so it is the first if it is older than the deque's
// first batch, and the partition's later batches wait behind it.
func (p *producer) backingOff(a *pacc) bool {
	if len(a.backoff) == 0 {
		return false
	}
	first := p.batches[a.dq[0]].seq0
	for _, id := range a.backoff {
		if p.batches[id].seq0 < first {
			return true
		}
	}
	return false
}

// popFirst takes the first batch off the deque; an emptied deque starts
// again at the front of its array, so the common one-batch deque never
// reallocates.
func (a *pacc) popFirst() {
	if len(a.dq) == 1 {
		a.dq = a.dq[:0]
		return
	}
	a.dq = a.dq[1:]
}

// stopDrain is Kafka's shouldStopDrainBatchesForPartition for an
// idempotent producer: nothing is sent while an epoch bump waits for the
// partition's batches in flight (or, for a gap that may have been
// written, for every batch of the epoch to complete), and a retried batch
// waits while batches before it may still be in flight (Kafka: its
// sequence is not the first in flight), which cuts the partition to one
// batch in flight until it is answered.
func (p *producer) stopDrain(a *pacc, b *pbatch) bool {
	if a.bump && (a.inFlight > 0 || a.gapBump && a.unresolved > 0 && !(b.stamped && b.epoch == a.epoch)) {
		return true
	}
	return b.attempts > 0 && b.stamped && b.epoch == a.epoch && b.logSeq != a.ackedNext && a.inFlight > 0
}
