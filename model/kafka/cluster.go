package kafka

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/commitlog/vfs"
	"mqsim/model/net"
	"mqsim/model/node"
	"mqsim/scenarios"
	"mqsim/sim"
)

// world is one run: the kernel, the cluster, the clients and the checker.
// Every component reaches the others through it; nothing is global.
type world struct {
	ch   *kchannel // set when the cluster is a service's channel (channel.go)
	s    *sim.Sim
	sc   *scenarios.Scenario
	opts Options
	end  sim.Time // producers stop here
	warm sim.Time // latency statistics start here

	brokers []*broker
	topics  []*topic
	prods   []*producer

	// While a produce request appends (prHandle), the parked fetches it
	// would wake wait until the whole request is appended, as Kafka
	// completes delayed fetches after the request (its action queue):
	// followers' in heldWakes, and consumers' — when a leader append moves
	// the high watermark, as with one replica in the ISR — in heldReads.
	holdWakes bool
	heldWakes []*replicaFetcher
	heldReads []wakeRef
	pidBase   int64 // the first producer id (see freshProducerIDs)
	groups    []*group
	chk       *check.Checker

	// offsetsTopic is __consumer_offsets (offsets.go): not among topics,
	// nor in the results of the scenario's topics.
	offsetsTopic *topic
	// txnTopic is __transaction_state and txn its coordinators' state
	// (txn_coord.go); nil without transactional producers.
	txnTopic *topic
	txn      *txnCoords

	logDirFailures []LogDirFailure // storage.go
	hosts          clientHosts     // clienthost.go
	recovered      []Recovery      // logs a restart had to recover (openLog)

	net         *net.Network
	ctlNode     net.NodeID   // the active controller on the network
	clientNodes []net.NodeID // producers and consumers, for network faults on "clients"
	fMdArrive   func(uint64) // a producer's MetadataRequest reaches a broker (metadata.go)
	fMdResp     func(uint64)
	fMdAnswer   func(uint64) // the broker's handler thread has served it
	fMdMemberAn func(uint64)
	releases    bool   // consumed records leave memory (release.go)
	spills      bool   // consumed records move to spill files (release.go)
	spillDir    string // where, made at the first log opened
	// Incremental consumer sessions (fetchsession.go).
	incSessions bool
	parkSeq     uint64
	wakeBuf     []wakeRef
	// faulty: the scenario has broker faults, so request steps check the
	// state of the brokers and links they touch (controller.install).
	faulty bool

	conts    []cont
	freeCont []uint32
	fJobDone func(sim.Job)

	preqs    []*produceReq
	freePreq []uint32
	preqUses uint64

	fetchers []*replicaFetcher
	sessions []*fetchSession
	commits  []*commitReq

	err error // first internal failure; stops the run

	placed      int          // partitions placed so far, for round-robin replica placement
	faultEvents []FaultEvent // faults as they started and ended, in time order
	ctl         *controller  // broker liveness, elections, truncation (controller.go)
	quotas      *quotaState  // client quotas (quota.go); nil without
	mirror      *mirrorTasks // replicators reading this cluster (mirror.go); nil without

	callbacks
	sampler          *sim.Sampler
	ackInterval      *sim.Histogram // ack latencies since the last sample (run.go)
	minISR, maxUnder int

	// counters
	produceRequests, retries, replicaFetches, consumerFetches, offsetCommits int64
	hwViolations, isrShrinks, isrExpands                                     int64
	logs                                                                     []*commitlog.Log
}

// fail records an internal failure (a bug or an I/O error) and stops the run.
func (w *world) fail(err error) {
	if w.ch != nil {
		w.ch.h.Fail(err) // the run is the service graph's
	}
	if w.err == nil {
		w.err = err
		w.s.Stop()
	}
}

// cont is a continuation: what to call when a resource finishes a job.
type cont struct {
	fn  func(uint64)
	arg uint64
}

func (w *world) putCont(fn func(uint64), arg uint64) uint64 {
	if n := len(w.freeCont); n > 0 {
		i := w.freeCont[n-1]
		w.freeCont = w.freeCont[:n-1]
		w.conts[i] = cont{fn, arg}
		return uint64(i)
	}
	w.conts = append(w.conts, cont{fn, arg})
	return uint64(len(w.conts) - 1)
}

