package scenarios

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"mqsim/scenarios/units"
)

// SystemSNS is Amazon SNS: a topic fanning out to subscriptions (SQS
// queues or HTTP endpoints).
const SystemSNS = "sns"

func init() { SystemNames = append(SystemNames, SystemSNS) }

// Amazon SNS defaults and limits (SNS developer guide: message delivery
// retries, HTTP/S delivery policies, subscription filter policies; see
// docs/scenarios.md).
const (
	DefaultSNSRequestLatency  = 20 * units.Millisecond // one Publish call's round trip
	DefaultSNSDeliveryLatency = 10 * units.Millisecond // SNS to a subscribed endpoint, one way
	DefaultSNSFIFOPublishRate = 3000                   // FIFO topic, FifoThroughputScope Topic: 3,000 msg/s
	DefaultSNSHTTPRetries     = 3                      // HTTP/S: 3 retries …
	DefaultSNSHTTPDelay       = 20                     // … 20 s apart (minDelayTarget = maxDelayTarget = 20)
	MaxSNSHTTPRetries         = 100
	MaxSNSPolicySeconds       = 3600 // total policy retry time of an HTTP/S endpoint, a hard limit
	MaxSNSFilterKeys          = 5
	MaxSNSFilterCombinations  = 150
	MaxSNSFilterNumber        = 1e9 // numeric matching: ±10^9, 5 decimals
)

// SNS is the `sns:` section of a scenario with `system: sns`. Producers
// publish to one of its topics (their `topic:`); every consumer group
// reads one subscription (its `topic:` names the subscription): the
// consumers of an SQS queue, or the request handlers of an HTTP endpoint.
type SNS struct {
	// RequestLatency is one Publish call's round trip (half each way).
	RequestLatency units.Duration `yaml:"request_latency" json:"request_latency"`
	// DeliveryLatency is the one-way time from SNS to a subscribed
	// endpoint (and an endpoint's answer back), a distribution: spread on
	// a standard topic reorders a key's messages, as its best-effort
	// order allows. A FIFO topic delivers each subscription in order.
	DeliveryLatency TimeDist        `yaml:"delivery_latency" json:"delivery_latency"`
	Topics          []SNSTopic      `yaml:"topics" json:"topics"`
	Subscriptions   []SNSSubscriber `yaml:"subscriptions" json:"subscriptions"`
	// Attributes are the message attributes every published message
	// carries, drawn per message; filter policies match on them.
	Attributes []SNSAttribute `yaml:"attributes" json:"attributes,omitempty"`
}

// SNSTopic is one topic.
type SNSTopic struct {
	Name string `yaml:"name" json:"name"`
	// Type is "standard" (the default) or "fifo" (name ends in .fifo,
	// publishers need keys: the MessageGroupId passed on to SQS FIFO
	// subscribers).
	Type string `yaml:"type" json:"type"`
	// FIFOPublishRate is a FIFO topic's publish limit in messages/s
	// (3,000 with FifoThroughputScope Topic); publishes beyond it wait.
	FIFOPublishRate float64 `yaml:"fifo_publish_rate" json:"fifo_publish_rate,omitempty"`
}

// IsFIFO reports whether the topic is a FIFO topic.
func (t *SNSTopic) IsFIFO() bool { return t.Type == "fifo" }

// SNSSubscriber is one subscription of a topic.
type SNSSubscriber struct {
	// Name is what a consumer group's topic: names; for an SQS
	// subscription it is also the queue's name.
	Name  string `yaml:"name" json:"name"`
	Topic string `yaml:"topic" json:"topic"`
	// Protocol is "sqs" (the default: an AWS-managed endpoint, with the
	// fixed 100,015-attempt policy) or "http" (the consumer group is the
	// endpoint's request handlers; retries follow delivery_policy).
	Protocol string `yaml:"protocol" json:"protocol"`
	// FilterPolicy is the subscription's filter policy on message
	// attributes, written as AWS's JSON: each key a list of values; a
	// message matches when every key matches one of its values.
	FilterPolicy map[string][]any `yaml:"filter_policy" json:"filter_policy,omitempty"`
	// Filter is FilterPolicy parsed (by Defaults); nil when none.
	Filter *FilterPolicy `yaml:"-" json:"filter,omitempty"`
	// DeliveryPolicy is an HTTP subscription's retry policy (AWS's
	// defaults: 3 retries 20 s apart).
	DeliveryPolicy *SNSDeliveryPolicy `yaml:"delivery_policy" json:"delivery_policy,omitempty"`
	// DeadLetterQueue gives the subscription a redrive policy: a message
	// whose delivery policy is exhausted goes to an SQS dead-letter queue
	// instead of being discarded (lost).
	DeadLetterQueue bool `yaml:"dead_letter_queue" json:"dead_letter_queue,omitempty"`
	// Queue is an SQS subscription's queue (a FIFO queue under a FIFO topic).
	Queue *SNSQueue `yaml:"queue" json:"queue,omitempty"`
}

