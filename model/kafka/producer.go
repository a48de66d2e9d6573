package kafka

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/load"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// recordOverhead approximates a sized record's bytes beyond its value
// (length, attributes, deltas, key length, value size, prefix), for
// batch.size and buffer.memory accounting.
const recordOverhead = 24

// producer is one producer client instance: an arrival process feeding a
// record accumulator (one open batch per partition), and a sender with one
// connection per broker.
type producer struct {
	w    *world
	idx  int // global instance number: the message-id's producer part
	name string
	spec *scenarios.Producer
	t    *topic

	compression float64 // compression_ratio, 1 without a codec
	arr         load.Arrivals
	keys        *load.KeyGen
	rng         *rand.Rand
	size        sim.Dist

	acks            int // 0, 1, or -1 for all
	idem            bool
	pid             int64
	batchSize       int64
	bufMax          int64
	maxReq          int64
	linger          sim.Time
	backoff         sim.Time
	backoffMax      sim.Time
	deliveryTimeout sim.Time
	reqTimeout      sim.Time
	retries         int
	maxInFlight     int
	metaMaxAge      sim.Time // metadata.max.age.ms

	node net.NodeID // the producer's host on the network
	meta metaClient // its cached partition leaders (metadata.go)

	parts    []pacc
	conns    []*prodConn
	bufUsed  int64
	sticky   int
	batches  []*pbatch // every batch object, by id
	free     []int32
	keyBuf   []byte
	prefix   []byte
	building int     // batches open, queued, backing off or in flight
	passes   uint64  // drain passes (drain.go), to look at a partition once per pass
	wake     []int32 // connections drainAfter drains (drain.go)

	produced, acked, failed, indeterminate, nBatches, batchRecords int64
	batchSizes                                                     batchSizes // records and bytes per batch (clienthost.go)
	tooLargeN                                                      int64      // failed as RecordTooLarge (limits.go)
	ackHist                                                        *sim.Histogram
	// ackRec is where the acks' latencies are recorded: the first instance
	// of the producer spec's ackHist, shared by every instance (the results
	// report them per spec and overall; one histogram, not one per
	// instance, keeps the per-message recording in cache).
	ackRec *sim.Histogram
	// sizesRec is where sealed batches are recorded: likewise the first
	// instance's batchSizes, shared by every instance of the spec.
	sizesRec   *batchSizes
	bytesAcked int64
	bp         *backpressure // buffer-full, throttling, dropping

	// The kernel callbacks, as method values made once: a method value
	// made at each scheduling call would be allocated each time.
	fArrive, fLingerDone, fRequestTimeout, fRequeue func(uint64)

	tx   *plainTxn // transactions (txn_producer.go); nil without a transactional_id
	down bool      // the process crashed (producer-crash, txn_producer.go)
}

// pacc is the accumulator of one partition.
type pacc struct {
	// What every record's put touches comes first, together (the
	// builder's own hot fields lead it): one record should cost as few
	// cache misses as it can.
	open    int32 // id of the open batch, or -1
	nextSeq int32 // message-id sequence of the partition's next batch
	bb      commitlog.BatchBuilder

	backoff []int32 // batches of this partition backing off after a failure (drain.go)

	// The idempotent producer's state for this partition's log. A batch
	// gets its log sequence when first sent; the log's expectations are
	// (epoch, ackedNext) once every batch sent before has been answered.
	epoch     int16 // producer epoch of this partition's sequences
	logSeq    int32 // log sequence of the next batch sent in this epoch
	ackedNext int32 // log sequence after the last acknowledged batch
	gap       int32 // lowest log sequence of this epoch that ended unacknowledged, or -1
	bump      bool  // epoch bump due: applied once nothing is in flight
	inFlight  int   // batches sent and not yet answered

	// The partition's deque (drain.go): its batches not yet sent, oldest
	// first, in sequence order; the last may be the open one.
	dq   []int32
	on   int32  // the connection whose partition list holds it, or -1
	mark uint64 // the last drain pass that looked at it

	// unresolved counts the batches stamped in this epoch and not yet
	// completed (in flight, backing off or queued to retry): a due epoch
	// bump waits for them, as Kafka's producer waits for its in-flight
	// batches, because one may be in the log already and must keep its
	// sequence for the log to recognise its retry.
	unresolved int
	gapMaybe   bool // the batch at gap may have been written (it timed out)
	gapBump    bool // the due bump is for such a gap: it waits for unresolved
}

