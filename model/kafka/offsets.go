package kafka

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// The group coordinator's log: __consumer_offsets.
//
// A group's coordinator is the leader of partition abs(hash(group)) % 50
// of __consumer_offsets (Kafka's offsets.topic.num.partitions), a
// partition replicated offsets_topic_replication_factor times like any
// other: placed on brokers k, k+1, … (mod the broker count), followed by
// replica fetchers, in ISRs, elected by the controller. Only the
// partitions some group maps to exist; their followers fetch through
// fetchers of their own (as with more than one fetcher per broker pair).
//
// An OffsetCommit appends one record per partition (key group/topic/
// partition, value the offset) to the leader's log and is acknowledged,
// and the coordinator's cache of committed offsets updated, once the high
// watermark passes it: acks=all of the offsets partition. When the
// partition's leadership moves, the new leader's broker becomes the
// coordinator and loads the committed offsets from its own replica of the
// log; a commit the old leader had appended but not replicated is not in
// it, so the group's committed offset falls back, and whoever next starts
// that partition (after a rebalance or a restart) reprocesses from there.

// offsetsMaxBatchBytes is the largest batch a __consumer_offsets log
// accepts: the broker's message.max.bytes, 1048588 by default. Tests lower
// it to show the split with a few hundred partitions instead of 200,000.
var offsetsMaxBatchBytes int64 = 1048588

// offsetRecordMax bounds one offset record's bytes in a batch beyond its
// key and value (length, attributes, deltas, lengths, header count).
const offsetRecordMax = 32

// offsetsTopicName is Kafka's internal topic of committed offsets.
const offsetsTopicName = "__consumer_offsets"

// offsetsPart is one partition of __consumer_offsets and what waits on
// its high watermark.
type offsetsPart struct {
	p       *partition
	builder commitlog.BatchBuilder
	key     []byte
	val     [8]byte
	appends int64
	waiters []offsetsWaiter
	// plans caches each member's last commit layout (appendCommit).
	plans map[*member]*commitPlan
	spare [][]int64 // offsets buffers to reuse (offsetsBuf)

	// The log cleaner's trigger (Kafka's min.cleanable.dirty.ratio, 0.5):
	// bytes appended since the last clean, and the log's bytes after it.
	dirty, clean int64
	cleans       int // times the cleaner ran
}

// offsetsCleanMin is the least dirty bytes worth a clean: below it, the
// records appended since the last clean sit in the active segment anyway
// (Compact cleans only closed segments; __consumer_offsets segments are
// 1 MiB here). Tests raise it to turn the cleaner off.
var offsetsCleanMin int64 = 4 << 20

// offsetsWaiter is an appended commit waiting for the high watermark to
// pass end under the leader epoch it was appended in.
type offsetsWaiter struct {
	end   int64
	epoch int32
	done  func(ok bool)
}

// offsetsPartitionOf is Kafka's partitionFor(groupId):
// Utils.abs(groupId.hashCode) % offsets.topic.num.partitions.
func offsetsPartitionOf(group string) int {
	h := javaStringHash(group)
	switch {
	case h == math.MinInt32:
		h = 0
	case h < 0:
		h = -h
	}
	return int(h) % scenarios.OffsetsTopicPartitions
}

// offsetsPartition returns partition k of __consumer_offsets, creating it
// (and the topic) at first use: replicas on brokers k, k+1, … mod the
// broker count, the first leading.
func (w *world) offsetsPartition(k int) (*offsetsPart, error) {
	return w.internalPartition(&w.offsetsTopic, offsetsTopicName, scenarios.OffsetsTopicPartitions, w.sc.Cluster.OffsetsTopicReplicationFactor, k)
}

