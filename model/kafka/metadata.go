package kafka

import (
	"fmt"

	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/sim"
)

// Metadata: what each broker and each producer believes about partition
// leadership, as opposed to what the controller decided.
//
// The controller's decisions form a metadata log: every change of a
// partition's leader (or its going offline) is an entry stamped with the
// log's length after it. The controller sends each batch to every broker
// over the network when it is committed, and a broker applies the log as
// the batch reaches it: its new leaderships take effect then, its
// followers start fetching from the new leader then, and its old
// leaderships end then. A broker that missed a batch (down, cut off from
// the controller, or the message lost) applies it when it hears again —
// the answer to its next heartbeat, the metadata fetch it resumes when a
// cut heals, its registration after a restart — or when a peer that has
// applied more tells it (its follower fetch reaches the new leader). A
// broker answers produce requests and metadata requests from its own
// view.
//
// A zombie is a broker that still believes it leads a partition whose
// controller has moved on: it keeps appending to its own replica and, with
// acks=1, keeps acknowledging; with acks=all it holds the requests (its
// followers fetch elsewhere, so its high watermark never moves) until it
// learns, and then answers NOT_LEADER_OR_FOLLOWER. Once it learns it
// follows the new leader and truncates its divergent tail by leader epoch.
//
// A producer keeps its own cached leader and epoch per partition and sends
// each batch to the leader it believes in. It refreshes the cache with a
// MetadataRequest to one broker over the network — the live broker it has
// the fewest requests in flight to, as Kafka's leastLoadedNode — after
// retry.backoff.ms when a request fails with NOT_LEADER_OR_FOLLOWER, is
// refused, or times out, and every metadata.max.age.ms. It takes a
// partition's leader from the answer only if the answer's leader epoch is
// newer than the one it has (a lagging broker cannot move it back).

// leaderEntry is one change of a partition's leadership in the metadata
// log: from batch on, broker leads at epoch (broker -1: offline).
type leaderEntry struct {
	batch  int32
	broker int32
	epoch  int32
}

// metaState is the controller's metadata log length and, per partition,
// its leadership history; brokers' positions in the log are in
// brokerState.applied.
type metaState struct {
	batch     int32
	hist      map[*partition][]leaderEntry
	pending   bool           // a publish is due at the end of this instant
	changed   [][]*partition // per batch: the partitions whose leadership it changes
	zwait     [][]zombieWait
	zombieAck int64 // records acknowledged by a zombie leader
}

// zombieWait is an acks=all batch a zombie appended and holds.
type zombieWait struct {
	req   uint32
	batch int32
	use   uint64 // the request's use, to recognise a reused id
	p     *partition
	epoch int32 // the leader epoch the broker held it at
}

func (c *controller) setupMetadata() {
	c.meta.hist = map[*partition][]leaderEntry{}
	c.meta.zwait = make([][]zombieWait, len(c.bs))
	c.meta.changed = [][]*partition{nil}
	for _, p := range c.parts {
		c.meta.hist[p] = []leaderEntry{{batch: 0, broker: int32(p.leader.b.id), epoch: p.epoch}}
	}
}

// record notes p's leadership now in the metadata log's next batch, and
// makes sure the batch is published at the end of this instant (after
// every election of the batch).
func (c *controller) record(p *partition) {
	if c.meta.hist == nil {
		return
	}
	e := leaderEntry{batch: c.meta.batch + 1, broker: int32(p.leader.b.id), epoch: p.epoch}
	if c.ps[p].offline {
		e.broker = -1
	}
	h := c.meta.hist[p]
	if n := len(h); n > 0 && h[n-1].batch == e.batch {
		h[n-1] = e
	} else {
		h = append(h, e)
	}
	c.meta.hist[p] = h
	next := int(c.meta.batch) + 1
	for len(c.meta.changed) <= next {
		c.meta.changed = append(c.meta.changed, nil)
	}
	c.meta.changed[next] = append(c.meta.changed[next], p)
	if !c.meta.pending {
		c.meta.pending = true
		c.w.s.At(c.w.s.Now(), c.publish)
	}
}

// publish: the batch is complete; the controller sends it to every
// broker over the network (net.Send: a broker down or cut off misses it).
func (c *controller) publish() {
	c.meta.pending = false
	c.meta.batch++
	for b := range c.bs {
		c.sendMetadata(b, c.meta.batch)
	}
}

// learn brings broker b's view up to the controller's whole metadata log
// (it registered after a restart).
func (c *controller) learn(b int) { c.learnUpTo(b, c.meta.batch) }