// newPacc is a partition's accumulator before its first record.
func newPacc() pacc { return pacc{open: -1, gap: -1, on: -1} }

// pbatch is one producer batch from creation to its final outcome.
type pbatch struct {
	id           int32
	part         int32
	seq0         int32
	n            int32
	gen          uint32 // bumped on reuse, to ignore stale linger timers
	times        []sim.Time
	data         []byte
	bytes        int64
	created      sim.Time
	attempts     int
	maybeWritten bool
	stamped      bool  // idempotent: logSeq and epoch are set in data
	epoch        int16 // producer epoch stamped
	logSeq       int32 // log sequence stamped (seq0 is the message id)
}

// prodConn is a producer's connection to one broker: the sender's list of
// the partitions led by the broker that have batches, its linger timer and
// in-flight count, and the broker's side (requests are handled one at a
// time per connection, in order).
type prodConn struct {
	p        *producer
	b        *broker
	idx      int32 // index in p.conns
	up, down net.Link
	parts    []int32 // partitions with batches (drain.go; entries may be stale)
	next     int     // where the next drain starts in parts (Kafka's drainIndex)
	stopped  bool    // the last drain stopped at a held partition (drain.go)
	lingerAt sim.Time
	lingerEv sim.EventID
	lingerOn bool
	inFlight int
	busy     bool      // broker side: a request of this connection is being handled
	leaving  []preqRef // client side: requests through the host's CPU, in send order (clienthost.go)
	waiting  []uint32  // broker side: requests received, waiting their turn
}

// produceReq is one produce request on its way to the broker and back.
type produceReq struct {
	id       uint32
	c        *prodConn
	batches  []int32
	gens     []uint32 // each batch's generation when sent
	results  []int8
	bytes    int64
	pending  int
	handled  bool
	timedOut bool
	gone     bool   // the network lost it or its response: only the timer is left to free it
	use      uint64 // numbers the uses of this request object, to recognise a reused one
	timer    sim.EventID
	sentAt   sim.Time
	netAt    sim.Time // when it left the producer's host for the network
	cpuDone  bool     // its host's CPU work is done (clienthost.go)
}

// Produce outcomes per batch.
const (
	resOK int8 = iota
	resTransient
	resNotLeader
	resNotEnoughReplicas
	resNotEnoughReplicasAfterAppend
	resOutOfOrder
	resFatal
	resTooLarge // the batch is over the topic's max.message.bytes
)

