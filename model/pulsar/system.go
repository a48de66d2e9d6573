package pulsar

import (
	"errors"
	"fmt"

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

	brokers []*broker
	bookies []*bookie
	parts   []*partition // every topic partition, topic by topic
	byTopic map[string][]*partition
	policy  map[string]*scenarios.PulsarTopicPolicy
	bundles []*broker // bundle → owning broker (the metadata store's view); nil while unassigned
	pubs    []*producer
	subs    []*subscription
	chk     *check.Checker
	msgs    []msg

	nextLedger int64
	res        model.Results
	e2e, ack   *sim.Histogram
	processed  int64
	bytesOut   int64
	ser        series
	// dispatch counts by source in the current second, for the best rates.
	secTiered, secBookie int64
}

// msg is one published message.
type msg struct {
	prod  int32
	seq   int32
	part  int32 // index in world.parts
	born  sim.Time
	size  int64
	key   int64
	dead  bool // dead-lettered or evicted: handled without processing
	ackAt sim.Time
}

// Run builds the scenario's Pulsar cluster, plays it and returns its
// results. It is this system's model.RunFunc.
func Run(sc *scenarios.Scenario, opts model.Options) (*model.Results, error) {
	_, res, err := run(sc, opts)
	return res, err
}

func run(sc *scenarios.Scenario, opts model.Options) (*world, *model.Results, error) {
	w, err := build(sc, opts)
	if err != nil {
		return nil, nil, err
	}
	limit := w.end + sim.Time(sc.Drain)
	partial := false
	for t := sim.Time(0); ; {
		select {
		case <-opts.Stop:
			partial = true
		default:
		}
		if partial {
			break
		}
		t = min(t+step, limit)
		w.s.RunUntil(t)
		if w.err != nil {
			return nil, nil, w.err
		}
		if opts.Progress != nil {
			opts.Progress(t, limit)
		}
		if t >= limit || (t >= w.end && w.quiet()) {
			break
		}
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
	for _, sb := range w.subs {
		if !sb.started {
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
	w := &world{s: s, sc: sc, pc: pc, opts: opts, end: sim.Time(sc.Duration), warm: sim.Time(sc.Warmup),
		net:     net.New(s, s.Stream("network"), sim.Time(h.NetworkLatency), sim.Time(h.NetworkJitter)),
		byTopic: map[string][]*partition{}, policy: map[string]*scenarios.PulsarTopicPolicy{},
		e2e: sim.NewLatencyHistogram(), ack: sim.NewLatencyHistogram()}
	machine := func(name string) (*node.Machine, error) {
		return node.New(s, name, node.Spec{
			NICIn: float64(h.NICIn), NICOut: float64(h.NICOut), DiskWrite: float64(h.DiskWrite), DiskRead: float64(h.DiskRead),
			CPUThreads: h.CPUThreads, CPUPerRequest: sim.Time(h.CPUPerRequest), CPUPerByte: float64(h.CPUPerMB) / 1e6,
			CPUPerRecord: sim.Time(h.CPUPerRecord),
			PageCache:    int64(h.PageCache), DirtyRatio: float64(h.DirtyRatio), DirtyBackgroundRatio: float64(h.DirtyBackgroundRatio),
			DirtyExpire: sim.Time(h.DirtyExpire), DirtyWriteback: sim.Time(h.DirtyWriteback), FsyncLatency: h.FsyncLatency.Dist})
	}
	for i := range sc.Cluster.Brokers {
		m, err := machine(fmt.Sprintf("broker-%d", i))
		if err != nil {
			return nil, err
		}
		w.brokers = append(w.brokers, &broker{Machine: m, w: w, id: i, up: true, node: w.net.AddNode(fmt.Sprintf("broker-%d", i))})
	}
	for i := range pc.Bookies {
		m, err := machine(fmt.Sprintf("bookie-%d", i))
		if err != nil {
			return nil, err
		}
		w.bookies = append(w.bookies, newBookie(w, i, m))
	}
	for i := range pc.Topics {
		w.policy[pc.Topics[i].Topic] = &pc.Topics[i]
	}
	// Bundles go round-robin to brokers (the load manager's first placement).
	w.bundles = make([]*broker, pc.Bundles)
	for i := range w.bundles {
		w.bundles[i] = w.brokers[i%len(w.brokers)]
	}
	for _, t := range sc.Topics {
		for n := range max(t.Partitions, 1) {
			p := newPartition(w, t.Name, n, len(w.parts))
			w.parts = append(w.parts, p)
			w.byTopic[t.Name] = append(w.byTopic[t.Name], p)
		}
	}
	for _, p := range w.parts {
		p.owner = w.bundles[p.bundle]
		p.epoch++
		if err := p.openLedger(); err != nil {
			return nil, err
		}
	}
	if err := w.newSubscriptions(); err != nil {
		return nil, err
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
