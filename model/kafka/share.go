package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/sim"
)

// Share groups (KIP-932, "queues for Kafka"): a consumer group with
// type: share. Its members read the same partitions cooperatively; the
// partition's leader keeps a share-partition per group, and every record
// it hands out is acquired by one member under a lock:
//
//	Available → Acquired (delivery count +1, lock for record_lock_duration)
//	Acquired  → Acknowledged (ACCEPT)
//	          → Available (RELEASE, the lock expired, the member's
//	            connection closed) — or Archived once the delivery count
//	            reached delivery_count_limit
//
// The share-partition start offset (SPSO) is the first offset not yet
// acknowledged or archived; its end offset (SPEO) the first never acquired.
// At most partition_max_record_locks offsets lie between them (the
// in-flight window): a share-partition whose window is full hands out
// nothing new until its start moves, however many members wait.
//
// A member sends ShareFetch to the leader of each partition it is assigned
// (one at a time per partition): the request carries the acknowledgements
// of the records it processed since its last one (the client's implicit
// acknowledgement: what a poll returned is accepted at the next poll), and
// asks for up to max_poll_records records (ShareFetch's MaxRecords). The
// leader applies the acknowledgements, writes the changed state to the
// group's share coordinator (its log, __share_group_state's part for the
// group; the write is a round trip to the broker leading the group's
// coordinator partition), acquires the oldest available records (released
// ones first, then new ones below the high watermark), and answers, or
// long-polls for fetch_max_wait when it has nothing to give. The member
// processes what it got one record after another, then asks again.
//
// Membership: members heartbeat the group coordinator every
// share.heartbeat_interval; the coordinator removes a member silent for
// share.session_timeout and reassigns (the simple assignor: with at
// least as many members as partitions, member k gets partition k mod P;
// with fewer, partition p goes to member p mod n). A crashed member's
// connection closes: the leader releases what it had acquired at once
// (the delivery counts stay), so records it processed but had not yet
// acknowledged are delivered again — duplicates the checker counts. A
// member that stops polling but stays connected (a stall, a slow job)
// keeps its records until their locks expire.
//
// Share groups and broker faults do not mix here: the share-partition's
// move to a new leader (reloading its state from the share coordinator) is
// not modelled, and validation refuses such scenarios.

// Record states in a share-partition.
const (
	shAvailable uint8 = iota
	shAcquired
	shAcked
	shArchived
)

// shareRec is the state of one offset in a share-partition's window.
type shareRec struct {
	state  uint8
	count  uint8 // delivery count: acquisitions so far
	owner  int32 // the acquiring member (index in group.all)
	expiry sim.Time
}

// sharePartition is one partition's state for a share group, kept by the
// partition's leader.
type sharePartition struct {
	sg     *shareGroup
	p      *partition
	idx    int
	spso   int64
	speo   int64
	recs   []shareRec // offsets spso … speo-1
	avail  int        // records in recs that are Available
	parked []*shareFetch
	maxWin int64 // the largest in-flight window seen (speo − spso)
}

// shareGroup is a share group's broker-side state and counters.
type shareGroup struct {
	g        *group
	lock     sim.Time
	limit    uint8
	maxLocks int64
	session  sim.Time
	hb       sim.Time
	maxWait  sim.Time
	parts    []*sharePartition
	state    *commitlog.Log // the share coordinator's record of the group's state
	bb       commitlog.BatchBuilder
	live     []*member // coordinator side: the members, in join order
	epoch    int32     // bumped at every membership change

	acquisitions, redeliveries, lockExpiries, released, archived, stateWrites, staleAcks int64
}

// shareMember is a member's share-consumer state.
type shareMember struct {
	held  []shareHeld   // acquired records not yet handed to the application
	acks  [][]shareAck  // partition → processed records to acknowledge
	fetch []*shareFetch // partition → the ShareFetch in flight (nil: none)
	cnt   []uint8       // delivery counts of the records in member.recs
	epoch int32         // the assignment epoch the member holds

	// Coordinator side.
	inGroup  bool
	lastSeen sim.Time
}