func newProducer(w *world, spec *scenarios.Producer, t *topic, inst, idx int) (*producer, error) {
	name := fmt.Sprintf("%s-%d", spec.Name, inst)
	arr, err := scenarios.ParseArrival(spec.Arrival)
	if err != nil {
		return nil, fmt.Errorf("producer %s: %w", spec.Name, err)
	}
	keys, err := scenarios.ParseKeys(spec.Keys)
	if err != nil {
		return nil, fmt.Errorf("producer %s: %w", spec.Name, err)
	}
	if spec.MessageSize.Dist == nil {
		return nil, fmt.Errorf("producer %s: no message size", spec.Name)
	}
	rate := float64(spec.Rate) / float64(max(spec.Instances, 1))
	p := &producer{w: w, idx: idx, name: name, spec: spec, t: t,
		rng:  w.s.Stream("producer/" + name),
		size: spec.MessageSize.Dist,
		pid:  w.pidBase + int64(idx), batchSize: int64(spec.BatchSize), bufMax: int64(spec.BufferMemory),
		maxReq: int64(spec.MaxRequestSize), linger: sim.Time(spec.LingerTime()), backoff: sim.Time(spec.RetryBackoff),
		backoffMax: sim.Time(spec.RetryBackoffMax), deliveryTimeout: sim.Time(spec.DeliveryTimeout),
		reqTimeout: sim.Time(spec.RequestTimeout), maxInFlight: max(spec.MaxInFlight, 1),
		metaMaxAge:  sim.Time(spec.MetadataMaxAge),
		ackHist:     sim.NewLatencyHistogram(),
		compression: math.Max(float64(spec.CompressionRatio), 1),
	}
	p.fArrive, p.fLingerDone, p.fRequestTimeout, p.fRequeue = p.arrive, p.lingerDone, p.requestTimeout, p.requeue
	p.ackRec, p.sizesRec = p.ackHist, &p.batchSizes
	for _, q := range w.prods {
		if q.spec == spec {
			p.ackRec, p.sizesRec = q.ackRec, q.sizesRec
			break
		}
	}
	p.arr = load.Arrivals{A: arr, Rate: rate, Rng: w.s.Stream("producer/" + name + "/arrivals")}
	p.keys = load.NewKeyGen(keys, w.s.Stream("producer/"+name+"/keys"))
	acks, err := spec.AcksLevel()
	if err != nil {
		return nil, err
	}
	p.acks = int(acks)
	// The scenario is resolved (scenarios.Defaults): the model applies no
	// defaults of its own.
	if spec.EnableIdempotence == nil || spec.Retries == nil || p.batchSize <= 0 || p.bufMax <= 0 || p.metaMaxAge <= 0 {
		return nil, fmt.Errorf("producer %s: enable_idempotence, retries, batch_size, buffer_memory or metadata_max_age unset: want a resolved scenario", spec.Name)
	}
	p.idem = *spec.EnableIdempotence
	p.retries = *spec.Retries
	p.parts = make([]pacc, len(t.parts))
	for i := range p.parts {
		p.parts[i] = newPacc()
	}
	p.node = w.net.AddNode("producer-" + name)
	w.clientNodes = append(w.clientNodes, p.node)
	for _, b := range w.brokers {
		c := &prodConn{p: p, b: b, idx: int32(len(p.conns))}
		w.linkProducer(c)
		p.conns = append(p.conns, c)
	}
	p.setupMetadata()
	if len(t.parts) > 0 {
		p.sticky = p.rng.IntN(len(t.parts))
	}
	if p.bp, err = newBackpressure(p); err != nil {
		return nil, fmt.Errorf("producer %s: %w", spec.Name, err)
	}
	if p.tx, err = newPlainTxn(w, p, inst); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *producer) start() {
	if p.tx != nil {
		p.tx.start()
	}
	if p.arr.Rate > 0 {
		p.w.s.AtCallRecurring(p.arr.Next(0), p.fArrive, 0)
	}
}

// arrive handles one message handed to the producer: pick the partition,
// append to its open batch, seal when full.
func (p *producer) arrive(uint64) {
	w := p.w
	now := w.s.Now()
	if now >= w.end || p.down {
		return
	}
	next := p.arr.Next(now)
	ev := w.s.AtCallRecurring(next, p.fArrive, 0)
	p.produced++
	size := int64(p.size.Sample(p.rng))
	if size < 0 {
		size = 0
	}
	k := p.keys.Next()
	if p.tooLarge(size, k) {
		return // refused by send(): RecordTooLarge (limits.go)
	}
	if !p.admit(now, size, k) {
		if p.bp.afterAdmit(now, next) {
			w.s.Cancel(ev) // blocked: later arrivals are counted (bufferpool.go)
		}
		return // dropped, rejected, or waiting for a token or memory (backpressure.go)
	}
	p.bp.blk.streak = 0
	p.put(now, size, k)
}

// put appends one message, whose send() was called at born, to its
// partition's open batch; admit has made sure it fits in buffer.memory.
func (p *producer) put(born sim.Time, size, k int64) {
	now := p.w.s.Now()
	// A compressed batch costs its compressed bytes everywhere (as Kafka's
	// producer estimates them when it fills batch.size).
	if p.compression > 1 {
		size = max(1, int64(math.Round(float64(size)/p.compression)))
	}
	var key []byte
	part := p.sticky
	if k >= 0 {
		p.keyBuf = load.KeyBytes(p.keyBuf, k)
		key = p.keyBuf
		part = partitionFor(key, len(p.t.parts))
	}
	rec := size + recordOverhead + int64(len(key))
	a := &p.parts[part]
	if a.open >= 0 && a.bb.EstimatedSize()+rec > p.batchSize {
		p.seal(part)
	}
	if a.open < 0 {
		p.openBatch(part, now)
	}
	b := p.batches[a.open]
	seq := a.nextSeq + b.n
	p.prefix = check.AppendID(p.prefix[:0], p.idx, seq, born)
	a.bb.AddSized(int64(born/sim.Millisecond), key, p.prefix, max(size, int64(len(p.prefix))), nil)
	b.n++
	b.times = append(b.times, born)
	b.bytes += rec
	if p.w.ch != nil {
		p.w.ch.added(b) // a service's message: its confirm follows the batch (channel.go)
	}
	p.bufUsed += rec
	p.bp.blk.peak = max(p.bp.blk.peak, p.bufUsed)
	if a.bb.EstimatedSize() >= p.batchSize {
		p.seal(part)
	} else if p.linger <= 0 && b.n == 1 {
		// linger.ms=0: ready at once, but still open to more records
		// until the sender takes it.
		p.drain(p.conn(part))
	}
}

