package scenarios

import (
	"fmt"

	"mqsim/scenarios/units"
)

// SystemPubSub is Google Cloud Pub/Sub: topics and subscriptions, pull
// and push, as a managed service.
const SystemPubSub = "pubsub"

func init() { SystemNames = append(SystemNames, SystemPubSub) }

// Google Cloud Pub/Sub defaults and limits (Pub/Sub documentation:
// subscription properties, retry policy, dead-letter topics, ordering,
// exactly-once delivery, quotas; see docs/scenarios.md). Figures marked
// unverified in the docs are settings, not claims.
const (
	DefaultPubSubRequestLatency  = 20 * units.Millisecond // publish, ack, modack: one call's round trip
	DefaultPubSubDeliveryLatency = 10 * units.Millisecond // the service to a subscriber, one way
	DefaultPubSubAckDeadline     = 10 * units.Second
	MinPubSubAckDeadline         = 10 * units.Second
	MaxPubSubAckDeadline         = 600 * units.Second
	MaxPubSubBackoff             = 600 * units.Second
	DefaultPubSubMaxAttempts     = 5
	MinPubSubMaxAttempts         = 5
	MaxPubSubMaxAttempts         = 100
	DefaultPubSubKeyRate         = 1 << 20 // ~1 MB/s of publishes per ordering key
	DefaultPubSubMaxOutstanding  = 1000    // client flow control: messages leased per subscriber client
	DefaultPubSubMaxExtension    = 60 * units.Minute
	DefaultPubSubPushMax         = 3000                    // push: outstanding requests at most (unverified)
	DefaultPubSubPushBackoffMin  = 100 * units.Millisecond // push back-off without a retry policy (unverified)
	DefaultPubSubPushBackoffMax  = 60 * units.Second
	MaxPubSubMessageSize         = 10 << 20 // 10 MB
)

// PubSub is the `pubsub:` section of a scenario with `system: pubsub`.
// Producers publish to one of its topics; every consumer group reads one
// subscription (its `topic:` names it): pull subscribers (one client per
// consumer, processing its leased messages one at a time) or, for a push
// subscription, the endpoint's request handlers.
type PubSub struct {
	RequestLatency  units.Duration `yaml:"request_latency" json:"request_latency"`
	DeliveryLatency units.Duration `yaml:"delivery_latency" json:"delivery_latency"`
	// KeyRate is the publish rate one ordering key can reach, bytes/s
	// (~1 MB/s); a key's batches are published one at a time.
	KeyRate       units.Bytes          `yaml:"key_rate" json:"key_rate"`
	Topics        []PubSubTopic        `yaml:"topics" json:"topics"`
	Subscriptions []PubSubSubscription `yaml:"subscriptions" json:"subscriptions"`
}

// PubSubTopic is one topic.
type PubSubTopic struct {
	Name string `yaml:"name" json:"name"`
}

// PubSubSubscription is one subscription of a topic.
type PubSubSubscription struct {
	Name  string `yaml:"name" json:"name"`
	Topic string `yaml:"topic" json:"topic"`
	// Delivery is "pull" (the default; StreamingPull) or "push".
	Delivery string `yaml:"delivery" json:"delivery"`
	// AckDeadline is ackDeadlineSeconds (10 s; 10–600 s); for push it is
	// also the HTTP timeout.
	AckDeadline units.Duration `yaml:"ack_deadline" json:"ack_deadline"`
	// RetryPolicy, if set, spaces redeliveries after a nack or an expired
	// deadline exponentially from MinBackoff to MaxBackoff; without one a
	// pull subscription redelivers at once.
	RetryPolicy *PubSubRetry `yaml:"retry_policy" json:"retry_policy,omitempty"`
	// DeadLetterTopic, if set, receives a message once its delivery
	// attempts (1 + nacks + expiries) reach MaxDeliveryAttempts (5; 5–100).
	DeadLetterTopic     string `yaml:"dead_letter_topic" json:"dead_letter_topic,omitempty"`
	MaxDeliveryAttempts int    `yaml:"max_delivery_attempts" json:"max_delivery_attempts,omitempty"`
	// MessageOrdering delivers each ordering key (the producer's key) in
	// publish order, one outstanding message per key.
	MessageOrdering bool `yaml:"message_ordering" json:"message_ordering,omitempty"`
	// ExactlyOnce (pull only): an acked message is never redelivered, and
	// only the latest delivery's ack counts.
	ExactlyOnce bool `yaml:"exactly_once" json:"exactly_once,omitempty"`
	// AckLossRate is the share of acks a subscription without exactly-once
	// loses (acks are best effort), so the message comes back after its
	// deadline. Pub/Sub states no figure: 0 unless set.
	AckLossRate units.Ratio `yaml:"ack_loss_rate" json:"ack_loss_rate,omitempty"`
	// Client (pull): MaxOutstanding messages leased per subscriber
	// (1,000); LeaseExtension keeps extending leased messages' deadlines
	// (every half deadline) for up to MaxExtension (60 min); off, a message
	// waiting in the client's buffer or processed past the deadline is
	// redelivered.
	MaxOutstanding int            `yaml:"max_outstanding" json:"max_outstanding,omitempty"`
	LeaseExtension *bool          `yaml:"lease_extension" json:"lease_extension,omitempty"`
	MaxExtension   units.Duration `yaml:"max_extension" json:"max_extension,omitempty"`
	// PushMaxOutstanding bounds a push subscription's outstanding
	// requests; the window starts at 1, doubles on each success and halves
	// on each failure (slow start).
	PushMaxOutstanding int `yaml:"push_max_outstanding" json:"push_max_outstanding,omitempty"`
}