// SNSQueue is an SQS subscription's queue attributes and its consumers'
// receive settings.
type SNSQueue struct {
	VisibilityTimeout units.Duration `yaml:"visibility_timeout" json:"visibility_timeout"` // 30s; 0–12h
	ReceiveWait       units.Duration `yaml:"receive_wait" json:"receive_wait"`             // 0s: short polling (SQS's default); up to 20s long polling
	Retention         units.Duration `yaml:"retention" json:"retention"`                   // 4d; 60s–14d
	MaxMessages       int            `yaml:"max_messages" json:"max_messages"`             // per receive, 1–10 (1)
	// MaxReceiveCount, if set, is the queue's redrive policy: a message
	// received that many times goes to the queue's own dead-letter queue.
	MaxReceiveCount int `yaml:"max_receive_count" json:"max_receive_count,omitempty"`
}

// SNSDeliveryPolicy is an HTTP/S subscription's healthyRetryPolicy and
// throttlePolicy. Retries run in four phases: NoDelay at once,
// MinDelayRetries MinDelay apart, the backoff phase (the remaining
// retries, delays growing from MinDelay to MaxDelay by BackoffFunction),
// then MaxDelayRetries MaxDelay apart.
type SNSDeliveryPolicy struct {
	NumRetries        int    `yaml:"num_retries" json:"num_retries"`                   // 0–100 (3)
	NumNoDelayRetries int    `yaml:"num_no_delay_retries" json:"num_no_delay_retries"` // 0
	NumMinDelay       int    `yaml:"num_min_delay_retries" json:"num_min_delay_retries"`
	NumMaxDelay       int    `yaml:"num_max_delay_retries" json:"num_max_delay_retries"`
	MinDelayTarget    int    `yaml:"min_delay_target" json:"min_delay_target"` // seconds, 1–max (20)
	MaxDelayTarget    int    `yaml:"max_delay_target" json:"max_delay_target"` // seconds, min–3600 (20)
	BackoffFunction   string `yaml:"backoff_function" json:"backoff_function"` // linear (default), arithmetic, geometric, exponential
	// MaxReceivesPerSecond is throttlePolicy.maxReceivesPerSecond: SNS
	// delivers to the endpoint at most this often (0: no throttle).
	MaxReceivesPerSecond float64 `yaml:"max_receives_per_second" json:"max_receives_per_second,omitempty"`
}

// SNSAttribute is one message attribute publishers attach: a String
// drawn from Values (with Shares, equal when unset) or a Number drawn
// uniformly from Min to Max.
type SNSAttribute struct {
	Name   string        `yaml:"name" json:"name"`
	Type   string        `yaml:"type" json:"type"` // String (default) or Number
	Values []string      `yaml:"values" json:"values,omitempty"`
	Shares []units.Ratio `yaml:"shares" json:"shares,omitempty"`
	Min    float64       `yaml:"min" json:"min,omitempty"`
	Max    float64       `yaml:"max" json:"max,omitempty"`
}

// FilterPolicy is a parsed SNS filter policy: keys sorted by name.
type FilterPolicy struct {
	Keys []FilterKey
}

// FilterKey is one key of a filter policy and its conditions (any one
// matching is enough).
type FilterKey struct {
	Name  string
	Conds []FilterCond
}

// Filter condition kinds.
const (
	FilterExact       = "exact"        // a string value, equal (case-sensitive)
	FilterNumber      = "number"       // a number value, equal
	FilterPrefix      = "prefix"       // {"prefix": "..."}
	FilterSuffix      = "suffix"       // {"suffix": "..."}
	FilterAnythingBut = "anything-but" // {"anything-but": value, [values] or {"prefix": ...}}
	FilterNumeric     = "numeric"      // {"numeric": [">=", 0, "<", 100]}
	FilterExists      = "exists"       // {"exists": true|false}
)

// FilterCond is one condition of a key.
type FilterCond struct {
	Kind string
	S    string  // exact, prefix, suffix
	N    float64 // number
	// Not lists anything-but's excluded values (exact or number
	// conditions), or one prefix condition.
	Not []FilterCond
	// Ops are numeric's comparisons, each an operator and a bound.
	Ops    []NumericOp
	Exists bool
}

