package kafka

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// group is a consumer group: its members, its partition of
// __consumer_offsets (whose leader is its coordinator, offsets.go), and the
// group's view of each partition. The group protocol (membership,
// generations, rebalancing) is in group.go; how members reach the
// coordinator, in coordclient.go.
type group struct {
	w    *world
	idx  int
	spec *scenarios.ConsumerGroup
	t    *topic
	op   *offsetsPart // the group's __consumer_offsets partition
	// owners counts changes of owner (setOwner): a commit plan made
	// under the same count needs no ownership check (offsets.go).
	owners uint64
	// loadedEpoch is the offsets partition's leader epoch the coordinator
	// last loaded the group under; initialParts, the partitions the group
	// started with (their offsets start at 0 when never committed).
	loadedEpoch  int32
	initialParts int
	reqTimeout   sim.Time // coordinator_request_timeout

	// members is one member per slot (the current process of consumer i);
	// all is every member ever started, in start order.
	members    []*member
	all        []*member
	assignment [][]int   // per slot, the partitions at the end (for results)
	owner      []*member // partition → member consuming it in its generation (nil: none)
	processed  []int64   // partition → offset after the last processed record
	committed  []int64   // partition → committed offset (as stored in __consumer_offsets)
	high       []int64   // partition → one past the highest offset ever processed

	// Protocol state.
	gen                   int32
	state                 groupState
	formed                bool
	prepStart, delayUntil sim.Time
	rbSeq                 uint32
	session, heartbeat    sim.Time
	maxPoll               sim.Time
	pausedSince           []sim.Time // partition → when it lost its live owner (-1: live)
	rebalanceTime         sim.Time

	service   sim.Dist
	zeroCost  bool
	commit    scenarios.CommitMode
	reset     scenarios.OffsetReset
	assignor  scenarios.Assignor
	autoEvery sim.Time
	// upto is isolation.level: read_uncommitted reads below the high
	// watermark, read_committed below the last stable offset (which equals
	// the high watermark while no transaction is open).
	upto     commitlog.Bound
	idem     bool
	dedupe   *check.Ledger // idempotent processing's store of processed ids
	slowdown float64       // downstream-slowdown without a downstream: on processing

	fh *failureHandler // failure policies (poison.go); nil: processing never fails
	ds *downstream     // the dependency processing calls (downstream.go); nil: none

	consumed, skipped, bytesOut int64
	earlierRun                  int64 // records of an earlier run processed (resumed data directory)
	e2e                         *sim.Histogram
	lagTotal                    int64  // the lag now, kept by setProcessed and setHW (lag.go)
	maxLag, maxPartLag          int64  // the largest lag and partition lag so far
	lagFrozen                   bool   // the run is over: the maxima stay
	onLagRise                   func() // a channel's group: its backlog may have risen (channel.go)

	rebalances, rejectedCommits, redelivered, violations int64
	sessionExpiries, resets, lostToRetention, scaleUps   int64
	coordFailovers, commitsLost, offsetsRolledBack       int64
	lastLoaded                                           []int64 // the offsets the latest new coordinator loaded
	pollTimeouts                                         int64
	scalePending                                         bool
	lastRebalance                                        sim.Time // when the latest generation formed

	// audit, when set (by tests), records which member processed each
	// partition under each generation with the group's authority.
	audit           map[[2]int32]int
	auditViolations int64
	pausedTime      sim.Time
	offsetKeys      [][]byte    // partition → its __consumer_offsets key (offsetKey)
	sh              *shareGroup // type: share (share.go); nil for a classic group

	stage *stage    // a pipeline stage (txn_stage.go); nil: none
	tx    *groupTxn // transactional offsets and reads (txn_offsets.go)
}

// auditOwnership makes new groups record who processed each partition in
// each generation (tests set it; it costs a map update per record).
var auditOwnership bool

// member is one consumer process: a fetch session per broker leading its
// partitions, a buffer of fetched batches, a poll loop and its side of the
// group protocol.
type member struct {
	node  net.NodeID // the member's host on the network
	meta  memberMeta // its cached partition leaders (metadata.go)
	g     *group
	idx   int // index in g.all
	slot  int // consumer number (faults target slots)
	rng   *rand.Rand
	hbRng *rand.Rand

	inc          uint32 // incarnation: bumped when the process stops; events carry it
	alive        bool
	inGroup      bool // coordinator side: a member of the group
	joined       bool // coordinator side: JoinGroup received in this rebalance
	sessionArmed bool
	lastSeen     sim.Time
	restarted    bool // a static member booted again

	joining         bool // JoinGroup sent, waiting for the assignment
	needRejoin      bool
	revokeCommitted bool
	revoking        []int // cooperative: partitions to commit and give up
	afterCommit     func()
	pollExpired     bool // left the group after max.poll.interval
	pollTimerArmed  bool
	memberGen       int32
	member          bool // member side: it holds a generation's assignment and heartbeats for it

	assigned     []int // coordinator side: the member's partitions in the latest generation
	parts        []int
	owned        []bool // partition → in parts
	sessions     []*fetchSession
	pos          []int64 // partition → next offset to hand to poll
	fetchPos     []int64 // partition → next offset to fetch
	buf          [][]byte
	failOff      []int64    // partition → offset of the record being retried (-1: none)
	failAttempts []int      // partition → failed attempts of that record
	pausedUntil  []sim.Time // partition → paused by a retry backoff until
	// commitParts are the partitions a commit carries (those of parts
	// owned and not waiting for their starting offset), in parts' order,
	// while commitPartsOK: every change to parts, owned or an
	// offsetPending mark clears it (partsChanged).
	commitParts   []int
	commitPartsOK bool
	rr            commitlog.RecordReader
	ready         readyState // partitions with buffered records (consumer_ready.go)

	slow       float64  // consumer-slowdown factor
	crashes    uint32   // crashes so far: an in-memory handoff dies with its process
	stallUntil sim.Time // consumer-stall: the application is stuck until
	busy       bool
	commitWait bool
	busySince  sim.Time
	pollSeq    uint32
	nextAuto   sim.Time
	rrIdx      int
	recs       []pollRec
	pollStart  sim.Time
	commitReq  *commitReq

	// The member's view of its coordinator (coordclient.go): the broker it
	// found (nil: unknown), its connection, and the requests waiting for a
	// FindCoordinator answer.
	coord              *broker
	coordUp, coordDown net.Link
	findUp, findDown   net.Link
	finding            bool
	findTry            int
	awaitCoord         []func()
	sh                 *shareMember // a share group's member (share.go)

	txp *txnProducer                // a pipeline stage's producer (txn_client.go)
	txf []commitlog.CommittedFilter // read_committed: per partition (txn_consumer.go)

	fPollDone func(uint64) // m.pollDoneFn(), made once (pollDoneFn)
}

