package pulsar

import (
	"fmt"
	"hash/fnv"
	"maps"
	"sort"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/model/node"
	"mqsim/scenarios"
	"mqsim/sim"
)

// broker is a Pulsar broker on its machine. It stores nothing: the
// managed ledgers it owns live on the bookies, so another broker can take
// its bundles over.
type broker struct {
	*node.Machine
	w     *world
	id    int
	reg   *region
	node  net.NodeID
	up    bool
	epoch int
	// metaCut: a network partition keeps it from the metadata store
	// (metaGen counts partitions); sessionLost: the store expired its
	// session meanwhile (it does not know yet); clientsCut: a partition
	// keeps clients from it.
	metaCut, sessionLost, clientsCut bool
	metaGen                          int
}

// partition is one topic partition: a managed ledger (a sequence of
// ledgers) owned by the broker that owns its bundle, with a cursor per
// subscription. Positions number its confirmed messages from 0.
type partition struct {
	w      *world
	reg    *region
	topic  string
	num    int
	idx    int
	name   string
	bundle int
	policy *scenarios.PulsarTopicPolicy

	owner *broker
	// retry: the retry letter topic of a subscription (retry.go).
	retry bool
	// zombie is the previous owner still writing after its session
	// expired (session.go), until fencing or the heal stops it.
	zombie *broker
	epoch  int  // ownership generation
	ready  bool // the owner loaded it and has a ledger open
	// ledgers in order; cur is the open one (nil while one is being
	// created or recovered).
	ledgers []*ledger
	cur     *ledger
	rolling bool
	queue   []*addOp // adds waiting for a ledger
	opening bool

	pos     []mpos
	cum     []int64 // cum[i]: bytes of positions below i
	entries int64
	cursors []*cursor
	// held are publishes a producer_request_hold quota keeps waiting.
	held          []heldOp
	overQuota     bool
	maxBacklogB   int64
	limiter       *sim.TokenBucket // publish-rate quota, messages
	repls         []*replicator    // geo-replication to the other regions
	deletedBefore int64            // positions below were deleted with their ledgers
	// Deduplication: the highest sequence id per producer the managed
	// ledger holds (persisted) and the owner has added (pushed).
	persistedSeq, pushedSeq map[int32]int32
	written                 []bool   // by message id: has a position (WrittenTwice)
	loadedAt                sim.Time // when the owner loaded it (its cache starts empty)
}

// mpos is one confirmed message.
type mpos struct {
	mid   int32
	l     *ledger
	entry int64
	at    sim.Time
}

type heldOp struct {
	pc *pconn
	op *addOp
}

func newPartition(w *world, topic string, num, idx int) *partition {
	name := fmt.Sprintf("%s-partition-%d", topic, num)
	h := fnv.New32a()
	h.Write([]byte(name))
	return &partition{w: w, topic: topic, num: num, idx: idx, name: name, bundle: int(h.Sum32() % uint32(w.pc.Bundles)),
		policy: w.policy[topic], cum: []int64{0}}
}

// openLedger creates the next ledger (a metadata write), then sends the
// adds that waited for it. Fewer live bookies than the ensemble: retry in
// a second.
func (p *partition) openLedger() error {
	if p.opening {
		return nil
	}
	p.opening = true
	owner, epoch := p.owner, p.epoch
	if owner.metaCut { // cut off from the metadata store: no write gets through
		p.w.s.After(sim.Second, func() {
			p.opening = false
			if p.owner == owner && p.epoch == epoch {
				_ = p.openLedger()
			}
		})
		return nil
	}
	p.reg.meta.write(owner.node, func() {
		p.opening = false
		if p.owner != owner || p.epoch != epoch || !owner.up {
			return
		}
		if owner.metaCut { // the metadata write cannot be made: retry
			p.opening = true
			p.w.s.After(sim.Second, func() {
				p.opening = false
				if p.owner == owner && p.epoch == epoch {
					_ = p.openLedger()
				}
			})
			return
		}
		l := p.w.newLedger(owner)
		if l == nil {
			p.w.s.After(sim.Second, func() {
				if p.owner == owner && p.epoch == epoch {
					_ = p.openLedger()
				}
			})
			return
		}
		l.onConfirm = p.confirmed
		l.onFail = func() {
			if l.zombie { // fenced: the zombie learns it lost the topic
				p.w.zombiesFenced++
				p.stopZombie()
				return
			}
			p.ledgerFailed(l)
		}
		p.ledgers = append(p.ledgers, l)
		p.cur = l
		p.ready = true
		q := p.queue
		p.queue = nil
		for _, op := range q {
			l.add(op)
		}
	})
	return nil
}

