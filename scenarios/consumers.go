package scenarios

import (
	"fmt"
	"strings"

	"mqsim/scenarios/units"
)

// The consumer side under stress: failure policies (retries, dead-letter
// and retry topics), autoscaling on lag, a downstream dependency with its
// own timeouts and retry layers, and the producer's backpressure options.
// The fields hang off ConsumerGroup and Producer (scenario.go); the types,
// their defaults and their checks live here.

// Failure policies of a consumer group (Failures.Policy).
const (
	PolicyRetry       = "retry"        // retry in place forever: head-of-line blocking
	PolicyDeadLetter  = "dead-letter"  // retry max_attempts times with backoff, then the DLQ
	PolicyRetryTopics = "retry-topics" // forward to delayed retry topics, then the DLQ
	PolicySkip        = "skip"         // log and move on
)

// Failures says which messages fail to process and what the consumer does
// about it (the seed's "Handling Failures" table).
type Failures struct {
	// Poison marks messages that fail on every attempt: a share of all
	// messages (chosen by message id, so the same ones every time) and/or
	// specific keys (key ids as the producer's key distribution draws them).
	PoisonShare units.Ratio `yaml:"poison_share" json:"poison_share,omitempty"`
	PoisonKeys  []int64     `yaml:"poison_keys" json:"poison_keys,omitempty"`
	// TransientRate is the probability that one processing attempt fails
	// for a passing reason; a retry may succeed. A downstream-outage fault
	// makes every attempt fail while it lasts.
	TransientRate units.Ratio `yaml:"transient_rate" json:"transient_rate,omitempty"`

	Policy string `yaml:"policy" json:"policy"` // retry, dead-letter, retry-topics, skip (default dead-letter)
	// MaxAttempts is how many times dead-letter tries a message before
	// giving up (default 4: the first try and three retries).
	MaxAttempts int `yaml:"max_attempts" json:"max_attempts,omitempty"`
	// Backoff before the n-th retry is Backoff × 2^(n-1), capped at
	// BackoffMax, then spread by ± Jitter (defaults 100ms, 10s, 20%).
	Backoff    units.Duration `yaml:"backoff" json:"backoff,omitempty"`
	BackoffMax units.Duration `yaml:"backoff_max" json:"backoff_max,omitempty"`
	Jitter     units.Ratio    `yaml:"jitter" json:"jitter,omitempty"`
	// RetryTopics is the ladder for retry-topics: each a declared topic and
	// how long a message waits there before its next attempt.
	RetryTopics []RetryTopic `yaml:"retry_topics" json:"retry_topics,omitempty"`
	// DLQ is the dead-letter topic; it must be one of the scenario's topics.
	DLQ string `yaml:"dlq" json:"dlq,omitempty"`
}

// RetryTopic is one rung of a retry ladder.
type RetryTopic struct {
	Topic string         `yaml:"topic" json:"topic"`
	Delay units.Duration `yaml:"delay" json:"delay"`
}

// Autoscale adds consumers to a group while its lag is above a threshold:
// one at a time, each after a spin-up delay, never more than the
// partitions (a consumer beyond the partition count would sit idle).
type Autoscale struct {
	LagAbove   units.Count    `yaml:"lag_above" json:"lag_above"`
	SpinUp     units.Duration `yaml:"spin_up" json:"spin_up"`             // default 30s
	CheckEvery units.Duration `yaml:"check_every" json:"check_every"`     // default 5s
	Max        int            `yaml:"max_consumers" json:"max_consumers"` // default the partition count
}

// Downstream is a dependency every processing attempt calls, with a
// bounded capacity, a client timeout, and layers of retries in front of it
// (the seed's "Immediate retry", and what happens when it is layered).
type Downstream struct {
	// Capacity is how many calls per second the dependency completes at
	// full speed (it serves one call at a time per unit of Concurrency).
	Capacity    units.Rate `yaml:"capacity" json:"capacity"`
	Concurrency int        `yaml:"concurrency" json:"concurrency,omitempty"` // default 8
	// Queue bounds the calls waiting at the dependency: a full queue
	// refuses a call at once (an error the caller may retry).
	Queue   int            `yaml:"queue" json:"queue,omitempty"`     // default 1000
	Timeout units.Duration `yaml:"timeout" json:"timeout,omitempty"` // the caller gives up (default 1s); the call still runs
	// Layers × Attempts: each of Layers nested callers tries up to
	// Attempts times, so one message can cost Attempts^Layers calls.
	Layers   int `yaml:"layers" json:"layers,omitempty"`     // default 1
	Attempts int `yaml:"attempts" json:"attempts,omitempty"` // default 1 (no retry)
	// Backoff between attempts (exponential with ±20% jitter from this
	// base); 0 retries at once.
	Backoff units.Duration `yaml:"backoff" json:"backoff,omitempty"`
	// RetryBudget caps retries at this share of first attempts, per
	// layer, as a token bucket of retries (0: no budget).
	RetryBudget units.Ratio `yaml:"retry_budget" json:"retry_budget,omitempty"`
	// Handoff is how the group feeds the dependency: "log" (default: the
	// consumer processes at its own pace and its lag is the backlog) or
	// "memory": the consumer commits each poll at once and hands messages
	// to a bounded in-memory queue of HandoffCapacity; a message that
	// fails or finds the queue full is re-enqueued, and dropped if there
	// is no room.
	Handoff string `yaml:"handoff" json:"handoff,omitempty"`
	// Requeue (memory handoff): a message whose calls all failed goes back
	// to the in-memory queue, and is dropped when there is no room;
	// without it the message is given up.
	Requeue bool `yaml:"requeue" json:"requeue,omitempty"`
	// Workers is how many calls the group's consumers keep in flight to
	// the dependency: per member with the log handoff, for the whole group
	// with the memory one (default Concurrency).
	Workers         int `yaml:"workers" json:"workers,omitempty"`
	HandoffCapacity int `yaml:"handoff_capacity" json:"handoff_capacity,omitempty"`
}