// internalPartition returns partition k of an internal topic (*tp, named
// name, of n partitions at replication factor rf), creating it and the
// topic at first use: replicas on brokers k, k+1, … mod the broker count,
// the first leading.
func (w *world) internalPartition(tp **topic, name string, n, rf, k int) (*offsetsPart, error) {
	nb := len(w.brokers)
	if *tp == nil {
		rf := max(min(rf, nb), 1)
		*tp = &topic{spec: &scenarios.Topic{Name: name, Partitions: n,
			ReplicationFactor: rf, MinInsyncReplicas: 1}, idx: -1, rf: rf, minISR: 1}
	}
	t := *tp
	for _, p := range t.parts {
		if p.idx == k {
			return p.offs, nil
		}
	}
	p := &partition{w: w, t: t, idx: k, isrSize: t.rf}
	for j := range t.rf {
		bi := (k + j) % nb
		l, err := w.openLog(fmt.Sprintf("broker-%d/%s-%d", bi, name, k),
			commitlog.Config{SegmentBytes: 1 << 20, MaxBatchBytes: offsetsMaxBatchBytes})
		if err != nil {
			return nil, err
		}
		r := &replica{p: p, b: w.brokers[bi], log: l, inISR: true}
		w.brokers[bi].addReplica(r) // its log is a file in the broker's page cache (pagecache.go)
		p.replicas = append(p.replicas, r)
		w.brokers[bi].replicas++
	}
	p.leader = p.replicas[0]
	p.leader.b.leaders++
	if err := p.resumeLogs(); err != nil {
		return nil, fmt.Errorf("%s-%d: %w", name, k, err)
	}
	p.records = p.base
	p.offs = &offsetsPart{p: p}
	t.parts = append(t.parts, p)
	return p.offs, nil
}

// startOffsetsTopic hands the __consumer_offsets partitions to the
// controller (elections, fencing, ISRs) and starts their followers'
// fetchers. It runs once the controller exists, before the groups start.
func (w *world) startOffsetsTopic() {
	for _, t := range w.internalTopics() {
		w.startInternalTopic(t)
	}
}

// internalTopics are __consumer_offsets and __transaction_state (txn.go),
// those of them some client uses.
func (w *world) internalTopics() []*topic {
	var ts []*topic
	for _, t := range []*topic{w.offsetsTopic, w.txnTopic} {
		if t != nil {
			ts = append(ts, t)
		}
	}
	return ts
}

func (w *world) startInternalTopic(t *topic) {
	c := w.ctl
	now := w.s.Now()
	added := map[fetcherKey]*replicaFetcher{} // only looked up
	var fetchers []*replicaFetcher
	for _, p := range t.parts {
		c.parts = append(c.parts, p)
		c.ps[p] = &partState{}
		for _, r := range p.replicas {
			c.rs[r] = &repState{}
			c.onBrok[r.b.id] = append(c.onBrok[r.b.id], r)
			r.lastCaughtUp = now
		}
		for _, r := range p.replicas[1:] {
			k := w.fetcherKey(r.b, p.leader.b, p)
			f := added[k]
			if f == nil {
				f = w.newReplicaFetcher(k, r.b, p.leader.b)
				added[k] = f
				fetchers = append(fetchers, f)
				c.fStale = append(c.fStale, false)
				if c.fOf[k] == nil {
					c.fOf[k] = f
				}
			}
			f.parts = append(f.parts, r)
			r.fetcher = f
		}
	}
	for _, f := range fetchers {
		f.offsets = make([]int64, len(f.parts))
		f.data = make([][]byte, len(f.parts))
		f.leaderHW = make([]int64, len(f.parts))
		c.kick(f)
	}
}

// offsetsISRCheck is the ISR expiration task for the __consumer_offsets
// partitions broker leads.
func (w *world) offsetsISRCheck(broker int, lag sim.Time) {
	for _, t := range w.internalTopics() {
		for _, p := range t.parts {
			if p.leader.b.id == broker {
				p.shrinkISR(lag)
			}
		}
	}
}

// flushOffsets makes room for one more offset record with a key of keyLen
// bytes: if it would take the batch being built over the log's maximum,
// the records so far are appended as one batch and a new batch begins. An
// OffsetCommit for very many partitions is so written as several batches,
// each under the limit, rather than refused by the log.
func (op *offsetsPart) flushOffsets(keyLen int) error {
	bb := &op.builder
	if bb.Len() == 0 || bb.EstimatedSize()+int64(keyLen+len(op.val)+offsetRecordMax) <= offsetsMaxBatchBytes {
		return nil
	}
	if err := op.appendOffsets(); err != nil {
		return err
	}
	bb.Reset(commitlog.BatchHeader{})
	return nil
}

