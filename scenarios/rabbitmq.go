package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"mqsim/scenarios/units"
)

// Systems a scenario can run on (Scenario.System). Producers, arrivals,
// keys, sizes, consumer groups' service times and failures, faults, expect
// and every report are shared; a section per system (rabbitmq:, …) holds
// what only that system has.
const (
	SystemKafka    = "kafka" // the default
	SystemRabbitMQ = "rabbitmq"
	SystemSQS      = "sqs"
)

// SystemNames lists the systems a scenario may name.
var SystemNames = []string{SystemKafka, SystemRabbitMQ, SystemSQS, SystemServices}

// RabbitMQ's documented defaults (4.x; see docs/scenarios.md for the
// sources), applied by Defaults to a `system: rabbitmq` scenario.
const (
	DefaultRabbitMemory              = 16 << 30  // RAM per node: not a vendor default, a machine's
	DefaultRabbitMemoryHighWatermark = 0.6       // vm_memory_high_watermark
	DefaultRabbitDisk                = 100 << 30 // disk per node for message data: a machine's, not a vendor default
	DefaultRabbitDiskFreeLimit       = 50e6      // disk_free_limit: 50 MB
	DefaultRabbitCreditInitial       = 400       // credit_flow_default_credit {400, 200}
	DefaultRabbitCreditMore          = 200
	DefaultRabbitClassicSync         = 200 * units.Millisecond // "a few hundred milliseconds"
	DefaultRabbitElectionTimeout     = 5 * units.Second        // failure detection and Raft election
	// DefaultRabbitDeadLetterRetry is dead_letter_worker_publisher_confirm_timeout
	// (180,000 ms in rabbit.app); the worker takes DefaultRabbitDeadLetterPrefetch
	// (dead_letter_worker_consumer_prefetch, 32) messages at a time.
	DefaultRabbitDeadLetterRetry    = 180 * units.Second
	DefaultRabbitDeadLetterPrefetch = 32
	DefaultRabbitHeartbeat          = 60 * units.Second // the server's suggested heartbeat timeout
	DefaultRabbitConsumerTimeout    = 30 * units.Minute // consumer_timeout
	DefaultRabbitQuorumSize         = 3
	DefaultRabbitDeliveryLimit      = 20 // quorum queues since 4.0; -1 = none
	MaxRabbitPrefetch               = 65535
	DefaultRabbitQuorumMessageBytes = 32 // quorum-queue metadata per message in memory
)

// RabbitMQ is the `rabbitmq:` section of a scenario that runs on RabbitMQ.
//
// How the shared workload maps onto RabbitMQ: every topic is an exchange
// of the same name (fanout unless declared under exchanges); every
// consumer group consumes its own queue, named after the group and bound
// to its topic's exchange (so several groups on one topic each get every
// message, as on Kafka); a producer publishes to its topic's exchange.
// Queues, exchanges and publishers below refine that mapping.
type RabbitMQ struct {
	// Memory is each node's RAM; MemoryHighWatermark the share of it at
	// which the memory alarm blocks every publisher in the cluster.
	Memory              units.Bytes `yaml:"memory" json:"memory"`
	MemoryHighWatermark units.Ratio `yaml:"memory_high_watermark" json:"memory_high_watermark"`
	// Disk is each node's disk for message data; DiskFreeLimit the free
	// space below which the disk alarm blocks every publisher in the
	// cluster (disk_free_limit, RabbitMQ's default 50 MB).
	Disk          units.Bytes `yaml:"disk" json:"disk,omitempty"`
	DiskFreeLimit units.Bytes `yaml:"disk_free_limit" json:"disk_free_limit,omitempty"`
	// CreditInitial and CreditMore are credit_flow_default_credit: a
	// publisher's connection may send CreditInitial messages ahead of the
	// queue, which grants CreditMore again each time it has taken that many.
	CreditInitial int `yaml:"credit_initial" json:"credit_initial"`
	CreditMore    int `yaml:"credit_more" json:"credit_more"`
	// ClassicSyncInterval is how often a classic queue fsyncs (confirms of
	// persistent messages wait for it); it also syncs when idle.
	ClassicSyncInterval units.Duration `yaml:"classic_sync_interval" json:"classic_sync_interval"`
	// ElectionTimeout is how long a quorum queue's followers wait after
	// their leader's node stops before electing a new leader.
	ElectionTimeout units.Duration `yaml:"election_timeout" json:"election_timeout"`
	// DeadLetterRetry is dead_letter_worker_publisher_confirm_timeout: an
	// at-least-once dead-letter worker sends a message again when a
	// target has not confirmed it (down, refusing, or no route) by then.
	DeadLetterRetry units.Duration `yaml:"dead_letter_retry" json:"dead_letter_retry"`
	// Heartbeat is the AMQP heartbeat timeout: when a node's machine dies
	// (broker-crash with lose_page_cache) nothing closes its connections,
	// and clients notice only after it (a process crash closes them at once).
	Heartbeat units.Duration `yaml:"heartbeat" json:"heartbeat"`
	// ConsumerTimeout is the delivery acknowledgement timeout: a consumer
	// holding a delivery unacknowledged longer has its channel closed and
	// its deliveries requeued; checked once a minute (30 min).
	ConsumerTimeout units.Duration `yaml:"consumer_timeout" json:"consumer_timeout"`

	Exchanges  []RabbitExchange  `yaml:"exchanges" json:"exchanges,omitempty"`
	Queues     []RabbitQueue     `yaml:"queues" json:"queues,omitempty"`
	Publishers []RabbitPublisher `yaml:"publishers" json:"publishers,omitempty"`
}

