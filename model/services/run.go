package services

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"mqsim/model"
	"mqsim/model/load"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// A service graph registers itself as the system `system: services` runs on.
func init() { model.Register(scenarios.SystemServices, Run) }

// world is one run: the services and their instances, the client, the
// broker queues of asynchronous calls, the network between them, and the
// counters results are read from.
type world struct {
	s    *sim.Sim
	sc   *scenarios.Scenario
	cfg  *scenarios.Services
	net  *net.Network
	end  sim.Time
	warm sim.Time
	half sim.Time // one way of a broker API call

	svcs   []*service
	byName map[string]*service
	entry  *service
	client net.NodeID
	links  map[[2]net.NodeID]*net.Link
	// msgs holds each message on the wire by slot (its arg on the
	// network): what to do when it arrives and when it is refused.
	msgs    []wireMsg
	free    []uint64
	deliver func(uint64)

	edge  edgeStats
	late0 int64          // edge successes at 3/4 of the client's run
	late1 int64          // and at its end
	e2e   *sim.Histogram // edge latency of successful requests, after warm-up
	// intervalE2E is the same over the current sample interval.
	intervalE2E *sim.Histogram
	asyncDone   *sim.Histogram // edge request to its asynchronous work done, after warm-up
	sampler     *sim.Sampler
	faults      []model.FaultEvent
	arrivals    *load.Arrivals
	err         error
}

// afterStep is the channels' work between steps of the run loop (a
// Kafka cluster frees consumed records), and the run's first failure.
func (w *world) afterStep() error {
	for _, sv := range w.svcs {
		if b := sv.inbox; b != nil && w.err == nil {
			if a, ok := b.ch.(interface{ AfterStep() error }); ok {
				if err := a.AfterStep(); err != nil {
					w.fail(err)
				}
			}
		}
	}
	return w.err
}

// fail stops the run with an internal error (a broker's log refused an
// append).
func (w *world) fail(err error) {
	if w.err == nil {
		w.err = err
		w.s.Stop()
	}
}

type wireMsg struct {
	arrive  func()
	refused func()
}

type edgeStats struct {
	requests, succeeded, failed, timeouts int64
}

// Run plays a resolved `system: services` scenario.
func Run(sc *scenarios.Scenario, opts model.Options) (*model.Results, error) {
	if sc == nil {
		return nil, errors.New("no scenario")
	}
	w, err := build(sc)
	if err != nil {
		return nil, err
	}
	return w.run(opts)
}