// pollDoneFn is m.pollDone as a func value made once, so that scheduling
// it allocates nothing.
func (m *member) pollDoneFn() func(uint64) {
	if m.fPollDone == nil {
		m.fPollDone = m.pollDone
	}
	return m.fPollDone
}

// Fates of a polled record.
const (
	fateOK        int8 = iota // processed
	fateDupSkip               // already processed (idempotent processing)
	fateRetry                 // failed; its partition rewinds to it and backs off
	fateDLQ                   // failed for good: written to the dead-letter topic
	fateDiscard               // failed: skipped and logged
	fateForward               // failed: sent to the first retry topic
	fateUntouched             // after a failed record of its partition: not processed
	fateHanded                // handed to an in-memory queue (downstream.go): the offset moves on
	fateGaveUp                // every downstream attempt failed: the consumer moved on without it
)

// pollRec is one record handed to the application by a poll.
type pollRec struct {
	prod   int32
	part   int32
	seq    int32
	key    int64
	offset int64
	born   sim.Time // produce time
	done   sim.Time // completion, relative to the poll's start
	size   int64
	fate   int8
	retry  bool // an attempt after a failed one
}

// fromEarlierRun reports whether r was written by an earlier run whose logs
// this run resumed from: its id and produce time are that run's, so the
// checker and the latency histograms must not see it.
func (g *group) fromEarlierRun(r *pollRec) bool {
	return r.offset < g.t.parts[r.part].base
}

func newGroup(w *world, spec *scenarios.ConsumerGroup, t *topic, idx int) (*group, error) {
	n := len(t.parts)
	g := &group{w: w, idx: idx, spec: spec, t: t,
		processed: make([]int64, n), committed: make([]int64, n), high: make([]int64, n), owner: make([]*member, n),
		pausedSince: make([]sim.Time, n),
		service:     spec.Processing.Dist, autoEvery: sim.Time(spec.AutoCommitInterval),
		idem: spec.Idempotent, e2e: sim.NewLatencyHistogram(), slowdown: 1,
		session: sim.Time(spec.SessionTimeout), heartbeat: sim.Time(spec.HeartbeatInterval), maxPoll: sim.Time(spec.MaxPollInterval),
		initialParts: n, reqTimeout: sim.Time(spec.CoordinatorRequestTimeout)}
	if g.service == nil {
		g.service = sim.Constant{Value: 0}
	}
	if c, ok := g.service.(sim.Constant); ok && c.Value == 0 {
		g.zeroCost = true
	}
	// The scenario is resolved (scenarios.Defaults, Validate): the model
	// applies no defaults of its own, and refuses what it cannot run.
	if g.autoEvery <= 0 || g.session <= 0 || g.heartbeat <= 0 || g.heartbeat >= g.session || g.maxPoll <= 0 ||
		spec.FetchMaxBytes <= 0 || spec.MaxPartitionFetchBytes <= 0 || g.reqTimeout <= 0 {
		return nil, fmt.Errorf("group %s: auto_commit_interval %v, session_timeout %v, heartbeat_interval %v, max_poll_interval %v, fetch_max_bytes %v, max_partition_fetch_bytes %v, coordinator_request_timeout %v: want a resolved scenario (all above 0, heartbeat below session)",
			spec.Name, spec.AutoCommitInterval, spec.SessionTimeout, spec.HeartbeatInterval, spec.MaxPollInterval, spec.FetchMaxBytes, spec.MaxPartitionFetchBytes, spec.CoordinatorRequestTimeout)
	}
	var err error
	if g.commit, err = spec.CommitMode(); err != nil {
		return nil, err
	}
	if g.reset, err = spec.OffsetReset(); err != nil {
		return nil, err
	}
	if g.idem {
		g.dedupe = check.NewLedger()
	}
	if auditOwnership {
		g.audit = map[[2]int32]int{}
	}
	if g.assignor, err = spec.Assignor(); err != nil {
		return nil, err
	}
	iso, err := spec.Isolation()
	if err != nil {
		return nil, err
	}
	g.upto = commitlog.UptoHighWatermark
	if iso == scenarios.ReadCommitted {
		g.upto = commitlog.UptoLastStable
	}
	// The coordinator is the leader of the group's __consumer_offsets
	// partition (offsets.go).
	if g.op, err = w.offsetsPartition(offsetsPartitionOf(spec.Name)); err != nil {
		return nil, fmt.Errorf("group %s: %w", spec.Name, err)
	}
	g.loadedEpoch = g.op.p.epoch
	if err := g.loadCommitted(); err != nil {
		return nil, fmt.Errorf("group %s: load committed offsets: %w", spec.Name, err)
	}
	for i := range max(spec.Consumers, 1) {
		g.members = append(g.members, g.newMember(i))
	}
	if g.stage, err = newStage(w, g); err != nil { // txn_stage.go
		return nil, err
	}
	if g.fh, err = newFailureHandler(w, g); err != nil {
		return nil, fmt.Errorf("group %s: %w", spec.Name, err)
	}
	if g.ds, err = newDownstream(w, g); err != nil {
		return nil, fmt.Errorf("group %s: %w", spec.Name, err)
	}
	if spec.IsShare() {
		if err := g.initShare(); err != nil { // share.go
			return nil, err
		}
	}
	g.initLag() // lag.go
	return g, nil
}