// learnUpTo: broker b applies the metadata log up to batch n. Its replicas
// of the partitions those batches moved act on it: a new leader takes
// effect, a follower fetches from the new leader. The batches it held for
// a leadership it no longer has are answered NOT_LEADER_OR_FOLLOWER.
func (c *controller) learnUpTo(b int, n int32) {
	bs := &c.bs[b]
	if c.meta.hist == nil || bs.down || n <= bs.applied {
		return
	}
	old := bs.applied
	bs.applied = n
	now := c.w.s.Now()
	for k := old + 1; k <= n; k++ {
		for _, p := range c.meta.changed[k] {
			r := p.replicaOn(b)
			if r == nil {
				continue
			}
			lb, e := c.view(b, p)
			if e != p.epoch || lb < 0 || c.ps[p].offline {
				continue // a later batch moves it again, or it has no leader
			}
			if r == p.leader {
				c.ps[p].electedAt = now
			} else {
				c.follow(r)
			}
		}
	}
	c.answerZombie(b)
	if a := bs.await; a != nil && bs.applied >= bs.awaitBatch {
		bs.await = nil
		a()
	}
}

// answerZombie answers NOT_LEADER_OR_FOLLOWER for the batches broker b
// holds of partitions it no longer believes it leads at that epoch.
func (c *controller) answerZombie(b int) {
	waits := c.meta.zwait[b]
	if len(waits) == 0 {
		return
	}
	kept := waits[:0]
	w := c.w
	var answer []zombieWait
	for _, zw := range waits {
		if lb, e := c.view(b, zw.p); lb == b && e == zw.epoch {
			kept = append(kept, zw)
			continue
		}
		answer = append(answer, zw)
	}
	c.meta.zwait[b] = kept
	for _, zw := range answer {
		r := w.preqs[zw.req]
		if r.use != zw.use || r.timedOut {
			continue
		}
		r.results[zw.batch] = resNotLeader
		r.pending--
		if r.pending == 0 && r.handled {
			w.prRespond(r)
		}
	}
}

// afterApplied runs fn once broker b has applied the metadata log as it is
// now (the batch being published included), or at once if it has.
func (c *controller) afterApplied(b int, fn func()) {
	n := c.meta.batch
	if c.meta.pending {
		n++
	}
	bs := &c.bs[b]
	if c.meta.hist == nil || bs.applied >= n {
		fn()
		return
	}
	bs.await, bs.awaitBatch = fn, n
}

// view is broker b's belief about p: the leading broker (-1 offline) and
// the leader epoch.
func (c *controller) view(b int, p *partition) (int, int32) {
	if c.meta.hist == nil || c.bs[b].applied >= c.meta.batch {
		if c.ps[p].offline {
			return -1, p.epoch
		}
		return p.leader.b.id, p.epoch
	}
	return c.viewHist(b, p)
}

// viewHist is view from the metadata log's history: the last batch b has
// applied.
func (c *controller) viewHist(b int, p *partition) (int, int32) {
	h := c.meta.hist[p]
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].batch <= c.bs[b].applied {
			return int(h[i].broker), h[i].epoch
		}
	}
	return int(h[0].broker), h[0].epoch
}

// zombie reports whether broker b believes it leads p while the controller
// has moved p elsewhere (or offline).
func (c *controller) zombie(b int, p *partition) bool {
	if c.meta.hist == nil || !c.ps[p].offline && p.leader.b.id == b {
		return false
	}
	// b believes what the metadata log's batches it applied say: a change
	// the controller has made but not yet committed and published (a
	// fencing's elections) has not reached it either.
	lb, _ := c.viewHist(b, p)
	return lb == b
}

// replicaOn is p's replica on broker b, or nil.
func (p *partition) replicaOn(b int) *replica {
	for _, r := range p.replicas {
		if r.b.id == b {
			return r
		}
	}
	return nil
}

// The producer's side.

// pmeta is a producer's cached leader of one partition.
type pmeta struct {
	leader int32
	epoch  int32
}

// metaClient is a producer's metadata cache and its refreshes.
type metaClient struct {
	parts     []pmeta
	pending   bool     // a refresh is scheduled or in flight
	inFlight  bool     // a MetadataRequest is on its way
	seq       uint32   // numbers the requests, to ignore stale answers and timers
	last      sim.Time // when the cache was last refreshed
	next      int      // rotation for ties among brokers
	avoid     []sim.Time
	answer    []pmeta // the broker's answer, filled when it handles the request
	refreshes int64
}

// mdFlag marks a metadata message on a producer connection (the argument
// is then the producer's index and the broker's id).
const mdFlag = 1 << 63

