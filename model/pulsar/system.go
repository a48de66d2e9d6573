package pulsar

import (
	"errors"
	"fmt"
	"slices"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/net"
	"mqsim/model/node"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Pulsar registers itself as a system model.Run dispatches to.
func init() { model.Register(scenarios.SystemPulsar, Run) }

// step is how often the run loop checks for the end of the drain.
const step = 250 * sim.Millisecond

// clientKeepAlive is how long a client takes to notice a broker whose
// machine died (keepAliveIntervalSeconds, 30 s); a dead process resets
// its connections at once.
const clientKeepAlive = 30 * sim.Second

// world is one run: brokers, bookies, managed ledgers, producers,
// subscriptions and the delivery checker.
type world struct {
	s    *sim.Sim
	sc   *scenarios.Scenario
	pc   *scenarios.Pulsar
	opts model.Options
	net  *net.Network
	end  sim.Time
	warm sim.Time
	err  error
	// held counts the messages producers hold: batched, or sent and not
	// yet answered (lag.go).
	held int64

	brokers []*broker
	bookies []*bookie
	parts   []*partition // every topic partition, region by region, topic by topic
	regions []*region    // one (unnamed) without pulsar.regions
	policy  map[string]*scenarios.PulsarTopicPolicy
	repls   []*replicator
	pubs    []*producer
	subs    []*subscription
	chk     *check.Checker
	msgs    []msg
	// written marks the messages that have a position (a second one is a
	// retry written twice).
	written []bool

	nextLedger   int64
	rec          recovery // BookKeeper auto-recovery
	lastReassign sim.Time // when a bundle last moved
	// zombiesFenced counts old owners stopped by a fenced add.
	zombiesFenced int
	res           model.Results
	e2e, ack      *sim.Histogram
	processed     int64
	bytesOut      int64
	ser           series
	// dispatch counts by source in the current second, for the best rates.
	secTiered, secBookie int64
	// probe, set only by tests, hears the moments a crash matters most
	// (an entry just confirmed, an ensemble change, a ledger about to be
	// recovered) so a property test can aim its crashes at them.
	probe func(at moment, l *ledger, op *addOp)
	ch    *pchannel // set when the world is a service's channel (channel.go)
}

// moment is a point in the write path a test may crash at.
type moment int

const (
	// atConfirm: an entry has reached AckQuorum bookies and its receipt
	// has just left the broker.
	atConfirm moment = iota
	// atEnsembleChange: a failed bookie was just replaced and the
	// pending adds resent to its replacement.
	atEnsembleChange
	// atRecovery: a new owner is about to fence and recover the ledger
	// the old owner left open.
	atRecovery
)

// region is one cluster: its brokers, bookies, bundles and partitions.
type region struct {
	idx     int
	name    string
	brokers []*broker
	bookies []*bookie
	bundles []*broker // bundle → owning broker (the metadata store's view)
	parts   []*partition
	byTopic map[string][]*partition
	dark    bool
	meta    *metaStore
}

// regionOf finds the region a producer or group is in (the first when no
// region lists it).
func (w *world) regionOf(producer, group string) *region {
	for i, r := range w.pc.Regions {
		if producer != "" && slices.Contains(r.Producers, producer) || group != "" && slices.Contains(r.Groups, group) {
			return w.regions[i]
		}
	}
	return w.regions[0]
}

// msg is one published message.
type msg struct {
	prod   int32
	seq    int32
	part   int32 // index in world.parts (of the region it was published in)
	region int8  // the region it was published in
	born   sim.Time
	size   int64
	key    int64
	dead   bool // dead-lettered or evicted: handled without processing
	ackAt  sim.Time
}

// Run builds the scenario's Pulsar cluster, plays it and returns its
// results. It is this system's model.RunFunc.
func Run(sc *scenarios.Scenario, opts model.Options) (*model.Results, error) {
	_, res, err := run(sc, opts)
	return res, err
}

func run(sc *scenarios.Scenario, opts model.Options) (*world, *model.Results, error) {
	return runProbed(sc, opts, nil)
}

// runProbed is run with a test's probe installed before the first event.
func runProbed(sc *scenarios.Scenario, opts model.Options, probe func(*world) func(moment, *ledger, *addOp)) (*world, *model.Results, error) {
	w, err := build(sc, opts)
	if err != nil {
		return nil, nil, err
	}
	if probe != nil {
		w.probe = probe(w)
	}
	limit := w.end + sim.Time(sc.Drain)
	partial, err := model.Play(w.s, opts, step, w.end, limit, w.quiet, func() error { return w.err })
	if err != nil {
		return nil, nil, err
	}
	if err := w.s.Err(); err != nil {
		return nil, nil, fmt.Errorf("simulation: %w", err)
	}
	res := w.results()
	res.Partial = partial
	return w, res, nil
}

// fail stops the run with an internal error.
func (w *world) fail(err error) {
	if w.ch != nil {
		w.ch.h.Fail(err) // the run is the service graph's
		return
	}
	if w.err == nil {
		w.err = err
		w.s.Stop()
	}
}

// quiet: no producer holds a message and every subscription has
// acknowledged everything written.
func (w *world) quiet() bool {
	for _, p := range w.pubs {
		if p.busy() {
			return false
		}
	}
	if w.rec.active() { // auto-recovery has fragments to copy
		return false
	}
	for _, sb := range w.subs {
		if !sb.started || sb.retryOut > 0 {
			return false
		}
		for _, c := range sb.cursors {
			if c.markDelete < int64(len(c.p.pos)) {
				return false
			}
		}
	}
	return true
}

func build(sc *scenarios.Scenario, opts model.Options) (*world, error) {
	if sc == nil {
		return nil, errors.New("no scenario")
	}
	if sc.Pulsar == nil {
		return nil, errors.New("scenario is not resolved: no pulsar section after Defaults")
	}
	h := sc.Cluster.Hardware
	if !(h.NICIn > 0 && h.NICOut > 0 && h.DiskWrite > 0 && h.DiskRead > 0) || h.CPUThreads < 1 {
		return nil, fmt.Errorf("cluster hardware is not resolved (NIC, disk rates and CPU threads must be set)")
	}
	pc := sc.Pulsar
	if sc.Duration <= 0 || sc.Cluster.Brokers < 1 || pc.Bookies < pc.Ensemble || pc.AckQuorum < 1 ||
		pc.WriteQuorum < pc.AckQuorum || pc.Ensemble < pc.WriteQuorum {
		return nil, fmt.Errorf("duration %v, %d brokers, %d bookies, E/Qw/Qa %d/%d/%d: want E ≤ bookies and Qa ≤ Qw ≤ E",
			sc.Duration, sc.Cluster.Brokers, pc.Bookies, pc.Ensemble, pc.WriteQuorum, pc.AckQuorum)
	}
	s := sim.New(sc.Seed)
	nw := net.New(s, s.Stream("network"), sim.Time(h.NetworkLatency), sim.Time(h.NetworkJitter))
	nw.Dist = h.NetworkLatencyDist.Dist
	return buildOn(s, nw, sc, opts, nil)
}

// buildOn builds the resolved scenario's world on kernel s and network nw
// (a service's channel builds one on its run's: channel.go).
func buildOn(s *sim.Sim, nw *net.Network, sc *scenarios.Scenario, opts model.Options, ch *pchannel) (*world, error) {
	h, pc := sc.Cluster.Hardware, sc.Pulsar
	w := &world{s: s, sc: sc, pc: pc, opts: opts, end: sim.Time(sc.Duration), warm: sim.Time(sc.Warmup),
		net: nw, policy: map[string]*scenarios.PulsarTopicPolicy{}, ch: ch,
		e2e: sim.NewLatencyHistogram(), ack: sim.NewLatencyHistogram()}
	machine := func(name string) (*node.Machine, error) {
		return node.New(s, name, node.SpecFor(&h))
	}
	for i := range pc.Topics {
		w.policy[pc.Topics[i].Topic] = &pc.Topics[i]
	}
	names := []string{""}
	if len(pc.Regions) > 0 {
		names = names[:0]
		for _, r := range pc.Regions {
			names = append(names, r.Name)
		}
	}
	for ri, name := range names {
		reg := &region{idx: ri, name: name, byTopic: map[string][]*partition{}}
		w.regions = append(w.regions, reg)
		prefix := ""
		if name != "" {
			prefix = name + "/"
		}
		for range sc.Cluster.Brokers {
			i := len(w.brokers)
			m, err := machine(fmt.Sprintf("%sbroker-%d", prefix, i))
			if err != nil {
				return nil, err
			}
			b := &broker{Machine: m, w: w, id: i, reg: reg, up: true, node: w.net.AddNode(fmt.Sprintf("%sbroker-%d", prefix, i))}
			w.brokers = append(w.brokers, b)
			reg.brokers = append(reg.brokers, b)
		}
		for range pc.Bookies {
			i := len(w.bookies)
			m, err := machine(fmt.Sprintf("%sbookie-%d", prefix, i))
			if err != nil {
				return nil, err
			}
			bk := newBookie(w, i, m)
			bk.reg = reg
			w.bookies = append(w.bookies, bk)
			reg.bookies = append(reg.bookies, bk)
		}
		if err := w.newMetaStore(reg, machine); err != nil {
			return nil, err
		}
		// Bundles go round-robin to brokers (the load manager's first placement).
		reg.bundles = make([]*broker, pc.Bundles)
		for i := range reg.bundles {
			reg.bundles[i] = reg.brokers[i%len(reg.brokers)]
		}
		for _, t := range sc.Topics {
			for n := range max(t.Partitions, 1) {
				p := newPartition(w, t.Name, n, len(w.parts))
				p.reg = reg
				if name != "" {
					p.name = name + "/" + p.name
				}
				w.parts = append(w.parts, p)
				reg.parts = append(reg.parts, p)
				reg.byTopic[t.Name] = append(reg.byTopic[t.Name], p)
			}
		}
	}
	if err := w.connectRegions(); err != nil {
		return nil, err
	}
	for _, p := range w.parts {
		if pol := p.policy; pol != nil && pol.PublishRate > 0 {
			lim, err := sim.NewTokenBucket(s, float64(pol.PublishRate), float64(pol.PublishRate))
			if err != nil {
				return nil, fmt.Errorf("%s: publish_rate: %w", p.name, err)
			}
			p.limiter = lim
		}
		p.owner = p.reg.bundles[p.bundle]
		p.epoch++
		if err := p.openLedger(); err != nil {
			return nil, err
		}
	}
	if err := w.newSubscriptions(); err != nil {
		return nil, err
	}
	for _, sb := range w.subs {
		if sb.spec.OnFailure == "reconsume_later" {
			if err := w.newRetryTopic(sb); err != nil {
				return nil, err
			}
		}
	}
	w.chk = check.New(len(w.subs))
	if err := w.newProducers(); err != nil {
		return nil, err
	}
	for _, sb := range w.subs {
		sb.start()
	}
	for _, p := range w.pubs {
		p.start()
	}
	for _, b := range w.brokers {
		b.startTickers()
	}
	if err := w.scheduleFaults(); err != nil {
		return nil, err
	}
	s.AfterCall(sim.Time(sc.SampleInterval), w.sample, 0)
	s.AfterCall(sim.Second, w.second, 0)
	return w, nil
}

// second closes one second of dispatch counts (the best rates by source).
func (w *world) second(uint64) {
	w.res.MaxDispatchRateTiered = max(w.res.MaxDispatchRateTiered, float64(w.secTiered))
	w.res.MaxDispatchRateBookie = max(w.res.MaxDispatchRateBookie, float64(w.secBookie))
	w.secTiered, w.secBookie = 0, 0
	w.s.AfterCall(sim.Second, w.second, 0)
}