// assign is an eager strategy's partition assignment for one topic (and
// cooperative-sticky's first, balanced one).
func assign(strategy scenarios.Assignor, partitions, members int) [][]int {
	out := make([][]int, members)
	switch strategy {
	case scenarios.AssignRange:
		per, extra := partitions/members, partitions%members
		p := 0
		for m := range members {
			n := per
			if m < extra {
				n++
			}
			for range n {
				out[m] = append(out[m], p)
				p++
			}
		}
	default:
		for p := range partitions {
			out[p%members] = append(out[p%members], p)
		}
	}
	return out
}

// start boots every member at time 0: they join, the coordinator forms the
// first generation, and members start from the committed offsets (none
// yet: the start of the log, which latest and earliest agree on then).
func (g *group) start() {
	if g.sh != nil {
		g.startShare() // share.go
		return
	}
	for p := range g.pausedSince {
		g.pausedSince[p] = 0
	}
	for _, m := range g.members {
		m.boot()
	}
	if g.spec.Autoscale != nil {
		g.startAutoscaler()
	}
}

func (m *member) owns(p int) bool { return m.owned[p] }

// partsChanged is called after any change to parts, owned or a
// partition's offsetPending mark in pausedUntil: the partitions a commit
// carries are listed again at the next commit.
func (m *member) partsChanged() { m.commitPartsOK = false }

// setParts replaces the member's partitions.
func (m *member) setParts(parts []int) {
	for _, p := range m.parts {
		m.owned[p] = false
	}
	m.parts = append(m.parts[:0], parts...)
	for _, p := range m.parts {
		m.owned[p] = true
	}
	m.partsChanged()
}

// dropPartition forgets what the member fetched of p.
func (m *member) dropPartition(p int) {
	m.owned[p] = false
	m.buf[p] = nil
	m.partsChanged()
}

// rebuildSessions replaces the member's fetch sessions with one per broker
// leading its partitions now. Responses to the old sessions are dropped.
func (m *member) rebuildSessions() {
	w := m.g.w
	for _, s := range m.sessions {
		s.kill()
	}
	m.sessions = m.sessions[:0]
	if !m.alive {
		return
	}
	for _, p := range m.parts {
		b := w.brokers[m.leaderOf(p)]
		var s *fetchSession
		for _, x := range m.sessions {
			if x.b == b {
				s = x
			}
		}
		if s == nil {
			s = &fetchSession{w: w, id: int32(len(w.sessions)), m: m, b: b}
			w.sessions = append(w.sessions, s)
			m.sessions = append(m.sessions, s)
		}
		s.parts = append(s.parts, p)
	}
	sort.Slice(m.sessions, func(i, j int) bool { return m.sessions[i].b.id < m.sessions[j].b.id })
	for _, s := range m.sessions {
		s.data = make([][]byte, len(s.parts))
		s.hw = make([]int64, len(s.parts))
		s.from = make([]int64, len(s.parts))
		s.initCandidates()
	}
}

func (m *member) startFetching(uint64) {
	for _, s := range m.sessions {
		if !s.inFlight {
			s.send()
		}
	}
}

// lag returns the group's total lag (high watermark minus the offset after
// the last processed record, over partitions) and its worst partition.
func (g *group) lag() (total, worst int64) {
	for i, p := range g.t.parts {
		l := max(p.hw-g.processed[i], 0)
		total += l
		worst = max(worst, l)
	}
	return total, worst
}

// fetchSession is a member's fetch connection to one broker.
type fetchSession struct {
	w        *world
	id       int32
	m        *member
	b        *broker
	parts    []int
	up, down net.Link
	data     [][]byte
	hw       []int64
	from     []int64 // the offset each partition was read from
	bytes    int64
	uncached int64
	diskWork float64 // disk-read time of the uncached bytes, seeks included
	parked   bool
	dead     bool
	gen      uint32
	waitEv   sim.EventID
	deadline sim.Time
	inFlight bool

	// Incremental sessions (fetchsession.go).
	incremental bool
	cand, all   []int32
	isCand      []bool
	parkCalls   []uint64

	aborted [][]commitlog.AbortedTxn // read_committed: each slot's aborted transactions (txn_consumer.go)
}

