package sns

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/sqs"
	"mqsim/scenarios"
	"mqsim/sim"
)

// SNS registers itself as the system model.Run dispatches `system: sns` to.
func init() { model.Register(scenarios.SystemSNS, Run) }

// world is one run: topics, subscriptions, producers, the groups reading
// the subscriptions, and the counters results are read from.
type world struct {
	s    *sim.Sim
	sc   *scenarios.Scenario
	cfg  *scenarios.SNS
	half sim.Time // one way of a Publish call
	end  sim.Time

	topics  []*topic
	byTopic map[string]*topic
	subs    []*sub
	bySub   map[string]*sub
	groups  []*group
	prods   []*producer
	attrIdx []int // cfg.Attributes in declaration order (filter keys look them up by name)

	e2e, ack, interval *sim.Histogram
	sampler            *sim.Sampler

	produced, acked, ackedBytes int64
	processedBytes              int64
	deadLettered, redelivered   int64
	processingRetries           int64
	svc                         model.SNSService

	// onAttempt, if set (tests), is told of every HTTP delivery attempt.
	onAttempt func(sub string, attempt int, at sim.Time)
}

// topic is one SNS topic: its subscriptions and its delivery checker,
// whose groups are the subscriptions read by a consumer group.
type topic struct {
	idx      int
	spec     *scenarios.SNSTopic
	subs     []*sub
	chk      *check.Checker
	nextSlot sim.Time // FIFO publish limit
}

// msgID names one published message.
type msgID struct {
	prod int
	seq  int32
}

// msg is one published message.
type msg struct {
	id    msgID
	key   int64
	born  sim.Time
	size  int64
	attrs Attrs
}

// sub is one subscription.
type sub struct {
	w     *world
	spec  *scenarios.SNSSubscriber
	t     *topic
	gi    int    // the group's index in the topic's checker; -1: nobody reads it
	group *group // nil when nobody reads it
	rng   *rand.Rand
	// lastAt is when the latest copy reaches the endpoint: a FIFO topic
	// delivers in publish order.
	lastAt sim.Time
	// pending counts copies not yet settled (on their way, waiting for a
	// retry, queued at an endpoint), per message; held is their sum
	// (lag.go).
	pending map[msgID]int
	held    int

	// SQS subscriptions.
	q        *sqs.Queue
	waiters  []*waiter
	wakeEv   sim.EventID
	wakeAt   sim.Time
	maxStore int // the backlog's maximum (lag.go)

	// HTTP subscriptions.
	delays   []sim.Time // before each retry
	nextSlot sim.Time   // throttle policy
	epQueue  []*delivery
}