// RabbitExchange declares an exchange: a topic's (its producers publish
// here) or one only bindings and dead-lettering use.
type RabbitExchange struct {
	Name string `yaml:"name" json:"name"`
	// Type is direct, fanout (the default), topic or headers.
	Type string `yaml:"type" json:"type"`
	// AlternateExchange receives the messages this exchange routes to no
	// queue.
	AlternateExchange string `yaml:"alternate_exchange" json:"alternate_exchange,omitempty"`
}

// RabbitQueue is one queue: a consumer group's (Group) or one nobody
// consumes (Name only: a dead-letter queue, a catch-all).
type RabbitQueue struct {
	Name  string `yaml:"name" json:"name"`   // default the group's name
	Group string `yaml:"group" json:"group"` // the consumer group that consumes it
	// Type is classic (RabbitMQ's default queue type: one node) or quorum
	// (Raft-replicated on quorum_size nodes, what the docs advise for data
	// safety).
	Type string `yaml:"type" json:"type"`
	// Bindings bind the queue to exchanges; default: the group's topic
	// exchange with key "#" for a topic exchange, "" otherwise.
	Bindings []RabbitBinding `yaml:"bindings" json:"bindings,omitempty"`
	// QuorumSize is a quorum queue's members, on distinct nodes (3).
	QuorumSize int `yaml:"quorum_size" json:"quorum_size"`
	// DeliveryLimit: a quorum-queue message returned this many times is
	// dead-lettered (or dropped); -1 = no limit (20 since 4.0).
	DeliveryLimit *int `yaml:"delivery_limit" json:"delivery_limit"`
	// Prefetch is basic.qos per consumer: 0 = unlimited (the default), at
	// most 65,535. The broker stops delivering at unacked == prefetch.
	Prefetch int `yaml:"prefetch" json:"prefetch"`
	// Ack is manual (the default: ack after processing) or auto (at most
	// once: acked on delivery).
	Ack string `yaml:"ack" json:"ack"`
	// AckMultiple > 1 acks in batches with multiple=true: one basic.ack
	// for that many deliveries (or what is pending when the consumer runs
	// idle); 1 (the default) acks each delivery.
	AckMultiple int `yaml:"ack_multiple" json:"ack_multiple,omitempty"`
	// OnFailure is what a consumer does with a message it cannot process
	// (the group's failures): requeue (basic.reject requeue=true, the
	// default; counts toward delivery_limit), nack (basic.nack
	// requeue=true; does not count since 4.3) or reject (requeue=false:
	// dead-lettered, or dropped without a dead-letter exchange).
	OnFailure string `yaml:"on_failure" json:"on_failure"`
	// DeadLetterExchange receives rejected, expired, maxlen and
	// delivery-limit messages, with DeadLetterRoutingKey if set.
	DeadLetterExchange   string `yaml:"dead_letter_exchange" json:"dead_letter_exchange,omitempty"`
	DeadLetterRoutingKey string `yaml:"dead_letter_routing_key" json:"dead_letter_routing_key,omitempty"`
	// DeadLetterStrategy is a quorum queue's x-dead-letter-strategy:
	// at-most-once (the default: routed once, dropped if no target takes
	// it) or at-least-once (kept in the source queue until every target
	// confirms, retried every dead_letter_retry; needs reject-publish).
	DeadLetterStrategy string `yaml:"dead_letter_strategy" json:"dead_letter_strategy,omitempty"`
	// MessageTTL expires messages (only at the head of the queue); 0 = none.
	MessageTTL units.Duration `yaml:"message_ttl" json:"message_ttl,omitempty"`
	// MaxLength bounds ready messages; 0 = none. Overflow is drop-head
	// (the default: the oldest is dead-lettered) or reject-publish.
	MaxLength int    `yaml:"max_length" json:"max_length,omitempty"`
	Overflow  string `yaml:"overflow" json:"overflow"`
	// MaxPriority is a classic queue's x-max-priority (1 to 255; 0 = no
	// priorities). Quorum queues always have 32 levels (0–31), a message
	// without a priority counting as 4.
	MaxPriority int `yaml:"max_priority" json:"max_priority,omitempty"`
	// StreamOffset is where a stream consumer starts on each connection
	// (x-stream-offset): next (the default: what arrives from now on) or
	// first (the whole stream again).
	StreamOffset string `yaml:"stream_offset" json:"stream_offset,omitempty"`
}

