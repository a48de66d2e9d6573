package kafka

import (
	"fmt"
	"math/rand/v2"

	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// controller is the cluster controller (KRaft's active controller) and the
// liveness of brokers and links it acts on. Brokers heartbeat to it every
// broker.heartbeat.interval.ms over the network; it fences a broker whose
// last heartbeat is broker.session.timeout.ms old. The leader elections
// one event needs (a fencing, a restart, a registration) are decided in
// one metadata batch, whose cost is paid once, and reach the brokers one
// network latency later, all together (see kraft.go). A new leader bumps
// the leader epoch and tells followers whom to fetch from; followers then
// truncate (by leader epoch, or by their high watermark) before they
// fetch. Without faults it only answers "up, online, readable" and checks
// convergence at the end.
type controller struct {
	w              *world
	sessionTimeout sim.Time
	heartbeat      sim.Time // broker.heartbeat.interval.ms
	electionCost   sim.Time // one metadata batch
	hwTrunc        bool
	unclean        bool
	busyUntil      sim.Time // the controller does one thing at a time
	failedUntil    sim.Time // controller failover: nothing acts before this
	q              *quorum  // the controller voters (kraft.go)

	bs     []brokerState
	ps     map[*partition]*partState
	rs     map[*replica]*repState
	parts  []*partition // every partition, topic by topic
	onBrok [][]*replica // replicas per broker
	fOf    map[fetcherKey]*replicaFetcher
	fStale []bool // per fetcher: the request in flight is for an old membership
	rng    *rand.Rand

	truncated, ner, nera int64
	elections, uncleans  int64
	batches              int64 // metadata batches of elections written
	isrAlone, cacheLost  bool
	tick                 sim.Time
	meta                 metaState // the metadata log and brokers' views of it (metadata.go)

	hbUp, mdDown                           []net.Link // per broker: heartbeats to, metadata from the controller
	fHeard, fMdBatch, fVoterGot, fVoterAck func(uint64)
}

type brokerState struct {
	down, fenced  bool
	lostCache     bool   // the last crash lost the page cache: the machine died, not only the process
	inc           uint32 // bumped at every crash and restart
	cutController bool   // cut off from the controller: no heartbeats out, no metadata in
	applied       int32  // the controller's metadata batches this broker has applied (metadata.go)
	lostShare     float64
	lastHB        sim.Time // when the controller last heard a heartbeat
	armed         bool     // a session check is pending
	await         func()   // runs once the broker has applied batch awaitBatch (a controlled shutdown)
	awaitBatch    int32
}

type partState struct {
	offline   bool     // no live leader
	unavail   sim.Time // total time offline or under min.insync.replicas
	electedAt sim.Time // when the current leader took effect
}

type repState struct {
	needTrunc bool // became a follower: must find its divergence point first
}

func (w *world) setupController() error {
	c := &controller{w: w, ps: map[*partition]*partState{}, rs: map[*replica]*repState{},
		fOf: map[fetcherKey]*replicaFetcher{}, rng: w.s.Stream("controller")}
	cl := &w.sc.Cluster
	c.sessionTimeout = sim.Time(cl.BrokerSessionTimeout)
	if c.sessionTimeout <= 0 {
		c.sessionTimeout = sim.Time(scenarios.DefaultBrokerSessionTimeout)
	}
	c.heartbeat = sim.Time(cl.BrokerHeartbeatInterval)
	if c.heartbeat <= 0 {
		c.heartbeat = sim.Time(scenarios.DefaultBrokerHeartbeatInterval)
	}
	c.electionCost = sim.Time(cl.ElectionCost)
	if c.electionCost <= 0 {
		c.electionCost = sim.Time(scenarios.DefaultElectionCost)
	}
	c.hwTrunc = cl.Truncation == scenarios.TruncateHighWatermark
	c.unclean = cl.UncleanLeaderElection
	c.fHeard, c.fMdBatch, c.fVoterGot, c.fVoterAck = c.heardFrom, c.mdBatch, c.voterGot, c.voterAck
	c.setupQuorum()
	w.ctlNode = c.q.nodes[0]
	w.fMdArrive, w.fMdResp, w.fMdAnswer, w.fMdMemberAn = w.mdArrive, w.mdResp, w.mdAnswer, w.mdMemberAnswer
	c.bs = make([]brokerState, len(w.brokers))
	c.hbUp, c.mdDown = make([]net.Link, len(w.brokers)), make([]net.Link, len(w.brokers))
	for b, br := range w.brokers {
		c.hbUp[b].From, c.mdDown[b].To = br.node, br.node
	}
	c.onBrok = make([][]*replica, len(w.brokers))
	for _, t := range w.topics {
		for _, p := range t.parts {
			c.parts = append(c.parts, p)
			c.ps[p] = &partState{}
			for _, r := range p.replicas {
				c.rs[r] = &repState{}
				c.onBrok[r.b.id] = append(c.onBrok[r.b.id], r)
			}
		}
	}
	for _, f := range w.fetchers {
		c.fOf[f.key] = f
	}
	c.fStale = make([]bool, len(w.fetchers))
	w.ctl = c
	if c.hasBrokerFaults() {
		c.setupMetadata()
		return c.install()
	}
	return nil
}

func (c *controller) hasBrokerFaults() bool {
	for _, f := range c.w.sc.Faults {
		if _, ok := brokerFaultTypes[f.Type]; ok {
			return true
		}
	}
	return false
}

func (c *controller) up(b int) bool { return !c.bs[b].down }

// offline reports whether a partition has no live leader.
func (c *controller) offline(p *partition) bool { return c.ps[p].offline }

// canJoinISR: a follower rejoins the ISR only while its broker is up and
// registered and its leader can reach the controller (AlterPartition).
func (c *controller) canJoinISR(r *replica) bool {
	b := &c.bs[r.b.id]
	return !b.down && !b.fenced && !c.bs[r.p.leader.b.id].cutController
}

// readable is the consumer's view of one partition before a fetch: nothing
// while it has no live leader, and a position past the leader's log end
// (after truncation) resets to the log end, as auto.offset.reset does on
// OFFSET_OUT_OF_RANGE.
func (c *controller) readable(m *member, pi int) bool {
	p := m.g.t.parts[pi]
	if c.ps[p].offline || c.bs[p.leader.b.id].down {
		return false
	}
	if end := p.leader.log.LogEndOffset(); m.fetchPos[pi] > end {
		m.fetchPos[pi], m.pos[pi] = end, end
		m.buf[pi] = nil
	}
	return true
}

// do runs fn at the controller after cost, after whatever it is already
// doing and after a failover.
func (c *controller) do(cost sim.Time, fn func()) {
	if c.waitActive(func() { c.do(cost, fn) }) {
		return
	}
	t := max(c.w.s.Now(), c.busyUntil, c.failedUntil) + cost
	c.busyUntil = t
	c.w.s.At(t, fn)
}

// crash stops broker b at once: its in-flight requests are lost and, with
// losePageCache, whatever its logs had not written back. A crash that
// loses the page cache is the machine's (power, kernel): the network
// drops what is sent to it; otherwise only the process died and its host
// refuses connections.
func (c *controller) crash(b int, losePageCache bool) error {
	w := c.w
	bs := &c.bs[b]
	if bs.down {
		return nil
	}
	if losePageCache {
		w.net.CrashMachine(w.brokers[b].node)
	} else {
		w.net.CrashProcess(w.brokers[b].node)
	}
	if c.meta.zwait != nil {
		c.meta.zwait[b] = nil
	}
	bs.down = true
	bs.inc++
	bs.lostCache = losePageCache
	if losePageCache {
		c.cacheLost = true
		if _, err := c.powerLoss(b); err != nil {
			return err
		}
	}
	br := w.brokers[b]
	for _, r := range c.onBrok[b] {
		if r == r.p.leader {
			c.ps[r.p].offline = true
			r.p.waiters, r.p.waitersOff = r.p.waiters[:0], 0
		}
	}
	c.disconnectProducers(br, losePageCache)
	c.stopFetchers(b)
	c.moveConsumers(b)
	// Its heartbeats stop: the session check fences it.
	return nil
}

// restart brings broker b back: its logs recovered (what survived the
// crash), it registers with the controller, which first fences its old
// incarnation if it had not yet, then lets it follow (or lead the
// partitions only it can lead).
func (c *controller) restart(b int) error {
	bs := &c.bs[b]
	if !bs.down {
		return nil
	}
	bs.down = false
	bs.inc++
	c.w.net.Restart(c.w.brokers[b].node)
	if c.hwTrunc {
		for _, r := range c.onBrok[b] {
			if err := c.truncate(r, r.log.HighWatermark()); err != nil {
				return err
			}
		}
	}
	for _, pr := range c.w.prods {
		pr.drain(pr.conns[b])
	}
	c.do(0, func() {
		// Registering, it receives the metadata it missed.
		c.learn(b)
		if c.bs[b].lostCache && !c.bs[b].fenced {
			// An unclean shutdown that lost data: its replicas must not
			// stay in the ISR (they may miss committed records).
			c.fence(b, nil)
		}
		if c.bs[b].fenced {
			c.unfence(b)
			return
		}
		// Back before the controller noticed, its logs intact: its
		// follower replicas stay in the ISR and follow again; its
		// leaderships are elected anew in one batch, preferring another
		// replica.
		var lead []*partition
		for _, r := range c.onBrok[b] {
			p := r.p
			if r == p.leader {
				c.ps[p].offline = true
				lead = append(lead, p)
			} else {
				c.follow(r)
			}
		}
		c.electBatch(lead, b, nil)
	})
	return nil
}

// fence is the controller declaring broker b gone: it leaves every ISR and
// its leaderships move, all in one metadata batch; done (if not nil) runs
// once the batch is committed.
func (c *controller) fence(b int, done func()) {
	c.bs[b].fenced = true
	var lead []*partition
	for _, p := range c.parts {
		var mine *replica
		for _, r := range p.replicas {
			if r.b.id == b {
				mine = r
			}
		}
		if mine == nil {
			continue
		}
		if mine == p.leader {
			// The fenced leader leaves the ISR unless it is its last
			// member (then only it can lead cleanly when it returns).
			if mine.inISR && p.isrSize > 1 {
				mine.inISR = false
				p.isrSize--
				c.w.isrShrinks++
			}
			c.ps[p].offline = true
			lead = append(lead, p)
			continue
		}
		if mine.inISR {
			mine.inISR = false
			p.isrSize--
			c.w.isrShrinks++
			c.noteISR(p)
			if !c.ps[p].offline {
				p.maybeAdvanceHW()
			}
		}
	}
	c.electBatch(lead, -1, done)
}

// unfence: broker b registered again. Partitions without a leader that it
// can lead get an election; elsewhere its replicas follow.
func (c *controller) unfence(b int) {
	c.bs[b].fenced = false
	var lead []*partition
	for _, r := range c.onBrok[b] {
		p := r.p
		if c.ps[p].offline {
			lead = append(lead, p)
			continue
		}
		if r != p.leader {
			c.follow(r)
		}
	}
	c.electBatch(lead, -1, nil)
}

// candidate reports whether r's broker can take leadership now.
func (c *controller) candidate(r *replica) bool {
	b := &c.bs[r.b.id]
	return !b.down && !b.fenced && !b.cutController
}

// electAvoiding picks a leader for p: the first live replica of the ISR
// in assignment order, preferring any not on broker avoid (-1: none), or
// with unclean election any live replica; else p stays offline.
func (c *controller) electAvoiding(p *partition, avoid int) {
	if !c.ps[p].offline && c.candidate(p.leader) {
		return // it came back meanwhile
	}
	var next *replica
	clean := true
	for pass := range 2 {
		for _, r := range p.replicas {
			if r.inISR && c.candidate(r) && (pass == 1 || r.b.id != avoid) {
				next = r
				break
			}
		}
		if next != nil {
			break
		}
	}
	if next == nil && c.unclean {
		for _, r := range p.replicas {
			if c.candidate(r) {
				next, clean = r, false
				break
			}
		}
	}
	if next == nil {
		c.ps[p].offline = true
		c.stepDown(p)
		c.record(p)
		return
	}
	c.makeLeader(p, next, clean)
}

// stepDown ends the current leader's tenure: produce requests waiting on
// its high watermark are answered NOT_LEADER — once the leader hears of
// it: with the controller's metadata log, it holds them until the batch
// reaches it over the network (at once if it is cut off: a zombie holds
// them until it learns, metadata.go).
func (c *controller) stepDown(p *partition) {
	w := c.w
	old := p.leader.b.id
	zombie := c.meta.zwait != nil && !c.bs[old].down
	for i := p.waitersOff; i < len(p.waiters); i++ {
		wt := p.waiters[i]
		r := w.preqs[wt.req]
		if zombie {
			c.meta.zwait[old] = append(c.meta.zwait[old], zombieWait{req: wt.req, batch: wt.batch, use: r.use, p: p, epoch: p.epoch})
			continue
		}
		r.results[wt.batch] = resNotLeader
		r.pending--
		if r.pending == 0 && r.handled {
			w.prRespond(r)
		}
	}
	p.waiters, p.waitersOff = p.waiters[:0], 0
	p.failTxnWaiters() // txn_markers.go
}

func (c *controller) makeLeader(p *partition, r *replica, clean bool) {
	w := c.w
	c.stepDown(p)
	old := p.leader
	p.epoch++
	internal := p.offs != nil // __consumer_offsets: not counted with the scenario's topics
	if !internal {
		c.elections++
	}
	if !clean {
		if !internal {
			c.uncleans++
		}
		for _, q := range p.replicas {
			q.inISR = q == r
		}
	}
	r.inISR = true
	p.isrSize = 0
	for _, q := range p.replicas {
		if q.inISR {
			p.isrSize++
		}
	}
	old.b.leaders--
	r.b.leaders++
	p.leader = r
	c.ps[p].offline = false
	c.ps[p].electedAt = w.s.Now()
	if err := r.log.AssignEpoch(p.epoch, r.log.LogEndOffset()); err != nil {
		w.fail(fmt.Errorf("elect %s-%d: %w", p.t.spec.Name, p.idx, err))
		return
	}
	p.records = r.log.LogEndOffset()
	p.setHW(r.log.HighWatermark())
	r.hw = p.hw
	now := w.s.Now()
	c.unfollow(r)
	for _, q := range p.replicas {
		if q == r {
			continue
		}
		q.leo, q.leaderLEOAtLastFech = 0, 0
		q.lastCaughtUp, q.lastFetch = now, now
		if c.meta.hist == nil {
			c.follow(q)
		}
		// Otherwise q follows when its broker learns of the new leader
		// from the controller's metadata (learnUpTo).
	}
	c.noteISR(p)
	c.record(p)
}

// follow makes q a follower of its partition's leader: it must find where
// its log diverges (at its first fetch, or at once by high watermark) and
// then fetch from the leader's broker.
func (c *controller) follow(q *replica) {
	c.rs[q].needTrunc = true
	if c.hwTrunc && !c.bs[q.b.id].down {
		if err := c.truncate(q, q.log.HighWatermark()); err != nil {
			c.w.fail(err)
			return
		}
		c.rs[q].needTrunc = false
	}
	lead := q.p.leader
	c.unfollow(q)
	k := c.w.fetcherKey(q.b, lead.b, q.p)
	f := c.fOf[k]
	if f == nil {
		f = c.w.newReplicaFetcher(k, q.b, lead.b)
		c.fOf[k] = f
		c.fStale = append(c.fStale, false)
	}
	f.parts = append(f.parts, q)
	q.fetcher = f
	c.reshape(f)
}

// unfollow removes q from the fetcher it is in.
func (c *controller) unfollow(q *replica) {
	f := q.fetcher
	if f == nil {
		return
	}
	q.fetcher = nil
	for i, r := range f.parts {
		if r == q {
			f.parts = append(f.parts[:i], f.parts[i+1:]...)
			break
		}
	}
	c.reshape(f)
}

// reshape resizes a fetcher after its partitions changed and restarts its
// fetch: a parked request is withdrawn, one in flight is dropped at its
// next step.
func (c *controller) reshape(f *replicaFetcher) {
	n := len(f.parts)
	f.offsets = make([]int64, n)
	f.data = make([][]byte, n)
	f.leaderHW = make([]int64, n)
	if f.inRequest && !f.parked {
		c.fStale[f.id] = true
		return
	}
	if f.parked {
		c.w.s.Cancel(f.waitEv)
		f.parked = false
	}
	f.inRequest = false
	c.fStale[f.id] = false
	c.kick(f)
}

// kick sends a fetcher's next request if it has work and its broker is up.
func (c *controller) kick(f *replicaFetcher) {
	if !f.inRequest && len(f.parts) > 0 && !c.bs[f.dst.id].down {
		f.send()
	}
}

// truncate cuts r's log at offset (nothing if it is not shorter).
func (c *controller) truncate(r *replica, offset int64) error {
	leo := r.log.LogEndOffset()
	if offset >= leo {
		return nil
	}
	if err := r.log.TruncateTo(max(offset, 0)); err != nil {
		return fmt.Errorf("truncate %s-%d on broker %d to %d: %w", r.p.t.spec.Name, r.p.idx, r.b.id, offset, err)
	}
	r.p.matched = min(r.p.matched, r.log.LogEndOffset())
	c.truncated += leo - r.log.LogEndOffset()
	r.hw = min(r.hw, r.log.LogEndOffset())
	r.flushed = min(r.flushed, r.log.LogEndOffset())
	r.flushReq = min(r.flushReq, r.log.LogEndOffset())
	r.b.Cache.Truncated(r.owner, r.log.LogEndOffset())
	if r == r.p.leader {
		r.p.records = r.log.LogEndOffset()
	}
	return nil
}

// noteISR remembers whether any partition's ISR fell to the leader alone
// (acks=all may then lose acknowledged writes: invariant 1 allows it).
func (c *controller) noteISR(p *partition) {
	if p.isrSize <= 1 {
		c.isrAlone = true
	}
}

// disconnectProducers: the broker's connections drop. When only its
// process died, its host resets every connection: the resets reach the
// producers one network latency later, and the requests in flight fail
// there as "maybe written" (NETWORK_EXCEPTION); each producer then avoids
// the broker for a while and refreshes its metadata. When the machine
// died nothing tells the producers: their requests time out.
func (c *controller) disconnectProducers(br *broker, machine bool) {
	w := c.w
	for _, pr := range w.prods {
		cn := pr.conns[br.id]
		cn.busy, cn.waiting = false, cn.waiting[:0]
	}
	if machine {
		return
	}
	free := make([]bool, len(w.preqs))
	for _, id := range w.freePreq {
		free[id] = true
	}
	type sent struct {
		id  uint32
		use uint64
	}
	var reset []sent
	for id, r := range w.preqs {
		if free[id] || r.c == nil || r.c.b != br || r.timedOut || r.c.p.acks == 0 {
			continue
		}
		reset = append(reset, sent{uint32(id), r.use})
	}
	w.s.At(w.s.Now()+w.net.Latency, func() {
		for _, x := range reset {
			r := w.preqs[x.id]
			if r.use != x.use || r.timedOut {
				continue
			}
			c.failRequest(r, true)
			r.c.p.avoidBroker(br.id)
			r.c.p.refreshMetadata(r.c.p.backoff)
		}
	})
}

// failRequest ends a request at its producer as a network error: every
// batch backs off and retries.
func (c *controller) failRequest(r *produceReq, maybeWritten bool) {
	p, conn := r.c.p, r.c
	c.w.s.Cancel(r.timer)
	r.timedOut = true
	conn.inFlight--
	for _, bid := range r.batches {
		p.parts[p.batches[bid].part].inFlight--
	}
	for _, bid := range r.batches {
		p.retry(p.batches[bid], maybeWritten)
	}
	if r.gone {
		// Nothing of it will come back to free it.
		c.w.freePreqID(r.id)
	}
	p.drainAfter(r)
}

// stopFetchers withdraws parked fetches to and from broker b; fetches in
// flight are dropped at their next step.
func (c *controller) stopFetchers(b int) {
	for _, f := range c.w.fetchers {
		if (f.src.id == b || f.dst.id == b) && f.parked {
			c.w.s.Cancel(f.waitEv)
			f.parked = false
			f.inRequest = false
			c.retryFetch(f)
		}
	}
}

// retryFetch schedules a fetcher's next attempt after
// replica.fetch.backoff.ms (1s).
func (c *controller) retryFetch(f *replicaFetcher) {
	c.w.s.AfterCall(sim.Second, func(id uint64) { c.kick(c.w.fetchers[id]) }, uint64(f.id))
}

// moveConsumers points fetch sessions and group coordinators on broker b
// to live brokers (consumers reconnect; reads follow each partition's
// leader).
func (c *controller) moveConsumers(b int) {
	w := c.w
	for _, s := range w.sessions {
		if s.b.id != b {
			continue
		}
		s.b = c.liveBroker(s.m.g.t.parts[s.parts[0]].leader.b)
		s.m.refreshMetadata() // the connection closed: the member refreshes its metadata
		if s.parked {
			s.parked = false
			s.gen++
			w.s.Cancel(s.waitEv)
			w.s.AfterCall(100*sim.Millisecond, func(id uint64) { w.sessions[id].send() }, uint64(s.id))
		}
	}
	w.coordinatorDown(b)
}

// liveBroker returns prefer if it is up, else the next live broker by id.
func (c *controller) liveBroker(prefer *broker) *broker {
	n := len(c.w.brokers)
	for k := range n {
		b := c.w.brokers[(prefer.id+k)%n]
		if !c.bs[b.id].down {
			return b
		}
	}
	return prefer
}

// unavailableTick adds the tick to every partition offline or under
// min.insync.replicas.
func (c *controller) unavailableTick(uint64) {
	for _, p := range c.parts {
		if ps := c.ps[p]; ps.offline || p.isrSize < p.t.minISR {
			ps.unavail += c.tick
		}
	}
	c.w.s.AfterCall(c.tick, c.unavailableTick, 0)
}

// settle runs after the drain: consumer positions past a truncated log end
// are reset (as the next fetch would), so pending messages can be read.
func (c *controller) settle() error {
	for _, g := range c.w.groups {
		for i, p := range g.t.parts {
			if end := p.leader.log.LogEndOffset(); g.processed[i] > end {
				g.setProcessed(i, end)
			}
		}
	}
	return nil
}

// report fills Results.Replication: elections, availability, the
// convergence check and the invariants the configuration guarantees.
func (c *controller) report(res *Results) {
	rp := &res.Replication
	rp.LeaderElections, rp.UncleanElections = c.elections, c.uncleans
	rp.TruncatedRecords, rp.NotEnoughReplicas, rp.NotEnoughAfterAppend = c.truncated, c.ner, c.nera
	faulty := c.hasBrokerFaults()
	for _, p := range c.parts {
		if p.offs != nil {
			continue // __consumer_offsets: not one of the scenario's topics
		}
		ps := c.ps[p]
		off := ps.offline || c.bs[p.leader.b.id].down
		if off {
			rp.OfflinePartitions++
		}
		div := false
		if !off {
			d, err := p.diverged()
			if err != nil {
				rp.InvariantViolations = append(rp.InvariantViolations, "convergence check failed: "+err.Error())
			}
			div = d
		}
		if div {
			rp.DivergedPartitions++
		}
		u := ps.unavail.Seconds()
		rp.UnavailableSeconds += u
		rp.MaxUnavailableSeconds = max(rp.MaxUnavailableSeconds, u)
		if faulty {
			pr := PartitionResult{Topic: p.t.spec.Name, Partition: p.idx, Leader: p.leader.b.id, Epoch: p.epoch,
				UnavailableSeconds: u, Diverged: div}
			if off {
				pr.Leader = -1
			}
			for _, r := range p.replicas {
				if r.inISR {
					pr.ISR = append(pr.ISR, r.b.id)
				}
			}
			rp.Partitions = append(rp.Partitions, pr)
		}
	}
	rp.InvariantViolations = append(rp.InvariantViolations, c.invariants(res)...)
}

// invariants evaluates behaviours.md's replication invariants against what
// the configuration allows; each message is a model bug.
func (c *controller) invariants(res *Results) []string {
	w := c.w
	var out []string
	weakAcks, nonIdem, reorderable, consumerSide := false, false, false, false
	for _, p := range w.prods {
		if p.acks != -1 {
			weakAcks = true
		}
		if !p.idem {
			nonIdem = true
			if p.maxInFlight > 1 && p.retries > 0 {
				reorderable = true
			}
		}
	}
	for _, g := range w.groups {
		if g.commit == scenarios.CommitBefore || g.coordFailovers > 0 {
			// A new coordinator may hand a partition out from an older
			// committed offset: its records are processed again.
			consumerSide = true
		}
	}
	for _, f := range w.sc.Faults {
		if _, ok := brokerFaultTypes[f.Type]; !ok {
			consumerSide = true
		}
	}
	// 1. Acknowledged-write durability.
	lossAllowed := weakAcks || c.uncleans > 0 || c.isrAlone || c.cacheLost || c.hwTrunc || consumerSide
	if res.Lost > 0 && !lossAllowed {
		out = append(out, fmt.Sprintf("invariant 1 (durability): %d acknowledged messages lost with acks=all, "+
			"an ISR never below 2, no unclean election, no lost page cache and leader-epoch truncation", res.Lost))
	}
	// 3. Replica convergence.
	if res.DivergedPartitions > 0 && !c.hwTrunc {
		out = append(out, fmt.Sprintf("invariant 3 (convergence): %d partitions' in-sync replicas differ with leader-epoch truncation",
			res.DivergedPartitions))
	}
	// 5. Visibility.
	if res.HighWatermarkViolation > 0 {
		out = append(out, fmt.Sprintf("invariant 5 (visibility): consumers read %d records above the high watermark",
			res.HighWatermarkViolation))
	}
	// 8. Producer order.
	if res.Reordered > 0 && !reorderable && !consumerSide && c.uncleans == 0 && !c.cacheLost && !c.hwTrunc {
		out = append(out, fmt.Sprintf("invariant 8 (producer order): %d messages reordered with idempotence, "+
			"max.in.flight 1 or no retries", res.Reordered))
	}
	// 9. No log duplicates with idempotence.
	if res.Duplicates > 0 && !nonIdem && !consumerSide && c.uncleans == 0 && !c.cacheLost && !c.hwTrunc {
		out = append(out, fmt.Sprintf("invariant 9 (idempotence): %d duplicates although every producer is idempotent",
			res.Duplicates))
	}
	return out
}