// Drop is sampling under load: while the lag of the topic's groups is
// above LagAbove, the producer drops the low-priority share of its
// messages (intended loss, reported as dropped).
type Drop struct {
	LowPriority units.Ratio `yaml:"low_priority" json:"low_priority"`
	LagAbove    units.Count `yaml:"lag_above" json:"lag_above"`
}

// Buffer-full behaviours of a producer (Producer.BufferFull).
const (
	BufferFullBlock = "block" // send() waits up to max_block, then fails (Kafka's behaviour)
	BufferFullError = "error" // send() fails at once (max.block.ms = 0)
)

func (g *ConsumerGroup) defaultsExtras() {
	g.defaultsShare() // sharegroup.go
	if f := g.Failures; f != nil {
		setStr(&f.Policy, PolicyDeadLetter)
		setInt(&f.MaxAttempts, 4)
		setDur(&f.Backoff, 100*units.Millisecond)
		setDur(&f.BackoffMax, 10*units.Second)
		if f.Jitter == 0 {
			f.Jitter = 0.2
		}
	}
	if a := g.Autoscale; a != nil {
		setDur(&a.SpinUp, 30*units.Second)
		setDur(&a.CheckEvery, 5*units.Second)
	}
	if d := g.Downstream; d != nil {
		setInt(&d.Concurrency, 8)
		setInt(&d.Queue, 1000)
		setDur(&d.Timeout, units.Second)
		setInt(&d.Layers, 1)
		setInt(&d.Attempts, 1)
		setStr(&d.Handoff, "log")
		setInt(&d.HandoffCapacity, 1000)
		setInt(&d.Workers, d.Concurrency)
	}
}

func (p *Producer) defaultsExtras() {
	setStr(&p.BufferFull, BufferFullBlock)
	if p.RateLimit > 0 && p.RateBurst == 0 {
		p.RateBurst = units.Count(max(float64(p.RateLimit)/10, 1))
	}
}

