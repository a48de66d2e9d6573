package pubsub

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

// Pub/Sub registers itself as the system model.Run dispatches `system: pubsub` to.
func init() { model.Register(scenarios.SystemPubSub, Run) }

type world struct {
	s    *sim.Sim
	sc   *scenarios.Scenario
	cfg  *scenarios.PubSub
	half sim.Time // one way of a request
	dl   sim.Time // the service to a subscriber, one way
	end  sim.Time

	topics  []*topic
	byTopic map[string]*topic
	subs    []*sub
	bySub   map[string]*sub
	groups  []*group
	prods   []*producer

	e2e, ack, interval *sim.Histogram
	sampler            *sim.Sampler
	rng                *rand.Rand // ack loss

	produced, acked, ackedBytes int64
	processedBytes              int64
	processingRetries           int64
	redelivered                 int64
	svc                         model.PubSubService
	pushMinSet                  bool

	// onDeliver, if set (tests), is told of every delivery.
	onDeliver func(sub string, attempt int, at sim.Time)
}

type topic struct {
	idx     int
	name    string
	subs    []*sub
	chk     *check.Checker
	ordered bool // a subscription delivers in key order: publishers use ordering keys
}

type msgID struct {
	prod int
	seq  int32
}

type msg struct {
	id   msgID
	key  int64
	born sim.Time
	size int64
}

// entry is one message in one subscription.
type entry struct {
	m           *msg
	attempts    int    // delivery attempts so far
	ackID       uint64 // the latest delivery's
	outstanding bool
	deadline    sim.Time
	gen         uint64 // invalidates expiry timers
	holder      *consumer
}

type keyState struct {
	queue []*entry // in publish order; the head may be outstanding
	busy  bool
	owner *consumer
}

// sub is one subscription: its copies of messages and its dispatch.
type sub struct {
	w     *world
	spec  *scenarios.PubSubSubscription
	t     *topic
	gi    int
	group *group
	push  bool
	ready []*entry
	live  map[msgID]*entry
	keys  map[int64]*keyState
	rr    int // round robin over subscribers
	// push
	window      float64
	outstanding int
	epQueue     []*pushReq
	maxLive     int
}