// Run plays a resolved `system: sns` scenario.
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
	c := sc.SNS
	if c == nil {
		return nil, fmt.Errorf("scenario %s: system sns without an sns section", sc.Name)
	}
	if c.RequestLatency <= 0 || c.DeliveryLatency.Dist == nil {
		return nil, fmt.Errorf("scenario %s: the sns section is not resolved (request_latency, delivery_latency): call Defaults", sc.Name)
	}
	w := &world{s: sim.New(sc.Seed), sc: sc, cfg: c, half: sim.Time(c.RequestLatency) / 2, end: sim.Time(sc.Duration),
		byTopic: map[string]*topic{}, bySub: map[string]*sub{},
		e2e: sim.NewLatencyHistogram(), ack: sim.NewLatencyHistogram(), interval: sim.NewLatencyHistogram()}
	for i := range c.Topics {
		t := &topic{idx: i, spec: &c.Topics[i]}
		w.topics = append(w.topics, t)
		w.byTopic[t.spec.Name] = t
	}
	for i := range c.Subscriptions {
		spec := &c.Subscriptions[i]
		t := w.byTopic[spec.Topic]
		if t == nil {
			return nil, fmt.Errorf("scenario %s: subscription %s: unknown topic %q", sc.Name, spec.Name, spec.Topic)
		}
		if spec.FilterPolicy != nil && spec.Filter == nil {
			return nil, fmt.Errorf("scenario %s: subscription %s: the filter policy is not resolved: call Defaults", sc.Name, spec.Name)
		}
		u := &sub{w: w, spec: spec, t: t, gi: -1, rng: w.s.Stream("sns/delivery/" + spec.Name), pending: map[msgID]int{}}
		if spec.Protocol == "sqs" && spec.Queue == nil || spec.Protocol == "http" && spec.DeliveryPolicy == nil {
			return nil, fmt.Errorf("scenario %s: subscription %s is not resolved (queue, delivery_policy): call Defaults", sc.Name, spec.Name)
		}
		switch spec.Protocol {
		case "sqs":
			q := spec.Queue
			u.q = sqs.NewQueue(sqs.QueueConfig{Name: spec.Name, FIFO: t.spec.IsFIFO(), Visibility: sim.Time(q.VisibilityTimeout),
				Retention: sim.Time(q.Retention), MaxReceiveCount: q.MaxReceiveCount, InFlightLimit: scenarios.DefaultSQSInFlightLimit})
			if q.MaxReceiveCount > 0 {
				u.q.Cfg.DLQ = sqs.NewQueue(sqs.QueueConfig{Name: spec.Name + "-dlq", FIFO: t.spec.IsFIFO(),
					Visibility: sim.Time(q.VisibilityTimeout), Retention: sim.Time(scenarios.MaxSQSRetention)})
			}
		case "http":
			for _, d := range scenarios.SNSRetryDelays(spec.DeliveryPolicy) {
				u.delays = append(u.delays, sim.Seconds(d))
			}
		default:
			return nil, fmt.Errorf("scenario %s: subscription %s: protocol %q is not modelled", sc.Name, spec.Name, spec.Protocol)
		}
		t.subs = append(t.subs, u)
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
			} else if u.spec.Protocol == "http" {
				return nil, fmt.Errorf("scenario %s: HTTP subscription %s has no consumer group: its group is the endpoint's handlers", sc.Name, u.spec.Name)
			}
		}
		t.chk = check.New(n)
	}
	for _, u := range w.subs {
		if u.q == nil {
			continue
		}
		u := u
		u.q.OnRedrive = func(m *sqs.Message) {
			w.deadLettered++
			if u.gi >= 0 {
				u.t.chk.Handled(u.gi, m.Prod, 0, m.Seq)
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

// publish is SNS taking m on topic t (at the service): a copy for every
// subscription whose filter policy accepts it.
func (w *world) publish(t *topic, m *msg) {
	w.svc.SNSPublished++
	for _, u := range t.subs {
		if !Match(u.spec.Filter, m.attrs) {
			w.svc.SNSFiltered++
			if u.gi >= 0 {
				t.chk.Handled(u.gi, m.id.prod, 0, m.id.seq) // never meant for this subscription
			}
			continue
		}
		w.svc.SNSDeliveries++
		u.copied(m.id)
		if u.q != nil {
			at := u.arrival(w.s.Now())
			w.s.At(at, func() { u.enqueue(m) })
			continue
		}
		u.attempt(&delivery{m: m, n: 1})
	}
}

// arrival is when a copy sent now reaches the subscription's endpoint:
// one draw of the delivery latency, and never before an earlier copy on
// a FIFO topic.
func (u *sub) arrival(now sim.Time) sim.Time {
	at := now + sim.SampleTime(u.w.cfg.DeliveryLatency.Dist, u.rng)
	if u.t.spec.IsFIFO() {
		at = max(at, u.lastAt)
		u.lastAt = at
	}
	return at
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

// quiet reports whether nothing is left to do: no copy on its way or
// waiting for a retry, no read queue holding messages, no consumer busy.
func (w *world) quiet() bool {
	if w.acked < w.produced {
		return false // publishes still on their way
	}
	for _, u := range w.subs {
		if len(u.pending) > 0 || u.group != nil && u.q != nil && u.q.Stored() > 0 {
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