// validateGroupExtras checks a group's failure policy, autoscaler and
// downstream. f is the field prefix ("consumer_groups[0].").
func (s *Scenario) validateGroupExtras(v *validator, f string, g *ConsumerGroup, topics map[string]int) {
	s.validateShare(v, f, g) // sharegroup.go
	if g.InitialRebalanceDelay < 0 {
		v.add(f+"initial_rebalance_delay", "must not be negative")
	}
	if fl := g.Failures; fl != nil {
		ff := f + "failures."
		v.oneOf(ff+"policy", fl.Policy, PolicyRetry, PolicyDeadLetter, PolicyRetryTopics, PolicySkip)
		if fl.PoisonShare < 0 || fl.PoisonShare > 1 {
			v.add(ff+"poison_share", "%v: want a share from 0%% to 100%%", fl.PoisonShare)
		}
		if fl.TransientRate < 0 || fl.TransientRate >= 1 {
			v.add(ff+"transient_rate", "%v: want a share from 0%% up to (not including) 100%%", fl.TransientRate)
		}
		if fl.Jitter < 0 || fl.Jitter > 1 {
			v.add(ff+"jitter", "%v: want 0%% to 100%%", fl.Jitter)
		}
		v.between(ff+"max_attempts", fl.MaxAttempts, 1, 1000)
		if fl.Backoff < 0 || fl.BackoffMax < fl.Backoff {
			v.add(ff+"backoff_max", "%v is shorter than backoff %v", fl.BackoffMax, fl.Backoff)
		}
		needDLQ := fl.Policy == PolicyDeadLetter || fl.Policy == PolicyRetryTopics
		switch {
		case fl.DLQ == "" && needDLQ:
			v.add(ff+"dlq", "missing: policy %s needs a dead-letter topic (declare it under topics)", fl.Policy)
		case fl.DLQ != "" && !needDLQ:
			v.add(ff+"dlq", "policy %s never dead-letters: remove dlq or use dead-letter or retry-topics", fl.Policy)
		case fl.DLQ != "":
			s.topicRef(v, ff+"dlq", fl.DLQ, topics)
			if fl.DLQ == g.Topic {
				v.add(ff+"dlq", "%q is the topic the group reads: a dead-letter topic must be a topic of its own", fl.DLQ)
			}
		}
		if fl.Policy == PolicyRetryTopics && len(fl.RetryTopics) == 0 {
			v.add(ff+"retry_topics", "missing: policy retry-topics needs at least one {topic, delay}")
		}
		if fl.Policy != PolicyRetryTopics && len(fl.RetryTopics) > 0 {
			v.add(ff+"retry_topics", "only policy retry-topics uses a retry ladder")
		}
		seen := map[string]bool{g.Topic: true, fl.DLQ: true}
		for j, rt := range fl.RetryTopics {
			rf := fmt.Sprintf("%sretry_topics[%d].", ff, j)
			s.topicRef(v, rf+"topic", rt.Topic, topics)
			if seen[rt.Topic] && rt.Topic != "" {
				v.add(rf+"topic", "%q is already used by this group (its topic, DLQ or an earlier rung)", rt.Topic)
			}
			seen[rt.Topic] = true
			if rt.Delay < 0 {
				v.add(rf+"delay", "%v: a retry delay must not be negative", rt.Delay)
			}
			if j > 0 && rt.Delay < fl.RetryTopics[j-1].Delay {
				v.add(rf+"delay", "%v is shorter than the rung before (%v): a retry ladder waits longer at each step", rt.Delay, fl.RetryTopics[j-1].Delay)
			}
		}
		for j, k := range fl.PoisonKeys {
			if k < 0 {
				v.add(fmt.Sprintf("%spoison_keys[%d]", ff, j), "%d: key ids start at 0", k)
			}
		}
	}
	if a := g.Autoscale; a != nil {
		af := f + "autoscale."
		if a.LagAbove <= 0 {
			v.add(af+"lag_above", "missing: the lag (messages) above which a consumer is added")
		}
		v.positive(af+"check_every", a.CheckEvery, "how often the autoscaler looks at the lag, e.g. 5s")
		if a.Max < 0 || a.Max > MaxConsumers {
			v.add(af+"max_consumers", "%d: want 0 (the partition count) to %d", a.Max, MaxConsumers)
		}
	}
	if d := g.Downstream; d != nil {
		df := f + "downstream."
		if d.Capacity <= 0 {
			v.add(df+"capacity", "missing: calls per second the dependency completes, e.g. 2K/s")
		}
		v.between(df+"concurrency", d.Concurrency, 1, 10_000)
		v.between(df+"queue", d.Queue, 1, 10_000_000)
		v.positive(df+"timeout", d.Timeout, "how long a caller waits for the dependency, e.g. 1s")
		v.between(df+"layers", d.Layers, 1, 5)
		v.between(df+"attempts", d.Attempts, 1, 10)
		if d.RetryBudget < 0 || d.RetryBudget > 1 {
			v.add(df+"retry_budget", "%v: want 0%% to 100%%", d.RetryBudget)
		}
		v.oneOf(df+"handoff", d.Handoff, "log", "memory")
		v.between(df+"handoff_capacity", d.HandoffCapacity, 1, 10_000_000)
		v.between(df+"workers", d.Workers, 1, 100_000)
	}
}

// validateProducerExtras checks a producer's backpressure options.
func (s *Scenario) validateProducerExtras(v *validator, f string, p *Producer) {
	v.oneOf(f+"buffer_full", p.BufferFull, BufferFullBlock, BufferFullError)
	if p.RateLimit < 0 {
		v.add(f+"rate_limit", "must not be negative")
	}
	if p.RateBurst < 0 {
		v.add(f+"rate_burst", "must not be negative")
	}
	if d := p.Drop; d != nil {
		if d.LowPriority <= 0 || d.LowPriority > 1 {
			v.add(f+"drop.low_priority", "%v: want the share of messages that may be dropped, above 0%% and at most 100%%", d.LowPriority)
		}
		if d.LagAbove < 0 {
			v.add(f+"drop.lag_above", "must not be negative")
		}
	}
}

// PolicyNames lists the failure policies, for documentation.
func PolicyNames() string {
	return strings.Join([]string{PolicyRetry, PolicyDeadLetter, PolicyRetryTopics, PolicySkip}, ", ")
}
