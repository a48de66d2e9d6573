package rabbitmq

// A queue's depth (its group's lag) is its ready messages, returned ones
// included, plus its consumers' unacknowledged deliveries; a stream's is
// the messages its slowest live consumer has not yet acknowledged.
// max_queue_depth, and a group's max_lag, are the largest values these
// take during the run, exactly, whatever the sample interval: ready and
// unacked are running counts changed only through addReady and
// addUnacked, a stream keeps the position of its slowest live consumer
// (streamMoved), and every change that may raise a depth raises the
// queue's maximum (rose) — O(1) per change (a stream's slowest consumer
// is looked for again over its consumers when one of them moves). A
// service's channel (channel.go) counts, besides, what Raft has not
// committed yet, and keeps its maximum the same way.

// depth is ready plus unacknowledged messages (a stream: its lag).
func (q *queue) depth() int {
	if q.isStream {
		if q.slowest < 0 {
			return 0
		}
		return len(q.stream) - q.slowest
	}
	return q.ready + q.unacked
}

// addReady changes the count of ready messages by n.
func (q *queue) addReady(n int) {
	q.ready += n
	if n > 0 {
		q.rose()
	}
}

// addUnacked changes the count of unacknowledged deliveries by n.
func (q *queue) addUnacked(n int) {
	q.unacked += n
	if n > 0 {
		q.rose()
	}
}

// rose raises the queue's maximum depth (and its channel's most stored)
// after a change that may have raised it.
func (q *queue) rose() {
	q.maxDepth = max(q.maxDepth, int64(q.depth()))
	q.storedRose()
}

// storedRose raises the most stored of the channel the queue is (if it
// is one) after a change that may have raised it: the depth, or what
// Raft holds uncommitted (parked or proposed).
func (q *queue) storedRose() {
	if ch := q.w.ch; ch != nil && ch.q == q {
		ch.st.MaxStored = max(ch.st.MaxStored, ch.Stored())
	}
}

// streamMoved finds a stream's slowest live consumer again after one of
// its consumers acknowledged, attached, died or came back.
func (q *queue) streamMoved() {
	if !q.isStream || q.g == nil {
		return
	}
	old := q.slowest
	q.slowest = -1
	for _, c := range q.g.cons {
		if c.alive && (q.slowest < 0 || c.done < q.slowest) {
			q.slowest = c.done
		}
	}
	if q.slowest >= 0 && (old < 0 || q.slowest < old) {
		q.rose()
	}
}