// RabbitBinding binds a queue to an exchange: by routing key (direct: the
// same key; topic: a pattern where * is one word and # zero or more) or
// by headers (headers exchanges, x-match all or any).
type RabbitBinding struct {
	Exchange string            `yaml:"exchange" json:"exchange"`
	Key      string            `yaml:"key" json:"key"`
	Headers  map[string]string `yaml:"headers" json:"headers,omitempty"`
	Match    string            `yaml:"match" json:"match,omitempty"` // all (default) or any
}

// RabbitPublisher is how one producer publishes.
type RabbitPublisher struct {
	Producer string `yaml:"producer" json:"producer"`
	// RoutingKeys: a message of key id k gets RoutingKeys[k mod n] (a
	// null key: the first); default none (the empty key).
	RoutingKeys []string `yaml:"routing_keys" json:"routing_keys,omitempty"`
	// Headers, for headers exchanges: chosen like routing keys.
	Headers []map[string]string `yaml:"headers" json:"headers,omitempty"`
	// Priorities, chosen like routing keys: each message's priority (0 to
	// 255); default none.
	Priorities []int `yaml:"priorities" json:"priorities,omitempty"`
	// Expirations, chosen like routing keys: each message's per-message
	// TTL (the AMQP expiration property); 0 = none. A queue expires a
	// message only at its head, at the smaller of this and message_ttl.
	Expirations []units.Duration `yaml:"expirations" json:"expirations,omitempty"`
	// DefaultExchange publishes to the default exchange ("") instead of
	// the topic's: it routes a message to the queue named by its routing
	// key, every queue being bound to it by its name.
	DefaultExchange bool `yaml:"default_exchange" json:"default_exchange,omitempty"`
	// Mandatory returns unroutable messages to the publisher (basic.return)
	// instead of dropping them.
	Mandatory bool `yaml:"mandatory" json:"mandatory,omitempty"`
	// MaxUnconfirmed bounds published, not yet confirmed messages per
	// publisher instance; 0 = no bound.
	MaxUnconfirmed int `yaml:"max_unconfirmed" json:"max_unconfirmed,omitempty"`
}

