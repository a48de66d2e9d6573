package kafka

import (
	"fmt"
	"strconv"
	"strings"

	"mqsim/model/commitlog"
	"mqsim/model/net"
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
	"network-degrade":     newDegradeFault,
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
	stopping   bool // a controlled shutdown waits for the broker to apply its batch
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
	// metadata batch; once the broker has applied it, it stops cleanly
	// (nothing unflushed is lost). One that cannot hear the controller
	// stops when its session would have run out, as Kafka's controlled
	// shutdown gives up waiting.
	a.stopping = true
	stop := func() {
		if !a.stopping {
			return
		}
		a.stopping = false
		c.bs[b].await = nil
		if err := c.crash(b, false); err != nil {
			a.w.fail(err)
		}
	}
	c.do(0, func() {
		c.fence(b, func() {
			c.afterApplied(b, stop)
			a.w.s.After(c.sessionTimeout, stop)
		})
	})
	return nil
}

func (a *crashFault) revert() error {
	if a.stopping {
		// Still waiting to stop: it never went down.
		a.stopping = false
		a.w.ctl.bs[a.b].await = nil
		return nil
	}
	return a.w.ctl.restart(a.b)
}

// cutFault: a network partition around one broker, or (degrade) a slow,
// lossy network around it.
type cutFault struct {
	w                   *world
	f                   *scenarios.Fault
	b                   int
	controller, clients bool
	peers               []int
	degrade             bool
}

