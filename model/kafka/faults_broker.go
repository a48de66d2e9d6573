package kafka

import (
	"fmt"
	"strconv"
	"strings"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// brokerFaultTypes builds the broker, network and controller faults; see
// scenarios/faults_broker.go for what each means.
var brokerFaultTypes = map[string]func(w *world, f *scenarios.Fault) (faultAction, error){
	"broker-crash": func(w *world, f *scenarios.Fault) (faultAction, error) { return &crashFault{w: w, f: f}, nil },
	"broker-shutdown": func(w *world, f *scenarios.Fault) (faultAction, error) {
		return &crashFault{w: w, f: f, controlled: true}, nil
	},
	"network-partition":   newCutFault,
	"slow-disk":           slowFault("disk"),
	"slow-nic":            slowFault("nic"),
	"slow-cpu":            slowFault("cpu"),
	"lost-response":       func(w *world, f *scenarios.Fault) (faultAction, error) { return &lostFault{w: w, f: f}, nil },
	"controller-failover": func(w *world, f *scenarios.Fault) (faultAction, error) { return &failoverFault{w: w, f: f}, nil },
}

func init() {
	for name, build := range brokerFaultTypes {
		faultKinds[name] = build
	}
}

// targetBroker resolves a fault's broker: the one named, or whoever leads
// the named partition now.
func (w *world) targetBroker(f *scenarios.Fault) (int, error) {
	if f.Broker != nil {
		if *f.Broker < 0 || *f.Broker >= len(w.brokers) {
			return 0, fmt.Errorf("no broker %d", *f.Broker)
		}
		return *f.Broker, nil
	}
	name, idx, err := scenarios.LeaderTarget(f.Leader)
	if err != nil {
		return 0, err
	}
	for _, t := range w.topics {
		if t.spec.Name == name && idx < len(t.parts) {
			return t.parts[idx].leader.b.id, nil
		}
	}
	return 0, fmt.Errorf("no partition %s", f.Leader)
}

// crashFault: a broker crash (or controlled shutdown) and, at its end, the
// restart.
type crashFault struct {
	w          *world
	f          *scenarios.Fault
	controlled bool
	b          int
}

func (a *crashFault) apply() error {
	b, err := a.w.targetBroker(a.f)
	if err != nil {
		return err
	}
	a.b = b
	c := a.w.ctl
	if !a.controlled {
		return c.crash(b, a.f.LosePageCache)
	}
	// Controlled shutdown: the controller moves the leaders away in one
	// metadata batch; once the brokers have it, the broker stops cleanly
	// (nothing unflushed is lost).
	c.do(0, func() {
		t := c.fence(b)
		a.w.s.At(t, func() {
			if err := c.crash(b, false); err != nil {
				a.w.fail(err)
			}
		})
	})
	return nil
}

func (a *crashFault) revert() error { return a.w.ctl.restart(a.b) }

// cutFault: a network partition around one broker.
type cutFault struct {
	w                   *world
	f                   *scenarios.Fault
	b                   int
	controller, clients bool
	peers               []int
}

func newCutFault(w *world, f *scenarios.Fault) (faultAction, error) {
	a := &cutFault{w: w, f: f}
	for _, from := range f.From {
		switch {
		case from == "controller":
			a.controller = true
		case from == "clients":
			a.clients = true
		case from == "peers":
			for i := range w.brokers {
				a.peers = append(a.peers, i)
			}
		case strings.HasPrefix(from, "broker:"):
			n, err := strconv.Atoi(strings.TrimPrefix(from, "broker:"))
			if err != nil || n < 0 || n >= len(w.brokers) {
				return nil, fmt.Errorf("from %q: no such broker", from)
			}
			a.peers = append(a.peers, n)
		default:
			return nil, fmt.Errorf("from %q: want controller, peers, clients or broker:N", from)
		}
	}
	return a, nil
}

func (a *cutFault) apply() error {
	b, err := a.w.targetBroker(a.f)
	if err != nil {
		return err
	}
	a.b = b
	c := a.w.ctl
	bs := &c.bs[b]
	for _, p := range a.peers {
		if p != b {
			bs.cutPeer[p] = true
		}
	}
	if a.clients {
		bs.cutClients = true
	}
	if a.controller {
		// Its heartbeats stop reaching the controller: the session
		// check fences it.
		bs.cutController = true
	}
	return nil
}

func (a *cutFault) revert() error {
	c := a.w.ctl
	b := a.b
	bs := &c.bs[b]
	for _, p := range a.peers {
		bs.cutPeer[p] = false
	}
	if a.clients {
		bs.cutClients = false
	}
	if a.controller {
		bs.cutController = false
		if bs.fenced && !bs.down {
			c.do(0, func() { c.unfence(b) })
		}
	}
	for _, pr := range a.w.prods {
		pr.drain(pr.conns[b])
	}
	return nil
}

// slowFault scales a broker's disk, NIC or CPU rates down by Slowdown.
func slowFault(what string) func(w *world, f *scenarios.Fault) (faultAction, error) {
	return func(w *world, f *scenarios.Fault) (faultAction, error) {
		if f.Slowdown < 1 {
			return nil, fmt.Errorf("slowdown %v: want at least 1x", f.Slowdown)
		}
		return &slowAct{w: w, f: f, what: what}, nil
	}
}

type slowAct struct {
	w    *world
	f    *scenarios.Fault
	what string
	rs   []*sim.RateServer
}

func (a *slowAct) apply() error {
	b, err := a.w.targetBroker(a.f)
	if err != nil {
		return err
	}
	br := a.w.brokers[b]
	switch a.what {
	case "disk":
		a.rs = []*sim.RateServer{br.DiskW, br.DiskR}
	case "nic":
		a.rs = []*sim.RateServer{br.NICIn, br.NICOut}
	default:
		a.rs = []*sim.RateServer{br.CPU}
	}
	for _, rs := range a.rs {
		rs.SetRateFactor(1 / float64(a.f.Slowdown))
	}
	return nil
}

func (a *slowAct) revert() error {
	for _, rs := range a.rs {
		rs.SetRateFactor(1)
	}
	return nil
}

// lostFault drops a share of a broker's produce responses.
type lostFault struct {
	w *world
	f *scenarios.Fault
	b int
}

func (a *lostFault) apply() error {
	b, err := a.w.targetBroker(a.f)
	if err != nil {
		return err
	}
	a.b = b
	a.w.ctl.bs[b].lostShare = float64(a.f.Share)
	return nil
}

func (a *lostFault) revert() error {
	a.w.ctl.bs[a.b].lostShare = 0
	return nil
}

// install turns on the fault checks the request steps make (world.faulty)
// and starts the controller's periodic tasks. Only scenarios with broker
// faults pay for them.
func (c *controller) install() error {
	w := c.w
	w.faulty = true
	c.tick = 100 * sim.Millisecond
	w.s.AfterCall(c.tick, c.unavailableTick, 0)
	c.startHeartbeats()
	if err := w.sampler.Add("offline_partitions", func() float64 {
		n := 0
		for _, p := range c.parts {
			if c.ps[p].offline && p.offs == nil {
				n++
			}
		}
		return float64(n)
	}); err != nil {
		return err
	}
	return w.sampler.Add("unavailable_partitions", func() float64 {
		n := 0
		for _, p := range c.parts {
			if (c.ps[p].offline || p.isrSize < p.t.minISR) && p.offs == nil {
				n++
			}
		}
		return float64(n)
	})
}

// The checks below are what a request step consults when the scenario has
// broker faults: the state of the brokers and links it touches. A step
// that fails its check drops the request (and whatever the check arranges:
// a refused connection's error, a retried fetch).

// rfArriveOK: a replica fetch arrives at its leader's broker.
func (c *controller) rfArriveOK(f *replicaFetcher) bool {
	return c.fetchOK(f, true) && c.beforeFetch(f)
}

// rfApplyOK: a fetched response is appended by the follower.
func (c *controller) rfApplyOK(f *replicaFetcher) bool {
	return c.fetchOK(f, false) && c.beforeApply(f)
}

// prArriveOK: a produce request reaches its broker.
func (c *controller) prArriveOK(r *produceReq) bool {
	bs := &c.bs[r.c.b.id]
	switch {
	case r.timedOut:
		c.w.freePreqID(r.id)
		return false
	case bs.cutClients, bs.down && bs.lostCache:
		// A cut link, or a dead machine (a crash losing the page cache
		// is the machine's: power, kernel): nothing answers, and the
		// producer waits out request.timeout.ms.
		c.lostRequest(r)
		return false
	case bs.down:
		// The process died but its host is up: the connection is refused
		// within a round trip, and nothing was written.
		if r.c.p.acks != 0 {
			c.failRequest(r, false)
		}
		c.lostRequest(r)
		return false
	}
	return true
}

// prBrokerOK: the broker handling a produce request is still up.
func (c *controller) prBrokerOK(r *produceReq) bool {
	if c.bs[r.c.b.id].down {
		c.lostRequest(r)
		return false
	}
	return true
}

// prRespOK: a produce response reaches its producer.
func (c *controller) prRespOK(r *produceReq) bool {
	bs := &c.bs[r.c.b.id]
	if r.timedOut {
		return true
	}
	if bs.cutClients {
		return false // the producer times out
	}
	appended := false
	for _, res := range r.results {
		switch res {
		case resNotEnoughReplicas:
			c.ner++
		case resNotEnoughReplicasAfterAppend:
			c.nera++
			appended = true
		case resOK:
			appended = true
		}
	}
	if appended && bs.lostShare > 0 && c.rng.Float64() < bs.lostShare {
		// The response is lost with its connection: the producer sees a
		// network error and retries what was written.
		c.failRequest(r, true)
		c.w.freePreqID(r.id)
		return false
	}
	return true
}

// isrCheckOK: the leader's ISR check needs the broker up and the
// controller reachable (AlterPartition).
func (c *controller) isrCheckOK(broker int) bool {
	bs := &c.bs[broker]
	return !bs.down && !bs.fenced && !bs.cutController
}

// isrChecked notes the ISR of every partition broker leads.
func (c *controller) isrChecked(broker int) {
	for _, r := range c.onBrok[broker] {
		if r == r.p.leader {
			c.noteISR(r.p)
		}
	}
}

// lostRequest forgets a produce request that will never be answered. An
// acks=0 request's batches were counted as sent: release them. A request
// its producer already gave up on is freed.
func (c *controller) lostRequest(r *produceReq) {
	p := r.c.p
	if p.acks == 0 {
		for i, bid := range r.batches {
			if b := p.batches[bid]; b.gen == r.gens[i] {
				p.release(b)
			}
		}
		c.w.freePreqID(r.id)
		return
	}
	if r.timedOut {
		c.w.freePreqID(r.id)
	}
}

// fetchOK decides whether a replica fetch step may go on; if not, the
// request is dropped and retried (at once when only stale, else after the
// fetch backoff). link: the step crosses the network.
func (c *controller) fetchOK(f *replicaFetcher, link bool) bool {
	if c.fStale[f.id] {
		c.fStale[f.id] = false
		c.dropFetch(f)
		c.kick(f)
		return false
	}
	if c.bs[f.src.id].down || c.bs[f.dst.id].down || (link && !c.peers(f.src.id, f.dst.id)) || len(f.parts) == 0 {
		c.dropFetch(f)
		if len(f.parts) > 0 {
			c.retryFetch(f)
		}
		return false
	}
	return true
}

func (c *controller) dropFetch(f *replicaFetcher) {
	if f.parked {
		c.w.s.Cancel(f.waitEv)
		f.parked = false
	}
	f.inRequest = false
	for i := range f.data {
		f.data[i] = nil
	}
}

// beforeFetch runs when a follower's fetch reaches the leader: a follower
// that must truncate learns where (OffsetsForLeaderEpoch), and one ahead
// of the leader's log end truncates to it (OFFSET_OUT_OF_RANGE).
func (c *controller) beforeFetch(f *replicaFetcher) bool {
	for i, q := range f.parts {
		lead := q.p.leader
		if lead.b != f.src || c.ps[q.p].offline {
			c.dropFetch(f)
			c.retryFetch(f)
			return false
		}
		rs := c.rs[q]
		if rs.needTrunc {
			rs.needTrunc = false
			if !c.hwTrunc {
				if err := c.truncate(q, divergence(q.log, lead.log)); err != nil {
					c.w.fail(err)
					return false
				}
			}
		}
		if end := lead.log.LogEndOffset(); q.log.LogEndOffset() > end {
			if err := c.truncate(q, end); err != nil {
				c.w.fail(err)
				return false
			}
		}
		f.offsets[i] = q.log.LogEndOffset()
	}
	return true
}

// beforeApply fits fetched batches to the follower's log end: batches it
// already has are skipped; one straddling its end, or one older than its
// latest epoch (logs that diverged without epochs), makes it truncate and
// fetch again.
func (c *controller) beforeApply(f *replicaFetcher) bool {
	for i, q := range f.parts {
		data := f.data[i]
		if len(data) == 0 {
			continue
		}
		leo := q.log.LogEndOffset()
		var err error
		for len(data) > 0 {
			b, rest, perr := commitlog.ParseBatch(data)
			if perr != nil {
				break
			}
			if b.NextOffset() <= leo {
				data = rest
				continue
			}
			if b.BaseOffset() < leo {
				err = c.truncate(q, b.BaseOffset())
				data = nil
			} else if le, ok := q.log.LatestEpoch(); ok && b.LeaderEpoch() < le {
				if leo > 0 {
					err = c.truncate(q, leo-1)
				} else {
					err = q.log.TruncateFullyAndStartAt(0)
				}
				data = nil
			}
			break
		}
		if err != nil {
			c.w.fail(err)
			return false
		}
		f.data[i] = data
	}
	return true
}

// sessionOK decides whether a consumer fetch step may go on: a fetch to a
// down or cut-off broker is dropped and sent again after a second (to a
// live broker when its own is down).
func (c *controller) sessionOK(s *fetchSession) bool {
	bs := &c.bs[s.b.id]
	if !bs.down && !bs.cutClients {
		return true
	}
	w := c.w
	if s.parked {
		s.parked = false
		w.s.Cancel(s.waitEv)
	}
	s.gen++
	if bs.down {
		s.b = c.liveBroker(s.b)
	}
	w.s.AfterCall(sim.Second, func(id uint64) { w.sessions[id].send() }, uint64(s.id))
	return false
}