// appendCommit appends one OffsetCommit of member m: a record per
// partition of parts that m owns (key group/topic/partition, value its
// offset from offsets), as one batch or, past the log's batch limit,
// several. It returns the partitions and offsets written, and whether m
// owned every partition of parts.
//
// In runs that release consumed records (release.go) nothing ever reads
// these records back, so each batch is appended with its records elided:
// a sized batch whose offsets and declared bytes are those of the batch
// of real records (commitlog.BatchBuilder.AddElided, the sizes from
// commitlog.RecordBytes), with no record bytes built or stored. A commit
// of a thousand partitions then costs the log one header instead of a
// thousand encoded records, copied again into every replica; what the
// run accounts (offsets, bytes written, replicated and fetched, segment
// rolls) is the same.
func (op *offsetsPart) appendCommit(g *group, m *member, parts []int, offsets []int64) (wp []int, wo []int64, owned bool, err error) {
	w := g.w
	owned = true
	ts := int64(w.s.Now() / sim.Millisecond)
	bb := &op.builder
	if !w.releases {
		bb.Reset(commitlog.BatchHeader{})
		for i, p := range parts {
			if g.owner[p] != m {
				owned = false
				continue
			}
			key := g.offsetKey(p)
			binary.BigEndian.PutUint64(op.val[:], uint64(offsets[i]))
			if err := op.flushOffsets(len(key)); err != nil { // under the log's limit
				return nil, nil, owned, err
			}
			bb.Add(ts, key, op.val[:], nil)
			wp = append(wp, p)
			wo = append(wo, offsets[i])
		}
		if len(wp) > 0 {
			err = op.appendOffsets()
		}
		return wp, wo, owned, err
	}
	// The same records, sized. A member commits the same partitions
	// commit after commit, so the batches' sizes are computed once per
	// list of partitions (plan) and reused while the list is the same.
	pl := op.plans[m]
	// A plan made while m owned all of its partitions holds while no
	// owner changed since and the list is the same.
	same := pl != nil && pl.owners == g.owners && slices.Equal(pl.parts, parts)
	if !same {
		for _, p := range parts {
			if g.owner[p] != m {
				owned = false
				break
			}
		}
	}
	if !same {
		pl = op.plan(g, m, parts)
		if owned {
			if op.plans == nil {
				op.plans = map[*member]*commitPlan{}
			}
			op.plans[m] = pl
		}
		wo = op.offsetsBuf(len(pl.parts))
		for i, p := range parts {
			if g.owner[p] == m {
				wo = append(wo, offsets[i])
			}
		}
	} else {
		wo = append(op.offsetsBuf(len(offsets)), offsets...)
	}
	for _, sb := range pl.batches {
		bb.Reset(commitlog.BatchHeader{SizedValues: true})
		// The sized header's elided-bytes field stands in for 8 of the
		// records' bytes: the declared size is the plain batch's.
		bb.AddElided(ts, sb.n, sb.recs-(commitlog.SizedHeaderSize-commitlog.HeaderSize))
		if err := op.appendOffsets(); err != nil {
			return nil, nil, owned, err
		}
	}
	return pl.parts, wo, owned, nil
}

// offsetsBuf is an empty slice of capacity n or more for a commit's
// offsets, taken from those recycled: a commit of 30,000 partitions
// would otherwise allocate 240 kB each time.
func (op *offsetsPart) offsetsBuf(n int) []int64 {
	for i := len(op.spare) - 1; i >= 0; i-- {
		if b := op.spare[i]; cap(b) >= n {
			op.spare[i] = op.spare[len(op.spare)-1]
			op.spare = op.spare[:len(op.spare)-1]
			return b[:0]
		}
	}
	return make([]int64, 0, n)
}

// recycle takes back a commit's offsets once the coordinator has applied
// them (a few at most wait at a time: one commit in flight per member).
func (op *offsetsPart) recycle(wo []int64) {
	if len(op.spare) < 8 {
		op.spare = append(op.spare, wo)
	}
}

