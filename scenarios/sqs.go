package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"mqsim/scenarios/units"
)

// Amazon SQS defaults and limits (SQS developer guide, quota pages; see
// docs/scenarios.md for each source).
const (
	DefaultSQSRequestLatency  = 20 * units.Millisecond // one API call's round trip: ~50 calls/s per thread
	DefaultSQSVisibility      = 30 * units.Second
	MaxSQSVisibility          = 12 * units.Hour
	DefaultSQSRetention       = 4 * units.Day
	MinSQSRetention           = 60 * units.Second
	MaxSQSRetention           = 14 * units.Day
	MaxSQSDelay               = 15 * units.Minute
	MaxSQSReceiveWait         = 20 * units.Second
	DefaultSQSMaxMessageSize  = 256 << 10 // MaximumMessageSize default 256 KiB
	MaxSQSMessageSize         = 1 << 20   // API maximum 1 MiB
	DefaultSQSInFlightLimit   = 120_000
	DefaultSQSFIFOCallsPerSec = 300    // per API action, without high-throughput mode
	DefaultSQSHighThroughput  = 18_000 // high-throughput FIFO, us-east-1 (Oct 2023)
	DefaultSQSPricePerMillion = 0.40   // USD per million requests (standard); a setting, not a truth
	SQSBillingChunk           = 64 << 10
	DefaultSQSBatchOpen       = 200 * units.Millisecond // the SDK's buffered client, maxBatchOpenMs
)

// SQS is the `sqs:` section of a scenario with `system: sqs`: the queues
// (producers and consumer groups name one as their `topic`) and the client
// settings every consumer of the scenario uses.
type SQS struct {
	// RequestLatency is one API call's round trip (half each way).
	RequestLatency units.Duration `yaml:"request_latency" json:"request_latency"`
	// MaxMessages is ReceiveMessage's MaxNumberOfMessages (1–10, SQS's
	// default 1).
	MaxMessages int `yaml:"max_messages" json:"max_messages"`
	// Heartbeat, if set, makes a consumer call ChangeMessageVisibility
	// every heartbeat while it processes a message, restarting its queue's
	// visibility timeout (the usual fix for work slower than the timeout).
	Heartbeat units.Duration `yaml:"heartbeat" json:"heartbeat,omitempty"`
	// SendBatch is how many messages a producer sends per call: 1 is
	// SendMessage, up to 10 is SendMessageBatch (at most 1 MiB in all). A
	// batch goes when full or BatchOpen after its first message.
	SendBatch int            `yaml:"send_batch" json:"send_batch"`
	BatchOpen units.Duration `yaml:"batch_open" json:"batch_open"`
	// DeleteBatch is how many receipts a consumer deletes per call: 1 is
	// DeleteMessage, up to 10 is DeleteMessageBatch. A consumer deletes a
	// batch when it holds this many, or before its next receive.
	DeleteBatch int `yaml:"delete_batch" json:"delete_batch,omitempty"`
	// PricePerMillion is the price of a million requests, for the monthly
	// estimate.
	PricePerMillion float64    `yaml:"price_per_million" json:"price_per_million"`
	Queues          []SQSQueue `yaml:"queues" json:"queues"`
}