// append adds an entry of messages (a producer's batch) to the open
// ledger, or queues it while a ledger is being opened.
func (p *partition) append(op *addOp) {
	if p.cur == nil || p.rolling {
		p.queue = append(p.queue, op)
		return
	}
	p.cur.add(op)
}

// confirmed: an entry is on AckQuorum bookies; its messages get positions
// and the producer its receipt.
func (p *partition) confirmed(op *addOp) {
	w := p.w
	l := op.l
	now := w.s.Now()
	if l.zombie && op.entry <= l.last {
		// The new owner recovered it and gave it its positions; the
		// zombie only answers the producer.
		if op.pc != nil {
			op.pc.receipt(op)
		}
		return
	}
	if l.firstPos < 0 {
		l.firstPos = int64(len(p.pos))
	}
	for _, mid := range op.mids {
		p.position(mid, l, op.entry, now)
	}
	l.lastPos = int64(len(p.pos))
	l.lastAt = now
	p.entries++
	if op.pc != nil {
		op.pc.receipt(op)
	}
	if op.repl != nil {
		op.repl.replicated(op)
	}
	if op.retry != nil {
		op.retrySub.retried(op)
	}
	for _, r := range p.repls {
		r.kick()
	}
	for _, c := range p.cursors {
		c.dispatch()
	}
	p.maybeRoll()
}

// maybeRoll closes the open ledger once it is full (RolloverEntries after
// RolloverMinTime, or RolloverMaxTime, or RolloverBytes) and opens the
// next; adds wait meanwhile.
func (p *partition) maybeRoll() {
	l := p.cur
	if l == nil || p.rolling {
		return
	}
	pc := p.w.pc
	age := p.w.s.Now() - l.created
	if !(l.entries >= int64(pc.RolloverEntries) && age >= sim.Time(pc.RolloverMinTime) ||
		age >= sim.Time(pc.RolloverMaxTime) && l.entries > 0 || l.bytes >= int64(pc.RolloverBytes)) {
		return
	}
	p.rolling = true
	p.finishRoll()
}

// finishRoll closes the ledger once its pending adds are confirmed.
func (p *partition) finishRoll() {
	l := p.cur
	if l == nil || !p.rolling {
		return
	}
	if len(l.pending) > 0 {
		p.w.s.After(sim.Millisecond, p.finishRoll)
		return
	}
	l.closed = true
	l.last = l.lac
	p.cur = nil
	p.rolling = false
	p.w.res.LedgerRollovers++
	_ = p.openLedger()
}

// ledgerFailed: the open ledger cannot go on (no bookie to replace a
// failed one, or fenced); it is closed at its last confirmed entry and its
// pending adds go to the next ledger, in order.
func (p *partition) ledgerFailed(l *ledger) {
	if l != p.cur {
		return
	}
	l.closed = true
	l.last = l.lac
	p.cur = nil
	p.rolling = false
	pend := l.pending
	l.pending = nil
	p.queue = append(pend, p.queue...)
	if p.owner.up && p.owner.epoch == l.life {
		_ = p.openLedger()
	}
}