// Run plays a resolved `system: pubsub` scenario.
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
	c := sc.PubSub
	if c == nil {
		return nil, fmt.Errorf("scenario %s: system pubsub without a pubsub section", sc.Name)
	}
	if c.RequestLatency <= 0 || c.DeliveryLatency <= 0 || c.KeyRate <= 0 {
		return nil, fmt.Errorf("scenario %s: the pubsub section is not resolved: call Defaults", sc.Name)
	}
	w := &world{s: sim.New(sc.Seed), sc: sc, cfg: c, half: sim.Time(c.RequestLatency) / 2, dl: sim.Time(c.DeliveryLatency),
		end: sim.Time(sc.Duration), byTopic: map[string]*topic{}, bySub: map[string]*sub{},
		e2e: sim.NewLatencyHistogram(), ack: sim.NewLatencyHistogram(), interval: sim.NewLatencyHistogram()}
	w.rng = w.s.Stream("pubsub/acks")
	for i, t := range c.Topics {
		tp := &topic{idx: i, name: t.Name}
		w.topics = append(w.topics, tp)
		w.byTopic[t.Name] = tp
	}
	for i := range c.Subscriptions {
		spec := &c.Subscriptions[i]
		t := w.byTopic[spec.Topic]
		if t == nil {
			return nil, fmt.Errorf("scenario %s: subscription %s: unknown topic %q", sc.Name, spec.Name, spec.Topic)
		}
		if spec.DeadLetterTopic != "" && w.byTopic[spec.DeadLetterTopic] == nil {
			return nil, fmt.Errorf("scenario %s: subscription %s: unknown dead-letter topic %q", sc.Name, spec.Name, spec.DeadLetterTopic)
		}
		u := &sub{w: w, spec: spec, t: t, gi: -1, push: spec.Delivery == "push", live: map[msgID]*entry{}, keys: map[int64]*keyState{}, window: 1}
		t.subs = append(t.subs, u)
		t.ordered = t.ordered || spec.MessageOrdering
		w.subs = append(w.subs, u)
		w.bySub[spec.Name] = u
	}
	subTopics := map[string]string{}
	for _, u := range w.subs {
		subTopics[u.spec.Name] = u.spec.Topic
	}
	for gi := range sc.ConsumerGroups {
		g := &sc.ConsumerGroups[gi]
		u := w.bySub[scenarios.SubscriptionOf(g, subTopics)]
		if u == nil {
			return nil, fmt.Errorf("scenario %s: group %s reads unknown subscription %q", sc.Name, g.Name, g.Topic)
		}
		u.group = newGroup(w, gi, g, u)
		w.groups = append(w.groups, u.group)
	}
	for _, t := range w.topics {
		n := 0
		for _, u := range t.subs {
			if u.group != nil {
				u.gi = n
				n++
			} else if u.push {
				return nil, fmt.Errorf("scenario %s: push subscription %s has no consumer group: its group is the endpoint's handlers", sc.Name, u.spec.Name)
			}
		}
		t.chk = check.New(n)
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

// store is the service taking m on topic t: every subscription gets its
// copy. fromDLT marks a dead-lettered message (acked in t's checker here,
// since no producer publishes it).
func (w *world) store(t *topic, m *msg, fromDLT bool) {
	if fromDLT {
		t.chk.Ack(m.id.prod, 0, m.id.seq, 1)
	}
	for _, u := range t.subs {
		e := &entry{m: m}
		u.live[m.id] = e
		u.maxLive = max(u.maxLive, len(u.live))
		if u.spec.MessageOrdering && m.key >= 0 {
			ks := u.keys[m.key]
			if ks == nil {
				ks = &keyState{}
				u.keys[m.key] = ks
			}
			ks.queue = append(ks.queue, e)
			if len(ks.queue) > 1 || ks.busy {
				continue // behind the key's earlier messages
			}
			ks.busy = true
		}
		u.ready = append(u.ready, e)
	}
	for _, u := range t.subs {
		u.dispatch()
	}
}

// backoff is the wait before a message that failed its n-th attempt is
// available again: the retry policy's exponential back-off, nothing
// without one (pull), or the push back-off.
func (u *sub) backoff(n int) sim.Time {
	lo, hi := 0.0, 0.0
	switch r := u.spec.RetryPolicy; {
	case r != nil:
		lo, hi = r.MinBackoff.Seconds(), r.MaxBackoff.Seconds()
	case u.push:
		lo, hi = scenarios.DefaultPubSubPushBackoffMin.Seconds(), scenarios.DefaultPubSubPushBackoffMax.Seconds()
	default:
		return 0
	}
	return sim.Seconds(math.Min(hi, lo*math.Pow(2, float64(n-1))))
}

// release makes e available again after a nack or an expired deadline,
// or forwards it to the dead-letter topic when its attempts are used up.
func (u *sub) release(e *entry) {
	w := u.w
	e.outstanding = false
	e.gen++
	e.holder = nil
	if u.spec.DeadLetterTopic != "" && e.attempts >= u.spec.MaxDeliveryAttempts {
		w.svc.PubSubDeadLettered++
		u.done(e)
		dlt := w.byTopic[u.spec.DeadLetterTopic]
		if len(dlt.subs) == 0 {
			w.svc.PubSubLostDeadLetter++ // no subscription keeps it: lost
			return
		}
		if u.gi >= 0 {
			u.t.chk.Handled(u.gi, e.m.id.prod, 0, e.m.id.seq)
		}
		w.store(dlt, e.m, true)
		return
	}
	d := u.backoff(e.attempts)
	if d == 0 {
		u.ready = append(u.ready, e)
		u.dispatch()
		return
	}
	w.s.After(d, func() {
		if u.live[e.m.id] == e && !e.outstanding {
			u.ready = append(u.ready, e)
			u.dispatch()
		}
	})
}

// done removes e from the subscription (acked or dead-lettered) and
// releases the next message of its key.
func (u *sub) done(e *entry) {
	delete(u.live, e.m.id)
	e.outstanding = false
	e.gen++
	if !u.spec.MessageOrdering || e.m.key < 0 {
		return
	}
	ks := u.keys[e.m.key]
	if len(ks.queue) > 0 && ks.queue[0] == e {
		ks.queue = ks.queue[1:]
	}
	if len(ks.queue) == 0 {
		ks.busy = false
		delete(u.keys, e.m.key)
		return
	}
	u.ready = append(u.ready, ks.queue[0])
}

// deliver hands e out (pull: to c; push: to the endpoint) with a new ack
// id and a deadline.
func (u *sub) deliver(e *entry) {
	w := u.w
	e.attempts++
	e.ackID++
	e.outstanding = true
	if e.attempts > 1 {
		w.redelivered++
	}
	w.svc.PubSubDeliveries++
	if w.onDeliver != nil {
		w.onDeliver(u.spec.Name, e.attempts, w.s.Now())
	}
	if !u.push { // a push request's deadline is its timeout (push.go)
		u.arm(e, w.s.Now()+sim.Time(u.spec.AckDeadline))
	}
}

// arm sets e's deadline; on expiry it is released again.
func (u *sub) arm(e *entry, at sim.Time) {
	e.deadline = at
	e.gen++
	gen, id := e.gen, e.ackID
	u.w.s.At(at, func() {
		if e.gen != gen || e.ackID != id || !e.outstanding {
			return
		}
		u.w.svc.PubSubExpired++
		u.release(e)
	})
}

// ackArrives is an ack for delivery id of e reaching the service.
func (u *sub) ackArrives(e *entry, id uint64) {
	w := u.w
	if u.live[e.m.id] != e {
		return // acked already, or dead-lettered
	}
	late := id != e.ackID || !e.outstanding
	if late {
		w.svc.PubSubLateAcks++
		if u.spec.ExactlyOnce {
			return // only the latest delivery's ack counts
		}
	}
	u.done(e)
	u.dispatch()
}

// nackArrives is a nack for delivery id of e.
func (u *sub) nackArrives(e *entry, id uint64) {
	u.w.svc.PubSubNacks++
	if u.live[e.m.id] != e || id != e.ackID || !e.outstanding {
		return
	}
	u.release(e)
}

func (w *world) run(opts model.Options) (*model.Results, error) {
	limit := w.end + sim.Time(w.sc.Drain)
	partial, err := model.Play(w.s, opts, sim.Second, w.end, limit, w.quiet, nil)
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

func (w *world) quiet() bool {
	if w.acked < w.produced {
		return false // publishes still on their way or held by their key
	}
	for _, u := range w.subs {
		if u.group != nil && len(u.live) > 0 {
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