func (w *world) jobDone(j sim.Job) {
	c := w.conts[j.Tag]
	w.conts[j.Tag] = cont{}
	w.freeCont = append(w.freeCont, uint32(j.Tag))
	c.fn(c.arg)
}

// use passes amount (bytes) through rate server rs, then calls fn(arg).
// Server queues are unbounded here because every client bounds what it has
// outstanding (max.in.flight, one fetch per session, one commit per member).
func (w *world) use(rs *sim.RateServer, amount float64, fn func(uint64), arg uint64) {
	rs.Submit(amount, w.putCont(fn, arg), w.fJobDone)
}

// Flows on a NIC: a NIC is shared fairly between connections (node.New),
// so each kind of traffic names its connection.
const (
	flowReplica  = 1 << 56 // | the replica fetcher's id
	flowConsumer = 2 << 56 // | the fetch session's id
	flowProducer = 3 << 56 // | the producer's index << 20 | the broker's id
)

// useFlow is use on a fair server, as part of connection flow.
func (w *world) useFlow(rs *sim.RateServer, flow uint64, amount float64, fn func(uint64), arg uint64) {
	rs.SubmitFlow(amount, flow, w.putCont(fn, arg), w.fJobDone)
}

// useTime holds one of rs's servers (a CPU thread) for d, then calls fn(arg).
func (w *world) useTime(rs *sim.RateServer, d sim.Time, fn func(uint64), arg uint64) {
	rs.SubmitTime(d, w.putCont(fn, arg), w.fJobDone)
}

// broker is a Kafka broker on its machine (NIC, disk, handler threads and
// page cache: node.Machine).
type broker struct {
	*node.Machine
	w                 *world
	id                int
	node              net.NodeID // on the network
	errRate           float64
	errRng            *rand.Rand
	written           int64 // bytes appended to this broker's logs
	bytesIn, bytesOut int64
	leaders, replicas int
	utilPrev          [5]float64 // busy server-seconds at the last sample
	owned             []*replica // by page-cache file number (pagecache.go)
	dirtiedPrev       int64      // page-cache bytes written at the last sample (pagecache.go)
}

// uncached is how many of bytes read from p starting at offset miss the
// page cache. The broker's cache holds its most recently written bytes;
// the bytes written to the broker since offset are estimated from the
// partition's own bytes since offset and its share of the broker's writes.
func (b *broker) uncached(p *partition, offset, bytes int64) int64 {
	if p.records == 0 || bytes == 0 {
		return 0
	}
	perRec := float64(p.bytes) / float64(p.records)
	since := float64(p.records-offset) * perRec
	if p.bytes > 0 {
		since *= float64(b.written) / float64(p.bytes)
	}
	if since <= float64(b.PageCache) {
		return 0
	}
	return bytes
}

func newBroker(w *world, id int) (*broker, error) {
	m, err := node.New(w.s, fmt.Sprintf("broker-%d", id), node.SpecFor(&w.sc.Cluster.Hardware))
	if err != nil {
		return nil, err
	}
	b := &broker{Machine: m, w: w, id: id, errRate: float64(w.sc.Cluster.TransientErrorRate),
		errRng: w.s.Stream(fmt.Sprintf("broker/%d/errors", id)), node: w.net.AddNode(fmt.Sprintf("broker-%d", id))}
	b.setupCache()
	return b, nil
}