func newDegradeFault(w *world, f *scenarios.Fault) (faultAction, error) {
	a, err := newCutFault(w, f)
	if err != nil {
		return nil, err
	}
	if f.Slowdown != 0 && f.Slowdown < 1 {
		return nil, fmt.Errorf("slowdown %v: want at least 1x", f.Slowdown)
	}
	a.(*cutFault).degrade = true
	return a, nil
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

// apply cuts the network both ways between the broker and each node
// named: its peers' brokers, every client, the controller.
func (a *cutFault) apply() error {
	b, err := a.w.targetBroker(a.f)
	if err != nil {
		return err
	}
	a.b = b
	if a.degrade {
		n := a.w.net
		a.each(func(from, to net.NodeID) {
			n.SetSlow(from, to, max(float64(a.f.Slowdown), 1))
			n.SetDrop(from, to, float64(a.f.Share))
		})
		return nil
	}
	a.each(a.w.net.Cut)
	if a.controller {
		// Its heartbeats stop reaching the controller (the session check
		// fences it), and the controller's metadata stops reaching it.
		a.w.ctl.bs[b].cutController = true
	}
	return nil
}

// each calls fn(x, y) for both directions of every cut pair.
func (a *cutFault) each(fn func(from, to net.NodeID)) {
	w := a.w
	me := w.brokers[a.b].node
	var others []net.NodeID
	for _, p := range a.peers {
		if p != a.b {
			others = append(others, w.brokers[p].node)
		}
	}
	if a.clients {
		others = append(others, w.clientNodes...)
	}
	if a.controller {
		others = append(others, w.ctl.quorum().nodes...)
	}
	for _, o := range others {
		fn(me, o)
		fn(o, me)
	}
}

func (a *cutFault) revert() error {
	c := a.w.ctl
	b := a.b
	bs := &c.bs[b]
	if a.degrade {
		n := a.w.net
		a.each(func(from, to net.NodeID) {
			n.SetSlow(from, to, 1)
			n.SetDrop(from, to, 0)
		})
		return nil
	}
	a.each(a.w.net.Heal)
	if a.controller {
		bs.cutController = false
		if !bs.down {
			// Its metadata fetch reaches the controller again and brings
			// what it missed over the network: a zombie leader learns of
			// the newer epoch and steps down when it arrives.
			c.sendMetadata(b, c.meta.batch)
		}
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
	return c.fetchOK(f) && c.beforeFetch(f)
}

// rfApplyOK: a fetched response is appended by the follower.
func (c *controller) rfApplyOK(f *replicaFetcher) bool {
	return c.fetchOK(f) && c.beforeApply(f)
}

// prArriveOK: a produce request reached its broker (the network has
// delivered it, so the broker's process is up and the way was open); one
// its producer gave up on meanwhile is dropped.
func (c *controller) prArriveOK(r *produceReq) bool {
	if r.timedOut {
		c.w.freePreqID(r.id)
		return false
	}
	return true
}

// prUndelivered: the network did not deliver a produce request (or a
// metadata request) on a producer's connection. Refused — the broker's
// process is down, its machine up — the producer learns a round trip
// after sending: nothing was written, the batches back off and retry, the
// broker is avoided for a while and the metadata is refreshed. Lost
// silently — a dead machine, a cut — the producer learns nothing and
// waits out request.timeout.ms; only the request's bookkeeping is done.
func (w *world) prUndelivered(arg uint64, refused bool) {
	if arg&mdFlag != 0 {
		w.mdUndelivered(arg, refused)
		return
	}
	c := w.ctl
	r := w.preqs[arg]
	if refused {
		p := r.c.p
		if p.acks != 0 && !r.timedOut {
			c.failRequest(r, false)
		}
		p.avoidBroker(r.c.b.id)
		p.refreshMetadata(p.backoff)
	}
	c.lostRequest(r)
}

// prRespLost: a produce (or metadata) response did not reach its
// producer, which will time out.
func (w *world) prRespLost(arg uint64, _ bool) {
	if arg&mdFlag != 0 {
		return
	}
	w.ctl.lostRequest(w.preqs[arg])
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
// its producer already gave up on is freed; one it still waits for is
// freed when its timer fires.
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
	} else {
		r.gone = true
	}
}

// fetchOK decides whether a replica fetch step inside a broker may go on
// (the network applies cuts to the steps that cross it); if not, the
// request is dropped and retried (at once when only stale, else after the
// fetch backoff).
func (c *controller) fetchOK(f *replicaFetcher) bool {
	if c.fStale[f.id] {
		c.fStale[f.id] = false
		c.dropFetch(f)
		c.kick(f)
		return false
	}
	if c.bs[f.src.id].down || c.bs[f.dst.id].down || len(f.parts) == 0 {
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

// beforeFetch runs when a follower's fetch reaches the leader (a follower
// fetching from a broker that no longer leads is refused, and waits for
// the metadata that names the new leader): a follower that must truncate
// learns where (OffsetsForLeaderEpoch), and one ahead
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
				if err := c.truncate(q, commitlog.Divergence(q.log, lead.log)); err != nil {
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
					q.p.matched = 0
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

// rfUndelivered: the network lost a replica fetch or its response (a cut,
// a dead broker): the fetcher tries again after the fetch backoff (at once
// if the request was only stale).
func (w *world) rfUndelivered(id uint64, _ bool) {
	f := w.fetchers[id]
	c := w.ctl
	c.dropFetch(f)
	if c.fStale[f.id] {
		c.fStale[f.id] = false
		c.kick(f)
		return
	}
	if len(f.parts) > 0 {
		c.retryFetch(f)
	}
}

// csUndelivered: the network lost a consumer fetch or its response: the
// member sends it again after a second (to a live broker when its own is
// down).
func (w *world) csUndelivered(id uint64, _ bool) {
	w.ctl.sessionLost(w.sessions[id])
}

// sessionOK decides whether a consumer fetch step inside a broker may go
// on: one at a broker that died is dropped and sent again after a second.
func (c *controller) sessionOK(s *fetchSession) bool {
	if !c.bs[s.b.id].down {
		return true
	}
	c.sessionLost(s)
	return false
}

func (c *controller) sessionLost(s *fetchSession) {
	bs := &c.bs[s.b.id]
	w := c.w
	if s.parked {
		s.parked = false
		w.s.Cancel(s.waitEv)
	}
	s.gen++
	if bs.down {
		s.b = c.liveBroker(s.b)
	}
	s.m.refreshMetadata() // a lost connection makes the client refresh, as Kafka's does
	w.s.AfterCall(sim.Second, func(id uint64) { w.sessions[id].send() }, uint64(s.id))
}