type shareHeld struct {
	r     pollRec
	count uint8
}

type shareAck struct {
	offset int64
	count  uint8
}

// shareFetch is one ShareFetch request and its answer.
type shareFetch struct {
	m        *member
	sp       *sharePartition
	b        *broker
	inc      uint32
	max      int
	acks     []shareAck
	got      []shareHeld
	bytes    int64
	uncached int64
	deadline sim.Time
	parked   bool
	parkEv   sim.EventID
	up, down net.Link
	pUp      net.Link // leader → share coordinator
	pDown    net.Link
}

// initShare makes g a share group (newGroup calls it for type: share).
func (g *group) initShare() error {
	spec := g.spec.Share
	if spec == nil || spec.RecordLockDuration <= 0 || spec.DeliveryCountLimit < 1 || spec.DeliveryCountLimit > 255 ||
		spec.PartitionMaxRecordLocks < 1 || spec.SessionTimeout <= 0 || spec.HeartbeatInterval <= 0 {
		return fmt.Errorf("group %s: the share section is not resolved", g.spec.Name)
	}
	w := g.w
	sg := &shareGroup{g: g, lock: sim.Time(spec.RecordLockDuration), limit: uint8(spec.DeliveryCountLimit),
		maxLocks: int64(spec.PartitionMaxRecordLocks), session: sim.Time(spec.SessionTimeout), hb: sim.Time(spec.HeartbeatInterval),
		maxWait: sim.Time(g.spec.FetchMaxWait)}
	l, err := w.openLog("share-state/"+g.spec.Name, commitlog.Config{SegmentBytes: 1 << 20})
	if err != nil {
		return err
	}
	sg.state = l
	for i, p := range g.t.parts {
		// share.auto.offset.reset latest: the share-partition starts at
		// the log end when the group first reads it (the start of the run).
		sp := &sharePartition{sg: sg, p: p, idx: i, spso: p.base, speo: p.base}
		sg.parts = append(sg.parts, sp)
		p.shares = append(p.shares, sp)
		g.committed[i], g.high[i] = p.base, p.base
		g.setProcessed(i, p.base)
	}
	g.sh = sg
	for _, m := range g.all {
		m.sh = sg.newMember()
	}
	return nil
}

func (sg *shareGroup) newMember() *shareMember {
	n := len(sg.parts)
	return &shareMember{acks: make([][]shareAck, n), fetch: make([]*shareFetch, n)}
}

// startShare boots every member at time 0.
func (g *group) startShare() {
	for p := range g.pausedSince {
		g.pausedSince[p] = -1 // share-partitions never wait for an owner
	}
	for _, m := range g.members {
		m.shareBoot()
	}
}

// shareBoot starts m's process: it heartbeats the coordinator (the first
// heartbeat joins) and fetches what it is assigned.
func (m *member) shareBoot() {
	w := m.g.w
	m.alive = true
	m.inc++
	m.busy = false
	m.stallUntil = 0
	m.recs = m.recs[:0]
	sh := m.sh
	sh.held, sh.cnt, sh.epoch = sh.held[:0], sh.cnt[:0], 0
	for p := range sh.fetch {
		sh.fetch[p], sh.acks[p] = nil, nil
	}
	if m.node == 0 {
		m.node = w.net.AddNode(fmt.Sprintf("consumer-%s-%d", m.g.spec.Name, m.idx))
		w.clientNodes = append(w.clientNodes, m.node)
	}
	if m.hbRng == nil {
		m.hbRng = w.s.Stream(fmt.Sprintf("group/%s/member-%d/heartbeat", m.g.spec.Name, m.idx))
	}
	m.shareHeartbeat(m.inc)
}