// openLog opens a replica's log: in memory, or on files under DataDir.
func (w *world) openLog(name string, cfg commitlog.Config) (*commitlog.Log, error) {
	s := w.s
	cfg.Clock = func() int64 { return int64(s.Now()) }
	var l *commitlog.Log
	var err error
	existed := false
	if w.opts.DataDir == "" {
		if w.spills && !spillNowhere {
			cfg.Spill, cfg.SpillDir = w.spillTo(name)
		}
		l, err = commitlog.OpenMemory(cfg)
	} else {
		dir := filepath.Join(w.opts.DataDir, filepath.FromSlash(name))
		_, serr := os.Stat(dir)
		existed = serr == nil
		l, err = commitlog.Open(vfs.OS, dir, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", name, err)
	}
	switch rep := l.Recovery(); {
	case rep.Recovered():
		// A resumed log that was not shut down cleanly lost a torn or
		// corrupt tail: the results say so, a cut is never silent.
		w.recovered = append(w.recovered, Recovery{Log: name, LogEndOffset: rep.LogEndOffset,
			OffsetsDropped: max(rep.DroppedTo-rep.LogEndOffset, 0), BytesDropped: rep.BytesDropped,
			Reason: rep.Reason, Removed: len(rep.Removed)})
	case existed && !rep.Clean:
		// Without the clean-shutdown marker the log is what a crash
		// left: recovery found every batch valid, but writes that never
		// reached the disk cannot be seen, so the results say so too.
		w.recovered = append(w.recovered, Recovery{Log: name, LogEndOffset: rep.LogEndOffset, Unclean: true,
			Reason: "not shut down cleanly: rescanned, every batch valid; writes lost before the crash cannot be detected"})
	}
	w.logs = append(w.logs, l)
	return l, nil
}

// topic is a named set of partitions and the groups that read it.
type topic struct {
	spec   *scenarios.Topic
	idx    int
	parts  []*partition
	rf     int
	minISR int
	groups []*group
	// txnRead: a transactional producer writes the topic, so its readers
	// skip control batches (txn_consumer.go).
	txnRead bool
}

// partition is one partition: its replicas, the leader's view of the ISR
// and high watermark, and what waits on the high watermark.
type partition struct {
	w        *world
	t        *topic
	idx      int
	replicas []*replica // replicas[0] leads (the preferred leader)
	leader   *replica
	epoch    int32
	isrSize  int
	hw       int64

	// Produce requests waiting for the high watermark (acks=all), in
	// offset order.
	waiters    []hwWaiter
	waitersOff int
	// Consumer fetches parked until the high watermark moves.
	parked []parkRef
	// Incremental sessions (fetchsession.go): the sessions reading p, and
	// the park sequence number at p's last wake-up.
	readers []sessionRef
	swapSeq uint64
	// shares are the share groups' share-partitions of p (share.go).
	shares []*sharePartition

	records, bytes int64 // appended at the leader (records = log end offset)
	released       int64 // the replicas' logs released their records below it (release.go)
	matched        int64 // every replica agrees with the leader below it (replication.go)
	// base is the leader log's end offset when the run began: 0, or where
	// an earlier run's records end in a resumed data directory. Records
	// below it belong to that run; the checker does not count them.
	base int64
	// offs is set on a __consumer_offsets partition: commits wait on its
	// high watermark (offsets.go).
	offs *offsetsPart
	// txw are transaction markers waiting for the high watermark (txn_markers.go).
	txw []offsetsWaiter
}

type hwWaiter struct {
	req    uint32
	batch  int32
	offset int64 // last offset of the batch
}

type parkRef struct {
	session int32
	gen     uint32
}

// replica is one copy of a partition on a broker. For a follower, the
// fields below log are the leader's record of its progress.
type replica struct {
	p       *partition
	b       *broker
	log     *commitlog.Log
	inISR   bool
	fetcher *replicaFetcher

	leo                 int64    // follower's log end offset as the leader last heard it
	lastCaughtUp        sim.Time // last time the follower had everything the leader had
	lastFetch           sim.Time
	leaderLEOAtLastFech int64
	hw                  int64 // follower's own high watermark
	owner               int32 // its log's file number in its broker's page cache
	flushed             int64 // its log's end on disk (pagecache.go)
	flushReq            int64 // its log's end at the last fsync asked for (flush.go)

	// clean: an incremental fetcher skips this replica (fetchsession.go).
	clean bool
	fidx  int32 // index in fetcher.parts
}

// appended records a leader append: statistics, the async disk write, and
// waking followers parked in long-poll.
func (p *partition) appended(n int64, bytes int64) {
	p.records = p.leader.log.LogEndOffset()
	p.bytes += bytes
	b := p.leader.b
	b.written += bytes
	b.Cache.Write(p.leader.owner, bytes, p.records)
	for _, r := range p.replicas {
		if r == p.leader {
			continue
		}
		r.touch()
		if f := r.fetcher; f != nil && f.parked {
			if !p.w.holdWakes {
				f.wake()
			} else if !f.wakeHeld {
				f.wakeHeld = true
				p.w.heldWakes = append(p.w.heldWakes, f)
			}
		}
	}
	p.maybeAdvanceHW()
}

// releaseWakes wakes the parked fetches held while a produce request
// appended (holdWakes), each once, in the order their partitions were
// appended: the followers', then the consumers' (a consumer's fetch woken
// by several partitions reads once, at the first: it is no longer parked
// at the others).
func (w *world) releaseWakes() {
	w.holdWakes = false
	for _, f := range w.heldWakes {
		f.wakeHeld = false
		if f.parked {
			f.wake()
		}
	}
	clear(w.heldWakes)
	w.heldWakes = w.heldWakes[:0]
	if len(w.heldReads) == 0 {
		return
	}
	reads := w.heldReads
	w.heldReads = nil // a read may append again (it should not: nothing is held now)
	for _, r := range reads {
		r.s.wake(r.gen)
	}
	clear(reads)
	if w.heldReads == nil {
		w.heldReads = reads[:0]
	}
}

// followerFetched is the leader's bookkeeping when follower r fetches from
// offset: its log end offset, caught-up time, ISR membership and the high
// watermark (Kafka's updateFollowerFetchState).
func (p *partition) followerFetched(r *replica, offset int64) {
	now := p.w.s.Now()
	leo := p.records
	if offset >= leo {
		r.lastCaughtUp = now
	} else if offset >= r.leaderLEOAtLastFech {
		r.lastCaughtUp = max(r.lastCaughtUp, r.lastFetch)
	}
	r.leaderLEOAtLastFech, r.lastFetch = leo, now
	r.leo = offset
	if !r.inISR && offset >= p.hw && p.w.ctl.canJoinISR(r) {
		r.inISR = true
		p.isrSize++
		p.w.isrExpands++
	}
	p.maybeAdvanceHW()
}

// shrinkISR drops followers that have not caught up within lag.
func (p *partition) shrinkISR(lag sim.Time) {
	now := p.w.s.Now()
	for _, r := range p.replicas {
		if r != p.leader && r.inISR && now-r.caughtUpAt() > lag {
			r.touch()
			r.inISR = false
			p.isrSize--
			p.w.isrShrinks++
		}
	}
	p.maybeAdvanceHW()
}

// maybeAdvanceHW sets the high watermark to the smallest log end offset in
// the ISR, never backwards, and completes what waited on it.
func (p *partition) maybeAdvanceHW() {
	hw := p.records
	for _, r := range p.replicas {
		if r != p.leader && r.inISR && r.leo < hw {
			hw = r.leo
		}
	}
	if hw <= p.hw {
		return
	}
	p.setHW(hw)
	for _, r := range p.replicas {
		if r != p.leader {
			r.touch() // its follower must learn the new high watermark
		}
	}
	if err := p.leader.log.SetHighWatermark(hw); err != nil {
		p.w.fail(fmt.Errorf("partition %s-%d: %w", p.t.spec.Name, p.idx, err))
		return
	}
	p.leader.hw = hw
	for p.waitersOff < len(p.waiters) && p.waiters[p.waitersOff].offset < hw {
		wt := p.waiters[p.waitersOff]
		p.waitersOff++
		p.w.produceCommitted(wt.req, int(wt.batch), p)
	}
	if p.waitersOff == len(p.waiters) {
		p.waiters, p.waitersOff = p.waiters[:0], 0
	}
	if p.offs != nil {
		p.offs.hwMoved()
	}
	if len(p.shares) > 0 {
		p.shareHWMoved()
	}
	if len(p.txw) > 0 {
		p.txnHWMoved()
	}
	if p.w.incSessions {
		p.wakeReaders()
	} else if len(p.parked) > 0 {
		list := p.parked
		p.parked = nil
		for _, pr := range list {
			if s := p.w.sessions[pr.session]; p.w.holdWakes {
				p.w.heldReads = append(p.w.heldReads, wakeRef{s: s, gen: pr.gen})
			} else {
				s.wake(pr.gen)
			}
		}
		if p.parked == nil {
			p.parked = list[:0]
		}
	}
}

// replicaFetcher is one follower broker's fetcher thread for one source
// (leader) broker: it long-polls the leader for all partitions it follows
// there and appends the raw batches it gets.
type replicaFetcher struct {
	w         *world
	id        int
	key       fetcherKey
	dst, src  *broker
	parts     []*replica // the follower replicas
	up, down  net.Link
	offsets   []int64
	data      [][]byte
	leaderHW  []int64
	bytes     int64
	uncached  int64
	diskWork  float64 // disk-read time of the uncached bytes, seeks included (node.ReadWork)
	parked    bool
	wakeHeld  bool // in world.heldWakes
	waitEv    sim.EventID
	deadline  sim.Time
	minBytes  int64
	maxBytes  int64
	waitMax   sim.Time
	inRequest bool
	fsyncs    int // fsyncs the applied batches wait for (flush.go)

	// Incremental fetching (fetchsession.go): only the replicas in dirty
	// are visited; the others are clean, last visited at fetchedAt.
	incremental bool
	dirty       []int32
	all         []int32
	fetchedAt   sim.Time
}

// fetcherKey names one fetcher thread: the follower broker, the leader
// broker and which of the num.replica.fetchers threads (slot).
type fetcherKey struct{ dst, src, slot int }

// fetcherKey is the fetcher that replicates p from src to dst. Kafka's
// AbstractFetcherManager picks the thread as
// abs(31 * topic.hashCode + partition) % num.replica.fetchers.
func (w *world) fetcherKey(dst, src *broker, p *partition) fetcherKey {
	n := max(w.sc.Cluster.NumReplicaFetchers, 1)
	h := int(31*javaStringHash(p.t.spec.Name) + int32(p.idx))
	switch { // Kafka's Utils.abs
	case h == math.MinInt32:
		h = 0
	case h < 0:
		h = -h
	}
	return fetcherKey{dst: dst.id, src: src.id, slot: h % n}
}

// javaStringHash is Java's String.hashCode (over UTF-16 code units; topic
// names are ASCII, where bytes and code units agree).
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			r = 0xDC00 + (r & 0x3FF)
		}
		h = 31*h + int32(r)
	}
	return h
}