func (p *producer) setupMetadata() {
	m := &p.meta
	m.parts = make([]pmeta, len(p.t.parts))
	for i, part := range p.t.parts {
		m.parts[i] = pmeta{leader: int32(part.leader.b.id), epoch: part.epoch}
	}
	m.avoid = make([]sim.Time, len(p.conns))
	if p.metaMaxAge > 0 {
		p.w.s.AfterCall(p.metaMaxAge, p.metaAge, 0)
	}
}

// leaderOf is the broker the producer believes leads partition part.
func (p *producer) leaderOf(part int) int {
	m := &p.meta
	for len(m.parts) <= part {
		// A partition added while the run goes: the producer learns it
		// with the new partition count, from the same metadata.
		q := p.t.parts[len(m.parts)]
		m.parts = append(m.parts, pmeta{leader: int32(q.leader.b.id), epoch: q.epoch})
	}
	return int(m.parts[part].leader)
}

// metaAge refreshes the cache when it is metadata.max.age.ms old.
func (p *producer) metaAge(uint64) {
	now := p.w.s.Now()
	if now >= p.w.end+sim.Time(p.w.sc.Drain) {
		return
	}
	next := p.meta.last + p.metaMaxAge
	if now >= next {
		p.refreshMetadata(0)
		next = now + p.metaMaxAge
	}
	p.w.s.AtCall(next, p.metaAge, 0)
}

// refreshMetadata asks for fresh metadata after delay, unless a refresh is
// already coming.
func (p *producer) refreshMetadata(delay sim.Time) {
	m := &p.meta
	if m.pending {
		return
	}
	m.pending = true
	p.w.s.AfterCall(delay, p.sendMetadata, 0)
}

// avoidBroker keeps broker b out of metadata requests for a while after a
// refused connection or a timeout (reconnect.backoff.max.ms, 1s).
func (p *producer) avoidBroker(b int) {
	p.meta.avoid[b] = p.w.s.Now() + sim.Second
}

// sendMetadata sends a MetadataRequest to the least loaded broker not
// being avoided (ties in turn).
func (p *producer) sendMetadata(uint64) {
	w := p.w
	m := &p.meta
	now := w.s.Now()
	n := len(p.conns)
	best := -1
	for k := range n {
		b := (m.next + k) % n
		if m.avoid[b] > now {
			continue
		}
		if best < 0 || p.conns[b].inFlight < p.conns[best].inFlight {
			best = b
		}
	}
	if best < 0 {
		best = m.next % n
	}
	m.next = (best + 1) % n
	m.seq++
	m.inFlight = true
	m.refreshes++
	seq := m.seq
	w.s.AfterCall(p.reqTimeout, func(uint64) {
		if m.inFlight && m.seq == seq {
			// No answer: try another broker.
			m.inFlight, m.pending = false, false
			p.avoidBroker(best)
			p.refreshMetadata(p.backoff)
		}
	}, 0)
	w.net.Send(&p.conns[best].up, w.fMdArrive, mdFlag|uint64(p.idx)<<32|uint64(best))
}

// mdArrive: a producer's MetadataRequest reached a broker; a handler
// thread serves it (cpu_per_request).
func (w *world) mdArrive(arg uint64) {
	b := w.brokers[int(uint32(arg))]
	w.useTime(b.CPU, b.CPUReq, w.fMdAnswer, arg)
}

// mdAnswer: the broker answers from its own view.
func (w *world) mdAnswer(arg uint64) {
	p := w.prods[uint32(arg>>32)&0x7fffffff]
	b := int(uint32(arg))
	m := &p.meta
	m.answer = m.answer[:0]
	for _, part := range p.t.parts {
		lb, e := w.ctl.view(b, part)
		m.answer = append(m.answer, pmeta{leader: int32(lb), epoch: e})
	}
	w.net.Send(&p.conns[b].down, w.fMdResp, arg)
}

// mdResp: the producer takes every partition leader whose epoch is newer
// than its own, and moves that partition's waiting batches to it.
func (w *world) mdResp(arg uint64) {
	p := w.prods[uint32(arg>>32)&0x7fffffff]
	m := &p.meta
	if !m.inFlight {
		return
	}
	m.inFlight, m.pending = false, false
	m.last = w.s.Now()
	unknown := false
	for i, a := range m.answer {
		p.leaderOf(i)
		if a.leader < 0 {
			unknown = true
			continue
		}
		if a.epoch > m.parts[i].epoch {
			old := int(m.parts[i].leader)
			m.parts[i] = a
			if old != int(a.leader) {
				p.moveLeader(i)
			}
		}
	}
	if unknown {
		p.refreshMetadata(p.backoff)
	}
}