func (p *producer) newBatch() *pbatch {
	if n := len(p.free); n > 0 {
		b := p.batches[p.free[n-1]]
		p.free = p.free[:n-1]
		return b
	}
	b := &pbatch{id: int32(len(p.batches))}
	p.batches = append(p.batches, b)
	return b
}

func (p *producer) release(b *pbatch) {
	if p.tx != nil {
		p.tx.released(b)
	}
	p.bufUsed -= b.bytes
	p.building--
	if a := &p.parts[b.part]; b.stamped && b.epoch == a.epoch {
		a.unresolved--
	}
	b.gen++
	b.times = b.times[:0]
	b.n, b.bytes, b.attempts, b.maybeWritten, b.stamped = 0, 0, 0, false, false
	p.free = append(p.free, b.id)
	p.bp.freed()
}

func (p *producer) openBatch(part int, now sim.Time) {
	a := &p.parts[part]
	b := p.newBatch()
	b.part, b.seq0, b.created = int32(part), a.nextSeq, now
	p.building++
	a.open = b.id
	a.bb.Reset(commitlog.BatchHeader{Idempotent: p.idem, Transactional: p.tx != nil, ProducerID: p.pid, BaseSequence: a.nextSeq, SizedValues: true})
	if p.tx != nil {
		p.tx.opened(b)
	}
	a.dq = append(a.dq, b.id)
	c := p.enlist(part)
	if p.linger > 0 && c.inFlight < p.maxInFlight {
		p.armLinger(c, now+p.linger)
	}
}

// conn is the connection to the broker the producer believes leads part.
func (p *producer) conn(part int) *prodConn { return p.conns[p.leaderOf(part)] }

// seal closes the partition's open batch, queues it and sends what it can.
func (p *producer) seal(part int) {
	if c := p.sealOnly(part); c != nil {
		p.drain(c)
	}
}

// sealOnly closes the partition's open batch (it stays in the deque,
// ready to send) and encodes it; it returns the connection to the
// partition's leader (nil if there was no open batch).
func (p *producer) sealOnly(part int) *prodConn {
	a := &p.parts[part]
	if a.open < 0 {
		return nil
	}
	b := p.batches[a.open]
	a.open = -1
	// The batch keeps the bytes it was built in; its old buffer (its
	// previous life's, long done) is the builder's for the next one.
	data, err := a.bb.BuildTake(b.data)
	if err != nil {
		p.w.fail(fmt.Errorf("producer %s: build batch: %w", p.name, err))
		return nil
	}
	b.data = data
	a.nextSeq += b.n
	p.nBatches++
	p.batchRecords += int64(b.n)
	p.sizesRec.record(int64(b.n), b.bytes)
	if part == p.sticky && len(p.t.parts) > 1 {
		p.sticky = (p.sticky + 1 + p.rng.IntN(len(p.t.parts)-1)) % len(p.t.parts)
	}
	return p.conn(part)
}

func (p *producer) send(req *produceReq) {
	w := p.w
	c := req.c
	c.inFlight++
	w.produceRequests++
	req.sentAt = w.s.Now()
	if drainTrace != nil {
		drainTrace(p, req)
	}
	for _, id := range req.batches {
		b := p.batches[id]
		b.attempts++
		if p.acks != 0 {
			p.parts[b.part].inFlight++
		}
	}
	if p.acks == 0 {
		// No response will come: the send completes the batches (their
		// buffers are released once the broker has read them).
		for _, id := range req.batches {
			p.account(p.batches[id], true)
		}
		c.inFlight--
	} else {
		deadline := req.sentAt + p.reqTimeout
		for _, id := range req.batches {
			deadline = min(deadline, p.batches[id].created+p.deliveryTimeout)
		}
		req.timer = w.s.AtCall(deadline, p.fRequestTimeout, uint64(req.id))
	}
	w.prClientSend(req) // through the producer's host to the network (clienthost.go)
}