func build(sc *scenarios.Scenario) (*world, error) {
	c := sc.Services
	if c == nil {
		return nil, fmt.Errorf("scenario %s: system services without a services section", sc.Name)
	}
	if c.Queue.RequestLatency <= 0 || c.Client.Timeout <= 0 || sc.SampleInterval <= 0 {
		return nil, fmt.Errorf("scenario %s: the services section is not resolved: call Defaults", sc.Name)
	}
	s := sim.New(sc.Seed)
	w := &world{s: s, sc: sc, cfg: c, end: sim.Time(sc.Duration), warm: sim.Time(sc.Warmup),
		half: sim.Time(c.Queue.RequestLatency) / 2, byName: map[string]*service{},
		links: map[[2]net.NodeID]*net.Link{}, e2e: sim.NewLatencyHistogram(), intervalE2E: sim.NewLatencyHistogram(), asyncDone: sim.NewLatencyHistogram()}
	w.net = net.New(s, s.Stream("network"), sim.Time(c.NetworkLatency), sim.Time(c.NetworkJitter))
	w.deliver = w.arrive
	w.client = w.net.AddNode("client")
	for i := range c.Graph {
		sv := newService(w, i, &c.Graph[i])
		w.svcs = append(w.svcs, sv)
		w.byName[sv.spec.Name] = sv
	}
	for _, sv := range w.svcs {
		for k := range sv.spec.Calls {
			spec := &sv.spec.Calls[k]
			to := w.byName[spec.To]
			if to == nil {
				return nil, fmt.Errorf("scenario %s: service %s calls unknown service %q", sc.Name, sv.spec.Name, spec.To)
			}
			cs := &callSpec{idx: k, spec: spec, to: to, async: spec.Mode == scenarios.CallAsync}
			if cs.async && to.inbox == nil {
				via := spec.Via
				if via == nil {
					via = &c.Via
				}
				b, err := newInbox(w, to, via)
				if err != nil {
					return nil, fmt.Errorf("scenario %s: services.graph %s → %s: %w", sc.Name, sv.spec.Name, to.spec.Name, err)
				}
				to.inbox = b
			}
			sv.calls = append(sv.calls, cs)
		}
		sv.initInstances()
	}
	// A callee declared before its first asynchronous caller.
	for _, sv := range w.svcs {
		if sv.inbox != nil {
			sv.inbox.attach()
		}
	}
	w.entry = w.byName[c.Client.Entry]
	if w.entry == nil {
		return nil, fmt.Errorf("scenario %s: client entry %q is not a service", sc.Name, c.Client.Entry)
	}
	w.depths()
	if err := w.buildFaults(); err != nil {
		return nil, err
	}
	if err := w.buildNetFaults(); err != nil {
		return nil, err
	}
	if err := w.buildClient(); err != nil {
		return nil, err
	}
	if err := w.buildSampler(); err != nil {
		return nil, err
	}
	// Goodput in the last quarter of the client's run: has it recovered?
	w.s.At(w.end*3/4, func() {
		w.late0 = w.edge.succeeded
		for _, sv := range w.svcs {
			sv.late0 = sv.completed
		}
	})
	w.s.At(w.end, func() {
		w.late1 = w.edge.succeeded
		for _, sv := range w.svcs {
			sv.late1 = sv.completed
		}
	})
	return w, nil
}

// depths sets each service's distance from the entry over calls (the
// longest path, cycles cut), for the amplification at the deepest layer.
func (w *world) depths() {
	for _, sv := range w.svcs {
		sv.depth = -1
	}
	var walk func(sv *service, d int, on map[*service]bool)
	walk = func(sv *service, d int, on map[*service]bool) {
		if on[sv] || d <= sv.depth {
			return
		}
		sv.depth = d
		on[sv] = true
		for _, c := range sv.calls {
			walk(c.to, d+1, on)
		}
		delete(on, sv)
	}
	walk(w.entry, 0, map[*service]bool{})
}

// send puts a message on the network from one node to another: arrive runs
// at the destination; refused, if set, when the destination's process is
// down (a round trip later). A message lost silently tells no one: the
// sender's timeout finds out.
func (w *world) send(from, to net.NodeID, arrive, refused func()) {
	l := w.links[[2]net.NodeID{from, to}]
	if l == nil {
		l = &net.Link{From: from, To: to, Undelivered: w.undelivered}
		w.links[[2]net.NodeID{from, to}] = l
	}
	var slot uint64
	if n := len(w.free); n > 0 {
		slot = w.free[n-1]
		w.free = w.free[:n-1]
	} else {
		slot = uint64(len(w.msgs))
		w.msgs = append(w.msgs, wireMsg{})
	}
	w.msgs[slot] = wireMsg{arrive: arrive, refused: refused}
	w.net.Send(l, w.deliver, slot)
}

func (w *world) take(slot uint64) wireMsg {
	m := w.msgs[slot]
	w.msgs[slot] = wireMsg{}
	w.free = append(w.free, slot)
	return m
}

func (w *world) arrive(slot uint64) {
	if m := w.take(slot); m.arrive != nil {
		m.arrive()
	}
}

func (w *world) undelivered(slot uint64, refused bool) {
	m := w.take(slot)
	if refused && m.refused != nil {
		m.refused()
	}
}

