package reports

import (
	"fmt"
	"strings"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

func pubsubSetupLine(s *scenarios.Scenario) string {
	parts := []string{fmt.Sprintf("Google Pub/Sub, %s per request, %s to a subscriber", s.PubSub.RequestLatency, s.PubSub.DeliveryLatency)}
	for _, u := range s.PubSub.Subscriptions {
		p := fmt.Sprintf("subscription %s (%s): ack deadline %s", u.Name, u.Delivery, u.AckDeadline)
		if u.Delivery == "pull" {
			if u.Extends() {
				p += ", leases extended"
			} else {
				p += ", no lease extension"
			}
		}
		if u.MessageOrdering {
			p += ", ordering keys"
		}
		if u.ExactlyOnce {
			p += ", exactly-once"
		}
		if r := u.RetryPolicy; r != nil {
			p += fmt.Sprintf(", retry %s–%s", r.MinBackoff, r.MaxBackoff)
		}
		if u.DeadLetterTopic != "" {
			p += fmt.Sprintf(", to %s after %d attempts", u.DeadLetterTopic, u.MaxDeliveryAttempts)
		}
		parts = append(parts, p)
	}
	for _, p := range s.Producers {
		parts = append(parts, fmt.Sprintf("%s msg/s of %s", units.FormatSI(float64(p.Rate)), p.MessageSize.Spec))
	}
	for _, g := range s.ConsumerGroups {
		parts = append(parts, fmt.Sprintf("group %s: %d subscribers, %s each", g.Name, g.Consumers, g.Processing.Spec))
	}
	return strings.Join(parts, "; ")
}

func pubsubServiceLine(res *model.Results) string {
	p := res.PubSubService
	return fmt.Sprintf("%s published, %s deliveries, %s deadlines expired, %s nacks, %s lease extensions, %s dead-lettered (%s to a topic with no subscription), %s late or lost acks",
		units.FormatSI(float64(p.PubSubPublished)), units.FormatSI(float64(p.PubSubDeliveries)), units.FormatSI(float64(p.PubSubExpired)),
		units.FormatSI(float64(p.PubSubNacks)), units.FormatSI(float64(p.PubSubModAcks)), units.FormatSI(float64(p.PubSubDeadLettered)),
		units.FormatSI(float64(p.PubSubLostDeadLetter)), units.FormatSI(float64(p.PubSubLateAcks)))
}

func pubsubWhys(r *Run) []Why {
	res := r.Results
	lost := "every message was acked, dead-lettered to a topic with a subscription, or is still outstanding"
	if res.PubSubLostDeadLetter > 0 {
		lost = "messages were dead-lettered to a topic with no subscription, which keeps nothing"
	}
	dups := "every message was acked within its deadline"
	if res.Duplicates > 0 {
		dups = fmt.Sprintf("deliveries outlived their ack deadline (%s expired) or lost their ack, and were delivered again while the first was still processed", units.FormatSI(float64(res.PubSubExpired)))
	}
	order := "ordering keys deliver each key in publish order, one outstanding message per key"
	for _, u := range r.Scenario.PubSub.Subscriptions {
		if !u.MessageOrdering {
			order = "without message ordering, Pub/Sub delivers in no particular order: parallel subscribers and redeliveries reorder a key's messages"
			break
		}
	}
	return []Why{{"lost", res.Lost, lost}, {"duplicates", res.Duplicates, dups}, {"reordered", res.Reordered, order}}
}