// RabbitFaults are the fault types a RabbitMQ scenario may list.
var RabbitFaults = []string{"broker-crash", "consumer-crash"}

// SystemName is the system the scenario runs on (kafka when unset).
func (s *Scenario) SystemName() string {
	if s.System == "" {
		return SystemKafka
	}
	return s.System
}

// systemDefaults names the default system and fills the rabbitmq: section of a RabbitMQ scenario and
// declares a queue for every consumer group that has none.
// NodeDefaults fills the section's node-wide settings (memory, disk,
// credit flow, sync interval, timeouts) with RabbitMQ's defaults.
func (r *RabbitMQ) NodeDefaults() {
	setBytes(&r.Memory, DefaultRabbitMemory)
	setBytes(&r.Disk, DefaultRabbitDisk)
	setBytes(&r.DiskFreeLimit, DefaultRabbitDiskFreeLimit)
	if r.MemoryHighWatermark == 0 {
		r.MemoryHighWatermark = DefaultRabbitMemoryHighWatermark
	}
	setInt(&r.CreditInitial, DefaultRabbitCreditInitial)
	setInt(&r.CreditMore, DefaultRabbitCreditMore)
	setDur(&r.ClassicSyncInterval, DefaultRabbitClassicSync)
	setDur(&r.ElectionTimeout, DefaultRabbitElectionTimeout)
	setDur(&r.DeadLetterRetry, DefaultRabbitDeadLetterRetry)
	setDur(&r.Heartbeat, DefaultRabbitHeartbeat)
	setDur(&r.ConsumerTimeout, DefaultRabbitConsumerTimeout)
}

func (s *Scenario) systemDefaults() {
	if s.System != SystemRabbitMQ {
		return
	}
	if s.RabbitMQ == nil {
		s.RabbitMQ = &RabbitMQ{}
	}
	r := s.RabbitMQ
	r.NodeDefaults()
	for _, g := range s.ConsumerGroups {
		if !slices.ContainsFunc(r.Queues, func(q RabbitQueue) bool { return q.Group == g.Name }) {
			r.Queues = append(r.Queues, RabbitQueue{Group: g.Name})
		}
	}
	exType := map[string]string{}
	for i := range r.Exchanges {
		e := &r.Exchanges[i]
		if e.Type == "" {
			e.Type = "fanout"
		}
		exType[e.Name] = e.Type
	}
	for i := range r.Queues {
		q := &r.Queues[i]
		if q.Name == "" {
			q.Name = q.Group
		}
		if q.Type == "" {
			q.Type = "classic"
		}
		if q.Type == "stream" {
			setInt(&q.QuorumSize, min(DefaultRabbitQuorumSize, s.Cluster.Brokers))
			if q.StreamOffset == "" {
				q.StreamOffset = "next"
			}
		}
		if q.Type == "quorum" {
			setInt(&q.QuorumSize, min(DefaultRabbitQuorumSize, s.Cluster.Brokers))
			if q.DeliveryLimit == nil {
				n := DefaultRabbitDeliveryLimit
				q.DeliveryLimit = &n
			}
		}
		if q.Ack == "" {
			q.Ack = "manual"
		}
		if q.OnFailure == "" {
			q.OnFailure = "requeue"
		}
		if q.Overflow == "" {
			q.Overflow = "drop-head"
		}
		if q.DeadLetterStrategy == "" && q.Type == "quorum" {
			q.DeadLetterStrategy = "at-most-once"
		}
		if len(q.Bindings) == 0 && q.Group != "" {
			for _, g := range s.ConsumerGroups {
				if g.Name == q.Group {
					key := ""
					if exType[g.Topic] == "topic" {
						key = "#"
					}
					q.Bindings = []RabbitBinding{{Exchange: g.Topic, Key: key}}
				}
			}
		}
		for j := range q.Bindings {
			if q.Bindings[j].Match == "" && len(q.Bindings[j].Headers) > 0 {
				q.Bindings[j].Match = "all"
			}
		}
	}
}

