package rabbitmq

import (
	"errors"
	"fmt"
	"math"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/net"
	"mqsim/model/node"
	"mqsim/scenarios"
	"mqsim/sim"
)

// RabbitMQ registers itself as a system model.Run dispatches to.
func init() { model.Register(scenarios.SystemRabbitMQ, Run) }

// step is how often the run loop checks for the end of the drain.
const step = 250 * sim.Millisecond

// world is one run: the nodes, exchanges, queues, publishers, consumers
// and the delivery checker.
type world struct {
	dlxWait map[dlxKey][]*queue // at-least-once dead letters awaiting their targets (dlx.go)
	ch      *rchannel           // set when the world is a service's channel (channel.go)
	s       *sim.Sim
	sc      *scenarios.Scenario
	rc      *scenarios.RabbitMQ
	opts    model.Options
	net     *net.Network
	end     sim.Time
	warm    sim.Time
	err     error

	nodes     []*rnode
	exchanges map[string]*exchange
	defaultEx *exchange // "": every queue bound by its name
	queues    []*queue
	pubs      []*publisher
	groups    []*group
	chk       *check.Checker
	msgs      []msg // every published message, by id

	alarm      bool     // a memory or disk alarm blocks every publisher
	alarmSince sim.Time // when the memory alarm went on
	memAlarm   bool
	diskAlarm  bool
	diskSince  sim.Time
	res        model.Results
	ser        series
	minLive    int // fewest live replicas of any queue at a sample
	e2e, ack   *sim.Histogram
	processed  int64
	bytesOut   int64
	bytesIn    int64
}

// rnode is one RabbitMQ node (an Erlang VM) on its machine.
type rnode struct {
	*node.Machine
	w      *world
	id     int
	up     bool
	memory int64 // bytes of messages held by its queues (bodies + metadata)
	disk   int64 // bytes of messages its queues (every quorum member, a classic queue's node) keep on disk
	// WAL writes requested by quorum members (the page cache counts the
	// fsyncs that covered them: fewer fsyncs than writes is group commit).
	walWrites   int64
	wal         wal  // the write-ahead log every quorum member on the node shares
	epoch       int  // bumped on each crash: callbacks of an older life are ignored
	lostMachine bool // its last crash was the machine's (clients notice after the heartbeat)
}

// Run builds the scenario's RabbitMQ cluster, publishers and consumers,
// publishes for Duration, drains (at most Drain more) and returns the
// results. It is this system's model.RunFunc. Same scenario and seed, same
// Results.
func Run(sc *scenarios.Scenario, opts model.Options) (*model.Results, error) {
	_, res, err := run(sc, opts)
	return res, err
}

// run is Run keeping the world, so tests can inspect it.
func run(sc *scenarios.Scenario, opts model.Options) (*world, *model.Results, error) {
	w, err := build(sc, opts)
	if err != nil {
		return nil, nil, err
	}
	res, err := w.play(opts)
	if err != nil {
		return nil, nil, err
	}
	return w, res, nil
}

// play runs a built world to its end and returns the results.
func (w *world) play(opts model.Options) (*model.Results, error) {
	limit := w.end + sim.Time(w.sc.Drain)
	partial, err := model.Play(w.s, opts, step, w.end, limit, w.quiet, func() error { return w.err })
	if err != nil {
		return nil, err
	}
	if err := w.s.Err(); err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	res := w.results()
	res.Partial = partial
	return res, nil
}

// fail stops the run with an internal error (a log refused an append).
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

// quiet: no publisher holds an unconfirmed or waiting message and every
// consumed queue is empty.
func (w *world) quiet() bool {
	for _, p := range w.pubs {
		if p.unconfirmed > 0 || len(p.backlog) > p.head {
			return false
		}
	}
	for _, q := range w.queues {
		if q.g != nil && q.depth() > 0 {
			return false
		}
	}
	return true
}

// addNode adds a RabbitMQ node on a machine of hardware h: the machine and
// the WAL file its quorum members share.
func (w *world) addNode(name string, h *scenarios.Hardware) error {
	m, err := node.New(w.s, name, node.SpecFor(h))
	if err != nil {
		return err
	}
	n := &rnode{Machine: m, w: w, id: len(w.nodes), up: true}
	n.wal = wal{n: n, file: m.Cache.NewOwner()}
	w.nodes = append(w.nodes, n)
	return nil
}