// mdUndelivered: a MetadataRequest was refused (the broker's process is
// down): ask another broker after the backoff. A silent loss waits for the
// request's timeout.
func (w *world) mdUndelivered(arg uint64, refused bool) {
	p := w.prods[uint32(arg>>32)&0x7fffffff]
	m := &p.meta
	if !refused || !m.inFlight {
		return
	}
	m.inFlight, m.pending = false, false
	p.avoidBroker(int(uint32(arg)))
	p.refreshMetadata(p.backoff)
}

// moveLeader lists partition part's batches on the connection to its new
// leader and sends what is ready there. The connection to its old leader,
// if its drain stopped at a held partition (this one, maybe), drains
// again: what waited behind it may go.
func (p *producer) moveLeader(part int) {
	a := &p.parts[part]
	if len(a.dq) == 0 {
		return
	}
	old := a.on
	p.drain(p.enlist(part))
	if old >= 0 && old != a.on && p.conns[old].stopped {
		p.drain(p.conns[old])
	}
}

// linkProducer sets the ends and loss handlers of a producer connection.
func (w *world) linkProducer(c *prodConn) {
	c.up = net.Link{From: c.p.node, To: c.b.node, Undelivered: w.prUndelivered}
	c.down = net.Link{From: c.b.node, To: c.p.node, Undelivered: w.prRespLost}
}

// zombieAppend is a zombie leader's handling of batch i of r: it appends
// to its own replica of part at the epoch it believes current. acks=1 is
// answered at once; acks=all waits for a high watermark that its
// followers, now fetching from the new leader, never move — until the
// zombie learns and answers NOT_LEADER_OR_FOLLOWER. It reports false if
// the run failed.
func (w *world) zombieAppend(r *produceReq, i int, part *partition) bool {
	p, b := r.c.p, r.c.b
	pb := p.batches[r.batches[i]]
	z := part.replicaOn(b.id)
	_, epoch := w.ctl.view(b.id, part)
	if p.idem && commitlog.Batch(pb.data).BaseSequence() != 0 {
		if _, ok := z.log.ProducerState(p.pid); !ok {
			r.results[i] = resOutOfOrder
			return true
		}
	}
	ar, err := z.log.Append(commitlog.Batch(pb.data), epoch)
	if err != nil {
		if res, ok := appendRefused(err); ok {
			r.results[i] = res
			return true
		}
		w.fail(fmt.Errorf("zombie append to %s-%d on broker %d: %w", p.t.spec.Name, pb.part, b.id, err))
		return false
	}
	if !ar.Duplicate {
		b.written += ar.Size
		w.use(b.DiskW, float64(ar.Size), w.fNop, 0)
	}
	c := w.ctl
	if p.acks < 0 {
		c.meta.zwait[b.id] = append(c.meta.zwait[b.id], zombieWait{req: r.id, batch: int32(i), use: r.use, p: part, epoch: epoch})
		r.pending++
		return true
	}
	c.meta.zombieAck += int64(pb.n)
	return true
}

// The consumer's side: a member keeps cached leaders too. Its fetch
// sessions go to the brokers they name; a broker that does not lead a
// partition in its own view answers NOT_LEADER_OR_FOLLOWER for it, and
// the member refreshes its metadata after retry.backoff.ms (100ms) and
// rebuilds its sessions. A zombie serves reads from its own replica, up
// to its own (frozen) high watermark.

// consumerBackoff is the consumer's retry.backoff.ms (Kafka's default).
const consumerBackoff = 100 * sim.Millisecond

// memberMeta is a member's metadata cache.
type memberMeta struct {
	parts             []pmeta
	pending, pending2 bool // a refresh is scheduled / in flight
	seq               uint32
	next              int
	answer            []pmeta
	up, down          net.Link
}

// leaderOf is the broker member m believes leads partition pi.
func (m *member) leaderOf(pi int) int {
	mm := &m.meta
	for len(mm.parts) < len(m.g.t.parts) {
		q := m.g.t.parts[len(mm.parts)]
		mm.parts = append(mm.parts, pmeta{leader: int32(q.leader.b.id), epoch: q.epoch})
	}
	if !m.g.w.faulty {
		return m.g.t.parts[pi].leader.b.id // nothing moves leaders: the cache is always right
	}
	return int(mm.parts[pi].leader)
}

