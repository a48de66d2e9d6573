package model

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// group is a consumer group: its members, the coordinator broker that
// stores its offsets, and the group's view of each partition.
type group struct {
	w     *world
	idx   int
	spec  *scenarios.ConsumerGroup
	t     *topic
	coord *broker

	members    []*member
	assignment [][]int
	owner      []*member // partition → member
	processed  []int64   // partition → offset after the last processed record
	committed  []int64   // partition → committed offset (as stored in __consumer_offsets)

	service   sim.Dist
	zeroCost  bool
	commit    string
	autoEvery sim.Time
	idem      bool
	dedupe    *ledger // idempotent processing's store of processed ids

	consumed, skipped, bytesOut int64
	e2e                         *sim.Histogram
	maxLag, maxPartLag          int64
}

// member is one consumer: a fetch session per broker leading its
// partitions, a buffer of fetched batches, and a poll loop.
type member struct {
	g     *group
	idx   int
	parts []int
	rng   *rand.Rand

	sessions []*fetchSession
	sessOf   map[int]*fetchSession // partition → session (built once; never iterated)
	pos      []int64               // partition → next offset to hand to poll
	fetchPos []int64               // partition → next offset to fetch
	buf      [][]byte              // partition → fetched batches not yet polled
	rr       commitlog.RecordReader
	rrBatch  []byte

	busy       bool
	commitWait bool
	nextAuto   sim.Time
	rrIdx      int // round-robin start over parts
	recs       []pollRec
	pollStart  sim.Time
	commitReq  *commitReq
}

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
	skip   bool // already processed (idempotent processing)
}

func newGroup(w *world, spec *scenarios.ConsumerGroup, t *topic, idx int) (*group, error) {
	n := len(t.parts)
	g := &group{w: w, idx: idx, spec: spec, t: t,
		processed: make([]int64, n), committed: make([]int64, n), owner: make([]*member, n),
		service: spec.Processing.Dist, commit: spec.Commit, autoEvery: sim.Time(spec.AutoCommitInterval),
		idem: spec.Idempotent, e2e: sim.NewLatencyHistogram()}
	if g.service == nil {
		g.service = sim.Constant{Value: 0}
	}
	if c, ok := g.service.(sim.Constant); ok && c.Value == 0 {
		g.zeroCost = true
	}
	if g.autoEvery <= 0 {
		g.autoEvery = 5 * sim.Second
	}
	if g.idem {
		g.dedupe = newLedger()
	}
	// The coordinator is the leader of the group's __consumer_offsets
	// partition: hash of the group id over the brokers.
	g.coord = w.brokers[partitionFor([]byte(spec.Name), len(w.brokers))]
	for i := range max(spec.Consumers, 1) {
		m := &member{g: g, idx: i, rng: w.s.Stream(fmt.Sprintf("group/%s/member-%d", spec.Name, i)),
			pos: make([]int64, n), fetchPos: make([]int64, n), buf: make([][]byte, n), sessOf: map[int]*fetchSession{}}
		g.members = append(g.members, m)
	}
	var err error
	if g.assignment, err = assign(spec.Assignment, n, len(g.members)); err != nil {
		return nil, fmt.Errorf("group %s: %w", spec.Name, err)
	}
	return g, nil
}

// assign is the group leader's partition assignment for one topic.
// cooperative-sticky with no previous owners is a balanced assignment
// like round-robin (there is nothing to stick to at the first generation).
func assign(strategy string, partitions, members int) ([][]int, error) {
	out := make([][]int, members)
	switch strategy {
	case "", "range":
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
	case "roundrobin", "cooperative-sticky":
		for p := range partitions {
			out[p%members] = append(out[p%members], p)
		}
	default:
		return nil, fmt.Errorf("unknown assignment strategy %q", strategy)
	}
	return out, nil
}

