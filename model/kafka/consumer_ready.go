package kafka

import "slices"

// Partitions with fetched records. A member may own thousands of
// partitions, and most polls find records in a few; a poll visits only
// those. A partition's buffer becomes non-empty in one place, when a fetch
// response is buffered (csResp), which marks it ready; it leaves the ready
// list when a poll finds its buffer empty, however it was emptied. So every
// partition with buffered records is on the list, and a poll that walks the
// list in its round-robin order does exactly what a walk over all the
// member's partitions does: a partition with nothing buffered yields nothing.

// fullPollWalk makes polls walk every partition of the member, as before
// the ready list (tests compare the two).
var fullPollWalk bool

// readyState is a member's list of partitions that may have buffered
// records, and the positions a poll orders them by.
type readyState struct {
	list    []int32
	on      []bool  // partition → on list
	partPos []int32 // partition → index in parts (checked before use)
	sessOf  []int32 // partition → fetch session index (checked before use)
	sessAt  []int32 // partition → index in that session's parts
	busy    []bool  // session → holds a partition with buffered records
	order   []int32
}

// markReady puts partition pi on the member's ready list.
func (m *member) markReady(pi int) {
	r := &m.ready
	for len(r.on) <= pi {
		r.on = append(r.on, false)
	}
	if !r.on[pi] {
		r.on[pi] = true
		r.list = append(r.list, int32(pi))
	}
}

// pruneReady drops the partitions whose buffer is empty from the list.
func (m *member) pruneReady() {
	r := &m.ready
	kept := r.list[:0]
	for _, pi := range r.list {
		if len(m.buf[pi]) > 0 {
			kept = append(kept, pi)
		} else {
			r.on[pi] = false
		}
	}
	r.list = kept
}

// partIndex returns partition pi's index in m.parts, or -1.
func (m *member) partIndex(pi int32) int32 {
	r := &m.ready
	if int(pi) < len(r.partPos) {
		if k := r.partPos[pi]; k >= 0 && int(k) < len(m.parts) && m.parts[k] == int(pi) {
			return k
		}
	}
	// The assignment changed since the index was built: rebuild it.
	r.partPos = slices.Grow(r.partPos[:0], len(m.buf))[:len(m.buf)]
	for i := range r.partPos {
		r.partPos[i] = -1
	}
	for k, p := range m.parts {
		if p < len(r.partPos) {
			r.partPos[p] = int32(k)
		}
	}
	if int(pi) < len(r.partPos) {
		return r.partPos[pi]
	}
	return -1
}

// pollOrder returns the member's partitions with buffered records in the
// order a poll visits its partitions: m.parts round-robin from index start.
func (m *member) pollOrder(start int) []int32 {
	m.pruneReady()
	r := &m.ready
	n := int32(len(m.parts))
	r.order = r.order[:0]
	if fullPollWalk {
		for k := range m.parts {
			r.order = append(r.order, int32(m.parts[(start+k)%len(m.parts)]))
		}
		return r.order
	}
	for _, pi := range r.list {
		if k := m.partIndex(pi); k >= 0 {
			r.order = append(r.order, pi)
		}
	}
	rel := func(pi int32) int32 { return (m.partIndex(pi) - int32(start) + n) % n }
	slices.SortFunc(r.order, func(a, b int32) int { return int(rel(a) - rel(b)) })
	return r.order
}

// sessionOf returns the index in m.sessions of the session that fetches
// partition pi, or -1.
func (m *member) sessionOf(pi int32) int32 {
	r := &m.ready
	if int(pi) < len(r.sessOf) {
		if si, at := r.sessOf[pi], r.sessAt[pi]; si >= 0 && int(si) < len(m.sessions) &&
			int(at) < len(m.sessions[si].parts) && m.sessions[si].parts[at] == int(pi) {
			return si
		}
	}
	// The sessions changed since the index was built: rebuild it.
	r.sessOf = slices.Grow(r.sessOf[:0], len(m.buf))[:len(m.buf)]
	r.sessAt = slices.Grow(r.sessAt[:0], len(m.buf))[:len(m.buf)]
	for i := range r.sessOf {
		r.sessOf[i] = -1
	}
	for si, s := range m.sessions {
		for at, p := range s.parts {
			if p < len(r.sessOf) && r.sessOf[p] < 0 {
				r.sessOf[p], r.sessAt[p] = int32(si), int32(at)
			}
		}
	}
	if int(pi) < len(r.sessOf) {
		return r.sessOf[pi]
	}
	return -1
}

// sendDrained sends the next fetch of every idle session none of whose
// partitions has buffered records (the client prefetches while the
// application processes), in session order.
func (m *member) sendDrained() {
	if fullPollWalk {
		for _, s := range m.sessions {
			drained := !s.inFlight
			for _, pi := range s.parts {
				drained = drained && len(m.buf[pi]) == 0
			}
			if drained {
				s.send()
			}
		}
		return
	}
	m.pruneReady()
	r := &m.ready
	r.busy = slices.Grow(r.busy[:0], len(m.sessions))[:len(m.sessions)]
	clear(r.busy)
	for _, pi := range r.list {
		if si := m.sessionOf(pi); si >= 0 {
			r.busy[si] = true
		}
	}
	for si, s := range m.sessions {
		if !s.inFlight && !r.busy[si] {
			s.send()
		}
	}
}
