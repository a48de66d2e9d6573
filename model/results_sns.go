package model

// SNSService is what a fan-out service (SNS) reports beyond the shared
// ledger: copies made and saved by filter policies, delivery attempts and
// what happened to messages whose delivery policy ran out. It is embedded
// in Results (JSON keys at the top level); other systems leave it zero.
type SNSService struct {
	SNSPublished  int64 `json:"sns_published,omitempty"`  // messages published to topics
	SNSDeliveries int64 `json:"sns_deliveries,omitempty"` // copies delivered to subscriptions, after filtering
	SNSFiltered   int64 `json:"sns_filtered,omitempty"`   // copies a filter policy did not accept
	// SNSAttempts counts delivery attempts (retries included),
	// SNSRetries those beyond the first.
	SNSAttempts int64 `json:"sns_delivery_attempts,omitempty"`
	SNSRetries  int64 `json:"sns_delivery_retries,omitempty"`
	// SNSExhausted messages ran out of delivery policy: SNSToDLQ went to
	// the subscription's dead-letter queue, SNSDiscarded were dropped
	// (lost: counted in Results.Lost too).
	SNSExhausted int64 `json:"sns_retries_exhausted,omitempty"`
	SNSToDLQ     int64 `json:"sns_subscription_dlq,omitempty"`
	SNSDiscarded int64 `json:"sns_discarded,omitempty"`
	SNSThrottled int64 `json:"sns_throttled,omitempty"` // publishes or deliveries that waited for a limit
}

var snsMetricNames = []string{"sns_published", "sns_deliveries", "sns_filtered", "sns_delivery_attempts",
	"sns_delivery_retries", "sns_retries_exhausted", "sns_subscription_dlq", "sns_discarded", "sns_throttled"}

func (s *SNSService) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "sns_published":
		return c(s.SNSPublished)
	case "sns_deliveries":
		return c(s.SNSDeliveries)
	case "sns_filtered":
		return c(s.SNSFiltered)
	case "sns_delivery_attempts":
		return c(s.SNSAttempts)
	case "sns_delivery_retries":
		return c(s.SNSRetries)
	case "sns_retries_exhausted":
		return c(s.SNSExhausted)
	case "sns_subscription_dlq":
		return c(s.SNSToDLQ)
	case "sns_discarded":
		return c(s.SNSDiscarded)
	case "sns_throttled":
		return c(s.SNSThrottled)
	}
	return 0, "", false
}

// fanoutMetric answers the fan-out services' metric names (SNS, Pub/Sub).
func (r *Results) fanoutMetric(name string) (float64, string, bool) {
	if v, k, ok := r.SNSService.metric(name); ok {
		return v, k, ok
	}
	return r.PubSubService.metric(name)
}

func fanoutMetricNames() []string {
	return append(append([]string(nil), snsMetricNames...), pubsubMetricNames...)
}