// validateSystem checks system: and the per-system sections: an unknown
// system, a section under another system, and the rabbitmq: section's
// names, numbers and patterns.
func (s *Scenario) validateSystem(v *validator) {
	if !slices.Contains(SystemNames, s.SystemName()) {
		v.add("system", "unknown system %q: want one of %s%s", s.System, strings.Join(SystemNames, ", "), DidYouMean(s.System, SystemNames))
		return
	}
	if s.RabbitMQ != nil && s.SystemName() != SystemRabbitMQ && !s.comparing() {
		v.add("rabbitmq", "a RabbitMQ section under system: %s: set system: rabbitmq, or remove it", s.SystemName())
	}
	if s.SystemName() != SystemRabbitMQ || s.RabbitMQ == nil {
		return
	}
	r := s.RabbitMQ
	if r.MemoryHighWatermark <= 0 || r.MemoryHighWatermark > 1 {
		v.add("rabbitmq.memory_high_watermark", "%v: want a share of RAM above 0 and at most 1 (RabbitMQ's default 0.6)", r.MemoryHighWatermark)
	}
	if r.DiskFreeLimit >= r.Disk {
		v.add("rabbitmq.disk_free_limit", "%v is not below the disk %v: the disk alarm would never clear", r.DiskFreeLimit, r.Disk)
	}
	if r.DeadLetterRetry < 0 {
		v.add("rabbitmq.dead_letter_retry", "%v: want above 0 (RabbitMQ's default 180s)", r.DeadLetterRetry)
	}
	v.between("rabbitmq.credit_initial", r.CreditInitial, 1, 1<<20)
	v.between("rabbitmq.credit_more", r.CreditMore, 1, r.CreditInitial)
	if r.ConsumerTimeout < units.Minute {
		v.add("rabbitmq.consumer_timeout", "%v: RabbitMQ checks it once a minute; below 1 minute is not supported", r.ConsumerTimeout)
	}
	exchanges := map[string]string{}
	for _, t := range s.Topics {
		exchanges[t.Name] = "fanout"
	}
	if len(s.ConsumerGroups) > 64 {
		v.add("consumer_groups", "%d groups: a RabbitMQ scenario has at most 64 (one queue each)", len(s.ConsumerGroups))
	}
	declared := map[string]int{}
	for i, e := range r.Exchanges {
		f := fmt.Sprintf("rabbitmq.exchanges[%d].", i)
		if e.Name == "" {
			v.add(f+"name", "missing: every exchange needs a name (the default exchange is publishers[].default_exchange)")
		} else if j, dup := declared[e.Name]; dup {
			v.add(f+"name", "exchange %q is already declared at rabbitmq.exchanges[%d]", e.Name, j)
		} else {
			declared[e.Name] = i
		}
		v.oneOf(f+"type", e.Type, "direct", "fanout", "topic", "headers")
		exchanges[e.Name] = e.Type
	}
	for i, e := range r.Exchanges {
		if e.AlternateExchange != "" {
			if _, ok := exchanges[e.AlternateExchange]; !ok {
				v.add(fmt.Sprintf("rabbitmq.exchanges[%d].alternate_exchange", i), "%q is neither a declared exchange nor a topic", e.AlternateExchange)
			}
		}
	}
	groups := map[string]bool{}
	for _, g := range s.ConsumerGroups {
		groups[g.Name] = true
	}
	queues := map[string]int{}
	for i, q := range r.Queues {
		f := fmt.Sprintf("rabbitmq.queues[%d].", i)
		if q.Group != "" && !groups[q.Group] {
			v.add(f+"group", "%q is not a consumer group of this scenario", q.Group)
		}
		if q.Name == "" {
			v.add(f+"name", "missing: a queue without a group needs a name")
		} else if j, dup := queues[q.Name]; dup {
			v.add(f+"name", "queue %q is already declared at rabbitmq.queues[%d]", q.Name, j)
		} else {
			queues[q.Name] = i
		}
		v.oneOf(f+"type", q.Type, "quorum", "classic", "stream")
		if q.Type == "stream" {
			if q.Prefetch < 1 && q.Group != "" {
				v.add(f+"prefetch", "a stream consumer needs a prefetch (its credit): set 1 or more")
			}
			for _, x := range []struct {
				field string
				set   bool
			}{{"ack", q.Ack == "auto"}, {"dead_letter_exchange", q.DeadLetterExchange != ""}, {"max_length", q.MaxLength != 0},
				{"max_priority", q.MaxPriority != 0}, {"message_ttl", q.MessageTTL != 0}} {
				if x.set {
					v.add(f+x.field, "not for streams: a stream keeps every message and needs acks for credit (retention is not modelled)")
				}
			}
			if q.StreamOffset != "" {
				v.oneOf(f+"stream_offset", q.StreamOffset, "next", "first")
			}
		} else if q.StreamOffset != "" {
			v.add(f+"stream_offset", "only streams have offsets")
		}
		if q.Type == "quorum" || q.Type == "stream" {
			v.between(f+"quorum_size", q.QuorumSize, 1, s.Cluster.Brokers)
			if q.DeliveryLimit != nil && *q.DeliveryLimit < -1 || q.DeliveryLimit != nil && *q.DeliveryLimit == 0 {
				v.add(f+"delivery_limit", "%d: want -1 (no limit) or at least 1", *q.DeliveryLimit)
			}
		} else if q.DeliveryLimit != nil {
			v.add(f+"delivery_limit", "only quorum queues count deliveries: a classic queue requeues for ever")
		}
		if q.Prefetch < 0 || q.Prefetch > MaxRabbitPrefetch {
			v.add(f+"prefetch", "%d: basic.qos prefetch is 0 (unlimited) to %d (a 16-bit field)", q.Prefetch, MaxRabbitPrefetch)
		}
		v.oneOf(f+"ack", q.Ack, "manual", "auto")
		if q.AckMultiple < 0 || q.AckMultiple > MaxRabbitPrefetch {
			v.add(f+"ack_multiple", "%d: want 1 (single acks) to %d", q.AckMultiple, MaxRabbitPrefetch)
		} else if q.Ack == "auto" && q.AckMultiple > 1 {
			v.add(f+"ack_multiple", "auto-ack sends no acks")
		}
		v.oneOf(f+"on_failure", q.OnFailure, "requeue", "nack", "reject")
		v.oneOf(f+"overflow", q.Overflow, "drop-head", "reject-publish")
		if q.MaxPriority < 0 || q.MaxPriority > 255 {
			v.add(f+"max_priority", "%d: x-max-priority is 1 to 255 (0 = none; the docs advise at most 10)", q.MaxPriority)
		} else if q.MaxPriority > 0 && q.Type == "quorum" {
			v.add(f+"max_priority", "quorum queues always have 32 priorities (0–31): remove it")
		}
		if q.MaxLength < 0 {
			v.add(f+"max_length", "%d: want 0 (none) or more", q.MaxLength)
		}
		if q.MessageTTL < 0 {
			v.add(f+"message_ttl", "%v: want 0 (none) or more", q.MessageTTL)
		}
		if q.DeadLetterStrategy != "" {
			switch {
			case q.Type != "quorum":
				v.add(f+"dead_letter_strategy", "only quorum queues choose a dead-letter strategy: a %s queue dead-letters at most once", q.Type)
			case q.DeadLetterStrategy != "at-most-once" && q.DeadLetterStrategy != "at-least-once":
				v.oneOf(f+"dead_letter_strategy", q.DeadLetterStrategy, "at-most-once", "at-least-once")
			case q.DeadLetterStrategy == "at-least-once" && q.Overflow != "reject-publish":
				v.add(f+"dead_letter_strategy", "at-least-once needs overflow: reject-publish (RabbitMQ falls back to at-most-once otherwise)")
			case q.DeadLetterStrategy == "at-least-once" && q.DeadLetterExchange == "":
				v.add(f+"dead_letter_strategy", "at-least-once needs a dead_letter_exchange to deliver to")
			}
		}
		if q.DeadLetterExchange != "" {
			if _, ok := exchanges[q.DeadLetterExchange]; !ok {
				v.add(f+"dead_letter_exchange", "%q is neither a declared exchange nor a topic", q.DeadLetterExchange)
			}
		}
		for j, b := range q.Bindings {
			bf := fmt.Sprintf("%sbindings[%d].", f, j)
			typ, ok := exchanges[b.Exchange]
			if !ok {
				v.add(bf+"exchange", "%q is neither a declared exchange nor a topic", b.Exchange)
				continue
			}
			if typ == "topic" {
				if err := CheckTopicPattern(b.Key); err != nil {
					v.add(bf+"key", "%v", err)
				}
			}
			if typ == "headers" {
				if len(b.Headers) == 0 {
					v.add(bf+"headers", "missing: a headers exchange binds by headers")
				}
				v.oneOf(bf+"match", b.Match, "all", "any")
			}
		}
	}
	for i, f := range s.Faults {
		if !slices.Contains(RabbitFaults, f.Type) {
			v.add(fmt.Sprintf("faults[%d].type", i), "%q is not modelled for RabbitMQ (its faults: %s)", f.Type, strings.Join(RabbitFaults, ", "))
		}
		if f.Leader != "" {
			v.add(fmt.Sprintf("faults[%d].leader", i), "RabbitMQ faults name a node: give broker: N (queue i's leader starts on node i mod the nodes)")
		}
	}
	producers := map[string]bool{}
	for _, p := range s.Producers {
		producers[p.Name] = true
	}
	for i, p := range r.Publishers {
		f := fmt.Sprintf("rabbitmq.publishers[%d].", i)
		if !producers[p.Producer] {
			v.add(f+"producer", "%q is not a producer of this scenario", p.Producer)
		}
		for j, k := range p.RoutingKeys {
			if len(k) > 255 {
				v.add(fmt.Sprintf("%srouting_keys[%d]", f, j), "longer than 255 bytes (AMQP's shortstr)")
			}
		}
		for j, e := range p.Expirations {
			if e < 0 {
				v.add(fmt.Sprintf("%sexpirations[%d]", f, j), "%v: a message expiration is 0 (none) or more", e)
			}
		}
		for j, pr := range p.Priorities {
			if pr < 0 || pr > 255 {
				v.add(fmt.Sprintf("%spriorities[%d]", f, j), "%d: a message priority is 0 to 255", pr)
			}
		}
		if p.MaxUnconfirmed < 0 {
			v.add(f+"max_unconfirmed", "%d: want 0 (no bound) or more", p.MaxUnconfirmed)
		}
	}
}