// load is a new owner taking the partition over: it fences and recovers
// the ledger the old owner left open (entries it wrote but never confirmed
// may be there), restores each cursor from its last persisted state, and
// opens a new ledger.
func (p *partition) load() {
	w := p.w
	owner, epoch := p.owner, p.epoch
	p.cur, p.rolling, p.queue, p.held = nil, false, nil, nil
	p.loadedAt = w.s.Now()
	var open *ledger
	var resend []*addOp
	for _, l := range p.ledgers {
		if !l.closed {
			open = l
		}
	}
	if open != nil {
		if b := open.writer; b == p.zombie && b.up && b.epoch == open.life {
			// The old owner is alive (its session expired): only the
			// fence stops its adds.
			open.zombie = true
		} else {
			open.failed = true // the old writer's adds are void
			if p.retry {
				// The consumers' clients resend the copies they were
				// not answered for (a recovered one is written twice).
				defer func() { p.queue = append(p.queue, resend...) }()
				resend = open.pending
			}
			open.pending = nil
		}
		if w.probe != nil {
			if w.probe(atRecovery, open, nil); p.owner != owner || p.epoch != epoch || !owner.up {
				return
			}
		}
		recovered, from, last, ok, err := open.recoverEnd()
		if err != nil {
			w.fail(err)
			return
		}
		if !ok {
			w.s.After(sim.Second, func() {
				if p.owner == owner && p.epoch == epoch {
					p.load()
				}
			})
			return
		}
		w.res.LedgerRecoveries++
		open.closed = true
		open.last = last
		if open.firstPos < 0 && len(recovered) > 0 {
			open.firstPos = int64(len(p.pos))
		}
		// Entries up to the old owner's last confirmed one have positions
		// already (its readers knew them); the rest are new to everyone.
		var rr commitlog.RecordReader
		for i, b := range recovered {
			entry := from + int64(i)
			if entry <= open.lac {
				continue
			}
			if err := rr.Reset(b); err != nil {
				w.fail(err)
				return
			}
			for rr.Next() {
				rec := rr.Record()
				prod, seq, _, ok := check.ReadID(rec.Value, rec.Timestamp)
				if !ok || prod >= len(w.pubs) || int(seq) >= len(w.pubs[prod].ids) {
					w.fail(fmt.Errorf("%s: recovered a record without a message id", p.name))
					return
				}
				p.position(w.pubs[prod].ids[seq], open, entry, w.s.Now())
			}
			if rr.Err() != nil {
				w.fail(rr.Err())
				return
			}
			open.entries++
			p.entries++
		}
		open.lac = max(open.lac, last)
		open.lastPos = int64(len(p.pos))
	}
	// The new owner rebuilds deduplication's state from the ledger.
	p.pushedSeq = maps.Clone(p.persistedSeq)
	for _, c := range p.cursors {
		c.restore()
	}
	// Opening needs a metadata write; clients reconnect with their backoff.
	_ = p.openLedger()
}

// position gives a confirmed message the next position, and keeps
// deduplication's persisted sequence ids.
func (p *partition) position(mid int32, l *ledger, entry int64, at sim.Time) {
	w := p.w
	m := &w.msgs[mid]
	p.pos = append(p.pos, mpos{mid: mid, l: l, entry: entry, at: at})
	p.cum = append(p.cum, p.cum[len(p.cum)-1]+m.size)
	for _, c := range p.cursors {
		c.moved(1, 0)
	}
	p.backlogRose()
	w.storedRose()
	if p.retry {
		return // a copy of a message of another topic
	}
	if int(mid) >= len(w.written) {
		w.written = append(w.written, make([]bool, int(mid)+1-len(w.written)+len(w.written)/2)...)
	}
	if w.written[mid] {
		w.res.WrittenTwice++
	}
	w.written[mid] = true
	if p.persistedSeq == nil {
		p.persistedSeq = map[int32]int32{}
	}
	if s, ok := p.persistedSeq[m.prod]; !ok || m.seq > s {
		p.persistedSeq[m.prod] = m.seq
	}
}

// duplicate is deduplication's verdict on a send: true when the managed
// ledger already holds its last message (answered as if written, as the
// broker does) or the owner has added it and not yet had it confirmed
// (that add's confirmation answers it).
func (p *partition) duplicate(pc *pconn, op *addOp) bool {
	if !p.w.pc.Deduplication || len(op.mids) == 0 {
		return false
	}
	last := &p.w.msgs[op.mids[len(op.mids)-1]]
	if s, ok := p.persistedSeq[last.prod]; ok && last.seq <= s {
		p.w.res.DedupDropped += int64(len(op.mids))
		pc.receipt(op)
		return true
	}
	if s, ok := p.pushedSeq[last.prod]; ok && last.seq <= s {
		p.w.res.DedupDropped += int64(len(op.mids))
		return true
	}
	if p.pushedSeq == nil {
		p.pushedSeq = map[int32]int32{}
	}
	p.pushedSeq[last.prod] = last.seq
	return false
}