// newReplicaFetcher adds an empty fetcher with the cluster's fetch settings.
func (w *world) newReplicaFetcher(k fetcherKey, dst, src *broker) *replicaFetcher {
	c := &w.sc.Cluster
	f := &replicaFetcher{w: w, id: len(w.fetchers), key: k, dst: dst, src: src,
		minBytes: max(int64(c.ReplicaFetchMinBytes), 1), maxBytes: max(int64(c.ReplicaFetchMaxBytes), 1),
		waitMax: sim.Time(c.ReplicaFetchWaitMax)}
	f.up = net.Link{From: dst.node, To: src.node, Undelivered: w.rfUndelivered}
	f.down = net.Link{From: src.node, To: dst.node, Undelivered: w.rfUndelivered}
	w.fetchers = append(w.fetchers, f)
	return f
}

func (f *replicaFetcher) send() {
	for _, i := range f.visit() {
		f.offsets[i] = f.parts[i].log.LogEndOffset()
	}
	f.inRequest = true
	f.w.replicaFetches++
	f.w.net.Send(&f.up, f.w.fRFArrive, uint64(f.id))
}

func (w *world) rfArrive(id uint64) {
	if w.faulty && !w.ctl.rfArriveOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	w.useFlow(f.src.NICIn, flowReplica|id, float64(64+32*len(f.parts)), w.fRFIn, id)
}