// NumericOp is one comparison of a numeric condition.
type NumericOp struct {
	Op    string // =, <, <=, >, >=
	Bound float64
}

// Combinations is the product of every key's number of values: SNS
// allows at most 150.
func (p *FilterPolicy) Combinations() int {
	n := 1
	for _, k := range p.Keys {
		n *= max(1, len(k.Conds))
	}
	return n
}

// ParseFilterPolicy parses a filter policy as written in YAML (AWS's JSON
// shape); an error names the key.
func ParseFilterPolicy(raw map[string][]any) (*FilterPolicy, error) {
	p := &FilterPolicy{}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		vals := raw[name]
		if len(vals) == 0 {
			return nil, fmt.Errorf("%s: an empty list matches nothing; give at least one value", name)
		}
		key := FilterKey{Name: name}
		for i, v := range vals {
			c, err := parseFilterValue(v)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", name, i, err)
			}
			key.Conds = append(key.Conds, c)
		}
		p.Keys = append(p.Keys, key)
	}
	return p, nil
}

func filterNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func checkFilterNumber(n float64) error {
	if math.Abs(n) > MaxSNSFilterNumber || math.IsNaN(n) {
		return fmt.Errorf("%v: SNS matches numbers from -10^9 to 10^9", n)
	}
	if s := n * 1e5; math.Abs(s-math.Round(s)) > 1e-6 {
		return fmt.Errorf("%v: SNS matches numbers with at most 5 decimals", n)
	}
	return nil
}

func parseFilterValue(v any) (FilterCond, error) {
	if s, ok := v.(string); ok {
		return FilterCond{Kind: FilterExact, S: s}, nil
	}
	if n, ok := filterNumber(v); ok {
		return FilterCond{Kind: FilterNumber, N: n}, checkFilterNumber(n)
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return FilterCond{}, fmt.Errorf("%v: want a string, a number, or one operator such as {prefix: ...}, {anything-but: ...}, {numeric: [...]}, {exists: true}", v)
	}
	for op, arg := range m {
		switch op {
		case "prefix", "suffix":
			s, ok := arg.(string)
			if !ok || s == "" {
				return FilterCond{}, fmt.Errorf("%s: want a non-empty string", op)
			}
			return FilterCond{Kind: op, S: s}, nil
		case "exists":
			b, ok := arg.(bool)
			if !ok {
				return FilterCond{}, fmt.Errorf("exists: want true or false")
			}
			return FilterCond{Kind: FilterExists, Exists: b}, nil
		case "anything-but":
			c := FilterCond{Kind: FilterAnythingBut}
			list, isList := arg.([]any)
			if !isList {
				list = []any{arg}
			}
			for _, x := range list {
				if pm, ok := x.(map[string]any); ok && !isList {
					if p, ok := pm["prefix"].(string); ok && len(pm) == 1 && p != "" {
						c.Not = append(c.Not, FilterCond{Kind: FilterPrefix, S: p})
						continue
					}
					return FilterCond{}, fmt.Errorf("anything-but: %v: want a value, a list of values or {prefix: ...}", x)
				}
				nc, err := parseFilterValue(x)
				if err != nil || (nc.Kind != FilterExact && nc.Kind != FilterNumber) {
					return FilterCond{}, fmt.Errorf("anything-but: %v: want strings or numbers", x)
				}
				c.Not = append(c.Not, nc)
			}
			if len(c.Not) == 0 {
				return FilterCond{}, fmt.Errorf("anything-but: an empty list")
			}
			return c, nil
		case "numeric":
			list, ok := arg.([]any)
			if !ok || len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
				return FilterCond{}, fmt.Errorf("numeric: want [op, number] or [op, number, op, number], e.g. [\">=\", 0, \"<\", 100]")
			}
			c := FilterCond{Kind: FilterNumeric}
			for i := 0; i < len(list); i += 2 {
				op, _ := list[i].(string)
				n, isNum := filterNumber(list[i+1])
				if !slices.Contains([]string{"=", "<", "<=", ">", ">="}, op) || !isNum {
					return FilterCond{}, fmt.Errorf("numeric: %v %v: want an operator (=, <, <=, >, >=) then a number", list[i], list[i+1])
				}
				if err := checkFilterNumber(n); err != nil {
					return FilterCond{}, fmt.Errorf("numeric: %w", err)
				}
				c.Ops = append(c.Ops, NumericOp{Op: op, Bound: n})
			}
			if len(c.Ops) == 2 {
				lo, hi := c.Ops[0], c.Ops[1]
				if !strings.HasPrefix(lo.Op, ">") || !strings.HasPrefix(hi.Op, "<") || lo.Bound > hi.Bound {
					return FilterCond{}, fmt.Errorf("numeric: a range is a lower bound (> or >=) then a higher upper bound (< or <=)")
				}
			}
			return c, nil
		default:
			return FilterCond{}, fmt.Errorf("unknown operator %q: want prefix, suffix, anything-but, numeric or exists", op)
		}
	}
	return FilterCond{}, nil
}