// SQSQueue is one queue's attributes.
type SQSQueue struct {
	Name string `yaml:"name" json:"name"`
	// Type is "standard" (the default) or "fifo". A FIFO queue's name ends
	// in ".fifo", and its producers need keys (the MessageGroupId).
	Type              string         `yaml:"type" json:"type"`
	VisibilityTimeout units.Duration `yaml:"visibility_timeout" json:"visibility_timeout"` // 30s; 0–12h
	// ReceiveWait is ReceiveMessageWaitTimeSeconds: 0 is short polling
	// (the default), up to 20s is long polling.
	ReceiveWait    units.Duration `yaml:"receive_wait" json:"receive_wait"`
	Retention      units.Duration `yaml:"retention" json:"retention"`               // 4d; 60s–14d
	Delay          units.Duration `yaml:"delay" json:"delay"`                       // 0–15min
	MaxMessageSize units.Bytes    `yaml:"max_message_size" json:"max_message_size"` // 256KiB; 1KiB–1MiB
	// DuplicateRate is the share of deletes a standard queue misses (a
	// copy on a server that was unavailable), so the message is delivered
	// again after its visibility timeout. SQS states no figure: 0 unless set.
	DuplicateRate units.Ratio `yaml:"duplicate_rate" json:"duplicate_rate,omitempty"`
	// ContentBasedDedup (FIFO): the deduplication id is the body's hash.
	// Otherwise every message carries its own id (a producer's message id).
	ContentBasedDedup bool `yaml:"content_based_dedup" json:"content_based_dedup,omitempty"`
	// HighThroughput (FIFO) raises the per-action API limit from 300 calls/s
	// to FIFOCallsPerSecond's high-throughput value.
	HighThroughput bool `yaml:"high_throughput" json:"high_throughput,omitempty"`
	// FIFOCallsPerSecond is the per-action API limit of a FIFO queue (300,
	// or 18,000 with high_throughput).
	FIFOCallsPerSecond float64 `yaml:"fifo_calls_per_second" json:"fifo_calls_per_second,omitempty"`
	// DeadLetterQueue and MaxReceiveCount are the redrive policy: a message
	// received MaxReceiveCount times goes to that queue (declared here too).
	DeadLetterQueue string `yaml:"dead_letter_queue" json:"dead_letter_queue,omitempty"`
	MaxReceiveCount int    `yaml:"max_receive_count" json:"max_receive_count,omitempty"`
	InFlightLimit   int    `yaml:"in_flight_limit" json:"in_flight_limit"` // 120,000
}

// IsFIFO reports whether the queue is a FIFO queue.
func (q *SQSQueue) IsFIFO() bool { return q.Type == "fifo" }

func init() {
	Metrics = append(Metrics,
		MetricInfo{"api_requests", KindCount, "SQS: API calls made (sends, receives, deletes, visibility changes)"},
		MetricInfo{"billed_requests", KindCount, "SQS: requests billed, each 64 KB chunk of a call's payload one request"},
		MetricInfo{"empty_receives", KindCount, "SQS: receives that returned no message (billed all the same)"},
		MetricInfo{"requests_per_s", KindRate, "SQS: billed requests per second of the run"},
		MetricInfo{"monthly_requests", KindCount, "SQS: billed requests in a 30-day month at the run's rate"},
		MetricInfo{"throttled_calls", KindCount, "SQS: FIFO API calls that waited for the per-action limit"},
		MetricInfo{"visibility_changes", KindCount, "SQS: ChangeMessageVisibility calls"},
		MetricInfo{"dedup_dropped", KindCount, "SQS: FIFO sends accepted but not enqueued, a repeat within the 5-minute deduplication interval"},
		MetricInfo{"receives", KindCount, "SQS: message deliveries (a message received twice counts twice)"},
	)
}

// defaultsSQS fills the sqs section's zero fields with SQS's defaults.
func (s *Scenario) defaultsSQS() {
	if s.SystemName() == SystemSQS && s.comparing() && len(s.Topics) > 0 {
		// Comparing systems on a Kafka workload: each topic runs as a
		// standard queue of its name (listed as not applied).
		if s.SQS == nil {
			s.SQS = &SQS{}
		}
		for _, t := range s.Topics {
			if !slices.ContainsFunc(s.SQS.Queues, func(q SQSQueue) bool { return q.Name == t.Name }) {
				s.SQS.Queues = append(s.SQS.Queues, SQSQueue{Name: t.Name})
			}
		}
	}
	q := s.SQS
	if q == nil {
		return
	}
	setDur(&q.RequestLatency, DefaultSQSRequestLatency)
	setInt(&q.MaxMessages, 1)
	setInt(&q.SendBatch, 1)
	setInt(&q.DeleteBatch, 1)
	setDur(&q.BatchOpen, DefaultSQSBatchOpen)
	if q.PricePerMillion == 0 {
		q.PricePerMillion = DefaultSQSPricePerMillion
	}
	for i := range q.Queues {
		u := &q.Queues[i]
		setStr(&u.Type, "standard")
		setDur(&u.VisibilityTimeout, DefaultSQSVisibility)
		setDur(&u.Retention, DefaultSQSRetention)
		setBytes(&u.MaxMessageSize, DefaultSQSMaxMessageSize)
		setInt(&u.InFlightLimit, DefaultSQSInFlightLimit)
		if u.IsFIFO() && u.FIFOCallsPerSecond == 0 {
			u.FIFOCallsPerSecond = DefaultSQSFIFOCallsPerSec
			if u.HighThroughput {
				u.FIFOCallsPerSecond = DefaultSQSHighThroughput
			}
		}
	}
}