// shareHeartbeat is ShareGroupHeartbeat: the coordinator renews the
// member's session (joining it if new) and answers with its assignment.
func (m *member) shareHeartbeat(inc uint32) {
	if m.inc != inc || !m.alive {
		return
	}
	g := m.g
	sg := g.sh
	w := g.w
	m.groupCall(func() {
		sg.heard(m)
		parts, epoch := sg.assignmentOf(m), sg.epoch
		m.reply(func() {
			if m.inc == inc {
				m.shareAssigned(epoch, parts)
			}
		})
	}, nil)
	w.s.At(w.s.Now()+sg.hb, func() { m.shareHeartbeat(inc) })
}

// heard is the coordinator receiving a heartbeat from m.
func (sg *shareGroup) heard(m *member) {
	w := sg.g.w
	m.sh.lastSeen = w.s.Now()
	if m.sh.inGroup {
		return
	}
	m.sh.inGroup = true
	sg.live = append(sg.live, m)
	sg.epoch++
	sg.armSession(m)
}

// armSession removes m once it has been silent for the session timeout.
func (sg *shareGroup) armSession(m *member) {
	w := sg.g.w
	w.s.At(m.sh.lastSeen+sg.session, func() {
		if !m.sh.inGroup {
			return
		}
		if w.s.Now() < m.sh.lastSeen+sg.session {
			sg.armSession(m)
			return
		}
		m.sh.inGroup = false
		for i, x := range sg.live {
			if x == m {
				sg.live = append(sg.live[:i], sg.live[i+1:]...)
				break
			}
		}
		sg.epoch++
		sg.g.sessionExpiries++
	})
}

// assignmentOf is the simple assignor's answer for m among the live
// members.
func (sg *shareGroup) assignmentOf(m *member) []int {
	k, n, np := -1, len(sg.live), len(sg.parts)
	for i, x := range sg.live {
		if x == m {
			k = i
		}
	}
	if k < 0 {
		return nil
	}
	return shareAssign(k, n, np)
}

// shareAssign is the simple assignor's partitions for member k of n over
// np partitions: every partition has a member, and every member a
// partition.
func shareAssign(k, n, np int) []int {
	if n >= np {
		return []int{k % np}
	}
	var out []int
	for p := k; p < np; p += n {
		out = append(out, p)
	}
	return out
}

// shareAssigned: the member learns its assignment and fetches its new
// partitions.
func (m *member) shareAssigned(epoch int32, parts []int) {
	if epoch <= m.sh.epoch {
		return
	}
	m.sh.epoch = epoch
	m.setParts(parts)
	for _, p := range parts {
		m.maybeShareFetch(p)
	}
}

// holding reports whether m holds acquired records of partition p (in its
// buffer or in the poll being processed).
func (m *member) holding(p int) bool {
	for i := range m.sh.held {
		if int(m.sh.held[i].r.part) == p {
			return true
		}
	}
	if m.busy {
		for i := range m.recs {
			if int(m.recs[i].part) == p {
				return true
			}
		}
	}
	return false
}

// maybeShareFetch sends the next ShareFetch for p if none is in flight
// and m holds none of p's records: with acknowledgements of what it
// processed, and a request for more if p is still assigned to it.
func (m *member) maybeShareFetch(p int) {
	sh := m.sh
	if !m.alive || sh.fetch[p] != nil || m.holding(p) {
		return
	}
	want := m.owns(p)
	if !want && len(sh.acks[p]) == 0 {
		return
	}
	g := m.g
	w := g.w
	b := w.brokers[m.leaderOf(p)]
	req := &shareFetch{m: m, sp: g.sh.parts[p], b: b, inc: m.inc, acks: sh.acks[p]}
	if want {
		req.max = max(g.spec.MaxPollRecords, 1)
	}
	sh.acks[p] = nil
	sh.fetch[p] = req
	req.up = net.Link{From: m.node, To: b.node}
	req.down = net.Link{From: b.node, To: m.node}
	w.consumerFetches++
	w.net.Send(&req.up, func(uint64) { w.shArrive(req) }, 0)
}