// link points the session's connection at its member's host and its
// broker (which changes when the broker dies).
func (s *fetchSession) link() {
	w, m := s.w, s.m
	if m.node == 0 {
		m.node = w.net.AddNode(fmt.Sprintf("consumer-%s-%d", m.g.spec.Name, m.idx))
		w.clientNodes = append(w.clientNodes, m.node)
	}
	s.up.From, s.up.To = m.node, s.b.node
	s.down.From, s.down.To = s.b.node, m.node
	if s.up.Undelivered == nil {
		// Made once: a method value made at every fetch would be
		// allocated at every fetch.
		f := w.csUndelivered
		s.up.Undelivered, s.down.Undelivered = f, f
	}
}

// kill abandons the session: whatever it has in flight is dropped.
func (s *fetchSession) kill() {
	s.unregister()
	s.dead = true
	if s.parked {
		s.parked = false
		s.gen++
		s.w.s.Cancel(s.waitEv)
	}
}

func (s *fetchSession) send() {
	if s.dead {
		return
	}
	s.link()
	s.inFlight = true
	s.w.consumerFetches++
	s.w.net.Send(&s.up, s.w.fCsArrive, uint64(s.id))
}

func (w *world) csArrive(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	w.useFlow(s.b.NICIn, flowConsumer|id, float64(64+16*len(s.parts)), w.fCsIn, id)
}

func (w *world) csIn(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	w.useTime(s.b.CPU, s.b.CPUReq, w.fCsRead, id)
}

func (w *world) csRead(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	s.deadline = w.s.Now() + sim.Time(s.m.g.spec.FetchMaxWait)
	s.read()
}

// read reads the session's partitions below the high watermark; it
// responds, or parks until the high watermark moves or fetch.max.wait.ms
// passes. Paused partitions (retry backoff) are not fetched. A position
// below the log start (retention deleted it) is reset by
// auto.offset.reset.
func (s *fetchSession) read() {
	g := s.m.g
	m := s.m
	now := s.w.s.Now()
	s.bytes, s.uncached, s.diskWork = 0, 0, 0
	left := int64(g.spec.FetchMaxBytes)
	for _, i := range s.visit() {
		pi := s.parts[i]
		p := g.t.parts[pi]
		s.data[i] = nil
		if s.dead || left <= 0 || m.pausedUntil[pi] > now || (!s.incremental && !s.w.ctl.readable(m, pi)) {
			continue
		}
		off := m.fetchPos[pi]
		// The broker reads from its own replica if it believes it leads
		// (a zombie too), else answers NOT_LEADER_OR_FOLLOWER and the
		// member refreshes its metadata (metadata.go).
		src := s.w.fetchFrom(s.b, p)
		if src == nil {
			m.refreshMetadata()
			continue
		}
		hw := p.hw
		if src != p.leader {
			hw = src.hw
			if off > src.log.LogEndOffset() {
				continue // a zombie behind the member's position has nothing for it
			}
		}
		s.from[i] = off
		maxB := min(int64(g.spec.MaxPartitionFetchBytes), left)
		res, err := src.log.Read(off, commitlog.ReadOptions{MaxBytes: maxB, Upto: g.upto})
		if errors.Is(err, commitlog.ErrOffsetOutOfRange) && off < res.LogStartOffset && m.owns(pi) {
			m.resetOffset(pi, res.LogStartOffset, hw)
			continue
		}
		if err != nil && isStorageError(err) {
			// The leader's log directory goes offline (storage.go).
			if !s.w.logDirFailed(src.b, p, off, err) {
				return
			}
			continue
		}
		if err != nil {
			s.w.fail(fmt.Errorf("consumer fetch %s-%d at %d: %w", g.t.spec.Name, pi, off, err))
			return
		}
		if len(res.Data) > 0 && res.NextOffset > hw {
			s.w.hwViolations += res.NextOffset - hw
		}
		s.data[i] = res.Data
		s.hw[i] = hw
		if g.t.txnRead && g.upto == commitlog.UptoLastStable {
			s.txnFetched(int(i), res.Aborted) // txn_consumer.go
		}
		s.bytes += res.Size
		left -= res.Size
		u := s.b.uncached(p, off, res.Size)
		s.uncached += u
		s.diskWork += s.b.ReadWork(src.owner, u)
	}
	if s.bytes < max(int64(g.spec.FetchMinBytes), 1) && now < s.deadline && !s.dead {
		first := !s.parked
		if !s.parked {
			s.parked = true
			s.gen++
			s.waitEv = s.w.s.AtCall(s.deadline, s.w.fCsExpire, uint64(s.id))
		}
		if s.incremental {
			s.noteParked(first)
			return
		}
		for _, pi := range s.parts {
			p := g.t.parts[pi]
			if !p.parkedHas(parkRef{session: s.id, gen: s.gen}) {
				p.parked = append(p.parked, parkRef{session: s.id, gen: s.gen})
			}
		}
		return
	}
	if s.parked {
		s.parked = false
		s.gen++
		s.w.s.Cancel(s.waitEv)
	}
	if s.diskWork == 0 {
		// Every byte is in the page cache: the read never waits behind
		// another fetch's disk read (in its own event, as the disk's
		// answer would be, so no caller's loop sees it midway).
		s.w.s.AfterCall(0, s.w.fCsDisk, uint64(s.id))
		return
	}
	s.w.use(s.b.DiskR, s.diskWork, s.w.fCsDisk, uint64(s.id))
}