func (w *world) rfIn(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	w.useTime(f.src.CPU, f.src.CPUReq, w.fRFRead, id)
}

func (w *world) rfRead(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	f.deadline = w.s.Now() + f.waitMax
	f.fetchedAt = w.s.Now()
	vis := f.visit()
	for k := range vis {
		i := vis[k]
		r := f.parts[i]
		r.p.followerFetched(r, f.offsets[i])
	}
	f.read()
}

// read reads every partition from the follower's offsets; it responds, or
// parks the request until enough bytes arrive or the wait runs out.
func (f *replicaFetcher) read() {
	f.bytes, f.uncached, f.diskWork = 0, 0, 0
	for _, i := range f.visit() {
		p := f.parts[i].p
		res, err := p.leader.log.Read(f.offsets[i], commitlog.ReadOptions{MaxBytes: f.maxBytes, Upto: commitlog.UptoLogEnd})
		if err != nil && isStorageError(err) {
			// The leader's log directory goes offline (storage.go).
			f.w.logDirFailed(p.leader.b, p, f.offsets[i], err)
			return
		}
		if err != nil {
			f.w.fail(fmt.Errorf("replica fetch %s-%d at %d: %w", p.t.spec.Name, p.idx, f.offsets[i], err))
			return
		}
		f.data[i] = res.Data
		f.leaderHW[i] = p.hw
		f.bytes += res.Size
		u := f.src.uncached(p, f.offsets[i], res.Size)
		f.uncached += u
		f.diskWork += f.src.ReadWork(p.leader.owner, u)
	}
	now := f.w.s.Now()
	if f.bytes < f.minBytes && now < f.deadline {
		if !f.parked {
			f.parked = true
			f.waitEv = f.w.s.AtCall(f.deadline, f.w.fRFExpire, uint64(f.id))
		}
		return
	}
	if f.parked {
		f.parked = false
		f.w.s.Cancel(f.waitEv)
	}
	if f.diskWork == 0 {
		// Every byte is in the page cache: the read never waits behind
		// another fetch's disk read (in its own event, as the disk's
		// answer would be, so no caller's loop sees it midway).
		f.w.s.AfterCall(0, f.w.fRFDisk, uint64(f.id))
		return
	}
	f.w.use(f.src.DiskR, f.diskWork, f.w.fRFDisk, uint64(f.id))
}

