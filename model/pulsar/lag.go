package pulsar

// A subscription's lag is its unacknowledged messages over its partitions:
// on each cursor, the messages past the mark-delete position (the span)
// less those individually acknowledged above it (the holes). max_lag is
// the largest value the sum takes during the run, max_partition_lag the
// largest span of any one cursor, and a partition's max_backlog_bytes the
// largest byte backlog of its slowest subscription — each exactly,
// whatever the sample interval. A cursor keeps its holes, a subscription
// its running lag and spans, both changed only where positions are added
// (partition.position), acknowledged (cursor.ack), passed (cursor.advance)
// or restored (cursor.restore), or a cursor is made (addCursor); each
// change that may raise a value raises its maximum — O(1) per change and
// cursor (a partition's slowest subscription is looked for over its
// cursors, one per subscription, when it grows). A service's channel
// (channel.go) counts, besides, what its producers hold, and keeps its
// maximum the same way.

// span is the messages past c's mark-delete position.
func (c *cursor) span() int64 { return int64(len(c.p.pos)) - c.markDelete }

// lag is the subscription's unacknowledged messages over its partitions.
func (sb *subscription) lag() int64 { return sb.lagTotal }

// moved applies a change of c's span by dspan and of its holes by dholes.
func (c *cursor) moved(dspan, dholes int64) {
	sb := c.sub
	sb.lagTotal += dspan - dholes
	sb.spanTotal += dspan
	if dspan-dholes > 0 {
		sb.maxLag = max(sb.maxLag, sb.lagTotal)
	}
	if dspan > 0 {
		sb.maxPartLag = max(sb.maxPartLag, c.span())
	}
}

// addCursor counts a new cursor of sb in.
func (sb *subscription) addCursor(c *cursor) {
	sb.cursors = append(sb.cursors, c)
	c.moved(c.span(), 0)
}

// backlogRose raises p's largest byte backlog after a change that may
// have raised it.
func (p *partition) backlogRose() {
	_, b, _ := p.backlog()
	p.maxBacklogB = max(p.maxBacklogB, b)
}

// storedRose raises the most stored of the service channel the world is
// (if it is one) after a change that may have raised it.
func (w *world) storedRose() {
	if ch := w.ch; ch != nil {
		ch.st.MaxStored = max(ch.st.MaxStored, ch.Stored())
	}
}