// CheckTopicPattern checks a topic exchange's binding key: dot-separated
// words, each a word, * or #; an empty word (a leading, trailing or double
// dot) is an error. The empty key itself is allowed (it matches only the
// empty routing key).
func CheckTopicPattern(key string) error {
	if key == "" {
		return nil
	}
	for i, w := range strings.Split(key, ".") {
		if w == "" {
			return fmt.Errorf("%q has an empty word (word %d): topic patterns are words separated by single dots", key, i+1)
		}
		if w != "*" && w != "#" && strings.ContainsAny(w, "*#") {
			return fmt.Errorf("%q: word %q mixes * or # with other characters; each is a whole word", key, w)
		}
	}
	return nil
}

// NotApplied lists the settings of a scenario that its system does not
// have, each as "field=value (why)", for reports comparing systems (--vary
// system=…): another system's section, and the Kafka-only settings the
// file gives (systemfields.go). Without --set/--vary system the latter are
// validation errors instead.
func (s *Scenario) NotApplied() []string {
	var out []string
	add := func(field, value, why string) { out = append(out, fmt.Sprintf("%s=%s (%s)", field, value, why)) }
	sys := s.SystemName()
	if s.RabbitMQ != nil && sys != SystemRabbitMQ {
		add("rabbitmq", "{…}", "the section is RabbitMQ's; this run is "+sys)
	}
	if s.SQS != nil && sys != SystemSQS {
		add("sqs", "{…}", "the section is SQS's; this run is "+sys)
	}
	if s.Celery != nil && sys != SystemSQS {
		add("celery", "{…}", "Celery workers run on system: sqs here; this run is "+sys)
	}
	if s.Quotas != nil && sys != SystemKafka {
		add("quotas", "{…}", "the section is Kafka's client quotas; this run is "+sys)
	}
	if s.Mirror != nil && sys != SystemKafka {
		add("mirror", "{…}", "the section is Kafka's MirrorMaker 2 replication; this run is "+sys)
	}
	out = append(out, s.NotAppliedFields...)
	for i, g := range s.ConsumerGroups {
		if fl := g.Failures; sys == SystemRabbitMQ && fl != nil && fl.Policy != "" && fl.Policy != PolicyRetry {
			add(fmt.Sprintf("consumer_groups[%d].failures.policy", i), fl.Policy, "a RabbitMQ consumer rejects or requeues: rabbitmq.queues[].on_failure and the queue's dead-letter exchange")
		}
	}
	return out
}