func (w *world) shArrive(req *shareFetch) {
	b := req.b
	w.use(b.NICIn, float64(64+16*len(req.acks)), func(uint64) {
		w.useTime(b.CPU, b.CPUReq, func(uint64) { req.sp.handle(req) }, 0)
	}, 0)
}

// handle is the leader's ShareFetch: acknowledgements first (written to
// the share coordinator), then acquisition, or a long poll.
func (sp *sharePartition) handle(req *shareFetch) {
	w := sp.sg.g.w
	req.deadline = w.s.Now() + sp.sg.maxWait
	if sp.acknowledge(req) {
		sp.sg.persist(sp, req, func() {
			sp.wake() // the window moved: earlier parked requests first
			sp.acquireOrPark(req)
		})
		return
	}
	sp.acquireOrPark(req)
}

// rec is the state of offset off (which must lie in the window).
func (sp *sharePartition) rec(off int64) *shareRec { return &sp.recs[off-sp.spso] }

// acknowledge applies req's acknowledgements (ACCEPT): a record still
// acquired by the member under the same delivery becomes Acknowledged. An
// acknowledgement of a record whose lock has meanwhile expired or been
// released is refused (INVALID_RECORD_STATE): the record goes to another
// member, and the work is done twice. It reports whether state changed.
func (sp *sharePartition) acknowledge(req *shareFetch) bool {
	changed := false
	for _, a := range req.acks {
		if a.offset < sp.spso || a.offset >= sp.speo {
			sp.sg.staleAcks++
			continue
		}
		r := sp.rec(a.offset)
		if r.state != shAcquired || r.owner != int32(req.m.idx) || r.count != a.count {
			sp.sg.staleAcks++
			continue
		}
		r.state = shAcked
		changed = true
	}
	if changed {
		sp.advance()
	}
	return changed
}

// advance moves the start offset past acknowledged and archived records.
func (sp *sharePartition) advance() {
	n := 0
	for n < len(sp.recs) && (sp.recs[n].state == shAcked || sp.recs[n].state == shArchived) {
		n++
	}
	if n == 0 {
		return
	}
	sp.spso += int64(n)
	sp.recs = append(sp.recs[:0], sp.recs[n:]...)
	g := sp.sg.g
	g.setProcessed(sp.idx, sp.spso)
}

// persist writes the share-partition's state to the share coordinator —
// a record of the group's log keyed by partition: the start offset and
// every in-flight record's state and delivery count — and calls done once
// the coordinator has it (a round trip from the leader to the broker
// leading the group's coordinator partition).
func (sg *shareGroup) persist(sp *sharePartition, req *shareFetch, done func()) {
	g := sg.g
	w := g.w
	val := binary.AppendVarint(nil, sp.spso)
	val = binary.AppendUvarint(val, uint64(len(sp.recs)))
	for _, r := range sp.recs {
		val = append(val, r.state, r.count)
	}
	key := binary.AppendUvarint(nil, uint64(sp.idx))
	sg.bb.Reset(commitlog.BatchHeader{})
	sg.bb.Add(int64(w.s.Now()/sim.Millisecond), key, val, nil)
	batch, err := sg.bb.Build()
	if err == nil {
		_, err = sg.state.Append(batch, 0)
	}
	if err != nil {
		w.fail(fmt.Errorf("share group %s: write state: %w", g.spec.Name, err))
		return
	}
	sg.stateWrites++
	spso := sp.spso
	finish := func() {
		g.committed[sp.idx] = max(g.committed[sp.idx], spso)
		done()
	}
	c := g.coordinator()
	if c == nil || c == req.b {
		finish()
		return
	}
	req.pUp = net.Link{From: req.b.node, To: c.node}
	req.pDown = net.Link{From: c.node, To: req.b.node}
	w.net.Send(&req.pUp, func(uint64) { w.net.Send(&req.pDown, func(uint64) { finish() }, 0) }, 0)
}

