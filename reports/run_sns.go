package reports

import (
	"fmt"
	"strings"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// fanoutSetupLine is setupLine for the fan-out services (SNS, Pub/Sub).
func fanoutSetupLine(s *scenarios.Scenario) (string, bool) {
	switch {
	case s.System == scenarios.SystemSNS && s.SNS != nil:
		return snsSetupLine(s), true
	case s.System == scenarios.SystemPubSub && s.PubSub != nil:
		return pubsubSetupLine(s), true // run_pubsub.go
	}
	return "", false
}

// fanoutServiceLine is the service's own line under Throughput.
func fanoutServiceLine(r *Run) (label, line string, ok bool) {
	if r.Scenario == nil {
		return "", "", false
	}
	switch r.Scenario.System {
	case scenarios.SystemSNS:
		return "SNS:         ", snsServiceLine(r.Results), true
	case scenarios.SystemPubSub:
		return "Pub/Sub:     ", pubsubServiceLine(r.Results), true
	}
	return "", "", false
}

// fanoutWhys explains a fan-out run's delivery counts in its own terms.
func fanoutWhys(r *Run) ([]Why, bool) {
	if r.Scenario == nil {
		return nil, false
	}
	switch {
	case r.Scenario.System == scenarios.SystemSNS && r.Scenario.SNS != nil:
		return snsWhys(r), true
	case r.Scenario.System == scenarios.SystemPubSub && r.Scenario.PubSub != nil:
		return pubsubWhys(r), true
	}
	return nil, false
}

func snsSetupLine(s *scenarios.Scenario) string {
	parts := []string{fmt.Sprintf("Amazon SNS, %s per publish, %s to an endpoint", s.SNS.RequestLatency, s.SNS.DeliveryLatency.Spec)}
	for _, t := range s.SNS.Topics {
		parts = append(parts, fmt.Sprintf("topic %s (%s)", t.Name, t.Type))
	}
	for _, u := range s.SNS.Subscriptions {
		p := fmt.Sprintf("subscription %s: %s", u.Name, u.Protocol)
		if u.Filter != nil {
			keys := make([]string, len(u.Filter.Keys))
			for i, k := range u.Filter.Keys {
				keys[i] = k.Name
			}
			p += " filtered on " + strings.Join(keys, ", ")
		}
		if d := u.DeliveryPolicy; d != nil {
			p += fmt.Sprintf(", %d retries over %.0fs", d.NumRetries, scenarios.SNSPolicySeconds(d))
		}
		if u.DeadLetterQueue {
			p += ", with a dead-letter queue"
		}
		parts = append(parts, p)
	}
	for _, p := range s.Producers {
		parts = append(parts, fmt.Sprintf("%s msg/s of %s", units.FormatSI(float64(p.Rate)), p.MessageSize.Spec))
	}
	for _, g := range s.ConsumerGroups {
		parts = append(parts, fmt.Sprintf("group %s: %d consumers, %s each", g.Name, g.Consumers, g.Processing.Spec))
	}
	return strings.Join(parts, "; ")
}

func snsServiceLine(res *model.Results) string {
	s := res.SNSService
	return fmt.Sprintf("%s published, %s copies delivered, %s saved by filter policies; %s HTTP attempts (%s retries), %s ran out of retries: %s to a dead-letter queue, %s discarded",
		units.FormatSI(float64(s.SNSPublished)), units.FormatSI(float64(s.SNSDeliveries)), units.FormatSI(float64(s.SNSFiltered)),
		units.FormatSI(float64(s.SNSAttempts)), units.FormatSI(float64(s.SNSRetries)), units.FormatSI(float64(s.SNSExhausted)),
		units.FormatSI(float64(s.SNSToDLQ)), units.FormatSI(float64(s.SNSDiscarded)))
}

func snsWhys(r *Run) []Why {
	res := r.Results
	lost := "every copy reached its subscription: SQS queues took theirs, HTTP endpoints answered within their delivery policy"
	if res.SNSDiscarded > 0 {
		lost = fmt.Sprintf("%s messages ran out of their HTTP delivery policy with no dead-letter queue on the subscription and were discarded", units.FormatSI(float64(res.SNSDiscarded)))
	} else if res.Lost > 0 {
		lost = "messages sat in a subscription's queue past its retention period"
	}
	dups := "no message outlived its visibility timeout in a consumer's hands"
	if res.Duplicates > 0 {
		dups = "messages became visible again in a subscription's queue while a consumer still held them, and were delivered again"
	}
	order := "a FIFO topic delivers each subscription in publish order and its SQS FIFO queues keep each group in order"
	for _, t := range r.Scenario.SNS.Topics {
		if !t.IsFIFO() {
			order = "a standard topic keeps a best-effort order: deliveries spread in time, parallel consumers and retries can reorder a key's messages"
			break
		}
	}
	return []Why{{"lost", res.Lost, lost}, {"duplicates", res.Duplicates, dups}, {"reordered", res.Reordered, order}}
}
