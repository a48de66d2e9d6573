package sqs

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/scenarios"
	"mqsim/sim"
)

// SQS registers itself as the system model.Run dispatches `system: sqs` to.
func init() { model.Register(scenarios.SystemSQS, Run) }

// API actions, for the FIFO per-action limit.
const (
	actSend = iota
	actReceive
	actDelete
	actChangeVisibility
	numActions
)

// world is one run: the queues, producers, consumers (or Celery workers),
// the checker and the counters results are read from.
type world struct {
	s    *sim.Sim
	sc   *scenarios.Scenario
	cfg  *scenarios.SQS
	half sim.Time // one way of an API call: half the request latency
	end  sim.Time

	queues []*qstate
	byName map[string]*qstate
	chk    *check.Checker
	groups []*groupState
	prods  []*producer

	e2e, ack *sim.Histogram
	sampler  *sim.Sampler

	apiRequests, billed, emptyReceives, throttled, visChanges int64
	produced, acked, failed, tooLarge                         int64
	ackedBytes                                                int64
	processingRetries, discarded, deadLettered, redelivered   int64
	err                                                       error
	// waitSum and waitN: time from produce to the start of processing,
	// summed over plain consumers' first processings (the queueing-theory test).
	waitSum float64
	waitN   int64
}

// qstate is a queue with the service's side of the API: parked long polls
// and the FIFO per-action limit.
type qstate struct {
	w       *world
	idx     int
	q       *Queue
	spec    *scenarios.SQSQueue
	waiters []*waiter
	wakeEv  sim.EventID
	wakeAt  sim.Time
	// nextSlot is when each action's next call may start (FIFO limit).
	nextSlot [numActions]sim.Time
	group    *groupState
	maxStore int
}

type waiter struct {
	done  bool
	max   int
	reply func([]Receipt)
}

// Run plays a resolved `system: sqs` scenario.
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
	if sc.SQS == nil {
		return nil, fmt.Errorf("scenario %s: system sqs without an sqs section", sc.Name)
	}
	if sc.SQS.RequestLatency <= 0 || sc.SQS.MaxMessages < 1 {
		return nil, fmt.Errorf("scenario %s: the sqs section is not resolved (request_latency, max_messages): call Defaults", sc.Name)
	}
	w := &world{s: sim.New(sc.Seed), sc: sc, cfg: sc.SQS, half: sim.Time(sc.SQS.RequestLatency) / 2,
		end: sim.Time(sc.Duration), byName: map[string]*qstate{},
		e2e: sim.NewLatencyHistogram(), ack: sim.NewLatencyHistogram()}
	for i := range sc.SQS.Queues {
		spec := &sc.SQS.Queues[i]
		qs := &qstate{w: w, idx: i, spec: spec, q: NewQueue(QueueConfig{
			Name: spec.Name, FIFO: spec.IsFIFO(), Visibility: sim.Time(spec.VisibilityTimeout),
			Retention: sim.Time(spec.Retention), Delay: sim.Time(spec.Delay), MaxReceiveCount: spec.MaxReceiveCount,
			ContentDedup: spec.ContentBasedDedup, InFlightLimit: spec.InFlightLimit})}
		w.queues = append(w.queues, qs)
		w.byName[spec.Name] = qs
	}
	for _, qs := range w.queues {
		if d := qs.spec.DeadLetterQueue; d != "" {
			dlq := w.byName[d]
			if dlq == nil {
				return nil, fmt.Errorf("scenario %s: queue %s: unknown dead-letter queue %q", sc.Name, qs.spec.Name, d)
			}
			qs.q.Cfg.DLQ = dlq.q
		}
	}
	w.chk = check.New(len(sc.ConsumerGroups))
	for gi := range sc.ConsumerGroups {
		g := &sc.ConsumerGroups[gi]
		qs := w.byName[g.Topic]
		if qs == nil {
			return nil, fmt.Errorf("scenario %s: group %s reads unknown queue %q", sc.Name, g.Name, g.Topic)
		}
		gs := newGroup(w, gi, g, qs)
		qs.group = gs
		w.groups = append(w.groups, gs)
	}
	for _, qs := range w.queues {
		qs.q.OnRedrive = func(m *Message) {
			w.deadLettered++
			if qs.group != nil {
				w.chk.Handled(qs.group.idx, m.Prod, m.Part, m.Seq)
			}
		}
	}
	if err := w.buildProducers(); err != nil {
		return nil, err
	}
	if err := w.buildFaults(); err != nil {
		return nil, err
	}
	if err := w.buildSampler(); err != nil {
		return nil, err
	}
	return w, nil
}

