package rabbitmq

// A stream (type: stream) is a replicated append-only log: the same Raft
// replication and confirms as a quorum queue (raft.go), but a committed
// message is appended, never removed, and every consumer reads the whole
// stream from its own offset — a non-destructive read, as from a Kafka
// partition. Consumers of one group therefore each get every message (the
// checker counts the copies as duplicates: a stream is not a work queue).
// A consumer needs a prefetch (its credit); acks only free credit. On a
// new connection a consumer starts at stream_offset: next (the default:
// only what arrives from now on) or first (everything again).

// streamAppend adds a committed message to the stream.
func (q *queue) streamAppend(mid int32) {
	m := &q.w.msgs[mid]
	if q.g != nil {
		m.groups |= 1 << uint(q.g.idx)
	}
	q.enqueued++
	q.stream = append(q.stream, mid)
	q.rose()
	q.streamDispatch()
}

// streamDispatch sends each connected consumer what it has credit for.
func (q *queue) streamDispatch() {
	g := q.g
	if g == nil || !q.available() {
		return
	}
	for _, c := range g.cons {
		if !c.alive || !c.conn {
			continue
		}
		for c.soff < len(q.stream) && len(c.out) < g.prefetch {
			e := entry{m: q.stream[c.soff], enq: q.w.s.Now(), off: int64(c.soff)}
			c.soff++
			c.deliver(e)
		}
	}
}

// streamAttach places a consumer on a new connection at the stream
// offset the queue says.
func (q *queue) streamAttach(c *consumer) {
	if q.spec.StreamOffset == "first" {
		c.soff = 0
	} else {
		c.soff = len(q.stream)
	}
	c.done = c.soff
	q.streamMoved()
}

// streamPending calls fn for every message some live consumer of the
// group has not processed yet.
func (q *queue) streamPending(fn func(mid int32)) {
	from := len(q.stream)
	for _, c := range q.g.cons {
		if c.alive {
			from = min(from, c.done)
		}
	}
	for _, mid := range q.stream[from:] {
		fn(mid)
	}
}
