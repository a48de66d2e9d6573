package model

// Queues is what a queue broker (RabbitMQ) reports beyond the shared
// ledger: routing outcomes, requeues, dead-letter reasons, flow control
// and alarms, queue depth and consumers' unacknowledged deliveries. It is
// embedded in Results (its JSON keys sit at the top level); a Kafka run
// leaves it zero.
type Queues struct {
	Returned   int64 `json:"returned,omitempty"`   // unroutable mandatory messages returned to the publisher (basic.return; part of failed)
	Unroutable int64 `json:"unroutable,omitempty"` // confirmed, routed to no queue and dropped (no alternate exchange, not mandatory)
	Requeued   int64 `json:"requeued,omitempty"`   // deliveries returned to their queue (reject/nack with requeue, connection loss)
	// Dead-lettered messages by reason (their sum is Results.DeadLettered).
	DeadRejected      int64 `json:"dead_lettered_rejected,omitempty"`
	DeadExpired       int64 `json:"dead_lettered_expired,omitempty"`
	DeadMaxlen        int64 `json:"dead_lettered_maxlen,omitempty"`
	DeadDeliveryLimit int64 `json:"dead_lettered_delivery_limit,omitempty"`
	// Dropped by a queue with no dead-letter exchange (same reasons).
	QueueDropped int64 `json:"queue_dropped,omitempty"`
	// DeadLetterDropped counts messages dead-lettered at most once that
	// no target queue took (no route, or every target down or full):
	// RabbitMQ drops them, so they are lost by policy. DeadLetterRetries
	// counts an at-least-once worker's resends of unconfirmed messages.
	DeadLetterDropped int64 `json:"dead_letter_dropped,omitempty"`
	DeadLetterRetries int64 `json:"dead_letter_retries,omitempty"`
	// AlarmSeconds is how long a memory alarm blocked publishing;
	// PublisherBlockedSeconds sums the time each publisher was blocked.
	AlarmSeconds            float64 `json:"alarm_seconds,omitempty"`
	DiskAlarmSeconds        float64 `json:"disk_alarm_seconds,omitempty"` // how long a disk alarm blocked publishing
	PublisherBlockedSeconds float64 `json:"publisher_blocked_seconds,omitempty"`
	// FlowSeconds sums the time publishers waited for credit (flow control).
	FlowSeconds   float64 `json:"flow_seconds,omitempty"`
	MaxQueueDepth int64   `json:"max_queue_depth,omitempty"` // ready + unacked messages of any queue, largest ever
	MaxUnacked    int64   `json:"max_unacked,omitempty"`     // unacknowledged deliveries of any one consumer, largest ever
	MaxMemory     int64   `json:"max_memory_bytes,omitempty"`
	// ConsumerTimeouts counts channels closed for holding a delivery
	// longer than the consumer timeout.
	ConsumerTimeouts int64 `json:"consumer_timeouts,omitempty"`
	// AckFrames counts basic.ack frames consumers sent (one per delivery,
	// or one per batch with multiple=true).
	AckFrames int64 `json:"ack_frames,omitempty"`
	// NotApplied lists the scenario's settings this system does not have
	// ("producers[0].acks=1 (why)"), so comparisons do not drop them silently.
	NotApplied []string `json:"not_applied,omitempty"`
}

var brokerQueueMetricNames = []string{"returned", "unroutable", "requeued", "dead_lettered_rejected", "dead_lettered_expired",
	"dead_lettered_maxlen", "dead_lettered_delivery_limit", "queue_dropped", "dead_letter_dropped", "dead_letter_retries", "alarm_seconds", "disk_alarm_seconds",
	"publisher_blocked_seconds", "flow_seconds", "max_queue_depth", "max_unacked", "consumer_timeouts", "ack_frames"}

func (q *Queues) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	d := func(v float64) (float64, string, bool) { return v, KindDuration, true }
	switch name {
	case "returned":
		return c(q.Returned)
	case "unroutable":
		return c(q.Unroutable)
	case "requeued":
		return c(q.Requeued)
	case "dead_lettered_rejected":
		return c(q.DeadRejected)
	case "dead_lettered_expired":
		return c(q.DeadExpired)
	case "dead_lettered_maxlen":
		return c(q.DeadMaxlen)
	case "dead_lettered_delivery_limit":
		return c(q.DeadDeliveryLimit)
	case "queue_dropped":
		return c(q.QueueDropped)
	case "dead_letter_dropped":
		return c(q.DeadLetterDropped)
	case "dead_letter_retries":
		return c(q.DeadLetterRetries)
	case "alarm_seconds":
		return d(q.AlarmSeconds)
	case "disk_alarm_seconds":
		return d(q.DiskAlarmSeconds)
	case "publisher_blocked_seconds":
		return d(q.PublisherBlockedSeconds)
	case "flow_seconds":
		return d(q.FlowSeconds)
	case "max_queue_depth":
		return c(q.MaxQueueDepth)
	case "max_unacked":
		return c(q.MaxUnacked)
	case "consumer_timeouts":
		return c(q.ConsumerTimeouts)
	case "ack_frames":
		return c(q.AckFrames)
	}
	return 0, "", false
}