func build(sc *scenarios.Scenario, opts model.Options) (*world, error) {
	if sc == nil {
		return nil, errors.New("no scenario")
	}
	if sc.RabbitMQ == nil {
		return nil, errors.New("scenario is not resolved: no rabbitmq section after Defaults")
	}
	h := sc.Cluster.Hardware
	if !(h.NICIn > 0 && h.NICOut > 0 && h.DiskWrite > 0 && h.DiskRead > 0) || h.CPUThreads < 1 {
		return nil, fmt.Errorf("cluster hardware is not resolved (NIC, disk rates and CPU threads must be set)")
	}
	if sc.Duration <= 0 || sc.Cluster.Brokers < 1 {
		return nil, fmt.Errorf("duration %v and %d nodes: want both positive", sc.Duration, sc.Cluster.Brokers)
	}
	s := sim.New(sc.Seed)
	w := &world{s: s, sc: sc, rc: sc.RabbitMQ, opts: opts, end: sim.Time(sc.Duration), warm: sim.Time(sc.Warmup),
		net:       net.New(s, s.Stream("network"), sim.Time(h.NetworkLatency), sim.Time(h.NetworkJitter)),
		exchanges: map[string]*exchange{}, e2e: sim.NewLatencyHistogram(), ack: sim.NewLatencyHistogram(),
		minLive: math.MaxInt}
	w.net.Dist = h.NetworkLatencyDist.Dist
	for i := range sc.Cluster.Brokers {
		if err := w.addNode(fmt.Sprintf("node-%d", i), &h); err != nil {
			return nil, err
		}
	}
	if err := w.declare(); err != nil {
		return nil, err
	}
	w.chk = check.New(len(w.groups))
	if err := w.newPublishers(); err != nil {
		return nil, err
	}
	for _, g := range w.groups {
		g.start()
	}
	for _, p := range w.pubs {
		p.start()
	}
	if err := w.scheduleFaults(); err != nil {
		return nil, err
	}
	interval := sim.Time(sc.SampleInterval)
	s.AfterCall(interval, w.sample, 0)
	return w, nil
}

// declare builds the exchanges (one per topic, plus the declared ones),
// the queues and their bindings, and the consumer groups.
func (w *world) declare() error {
	for _, t := range w.sc.Topics {
		w.exchanges[t.Name] = &exchange{name: t.Name, typ: exFanout}
	}
	for _, e := range w.rc.Exchanges {
		x := w.exchanges[e.Name]
		if x == nil {
			x = &exchange{name: e.Name}
			w.exchanges[e.Name] = x
		}
		x.typ = e.Type
	}
	for _, e := range w.rc.Exchanges {
		if e.AlternateExchange != "" {
			w.exchanges[e.Name].alternate = w.exchanges[e.AlternateExchange]
		}
	}
	groupOf := map[string]int{}
	for gi := range w.sc.ConsumerGroups {
		groupOf[w.sc.ConsumerGroups[gi].Name] = gi
	}
	w.groups = make([]*group, len(w.sc.ConsumerGroups))
	for qi := range w.rc.Queues {
		qs := &w.rc.Queues[qi]
		q, err := w.newQueue(qs, qi)
		if err != nil {
			return err
		}
		w.queues = append(w.queues, q)
		for _, b := range qs.Bindings {
			x := w.exchanges[b.Exchange]
			if x == nil {
				return fmt.Errorf("queue %s: binding to unknown exchange %q", qs.Name, b.Exchange)
			}
			x.bindings = append(x.bindings, binding{q: q, key: b.Key, words: splitPattern(b.Key), headers: b.Headers, any: b.Match == "any"})
		}
		if qs.Group != "" {
			gi, ok := groupOf[qs.Group]
			if !ok {
				return fmt.Errorf("queue %s: unknown consumer group %q", qs.Name, qs.Group)
			}
			if w.groups[gi] != nil {
				return fmt.Errorf("consumer group %s consumes two queues (%s and %s)", qs.Group, w.groups[gi].q.name, qs.Name)
			}
			g, err := newGroup(w, &w.sc.ConsumerGroups[gi], gi, q)
			if err != nil {
				return err
			}
			w.groups[gi] = g
			q.g = g
			q.streamMoved()
		}
	}
	for gi, g := range w.groups {
		if g == nil {
			return fmt.Errorf("consumer group %s has no queue", w.sc.ConsumerGroups[gi].Name)
		}
	}
	// The default exchange binds every queue by its name.
	def := &exchange{name: "", typ: exDirect}
	for _, q := range w.queues {
		def.bindings = append(def.bindings, binding{q: q, key: q.name})
	}
	w.defaultEx = def
	for _, q := range w.queues {
		if q.spec.DeadLetterExchange != "" {
			q.dlx = w.exchanges[q.spec.DeadLetterExchange]
			q.dlxALO = q.spec.DeadLetterStrategy == "at-least-once"
		}
	}
	return nil
}