// mdArg packs a member's metadata message: group, member, broker.
func mdArg(m *member, b int) uint64 {
	return uint64(m.g.idx)<<40 | uint64(m.idx)<<16 | uint64(b)
}

func (w *world) mdMember(arg uint64) (*member, int) {
	return w.groups[arg>>40].all[(arg>>16)&0xffffff], int(arg & 0xffff)
}

// refreshMetadata asks a broker for the member's topic metadata after the
// backoff, unless a refresh is already coming.
func (m *member) refreshMetadata() {
	mm := &m.meta
	if mm.pending || !m.alive {
		return
	}
	mm.pending = true
	inc := m.inc
	m.g.w.s.AfterCall(consumerBackoff, func(uint64) {
		if m.inc == inc {
			m.sendMetadata()
		} else {
			mm.pending = false
		}
	}, 0)
}

// sendMetadata sends the member's MetadataRequest to the next live broker
// in turn (it has one fetch at most per broker, so none is more loaded).
func (m *member) sendMetadata() {
	w := m.g.w
	mm := &m.meta
	n := len(w.brokers)
	b := mm.next % n
	for k := range n {
		if c := (mm.next + k) % n; !w.ctl.bs[c].down {
			b = c
			break
		}
	}
	mm.next = (b + 1) % n
	mm.seq++
	mm.pending2 = true
	if m.node == 0 {
		m.node = w.net.AddNode(fmt.Sprintf("consumer-%s-%d", m.g.spec.Name, m.idx))
		w.clientNodes = append(w.clientNodes, m.node)
	}
	mm.up.From, mm.up.To, mm.up.Undelivered = m.node, w.brokers[b].node, w.mdMemberLost
	mm.down.From, mm.down.To, mm.down.Undelivered = w.brokers[b].node, m.node, w.mdMemberLost
	seq := mm.seq
	w.s.AfterCall(sim.Second, func(uint64) {
		// No answer within a second: ask again (another broker).
		if mm.pending2 && mm.seq == seq {
			mm.pending, mm.pending2 = false, false
			m.refreshMetadata()
		}
	}, 0)
	w.net.Send(&mm.up, w.mdMemberArrive, mdArg(m, b))
}

// mdMemberArrive: a member's MetadataRequest reached a broker; a handler
// thread serves it (cpu_per_request).
func (w *world) mdMemberArrive(arg uint64) {
	b := w.brokers[int(arg&0xffff)]
	w.useTime(b.CPU, b.CPUReq, w.fMdMemberAn, arg)
}

// mdMemberAnswer: the broker answers from its own view.
func (w *world) mdMemberAnswer(arg uint64) {
	m, b := w.mdMember(arg)
	mm := &m.meta
	mm.answer = mm.answer[:0]
	for _, part := range m.g.t.parts {
		lb, e := w.ctl.view(b, part)
		mm.answer = append(mm.answer, pmeta{leader: int32(lb), epoch: e})
	}
	w.net.Send(&mm.down, w.mdMemberResp, arg)
}

// mdMemberResp takes every newer leader and, if one moved, rebuilds the
// member's fetch sessions.
func (w *world) mdMemberResp(arg uint64) {
	m, _ := w.mdMember(arg)
	mm := &m.meta
	if !mm.pending2 || !m.alive {
		return
	}
	mm.pending, mm.pending2 = false, false
	moved, unknown := false, false
	for i, a := range mm.answer {
		m.leaderOf(i)
		if a.leader < 0 {
			unknown = true
			continue
		}
		if a.epoch > mm.parts[i].epoch {
			moved = moved || mm.parts[i].leader != a.leader
			mm.parts[i] = a
		}
	}
	if moved {
		m.rebuildSessions()
		m.startFetching(0)
	}
	if unknown {
		m.refreshMetadata()
	}
}

func (w *world) mdMemberLost(arg uint64, refused bool) {
	m, _ := w.mdMember(arg)
	mm := &m.meta
	if refused && mm.pending2 {
		mm.pending, mm.pending2 = false, false
		m.refreshMetadata()
	}
}

// fetchFrom is the replica a fetch session at broker b reads partition p
// from, by b's own view: its replica when it believes it leads (the
// leader, or a zombie), else nil (NOT_LEADER_OR_FOLLOWER).
func (w *world) fetchFrom(b *broker, p *partition) *replica {
	if !w.faulty {
		if p.leader.b == b {
			return p.leader
		}
		return nil
	}
	if lb, _ := w.ctl.view(b.id, p); lb != b.id {
		return nil
	}
	if p.leader.b == b {
		return p.leader
	}
	return p.replicaOn(b.id)
}