// requestTimeout fires when a request got no response in time: its batches
// may or may not have been written.
func (p *producer) requestTimeout(id uint64) {
	req := p.w.preqs[id]
	req.timedOut = true
	if req.gone {
		defer p.w.freePreqID(req.id)
	}
	// Kafka closes the connection of a timed-out request and refreshes
	// its metadata.
	p.avoidBroker(req.c.b.id)
	p.refreshMetadata(p.backoff)
	req.c.inFlight--
	for _, bid := range req.batches {
		p.parts[p.batches[bid].part].inFlight--
	}
	for _, bid := range req.batches {
		p.retry(p.batches[bid], true)
	}
	p.drainAfter(req)
}

// onResponse handles the broker's answer for each batch.
func (p *producer) onResponse(req *produceReq) {
	if req.timedOut {
		return
	}
	p.w.s.Cancel(req.timer)
	req.c.inFlight--
	for _, id := range req.batches {
		p.parts[p.batches[id].part].inFlight--
	}
	for i, id := range req.batches {
		b := p.batches[id]
		switch req.results[i] {
		case resOK:
			p.complete(b, true)
		case resNotEnoughReplicasAfterAppend:
			p.retry(b, true)
		case resNotLeader:
			p.refreshMetadata(p.backoff)
			p.retry(b, false)
		case resTransient, resNotEnoughReplicas:
			p.retry(b, false)
		case resOutOfOrder:
			if p.tx != nil {
				p.tx.outOfOrder(b) // retried, or failed: its transaction aborts (txn_producer.go)
			} else if p.idem {
				p.outOfOrder(b)
				p.retry(b, false)
			} else {
				p.complete(b, false)
			}
		case resTooLarge:
			p.tooLargeN += int64(b.n)
			p.complete(b, false)
		default:
			p.complete(b, false)
		}
	}
	p.drainAfter(req)
}

// stamp gives an idempotent batch its producer epoch and log sequence when
// it is first sent, or sent again after an epoch bump (which it applies
// first if one is due); a retry of a stamped batch keeps its stamp, so the
// log can recognise it as a duplicate. It reports false if the run failed.
func (p *producer) stamp(b *pbatch) bool {
	a := &p.parts[b.part]
	if a.bump && (!a.gapBump || a.unresolved == 0) {
		// Nothing of this partition is in flight: start a new epoch at
		// sequence 0 (KIP-360); the log fences the older one.
		if a.epoch == math.MaxInt16 {
			p.w.fail(fmt.Errorf("producer %s: partition %d: producer epoch exhausted", p.name, b.part))
			return false
		}
		a.epoch++
		a.logSeq, a.ackedNext, a.gap, a.bump, a.gapBump = 0, 0, -1, false, false
		a.unresolved = 0 // batches of the older epoch are stamped again as they are sent
	}
	if b.stamped && b.epoch == a.epoch {
		return true
	}
	b.stamped, b.epoch, b.logSeq = true, a.epoch, a.logSeq
	a.unresolved++
	a.logSeq = seqNext(a.logSeq, b.n)
	if err := commitlog.Batch(b.data).SetProducerState(b.epoch, b.logSeq); err != nil {
		p.w.fail(fmt.Errorf("producer %s: stamp batch: %w", p.name, err))
		return false
	}
	return true
}

// seqNext is s+n on sequences, which wrap at MaxInt32 as in Kafka.
func seqNext(s, n int32) int32 { return int32((int64(s) + int64(n)) % (1 << 31)) }

// outOfOrder handles the log's refusal of an idempotent batch's sequence.
// Refused while earlier batches of its epoch are still unanswered, it is
// retried as it is: they may yet arrive. Refused as the first batch not
// acknowledged, or after a batch of the epoch ended unacknowledged, the
// sequences before it can never arrive (expired, or truncated by an
// unclean election): the partition's epoch is bumped and every batch not
// yet acknowledged is stamped again from sequence 0 when sent. A batch of
// an older epoch is simply stamped again.
func (p *producer) outOfOrder(b *pbatch) {
	a := &p.parts[b.part]
	if !b.stamped || b.epoch != a.epoch || a.bump {
		return
	}
	switch {
	case b.logSeq == a.ackedNext:
		// The log lost this producer's sequences (an unclean election,
		// truncation): nothing after ackedNext is in it.
		a.bump = true
	case a.gap >= 0 && b.logSeq >= a.gap:
		// A batch ended unacknowledged before this one. If it may have
		// been written, batches sent since may be in the log too: the
		// bump waits until each has completed and keeps its sequence
		// meanwhile, as Kafka's producer does (KIP-360).
		a.bump, a.gapBump = true, a.gapMaybe
	}
}