// buildClient starts the open-loop arrivals or the closed-loop users.
func (w *world) buildClient() error {
	cl := &w.cfg.Client
	if cl.Users > 0 {
		for u := range cl.Users {
			rng := w.s.Stream(fmt.Sprintf("user/%d", u))
			var next func()
			next = func() {
				if w.s.Now() >= w.end {
					return
				}
				w.request(func() { w.s.After(max(sim.SampleTime(cl.ThinkTime.Dist, rng), 0), next) })
			}
			w.s.At(max(sim.SampleTime(cl.ThinkTime.Dist, rng), 0), next)
		}
		return nil
	}
	a, err := scenarios.ParseArrival(cl.Arrival)
	if err != nil {
		return fmt.Errorf("scenario %s: services.client.arrival: %w", w.sc.Name, err)
	}
	w.arrivals = &load.Arrivals{A: a, Rate: float64(cl.Rate), Rng: w.s.Stream("client/arrivals")}
	var tick func()
	tick = func() {
		w.request(nil)
		if t := w.arrivals.Next(w.s.Now()); t < w.end {
			w.s.At(t, tick)
		}
	}
	if t := w.arrivals.Next(0); t < w.end {
		w.s.At(t, tick)
	}
	return nil
}

// request is one edge request from the client to the entry service;
// then, if set, runs once it is answered or given up on.
func (w *world) request(then func()) {
	w.edge.requests++
	w.entry.attempts++
	start := w.s.Now()
	target := w.entry.pick(&w.entry.clientRR)
	done := false
	finish := func(ok, timedOut bool) {
		if done {
			return
		}
		done = true
		switch {
		case ok:
			w.edge.succeeded++
			if start >= w.warm {
				w.e2e.RecordTime(w.s.Now() - start)
			}
			w.intervalE2E.RecordTime(w.s.Now() - start)
		case timedOut:
			w.edge.timeouts++
			w.edge.failed++
		default:
			w.edge.failed++
		}
		if then != nil {
			then()
		}
	}
	timer := w.s.After(sim.Time(w.cfg.Client.Timeout), func() { finish(false, true) })
	j := &job{origin: start}
	j.reply = func(ok bool) {
		w.send(target.node, w.client, func() {
			if !done {
				w.s.Cancel(timer)
			}
			finish(ok, false)
		}, nil)
	}
	w.send(w.client, target.node, func() { target.accept(j) }, func() {
		w.s.Cancel(timer)
		finish(false, false)
	})
}

// buildFaults schedules the services' faults.
func (w *world) buildFaults() error {
	for i := range w.cfg.Faults {
		f := &w.cfg.Faults[i]
		sv := w.byName[f.Service]
		if sv == nil {
			return fmt.Errorf("scenario %s: services.faults[%d]: unknown service %q", w.sc.Name, i, f.Service)
		}
		label := f.Label
		if label == "" {
			switch f.Type {
			case "slow":
				label = fmt.Sprintf("%s %gx slower", f.Service, float64(f.Slowdown))
			case "errors":
				label = fmt.Sprintf("%s fails %s", f.Service, f.Share.Percent())
			default:
				label = f.Service + " " + f.Type
			}
		}
		start, end := sim.Time(f.At), sim.Time(0)
		if f.Duration > 0 {
			end = start + sim.Time(f.Duration)
		}
		w.s.At(start, func() {
			w.faults = append(w.faults, model.FaultEvent{Time: w.s.Now().Seconds(), Type: f.Type, Phase: "start", Label: label})
			sv.setFault(f, true)
		})
		if end > 0 {
			w.s.At(end, func() {
				w.faults = append(w.faults, model.FaultEvent{Time: w.s.Now().Seconds(), Type: f.Type, Phase: "end", Label: f.Service + " recovers"})
				sv.setFault(f, false)
			})
		}
	}
	return nil
}

