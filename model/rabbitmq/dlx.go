package rabbitmq

import (
	"mqsim/scenarios"
	"mqsim/sim"
)

// At-least-once dead-lettering (x-dead-letter-strategy: at-least-once, a
// quorum queue with overflow reject-publish). A dead-lettered message stays
// in its source queue — counted in its length and memory — until every
// target queue has taken it. A worker beside the queue's leader sends up to
// dead_letter_worker_consumer_prefetch (32) messages at a time; a message a
// target has not taken within dead_letter_retry (RabbitMQ's
// dead_letter_worker_publisher_confirm_timeout, 180 s) — its target down
// or full, or no queue bound — is sent again to the targets still
// missing, so it may arrive twice but is never dropped. Under at-most-once
// (the default) the same message is routed once and dropped when no target
// takes it (queue.deadLetter counts it in dead_letter_dropped).

// dlxWorker is a source queue's dead-letter worker.
type dlxWorker struct {
	discards []int32            // dead-lettered, waiting for the worker
	out      map[int32]*dlxSend // sent, not yet taken by every target
}

// dlxSend is one message the worker has sent: the targets still to take
// it, and its attempt (a retry timer from an earlier one is stale).
type dlxSend struct {
	missing map[*queue]bool
	attempt int
}

// dlxHeld is how many dead-lettered messages the queue still holds.
func (q *queue) dlxHeld() int {
	if !q.dlxALO {
		return 0
	}
	return len(q.dlx2.discards) + len(q.dlx2.out)
}

// dlxPump sends waiting messages while the worker has room and the queue
// has a leader (the worker runs on the leader's node).
func (q *queue) dlxPump() {
	d := &q.dlx2
	for len(d.out) < scenarios.DefaultRabbitDeadLetterPrefetch && len(d.discards) > 0 && q.available() {
		mid := d.discards[0]
		d.discards = d.discards[1:]
		if d.out == nil {
			d.out = map[int32]*dlxSend{}
		}
		s := &dlxSend{missing: map[*queue]bool{}}
		for _, t := range q.dlxTargets(&q.w.msgs[mid]) {
			s.missing[t] = true
		}
		d.out[mid] = s
		q.dlxSend(mid, s)
	}
}

// dlxSend sends message mid to the targets still missing it, and arms the
// retry timer for this attempt.
func (q *queue) dlxSend(mid int32, s *dlxSend) {
	w := q.w
	s.attempt++
	for _, t := range sortedTargets(s.missing) {
		if t.available() && !t.full() {
			t.dlxWaiting(q, mid)
			t.enqueueDead(mid)
		}
	}
	attempt := s.attempt
	w.s.After(sim.Time(w.rc.DeadLetterRetry), func() {
		if cur := q.dlx2.out[mid]; cur == s && s.attempt == attempt {
			if !q.available() {
				// No leader: its worker restarts with the new one.
				w.s.After(sim.Time(w.rc.DeadLetterRetry), func() { q.dlxRetry(mid, s, attempt) })
				return
			}
			q.dlxRetry(mid, s, attempt)
		}
	})
}

func (q *queue) dlxRetry(mid int32, s *dlxSend, attempt int) {
	if q.dlx2.out[mid] != s || s.attempt != attempt {
		return
	}
	if len(s.missing) == 0 {
		// No queue bound: the worker re-routes the message, in case a
		// binding appeared (bindings are fixed here, so it stays held).
		for _, t := range q.dlxTargets(&q.w.msgs[mid]) {
			s.missing[t] = true
		}
	}
	q.w.res.DeadLetterRetries++
	q.dlxSend(mid, s)
}

// dlxWaiting notes that target queue t owes source queue src a confirm
// for mid once it has taken it.
func (t *queue) dlxWaiting(src *queue, mid int32) {
	w := t.w
	if w.dlxWait == nil {
		w.dlxWait = map[dlxKey][]*queue{}
	}
	k := dlxKey{t, mid}
	for _, s := range w.dlxWait[k] {
		if s == src {
			return
		}
	}
	w.dlxWait[k] = append(w.dlxWait[k], src)
}

// dlxKey is a target queue and a message it owes a confirm for.
type dlxKey struct {
	t   *queue
	mid int32
}

// dlxTook is target queue t having taken message mid (enqueued, for a
// quorum queue once committed): its sources' workers are confirmed.
func (t *queue) dlxTook(mid int32) {
	w := t.w
	k := dlxKey{t, mid}
	srcs := w.dlxWait[k]
	if len(srcs) == 0 {
		return
	}
	delete(w.dlxWait, k)
	for _, src := range srcs {
		s := src.dlx2.out[mid]
		if s == nil || !s.missing[t] {
			continue
		}
		delete(s.missing, t)
		if len(s.missing) == 0 {
			delete(src.dlx2.out, mid)
			src.addMemory(-src.memCost(&w.msgs[mid]))
			src.dlxPump()
		}
	}
}

// sortedTargets lists a target set in queue order (map order must not
// decide the order of events).
func sortedTargets(set map[*queue]bool) []*queue {
	out := make([]*queue, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].idx < out[j-1].idx; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
