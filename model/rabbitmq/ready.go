package rabbitmq

// fifo is one priority level's ready messages, oldest first.
type fifo struct {
	es   []entry
	head int
}

func (f *fifo) len() int { return len(f.es) - f.head }

func (f *fifo) push(e entry) { f.es = append(f.es, e) }

func (f *fifo) pop() entry {
	e := f.es[f.head]
	f.es[f.head] = entry{}
	f.head++
	if f.head > 1024 && f.head*2 > len(f.es) {
		f.es = append(f.es[:0], f.es[f.head:]...)
		f.head = 0
	}
	return e
}

// putBack inserts a requeued entry before the first entry enqueued after
// it: back in its original place.
func (f *fifo) putBack(e entry) {
	i := f.head
	for i < len(f.es) && f.es[i].pos < e.pos {
		i++
	}
	if i == f.head && f.head > 0 {
		f.head--
		f.es[f.head] = e
		return
	}
	f.es = append(f.es, entry{})
	copy(f.es[i+1:], f.es[i:])
	f.es[i] = e
}

func (f *fifo) each(fn func(entry)) {
	for _, e := range f.es[f.head:] {
		fn(e)
	}
}

// filter keeps the entries keep accepts.
func (f *fifo) filter(keep func(entry) bool) {
	out := make([]entry, 0, f.len())
	for _, e := range f.es[f.head:] {
		if keep(e) {
			out = append(out, e)
		}
	}
	f.es, f.head = out, 0
}

// Priorities: a classic queue has max_priority+1 levels (one without
// x-max-priority; a message without a priority is 0, one above the
// maximum counts as the maximum); a quorum queue always has 32 strict
// levels, a message without a priority being 4 (4.3).
const (
	quorumLevels        = 32
	quorumUnsetPriority = 4
)

// level is the priority level message m waits at in q.
func (q *queue) level(m *msg) int {
	n := len(q.lv)
	if n == 1 {
		return 0
	}
	p := int(m.prio)
	if p < 0 {
		p = 0
		if q.quorum {
			p = quorumUnsetPriority
		}
	}
	return min(p, n-1)
}

// readyLen is the ready messages, returned ones included.
func (q *queue) readyLen() int {
	n := len(q.returns)
	for i := range q.lv {
		n += q.lv[i].len()
	}
	return n
}

// popReady takes the oldest message of the highest non-empty level.
func (q *queue) popReady() (entry, bool) {
	for i := len(q.lv) - 1; i >= 0; i-- {
		if q.lv[i].len() > 0 {
			q.addReady(-1)
			return q.lv[i].pop(), true
		}
	}
	return entry{}, false
}

// eachReady calls fn for every ready entry (returned ones too).
func (q *queue) eachReady(fn func(entry)) {
	for _, e := range q.returns {
		fn(e)
	}
	for i := range q.lv {
		q.lv[i].each(fn)
	}
}