// buildNetFaults schedules the scenario's top-level faults, the network's
// and the machines' (model/net), on a service's instances: a partition
// cuts both ways between them and what from lists (service:NAME's
// instances, the client, or every other node: peers); a degradation
// multiplies the latency and drops a share, both ways; a broker-crash
// stops the instances' processes (with lose_page_cache their machines),
// restarting them after the duration.
func (w *world) buildNetFaults() error {
	for i := range w.sc.Faults {
		f := &w.sc.Faults[i]
		sv := w.byName[f.Service]
		if sv == nil {
			return fmt.Errorf("scenario %s: faults[%d]: unknown service %q", w.sc.Name, i, f.Service)
		}
		var peers []net.NodeID
		for _, from := range f.From {
			other, named := strings.CutPrefix(from, "service:")
			switch {
			case from == "clients":
				peers = append(peers, w.client)
			case from == "peers":
				peers = append(peers, w.client)
				for _, o := range w.svcs {
					if o != sv {
						for _, in := range o.insts {
							peers = append(peers, in.node)
						}
					}
				}
			case named && w.byName[other] != nil:
				for _, in := range w.byName[other].insts {
					peers = append(peers, in.node)
				}
			default:
				return fmt.Errorf("scenario %s: faults[%d].from: %q is no service, clients or peers", w.sc.Name, i, from)
			}
		}
		label := f.Label
		if label == "" {
			label = f.Type + " " + f.Service
			if len(f.From) > 0 {
				label += " from " + strings.Join(f.From, ", ")
			}
		}
		apply := func(on bool) {
			for _, in := range sv.insts {
				switch f.Type {
				case "broker-crash":
					if on {
						in.crash(f.LosePageCache)
					} else {
						in.restart()
					}
					continue
				}
				for _, p := range peers {
					for _, d := range [][2]net.NodeID{{in.node, p}, {p, in.node}} {
						switch {
						case f.Type == "network-partition" && on:
							w.net.Cut(d[0], d[1])
						case f.Type == "network-partition":
							w.net.Heal(d[0], d[1])
						case on:
							w.net.SetSlow(d[0], d[1], max(float64(f.Slowdown), 1))
							w.net.SetDrop(d[0], d[1], float64(f.Share))
						default:
							w.net.SetSlow(d[0], d[1], 1)
							w.net.SetDrop(d[0], d[1], 0)
						}
					}
				}
			}
		}
		start := sim.Time(f.At)
		w.s.At(start, func() {
			w.faults = append(w.faults, model.FaultEvent{Time: w.s.Now().Seconds(), Type: f.Type, Phase: "start", Label: label})
			apply(true)
		})
		if f.Duration > 0 {
			w.s.At(start+sim.Time(f.Duration), func() {
				w.faults = append(w.faults, model.FaultEvent{Time: w.s.Now().Seconds(), Type: f.Type, Phase: "end", Label: label + " ends"})
				apply(false)
			})
		}
	}
	return nil
}

func (w *world) run(opts model.Options) (*model.Results, error) {
	limit := w.end + sim.Time(w.sc.Drain)
	partial, err := model.Play(w.s, opts, sim.Second, w.end, limit, w.quiet, w.afterStep)
	if err != nil {
		return nil, err
	}
	w.sampler.Stop()
	if err := w.s.Err(); err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	res := w.results()
	res.Partial = partial
	return res, nil
}

// quiet reports whether the client is done and nothing is left anywhere:
// no edge request open, no thread busy, no message queued.
func (w *world) quiet() bool {
	if w.edge.succeeded+w.edge.failed < w.edge.requests {
		return false
	}
	for _, sv := range w.svcs {
		if sv.busy > 0 || sv.queued > 0 {
			return false
		}
		if sv.inbox != nil && sv.inbox.ch.Stored() > 0 {
			return false
		}
	}
	return true
}

// backoff is the wait before retry n (1-based): base × 2^(n−1), capped,
// with the jitter kind's randomness.
func backoff(c *scenarios.Call, n int, rng *rand.Rand) sim.Time {
	d := float64(c.Backoff) * math.Pow(2, float64(n-1))
	d = min(d, float64(c.BackoffMax))
	switch c.Jitter {
	case "full":
		d = rng.Float64() * d
	case "equal":
		d = d/2 + rng.Float64()*d/2
	}
	return sim.Time(d)
}

// msgSize is the byte size of an asynchronous call's message, for the
// queue's size checks (a small JSON body).
const msgSize = 1024