// call is one API call on queue qs: counted, billed per 64 KB chunk of
// payload, held to the FIFO per-action limit, and handled at the service
// half a request latency after now.
func (w *world) call(qs *qstate, action int, payload int64, handle func()) {
	w.apiRequests++
	w.billed += max(1, (payload+scenarios.SQSBillingChunk-1)/scenarios.SQSBillingChunk)
	at := w.s.Now() + w.half
	if qs.spec.IsFIFO() {
		if slot := qs.nextSlot[action]; slot > at {
			at = slot
			w.throttled++
		}
		qs.nextSlot[action] = at + max(sim.Seconds(1/qs.spec.FIFOCallsPerSecond), 1)
	}
	w.s.At(at, handle)
}

// reply runs fn half a request latency from now: a response on its way back.
func (w *world) reply(fn func()) { w.s.After(w.half, fn) }

// receive is a ReceiveMessage call: answered at once when messages are
// available, else parked up to the queue's receive wait (long polling) or
// answered empty (short polling).
func (w *world) receive(qs *qstate, max int, alive func() bool, got func([]Receipt)) {
	w.call(qs, actReceive, 0, func() {
		rs := qs.q.Receive(w.s.Now(), max)
		if len(rs) > 0 || qs.spec.ReceiveWait == 0 {
			w.answer(qs, rs, got, alive)
			return
		}
		wt := &waiter{max: max}
		wt.reply = func(rs []Receipt) { w.answer(qs, rs, got, alive) }
		qs.waiters = append(qs.waiters, wt)
		w.s.After(sim.Time(qs.spec.ReceiveWait), func() {
			if !wt.done {
				wt.done = true
				wt.reply(nil)
			}
		})
		qs.armWake()
	})
}

func (w *world) answer(qs *qstate, rs []Receipt, got func([]Receipt), alive func() bool) {
	if len(rs) == 0 {
		w.emptyReceives++
	}
	var bytes int64
	for _, r := range rs {
		bytes += r.M.Size
		if r.M.ReceiveCount > 1 {
			w.redelivered++
		}
	}
	// The response's payload is billed by chunks too: the call was counted
	// as one request, so add the chunks beyond the first.
	if extra := (bytes+scenarios.SQSBillingChunk-1)/scenarios.SQSBillingChunk - 1; extra > 0 {
		w.billed += extra
	}
	w.reply(func() {
		if !alive() {
			return // the consumer died: its messages stay in flight until the timeout
		}
		got(rs)
	})
}

// wake answers parked long polls while messages are available.
func (qs *qstate) wake() {
	now := qs.w.s.Now()
	qs.q.Advance(now) // so the next timer is in the future
	for len(qs.waiters) > 0 {
		wt := qs.waiters[0]
		if wt.done {
			qs.waiters = qs.waiters[1:]
			continue
		}
		if qs.q.AtInFlightLimit() || !qs.q.HasAvailable(now) {
			break // a delete or a timer wakes the queue again
		}
		rs := qs.q.Receive(now, wt.max)
		if len(rs) == 0 { // all it reached expired or were redriven
			continue
		}
		wt.done = true
		qs.waiters = qs.waiters[1:]
		wt.reply(rs)
	}
	qs.armWake()
}