// acquireOrPark acquires records for req and answers, or parks it until
// records arrive or its deadline.
func (sp *sharePartition) acquireOrPark(req *shareFetch) {
	w := sp.sg.g.w
	if req.max > 0 {
		sp.acquire(req)
	}
	if len(req.got) > 0 || req.max == 0 || w.s.Now() >= req.deadline {
		sp.respond(req)
		return
	}
	req.parked = true
	sp.parked = append(sp.parked, req)
	req.parkEv = w.s.At(req.deadline, func() {
		if req.parked {
			sp.unpark(req)
			sp.respond(req)
		}
	})
}

func (sp *sharePartition) unpark(req *shareFetch) {
	req.parked = false
	for i, x := range sp.parked {
		if x == req {
			sp.parked = append(sp.parked[:i], sp.parked[i+1:]...)
			return
		}
	}
}

// wake retries the parked requests, oldest first, after records became
// available (the high watermark moved, a lock expired, records were
// released).
func (sp *sharePartition) wake() {
	if len(sp.parked) == 0 {
		return
	}
	w := sp.sg.g.w
	list := append([]*shareFetch(nil), sp.parked...)
	for _, req := range list {
		if !req.parked {
			continue
		}
		sp.acquire(req)
		if len(req.got) > 0 {
			sp.unpark(req)
			w.s.Cancel(req.parkEv)
			sp.respond(req)
		}
	}
}

// acquire hands req up to req.max records: released or expired ones first
// (in offset order), then new ones below the high watermark while the
// in-flight window has room. It reads their data from the leader's log.
func (sp *sharePartition) acquire(req *shareFetch) {
	sg := sp.sg
	w := sg.g.w
	now := w.s.Now()
	var offs []int64
	take := func(off int64) {
		r := sp.rec(off)
		r.state, r.owner, r.expiry = shAcquired, int32(req.m.idx), now+sg.lock
		r.count++
		sg.acquisitions++
		if r.count > 1 {
			sg.redeliveries++
		}
		offs = append(offs, off)
	}
	if sp.avail > 0 {
		for i := range sp.recs {
			if len(offs) >= req.max {
				break
			}
			if sp.recs[i].state == shAvailable {
				sp.avail--
				take(sp.spso + int64(i))
			}
		}
	}
	hw := sp.p.hw
	for len(offs) < req.max && sp.speo < hw && sp.speo-sp.spso < sg.maxLocks {
		sp.recs = append(sp.recs, shareRec{state: shAvailable})
		sp.speo++
		take(sp.speo - 1)
	}
	sp.maxWin = max(sp.maxWin, sp.speo-sp.spso)
	if len(offs) == 0 {
		return
	}
	sp.read(req, offs)
	if len(req.got) > 0 {
		got := append([]shareHeld(nil), req.got...)
		w.s.At(now+sg.lock, func() { sp.expire(req.m, got) })
	}
}