func (f *replicaFetcher) wake() { f.read() }

func (w *world) rfExpire(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	if f.parked {
		f.read()
	}
}

func (w *world) rfDisk(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	f.src.bytesOut += f.bytes
	if w.sc.Cluster.TLS { // no zero-copy: the bytes cost CPU first (clienthost.go)
		w.useTime(f.src.CPU, f.src.CPUCost(f.bytes)-f.src.CPUReq, w.fRFTLS, id)
		return
	}
	w.useFlow(f.src.NICOut, flowReplica|id, float64(64+f.bytes), w.fRFOut, id)
}

func (w *world) rfOut(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	w.net.Send(&f.down, w.fRFResp, id)
}

func (w *world) rfResp(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	f.dst.bytesIn += f.bytes
	w.useFlow(f.dst.NICIn, flowReplica|id, float64(64+f.bytes), w.fRFDstIn, id)
}

func (w *world) rfDstIn(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	w.rfDstRoom(id)
}

// rfApply appends the fetched batches as they are and starts the next
// fetch at once, as a replica fetcher thread does.
func (w *world) rfApply(id uint64) {
	if w.faulty && !w.ctl.rfApplyOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	for _, i := range f.visit() {
		r := f.parts[i]
		if len(f.data[i]) > 0 {
			// The fetched bytes are the leader log's own (never rewritten)
			// or a buffer the read made for this fetch alone: a memory
			// follower keeps them instead of a copy.
			res, err := r.log.AppendReplicatedShared(f.data[i])
			if err != nil {
				w.fail(fmt.Errorf("replicate %s-%d to broker %d: %w", r.p.t.spec.Name, r.p.idx, r.b.id, err))
				return
			}
			f.dst.written += res.Size
			f.dst.Cache.Write(r.owner, res.Size, r.log.LogEndOffset())
			f.data[i] = nil
		}
		if hw := min(f.leaderHW[i], r.log.LogEndOffset()); hw > r.hw {
			if err := r.log.SetHighWatermark(hw); err != nil {
				w.fail(err)
				return
			}
			r.hw = hw
		}
	}
	f.settle()
	if w.rfFlush(f) {
		return // rfFsynced sends the next fetch
	}
	f.inRequest = false
	f.send()
}

// isrCheck runs every replica.lag.time.max / 2 on each broker, as Kafka's
// isr-expiration task does.
func (w *world) isrCheck(broker uint64) {
	lag := sim.Time(w.sc.Cluster.ReplicaLagTimeMax)
	if w.faulty && !w.ctl.isrCheckOK(int(broker)) {
		w.s.AfterCall(max(lag/2, sim.Millisecond), w.fISRCheck, broker)
		return
	}
	for _, t := range w.topics {
		for _, p := range t.parts {
			if p.leader.b.id == int(broker) {
				p.shrinkISR(lag)
			}
		}
	}
	w.offsetsISRCheck(int(broker), lag)
	w.s.AfterCall(max(lag/2, sim.Millisecond), w.fISRCheck, broker)
	if w.faulty {
		w.ctl.isrChecked(int(broker))
	}
}

func (w *world) nop(uint64) {}