// PubSubRetry is a subscription's retry policy.
type PubSubRetry struct {
	MinBackoff units.Duration `yaml:"min_backoff" json:"min_backoff"` // 10 s; 0–600 s
	MaxBackoff units.Duration `yaml:"max_backoff" json:"max_backoff"` // 600 s; 0–600 s
}

// Extends reports whether the subscriber client extends leases.
func (s *PubSubSubscription) Extends() bool { return s.LeaseExtension == nil || *s.LeaseExtension }

func init() {
	Metrics = append(Metrics,
		MetricInfo{"pubsub_published", KindCount, "Pub/Sub: messages published"},
		MetricInfo{"pubsub_deliveries", KindCount, "Pub/Sub: deliveries to subscribers (a redelivery counts again)"},
		MetricInfo{"pubsub_expired", KindCount, "Pub/Sub: deliveries whose ack deadline expired (redelivered)"},
		MetricInfo{"pubsub_nacks", KindCount, "Pub/Sub: nacks (failed processing, failed pushes)"},
		MetricInfo{"pubsub_modacks", KindCount, "Pub/Sub: ModifyAckDeadline calls of lease extension"},
		MetricInfo{"pubsub_dead_lettered", KindCount, "Pub/Sub: messages forwarded to a dead-letter topic"},
		MetricInfo{"pubsub_lost_dead_letter", KindCount, "Pub/Sub: dead-lettered to a topic with no subscription (lost)"},
		MetricInfo{"pubsub_late_acks", KindCount, "Pub/Sub: acks that came after their delivery's deadline or were lost"},
		MetricInfo{"pubsub_key_waits", KindCount, "Pub/Sub: publishes that waited behind their ordering key's previous batch or rate"},
		MetricInfo{"pubsub_push_window_min", KindCount, "Pub/Sub: the smallest push window after the first success (slow start)"},
	)
}

// defaultsPubSub fills the pubsub section's zero fields.
func (s *Scenario) defaultsPubSub() {
	if s.PubSub == nil && s.System == SystemPubSub && s.systemSet {
		s.PubSub = &PubSub{} // --vary system=pubsub on a scenario written for another system
	}
	c := s.PubSub
	if c == nil {
		return
	}
	if s.System == SystemPubSub && s.systemSet {
		s.kafkaShape(len(c.Topics) > 0, func(t string) { c.Topics = append(c.Topics, PubSubTopic{Name: t}) },
			func(name, t string) {
				c.Subscriptions = append(c.Subscriptions, PubSubSubscription{Name: name, Topic: t})
			})
	}
	setDur(&c.RequestLatency, DefaultPubSubRequestLatency)
	setDur(&c.DeliveryLatency, DefaultPubSubDeliveryLatency)
	setBytes(&c.KeyRate, DefaultPubSubKeyRate)
	for i := range c.Subscriptions {
		u := &c.Subscriptions[i]
		setStr(&u.Delivery, "pull")
		setDur(&u.AckDeadline, DefaultPubSubAckDeadline)
		if u.DeadLetterTopic != "" {
			setInt(&u.MaxDeliveryAttempts, DefaultPubSubMaxAttempts)
		}
		if r := u.RetryPolicy; r != nil {
			setDur(&r.MinBackoff, 10*units.Second)
			setDur(&r.MaxBackoff, MaxPubSubBackoff)
		}
		if u.Delivery == "pull" {
			setInt(&u.MaxOutstanding, DefaultPubSubMaxOutstanding)
			if u.Extends() {
				setDur(&u.MaxExtension, DefaultPubSubMaxExtension)
			}
		} else {
			setInt(&u.PushMaxOutstanding, DefaultPubSubPushMax)
		}
	}
}