// armWake schedules a wake at the queue's next timer while polls are parked.
func (qs *qstate) armWake() {
	if len(qs.waiters) == 0 {
		return
	}
	t, ok := qs.q.NextTimer()
	if !ok {
		return
	}
	if qs.wakeEv != 0 && qs.wakeAt <= t && qs.wakeAt >= qs.w.s.Now() {
		return
	}
	if qs.wakeEv != 0 {
		qs.w.s.Cancel(qs.wakeEv)
	}
	qs.wakeAt = t
	qs.wakeEv = qs.w.s.At(t, func() { qs.wakeEv = 0; qs.wake() })
}

// deleteMsg is a DeleteMessage call for receipt r. A standard queue with
// a duplicate rate misses the delete now and then: the copy comes back
// after the visibility timeout.
func (w *world) deleteMsg(qs *qstate, r Receipt, rng *rand.Rand) {
	missed := qs.spec.DuplicateRate > 0 && rng.Float64() < float64(qs.spec.DuplicateRate)
	w.call(qs, actDelete, 0, func() {
		if missed {
			return
		}
		qs.q.Delete(w.s.Now(), r)
		qs.wake()
	})
}

// deleteBatch is a DeleteMessageBatch call for up to 10 receipts: one
// request; each entry succeeds or fails on its own (a standard queue's
// missed delete, as deleteMsg).
func (w *world) deleteBatch(qs *qstate, rs []Receipt, rng *rand.Rand) {
	missed := make([]bool, len(rs))
	for i := range rs {
		missed[i] = qs.spec.DuplicateRate > 0 && rng.Float64() < float64(qs.spec.DuplicateRate)
	}
	w.call(qs, actDelete, 0, func() {
		for i, r := range rs {
			if !missed[i] {
				qs.q.Delete(w.s.Now(), r)
			}
		}
		qs.wake()
	})
}

// changeVisibility is a ChangeMessageVisibility call.
func (w *world) changeVisibility(qs *qstate, r Receipt, timeout sim.Time) {
	w.visChanges++
	w.call(qs, actChangeVisibility, 0, func() {
		_ = qs.q.ChangeVisibility(w.s.Now(), r, timeout) // a stale handle fails, as in SQS
		qs.wake()
	})
}

// send is a SendMessage call; ok is told when the response is back.
func (w *world) send(qs *qstate, m *Message, ok func()) {
	w.sendBatch(qs, []*Message{m}, m.Size, ok)
}

// sendBatch is a SendMessageBatch call (one message: SendMessage).
func (w *world) sendBatch(qs *qstate, ms []*Message, bytes int64, ok func()) {
	w.call(qs, actSend, bytes, func() {
		for _, m := range ms {
			qs.q.Send(w.s.Now(), m)
		}
		qs.maxStore = max(qs.maxStore, qs.q.Stored())
		qs.wake()
		w.reply(ok)
	})
}

func (w *world) run(opts model.Options) (*model.Results, error) {
	limit := w.end + sim.Time(w.sc.Drain)
	partial, err := model.Play(w.s, opts, sim.Second, w.end, limit, w.quiet, func() error { return w.err })
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

// quiet reports whether nothing is left to do: every queue empty of
// messages a consumer could still take.
func (w *world) quiet() bool {
	for _, qs := range w.queues {
		if qs.group != nil && qs.q.Stored() > 0 {
			return false
		}
	}
	for _, g := range w.groups {
		if g.busy() {
			return false
		}
	}
	return true
}

// backoff is Celery's retry countdown before retry n (1-based).
func backoff(c *scenarios.Celery, n int, rng *rand.Rand) sim.Time {
	if !c.RetryBackoff {
		return sim.Time(c.DefaultRetryDelay)
	}
	d := math.Min(math.Pow(2, float64(n-1)), c.RetryBackoffMax.Seconds())
	if c.Jitter() {
		d = rng.Float64() * d
	}
	return sim.Seconds(d)
}