// unacked notes that an idempotent batch ended without acknowledgement: its
// sequences may be missing from the log, a gap later batches cannot pass.
func (p *producer) unacked(b *pbatch) {
	a := &p.parts[b.part]
	if !p.idem || !b.stamped || b.epoch != a.epoch || b.logSeq < a.ackedNext {
		return
	}
	if a.gap < 0 || b.logSeq < a.gap {
		a.gap, a.gapMaybe = b.logSeq, b.maybeWritten
	}
}

// complete ends a batch: acknowledged, or failed for good.
func (p *producer) complete(b *pbatch, ok bool) {
	p.account(b, ok)
	p.release(b)
}

// account records a batch's outcome with the checker and statistics.
func (p *producer) account(b *pbatch, ok bool) {
	now := p.w.s.Now()
	if p.w.ch != nil {
		p.w.ch.outcome(b, ok)
	}
	if ok {
		if a := &p.parts[b.part]; p.idem && b.stamped && b.epoch == a.epoch {
			a.ackedNext = seqNext(b.logSeq, b.n)
			if a.gap >= 0 && a.ackedNext > a.gap {
				a.gap = -1 // the log took a later batch: nothing is missing
			}
		}
		if p.tx != nil {
			p.tx.acked(b) // acknowledged to the application when its transaction commits
			return
		}
		p.acked += int64(b.n)
		p.bytesAcked += b.bytes - int64(b.n)*recordOverhead
		p.w.chk.Ack(p.idx, int(b.part), b.seq0, b.n)
		if now >= p.w.warm {
			for _, t := range b.times {
				if t >= p.w.warm {
					p.ackRec.RecordTime(now - t)
					if iv := p.w.ackInterval; iv != nil {
						iv.RecordTime(now - t)
					}
				}
			}
		}
	} else {
		p.unacked(b)
		if b.maybeWritten {
			p.indeterminate += int64(b.n)
		} else {
			p.failed += int64(b.n)
		}
	}
}

func (p *producer) expire(b *pbatch) {
	p.unacked(b)
	if p.w.ch != nil {
		p.w.ch.outcome(b, false)
	}
	if b.attempts > 0 && b.maybeWritten {
		p.indeterminate += int64(b.n)
	} else {
		p.failed += int64(b.n)
	}
	p.release(b)
}

// retry backs a batch off (exponential, ±20% jitter) and requeues it, or
// fails it when retries or delivery.timeout.ms are spent.
func (p *producer) retry(b *pbatch, maybeWritten bool) {
	now := p.w.s.Now()
	b.maybeWritten = b.maybeWritten || maybeWritten
	d := p.backoff
	for i := 1; i < b.attempts && d < p.backoffMax; i++ {
		d *= 2
	}
	d = min(d, p.backoffMax)
	d = sim.Time(float64(d) * (0.8 + 0.4*p.rng.Float64()))
	if b.attempts > p.retries || now+d >= b.created+p.deliveryTimeout {
		p.expire(b)
		return
	}
	p.w.retries++
	a := &p.parts[b.part]
	a.backoff = append(a.backoff, b.id)
	p.w.s.AfterCall(d, p.fRequeue, uint64(b.id))
}

// requeue puts a backed-off batch back in its partition's deque, before
// the later batches (Kafka's reenqueue: first, in sequence order).
func (p *producer) requeue(id uint64) {
	b := p.batches[id]
	a := &p.parts[b.part]
	for i, id := range a.backoff {
		if id == b.id {
			a.backoff = append(a.backoff[:i], a.backoff[i+1:]...)
			break
		}
	}
	pos := len(a.dq)
	for i, qid := range a.dq {
		if p.batches[qid].seq0 > b.seq0 {
			pos = i
			break
		}
	}
	a.dq = append(a.dq, 0)
	copy(a.dq[pos+1:], a.dq[pos:])
	a.dq[pos] = b.id
	p.drain(p.enlist(int(b.part)))
}

