package kafka

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/load"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// MirrorMaker 2-style geo-replication (the scenario's mirror: section).
//
// Every region is a Kafka cluster of cluster.brokers brokers, built with
// NewCluster on one kernel and one network. The producers are in one
// region, the source; each topic they write is copied to every other
// region as the remote topic SOURCE.TOPIC, at the same partition number,
// by a replicator (mirrorTask) running in the source region beside its
// cluster — consume locally, produce remotely, one of MirrorMaker 2's
// deployments:
//
//   - its consumer is a real consumer group on the source cluster
//     (scenarios.MirrorGroup: one member, reading from the earliest
//     offset); every record the group processes is handed to the
//     replicator (emit);
//   - its producer writes into the target cluster's leader for the
//     partition, acks=all, one request in flight per partition (Kafka
//     Connect's max.in.flight.requests.per.connection=1), everything that
//     arrived meanwhile in the next request; each request crosses the WAN:
//     the region pair's link of wan_bandwidth, then wan_latency each way
//     (the network's delay between the replicator's host and the target
//     brokers). A request refused or unanswered within request.timeout is
//     sent again after retry.backoff to the partition's current leader
//     (the target may then hold a record twice);
//   - offset syncs pair an upstream offset with the downstream offset it
//     was written at, one whenever the upstream offset has moved
//     offset_lag_max records past the partition's last sync;
//   - every emit_checkpoints_interval it reads the committed offsets of
//     the source region's groups and translates each (MirrorMaker 2's
//     rule: the downstream offset of the latest sync at or below it, plus
//     one unless the sync is exactly there) into a checkpoint, sent over
//     the WAN to the target cluster.
//
// The message ids travel with the records, so the target's groups are
// judged against what the source acknowledged: a region outage
// (region_outages: every broker of the region crashes, losing its page
// cache) loses for the other regions whatever the source had acknowledged
// and not yet replicated (geo_unreplicated). A source group failing over
// to the target starts at its last checkpoint: failover_reprocessed counts
// the records it had processed that it would process again.

// geoRun is one run across regions.
type geoRun struct {
	s       *sim.Sim
	n       *net.Network
	sc      *scenarios.Scenario
	m       *scenarios.Mirror
	src     int
	regions []*geoRegion
	tasks   []*mirrorTask
	cps     []*checkpoint

	checkpoints int64
}

// geoRegion is one region's cluster and what it holds.
type geoRegion struct {
	name   string
	c      *Cluster
	groups map[string]bool // the scenario's groups consuming here
	topics []string
}

// mirrorTasks is, on a source cluster, the replicators reading it.
type mirrorTasks struct {
	byGroup map[*group]*mirrorTask
}

// mirrorTask replicates one topic from the source cluster to one target.
type mirrorTask struct {
	src, dst     *world
	g            *group // its consumer group on the source
	out          *topic // the remote topic in the target
	target       int    // region index
	node         net.NodeID
	up, down     []net.Link // per target broker
	wan          *sim.RateServer
	offsetLagMax int
	parts        []mirrorPart

	dark              bool          // the source region is down: so is the replicator's host
	have              *check.Ledger // message ids written to the target
	records, requests int64
	lagSum            float64
	lagN              int64
	maxLag            sim.Time
}

// mirrorPart is one partition's replication state.
type mirrorPart struct {
	pending  []outRec
	ups      []int64 // upstream offsets of pending
	inflight bool
	upOf     []int64 // downstream offset → upstream offset, as written
	syncs    []offsetSync
}

// offsetSync pairs an upstream offset with its downstream one.
type offsetSync struct{ up, down int64 }

// checkpoint is one source group's translated offsets in one target.
type checkpoint struct {
	g      *group
	task   *mirrorTask
	offset []int64 // per partition; -1 before the first checkpoint
}

