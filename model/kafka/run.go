package kafka

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/model/node"
	"mqsim/scenarios"
	"mqsim/sim"
)

// step is how often the run loop checks for the end of the drain and
// reports progress.
const step = 250 * sim.Millisecond

// Run builds the scenario's cluster and clients, runs the producers for
// Duration and then drains (up to Drain more) until every group has
// processed everything written, and returns the results. The scenario must
// be resolved (Defaults filled, validated); Run returns an error rather than
// panicking on anything it cannot run. Same scenario and seed, same Results.
// It is this system's model.RunFunc (system.go registers it).
func Run(sc *scenarios.Scenario, opts Options) (*Results, error) {
	if sc != nil && sc.Mirror != nil {
		return runMirror(sc, opts) // mirror.go: a cluster per region
	}
	w, res, err := run(sc, opts)
	if w != nil {
		if cerr := w.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// run is Run without closing the logs, so tests can inspect the world.
func run(sc *scenarios.Scenario, opts Options) (*world, *Results, error) {
	if sc == nil {
		return nil, nil, errors.New("no scenario")
	}
	w, err := build(sc, opts)
	if err != nil {
		return w, nil, err
	}
	limit := w.end + sim.Time(sc.Drain)
	partial, err := model.Play(w.s, opts, step, w.end, limit, w.quiet, w.afterStep)
	if err != nil {
		return w, nil, err
	}
	res, err := w.finish(partial)
	return w, res, err
}

// afterStep runs after every step of the run loop: it stops the run on an
// internal failure and lets consumed records leave memory.
func (w *world) afterStep() error {
	if w.err != nil {
		return w.err
	}
	if err := w.releaseConsumed(); err != nil {
		return fmt.Errorf("release consumed records: %w", err)
	}
	return nil
}

// finish settles the world once its kernel has stopped and assembles the
// results.
func (w *world) finish(partial bool) (*Results, error) {
	w.sampler.Stop()
	w.sampleNow()
	if err := w.checkLags(); err != nil {
		return nil, err
	}
	w.freezeLagMaxima()
	if err := w.s.Err(); err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	if err := w.ctl.settle(); err != nil {
		return nil, err
	}
	res, err := w.results()
	if err == nil {
		err = w.checkLags()
	}
	if err == nil {
		w.ctl.report(res)
		res.LogDirFailures = w.logDirFailures // the convergence check may add some (storage.go)
		res.Partial = partial
		w.quotaResults(res)        // quota.go
		err = w.eventSourcing(res) // eventsource.go
	}
	return res, err
}

// close closes every log (on files: a clean shutdown).
func (w *world) close() error {
	var first error
	for _, l := range w.logs {
		if err := l.Close(); err != nil && first == nil {
			first = fmt.Errorf("close log: %w", err)
		}
	}
	if w.spillDir != "" {
		if err := os.RemoveAll(w.spillDir); err != nil && first == nil {
			first = fmt.Errorf("remove spill files: %w", err)
		}
	}
	return first
}

// quiet reports whether nothing is left to deliver: no producer holds a
// batch and every group has processed up to every log end.
func (w *world) quiet() bool {
	for _, p := range w.prods {
		if p.building > 0 {
			return false
		}
	}
	for _, g := range w.groups {
		for i, p := range g.t.parts {
			if g.processed[i] < p.records || p.hw < p.records {
				return false
			}
		}
	}
	return w.consumersQuiet() && w.txnQuiet()
}

func build(sc *scenarios.Scenario, opts Options) (*world, error) {
	if err := checkBuildable(sc); err != nil {
		return nil, err
	}
	h := sc.Cluster.Hardware
	s := sim.New(sc.Seed)
	network := net.New(s, s.Stream("network"), sim.Time(h.NetworkLatency), sim.Time(h.NetworkJitter))
	network.Dist = h.NetworkLatencyDist.Dist
	return newWorld(s, network, sc, opts)
}

// checkBuildable refuses a scenario a world cannot be built from.
func checkBuildable(sc *scenarios.Scenario) error {
	if sc.Cluster.Brokers < 1 {
		return fmt.Errorf("cluster: %d brokers", sc.Cluster.Brokers)
	}
	if sc.Duration <= 0 {
		return fmt.Errorf("duration %v must be positive", sc.Duration)
	}
	h := sc.Cluster.Hardware
	if !(h.NICIn > 0 && h.NICOut > 0 && h.DiskWrite > 0 && h.DiskRead > 0) || h.CPUThreads < 1 {
		return fmt.Errorf("cluster hardware is not resolved (NIC, disk rates and CPU threads must be set)")
	}
	return nil
}

// newWorld builds the scenario's cluster and clients on kernel s and
// network n, and schedules their start: the caller runs the kernel. The
// scenario's hardware latency settings are the network's, not read here.
func newWorld(s *sim.Sim, n *net.Network, sc *scenarios.Scenario, opts Options) (*world, error) {
	w := &world{s: s, sc: sc, opts: opts, end: sim.Time(sc.Duration), warm: sim.Time(sc.Warmup), net: n}
	w.bind()
	w.releases = w.releasesConsumed()
	w.spills = w.spillsConsumed()
	for i := range sc.Cluster.Brokers {
		b, err := newBroker(w, i)
		if err != nil {
			return w, err
		}
		w.brokers = append(w.brokers, b)
	}
	byName := map[string]*topic{}
	nb := len(w.brokers)
	for ti := range sc.Topics {
		ts := &sc.Topics[ti]
		rf := ts.ReplicationFactor
		if rf < 1 || rf > nb {
			return w, fmt.Errorf("topic %s: replication factor %d with %d brokers", ts.Name, rf, nb)
		}
		if ts.Partitions < 1 {
			return w, fmt.Errorf("topic %s: %d partitions", ts.Name, ts.Partitions)
		}
		t := &topic{spec: ts, idx: ti, rf: rf, minISR: max(ts.MinInsyncReplicas, 1)}
		for range ts.Partitions {
			if _, err := w.newPartition(t); err != nil {
				return w, err
			}
		}
		w.topics = append(w.topics, t)
		byName[ts.Name] = t
	}
	// num.replica.fetchers fetchers per (follower broker, leader broker)
	// pair, the partitions hashed among them.
	fetcherOf := map[fetcherKey]*replicaFetcher{}
	for _, t := range w.topics {
		for _, p := range t.parts {
			for _, r := range p.replicas[1:] {
				k := w.fetcherKey(r.b, p.leader.b, p)
				f := fetcherOf[k]
				if f == nil {
					f = w.newReplicaFetcher(k, r.b, p.leader.b)
					fetcherOf[k] = f
				}
				f.parts = append(f.parts, r)
				r.fetcher = f
			}
		}
	}
	for _, f := range w.fetchers {
		f.offsets = make([]int64, len(f.parts))
		f.data = make([][]byte, len(f.parts))
		f.leaderHW = make([]int64, len(f.parts))
		f.initFetch(w.incrementalFetching())
	}
	w.chk = check.New(len(sc.ConsumerGroups))
	nprod := 0
	for _, ps := range sc.Producers {
		nprod += max(ps.Instances, 1)
	}
	w.pidBase = w.freshProducerIDs(int64(nprod))
	for pi := range sc.Producers {
		ps := &sc.Producers[pi]
		t := byName[ps.Topic]
		if t == nil {
			return w, fmt.Errorf("producer %s: unknown topic %q", ps.Name, ps.Topic)
		}
		for inst := range max(ps.Instances, 1) {
			p, err := newProducer(w, ps, t, inst, len(w.prods))
			if err != nil {
				return w, err
			}
			w.prods = append(w.prods, p)
		}
	}
	for gi := range sc.ConsumerGroups {
		gs := &sc.ConsumerGroups[gi]
		t := byName[gs.Topic]
		if t == nil {
			return w, fmt.Errorf("consumer group %s: unknown topic %q", gs.Name, gs.Topic)
		}
		g, err := newGroup(w, gs, t, gi)
		if err != nil {
			return w, err
		}
		w.groups = append(w.groups, g)
		t.groups = append(t.groups, g)
	}
	w.incSessions = w.incrementalSessions()
	w.quotas = newQuotas(w) // quota.go
	if err := w.setupSampler(); err != nil {
		return w, err
	}
	if err := w.setupController(); err != nil {
		return w, err
	}
	w.startOffsetsTopic()
	w.startFlusher()
	w.startGCPauses()
	// Start: fetchers, groups, producers, ISR checks, sampling.
	for _, f := range w.fetchers {
		f.send()
	}
	for _, g := range w.groups {
		g.start()
	}
	for _, p := range w.prods {
		p.start()
	}
	for i := range w.brokers {
		lag := sim.Time(sc.Cluster.ReplicaLagTimeMax)
		s.AfterCall(max(lag/2, sim.Millisecond), w.fISRCheck, uint64(i))
	}
	if err := w.scheduleFaults(); err != nil {
		return w, err
	}
	w.startRetention()
	w.sampler.Start()
	return w, nil
}

// newPartition adds the next partition to t, its replicas placed as
// Kafka places them: the leader round-robin over the brokers by the
// cluster's count of partitions placed so far, followers after it with a
// shift that grows every full round. Its logs are empty; nothing fetches it
// yet.
func (w *world) newPartition(t *topic) (*partition, error) {
	nb := len(w.brokers)
	pi := len(t.parts)
	p := &partition{w: w, t: t, idx: pi, isrSize: t.rf}
	gp := w.placed
	first := gp % nb
	shift := (gp / nb) % max(nb-1, 1)
	for j := range t.rf {
		bi := first
		if j > 0 {
			bi = (first + 1 + (shift+j-1)%(nb-1)) % nb
		}
		b := w.brokers[bi]
		l, err := w.openLog(fmt.Sprintf("broker-%d/%s-%d", bi, t.spec.Name, pi), logConfig(t.spec))
		if err != nil {
			return nil, err
		}
		r := &replica{p: p, b: b, log: l, inISR: true}
		b.addReplica(r)
		p.replicas = append(p.replicas, r)
		b.replicas++
	}
	p.leader = p.replicas[0]
	p.leader.b.leaders++
	if err := p.resumeLogs(); err != nil {
		return nil, fmt.Errorf("partition %s-%d: %w", t.spec.Name, pi, err)
	}
	w.placed++
	t.parts = append(t.parts, p)
	return p, nil
}

// resumeLogs makes a new partition's logs agree before it starts, its
// first replica leading. A resumed partition's leader epoch goes on from
// the newest its logs hold: Kafka keeps the epoch in its metadata, and the
// restart that makes this replica leader again is a new epoch (an earlier
// run that elected a new leader left its logs at epoch 1 or more, where an
// append at epoch 0 is fenced). A fresh partition starts at 0. Resumed
// logs may also disagree at the tail (recovery cut one, the earlier run
// stopped mid-replication, or a replica led in an epoch the others never
// saw): a follower truncates where its log stops matching the leader's by
// leader epochs, as Kafka's followers do when they learn the leader's
// epoch end offset (KIP-101, KIP-279).
func (p *partition) resumeLogs() error {
	for _, r := range p.replicas {
		if e, ok := r.log.LatestEpoch(); ok {
			p.epoch = max(p.epoch, e+1)
		}
	}
	p.base = p.leader.log.LogEndOffset()
	for _, r := range p.replicas[1:] {
		if d := commitlog.Divergence(r.log, p.leader.log); d < r.log.LogEndOffset() {
			if err := r.log.TruncateTo(d); err != nil {
				return fmt.Errorf("truncate a follower where it leaves the leader's log: %w", err)
			}
		}
	}
	return p.leader.log.AssignEpoch(p.epoch, p.base)
}

// freshProducerIDs is the first of n producer ids that no partition's log
// knows: 1000 in a fresh run; past the earlier run's ids when the logs were
// resumed, as InitProducerId hands a restarted producer a new id, so its
// sequences start again at 0 without clashing with what the log holds.
func (w *world) freshProducerIDs(n int64) int64 {
	const first = 1000
	var logs []*commitlog.Log
	for _, t := range w.topics {
		for _, p := range t.parts {
			if p.base > 0 {
				for _, r := range p.replicas {
					logs = append(logs, r.log)
				}
			}
		}
	}
	for base := int64(first); ; base += n {
		clash := false
		for _, l := range logs {
			for id := base; id < base+n && !clash; id++ {
				_, clash = l.ProducerState(id)
			}
			if clash {
				break
			}
		}
		if !clash {
			return base
		}
	}
}

func logConfig(ts *scenarios.Topic) commitlog.Config {
	return commitlog.Config{SegmentBytes: int64(ts.SegmentBytes), RetentionBytes: int64(ts.RetentionBytes), RetentionAge: time.Duration(ts.Retention),
		MaxBatchBytes: int64(ts.MaxMessageBytes)}
}

// The kernel callbacks, bound once so scheduling them never allocates.
type callbacks struct {
	fNop, fISRCheck                                       func(uint64)
	fRFArrive, fRFIn, fRFRead, fRFExpire, fRFDisk, fRFOut func(uint64)
	fRFResp, fRFDstIn, fRFApply                           func(uint64)
	fPrArrive, fPrIn, fPrHandle, fPrSent, fPrResp         func(uint64)
	fCsArrive, fCsIn, fCsRead, fCsExpire, fCsDisk, fCsOut func(uint64)
	fCsResp                                               func(uint64)
	fCmArrive, fCmIn, fCmHandle, fCmOut, fCmResp          func(uint64)
	fPrRoom, fRFDstCPU, fPrFsynced, fRFFsynced            func(uint64) // pagecache.go, flush.go
	fPrClientCPU, fPrClientNIC, fCsClientIn, fCsClientNIC func(uint64) // clienthost.go
	fCsTLS, fRFTLS                                        func(uint64) // clienthost.go
}

func (w *world) bind() {
	w.fJobDone = w.jobDone
	w.callbacks = callbacks{
		fNop: w.nop, fISRCheck: w.isrCheck,
		fRFArrive: w.rfArrive, fRFIn: w.rfIn, fRFRead: w.rfRead, fRFExpire: w.rfExpire, fRFDisk: w.rfDisk,
		fRFOut: w.rfOut, fRFResp: w.rfResp, fRFDstIn: w.rfDstIn, fRFApply: w.rfApply,
		fPrArrive: w.prArrive, fPrIn: w.prIn, fPrHandle: w.prHandle, fPrSent: w.prSent, fPrResp: w.prResp,
		fCsArrive: w.csArrive, fCsIn: w.csIn, fCsRead: w.csRead, fCsExpire: w.csExpire, fCsDisk: w.csDisk,
		fCsOut: w.csOut, fCsResp: w.csResp,
		fCmArrive: w.cmArrive, fCmIn: w.cmIn, fCmHandle: w.cmHandle, fCmOut: w.cmOut, fCmResp: w.cmResp,
		fPrRoom: w.prRoom, fRFDstCPU: w.rfDstCPU, fPrFsynced: w.prFsynced, fRFFsynced: w.rfFsynced,
		fPrClientCPU: w.prClientCPU, fPrClientNIC: w.prClientNIC, fCsClientIn: w.csClientIn, fCsClientNIC: w.csClientNIC,
		fCsTLS: w.csTLS, fRFTLS: w.rfTLS,
	}
}

// Sampling.

func (w *world) setupSampler() error {
	iv := sim.Time(w.sc.SampleInterval)
	if iv <= 0 {
		iv = sim.Second
	}
	sp, err := sim.NewSampler(w.s, iv)
	if err != nil {
		return err
	}
	w.sampler = sp
	add := func(name string, fn func() float64) {
		if err == nil {
			err = sp.Add(name, fn)
		}
	}
	addRate := func(name string, fn func() float64) {
		if err == nil {
			err = sp.AddRate(name, fn)
		}
	}
	addRate("produced_per_s", func() float64 {
		var n int64
		for _, p := range w.prods {
			n += p.produced
		}
		return float64(n)
	})
	addRate("acked_per_s", func() float64 {
		var n int64
		for _, p := range w.prods {
			n += p.acked
		}
		return float64(n)
	})
	addRate("producer_errors_per_s", func() float64 {
		var n int64
		for _, p := range w.prods {
			n += p.failed + p.indeterminate
		}
		return float64(n)
	})
	for _, g := range w.groups {
		g := g
		addRate("consumed_per_s/"+g.spec.Name, func() float64 { return float64(g.consumed) })
		add("lag/"+g.spec.Name, func() float64 {
			if verifyLag {
				if err := g.checkLag(); err != nil {
					w.fail(err)
				}
			}
			return float64(g.lagTotal)
		})
		add("max_partition_lag/"+g.spec.Name, func() float64 { _, worst := g.lag(); return float64(worst) })
	}
	w.addConsumerSeries(add)
	add("e2e_p50_ms", func() float64 { return ms(w.chk.Interval.Quantile(0.5)) })
	add("e2e_p99_ms", func() float64 {
		v := ms(w.chk.Interval.Quantile(0.99))
		w.chk.Interval.Reset() // the last e2e column of the tick resets the interval
		return v
	})
	// Acknowledgement (publish) latency over the acks of the interval, as
	// the benchmark reports it interval by interval; the aggregate
	// AckLatency keeps every ack of the run.
	w.ackInterval = sim.NewLatencyHistogram()
	ackCols := []struct {
		name string
		q    float64 // quantile; -1 for the mean
	}{{"ack_mean_ms", -1}, {"ack_p50_ms", 0.5}, {"ack_p75_ms", 0.75}, {"ack_p95_ms", 0.95},
		{"ack_p99_ms", 0.99}, {"ack_p999_ms", 0.999}, {"ack_p9999_ms", 0.9999}, {"ack_max_ms", 1}}
	for i, c := range ackCols {
		last := i == len(ackCols)-1
		add(c.name, func() float64 {
			h := w.ackInterval
			if h.Count() == 0 {
				return 0
			}
			v := h.Mean() / 1e6
			if c.q >= 0 {
				v = ms(h.Quantile(c.q))
			}
			if last {
				h.Reset() // the last ack column of the tick resets the interval
			}
			return v
		})
	}
	add("min_isr", func() float64 {
		m := math.MaxInt
		for _, t := range w.topics {
			for _, p := range t.parts {
				m = min(m, p.isrSize)
			}
		}
		if m == math.MaxInt {
			m = 0
		}
		w.minISR = min(w.minISR, m)
		return float64(m)
	})
	add("under_replicated", func() float64 {
		n := w.underReplicated()
		w.maxUnder = max(w.maxUnder, n)
		return float64(n)
	})
	for _, b := range w.brokers {
		b := b
		for ri, rs := range b.Resources() {
			ri, rs := ri, rs
			add(fmt.Sprintf("util/%d/%s", b.id, node.ResourceNames[ri]), func() float64 {
				st := rs.Stats()
				busy := st.Utilisation * st.Window.Seconds()
				d := busy - b.utilPrev[ri]
				b.utilPrev[ri] = busy
				if ri == diskWriteResource {
					return math.Max(0, b.diskDemand(d, iv))
				}
				return math.Max(0, d/iv.Seconds())
			})
		}
	}
	w.minISR = math.MaxInt
	return err
}

// sampleNow updates the maxima with the final state (the sampler may not
// have ticked at the very end). The groups' lag maxima need no sample:
// they are kept exactly as the lag moves (lag.go).
func (w *world) sampleNow() {
	n := w.underReplicated()
	w.maxUnder = max(w.maxUnder, n)
}

func (w *world) underReplicated() int {
	n := 0
	for _, t := range w.topics {
		for _, p := range t.parts {
			if p.isrSize < t.rf {
				n++
			}
		}
	}
	return n
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

// results assembles the Results after the run.
func (w *world) results() (*Results, error) {
	sc := w.sc
	now := w.s.Now()
	r := &Results{Scenario: sc.Name, Seed: sc.Seed, SimSeconds: now.Seconds(), Events: w.s.Events(),
		ProduceRequests: w.produceRequests, Retries: w.retries, ReplicaFetches: w.replicaFetches,
		ConsumerFetches: w.consumerFetches, OffsetCommits: w.offsetCommits, HighWatermarkViolation: w.hwViolations,
		ISRShrinks: w.isrShrinks, ISRExpands: w.isrExpands, MaxUnderReplicated: w.maxUnder,
		FinalUnderReplicated: w.underReplicated(), Faults: w.faultEvents}
	if w.minISR != math.MaxInt {
		r.MinISR = w.minISR
	}
	ack := sim.NewLatencyHistogram()
	var bytesIn int64
	for _, p := range w.prods {
		ack.Merge(p.ackHist)
		r.Produced += p.produced
		r.Acked += p.acked
		r.Failed += p.failed
		r.Indeterminate += p.indeterminate
		bytesIn += p.bytesAcked
	}
	// Per producer spec, all instances together.
	for pi := range sc.Producers {
		ps := &sc.Producers[pi]
		pr := ProducerResult{Name: ps.Name, Topic: ps.Topic}
		h := sim.NewLatencyHistogram()
		var batches, recs int64
		var sizes batchSizes
		for _, p := range w.prods {
			if p.spec != ps {
				continue
			}
			pr.Produced += p.produced
			pr.Acked += p.acked
			pr.Failed += p.failed
			pr.Indeterminate += p.indeterminate
			batches += p.nBatches
			recs += p.batchRecords
			sizes.merge(&p.batchSizes)
			h.Merge(p.ackHist)
		}
		pr.BatchRecords, pr.BatchBytes = sizes.results()
		pr.Batches = batches
		if batches > 0 {
			pr.MeanBatch = float64(recs) / float64(batches)
		}
		pr.AckLatency = model.LatencyOf(h)
		r.Producers = append(r.Producers, pr)
	}
	r.AckLatency = model.LatencyOf(ack)
	// A stopped run's producers ran only until now.
	if dur := min(w.end, now).Seconds(); dur > 0 {
		r.ThroughputIn = float64(r.Acked) / dur
		r.ThroughputInBytes = float64(bytesIn) / dur
	}
	e2e := sim.NewLatencyHistogram()
	var out, outBytes int64
	for gi, g := range w.groups {
		pending := check.NewLedger()
		for i, p := range g.t.parts {
			from := max(g.processed[i], p.leader.log.LogStartOffset(), p.base)
			if err := check.PendingIDs(pending, p.leader.log, i, from); err != nil {
				if w.storageErrorAfterRun(p.leader.b, p, from, err) {
					continue // listed: what follows the bad batch counts as not delivered
				}
				return nil, fmt.Errorf("group %s: read pending messages: %w", g.spec.Name, err)
			}
		}
		if err := g.pendingElsewhere(pending); err != nil {
			return nil, fmt.Errorf("group %s: read pending messages: %w", g.spec.Name, err)
		}
		w.settleOthers(g) // topicsettle.go
		lost, unseen := w.chk.Settle(gi, pending)
		final, worst := g.lag()
		gr := GroupResult{Name: g.spec.Name, Topic: g.t.spec.Name, Consumers: len(g.members),
			Processed: g.consumed, Skipped: g.skipped, EarlierRun: g.earlierRun, Lost: lost, Unseen: unseen,
			Duplicates: w.chk.Duplicates(gi), Reordered: w.chk.Reordered(gi),
			MaxLag: g.maxLag, FinalLag: final, MaxPartLag: g.maxPartLag, FinalPart: worst,
			E2ELatency: model.LatencyOf(g.e2e), Assignment: g.assignment}
		r.Groups = append(r.Groups, gr)
		r.Lost += lost
		r.Unseen += unseen
		r.Duplicates += gr.Duplicates
		r.Reordered += gr.Reordered
		r.FinalLag += final
		r.MaxLag = max(r.MaxLag, g.maxLag)
		e2e.Merge(g.e2e)
		out += g.consumed
		outBytes += g.bytesOut
	}
	r.E2ELatency = model.LatencyOf(e2e)
	r.E2ECDF, r.AckCDF = model.LatencyCDF(e2e), model.LatencyCDF(ack)
	if r.SimSeconds > 0 {
		r.ThroughputOut = float64(out) / r.SimSeconds
		r.ThroughputOutBytes = float64(outBytes) / r.SimSeconds
	}
	for _, b := range w.brokers {
		st := [5]float64{}
		for i, rs := range b.Resources() {
			st[i] = rs.Stats().Utilisation
			r.MaxBrokerUtilisation = math.Max(r.MaxBrokerUtilisation, st[i])
		}
		r.Brokers = append(r.Brokers, BrokerResult{ID: b.id, Leaders: b.leaders, Replicas: b.replicas,
			NICIn: st[0], NICOut: st[1], DiskWrite: max(st[2], b.diskShare()), DiskRead: st[3], CPU: st[4],
			BytesIn: b.bytesIn, BytesOut: b.bytesOut, PageCache: b.cacheResult()})
	}
	r.BusiestResource, r.BusiestUtilisation = w.busiest()
	r.Series = Series{IntervalSeconds: w.sampler.Interval().Seconds()}
	for _, t := range w.sampler.Times() {
		r.Series.Time = append(r.Series.Time, t.Seconds())
	}
	for _, name := range w.sampler.Names() {
		col := append([]float64(nil), w.sampler.Column(name)...)
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				col[i] = 0
			}
		}
		r.Series.Columns = append(r.Series.Columns, Column{Name: name, Values: col})
	}
	w.consumerResults(r)
	w.shareResults(r)
	if err := w.txnResults(r); err != nil { // txn_results.go
		return nil, err
	}
	return r, nil
}