// resetOffset applies auto.offset.reset to partition pi, whose position
// fell below the log start: the records in between were deleted by
// retention before the group read them.
func (m *member) resetOffset(pi int, logStart, hw int64) {
	g := m.g
	g.resets++
	g.lostToRetention += logStart - m.fetchPos[pi]
	to := logStart
	if g.reset == scenarios.ResetLatest {
		to = hw
	}
	m.pos[pi], m.fetchPos[pi], m.buf[pi] = to, to, nil
	if g.owner[pi] == m {
		g.setProcessed(pi, max(g.processed[pi], to))
	}
}

func (s *fetchSession) wake(gen uint32) {
	if s.parked && s.gen == gen {
		s.read()
	}
}

func (w *world) csExpire(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	if s.parked {
		s.read()
	}
}

func (w *world) csDisk(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	s.b.bytesOut += s.bytes
	if w.sc.Cluster.TLS { // no zero-copy: the bytes cost CPU first (clienthost.go)
		w.useTime(s.b.CPU, s.b.CPUCost(s.bytes)-s.b.CPUReq, w.fCsTLS, id)
		return
	}
	w.useFlow(s.b.NICOut, flowConsumer|id, float64(64+s.bytes), w.fCsOut, id)
}

func (w *world) csOut(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	w.csSend(id) // quota.go: at once, or after a fetch quota's throttle time
}

// csResp buffers the fetched batches at the member. Data for a partition
// the member no longer owns, or read from a position it has since left
// (a rewind or reset), is dropped.
func (w *world) csResp(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	m := s.m
	s.inFlight = false
	if s.dead {
		return
	}
	empty := true
	for _, i := range s.visit() {
		pi := s.parts[i]
		d := s.data[i]
		s.data[i] = nil
		if len(d) == 0 || !m.owns(pi) || s.from[i] != m.fetchPos[pi] || len(m.buf[pi]) > 0 {
			continue
		}
		m.buf[pi] = d
		m.markReady(pi)
		if m.g.t.txnRead && m.g.upto == commitlog.UptoLastStable {
			m.txnBuffered(pi, s, int(i)) // txn_consumer.go
		}
		it := commitlog.Batches(d)
		var last int64 = -1
		for it.Next() {
			last = it.Batch().LastOffset()
		}
		if last >= 0 {
			m.fetchPos[pi] = last + 1
		}
		empty = false
	}
	s.pruneCandidates()
	if empty {
		s.send()
		return
	}
	m.maybePoll()
}

// maybePoll is the application calling poll(): it first does the group's
// business (revoking, rejoining), then hands the next records to the
// application, up to max.poll.records across partitions, round-robin.
func (m *member) maybePoll() {
	if !m.alive || m.busy || m.commitWait || m.joining {
		return
	}
	g := m.g
	w := g.w
	now := w.s.Now()
	if m.stallUntil > now {
		return
	}
	if len(m.revoking) > 0 {
		if m.inGroup && g.commit != scenarios.CommitBefore && !m.revokeCommitted {
			m.revokeCommitted = true
			m.afterCommit = m.maybePoll
			m.sendCommit(true)
			return
		}
		m.revokeCommitted = false
		m.finishRevoke()
	}
	if m.needRejoin {
		m.rejoin()
		return
	}
	if g.commit == scenarios.CommitAuto && now >= m.nextAuto {
		// Auto-commit runs inside poll and commits the positions the
		// previous poll returned, asynchronously.
		m.nextAuto = now + g.autoEvery
		m.sendCommit(false)
	}
	m.recs = m.recs[:0]
	limit := max(g.spec.MaxPollRecords, 1)
	if g.ds != nil {
		limit = min(limit, g.ds.pollLimit(m))
	}
	// Round-robin over the member's partitions from rrIdx; only those with
	// buffered records can yield any (consumer_ready.go).
	if len(m.parts) > 0 {
		for _, pi := range m.pollOrder(m.rrIdx % len(m.parts)) {
			if len(m.recs) >= limit {
				break
			}
			if m.pausedUntil[pi] <= now {
				m.take(int(pi), limit)
			}
		}
	}
	m.rrIdx++
	// Partitions whose buffer emptied get their next fetch now, while the
	// application processes (the client prefetches).
	m.sendDrained()
	if len(m.recs) == 0 {
		return
	}
	m.busy = true
	m.pollStart, m.busySince = now, now
	m.pollSeq++
	m.armPollTimer()
	if g.ds != nil {
		g.ds.handoff(m)
		return
	}
	if w.ch != nil {
		w.ch.handoff(m) // a service's instances do the work (channel.go)
		return
	}
	cum := m.plan()
	if g.commit == scenarios.CommitBefore {
		m.sendCommit(true)
		return
	}
	w.s.AfterCall(cum, m.pollDoneFn(), uint64(m.inc)<<32|uint64(m.pollSeq))
}

// plan decides each polled record's fate and completion time: processing
// one after another, each attempt with the group's service time, and the
// failure policy for attempts that fail. It returns the poll's duration.
func (m *member) plan() sim.Time {
	g := m.g
	var cum sim.Time
	var stopped []int32 // partitions whose processing stopped at a failed record
	for i := range m.recs {
		r := &m.recs[i]
		if stoppedAt(stopped, r.part) {
			r.fate = fateUntouched
			r.done = cum
			continue
		}
		if g.idem && g.dedupe.Test(int(r.prod), int(r.part), r.seq) {
			r.fate = fateDupSkip
			r.done = cum
			continue
		}
		if !g.zeroCost {
			cum += sim.Time(float64(max(sim.SampleTime(g.service, m.rng), 0)) * m.slow * g.slowdown)
		}
		r.fate = fateOK
		if g.fh != nil {
			r.fate = g.fh.attempt(m, r, m.pollStart+cum)
			if r.fate == fateRetry {
				stopped = append(stopped, r.part)
				p := int(r.part)
				// Seek back: the record is fetched again after the backoff.
				m.pos[p], m.fetchPos[p], m.buf[p] = r.offset, r.offset, nil
				m.pausedUntil[p] = m.pollStart + cum + g.fh.backoff(m.failAttempts[p], m.rng)
				m.partsChanged()
			}
		}
		r.done = cum
	}
	return cum
}