func init() {
	Metrics = append(Metrics,
		MetricInfo{"sns_published", KindCount, "SNS: messages published to topics"},
		MetricInfo{"sns_deliveries", KindCount, "SNS: copies delivered to subscriptions (after filtering)"},
		MetricInfo{"sns_filtered", KindCount, "SNS: copies a subscription's filter policy did not accept (deliveries saved)"},
		MetricInfo{"sns_delivery_attempts", KindCount, "SNS: delivery attempts to endpoints, retries included"},
		MetricInfo{"sns_delivery_retries", KindCount, "SNS: delivery attempts beyond the first"},
		MetricInfo{"sns_retries_exhausted", KindCount, "SNS: messages whose delivery policy ran out"},
		MetricInfo{"sns_subscription_dlq", KindCount, "SNS: messages moved to a subscription's dead-letter queue"},
		MetricInfo{"sns_discarded", KindCount, "SNS: messages discarded after their delivery policy ran out, no dead-letter queue (lost)"},
		MetricInfo{"sns_throttled", KindCount, "SNS: publishes or deliveries that waited for a FIFO topic's limit or a throttle policy"},
	)
}

// defaultsSNS fills the sns section's zero fields with SNS's defaults and
// parses the filter policies (a bad one is left for Validate).
func (s *Scenario) defaultsSNS() {
	if s.SNS == nil && s.System == SystemSNS && s.systemSet {
		s.SNS = &SNS{} // --vary system=sns on a scenario written for another system
	}
	c := s.SNS
	if c == nil {
		return
	}
	if s.System == SystemSNS && s.systemSet {
		s.kafkaShape(len(c.Topics) > 0, func(t string) { c.Topics = append(c.Topics, SNSTopic{Name: t}) },
			func(name, t string) { c.Subscriptions = append(c.Subscriptions, SNSSubscriber{Name: name, Topic: t}) })
	}
	setDur(&c.RequestLatency, DefaultSNSRequestLatency)
	if c.DeliveryLatency.IsZero() {
		c.DeliveryLatency, _ = ParseTimeDist(DefaultSNSDeliveryLatency.String())
	}
	for i := range c.Topics {
		t := &c.Topics[i]
		setStr(&t.Type, "standard")
		if t.IsFIFO() && t.FIFOPublishRate == 0 {
			t.FIFOPublishRate = DefaultSNSFIFOPublishRate
		}
	}
	for i := range c.Attributes {
		setStr(&c.Attributes[i].Type, "String")
	}
	for i := range c.Subscriptions {
		u := &c.Subscriptions[i]
		setStr(&u.Protocol, "sqs")
		if u.FilterPolicy != nil && u.Filter == nil {
			for _, vals := range u.FilterPolicy {
				for i := range vals {
					vals[i] = jsonNumbers(vals[i])
				}
			}
			u.Filter, _ = ParseFilterPolicy(u.FilterPolicy)
		}
		switch u.Protocol {
		case "sqs":
			if u.Queue == nil {
				u.Queue = &SNSQueue{}
			}
			q := u.Queue
			setDur(&q.VisibilityTimeout, DefaultSQSVisibility)
			setDur(&q.Retention, DefaultSQSRetention)
			setInt(&q.MaxMessages, 1)
		case "http":
			if u.DeliveryPolicy == nil {
				u.DeliveryPolicy = &SNSDeliveryPolicy{NumRetries: DefaultSNSHTTPRetries}
			}
			d := u.DeliveryPolicy
			setInt(&d.MinDelayTarget, DefaultSNSHTTPDelay)
			setInt(&d.MaxDelayTarget, max(DefaultSNSHTTPDelay, d.MinDelayTarget))
			setStr(&d.BackoffFunction, "linear")
		}
	}
}

