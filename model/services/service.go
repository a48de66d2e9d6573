package services

import (
	"fmt"
	"math/rand/v2"

	"mqsim/model/channel"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// service is one service: its instances, its calls and its counters.
type service struct {
	w     *world
	idx   int
	spec  *scenarios.Service
	calls []*callSpec
	insts []*instance
	inbox *inbox // set when some call reaches it asynchronously
	rng   *rand.Rand
	route *rand.Rand // which calls a request makes (call shares)
	depth int        // longest call path from the entry (-1: unreachable)
	// clientRR picks the instance the client's next request goes to.
	clientRR int

	// Fault state.
	slow     float64
	errShare float64

	busy, queued int // over all instances, now
	threads      int // over all instances
	// busyArea is thread-seconds busy so far (the integral of busy).
	busyArea float64
	lastBusy sim.Time
	// Counters.
	arrived, completed, failed, rejected           int64
	attempts                                       int64 // synchronous call attempts that reached the network toward it
	timeouts, retries, shortCircuits, budgetDenied int64 // of the calls it makes
	breakerOpens                                   int64
	asyncProcessed, deadLettered                   int64
	waitSum                                        float64 // seconds requests waited in accept queues
	waitN                                          int64
	maxQueued                                      int
	exhaustedAt                                    sim.Time // start of the first second with every thread busy (-1: never)
	fullSince                                      sim.Time // every thread busy since (-1: not now)
	maxUtil                                        float64
	late0, late1                                   int64 // completed at 3/4 of the client's run and at its end
}

// callSpec is one of a service's calls, resolved.
type callSpec struct {
	idx   int
	spec  *scenarios.Call
	to    *service
	async bool
}

// instance is one process of a service: a pool of threads and an accept
// queue.
type instance struct {
	svc   *service
	idx   int
	node  net.NodeID
	inc   int // bumped when the process dies: work of the old one is dropped
	busy  int
	queue []*job
	// prefetched are messages a receive brought that no thread has taken yet.
	prefetched []channel.Delivery
	polling    bool
	down       bool
	rr         []int // round robin over the callee's instances, per call
	breakers   []*Breaker
	budgets    []*Budget
	retryRng   *rand.Rand
}

// job is one request (or asynchronous message) being handled.
type job struct {
	origin   sim.Time          // when the edge request that caused it started
	reply    func(ok bool)     // answer the caller (nil for a message from the queue)
	delivery *channel.Delivery // the message, for an asynchronous job
	queued   sim.Time          // when it entered the accept queue
	inc      int               // the instance's incarnation that took it
	inst     *instance         // where it runs
	failing  bool              // an error fault chose to fail it
	_        [0]func()         // not comparable
}

func newService(w *world, i int, spec *scenarios.Service) *service {
	return &service{w: w, idx: i, spec: spec, slow: 1, exhaustedAt: -1, fullSince: -1,
		rng: w.s.Stream("service/" + spec.Name), route: w.s.Stream("route/" + spec.Name)}
}

func (sv *service) initInstances() {
	for i := range sv.spec.Instances {
		in := &instance{svc: sv, idx: i, node: sv.w.net.AddNode(fmt.Sprintf("%s-%d", sv.spec.Name, i)),
			rr: make([]int, len(sv.calls)), breakers: make([]*Breaker, len(sv.calls)), budgets: make([]*Budget, len(sv.calls)),
			retryRng: sv.w.s.Stream(fmt.Sprintf("retry/%s-%d", sv.spec.Name, i))}
		for k, c := range sv.calls {
			if b := c.spec.Breaker; b != nil {
				in.breakers[k] = NewBreaker(BreakerConfig{Window: sim.Time(b.Window), Buckets: 10, Volume: b.Volume,
					Threshold: float64(b.Threshold), Sleep: sim.Time(b.Sleep), Probes: b.Probes})
			}
			if b := c.spec.RetryBudget; b != nil {
				in.budgets[k] = NewBudget(float64(b.Ratio), b.MinPerSecond, b.Burst)
			}
		}
		sv.insts = append(sv.insts, in)
	}
	sv.threads = sv.spec.Threads * sv.spec.Instances
	if sv.inbox != nil {
		sv.inbox.attach()
	}
}

// pick is the next instance in round-robin order (a load balancer that
// does not know which instances are dead).
func (sv *service) pick(rr *int) *instance {
	in := sv.insts[*rr%len(sv.insts)]
	*rr++
	return in
}

// addBusy changes the busy-thread count, keeping the integral.
func (sv *service) addBusy(d int) {
	now := sv.w.s.Now()
	sv.busyArea += float64(sv.busy) * (now - sv.lastBusy).Seconds()
	sv.lastBusy = now
	sv.busy += d
	switch {
	case sv.busy >= sv.threads && sv.fullSince < 0:
		sv.fullSince = now
	case sv.busy < sv.threads && sv.fullSince >= 0:
		sv.checkExhausted(now)
		sv.fullSince = -1
	}
}

// exhaustedFor is how long every thread must stay busy for the pool to
// count as exhausted: a moment's burst at high utilisation is not.
const exhaustedFor = sim.Second

// checkExhausted records the pool's first exhaustion once it has lasted
// exhaustedFor by now.
func (sv *service) checkExhausted(now sim.Time) {
	if sv.exhaustedAt < 0 && sv.fullSince >= 0 && now-sv.fullSince >= exhaustedFor {
		sv.exhaustedAt = sv.fullSince
	}
}

// area is the busy thread-seconds up to now.
func (sv *service) area() float64 {
	now := sv.w.s.Now()
	sv.checkExhausted(now)
	sv.busyArea += float64(sv.busy) * (now - sv.lastBusy).Seconds()
	sv.lastBusy = now
	return sv.busyArea
}

func (sv *service) setFault(f *scenarios.ServiceFault, on bool) {
	switch f.Type {
	case "slow":
		sv.slow = 1
		if on {
			sv.slow = float64(f.Slowdown)
		}
	case "errors":
		sv.errShare = 0
		if on {
			sv.errShare = float64(f.Share)
		}
	case "partition":
		// Cut off from every other node, both ways: calls to it and its
		// answers vanish, so callers time out. The broker's API is
		// reached outside the simulated network, so its consumers still
		// poll.
		for _, in := range sv.insts {
			if on {
				sv.w.net.Isolate(in.node)
			} else {
				sv.w.net.Rejoin(in.node)
			}
		}
	case "down", "crash":
		for _, in := range sv.insts {
			if on {
				in.crash(f.Type == "crash")
			} else {
				in.restart()
			}
		}
	}
}

// crash stops the instance's process (machine too: messages to it vanish
// instead of being refused). Its threads' work and its queue are lost;
// messages it held from the broker come back after their visibility
// timeout.
func (in *instance) crash(machine bool) {
	sv := in.svc
	if machine {
		sv.w.net.CrashMachine(in.node)
	} else {
		sv.w.net.CrashProcess(in.node)
	}
	in.down = true
	in.inc++
	sv.addBusy(-in.busy)
	sv.queued -= len(in.queue)
	in.busy, in.queue, in.prefetched, in.polling = 0, nil, nil, false
	if sv.inbox != nil {
		sv.inbox.ch.Stop(in.idx, machine)
	}
}

func (in *instance) restart() {
	in.svc.w.net.Restart(in.node)
	in.down = false
	in.inc++
	if b := in.svc.inbox; b != nil {
		b.ch.Start(in.idx)
	}
	in.poll()
}

// accept takes a request arriving at the instance: a free thread runs
// it, else the accept queue holds it, else it is rejected at once.
func (in *instance) accept(j *job) {
	sv := in.svc
	sv.arrived++
	if in.busy < sv.spec.Threads {
		in.start(j)
		return
	}
	if len(in.queue) < sv.spec.QueueLen() {
		j.queued = sv.w.s.Now()
		in.queue = append(in.queue, j)
		sv.queued++
		sv.maxQueued = max(sv.maxQueued, sv.queued)
		return
	}
	sv.rejected++
	j.reply(false)
}

// start runs j on a thread: the service's own work, then its calls in
// order.
func (in *instance) start(j *job) {
	in.busy++
	in.svc.addBusy(1)
	in.run(j)
}

// run is start on a thread already counted busy.
func (in *instance) run(j *job) {
	sv := in.svc
	j.inc, j.inst = in.inc, in
	d := max(sim.Time(float64(sim.SampleTime(sv.spec.ServiceTime.Dist, sv.rng))*sv.slow), 0)
	j.failing = sv.errShare > 0 && sv.rng.Float64() < sv.errShare
	sv.w.s.After(d, func() {
		if j.failing {
			in.finish(j, false)
			return
		}
		in.callNext(j, 0)
	})
}

func (in *instance) alive(j *job) bool { return j.inc == in.inc && !in.down }

// callNext makes call k of the request (or finishes it after the last).
func (in *instance) callNext(j *job, k int) {
	if !in.alive(j) {
		return
	}
	sv := in.svc
	if sv.spec.Parallel && k == 0 {
		in.fanOut(j)
		return
	}
	if k == len(sv.calls) {
		in.finish(j, true)
		return
	}
	c := sv.calls[k]
	if c.spec.Share < 1 && sv.route.Float64() >= float64(c.spec.Share) {
		in.callNext(j, k+1) // this request does not make this call
		return
	}
	if c.async {
		c.to.inbox.publish(in, j, func(ok bool) {
			if !in.alive(j) {
				return
			}
			if ok {
				in.callNext(j, k+1)
				return
			}
			in.finish(j, false)
		})
		return
	}
	in.syncCall(c, j, func(ok bool) {
		if !in.alive(j) {
			return
		}
		if ok || c.spec.Fallback {
			in.callNext(j, k+1)
			return
		}
		in.finish(j, false)
	})
}

// fanOut makes every call the request routes to at once (parallel:
// true): the thread waits for the last to come back, and the request
// fails if any call without a fallback failed.
func (in *instance) fanOut(j *job) {
	sv := in.svc
	var chosen []*callSpec
	for _, c := range sv.calls {
		if c.spec.Share < 1 && sv.route.Float64() >= float64(c.spec.Share) {
			continue // this request does not make this call
		}
		chosen = append(chosen, c)
	}
	if len(chosen) == 0 {
		in.finish(j, true)
		return
	}
	pending, failed := len(chosen), false
	joined := func(ok bool) {
		if !in.alive(j) {
			return
		}
		failed = failed || !ok
		if pending--; pending == 0 {
			in.finish(j, !failed)
		}
	}
	for _, c := range chosen {
		if c.async {
			c.to.inbox.publish(in, j, joined)
			continue
		}
		in.syncCall(c, j, func(ok bool) { joined(ok || c.spec.Fallback) })
	}
}

// finish ends j: the answer goes back (or the message is deleted), and
// the thread takes the next piece of work.
func (in *instance) finish(j *job, ok bool) {
	if !in.alive(j) {
		return
	}
	sv := in.svc
	if ok {
		sv.completed++
	} else {
		sv.failed++
	}
	if j.delivery != nil {
		sv.inbox.done(j, ok)
	} else {
		j.reply(ok)
	}
	// The thread takes the next piece of work at once, staying busy.
	if j := in.take(); j != nil {
		in.run(j)
		return
	}
	in.busy--
	sv.addBusy(-1)
	in.next()
}

// take is the next piece of work waiting at the instance, if any: a
// request in the accept queue first (its caller is waiting), then a
// message already received.
func (in *instance) take() *job {
	sv := in.svc
	switch {
	case len(in.queue) > 0:
		j := in.queue[0]
		in.queue[0] = nil
		in.queue = in.queue[1:]
		sv.queued--
		sv.waitSum += (sv.w.s.Now() - j.queued).Seconds()
		sv.waitN++
		return j
	case len(in.prefetched) > 0:
		d := in.prefetched[0]
		in.prefetched = in.prefetched[1:]
		return &job{origin: d.Born, delivery: &d}
	}
	return nil
}

// next gives a free thread its next piece of work: a waiting request
// first (its caller is waiting), then a message already received, then
// a new receive from the broker.
func (in *instance) next() {
	for in.busy < in.svc.spec.Threads {
		j := in.take()
		if j == nil {
			in.poll()
			return
		}
		in.start(j)
	}
}

// syncCall makes a synchronous call: attempts with a timeout, retries with
// backoff (within the retry budget), all behind the circuit breaker. The
// thread stays busy throughout; done hears the call's outcome.
func (in *instance) syncCall(c *callSpec, j *job, done func(ok bool)) {
	sv, w := in.svc, in.svc.w
	br, bud := in.breakers[c.idx], in.budgets[c.idx]
	tries := 0
	if bud != nil {
		bud.Deposit(w.s.Now())
	}
	var try func()
	resolve := func(ok bool) {
		if br != nil {
			opens := br.Opens
			br.Record(w.s.Now(), ok)
			sv.breakerOpens += br.Opens - opens
		}
		if ok {
			done(true)
			return
		}
		if tries > c.spec.Retries || !in.alive(j) {
			done(false)
			return
		}
		if bud != nil && !bud.TryRetry(w.s.Now()) {
			sv.budgetDenied++
			done(false)
			return
		}
		sv.retries++
		w.s.After(backoff(c.spec, tries, in.retryRng), try)
	}
	try = func() {
		if !in.alive(j) {
			return
		}
		if br != nil && !br.Allow(w.s.Now()) {
			sv.shortCircuits++
			done(false) // Hystrix: an open circuit goes straight to the fallback, no retry
			return
		}
		tries++
		c.to.attempts++
		target := c.to.pick(&in.rr[c.idx])
		answered := false
		timer := w.s.After(sim.Time(c.spec.Timeout), func() {
			if answered {
				return
			}
			answered = true
			sv.timeouts++
			resolve(false)
		})
		callee := &job{origin: j.origin}
		callee.reply = func(ok bool) {
			w.send(target.node, in.node, func() {
				if answered {
					return // the caller gave up: the work was wasted
				}
				answered = true
				w.s.Cancel(timer)
				resolve(ok)
			}, nil)
		}
		w.send(in.node, target.node, func() { target.accept(callee) }, func() {
			if answered {
				return
			}
			answered = true
			w.s.Cancel(timer)
			resolve(false) // connection refused: the process is down
		})
	}
	try()
}