func stoppedAt(list []int32, p int32) bool {
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

// armPollTimer makes sure the heartbeat thread looks at the poll in
// progress when max.poll.interval would have passed. One timer per member
// is re-armed lazily (not one event per poll).
func (m *member) armPollTimer() {
	if m.pollTimerArmed {
		return
	}
	m.pollTimerArmed = true
	inc := m.inc
	m.g.w.s.At(m.busySince+m.g.maxPoll, func() { m.pollTimeout(inc) })
}

// pollTimeout is the heartbeat thread noticing that the application has
// not called poll within max.poll.interval: the member leaves the group.
func (m *member) pollTimeout(inc uint32) {
	if m.inc != inc {
		return // the timer of a previous life; boot re-arms nothing
	}
	m.pollTimerArmed = false
	if !m.busy || !m.alive {
		return
	}
	g := m.g
	if g.w.s.Now() < m.busySince+g.maxPoll {
		m.armPollTimer() // a later poll: look again when it would expire
		return
	}
	g.pollTimeouts++
	m.needRejoin = true
	m.pollExpired = true
	m.member = false
	m.groupCall(func() { // LeaveGroup from the heartbeat thread
		if m.inc == inc {
			g.remove(m)
		}
	}, nil)
}

// take moves records of partition pi from the buffer into the poll, up to
// limit records in the poll.
func (m *member) take(pi int, limit int) {
	data := m.buf[pi]
	for len(data) > 0 && len(m.recs) < limit {
		b, rest, err := commitlog.ParseBatch(data)
		if err != nil {
			m.badData(pi, err)
			return
		}
		if m.g.t.txnRead && m.txnSkip(pi, b) { // control and aborted batches (txn_consumer.go)
			data = rest
			continue
		}
		if err := m.rr.Reset(b); err != nil {
			m.badData(pi, err)
			return
		}
		finished := true
		for m.rr.Next() {
			rec := m.rr.Record()
			if rec.Offset < m.pos[pi] {
				continue
			}
			if len(m.recs) >= limit {
				finished = false
				break
			}
			r := pollRec{part: int32(pi), offset: rec.Offset, key: -1, size: rec.ValueSize}
			prod, seq, born, ok := check.ReadID(rec.Value, rec.Timestamp)
			if !ok {
				m.badData(pi, fmt.Errorf("record %d has no message id", rec.Offset))
				return
			}
			r.prod, r.seq, r.born, r.key = int32(prod), seq, born, check.ReadKey(rec.Key)
			m.recs = append(m.recs, r)
			m.pos[pi] = rec.Offset + 1
		}
		if err := m.rr.Err(); err != nil {
			m.badData(pi, err)
			return
		}
		if !finished {
			break
		}
		data = rest
	}
	m.buf[pi] = data
}

// badData handles fetched records of partition pi that do not decode (a
// batch forged on disk with a valid CRC; the log's reads check everything
// else): as for a storage error met by the fetch, the leader's log
// directory goes offline (storage.go), and the member fetches again from
// its position, from the new leader.
func (m *member) badData(pi int, err error) {
	p := m.g.t.parts[pi]
	m.fetchPos[pi], m.buf[pi] = m.pos[pi], nil
	m.g.w.logDirFailed(p.leader.b, p, m.pos[pi], fmt.Errorf("%w: consumer of %s-%d: %v", commitlog.ErrCorruptRecord, p.t.spec.Name, pi, err))
}

// pollDone: the application finished the poll's records.
func (m *member) pollDone(arg uint64) {
	if uint32(arg>>32) != m.inc || uint32(arg) != m.pollSeq || !m.busy {
		return
	}
	g := m.g
	w := g.w
	if m.stallUntil > w.s.Now() {
		w.s.AtCall(m.stallUntil, m.pollDoneFn(), arg)
		return
	}
	m.finishPoll(-1)
	m.busy = false
	if g.stage != nil {
		g.stage.pollDone(m) // writes the outputs, then commits (txn_stage.go)
		return
	}
	if g.commit == scenarios.CommitAfter {
		m.sendCommit(true)
		return
	}
	m.maybePoll()
}

// finishPoll records the outcome of the poll's records completed by upTo
// (all of them if upTo < 0): a crash keeps only what was done.
func (m *member) finishPoll(upTo sim.Time) {
	for i := range m.recs {
		r := &m.recs[i]
		if upTo >= 0 && m.pollStart+r.done > upTo {
			break
		}
		m.complete(r, m.pollStart+r.done)
	}
	m.recs = m.recs[:0]
}

// complete applies one record's fate at time done.
func (m *member) complete(r *pollRec, done sim.Time) {
	g := m.g
	w := g.w
	p := int(r.part)
	current := g.owner[p] == m && m.inGroup
	switch r.fate {
	case fateUntouched, fateRetry:
		return
	case fateDupSkip:
		g.skipped++
	case fateHanded, fateGaveUp:
	case fateOK:
		if g.fromEarlierRun(r) {
			g.consumed++
			g.bytesOut += r.size
			g.earlierRun++
			break
		}
		if g.idem {
			g.dedupe.Set(int(r.prod), p, r.seq)
		}
		g.consumed++
		g.bytesOut += r.size
		w.chk.Processed(g.idx, int(r.prod), p, r.seq, r.key, r.born)
		if g.stage != nil {
			g.stage.emit(m, r) // txn_stage.go
		}
		if w.mirror != nil {
			w.mirror.emit(g, r) // mirror.go: a replicator's group
		}
		if r.born >= w.warm {
			lat := done - r.born
			g.e2e.RecordTime(lat)
			w.chk.Interval.RecordTime(lat)
		}
		if r.retry && g.fh != nil {
			g.fh.delayed++
		}
	default:
		g.fh.settle(m, r, done)
	}
	if r.offset < g.high[p] {
		g.redelivered++
	} else {
		g.high[p] = r.offset + 1
	}
	if current {
		g.setProcessed(p, max(g.processed[p], r.offset+1))
		if g.audit != nil {
			k := [2]int32{m.memberGen, r.part}
			if o, ok := g.audit[k]; ok && o != m.idx {
				g.auditViolations++
			}
			g.audit[k] = m.idx
		}
	}
}

// commitReq is a member's OffsetCommit request to the group coordinator.
// One is outstanding at a time; seq tells its steps from those of a
// request the member already gave up on (they are dropped).
type commitReq struct {
	id       int32
	m        *member
	seq      uint32
	inFlight bool
	sync     bool
	rejected bool
	failed   bool // the coordinator could not take it (NOT_COORDINATOR, connection lost)
	to       *broker
	gen      int32
	parts    []int
	offsets  []int64
	up, down net.Link
	timer    sim.EventID // request.timeout.ms of the attempt in flight
}

// arg is the kernel argument naming this request and its attempt.
func (c *commitReq) arg() uint64 { return uint64(c.id)<<32 | uint64(c.seq) }

// commitOf returns the request an argument names, nil if that attempt was
// abandoned.
func (w *world) commitOf(arg uint64) *commitReq {
	c := w.commits[arg>>32]
	if c.seq != uint32(arg) || !c.inFlight {
		return nil
	}
	return c
}

// sendCommit commits the member's current positions. A synchronous commit
// holds the poll loop until the response; an asynchronous one is skipped
// while another is in flight. Without a known coordinator the request
// waits for FindCoordinator.
func (m *member) sendCommit(sync bool) {
	if m.g.transactional() {
		m.g.stage.commitNow(m, sync) // in the transaction (txn_stage.go)
		return
	}
	c := m.commitReq
	if c.inFlight {
		if sync {
			m.commitWait = true
			c.sync = true
		}
		return
	}
	c.inFlight, c.sync, c.rejected, c.failed = true, sync, false, false
	c.seq++
	if sync {
		m.commitWait = true
	}
	if m.coord == nil {
		seq := c.seq
		m.awaitCoord = append(m.awaitCoord, func() {
			if c.seq == seq && c.inFlight {
				m.sendCommitNow()
			}
		})
		m.findCoordinator()
		return
	}
	m.sendCommitNow()
}

// verifyCommitParts makes every commit check the member's kept list of
// the partitions it carries against the list made afresh (tests set it).
var verifyCommitParts bool

func (m *member) verifyCommitParts() {
	var fresh []int
	for _, p := range m.parts {
		if m.owns(p) && m.pausedUntil[p] != offsetPending {
			fresh = append(fresh, p)
		}
	}
	if !slices.Equal(fresh, m.commitParts) {
		m.g.w.fail(fmt.Errorf("group %s member %d: commit carries %v, its partitions say %v", m.g.spec.Name, m.idx, m.commitParts, fresh))
	}
}

// sendCommitNow sends the commit to the coordinator the member knows, with
// its positions now, and starts the request timer.
func (m *member) sendCommitNow() {
	c := m.commitReq
	c.gen = m.memberGen
	if !m.commitPartsOK {
		m.commitParts = m.commitParts[:0]
		for _, p := range m.parts {
			if m.owns(p) && m.pausedUntil[p] != offsetPending {
				m.commitParts = append(m.commitParts, p)
			}
		}
		m.commitPartsOK = true
	}
	if verifyCommitParts {
		m.verifyCommitParts()
	}
	c.parts = append(c.parts[:0], m.commitParts...)
	c.offsets = slices.Grow(c.offsets[:0], len(c.parts))
	for _, p := range c.parts {
		c.offsets = append(c.offsets, m.pos[p])
	}
	c.to = m.coord
	w := m.g.w
	arg := c.arg()
	c.timer = w.s.At(w.s.Now()+m.g.reqTimeout, func() {
		if c := w.commitOf(arg); c != nil {
			c.failed = true
			w.cmResp(arg) // request.timeout.ms: no answer
		}
	})
	w.net.Send(&c.up, w.fCmArrive, arg)
}

// cmArrive: the commit reaches the broker the member took for its
// coordinator. A dead process refuses the connection (the member learns
// within a round trip), a dead machine or a cut link answers nothing, and
// a live broker that is not the coordinator answers NOT_COORDINATOR.
func (w *world) cmArrive(arg uint64) {
	c := w.commitOf(arg)
	if c == nil {
		return
	}
	if !w.cmReachable(c, arg) {
		return
	}
	w.use(c.to.NICIn, float64(64+24*len(c.offsets)), w.fCmIn, arg)
}

// cmReachable checks the commit's broker at one step: if it cannot go on,
// the member is answered as the broker's state says, and false returned.
func (w *world) cmReachable(c *commitReq, arg uint64) bool {
	switch w.reach(c.to) {
	case reachSilent:
		return false
	case reachRefused:
		c.failed = true
		w.net.Send(&c.down, w.fCmResp, arg)
		return false
	}
	if !c.m.g.isCoordinator(c.to) {
		c.failed = true
		w.net.Send(&c.down, w.fCmResp, arg)
		return false
	}
	return true
}

func (w *world) cmIn(arg uint64) {
	c := w.commitOf(arg)
	if c == nil || !w.cmReachable(c, arg) {
		return
	}
	w.useTime(c.to.CPU, c.to.CPUReq, w.fCmHandle, arg)
}

// cmHandle is the coordinator's OffsetCommit: refused at once (stale
// generation, unknown member), or appended and answered once replicated.
func (w *world) cmHandle(arg uint64) {
	c := w.commitOf(arg)
	if c == nil || !w.cmReachable(c, arg) {
		return
	}
	g := c.m.g
	g.ensureLoaded()
	c.rejected = !g.writeCommit(c.m, c.gen, c.parts, c.offsets, func(ok bool) {
		if w.commitOf(arg) != c {
			return
		}
		if !ok {
			// The leadership moved or the broker died before the commit
			// was replicated: NOT_COORDINATOR, or a broken connection.
			c.failed = true
			if w.reach(c.to) == reachSilent {
				return
			}
		}
		w.use(c.to.NICOut, 64, w.fCmOut, arg)
	})
	if c.rejected {
		w.use(c.to.NICOut, 64, w.fCmOut, arg)
	}
}

// writeCommit appends a member's offsets to the group's __consumer_offsets
// partition, one record per partition keyed by group, topic and
// partition; done(ok) runs once they are replicated (the coordinator's
// cache of committed offsets is updated then) or could not be. A commit
// from a member no longer in the group, from an older generation, or for a
// partition the member no longer owns is refused (ILLEGAL_GENERATION,
// UNKNOWN_MEMBER_ID): only the current owner moves a partition's offset.
// It reports whether the commit was accepted.
func (g *group) writeCommit(m *member, gen int32, parts []int, offsets []int64, done func(ok bool)) bool {
	w := g.w
	op := g.op
	ok := m.inGroup && gen == g.gen
	var wp []int
	var wo []int64
	if ok {
		var err error
		wp, wo, ok, err = op.appendCommit(g, m, parts, offsets) // offsets.go
		if err != nil {
			w.fail(fmt.Errorf("commit offsets of group %s: %w", g.spec.Name, err))
			return false
		}
		if len(wp) > 0 {
			w.offsetCommits++
			op.appends++
			if op.cleanDue() && !w.releases {
				// The log cleaner: keep the latest offset per key, on
				// every replica, in runs with broker faults too (a
				// replica truncated into its compacted range and
				// appended to again reads back what it should: the
				// commitlog conformance and property tests). Runs that
				// release consumed records release these instead
				// (releaseOffsets).
				if err := op.compact(); err != nil {
					w.fail(err)
					return false
				}
			}
			epoch := op.p.epoch
			op.wait(op.p.records, func(replicated bool) {
				if replicated && g.loadedEpoch == epoch {
					for i, p := range wp {
						g.committed[p] = wo[i]
					}
				}
				op.recycle(wo)
				if done != nil {
					done(replicated)
				}
			})
		}
	}
	if !ok && len(parts) > 0 {
		g.rejectedCommits++
	}
	if ok && len(wp) == 0 && done != nil {
		done(true)
	}
	return ok
}

func (w *world) cmOut(arg uint64) {
	c := w.commitOf(arg)
	if c == nil {
		return
	}
	w.net.Send(&c.down, w.fCmResp, arg)
}

// cmResp: the answer (or its absence: request.timeout.ms) reaches the
// member. A failed commit makes the member look for its coordinator
// again; a synchronous one is retried after retry.backoff.ms, an
// asynchronous one is dropped (the next auto-commit carries newer
// positions).
func (w *world) cmResp(arg uint64) {
	c := w.commitOf(arg)
	if c == nil {
		return
	}
	m := c.m
	if !m.alive {
		return
	}
	c.inFlight = false
	// Answered: its timer would find the attempt over. Cancelled, it
	// leaves the event queue, which otherwise holds one per commit for
	// request.timeout.ms (tens of thousands at the seed's peak).
	w.s.Cancel(c.timer)
	if c.failed {
		m.lostCoordinator(c.to)
		if c.sync {
			inc := m.inc
			w.s.At(w.s.Now()+sim.Time(scenarios.DefaultConsumerRetryBackoff), func() {
				if m.inc == inc && m.alive && m.commitWait {
					m.sendCommit(true)
				}
			})
		}
		return
	}
	if c.rejected && !m.inGroup {
		// CommitFailedException: the member was removed from the group.
		m.fenced()
		m.needRejoin = true
	}
	if !c.sync {
		return
	}
	c.sync = false
	m.commitWait = false
	if f := m.afterCommit; f != nil {
		m.afterCommit = nil
		f()
		return
	}
	if m.busy && m.g.commit == scenarios.CommitBefore {
		// Committed before processing: now process.
		var total sim.Time
		if n := len(m.recs); n > 0 {
			total = m.recs[n-1].done
		}
		m.pollStart = w.s.Now()
		w.s.AfterCall(total, m.pollDoneFn(), uint64(m.inc)<<32|uint64(m.pollSeq))
		return
	}
	m.maybePoll()
}