// kafkaShape maps the shared topics: and consumer groups of a scenario
// written for another system onto a fan-out service, when system: came
// from --set or --vary: every topic becomes one of the service's topics
// (unless the section declares its own), and every group reading a topic
// gets its own subscription, named after the group — every group still
// gets every message, as on Kafka.
func (s *Scenario) kafkaShape(ownTopics bool, addTopic func(string), addSub func(name, topic string)) {
	isTopic := map[string]bool{}
	for _, t := range s.Topics {
		isTopic[t.Name] = true
		if !ownTopics {
			addTopic(t.Name)
		}
	}
	for _, g := range s.ConsumerGroups {
		if isTopic[g.Topic] && g.Name != g.Topic {
			addSub(g.Name, g.Topic) // the group reads it (SubscriptionOf)
		}
	}
}

// jsonNumbers turns a filter value's integers into float64, as a saved
// run's JSON reads them back.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = jsonNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = jsonNumbers(x[k])
		}
	default:
		if n, ok := filterNumber(v); ok {
			return n
		}
	}
	return v
}

// fanoutTopics validates the names producers and groups refer to: a
// fan-out service's topics and subscriptions (sns.go, pubsub.go), or the
// system's own (sqs.go). A fan-out section under another system is refused.
func (s *Scenario) fanoutTopics(v *validator) map[string]int {
	sys := s.SystemName()
	if s.SNS != nil && sys != SystemSNS && !s.systemSet {
		v.add("sns", "an sns section with system: %s; it is read only under system: sns", sys)
	}
	if s.PubSub != nil && sys != SystemPubSub && !s.systemSet {
		v.add("pubsub", "a pubsub section with system: %s; it is read only under system: pubsub", sys)
	}
	if sys != SystemSNS && sys != SystemPubSub {
		return s.systemTopics(v)
	}
	if s.SQS != nil && !s.systemSet {
		v.add("sqs", "an sqs section with system: %s; SQS subscriptions are declared under sns.subscriptions", sys)
	}
	if s.Celery != nil && !s.systemSet {
		v.add("celery", "a celery section with system: %s; Celery workers run only under system: sqs here", sys)
	}
	if len(s.Topics) > 0 && !s.systemSet {
		v.add("topics", "topics with system: %s; declare them under %s.topics", sys, sys)
	}
	for i, f := range s.Faults {
		if f.Type != "consumer-crash" {
			v.add(fmt.Sprintf("faults[%d].type", i), "%q under system: %s: only consumer-crash is modelled (a managed service has no brokers to fail; an endpoint's outage is its group's consumer-crash)", f.Type, sys)
		}
	}
	for i, g := range s.ConsumerGroups {
		f := fmt.Sprintf("consumer_groups[%d].", i)
		if g.Failures != nil && g.Failures.Policy != PolicyRetry {
			v.add(f+"failures.policy", "%q under system: %s: a failed message is redelivered by the service's own policy, so write policy: retry", g.Failures.Policy, sys)
		}
		if g.Autoscale != nil {
			v.add(f+"autoscale", "not modelled under system: %s", sys)
		}
		if g.Downstream != nil {
			v.add(f+"downstream", "not modelled under system: %s", sys)
		}
	}
	if sys == SystemPubSub {
		return s.validatePubSub(v)
	}
	return s.validateSNS(v)
}

// SubscriptionOf is the subscription a consumer group reads: the one its
// topic: names, or — for a group naming a topic, in a scenario mapped by
// --vary system= — the subscription named after the group on that topic.
// subs maps each subscription's name to its topic.
func SubscriptionOf(g *ConsumerGroup, subs map[string]string) string {
	if _, ok := subs[g.Topic]; ok {
		return g.Topic
	}
	if t, ok := subs[g.Name]; ok && t == g.Topic {
		return g.Name
	}
	return ""
}

// subscriberGroups checks that every subscription is read by exactly one
// consumer group and every group reads a subscription, and every producer
// publishes to a topic; it returns all names for the shared checks.
func (s *Scenario) subscriberGroups(v *validator, sys string, topics, subs map[string]int, subTopic map[string]string) map[string]int {
	all := map[string]int{}
	for n, i := range topics {
		all[n] = i
	}
	for n, i := range subs {
		all[n] = i
	}
	for i, p := range s.Producers {
		if _, ok := topics[p.Topic]; !ok && p.Topic != "" {
			if _, isSub := subs[p.Topic]; isSub {
				v.add(fmt.Sprintf("producers[%d].topic", i), "%q is a subscription: producers publish to a topic of %s.topics", p.Topic, sys)
			}
		}
	}
	byName := map[string]int{}
	for i, g := range s.ConsumerGroups {
		f := fmt.Sprintf("consumer_groups[%d].topic", i)
		sub := SubscriptionOf(&g, subTopic)
		if _, isTopic := topics[g.Topic]; isTopic && sub == "" {
			v.add(f, "%q is a topic: a group reads a subscription of %s.subscriptions", g.Topic, sys)
			continue
		}
		if sub == "" {
			sub = g.Topic // unknown: the shared check names it
		}
		if j, dup := byName[sub]; dup {
			v.add(f, "subscription %q is already read by consumer_groups[%d]: put all its consumers in one group", sub, j)
		}
		byName[sub] = i
	}
	return all
}