func (w *world) newPreq(c *prodConn) *produceReq {
	var r *produceReq
	if n := len(w.freePreq); n > 0 {
		r = w.preqs[w.freePreq[n-1]]
		w.freePreq = w.freePreq[:n-1]
	} else {
		r = &produceReq{id: uint32(len(w.preqs))}
		w.preqs = append(w.preqs, r)
	}
	r.c = c
	w.preqUses++
	r.use = w.preqUses
	r.batches, r.gens, r.results = r.batches[:0], r.gens[:0], r.results[:0]
	r.bytes, r.pending, r.handled, r.timedOut, r.gone, r.timer = 0, 0, false, false, false, 0
	return r
}

func (w *world) freePreqID(id uint32) {
	w.preqs[id].use = 0 // no longer the request anyone holds
	w.freePreq = append(w.freePreq, id)
}

// Broker side of a produce request.

func (w *world) prArrive(id uint64) {
	if w.faulty && !w.ctl.prArriveOK(w.preqs[id]) {
		return
	}
	r := w.preqs[id]
	r.c.b.bytesIn += r.bytes
	w.useFlow(r.c.b.NICIn, r.c.flow(), float64(64+r.bytes), w.fPrIn, id)
}

// prIn queues the request behind its connection's earlier one: a broker
// handles one request per connection at a time, in order.
func (w *world) prIn(id uint64) {
	if w.faulty && !w.ctl.prBrokerOK(w.preqs[id]) {
		return
	}
	r := w.preqs[id]
	c := r.c
	if c.busy {
		c.waiting = append(c.waiting, uint32(id))
		return
	}
	c.busy = true
	w.useTime(c.b.CPU, w.prCPU(r), w.fPrRoom, id)
}

// prHandle appends each batch to its partition's leader log.
func (w *world) prHandle(id uint64) {
	if w.faulty && !w.ctl.prBrokerOK(w.preqs[id]) {
		return
	}
	r := w.preqs[id]
	c := r.c
	p := c.p
	b := c.b
	if p.tx != nil && p.tx.verify(r, id) {
		return // held while the leader adds its partitions to the transaction (txn_implicit.go)
	}
	r.results = r.results[:0]
	w.holdWakes = true
	defer w.releaseWakes()
	transient := b.errRate > 0 && b.errRng.Float64() < b.errRate
	for i, bid := range r.batches {
		pb := p.batches[bid]
		part := p.t.parts[pb.part]
		res := resOK
		// A broker that missed the controller's latest metadata still
		// believes it leads (a zombie, metadata.go): it appends to its
		// own replica at its old epoch.
		zombie := w.faulty && w.ctl.zombie(b.id, part)
		switch {
		case pb.gen != r.gens[i]:
			// The producer gave up on this request and the batch has
			// completed since: nothing of it is left to write.
			res = resFatal
		case transient:
			res = resTransient
		case zombie:
		case part.leader.b != b || w.ctl.offline(part):
			res = resNotLeader
		case p.tx != nil && p.tx.refusedWrite(pb):
			res = resOutOfOrder // INVALID_PRODUCER_EPOCH: the coordinator refused the transaction
		case p.acks < 0 && part.isrSize < p.t.minISR:
			res = resNotEnoughReplicas
		}
		r.results = append(r.results, res)
		if res != resOK {
			continue
		}
		if zombie {
			if !w.zombieAppend(r, i, part) {
				return
			}
			continue
		}
		log := part.leader.log
		if p.idem && commitlog.Batch(pb.data).BaseSequence() != 0 {
			// A log that has never seen this producer must not accept a
			// batch after a gap (Kafka answers OUT_OF_ORDER_SEQUENCE or
			// UNKNOWN_PRODUCER_ID); the log itself accepts any first batch.
			if !log.HasProducer(p.pid) {
				r.results[i] = resOutOfOrder
				continue
			}
		}
		ar, err := log.Append(commitlog.Batch(pb.data), part.epoch)
		if err != nil && p.idem && writtenBefore(log, p.pid, commitlog.Batch(pb.data)) {
			// A retry of a batch the log took, older than the last 5 it
			// remembers: a duplicate, not written again, acknowledged once
			// the high watermark passes the log's end (where it is is not
			// known, only that it is below).
			ar, err = commitlog.AppendResult{Duplicate: true, LastOffset: log.LogEndOffset() - 1}, nil
		}
		if err != nil {
			if res, ok := appendRefused(err); ok {
				r.results[i] = res
				continue
			}
			w.fail(fmt.Errorf("append to %s-%d: %w", p.t.spec.Name, pb.part, err))
			return
		}
		if !ar.Duplicate {
			part.appended(int64(pb.n), ar.Size)
			if p.tx != nil {
				p.tx.traceAppend(pb)
			}
			w.prFlush(r, part)
		}
		if p.acks < 0 && part.hw <= ar.LastOffset {
			part.waiters = append(part.waiters, hwWaiter{req: uint32(id), batch: int32(i), offset: ar.LastOffset})
			r.pending++
		}
	}
	r.handled = true
	if r.pending == 0 {
		w.prRespond(r)
	}
}