// read fills req.got with the records at offs (ascending) from the
// leader's log. An offset holding no data record (a control record) is
// acknowledged at once.
func (sp *sharePartition) read(req *shareFetch, offs []int64) {
	w := sp.sg.g.w
	g := sp.sg.g
	l := sp.p.leader.log
	var rr commitlog.RecordReader
	i := 0
	for i < len(offs) {
		from := offs[i]
		res, err := l.Read(from, commitlog.ReadOptions{MaxBytes: int64(g.spec.MaxPartitionFetchBytes)})
		if errors.Is(err, commitlog.ErrOffsetOutOfRange) && from < res.LogStartOffset {
			// Retention deleted it before anyone processed it: gone (the
			// checker counts it lost).
			for i < len(offs) && offs[i] < res.LogStartOffset {
				sp.rec(offs[i]).state = shArchived
				g.lostToRetention++
				i++
			}
			continue
		}
		if err != nil {
			w.fail(fmt.Errorf("share fetch %s-%d at %d: %w", g.t.spec.Name, sp.idx, from, err))
			return
		}
		if len(res.Data) == 0 {
			break
		}
		req.bytes += res.Size
		req.uncached += req.b.uncached(sp.p, from, res.Size)
		data := res.Data
		for len(data) > 0 && i < len(offs) {
			b, rest, err := commitlog.ParseBatch(data)
			if err != nil {
				w.fail(fmt.Errorf("share fetch %s-%d: %w", g.t.spec.Name, sp.idx, err))
				return
			}
			data = rest
			if b.LastOffset() < offs[i] {
				continue
			}
			if err := rr.Reset(b); err != nil {
				w.fail(fmt.Errorf("share fetch %s-%d: %w", g.t.spec.Name, sp.idx, err))
				return
			}
			for rr.Next() && i < len(offs) {
				rec := rr.Record()
				for i < len(offs) && offs[i] < rec.Offset {
					sp.rec(offs[i]).state = shAcked // no data record there
					i++
				}
				if i < len(offs) && offs[i] == rec.Offset {
					prod, seq, born, ok := check.ReadID(rec.Value, rec.Timestamp)
					if !ok {
						w.fail(fmt.Errorf("share fetch %s-%d: record %d has no message id", g.t.spec.Name, sp.idx, rec.Offset))
						return
					}
					r := pollRec{prod: int32(prod), part: int32(sp.idx), seq: seq, born: born, key: check.ReadKey(rec.Key),
						offset: rec.Offset, size: rec.ValueSize}
					req.got = append(req.got, shareHeld{r: r, count: sp.rec(rec.Offset).count})
					i++
				}
			}
			if err := rr.Err(); err != nil {
				w.fail(fmt.Errorf("share fetch %s-%d: %w", g.t.spec.Name, sp.idx, err))
				return
			}
			for i < len(offs) && offs[i] <= b.LastOffset() {
				sp.rec(offs[i]).state = shAcked
				i++
			}
		}
	}
	for ; i < len(offs); i++ {
		sp.rec(offs[i]).state = shAcked
	}
	sp.advance()
}

// expire ends the locks of the records got by m that are still acquired
// under the same delivery: they become available again (another
// delivery), or archived at the delivery limit.
func (sp *sharePartition) expire(m *member, got []shareHeld) {
	n := 0
	for _, h := range got {
		off := h.r.offset
		if off < sp.spso || off >= sp.speo {
			continue
		}
		r := sp.rec(off)
		if r.state == shAcquired && r.owner == int32(m.idx) && r.count == h.count {
			sp.sg.lockExpiries++
			sp.releaseRec(off, &h.r)
			n++
		}
	}
	if n > 0 {
		sp.advance()
		sp.wake()
	}
}

// releaseRec makes an acquired record available again, or archives it
// once its delivery count reached the limit (then the group has dealt
// with it: the checker counts it neither lost nor pending).
func (sp *sharePartition) releaseRec(off int64, pr *pollRec) {
	r := sp.rec(off)
	if r.count >= sp.sg.limit {
		r.state = shArchived
		sp.sg.archived++
		g := sp.sg.g
		g.w.chk.Handled(g.idx, int(pr.prod), int(pr.part), pr.seq)
		return
	}
	r.state = shAvailable
	sp.avail++
}

// releaseMember is the leader noticing that m's connection closed: every
// record m had acquired is released (its delivery count stays).
func (sp *sharePartition) releaseMember(m *member) {
	n := 0
	var ids []int64
	for i := range sp.recs {
		r := &sp.recs[i]
		if r.state == shAcquired && r.owner == int32(m.idx) {
			ids = append(ids, sp.spso+int64(i))
		}
	}
	for _, off := range ids {
		pr, ok := sp.idAt(off)
		if !ok {
			return
		}
		sp.sg.released++
		sp.releaseRec(off, &pr)
		n++
	}
	for _, req := range append([]*shareFetch(nil), sp.parked...) {
		if req.m == m {
			sp.unpark(req)
			sp.sg.g.w.s.Cancel(req.parkEv)
		}
	}
	if n > 0 {
		sp.advance()
		sp.wake()
	}
}