func (s *Scenario) validateSNS(v *validator) map[string]int {
	c := s.SNS
	if c == nil {
		v.add("sns", "missing: system: sns needs an sns section with its topics and subscriptions")
		return map[string]int{}
	}
	if c.RequestLatency <= 0 || c.RequestLatency > 10*units.Second {
		v.add("sns.request_latency", "%v: want above 0 and at most 10s", c.RequestLatency)
	}
	if c.DeliveryLatency.IsZero() {
		v.add("sns.delivery_latency", "missing: call Defaults")
	}
	topics, subs := map[string]int{}, map[string]int{}
	if len(c.Topics) == 0 {
		v.add("sns.topics", "missing: declare at least one topic")
	}
	for i, t := range c.Topics {
		f := fmt.Sprintf("sns.topics[%d].", i)
		if t.Name == "" {
			v.add(f+"name", "missing: every topic needs a name")
		} else if j, dup := topics[t.Name]; dup {
			v.add(f+"name", "topic %q is already defined at sns.topics[%d]", t.Name, j)
		} else {
			topics[t.Name] = i
		}
		v.oneOf(f+"type", t.Type, "standard", "fifo")
		if t.IsFIFO() && t.Name != "" && !strings.HasSuffix(t.Name, ".fifo") {
			v.add(f+"name", "%q: a FIFO topic's name must end in .fifo", t.Name)
		}
		if !t.IsFIFO() && t.FIFOPublishRate != 0 {
			v.add(f+"fifo_publish_rate", "set on a standard topic, which has no publish limit here")
		} else if t.IsFIFO() && (t.FIFOPublishRate <= 0 || t.FIFOPublishRate > MaxRate) {
			v.add(f+"fifo_publish_rate", "%v: want above 0 (SNS: 3,000 msg/s with FifoThroughputScope Topic)", t.FIFOPublishRate)
		}
	}
	attrs := map[string]string{}
	for i, a := range c.Attributes {
		f := fmt.Sprintf("sns.attributes[%d].", i)
		if a.Name == "" {
			v.add(f+"name", "missing")
		} else if _, dup := attrs[a.Name]; dup {
			v.add(f+"name", "attribute %q is declared twice", a.Name)
		}
		attrs[a.Name] = a.Type
		v.oneOf(f+"type", a.Type, "String", "Number")
		switch a.Type {
		case "String":
			if len(a.Values) == 0 {
				v.add(f+"values", "missing: a String attribute draws from a list of values")
			}
			if len(a.Shares) > 0 && len(a.Shares) != len(a.Values) {
				v.add(f+"shares", "%d shares for %d values: give one share per value, or none for equal shares", len(a.Shares), len(a.Values))
			}
			var sum float64
			for _, sh := range a.Shares {
				if sh < 0 {
					v.add(f+"shares", "a share must not be negative")
				}
				sum += float64(sh)
			}
			if len(a.Shares) > 0 && math.Abs(sum-1) > 1e-6 {
				v.add(f+"shares", "they add up to %.4g, not 100%%", sum)
			}
			if a.Min != 0 || a.Max != 0 {
				v.add(f+"min", "min and max are for Number attributes")
			}
		case "Number":
			if len(a.Values) > 0 || len(a.Shares) > 0 {
				v.add(f+"values", "values and shares are for String attributes; a Number is drawn from min to max")
			}
			if a.Max < a.Min {
				v.add(f+"max", "%v is below min %v", a.Max, a.Min)
			}
		}
	}
	if len(c.Subscriptions) == 0 {
		v.add("sns.subscriptions", "missing: declare at least one subscription")
	}
	for i := range c.Subscriptions {
		u := &c.Subscriptions[i]
		f := fmt.Sprintf("sns.subscriptions[%d].", i)
		if u.Name == "" {
			v.add(f+"name", "missing: every subscription needs a name (its consumer group's topic:)")
		} else if _, clash := topics[u.Name]; clash {
			v.add(f+"name", "%q is also a topic's name: give the subscription its own", u.Name)
		} else if j, dup := subs[u.Name]; dup {
			v.add(f+"name", "subscription %q is already defined at sns.subscriptions[%d]", u.Name, j)
		} else {
			subs[u.Name] = i
		}
		ti, ok := topics[u.Topic]
		if !ok {
			v.add(f+"topic", "unknown topic %q: declare it in sns.topics", u.Topic)
		}
		v.oneOf(f+"protocol", u.Protocol, "sqs", "http")
		if u.FilterPolicy != nil {
			p, err := ParseFilterPolicy(u.FilterPolicy)
			switch {
			case err != nil:
				key, _, _ := strings.Cut(err.Error(), ":")
				key, _, _ = strings.Cut(key, "[")
				v.add(f+"filter_policy."+key, "%v", err)
			case len(p.Keys) == 0:
				v.add(f+"filter_policy", "empty: leave it out to accept every message")
			case len(p.Keys) > MaxSNSFilterKeys:
				v.add(f+"filter_policy", "%d keys: SNS allows at most %d", len(p.Keys), MaxSNSFilterKeys)
			case p.Combinations() > MaxSNSFilterCombinations:
				v.add(f+"filter_policy", "%d combinations (the product of each key's number of values): SNS allows at most %d", p.Combinations(), MaxSNSFilterCombinations)
			default:
				u.Filter = p
				for _, k := range p.Keys {
					if _, known := attrs[k.Name]; !known {
						v.add(f+"filter_policy."+k.Name, "no message carries attribute %q: declare it in sns.attributes (or the policy matches only with exists: false)", k.Name)
					}
				}
			}
		}
		switch u.Protocol {
		case "sqs":
			if u.DeliveryPolicy != nil {
				v.add(f+"delivery_policy", "set on an SQS subscription: only HTTP/S delivery policies can be changed (AWS-managed endpoints keep the 100,015-attempt policy)")
			}
			if q := u.Queue; q != nil {
				if q.VisibilityTimeout < 0 || q.VisibilityTimeout > MaxSQSVisibility {
					v.add(f+"queue.visibility_timeout", "%v is out of range: SQS allows 0s to 12h", q.VisibilityTimeout)
				}
				if q.ReceiveWait < 0 || q.ReceiveWait > MaxSQSReceiveWait {
					v.add(f+"queue.receive_wait", "%v is out of range: SQS allows 0s to 20s", q.ReceiveWait)
				}
				if q.Retention < MinSQSRetention || q.Retention > MaxSQSRetention {
					v.add(f+"queue.retention", "%v is out of range: SQS allows 60s to 14d", q.Retention)
				}
				v.between(f+"queue.max_messages", q.MaxMessages, 1, 10)
				if q.MaxReceiveCount < 0 || q.MaxReceiveCount > 1000 {
					v.add(f+"queue.max_receive_count", "%d is out of range: SQS allows 1 to 1000 (0: no redrive policy)", q.MaxReceiveCount)
				}
			}
		case "http":
			if u.Queue != nil {
				v.add(f+"queue", "set on an HTTP subscription, which has no queue: its consumer group is the endpoint")
			}
			if ok && c.Topics[ti].IsFIFO() {
				v.add(f+"protocol", "http under FIFO topic %q: FIFO topics deliver only to SQS queues", u.Topic)
			}
			if d := u.DeliveryPolicy; d != nil {
				validateSNSDeliveryPolicy(v, f+"delivery_policy.", d)
			}
		}
	}
	for i, p := range s.Producers {
		if j, ok := topics[p.Topic]; ok && c.Topics[j].IsFIFO() && (p.Keys == "" || p.Keys == "none") {
			v.add(fmt.Sprintf("producers[%d].keys", i), "missing for FIFO topic %q: every message needs a MessageGroupId; give keys such as uniform(100)", p.Topic)
		}
	}
	subTopic := map[string]string{}
	for _, u := range c.Subscriptions {
		subTopic[u.Name] = u.Topic
	}
	return s.subscriberGroups(v, "sns", topics, subs, subTopic)
}