// gone reports whether a message can no longer be read: its ledger was
// deleted, or recovery ended the ledger before its entry.
func (p *partition) gone(pos int64) bool {
	mp := p.pos[pos]
	return mp.l.deletedAll() || mp.l.closed && mp.entry > mp.l.last
}

// unreachable reports whether no live bookie holds a message (and the
// object store has no copy): it cannot be read now.
func (p *partition) unreachable(pos int64) bool {
	mp := p.pos[pos]
	if mp.l.offloaded {
		return false
	}
	for _, bk := range mp.l.writeSet(mp.entry) {
		if bk.has(mp.l.id, mp.entry) {
			return false
		}
	}
	return true
}

// backlog is the slowest subscription's unacknowledged messages and bytes
// and the age of its oldest unacknowledged message.
func (p *partition) backlog() (msgs, bytes int64, age sim.Time) {
	md := int64(len(p.pos))
	for _, c := range p.cursors {
		if c.sub.started {
			md = min(md, c.markDelete)
		}
	}
	end := int64(len(p.pos))
	if md < end {
		age = p.w.s.Now() - p.w.msgs[p.pos[md].mid].born
	}
	return end - md, p.cum[end] - p.cum[md], age
}

// checkQuota compares the backlog with the topic's quota and applies its
// policy.
func (p *partition) checkQuota() {
	pol := p.policy
	if pol == nil || pol.BacklogQuotaPolicy == "" {
		return
	}
	_, bytes, age := p.backlog()
	over := pol.BacklogQuotaSize > 0 && bytes > int64(pol.BacklogQuotaSize) || pol.BacklogQuotaTime > 0 && age > sim.Time(pol.BacklogQuotaTime)
	if pol.BacklogQuotaPolicy == "consumer_backlog_eviction" {
		if over {
			p.evict()
		}
		return
	}
	p.overQuota = over
	// Held sends go on while the backlog stays under the quota; those the
	// producer gave up on (send timeout) are dropped.
	for !over && len(p.held) > 0 {
		h := p.held[0]
		p.held = p.held[1:]
		if h.op.gaveUp {
			continue
		}
		p.append(h.op)
		bytes += h.op.bytes
		over = pol.BacklogQuotaSize > 0 && bytes > int64(pol.BacklogQuotaSize)
	}
	p.overQuota = over
}

// evict moves the slowest subscriptions' mark-delete positions forward
// until the backlog fits the quota: the skipped messages are lost to them
// by policy.
func (p *partition) evict() {
	pol := p.policy
	end := int64(len(p.pos))
	// The first position the quota allows to stay.
	keep := int64(0)
	if pol.BacklogQuotaSize > 0 {
		limit := p.cum[end] - int64(pol.BacklogQuotaSize)
		keep = int64(sort.Search(len(p.cum), func(i int) bool { return p.cum[i] >= limit }))
	}
	if pol.BacklogQuotaTime > 0 {
		cutoff := p.w.s.Now() - sim.Time(pol.BacklogQuotaTime)
		t := int64(sort.Search(int(end), func(i int) bool { return p.w.msgs[p.pos[i].mid].born > cutoff }))
		keep = max(keep, t)
	}
	keep = min(keep, end)
	for _, c := range p.cursors {
		if c.sub.started && c.markDelete < keep {
			c.skipTo(keep)
		}
	}
}