// Metrics a queue broker reports (model.Queues), added to the catalogue.
func init() {
	Metrics = append(Metrics,
		MetricInfo{"returned", KindCount, "unroutable mandatory messages returned to the publisher (RabbitMQ)"},
		MetricInfo{"unroutable", KindCount, "messages confirmed but routed to no queue and dropped (RabbitMQ)"},
		MetricInfo{"requeued", KindCount, "deliveries returned to their queue: reject/nack with requeue, connection loss (RabbitMQ)"},
		MetricInfo{"dead_lettered_rejected", KindCount, "dead-lettered after a reject without requeue (RabbitMQ)"},
		MetricInfo{"dead_lettered_expired", KindCount, "dead-lettered when their TTL expired at the head (RabbitMQ)"},
		MetricInfo{"dead_lettered_maxlen", KindCount, "dead-lettered by a full queue's drop-head (RabbitMQ)"},
		MetricInfo{"dead_lettered_delivery_limit", KindCount, "dead-lettered past a quorum queue's delivery limit (RabbitMQ)"},
		MetricInfo{"queue_dropped", KindCount, "rejected, expired, maxlen or delivery-limit messages dropped without a dead-letter exchange (RabbitMQ)"},
		MetricInfo{"dead_letter_dropped", KindCount, "dead letters no target queue took (no route, target down or full), dropped at most once (RabbitMQ)"},
		MetricInfo{"dead_letter_retries", KindCount, "resends of dead letters a target had not taken within dead_letter_retry (RabbitMQ, at-least-once)"},
		MetricInfo{"alarm_seconds", KindDuration, "time a memory alarm blocked all publishing (RabbitMQ)"},
		MetricInfo{"disk_alarm_seconds", KindDuration, "time a disk alarm (free space below disk_free_limit) blocked all publishing (RabbitMQ)"},
		MetricInfo{"publisher_blocked_seconds", KindDuration, "time publishers spent blocked by an alarm, summed (RabbitMQ)"},
		MetricInfo{"flow_seconds", KindDuration, "time publishers waited for credit (flow control), summed (RabbitMQ)"},
		MetricInfo{"max_queue_depth", KindCount, "ready plus unacknowledged messages of any queue, largest sample (RabbitMQ)"},
		MetricInfo{"max_unacked", KindCount, "unacknowledged deliveries of any one consumer, largest ever (RabbitMQ)"},
		MetricInfo{"consumer_timeouts", KindCount, "channels closed for holding a delivery past consumer_timeout (RabbitMQ)"},
		MetricInfo{"ack_frames", KindCount, "basic.ack frames consumers sent: one per delivery, or per batch with multiple=true (RabbitMQ)"},
	)
}

// setsSystem reports whether --set entries (or a --vary axis) choose the
// system: a file's section for its own system is then not an error under
// another one, only not applied (Scenario.NotApplied).
func setsSystem(sets []string) bool {
	for _, set := range sets {
		if field, _, ok := strings.Cut(set, "="); ok && strings.TrimSpace(field) == "system" {
			return true
		}
	}
	return false
}