// idAt reads the message id of the record at off from the leader's log.
func (sp *sharePartition) idAt(off int64) (pollRec, bool) {
	g := sp.sg.g
	l := sp.p.leader.log
	res, err := l.Read(off, commitlog.ReadOptions{MaxBytes: 1})
	if err != nil {
		g.w.fail(fmt.Errorf("share group %s: read %d: %w", g.spec.Name, off, err))
		return pollRec{}, false
	}
	var rr commitlog.RecordReader
	for data := res.Data; len(data) > 0; {
		b, rest, err := commitlog.ParseBatch(data)
		if err != nil {
			break
		}
		data = rest
		if rr.Reset(b) != nil {
			break
		}
		for rr.Next() {
			rec := rr.Record()
			if rec.Offset == off {
				prod, seq, born, ok := check.ReadID(rec.Value, rec.Timestamp)
				if ok {
					return pollRec{prod: int32(prod), part: int32(sp.idx), seq: seq, born: born, offset: off}, true
				}
			}
		}
	}
	g.w.fail(fmt.Errorf("share group %s: no record at %d", g.spec.Name, off))
	return pollRec{}, false
}

// respond sends req's answer: the records' bytes from disk (what the page
// cache misses) and out of the leader's NIC.
func (sp *sharePartition) respond(req *shareFetch) {
	w := sp.sg.g.w
	b := req.b
	w.use(b.DiskR, float64(req.uncached), func(uint64) {
		b.bytesOut += req.bytes
		w.use(b.NICOut, float64(64+req.bytes), func(uint64) {
			w.net.Send(&req.down, func(uint64) { req.m.shareReceived(req) }, 0)
		}, 0)
	}, 0)
}

// shareReceived: the answer reaches the member.
func (m *member) shareReceived(req *shareFetch) {
	if m.inc != req.inc || !m.alive {
		return // the process that asked is gone; its connection closed
	}
	p := req.sp.idx
	m.sh.fetch[p] = nil
	m.sh.held = append(m.sh.held, req.got...)
	if len(req.got) == 0 {
		m.maybeShareFetch(p)
		return
	}
	m.sharePoll()
}

// sharePoll is the application calling poll(): up to max_poll_records of
// the acquired records, processed one after another.
func (m *member) sharePoll() {
	if !m.alive || m.busy {
		return
	}
	g := m.g
	w := g.w
	now := w.s.Now()
	if m.stallUntil > now {
		inc := m.inc
		w.s.At(m.stallUntil, func() {
			if m.inc == inc {
				m.sharePoll()
			}
		})
		return
	}
	sh := m.sh
	n := min(len(sh.held), max(g.spec.MaxPollRecords, 1))
	if n == 0 {
		return
	}
	m.recs, sh.cnt = m.recs[:0], sh.cnt[:0]
	for _, h := range sh.held[:n] {
		m.recs = append(m.recs, h.r)
		sh.cnt = append(sh.cnt, h.count)
	}
	sh.held = append(sh.held[:0], sh.held[n:]...)
	var cum sim.Time
	for i := range m.recs {
		if !g.zeroCost {
			cum += sim.Time(float64(max(sim.SampleTime(g.service, m.rng), 0)) * m.slow * g.slowdown)
		}
		m.recs[i].fate = fateOK
		m.recs[i].done = cum
	}
	m.busy = true
	m.pollStart, m.busySince = now, now
	m.pollSeq++
	inc, seq := m.inc, m.pollSeq
	w.s.At(now+cum, func() { m.sharePollDone(inc, seq) })
}