// writtenBefore reports whether an idempotent batch's sequences are all
// in the log already: the log takes a producer epoch's sequences only in
// order from 0, so a batch of the log's current epoch for the producer
// whose last sequence is at most the log's last was written. The log
// itself recognises only its last 5 batches (as Kafka's brokers do, for a
// producer with at most 5 requests in flight); a producer here may have
// more of a partition's batches out after a leader change.
func writtenBefore(log *commitlog.Log, pid int64, b commitlog.Batch) bool {
	st, ok := log.ProducerState(pid)
	if !ok || len(st.Batches) == 0 || st.Epoch != b.ProducerEpoch() || b.BaseSequence() < 0 {
		return false
	}
	last := st.Batches[len(st.Batches)-1].LastSeq
	return b.LastSequence() <= last && b.BaseSequence() < st.Batches[0].FirstSeq
}

// appendRefused maps a log's refusal of a batch to the answer the producer
// gets; ok is false for an error that is a failure of the run.
func appendRefused(err error) (int8, bool) {
	switch {
	case errors.Is(err, commitlog.ErrOutOfOrderSequence), errors.Is(err, commitlog.ErrInvalidProducerEpoch):
		// A batch of an epoch the log has fenced is refused like a
		// sequence gap: the producer stamps it again.
		return resOutOfOrder, true
	case errors.Is(err, commitlog.ErrMessageTooLarge):
		return resTooLarge, true // answered to the producer, as Kafka does
	}
	return 0, false
}

// produceCommitted is called when the high watermark passes a waiting
// batch (acks=all).
func (w *world) produceCommitted(id uint32, batch int, part *partition) {
	r := w.preqs[id]
	if part.isrSize < r.c.p.t.minISR {
		r.results[batch] = resNotEnoughReplicasAfterAppend
	}
	r.pending--
	if r.pending == 0 && r.handled {
		w.prRespond(r)
	}
}

func (w *world) prRespond(r *produceReq) {
	if r.c.p.acks == 0 {
		w.prSent(uint64(r.id))
		return
	}
	w.useFlow(r.c.b.NICOut, r.c.flow(), float64(64+16*len(r.batches)), w.fPrSent, uint64(r.id))
}

// prSent: the response left the broker; the connection's next request may
// be handled.
func (w *world) prSent(id uint64) {
	if w.faulty && !w.ctl.prBrokerOK(w.preqs[id]) {
		return
	}
	r := w.preqs[id]
	c := r.c
	throttle := w.prFree(r) // quota.go: at once, or after a quota's throttle time
	if c.p.acks == 0 {
		for i, bid := range r.batches {
			if b := c.p.batches[bid]; b.gen == r.gens[i] {
				c.p.release(b)
			}
		}
		w.freePreqID(r.id)
		return
	}
	if throttle > 0 {
		w.s.AfterCall(throttle, w.prThrottled, id)
		return
	}
	w.net.Send(&c.down, w.fPrResp, id)
}

func (w *world) prResp(id uint64) {
	if w.faulty && !w.ctl.prRespOK(w.preqs[id]) {
		return
	}
	r := w.preqs[id]
	r.c.p.onResponse(r)
	w.freePreqID(r.id)
}

// flow is the connection's flow on the broker's NICs.
func (c *prodConn) flow() uint64 { return flowProducer | uint64(c.p.idx)<<20 | uint64(c.b.id) }