func validateSNSDeliveryPolicy(v *validator, f string, d *SNSDeliveryPolicy) {
	v.between(f+"num_retries", d.NumRetries, 0, MaxSNSHTTPRetries)
	for _, n := range []struct {
		field string
		n     int
	}{{"num_no_delay_retries", d.NumNoDelayRetries}, {"num_min_delay_retries", d.NumMinDelay}, {"num_max_delay_retries", d.NumMaxDelay}} {
		if n.n < 0 {
			v.add(f+n.field, "must not be negative")
		}
	}
	if d.NumNoDelayRetries+d.NumMinDelay+d.NumMaxDelay > d.NumRetries {
		v.add(f+"num_retries", "%d is less than the immediate, pre-backoff and post-backoff retries together (%d)", d.NumRetries, d.NumNoDelayRetries+d.NumMinDelay+d.NumMaxDelay)
	}
	if d.MinDelayTarget < 1 || d.MinDelayTarget > d.MaxDelayTarget {
		v.add(f+"min_delay_target", "%d s: want at least 1 s and at most max_delay_target (%d s)", d.MinDelayTarget, d.MaxDelayTarget)
	}
	if d.MaxDelayTarget > MaxSNSPolicySeconds {
		v.add(f+"max_delay_target", "%d s: SNS allows at most %d s", d.MaxDelayTarget, MaxSNSPolicySeconds)
	}
	v.oneOf(f+"backoff_function", d.BackoffFunction, "linear", "arithmetic", "geometric", "exponential")
	if d.MaxReceivesPerSecond < 0 {
		v.add(f+"max_receives_per_second", "must not be negative (0: no throttle)")
	}
	if total := SNSPolicySeconds(d); total > MaxSNSPolicySeconds {
		v.add(f+"num_retries", "the retries take %.0f s in all: SNS allows at most %d s of retries to an HTTP/S endpoint", total, MaxSNSPolicySeconds)
	}
}