// start forms the group at time 0: every member joins, the coordinator
// hands out the assignment, and members start from the committed offsets
// (none yet: auto.offset.reset applies, and at time 0 latest and earliest
// are both offset 0).
func (g *group) start() {
	for mi, m := range g.members {
		m.parts = g.assignment[mi]
		byBroker := map[int]*fetchSession{}
		for _, p := range m.parts {
			g.owner[p] = m
			start := g.committed[p]
			m.pos[p], m.fetchPos[p], g.processed[p] = start, start, start
			b := g.t.parts[p].leader.b
			s := byBroker[b.id]
			if s == nil {
				s = &fetchSession{w: g.w, id: int32(len(g.w.sessions)), m: m, b: b}
				g.w.sessions = append(g.w.sessions, s)
				byBroker[b.id] = s
				m.sessions = append(m.sessions, s)
			}
			s.parts = append(s.parts, p)
			m.sessOf[p] = s
		}
		sort.Slice(m.sessions, func(i, j int) bool { return m.sessions[i].b.id < m.sessions[j].b.id })
		for _, s := range m.sessions {
			s.data = make([][]byte, len(s.parts))
			s.hw = make([]int64, len(s.parts))
		}
		m.nextAuto = g.autoEvery
		m.commitReq = &commitReq{id: int32(len(g.w.commits)), m: m}
		g.w.commits = append(g.w.commits, m.commitReq)
		// JoinGroup and SyncGroup: two round trips before the first fetch.
		g.w.s.AtCall(4*g.w.lat, m.startFetching, 0)
	}
}