// commitPlan is how a commit of a list of partitions is written: the
// partitions m owns of it (shared by every commit that uses the plan, never
// changed) and its batches' record counts and record bytes, split where
// flushOffsets splits the plain batches.
type commitPlan struct {
	parts   []int
	batches []sizedOffsets
	owners  uint64 // the group's owner changes when it was made
}

type sizedOffsets struct {
	n    int32
	recs int64
}

func (op *offsetsPart) plan(g *group, m *member, parts []int) *commitPlan {
	pl := &commitPlan{parts: make([]int, 0, len(parts)), owners: g.owners}
	var cur sizedOffsets
	for _, p := range parts {
		if g.owner[p] != m {
			continue
		}
		kl := len(g.offsetKey(p))
		// As flushOffsets: the plain batch's EstimatedSize is the header
		// and the records so far.
		if cur.n > 0 && commitlog.HeaderSize+cur.recs+int64(kl+len(op.val)+offsetRecordMax) > offsetsMaxBatchBytes {
			pl.batches = append(pl.batches, cur)
			cur = sizedOffsets{}
		}
		cur.recs += commitlog.RecordBytes(int64(cur.n), 0, kl, len(op.val))
		cur.n++
		pl.parts = append(pl.parts, p)
	}
	if cur.n > 0 {
		pl.batches = append(pl.batches, cur)
	}
	return pl
}

// appendOffsets appends the batch being built to the leader's log under
// the partition's leader epoch; followers replicate it.
func (op *offsetsPart) appendOffsets() error {
	batch, err := op.builder.Build()
	if err != nil {
		return err
	}
	p := op.p
	res, err := p.leader.log.Append(batch, p.epoch)
	if err != nil {
		return err
	}
	p.appended(res.LastOffset-res.FirstOffset+1, res.Size)
	op.dirty += res.Size
	return nil
}

// cleanDue reports whether the log cleaner should run: as Kafka's cleaner
// with min.cleanable.dirty.ratio 0.5, once the bytes appended since the
// last clean are at least the bytes left by it. Each clean reads the log
// once, so the cleaner's cost stays proportional to the bytes appended,
// however many partitions a commit carries.
func (op *offsetsPart) cleanDue() bool {
	return op.dirty >= max(op.clean, offsetsCleanMin)
}

// wait calls done(true) once the high watermark passes end under the
// current leader epoch, done(false) if the leadership moves first.
func (op *offsetsPart) wait(end int64, done func(ok bool)) {
	if op.p.hw >= end {
		done(true)
		return
	}
	op.waiters = append(op.waiters, offsetsWaiter{end: end, epoch: op.p.epoch, done: done})
}

// hwMoved completes the commits the high watermark now covers (called by
// partition.maybeAdvanceHW).
func (op *offsetsPart) hwMoved() {
	hw := op.p.hw
	n := 0
	for n < len(op.waiters) && op.waiters[n].end <= hw {
		n++
	}
	if n == 0 {
		return
	}
	done := append([]offsetsWaiter(nil), op.waiters[:n]...)
	op.waiters = append(op.waiters[:0], op.waiters[n:]...)
	for _, wt := range done {
		wt.done(wt.epoch == op.p.epoch)
	}
}

// failWaiters ends every commit waiting on the high watermark without
// success: the leadership moved, or the leader's broker died.
func (op *offsetsPart) failWaiters() {
	list := op.waiters
	op.waiters = nil
	for _, wt := range list {
		wt.done(false)
	}
}

// coordinatorDown: broker b died. Commits waiting at b for their offsets
// to replicate end there (the member learns of it as its connection
// breaks, or by its request timing out).
func (w *world) coordinatorDown(b int) {
	for _, t := range w.internalTopics() {
		for _, p := range t.parts {
			if p.leader.b.id == b {
				p.offs.failWaiters()
			}
		}
	}
}

// compact runs the log cleaner on every replica: the latest offset per
// key is kept (below the high watermark only, as Log.Compact does).
func (op *offsetsPart) compact() error {
	for _, r := range op.p.replicas {
		if _, err := r.log.Compact(); err != nil {
			return fmt.Errorf("compact %s-%d on broker %d: %w", offsetsTopicName, op.p.idx, r.b.id, err)
		}
	}
	op.dirty, op.clean = 0, op.p.leader.log.Size()
	op.cleans++
	return nil
}