// sharePollDone: the application finished the poll's records; they are
// acknowledged with the next ShareFetch of their partition.
func (m *member) sharePollDone(inc, seq uint32) {
	if m.inc != inc || m.pollSeq != seq || !m.busy {
		return
	}
	w := m.g.w
	if m.stallUntil > w.s.Now() {
		w.s.At(m.stallUntil, func() { m.sharePollDone(inc, seq) })
		return
	}
	m.shareFinish(-1)
	m.busy = false
	for _, p := range m.parts {
		m.maybeShareFetch(p)
	}
	for p := range m.sh.acks {
		if !m.owns(p) {
			m.maybeShareFetch(p)
		}
	}
	m.sharePoll()
}

// shareFinish records the poll's records completed by upTo (all if
// upTo < 0) as processed and queues their acknowledgements.
func (m *member) shareFinish(upTo sim.Time) {
	g := m.g
	w := g.w
	for i := range m.recs {
		r := &m.recs[i]
		done := m.pollStart + r.done
		if upTo >= 0 && done > upTo {
			break
		}
		p := int(r.part)
		m.sh.acks[p] = append(m.sh.acks[p], shareAck{offset: r.offset, count: m.sh.cnt[i]})
		g.consumed++
		g.bytesOut += r.size
		if g.fromEarlierRun(r) {
			g.earlierRun++
			continue
		}
		if m.sh.cnt[i] > 1 {
			g.redelivered++
		}
		w.chk.Processed(g.idx, int(r.prod), p, r.seq, r.key, r.born)
		if r.born >= w.warm {
			lat := done - r.born
			g.e2e.RecordTime(lat)
			w.chk.Interval.RecordTime(lat)
		}
	}
	m.recs = m.recs[:0]
}

// shareCrash kills m's process: what it finished stays done but is never
// acknowledged; its connections close, and each leader releases what m
// had acquired once it notices (a network latency later).
func (m *member) shareCrash() {
	if !m.alive {
		return
	}
	g := m.g
	w := g.w
	if m.busy {
		m.shareFinish(w.s.Now())
	}
	m.crashes++
	m.alive = false
	m.inc++
	m.busy = false
	m.recs = m.recs[:0]
	sh := m.sh
	sh.held = sh.held[:0]
	for p := range sh.fetch {
		sh.fetch[p], sh.acks[p] = nil, nil
	}
	m.forgetCoordinator()
	for _, sp := range g.sh.parts {
		sp := sp
		b := sp.p.leader.b
		l := &net.Link{From: m.node, To: b.node} // the host's kernel closes the connection
		w.net.Send(l, func(uint64) { sp.releaseMember(m) }, 0)
	}
}

// shareQuiet reports whether no live member of a share group is
// processing or holds records (the drain waits for work in progress even
// when its records were archived meanwhile).
func (g *group) shareQuiet() bool {
	if g.sh == nil {
		return true
	}
	for _, m := range g.members {
		if m.alive && (m.busy || len(m.sh.held) > 0) {
			return false
		}
	}
	return true
}

// shareHWMoved wakes the parked ShareFetches of p's share-partitions
// (partition.maybeAdvanceHW calls it).
func (p *partition) shareHWMoved() {
	for _, sp := range p.shares {
		sp.wake()
	}
}

// shareResults fills the share groups' numbers of r.
func (w *world) shareResults(r *Results) {
	for _, g := range w.groups {
		sg := g.sh
		if sg == nil {
			continue
		}
		s := &r.ShareGroups
		s.ShareAcquisitions += sg.acquisitions
		s.ShareRedeliveries += sg.redeliveries
		s.LockExpiries += sg.lockExpiries
		s.ShareReleased += sg.released
		s.Archived += sg.archived
		s.ShareStateWrites += sg.stateWrites
		s.StaleAcks += sg.staleAcks
		for _, sp := range sg.parts {
			s.MaxShareWindow = max(s.MaxShareWindow, sp.maxWin)
		}
	}
}