func (m *member) startFetching(uint64) {
	for _, s := range m.sessions {
		s.send()
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
	up, down link
	data     [][]byte
	hw       []int64
	bytes    int64
	uncached int64
	parked   bool
	gen      uint32
	waitEv   sim.EventID
	deadline sim.Time
	inFlight bool
}

func (s *fetchSession) send() {
	s.inFlight = true
	s.w.consumerFetches++
	s.w.deliver(&s.up, s.w.fCsArrive, uint64(s.id))
}

func (w *world) csArrive(id uint64) {
	s := w.sessions[id]
	w.use(s.b.nicIn, float64(64+16*len(s.parts)), w.fCsIn, id)
}

func (w *world) csIn(id uint64) {
	s := w.sessions[id]
	w.useTime(s.b.cpu, s.b.cpuReq, w.fCsRead, id)
}

func (w *world) csRead(id uint64) {
	s := w.sessions[id]
	s.deadline = w.s.Now() + sim.Time(s.m.g.spec.FetchMaxWait)
	s.read()
}

// read reads the session's partitions below the high watermark; it
// responds, or parks until the high watermark moves or fetch.max.wait.ms
// passes.
func (s *fetchSession) read() {
	g := s.m.g
	s.bytes, s.uncached = 0, 0
	left := int64(g.spec.FetchMaxBytes)
	if left <= 0 {
		left = 50 << 20
	}
	for i, pi := range s.parts {
		p := g.t.parts[pi]
		off := s.m.fetchPos[pi]
		s.data[i] = nil
		if left <= 0 {
			continue
		}
		maxB := min(int64(g.spec.MaxPartitionFetchBytes), left)
		if maxB <= 0 {
			maxB = min(1<<20, left)
		}
		res, err := p.leader.log.Read(off, commitlog.ReadOptions{MaxBytes: maxB, Upto: commitlog.UptoHighWatermark})
		if err != nil {
			s.w.fail(fmt.Errorf("consumer fetch %s-%d at %d: %w", g.t.spec.Name, pi, off, err))
			return
		}
		if len(res.Data) > 0 && res.NextOffset > p.hw {
			s.w.hwViolations += res.NextOffset - p.hw
		}
		s.data[i] = res.Data
		s.hw[i] = p.hw
		s.bytes += res.Size
		left -= res.Size
		s.uncached += s.b.uncached(p, off, res.Size)
	}
	if s.bytes < max(int64(g.spec.FetchMinBytes), 1) && s.w.s.Now() < s.deadline {
		if !s.parked {
			s.parked = true
			s.gen++
			s.waitEv = s.w.s.AtCall(s.deadline, s.w.fCsExpire, uint64(s.id))
		}
		for _, pi := range s.parts {
			p := g.t.parts[pi]
			p.parked = append(p.parked, parkRef{session: s.id, gen: s.gen})
		}
		return
	}
	if s.parked {
		s.parked = false
		s.gen++
		s.w.s.Cancel(s.waitEv)
	}
	s.w.use(s.b.diskR, float64(s.uncached), s.w.fCsDisk, uint64(s.id))
}

func (s *fetchSession) wake(gen uint32) {
	if s.parked && s.gen == gen {
		s.read()
	}
}

func (w *world) csExpire(id uint64) {
	s := w.sessions[id]
	if s.parked {
		s.read()
	}
}

func (w *world) csDisk(id uint64) {
	s := w.sessions[id]
	s.b.bytesOut += s.bytes
	w.use(s.b.nicOut, float64(64+s.bytes), w.fCsOut, id)
}

func (w *world) csOut(id uint64) {
	s := w.sessions[id]
	w.deliver(&s.down, w.fCsResp, id)
}

// csResp buffers the fetched batches at the member.
func (w *world) csResp(id uint64) {
	s := w.sessions[id]
	m := s.m
	s.inFlight = false
	empty := true
	for i, pi := range s.parts {
		if d := s.data[i]; len(d) > 0 {
			m.buf[pi] = d
			it := commitlog.Batches(d)
			var last int64 = -1
			for it.Next() {
				last = it.Batch().LastOffset()
			}
			if last >= 0 {
				m.fetchPos[pi] = last + 1
			}
			s.data[i] = nil
			empty = false
		}
	}
	if empty {
		s.send()
		return
	}
	m.maybePoll()
}

// maybePoll hands the next records to the application when it is idle:
// up to max.poll.records across partitions, round-robin.
func (m *member) maybePoll() {
	if m.busy || m.commitWait {
		return
	}
	g := m.g
	w := g.w
	now := w.s.Now()
	if g.commit == "auto" && now >= m.nextAuto {
		// Auto-commit runs inside poll and commits the positions the
		// previous poll returned, asynchronously.
		m.nextAuto = now + g.autoEvery
		m.sendCommit(false)
	}
	m.recs = m.recs[:0]
	limit := max(g.spec.MaxPollRecords, 1)
	for k := 0; k < len(m.parts) && len(m.recs) < limit; k++ {
		pi := m.parts[(m.rrIdx+k)%len(m.parts)]
		m.take(pi, limit)
	}
	m.rrIdx++
	if len(m.recs) == 0 {
		return
	}
	// Partitions whose buffer emptied get their next fetch now, while the
	// application processes (the client prefetches).
	for _, s := range m.sessions {
		if s.inFlight {
			continue
		}
		drained := true
		for _, pi := range s.parts {
			if len(m.buf[pi]) > 0 {
				drained = false
				break
			}
		}
		if drained {
			s.send()
		}
	}
	var cum sim.Time
	for i := range m.recs {
		r := &m.recs[i]
		if g.idem {
			if g.dedupe.test(int(r.prod), int(r.part), r.seq) {
				r.skip = true
				r.done = cum
				continue
			}
			g.dedupe.set(int(r.prod), int(r.part), r.seq)
		}
		if !g.zeroCost {
			cum += max(sim.SampleTime(g.service, m.rng), 0)
		}
		r.done = cum
	}
	m.busy = true
	m.pollStart = now
	if g.commit == "before" {
		m.sendCommit(true)
		return
	}
	w.s.AfterCall(cum, m.pollDone, 0)
}

// take moves records of partition pi from the buffer into the poll, up to
// limit records in the poll.
func (m *member) take(pi int, limit int) {
	data := m.buf[pi]
	for len(data) > 0 && len(m.recs) < limit {
		b, rest, err := commitlog.ParseBatch(data)
		if err != nil {
			m.g.w.fail(fmt.Errorf("consumer: %w", err))
			return
		}
		if err := m.rr.Reset(b); err != nil {
			m.g.w.fail(fmt.Errorf("consumer: %w", err))
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
			v := rec.Value
			pid, n1 := binary.Uvarint(v)
			seq, n2 := binary.Uvarint(v[max(n1, 0):])
			sub, n3 := binary.Uvarint(v[max(n1, 0)+max(n2, 0):])
			if n1 <= 0 || n2 <= 0 || n3 <= 0 {
				m.g.w.fail(fmt.Errorf("consumer: record %d of partition %d has no message id", rec.Offset, pi))
				return
			}
			r.prod, r.seq = int32(pid), int32(uint32(seq))
			r.born = sim.Time(rec.Timestamp)*sim.Millisecond + sim.Time(sub)
			if rec.Key != nil {
				k, _ := binary.Uvarint(rec.Key)
				r.key = int64(k)
			}
			m.recs = append(m.recs, r)
			m.pos[pi] = rec.Offset + 1
		}
		if err := m.rr.Err(); err != nil {
			m.g.w.fail(fmt.Errorf("consumer: %w", err))
			return
		}
		if !finished {
			break
		}
		data = rest
	}
	m.buf[pi] = data
}

// pollDone: the application finished the poll's records.
func (m *member) pollDone(uint64) {
	g := m.g
	w := g.w
	for i := range m.recs {
		r := &m.recs[i]
		g.processed[r.part] = r.offset + 1
		if r.skip {
			g.skipped++
			continue
		}
		done := m.pollStart + r.done
		g.consumed++
		g.bytesOut += r.size
		w.chk.processed(g.idx, int(r.prod), int(r.part), r.seq, r.key)
		if r.born >= w.warm {
			lat := done - r.born
			g.e2e.RecordTime(lat)
			w.chk.interval.RecordTime(lat)
		}
	}
	m.busy = false
	if g.commit == "after" {
		m.sendCommit(true)
		return
	}
	m.maybePoll()
}

// commitReq is a member's OffsetCommit request to the group coordinator.
type commitReq struct {
	id       int32
	m        *member
	inFlight bool
	sync     bool
	offsets  []int64 // partition → offset, for the member's partitions
	up, down link
}

// sendCommit commits the member's current positions. A synchronous commit
// holds the poll loop until the response; an asynchronous one is skipped
// while another is in flight.
func (m *member) sendCommit(sync bool) {
	c := m.commitReq
	if c.inFlight {
		if sync {
			m.commitWait = true
			c.sync = true
		}
		return
	}
	c.inFlight, c.sync = true, sync
	if sync {
		m.commitWait = true
	}
	c.offsets = c.offsets[:0]
	for _, p := range m.parts {
		c.offsets = append(c.offsets, m.pos[p])
	}
	w := m.g.w
	w.deliver(&c.up, w.fCmArrive, uint64(c.id))
}

func (w *world) cmArrive(id uint64) {
	c := w.commits[id]
	w.use(c.m.g.coord.nicIn, float64(64+24*len(c.offsets)), w.fCmIn, id)
}

func (w *world) cmIn(id uint64) {
	c := w.commits[id]
	w.useTime(c.m.g.coord.cpu, c.m.g.coord.cpuReq, w.fCmHandle, id)
}

// cmHandle writes the offsets to the coordinator's __consumer_offsets log,
// one record per partition keyed by group, topic and partition.
func (w *world) cmHandle(id uint64) {
	c := w.commits[id]
	g := c.m.g
	b := g.coord
	if len(c.offsets) > 0 {
		bb := &b.offsetsBuilder
		bb.Reset(commitlog.BatchHeader{})
		ts := int64(w.s.Now() / sim.Millisecond)
		for i, p := range c.m.parts {
			b.offsetKey = fmt.Appendf(b.offsetKey[:0], "%s/%s/%d", g.spec.Name, g.t.spec.Name, p)
			binary.BigEndian.PutUint64(b.offsetVal[:], uint64(c.offsets[i]))
			bb.Add(ts, b.offsetKey, b.offsetVal[:], nil)
		}
		batch, err := bb.Build()
		if err == nil {
			_, err = b.offsets.Append(batch, 0)
		}
		if err != nil {
			w.fail(fmt.Errorf("commit offsets of group %s: %w", g.spec.Name, err))
			return
		}
		if err := b.offsets.SetHighWatermark(b.offsets.LogEndOffset()); err != nil {
			w.fail(err)
			return
		}
		for i, p := range c.m.parts {
			g.committed[p] = c.offsets[i]
		}
		w.offsetCommits++
		b.offsetsAppends++
		if b.offsetsAppends%4096 == 0 {
			// The log cleaner: keep the latest offset per key.
			if _, err := b.offsets.Compact(); err != nil {
				w.fail(fmt.Errorf("compact __consumer_offsets: %w", err))
				return
			}
		}
	}
	w.use(b.nicOut, 64, w.fCmOut, id)
}

func (w *world) cmOut(id uint64) {
	c := w.commits[id]
	w.deliver(&c.down, w.fCmResp, id)
}

func (w *world) cmResp(id uint64) {
	c := w.commits[id]
	m := c.m
	c.inFlight = false
	if c.sync {
		c.sync = false
		m.commitWait = false
		if m.busy && m.g.commit == "before" {
			// Committed before processing: now process.
			var total sim.Time
			if n := len(m.recs); n > 0 {
				total = m.recs[n-1].done
			}
			m.pollStart = w.s.Now()
			w.s.AfterCall(total, m.pollDone, 0)
			return
		}
		m.maybePoll()
	}
}