// readCommitted reads a group's committed offsets from l, as a
// coordinator does when it takes the partition over: the last record per
// key wins. set is called for each partition found.
func (g *group) readCommitted(l *commitlog.Log, set func(p int, off int64)) error {
	prefix := g.spec.Name + "/" + g.t.spec.Name + "/"
	return g.scanOffsetRecords(l, func(rec *commitlog.Record) error { // transactional offsets count once committed (txn_offsets.go)
		key, ok := strings.CutPrefix(string(rec.Key), prefix)
		if !ok || len(rec.Value) != 8 {
			return nil
		}
		if p, err := strconv.Atoi(key); err == nil && p >= 0 && p < len(g.committed) {
			set(p, int64(binary.BigEndian.Uint64(rec.Value)))
		}
		return nil
	})
}

// loadCommitted reads the group's committed offsets back from its
// coordinator's log when the run starts: only a resumed data directory
// holds any; a fresh log leaves every offset at 0.
func (g *group) loadCommitted() error {
	return g.readCommitted(g.op.p.leader.log, func(p int, off int64) {
		g.committed[p] = off
		g.setProcessed(p, off)
	})
}

// isCoordinator reports whether broker b is the group's coordinator now:
// the live leader of its __consumer_offsets partition.
func (g *group) isCoordinator(b *broker) bool {
	p := g.op.p
	return p.leader.b == b && !g.w.ctl.offline(p) && g.w.ctl.up(b.id)
}

// coordinator returns the broker a FindCoordinator answer names: the
// leader of the group's offsets partition, nil while it has none
// (COORDINATOR_NOT_AVAILABLE).
func (g *group) coordinator() *broker {
	p := g.op.p
	if g.w.ctl.offline(p) || !g.w.ctl.up(p.leader.b.id) {
		return nil
	}
	return p.leader.b
}

// ensureLoaded runs at the coordinator before it serves a request: a
// coordinator new to the group (the offsets partition's leadership moved)
// first loads the committed offsets from its replica of the log. Offsets
// whose latest commit never reached this replica fall back to the last
// one that did (or to the start); members' sessions start afresh, as a
// coordinator's heartbeat expirations do when it loads a group.
func (g *group) ensureLoaded() {
	p := g.op.p
	if g.loadedEpoch == p.epoch {
		return
	}
	g.loadedEpoch = p.epoch
	if g.w.releases {
		// Such runs elide the records (appendCommit) and release the
		// log: they must never need to read it back.
		g.w.fail(fmt.Errorf("group %s: coordinator moved in a run that releases its offsets log", g.spec.Name))
		return
	}
	g.op.failWaitersBefore(p.epoch)
	now := g.w.s.Now()
	g.coordFailovers++
	prev := append([]int64(nil), g.committed...)
	for i := range g.committed {
		if i < g.initialParts {
			g.committed[i] = 0
		} else {
			g.committed[i] = noCommit
		}
	}
	if err := g.readCommitted(p.leader.log, func(i int, off int64) { g.committed[i] = off }); err != nil {
		g.w.fail(fmt.Errorf("group %s: load committed offsets on broker %d: %w", g.spec.Name, p.leader.b.id, err))
		return
	}
	g.lastLoaded = append(g.lastLoaded[:0], g.committed...)
	for i, old := range prev {
		if g.committed[i] < old {
			g.commitsLost++
			g.offsetsRolledBack += old - max(g.committed[i], 0)
		}
	}
	for _, m := range g.all {
		if m.inGroup {
			m.lastSeen = now
		}
	}
}

// failWaitersBefore ends the commits appended under an older leader epoch:
// that leader is no longer the coordinator (NOT_COORDINATOR).
func (op *offsetsPart) failWaitersBefore(epoch int32) {
	kept := op.waiters[:0]
	var failed []offsetsWaiter
	for _, wt := range op.waiters {
		if wt.epoch < epoch {
			failed = append(failed, wt)
		} else {
			kept = append(kept, wt)
		}
	}
	op.waiters = kept
	for _, wt := range failed {
		wt.done(false)
	}
}
