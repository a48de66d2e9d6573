package model

// PubSubService is what a managed pub/sub service (Google Pub/Sub)
// reports beyond the shared ledger: deliveries and redeliveries, ack
// deadlines that expired, lease extensions, dead-lettering, ordering
// keys' publish waits and the push window. Embedded in Results; other
// systems leave it zero.
type PubSubService struct {
	PubSubPublished  int64 `json:"pubsub_published,omitempty"`
	PubSubDeliveries int64 `json:"pubsub_deliveries,omitempty"` // a redelivery counts again
	PubSubExpired    int64 `json:"pubsub_expired,omitempty"`    // deliveries whose ack deadline expired
	PubSubNacks      int64 `json:"pubsub_nacks,omitempty"`
	PubSubModAcks    int64 `json:"pubsub_modacks,omitempty"` // lease extensions (ModifyAckDeadline)
	// PubSubDeadLettered were forwarded to a dead-letter topic;
	// PubSubLostDeadLetter of them went to a topic with no subscription.
	PubSubDeadLettered   int64 `json:"pubsub_dead_lettered,omitempty"`
	PubSubLostDeadLetter int64 `json:"pubsub_lost_dead_letter,omitempty"`
	PubSubLateAcks       int64 `json:"pubsub_late_acks,omitempty"` // acks after the deadline, or lost
	PubSubKeyWaits       int64 `json:"pubsub_key_waits,omitempty"` // publishes held behind their ordering key
	// PubSubPushWindowMin is the smallest push window after the first
	// success (0 without push).
	PubSubPushWindowMin int64 `json:"pubsub_push_window_min,omitempty"`
}

var pubsubMetricNames = []string{"pubsub_published", "pubsub_deliveries", "pubsub_expired", "pubsub_nacks",
	"pubsub_modacks", "pubsub_dead_lettered", "pubsub_lost_dead_letter", "pubsub_late_acks", "pubsub_key_waits",
	"pubsub_push_window_min"}

func (p *PubSubService) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "pubsub_published":
		return c(p.PubSubPublished)
	case "pubsub_deliveries":
		return c(p.PubSubDeliveries)
	case "pubsub_expired":
		return c(p.PubSubExpired)
	case "pubsub_nacks":
		return c(p.PubSubNacks)
	case "pubsub_modacks":
		return c(p.PubSubModAcks)
	case "pubsub_dead_lettered":
		return c(p.PubSubDeadLettered)
	case "pubsub_lost_dead_letter":
		return c(p.PubSubLostDeadLetter)
	case "pubsub_late_acks":
		return c(p.PubSubLateAcks)
	case "pubsub_key_waits":
		return c(p.PubSubKeyWaits)
	case "pubsub_push_window_min":
		return c(p.PubSubPushWindowMin)
	}
	return 0, "", false
}
