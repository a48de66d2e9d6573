package rabbitmq

import (
	"fmt"

	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// msg is one published message. The broker's logs hold its id (a quorum
// queue's records carry check.AppendID); this table holds what the model
// needs besides: size, key, routing key and headers, and the publisher's
// confirm state.
type msg struct {
	prod    int32 // publisher instance
	seq     int32
	born    sim.Time
	key     int64
	size    int64
	rk      string
	hdr     map[string]string
	pending int32    // target queues that have not accepted it yet
	groups  uint64   // groups whose queue received it (bit per group index)
	nacked  bool     // a target refused it (reject-publish, queue down)
	prio    int16    // its priority; -1 = none
	ttl     sim.Time // its per-message expiration; 0 = none
	// creditDue: its publisher's credit is granted when a quorum queue
	// applies it (the queue was past its soft limit on arrival).
	creditDue bool
}

// entry is a message in one queue: a fanout puts one message in several.
type entry struct {
	m          int32    // message id
	deliveries int32    // x-delivery-count: failed deliveries so far
	enq        sim.Time // accepted by the queue (TTL runs from here)
	pos        int64    // enqueue order, to put a requeued classic message back in place
	off        int64    // quorum: the enqueue's offset in the replicated log
	sent       sim.Time // delivered (for the consumer timeout)
}

// queue is a classic or quorum queue: its ready messages, its consumers'
// unacknowledged deliveries, and where it keeps its data.
type queue struct {
	w      *world
	spec   *scenarios.RabbitQueue
	name   string
	idx    int
	g      *group    // its consumers; nil for a queue nobody consumes
	dlx    *exchange // dead-letter exchange
	quorum bool
	home   *rnode // classic: its node; quorum: the leader's node (nil during an election)
	proc   *sim.RateServer
	links  []net.Link // node → queue, one per node

	lv      []fifo  // ready messages by priority level (ready.go); a classic requeue goes back in place
	returns []entry // quorum: returned deliveries, redelivered first in return order
	nextPos int64
	// ready and unacked count the ready (returned ones included) and the
	// unacknowledged messages; maxDepth is the largest depth so far and
	// slowest a stream's slowest live consumer's position (-1: none)
	// (depth.go).
	ready, unacked int
	maxDepth       int64
	slowest        int
	mem            int64 // bytes held (ready and unacknowledged)
	// The queue's own ledger: enqueued = settled + dead + depth.
	enqueued, settled, dead int64
	limit                   int // delivery limit; 0 = none

	// Classic persistence: its file in the home node's page cache, the
	// messages written to it, those awaiting an fsync, the fsyncs asked
	// for and not done, and whether the sync interval's timer is set.
	file      int32
	writes    int64
	unsynced  []int32
	syncs     int
	syncTimer bool

	// Quorum and stream: members (Raft on a commitlog log each).
	r *raft
	// Stream: committed messages in order, never removed (stream.go).
	isStream bool
	stream   []int32

	// At-least-once dead-lettering (dlx.go).
	dlxALO bool
	dlx2   dlxWorker
}

func (w *world) newQueue(qs *scenarios.RabbitQueue, idx int) (*queue, error) {
	if len(w.sc.ConsumerGroups) > 64 {
		return nil, fmt.Errorf("rabbitmq: at most 64 consumer groups (%d)", len(w.sc.ConsumerGroups))
	}
	q := &queue{w: w, spec: qs, name: qs.Name, idx: idx, quorum: qs.Type == "quorum" || qs.Type == "stream",
		isStream: qs.Type == "stream", links: make([]net.Link, len(w.nodes)), slowest: -1}
	switch {
	case q.quorum:
		q.lv = make([]fifo, quorumLevels)
	case qs.MaxPriority > 0:
		q.lv = make([]fifo, qs.MaxPriority+1)
	default:
		q.lv = make([]fifo, 1)
	}
	proc, err := sim.NewRateServer(w.s, sim.RateServerConfig{Name: "queue/" + qs.Name, Servers: 1, Rate: 1})
	if err != nil {
		return nil, err
	}
	q.proc = proc
	home := w.nodes[idx%len(w.nodes)]
	q.home = home
	q.file = home.Cache.NewOwner()
	if q.quorum {
		if qs.DeliveryLimit != nil && *qs.DeliveryLimit > 0 {
			q.limit = *qs.DeliveryLimit
		}
		r, err := newRaft(q, idx%len(w.nodes), qs.QuorumSize)
		if err != nil {
			return nil, err
		}
		q.r = r
	}
	return q, nil
}

// quorumCommandsSoftLimit is quorum_commands_soft_limit: past this many
// unapplied Raft commands a quorum queue stops granting credit.
const quorumCommandsSoftLimit = 32

// memCost is what one held message costs its node's memory: the body
// (this model does not page bodies out) plus, in a quorum queue, 32 B of
// metadata.
func (q *queue) memCost(m *msg) int64 {
	if q.isStream {
		return 0 // a stream keeps its messages on disk
	}
	if q.quorum {
		return m.size + scenarios.DefaultRabbitQuorumMessageBytes
	}
	return m.size
}

// available reports whether the queue can accept and deliver: its node is
// up (classic) or it has a leader (quorum).
func (q *queue) available() bool {
	if q.quorum {
		return q.r.leader >= 0
	}
	return q.home.up
}

// publish carries message mid from node n (the publisher's channel) to
// the queue.
// first says this queue grants the publisher's credit for it.
func (q *queue) publish(n *rnode, mid int32, first bool) {
	w := q.w
	if q.home == nil || q.home == n {
		q.arrive(mid, first)
		return
	}
	w.net.Send(&q.links[n.id], func(uint64) { q.arrive(mid, first) }, 0)
}

// arrive is the queue process taking a published message.
func (q *queue) arrive(mid int32, first bool) {
	w := q.w
	m := &w.msgs[mid]
	if first {
		// The channel's credit, granted as the queue takes messages; a
		// quorum queue past its soft limit of unapplied commands grants it
		// only when the command is applied, so a slow disk or replica
		// pushes back to the publisher.
		if q.quorum && len(q.r.pending) >= quorumCommandsSoftLimit {
			m.creditDue = true
		} else {
			w.pubs[m.prod].took()
		}
	}
	if !q.available() {
		if q.quorum {
			q.r.parked = append(q.r.parked, mid) // held by the channel until a leader is elected
			q.storedRose()
			return
		}
		w.refuse(q, mid) // the queue's node is down
		return
	}
	q.proc.SubmitTime(q.home.CPUCost(m.size), 0, func(sim.Job) {
		if !q.available() {
			q.arrive(mid, false)
			return
		}
		if q.spec.MaxLength > 0 && q.readyLen()+q.dlxHeld() >= q.spec.MaxLength {
			if q.spec.Overflow == "reject-publish" {
				w.refuse(q, mid)
				return
			}
			q.dropHead()
		}
		if q.quorum {
			q.r.propose(mid)
			return
		}
		q.enqueue(mid)
		q.persist(mid)
	})
}

// enqueue makes a message ready (for a quorum queue: once committed).
func (q *queue) enqueue(mid int32) { q.enqueueAt(mid, -1) }

// enqueueAt is enqueue for the entry at log offset off (quorum).
func (q *queue) enqueueAt(mid int32, off int64) {
	w := q.w
	m := &w.msgs[mid]
	if q.g != nil {
		m.groups |= 1 << uint(q.g.idx)
	}
	q.enqueued++
	q.lv[q.level(m)].push(entry{m: mid, enq: w.s.Now(), pos: q.nextPos, off: off})
	q.nextPos++
	q.addReady(1)
	q.addMemory(q.memCost(m))
	if w.dlxWait != nil {
		q.dlxTook(mid)
	}
	q.dispatch()
}

// persist writes a classic queue's message to its file in the node's page
// cache; its confirm waits for the next fsync of the file, taken at once
// when none is running (the queue is idle) or else every
// classic_sync_interval.
func (q *queue) persist(mid int32) {
	w := q.w
	n := q.home
	q.writes++
	n.Cache.Write(q.file, w.msgs[mid].size, q.writes)
	q.unsynced = append(q.unsynced, mid)
	switch {
	case q.syncs == 0:
		q.sync()
	case !q.syncTimer:
		life := n.epoch
		q.syncTimer = true
		w.s.After(sim.Time(w.rc.ClassicSyncInterval), func() {
			if n.epoch == life {
				q.syncTimer = false
				q.sync()
			}
		})
	}
}

// sync fsyncs the queue's file and confirms every message written before.
func (q *queue) sync() {
	if len(q.unsynced) == 0 {
		return
	}
	n := q.home
	batch := q.unsynced
	q.unsynced = nil
	q.syncs++
	life := n.epoch
	n.Cache.Fsync(q.file, 0, func(uint64) {
		if n.epoch != life {
			return
		}
		q.syncs--
		for _, mid := range batch {
			q.w.accepted(q, mid)
		}
	})
}

// pop takes the next message to deliver: returned ones first (quorum),
// then the head; expired heads are dead-lettered on the way.
func (q *queue) pop() (entry, bool) {
	w := q.w
	for {
		if len(q.returns) > 0 {
			e := q.returns[0]
			q.returns = q.returns[1:]
			q.addReady(-1)
			return e, true
		}
		e, ok := q.popReady()
		if !ok {
			return entry{}, false
		}
		if ttl := q.ttl(&w.msgs[e.m]); ttl > 0 && w.s.Now()-e.enq >= ttl {
			q.deadLetter(e, reasonExpired)
			continue
		}
		return e, true
	}
}

// ttl is m's time to live in q: the smaller of the queue's message_ttl and
// the message's own expiration (0: none).
func (q *queue) ttl(m *msg) sim.Time {
	t := sim.Time(q.spec.MessageTTL)
	if m.ttl > 0 && (t <= 0 || m.ttl < t) {
		t = m.ttl
	}
	return t
}

// requeue puts a returned delivery back: classic in its original place,
// quorum at the end of the returns queue. counted says whether the return
// counts as a failed delivery (reject, connection loss; not nack since 4.3).
func (q *queue) requeue(e entry, counted bool) {
	w := q.w
	q.addUnacked(-1)
	w.res.Requeued++
	if counted {
		e.deliveries++
		if q.limit > 0 && int(e.deliveries) > q.limit {
			q.deadLetter(e, reasonDeliveryLimit)
			return
		}
	}
	if q.quorum {
		q.returns = append(q.returns, e)
		q.addReady(1)
		return
	}
	// Back in place: before the first ready message enqueued after it.
	q.lv[q.level(&w.msgs[e.m])].putBack(e)
	q.addReady(1)
}

// dropHead removes the oldest ready message for a full queue (drop-head).
func (q *queue) dropHead() {
	if len(q.returns) > 0 {
		e := q.returns[0]
		q.returns = q.returns[1:]
		q.addReady(-1)
		q.deadLetter(e, reasonMaxlen)
		return
	}
	if e, ok := q.popReady(); ok {
		q.deadLetter(e, reasonMaxlen)
	}
}

// Dead-letter reasons.
const (
	reasonRejected = iota
	reasonExpired
	reasonMaxlen
	reasonDeliveryLimit
)

// deadLetter removes a message from the queue for a reason: routed by the
// dead-letter exchange, or dropped without one. Either way its group has
// dealt with it.
func (q *queue) deadLetter(e entry, reason int) {
	w := q.w
	m := &w.msgs[e.m]
	q.dead++
	q.addMemory(-q.memCost(m))
	if q.g != nil {
		w.chk.Handled(q.g.idx, int(m.prod), 0, m.seq)
		q.g.deadLettered++
	}
	if q.dlx == nil {
		w.res.QueueDropped++
		return
	}
	if q.dlxALO {
		q.addMemory(q.memCost(m)) // held by the source queue until confirmed
	}
	switch reason {
	case reasonRejected:
		w.res.DeadRejected++
	case reasonExpired:
		w.res.DeadExpired++
	case reasonMaxlen:
		w.res.DeadMaxlen++
	case reasonDeliveryLimit:
		w.res.DeadDeliveryLimit++
	}
	w.res.DeadLettered++
	if q.dlxALO {
		q.dlx2.discards = append(q.dlx2.discards, e.m)
		q.dlxPump()
		return
	}
	took := false
	for _, t := range q.dlxTargets(m) {
		if t.available() && !t.full() {
			t.enqueueDead(e.m)
			took = true
		}
	}
	if !took {
		w.res.DeadLetterDropped++ // at most once: nobody took it, so it is gone
	}
}

// dlxTargets are the queues the dead-letter exchange routes message m to
// (never the source queue itself).
func (q *queue) dlxTargets(m *msg) []*queue {
	rk := m.rk
	if q.spec.DeadLetterRoutingKey != "" {
		rk = q.spec.DeadLetterRoutingKey
	}
	var out []*queue
	for _, t := range q.dlx.route(nil, rk, m.hdr) {
		if t != q {
			out = append(out, t)
		}
	}
	return out
}

// full reports whether a reject-publish queue is at its length limit (it
// refuses what is published or dead-lettered to it).
func (q *queue) full() bool {
	return q.spec.MaxLength > 0 && q.spec.Overflow == "reject-publish" && q.readyLen()+q.dlxHeld() >= q.spec.MaxLength
}

// enqueueDead takes a dead-lettered message (at most once: nobody confirms it).
func (q *queue) enqueueDead(mid int32) {
	if q.quorum {
		q.r.propose(mid)
		return
	}
	q.enqueue(mid)
}

// dispatch delivers ready messages to consumers with room under their
// prefetch, round-robin, as the queue does.
func (q *queue) dispatch() {
	if q.isStream {
		q.streamDispatch()
		return
	}
	g := q.g
	if g == nil || !q.available() {
		return
	}
	for q.depth() > q.unacked {
		c := g.nextConsumer()
		if c == nil {
			return
		}
		e, ok := q.pop()
		if !ok {
			return
		}
		c.deliver(e)
	}
}

// forget drops the ready and returned entries at log offset end or
// beyond: a new quorum leader's log ends before them.
func (q *queue) forget(end int64) {
	keep := func(e entry) bool {
		if e.off >= 0 && e.off >= end {
			q.addMemory(-q.memCost(&q.w.msgs[e.m]))
			q.enqueued--
			q.addReady(-1)
			return false
		}
		return true
	}
	for i := range q.lv {
		q.lv[i].filter(keep)
	}
	out := q.returns[:0]
	for _, e := range q.returns {
		if keep(e) {
			out = append(out, e)
		}
	}
	q.returns = out
}