// SNSRetryDelays returns the delay before each retry of an HTTP/S
// delivery policy, in seconds, phase by phase: NumNoDelayRetries of 0,
// NumMinDelay of MinDelayTarget, the backoff phase's delays, then
// NumMaxDelay of MaxDelayTarget. In the backoff phase of n retries the
// i-th delay (i = 1…n) rises from MinDelayTarget to MaxDelayTarget:
//
//	linear       min + (max−min)·i/n
//	arithmetic   min + (max−min)·i(i+1)/(n(n+1))
//	geometric    min + (max−min)·(2^i − 1)/(2^n − 1)
//	exponential  min·(max/min)^(i/n)
//
// SNS publishes only a graph of the four curves; these formulas start
// above min, end at max and keep the graph's order (arithmetic and
// geometric rise late, exponential late and steep).
func SNSRetryDelays(d *SNSDeliveryPolicy) []float64 {
	out := make([]float64, 0, d.NumRetries)
	for range d.NumNoDelayRetries {
		out = append(out, 0)
	}
	lo, hi := float64(d.MinDelayTarget), float64(d.MaxDelayTarget)
	for range d.NumMinDelay {
		out = append(out, lo)
	}
	n := d.NumRetries - d.NumNoDelayRetries - d.NumMinDelay - d.NumMaxDelay
	for i := 1; i <= n; i++ {
		f := float64(i) / float64(n)
		var x float64
		switch d.BackoffFunction {
		case "arithmetic":
			x = lo + (hi-lo)*float64(i*(i+1))/float64(n*(n+1))
		case "geometric":
			x = lo + (hi-lo)*(math.Pow(2, float64(i))-1)/(math.Pow(2, float64(n))-1)
		case "exponential":
			x = lo * math.Pow(hi/lo, f)
		default:
			x = lo + (hi-lo)*f
		}
		out = append(out, x)
	}
	for range d.NumMaxDelay {
		out = append(out, hi)
	}
	return out
}

// SNSPolicySeconds is the time an HTTP/S delivery policy's retries take
// in all, from the first attempt to the last.
func SNSPolicySeconds(d *SNSDeliveryPolicy) float64 {
	if d.NumRetries < 0 || d.NumRetries > MaxSNSHTTPRetries || d.NumNoDelayRetries < 0 || d.NumMinDelay < 0 || d.NumMaxDelay < 0 ||
		d.NumNoDelayRetries+d.NumMinDelay+d.NumMaxDelay > d.NumRetries || d.MinDelayTarget < 1 || d.MaxDelayTarget < d.MinDelayTarget {
		return 0 // reported field by field
	}
	var t float64
	for _, x := range SNSRetryDelays(d) {
		t += x
	}
	return t
}

// SNSManagedPolicy is the fixed delivery policy of AWS-managed endpoints
// (SQS, Lambda): 3 tries without delay (the first attempt and 2
// retries), 2 retries 1 s apart, 10 retries backing off exponentially
// from 1 s to 20 s, then 100,000 retries 20 s apart: 100,015 attempts over
// 23 days (SNS developer guide, message delivery retries).
var SNSManagedPolicy = SNSDeliveryPolicy{NumRetries: 100_014, NumNoDelayRetries: 2, NumMinDelay: 2, NumMaxDelay: 100_000,
	MinDelayTarget: 1, MaxDelayTarget: 20, BackoffFunction: "exponential"}