func (s *Scenario) validatePubSub(v *validator) map[string]int {
	c := s.PubSub
	if c == nil {
		v.add("pubsub", "missing: system: pubsub needs a pubsub section with its topics and subscriptions")
		return map[string]int{}
	}
	if c.RequestLatency <= 0 || c.RequestLatency > 10*units.Second {
		v.add("pubsub.request_latency", "%v: want above 0 and at most 10s", c.RequestLatency)
	}
	if c.DeliveryLatency <= 0 || c.DeliveryLatency > 10*units.Second {
		v.add("pubsub.delivery_latency", "%v: want above 0 and at most 10s", c.DeliveryLatency)
	}
	if c.KeyRate < 1 {
		v.add("pubsub.key_rate", "must be above 0 (Pub/Sub: about 1 MB/s per ordering key)")
	}
	topics, subs := map[string]int{}, map[string]int{}
	if len(c.Topics) == 0 {
		v.add("pubsub.topics", "missing: declare at least one topic")
	}
	for i, t := range c.Topics {
		f := fmt.Sprintf("pubsub.topics[%d].name", i)
		if t.Name == "" {
			v.add(f, "missing: every topic needs a name")
		} else if j, dup := topics[t.Name]; dup {
			v.add(f, "topic %q is already defined at pubsub.topics[%d]", t.Name, j)
		} else {
			topics[t.Name] = i
		}
	}
	if len(c.Subscriptions) == 0 {
		v.add("pubsub.subscriptions", "missing: declare at least one subscription")
	}
	for i, u := range c.Subscriptions {
		f := fmt.Sprintf("pubsub.subscriptions[%d].", i)
		if u.Name == "" {
			v.add(f+"name", "missing: every subscription needs a name (its consumer group's topic:)")
		} else if _, clash := topics[u.Name]; clash {
			v.add(f+"name", "%q is also a topic's name: give the subscription its own", u.Name)
		} else if j, dup := subs[u.Name]; dup {
			v.add(f+"name", "subscription %q is already defined at pubsub.subscriptions[%d]", u.Name, j)
		} else {
			subs[u.Name] = i
		}
		if _, ok := topics[u.Topic]; !ok {
			v.add(f+"topic", "unknown topic %q: declare it in pubsub.topics", u.Topic)
		}
		v.oneOf(f+"delivery", u.Delivery, "pull", "push")
		if u.AckDeadline < MinPubSubAckDeadline || u.AckDeadline > MaxPubSubAckDeadline {
			v.add(f+"ack_deadline", "%v is out of range: Pub/Sub allows 10s to 600s", u.AckDeadline)
		}
		if r := u.RetryPolicy; r != nil {
			if r.MinBackoff < 0 || r.MinBackoff > MaxPubSubBackoff {
				v.add(f+"retry_policy.min_backoff", "%v is out of range: Pub/Sub allows 0s to 600s", r.MinBackoff)
			}
			if r.MaxBackoff < r.MinBackoff || r.MaxBackoff > MaxPubSubBackoff {
				v.add(f+"retry_policy.max_backoff", "%v: want from min_backoff (%v) to 600s", r.MaxBackoff, r.MinBackoff)
			}
		}
		switch {
		case u.DeadLetterTopic == "" && u.MaxDeliveryAttempts != 0:
			v.add(f+"max_delivery_attempts", "set without dead_letter_topic: the dead-letter policy needs both")
		case u.DeadLetterTopic != "":
			if _, ok := topics[u.DeadLetterTopic]; !ok {
				v.add(f+"dead_letter_topic", "unknown topic %q: declare it in pubsub.topics", u.DeadLetterTopic)
			} else if u.DeadLetterTopic == u.Topic {
				v.add(f+"dead_letter_topic", "the subscription's own topic: dead-lettered messages would come back to it")
			}
			v.between(f+"max_delivery_attempts", u.MaxDeliveryAttempts, MinPubSubMaxAttempts, MaxPubSubMaxAttempts)
		}
		if u.AckLossRate < 0 || u.AckLossRate >= 1 {
			v.add(f+"ack_loss_rate", "%v: want a share from 0%% up to (not including) 100%%", u.AckLossRate)
		}
		if u.ExactlyOnce && u.AckLossRate != 0 {
			v.add(f+"ack_loss_rate", "set with exactly_once, whose acks are confirmed: no ack is lost")
		}
		switch u.Delivery {
		case "push":
			if u.ExactlyOnce {
				v.add(f+"exactly_once", "set on a push subscription: exactly-once delivery is for pull subscriptions only")
			}
			if u.MaxOutstanding != 0 || u.LeaseExtension != nil || u.MaxExtension != 0 {
				v.add(f+"max_outstanding", "client flow control and lease extension (max_outstanding, lease_extension, max_extension) are pull settings")
			}
			v.between(f+"push_max_outstanding", u.PushMaxOutstanding, 1, 1_000_000)
		case "pull":
			if u.PushMaxOutstanding != 0 {
				v.add(f+"push_max_outstanding", "set on a pull subscription")
			}
			v.between(f+"max_outstanding", u.MaxOutstanding, 1, 1_000_000)
			if !u.Extends() && u.MaxExtension != 0 {
				v.add(f+"max_extension", "set with lease_extension: false")
			}
			if u.Extends() && (u.MaxExtension < u.AckDeadline || u.MaxExtension > 24*units.Hour) {
				v.add(f+"max_extension", "%v: want from the ack deadline (%v) to 24h (client default 60m)", u.MaxExtension, u.AckDeadline)
			}
		}
	}
	subTopic := map[string]string{}
	for _, u := range c.Subscriptions {
		subTopic[u.Name] = u.Topic
	}
	return s.subscriberGroups(v, "pubsub", topics, subs, subTopic)
}