// publish is the owner handling a producer's batch: the quota policy
// first, then the append.
func (p *partition) publish(pc *pconn, op *addOp) {
	if p.zombie != nil && pc.b == p.zombie {
		p.zombieAppend(op)
		return
	}
	if p.duplicate(pc, op) {
		return
	}
	if p.limiter != nil && !op.rated {
		// The publish-rate quota: the broker reads no more from the
		// connection until the rate allows (in order: the bucket queues).
		op.rated = true
		if d := p.limiter.Take(float64(len(op.mids))); d > 0 {
			p.w.res.PublishThrottled += int64(len(op.mids))
			owner, epoch := p.owner, p.epoch
			p.w.s.After(d, func() {
				// A send the producer gave up on meanwhile was never read.
				if p.owner == owner && p.epoch == epoch && owner.up && !op.gaveUp {
					p.publish(pc, op)
				}
			})
			return
		}
	}
	if p.overQuota {
		switch p.policy.BacklogQuotaPolicy {
		case "producer_request_hold":
			if !op.held {
				op.held = true
				p.w.res.QuotaHeld += int64(len(op.mids))
			}
			p.held = append(p.held, heldOp{pc, op})
			return
		case "producer_exception":
			p.w.res.QuotaRejected += int64(len(op.mids))
			pc.rejected(op)
			return
		}
	}
	p.append(op)
}

// trim deletes closed ledgers every subscription has consumed and that
// retention no longer keeps, and offloads closed ledgers past the
// offload threshold.
func (p *partition) trim() {
	w := p.w
	pol := p.policy
	md := int64(len(p.pos))
	for _, c := range p.cursors {
		md = min(md, c.markDelete)
	}
	now := w.s.Now()
	infinite := pol != nil && pol.RetentionInfinite
	var retained int64
	for i := len(p.ledgers) - 1; i >= 0; i-- {
		l := p.ledgers[i]
		if !l.closed || l.deletedAll() || infinite {
			continue
		}
		consumed := l.firstPos < 0 || l.lastPos <= md
		if !consumed {
			continue
		}
		keep := false
		if pol != nil && pol.RetentionTime > 0 && now-l.lastAt < sim.Time(pol.RetentionTime) {
			keep = true
		}
		if pol != nil && pol.RetentionSize > 0 && retained+l.bytes <= int64(pol.RetentionSize) {
			keep = true
		}
		retained += l.bytes
		if keep {
			continue
		}
		p.deleteLedger(l)
	}
	if pol != nil && pol.OffloadThreshold > 0 {
		var onBk int64
		for _, l := range p.ledgers {
			if l.onBookies && !l.offloaded && !l.deletedAll() {
				onBk += l.bytes
			}
		}
		for _, l := range p.ledgers {
			if onBk <= int64(pol.OffloadThreshold) {
				break
			}
			if l.closed && !l.offloaded && !l.offloading && !l.deletedAll() && l.entries > 0 {
				onBk -= l.bytes
				p.offload(l)
			}
		}
	}
}

// deletedAll: the ledger is gone (from bookies and object store).
func (l *ledger) deletedAll() bool { return !l.onBookies && !l.offloaded }

func (p *partition) deleteLedger(l *ledger) {
	for _, f := range l.frags {
		for _, bk := range f.ens {
			bk.drop(l.id)
		}
	}
	l.onBookies, l.offloaded = false, false
	p.w.res.LedgersDeleted++
	if l.lastPos > p.deletedBefore {
		p.deletedBefore = l.lastPos
	}
}

// offload copies a closed ledger to the object store: read from a bookie,
// uploaded at the object store's bandwidth; the bookies' copy is deleted
// after the deletion lag.
func (p *partition) offload(l *ledger) {
	w := p.w
	l.offloading = true
	up := sim.Seconds(float64(l.bytes) / float64(w.pc.ObjectStoreBandwidth))
	w.s.After(sim.Time(w.pc.ObjectStoreLatency)+up, func() {
		l.offloading = false
		if l.deletedAll() {
			return
		}
		l.offloaded = true
		w.res.OffloadedLedgers++
		w.s.After(sim.Time(p.policy.OffloadDeletionLag), func() {
			if l.onBookies {
				for _, f := range l.frags {
					for _, bk := range f.ens {
						bk.drop(l.id)
					}
				}
				l.onBookies = false
			}
		})
	})
}