// runMirror is Run for a scenario with a mirror: section.
func runMirror(sc *scenarios.Scenario, opts Options) (*Results, error) {
	g, err := newGeoRun(sc, opts)
	defer func() {
		if g != nil {
			for _, r := range g.regions {
				if r.c != nil {
					_ = r.c.Close()
				}
			}
		}
	}()
	if err != nil {
		return nil, err
	}
	end := sim.Time(sc.Duration)
	quiet := func() bool {
		for _, r := range g.regions {
			if !r.c.Quiet() {
				return false
			}
		}
		for _, t := range g.tasks {
			for i := range t.parts {
				if p := &t.parts[i]; p.inflight || len(p.pending) > 0 {
					return false
				}
			}
		}
		return true
	}
	partial, err := model.Play(g.s, opts, step, end, end+sim.Time(sc.Drain), quiet, func() error {
		for _, r := range g.regions {
			if err := r.c.AfterStep(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g.results(partial)
}

func newGeoRun(sc *scenarios.Scenario, opts Options) (*geoRun, error) {
	m := sc.Mirror
	if len(m.Regions) < 2 {
		return nil, errors.New("mirror: fewer than 2 regions")
	}
	if err := checkBuildable(sc); err != nil {
		return nil, err
	}
	h := sc.Cluster.Hardware
	s := sim.New(sc.Seed)
	n := net.New(s, s.Stream("network"), sim.Time(h.NetworkLatency), sim.Time(h.NetworkJitter))
	n.Dist = h.NetworkLatencyDist.Dist
	g := &geoRun{s: s, n: n, sc: sc, m: m}
	for i, r := range m.Regions {
		for _, p := range sc.Producers {
			if slices.Contains(r.Producers, p.Name) {
				g.src = i
			}
		}
	}
	var topics []string // the topics the producers write, in the scenario's order
	for _, t := range sc.Topics {
		for _, p := range sc.Producers {
			if p.Topic == t.Name && !slices.Contains(topics, t.Name) {
				topics = append(topics, t.Name)
			}
		}
	}
	srcName := m.Regions[g.src].Name
	for ri, reg := range m.Regions {
		rc := *sc
		rc.Name = sc.Name + "/" + reg.Name
		rc.Mirror, rc.Expect, rc.Faults = nil, nil, nil
		gr := &geoRegion{name: reg.Name, groups: map[string]bool{}}
		var groups []scenarios.ConsumerGroup
		for _, cg := range sc.ConsumerGroups {
			in := slices.Contains(reg.Groups, cg.Name)
			if !in && ri == 0 {
				in = !slices.ContainsFunc(m.Regions, func(r scenarios.PulsarRegion) bool { return slices.Contains(r.Groups, cg.Name) })
			}
			if !in {
				continue
			}
			gr.groups[cg.Name] = true
			if ri != g.src {
				if !slices.Contains(topics, cg.Topic) {
					return g, fmt.Errorf("mirror: group %s in region %s reads %s, which no producer in %s writes", cg.Name, reg.Name, cg.Topic, srcName)
				}
				cg.Topic = m.RemoteTopic(srcName, cg.Topic)
			}
			groups = append(groups, cg)
		}
		if ri == g.src {
			rc.Topics = slices.Clone(sc.Topics)
			rc.Producers = slices.Clone(sc.Producers)
			for ti, reg2 := range m.Regions {
				if ti == g.src {
					continue
				}
				for _, t := range topics {
					groups = append(groups, scenarios.MirrorGroup(mirrorGroupName(reg2.Name, t), t))
				}
			}
		} else {
			rc.Topics = nil
			for _, t := range sc.Topics {
				if slices.Contains(topics, t.Name) {
					t.Name = m.RemoteTopic(srcName, t.Name)
					rc.Topics = append(rc.Topics, t)
				}
			}
			rc.Producers, rc.Quotas, rc.EventSourcing = nil, nil, nil
		}
		rc.ConsumerGroups = groups
		for _, o := range m.RegionOutages {
			if o.Region != reg.Name {
				continue
			}
			for b := range sc.Cluster.Brokers {
				b := b
				rc.Faults = append(rc.Faults, scenarios.Fault{Type: "broker-crash", Broker: &b, At: o.At, Duration: o.Duration,
					LosePageCache: true, Label: "region " + reg.Name + " dark"})
			}
		}
		for _, t := range rc.Topics {
			gr.topics = append(gr.topics, t.Name)
		}
		ropts := opts
		if opts.DataDir != "" {
			ropts.DataDir = filepath.Join(opts.DataDir, reg.Name) // each region's logs apart
		}
		c, err := NewCluster(s, n, &rc, ropts, reg.Name)
		if err != nil {
			return g, fmt.Errorf("region %s: %w", reg.Name, err)
		}
		gr.c = c
		g.regions = append(g.regions, gr)
	}
	return g, g.connect(topics)
}

func mirrorGroupName(target, topic string) string { return "mirror-" + target + "-" + topic }

// connect starts a replicator per topic and target region, and the
// checkpoints of the source region's groups.
func (g *geoRun) connect(topics []string) error {
	m := g.m
	src := g.regions[g.src]
	sw := src.c.w
	sw.mirror = &mirrorTasks{byGroup: map[*group]*mirrorTask{}}
	wan := sim.Time(m.WANLatency)
	for ti, reg := range g.regions {
		if ti == g.src {
			continue
		}
		dw := reg.c.w
		rs, err := sim.NewRateServer(g.s, sim.RateServerConfig{Name: fmt.Sprintf("wan/%s-%s", src.name, reg.name), Servers: 1, Rate: float64(m.WANBandwidth)})
		if err != nil {
			return err
		}
		for _, t := range topics {
			var mg *group
			for _, gg := range sw.groups {
				if gg.spec.Name == mirrorGroupName(reg.name, t) {
					mg = gg
				}
			}
			var out *topic
			for _, tt := range dw.topics {
				if tt.spec.Name == m.RemoteTopic(src.name, t) {
					out = tt
				}
			}
			if mg == nil || out == nil {
				return fmt.Errorf("mirror %s → %s: topic %s not built", src.name, reg.name, t)
			}
			task := &mirrorTask{src: sw, dst: dw, g: mg, out: out, target: ti, wan: rs, offsetLagMax: m.OffsetLagMax,
				node: g.n.AddNode(fmt.Sprintf("mirror-%s-%s", reg.name, t)), parts: make([]mirrorPart, len(out.parts)), have: check.NewLedger()}
			for _, b := range dw.brokers {
				task.up = append(task.up, net.Link{From: task.node, To: b.node})
				task.down = append(task.down, net.Link{From: b.node, To: task.node})
				g.n.SetDelay(task.node, b.node, wan)
				g.n.SetDelay(b.node, task.node, wan)
			}
			sw.mirror.byGroup[mg] = task
			g.tasks = append(g.tasks, task)
			for _, gg := range sw.groups {
				if src.groups[gg.spec.Name] && gg.t == mg.t {
					cp := &checkpoint{g: gg, task: task, offset: make([]int64, len(gg.t.parts))}
					for i := range cp.offset {
						cp.offset[i] = -1
					}
					g.cps = append(g.cps, cp)
				}
			}
		}
	}
	for _, o := range m.RegionOutages {
		if o.Region != src.name {
			continue
		}
		g.s.At(sim.Time(o.At), func() { g.replicatorsDark(true) })
		if o.Duration > 0 {
			g.s.At(sim.Time(o.At+o.Duration), func() { g.replicatorsDark(false) })
		}
	}
	if len(g.cps) > 0 {
		iv := sim.Time(m.EmitCheckpointsInterval)
		var tick func()
		tick = func() {
			g.emitCheckpoints()
			g.s.After(iv, tick)
		}
		g.s.After(iv, tick)
	}
	return nil
}

// emit hands a record the replicator's group processed to its replicator.
func (mt *mirrorTasks) emit(g *group, r *pollRec) {
	t := mt.byGroup[g]
	if t == nil || t.dark {
		return
	}
	p := &t.parts[r.part]
	p.pending = append(p.pending, outRec{prod: r.prod, seq: r.seq, key: r.key, born: r.born, size: r.size})
	p.ups = append(p.ups, r.offset)
	t.kick(int(r.part))
}

// kick sends partition i's pending records if no request is in flight.
func (t *mirrorTask) kick(i int) {
	p := &t.parts[i]
	if t.dark || p.inflight || len(p.pending) == 0 {
		return
	}
	// One request of at most the remote topic's max.message.bytes (and
	// max.request.size, 1 MB by default); the rest waits for the next.
	limit := int64(scenarios.DefaultMaxRequestSize)
	if mb := int64(t.out.spec.MaxMessageBytes); mb > 0 {
		limit = min(limit, mb)
	}
	n, est := 0, int64(64)
	for n < len(p.pending) {
		r := &p.pending[n]
		rec := r.size + recordOverhead + 16
		if n > 0 && est+rec > limit {
			break
		}
		est += rec
		n++
	}
	var bb commitlog.BatchBuilder
	bb.Reset(commitlog.BatchHeader{SizedValues: true})
	var key, prefix []byte
	for _, r := range p.pending[:n] {
		var k []byte
		if r.key >= 0 {
			key = load.KeyBytes(key, r.key)
			k = key
		}
		prefix = check.AppendID(prefix[:0], int(r.prod), r.seq, r.born)
		bb.AddSized(int64(r.born/sim.Millisecond), k, prefix, max(r.size, int64(len(prefix))), nil)
	}
	b, err := bb.Build()
	if err != nil {
		t.dst.fail(fmt.Errorf("mirror %s-%d: %w", t.out.spec.Name, i, err))
		return
	}
	recs, ups := p.pending[:n:n], p.ups[:n:n]
	p.pending, p.ups = p.pending[n:], p.ups[n:]
	p.inflight = true
	t.send(i, append(commitlog.Batch(nil), b...), recs, ups)
}

// send writes one batch to the target partition's leader, retrying until
// it is acknowledged.
func (t *mirrorTask) send(i int, data commitlog.Batch, recs []outRec, ups []int64) {
	w := t.dst
	part := t.out.parts[i]
	b := part.leader.b
	t.requests++
	done := false
	again := func() {
		if done {
			return
		}
		done = true
		w.s.After(sim.Time(scenarios.DefaultRetryBackoff), func() {
			if t.dark {
				t.parts[i].inflight = false // gone with the replicator's host
				return
			}
			t.send(i, data, recs, ups)
		})
	}
	w.s.After(sim.Time(scenarios.DefaultRequestTimeout), again)
	bytes := int64(len(data))
	t.wan.Submit(float64(64+bytes), 0, func(sim.Job) {
		w.net.Send(&t.up[b.id], func(uint64) {
			switch w.reach(b) {
			case reachSilent:
				return
			case reachRefused:
				w.net.Send(&t.down[b.id], func(uint64) { again() }, 0)
				return
			}
			w.use(b.NICIn, float64(64+bytes), func(uint64) {
				w.useTime(b.CPU, b.CPUCost(bytes), func(uint64) {
					if w.reach(b) != reachOK {
						return
					}
					if part.leader.b != b || w.ctl.offline(part) || part.isrSize < part.t.minISR {
						w.net.Send(&t.down[b.id], func(uint64) { again() }, 0)
						return
					}
					res, err := part.leader.log.Append(commitlog.Batch(append([]byte(nil), data...)), part.epoch)
					if err != nil {
						w.fail(fmt.Errorf("mirror: append to %s-%d: %w", t.out.spec.Name, i, err))
						return
					}
					part.appended(int64(len(recs)), res.Size)
					first := res.LastOffset - int64(len(recs)) + 1
					part.waitHW(res.LastOffset+1, func(ok bool) {
						if !ok {
							w.net.Send(&t.down[b.id], func(uint64) { again() }, 0)
							return
						}
						t.written(i, first, recs, ups)
						w.use(b.NICOut, 64, func(uint64) {
							w.net.Send(&t.down[b.id], func(uint64) {
								if done {
									return
								}
								done = true
								t.parts[i].inflight = false
								t.kick(i)
							}, 0)
						}, 0)
					})
				}, 0)
			}, 0)
		}, 0)
	})
}

// written records a batch committed in the target at downstream offsets
// first…: lag, the offset map and offset syncs. A retry may write a batch
// again; its records are then in the target twice (the map keeps both).
func (t *mirrorTask) written(i int, first int64, recs []outRec, ups []int64) {
	now := t.dst.s.Now()
	p := &t.parts[i]
	for j, r := range recs {
		down := first + int64(j)
		for int64(len(p.upOf)) < down {
			p.upOf = append(p.upOf, -1) // offsets another writer took (none today)
		}
		if int64(len(p.upOf)) == down {
			p.upOf = append(p.upOf, ups[j])
		}
		t.have.Set(int(r.prod), i, r.seq)
		lag := now - r.born
		t.maxLag = max(t.maxLag, lag)
		t.lagSum += lag.Seconds()
		t.lagN++
		if n := len(p.syncs); n == 0 || ups[j]-p.syncs[n-1].up >= int64(t.offsetLagMax) {
			p.syncs = append(p.syncs, offsetSync{up: ups[j], down: down})
		}
	}
	t.records += int64(len(recs))
}

// translate is MirrorMaker 2's translation of upstream offset up on
// partition i: the latest sync at or below it, its downstream offset, plus
// one unless the sync is exactly at up; -1 without such a sync.
func (t *mirrorTask) translate(i int, up int64) int64 {
	syncs := t.parts[i].syncs
	k, _ := slices.BinarySearchFunc(syncs, up+1, func(s offsetSync, v int64) int {
		switch {
		case s.up < v:
			return -1
		case s.up > v:
			return 1
		}
		return 0
	})
	if k == 0 {
		return -1
	}
	s := syncs[k-1]
	if s.up == up {
		return s.down
	}
	return s.down + 1
}

// emitCheckpoints reads the source groups' committed offsets (while their
// coordinator's region is up), translates them and sends each group's
// checkpoint over the WAN to the target cluster, which keeps the latest.
func (g *geoRun) emitCheckpoints() {
	for _, cp := range g.cps {
		sw, t := cp.task.src, cp.task
		if !g.regionUp(sw) {
			continue
		}
		off := make([]int64, len(cp.offset))
		any := false
		for i := range off {
			off[i] = -1
			if c := cp.g.committed[i]; c != noCommit && c > 0 {
				off[i] = t.translate(i, c)
				any = any || off[i] >= 0
			}
		}
		if !any {
			continue
		}
		dst := t.dst.brokers[0]
		t.wan.Submit(64, 0, func(sim.Job) {
			g.n.Send(&t.up[dst.id], func(uint64) {
				if !g.n.MachineUp(dst.node) {
					return
				}
				for i, o := range off {
					if o >= 0 {
						cp.offset[i] = o
						g.checkpoints++
					}
				}
			}, 0)
		})
	}
}

// regionUp reports whether any broker of w's cluster is up.
func (g *geoRun) regionUp(w *world) bool {
	for _, b := range w.brokers {
		if g.n.MachineUp(b.node) {
			return true
		}
	}
	return false
}

// replicatorsDark takes the replicators' hosts down with the source region
// (what they held unsent is gone; their group resumes from its committed
// offsets when the region is back) or brings them back.
func (g *geoRun) replicatorsDark(dark bool) {
	for _, t := range g.tasks {
		t.dark = dark
		if dark {
			g.n.CrashMachine(t.node)
			for i := range t.parts {
				t.parts[i].pending, t.parts[i].ups = nil, nil
			}
		} else {
			g.n.Restart(t.node)
		}
	}
}

// results settles every region and merges them into one Results: the
// source region's producers, brokers of every region (numbered on), the
// scenario's groups wherever they consume (the replicators' groups are
// left out), and the replication figures.
func (g *geoRun) results(partial bool) (*Results, error) {
	src := g.regions[g.src]
	sw := src.c.w
	// What no target holds: the replicators' ledgers of what they wrote.
	unrep := int64(0)
	var have []*check.Ledger
	for ri := range g.regions {
		if ri == g.src {
			continue
		}
		l := check.NewLedger()
		for _, t := range g.tasks {
			if t.target == ri {
				t.have.Each(func(prod, part int, seq int32) { l.Set(prod, part, seq) })
			}
		}
		have = append(have, l)
	}
	sw.chk.Acked().Each(func(prod, part int, seq int32) {
		for _, l := range have {
			if !l.Test(prod, part, seq) {
				unrep++
				return
			}
		}
	})
	// The targets' groups are judged against what the source acknowledged.
	for ri, r := range g.regions {
		if ri != g.src {
			sw.chk.Acked().Each(func(prod, part int, seq int32) { r.c.w.chk.Ack(prod, part, seq, 1) })
		}
	}
	reprocessed := g.failoverReprocessed() // before settling: it reads the groups' positions
	var base *Results
	all := make([]*Results, len(g.regions))
	for ri, r := range g.regions {
		res, err := r.c.Results(partial)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.name, err)
		}
		all[ri] = res
	}
	srcCopy := *all[g.src]
	all[g.src] = &srcCopy // base is rebuilt below from every region's copy
	base = &Results{}
	*base = srcCopy
	base.Scenario = g.sc.Name
	base.Groups = nil
	base.Lost, base.Unseen, base.Duplicates, base.Reordered, base.FinalLag, base.MaxLag = 0, 0, 0, 0, 0, 0
	base.Brokers = nil
	e2e := sim.NewLatencyHistogram()
	var out int64
	for ri, r := range g.regions {
		res := all[ri]
		info := model.KafkaRegion{Name: r.name, Topics: r.topics}
		for _, b := range res.Brokers {
			b.ID = len(base.Brokers)
			info.Brokers = append(info.Brokers, b.ID)
			base.Brokers = append(base.Brokers, b)
			base.MaxBrokerUtilisation = max(base.MaxBrokerUtilisation, b.NICIn, b.NICOut, b.DiskWrite, b.DiskRead, b.CPU)
		}
		for gi, gr := range res.Groups {
			if !r.groups[gr.Name] {
				continue // a replicator's group
			}
			info.Groups = append(info.Groups, gr.Name)
			base.Groups = append(base.Groups, gr)
			base.Lost += gr.Lost
			base.Unseen += gr.Unseen
			base.Duplicates += gr.Duplicates
			base.Reordered += gr.Reordered
			base.FinalLag += gr.FinalLag
			base.MaxLag = max(base.MaxLag, gr.MaxLag)
			e2e.Merge(r.c.w.groups[gi].e2e)
			out += gr.Processed
		}
		base.Regions = append(base.Regions, info)
	}
	base.E2ELatency, base.E2ECDF = model.LatencyOf(e2e), model.LatencyCDF(e2e)
	if base.SimSeconds > 0 {
		base.ThroughputOut = float64(out) / base.SimSeconds
	}
	base.GeoUnreplicated = unrep
	base.MirrorCheckpoints = g.checkpoints
	var lagSum float64
	var lagN int64
	for _, t := range g.tasks {
		base.MirrorRecords += t.records
		base.MaxReplicationLag = max(base.MaxReplicationLag, t.maxLag.Seconds())
		lagSum += t.lagSum
		lagN += t.lagN
	}
	if lagN > 0 {
		base.MeanReplicationLag = lagSum / float64(lagN)
	}
	base.FailoverReprocessed = reprocessed
	return base, nil
}

// failoverReprocessed is, over the source region's groups, the records
// each had processed that it would process again failing over to the
// first other region at its last checkpoint there (without one, at the
// start of the remote topic with auto_offset_reset earliest, at its end
// with latest).
func (g *geoRun) failoverReprocessed() int64 {
	first := -1
	for ri := range g.regions {
		if ri != g.src {
			first = ri
			break
		}
	}
	var n int64
	for _, cp := range g.cps {
		if cp.task.target != first {
			continue
		}
		for i, start := range cp.offset {
			upOf := cp.task.parts[i].upOf
			if start < 0 {
				start = int64(len(upOf))
				if cp.g.spec.AutoOffsetReset == "earliest" {
					start = 0
				}
			}
			done := cp.g.processed[i]
			for d := start; d < int64(len(upOf)); d++ {
				if u := upOf[d]; u >= 0 && u < done {
					n++
				}
			}
		}
	}
	return n
}