// systemTopics validates what names the queues or topics producers and
// groups refer to: the sqs section under `system: sqs`, the topics
// otherwise. A section of another system is refused.
func (s *Scenario) systemTopics(v *validator) map[string]int {
	if s.SystemName() != SystemSQS {
		if s.SQS != nil && !s.comparing() {
			v.add("sqs", "an sqs section with system: %s; it is read only under system: sqs", s.SystemName())
		}
		if s.Celery != nil && !s.comparing() {
			v.add("celery", "a celery section with system: %s; Celery workers run only under system: sqs here", s.SystemName())
		}
		return s.validateTopics(v)
	}
	if len(s.Topics) > 0 && !s.comparing() {
		v.add("topics", "topics with system: sqs; declare queues under sqs.queues")
	}
	if s.SQS == nil {
		v.add("sqs", "missing: system: sqs needs an sqs section with its queues")
		return map[string]int{}
	}
	return s.validateSQS(v)
}

func (s *Scenario) validateSQS(v *validator) map[string]int {
	c := s.SQS
	queues := map[string]int{}
	if c.RequestLatency <= 0 || c.RequestLatency > 10*units.Second {
		v.add("sqs.request_latency", "%v: want above 0 and at most 10s (SQS's typical ~20ms)", c.RequestLatency)
	}
	v.between("sqs.max_messages", c.MaxMessages, 1, 10)
	v.between("sqs.send_batch", c.SendBatch, 1, 10)
	v.between("sqs.delete_batch", c.DeleteBatch, 1, 10)
	if c.BatchOpen <= 0 || c.BatchOpen > units.Minute {
		v.add("sqs.batch_open", "%v: want above 0 and at most 1m", c.BatchOpen)
	}
	if c.Heartbeat < 0 {
		v.add("sqs.heartbeat", "must not be negative")
	}
	if c.PricePerMillion < 0 {
		v.add("sqs.price_per_million", "must not be negative")
	}
	if len(c.Queues) == 0 {
		v.add("sqs.queues", "missing: declare at least one queue")
	}
	for i, q := range c.Queues {
		f := fmt.Sprintf("sqs.queues[%d].", i)
		if q.Name == "" {
			v.add(f+"name", "missing: every queue needs a name")
		} else if j, dup := queues[q.Name]; dup {
			v.add(f+"name", "queue %q is already defined at sqs.queues[%d]", q.Name, j)
		} else {
			queues[q.Name] = i
		}
		v.oneOf(f+"type", q.Type, "standard", "fifo")
		if q.IsFIFO() && q.Name != "" && !strings.HasSuffix(q.Name, ".fifo") {
			v.add(f+"name", "%q: a FIFO queue's name must end in .fifo", q.Name)
		}
		if q.VisibilityTimeout < 0 || q.VisibilityTimeout > MaxSQSVisibility {
			v.add(f+"visibility_timeout", "%v is out of range: SQS allows 0s to 12h", q.VisibilityTimeout)
		}
		if q.ReceiveWait < 0 || q.ReceiveWait > MaxSQSReceiveWait {
			v.add(f+"receive_wait", "%v is out of range: SQS allows 0s (short polling) to 20s", q.ReceiveWait)
		}
		if q.Retention < MinSQSRetention || q.Retention > MaxSQSRetention {
			v.add(f+"retention", "%v is out of range: SQS allows 60s to 14d", q.Retention)
		}
		if q.Delay < 0 || q.Delay > MaxSQSDelay {
			v.add(f+"delay", "%v is out of range: SQS allows 0s to 15min", q.Delay)
		}
		if q.MaxMessageSize < 1024 || q.MaxMessageSize > MaxSQSMessageSize {
			v.add(f+"max_message_size", "%v is out of range: SQS allows 1KiB to 1MiB", q.MaxMessageSize)
		}
		if q.DuplicateRate < 0 || q.DuplicateRate > 1 {
			v.add(f+"duplicate_rate", "%v: want a share from 0 to 100%%", q.DuplicateRate)
		} else if q.DuplicateRate > 0 && q.IsFIFO() {
			v.add(f+"duplicate_rate", "set on a FIFO queue, which delivers exactly once: only standard queues duplicate")
		}
		if !q.IsFIFO() {
			if q.ContentBasedDedup {
				v.add(f+"content_based_dedup", "set on a standard queue: deduplication is a FIFO feature")
			}
			if q.HighThroughput {
				v.add(f+"high_throughput", "set on a standard queue: high-throughput mode is a FIFO feature")
			}
			if q.FIFOCallsPerSecond != 0 {
				v.add(f+"fifo_calls_per_second", "set on a standard queue, which has no per-action limit")
			}
		} else if q.FIFOCallsPerSecond <= 0 {
			v.add(f+"fifo_calls_per_second", "must be above 0 (SQS: 300, or 18,000 in high-throughput mode)")
		}
		if q.InFlightLimit < 1 || q.InFlightLimit > 1_000_000 {
			v.add(f+"in_flight_limit", "%d is out of range: want 1 to 1,000,000 (SQS: 120,000)", q.InFlightLimit)
		}
		switch {
		case q.DeadLetterQueue == "" && q.MaxReceiveCount != 0:
			v.add(f+"max_receive_count", "set without dead_letter_queue: the redrive policy needs both")
		case q.DeadLetterQueue != "" && (q.MaxReceiveCount < 1 || q.MaxReceiveCount > 1000):
			v.add(f+"max_receive_count", "%d is out of range: SQS allows 1 to 1000", q.MaxReceiveCount)
		}
	}
	for i, q := range c.Queues {
		if q.DeadLetterQueue == "" {
			continue
		}
		f := fmt.Sprintf("sqs.queues[%d].dead_letter_queue", i)
		j, ok := queues[q.DeadLetterQueue]
		switch {
		case !ok:
			v.add(f, "unknown queue %q: declare the dead-letter queue in sqs.queues", q.DeadLetterQueue)
		case j == i:
			v.add(f, "a queue cannot be its own dead-letter queue")
		case c.Queues[j].IsFIFO() != q.IsFIFO():
			v.add(f, "%q: a FIFO queue's dead-letter queue must be FIFO, a standard queue's standard", q.DeadLetterQueue)
		case c.Queues[j].DeadLetterQueue != "":
			v.add(f, "%q has a redrive policy of its own: chains of dead-letter queues are not modelled", q.DeadLetterQueue)
		}
	}
	// Producers of a FIFO queue need a group key; sizes stay under the limit.
	for i, p := range s.Producers {
		j, ok := queues[p.Topic]
		if !ok {
			continue
		}
		q := c.Queues[j]
		if q.IsFIFO() && (p.Keys == "" || p.Keys == "none") {
			v.add(fmt.Sprintf("producers[%d].keys", i), "missing for FIFO queue %q: every message needs a MessageGroupId; give keys such as uniform(100)", q.Name)
		}
	}
	// One consumer group per queue: SQS hands each message to one consumer.
	byQueue := map[string]int{}
	for i, g := range s.ConsumerGroups {
		f := fmt.Sprintf("consumer_groups[%d].", i)
		if j, dup := byQueue[g.Topic]; dup {
			v.add(f+"topic", "queue %q is already consumed by consumer_groups[%d]: SQS delivers each message to one consumer, so put all its consumers in one group", g.Topic, j)
		} else {
			byQueue[g.Topic] = i
		}
		if g.Failures != nil {
			fl := g.Failures
			if fl.Policy != PolicyRetry {
				v.add(f+"failures.policy", "%q under system: sqs: a failed message is not deleted and returns after the visibility timeout, so write policy: retry and dead-letter with the queue's redrive policy (dead_letter_queue, max_receive_count)", fl.Policy)
			}
		}
		if g.Autoscale != nil {
			v.add(f+"autoscale", "not modelled under system: sqs")
		}
		if g.Downstream != nil {
			v.add(f+"downstream", "not modelled under system: sqs")
		}
	}
	for i, flt := range s.Faults {
		if flt.Type != "consumer-crash" {
			v.add(fmt.Sprintf("faults[%d].type", i), "%q under system: sqs: only consumer-crash is modelled (SQS is a managed service with no brokers to fail)", flt.Type)
		}
	}
	s.validateCelery(v)
	return queues
}
