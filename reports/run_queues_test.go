package reports

import (
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// TestQueueWording: a RabbitMQ run's and a share group's WHY lines speak
// their own system's terms, not Kafka's produce retries and offset
// commits; a comparison shows n/a for rows a system does not have; the
// acked row means a publisher confirm on RabbitMQ.
func TestQueueWording(t *testing.T) {
	rabbit := &Run{Results: &model.Results{Duplicates: 3}, Scenario: &scenarios.Scenario{System: scenarios.SystemRabbitMQ}}
	rabbit.Results.Requeued = 7
	share := &Run{Results: &model.Results{Duplicates: 2, Reordered: 5}, Scenario: &scenarios.Scenario{
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "g", Type: scenarios.GroupTypeShare}}}}
	share.Results.LockExpiries = 2
	for _, c := range []struct {
		r    *Run
		what string
		want []string
	}{
		{rabbit, "duplicates", []string{"requeued", "7 requeued"}},
		{share, "duplicates", []string{"lock ran out", "2 lock expiries"}},
		{share, "reordered", []string{"share groups keep no per-key order"}},
	} {
		found := false
		for _, y := range Whys(c.r) {
			if y.What != c.what {
				continue
			}
			found = true
			for _, w := range c.want {
				if !strings.Contains(y.Why, w) {
					t.Errorf("%s why %q: want %q", c.what, y.Why, w)
				}
			}
			for _, kafka := range []string{"produce request", "commit"} {
				if strings.Contains(y.Why, kafka) {
					t.Errorf("%s why %q speaks Kafka (%q)", c.what, y.Why, kafka)
				}
			}
		}
		if !found {
			t.Errorf("no %s why", c.what)
		}
	}
	sqs := &Run{Results: &model.Results{}, Scenario: &scenarios.Scenario{System: scenarios.SystemSQS}}
	for _, row := range MetricRows([]*Run{sqs}) {
		if row[0] == "min ISR" && row[1] != "n/a" {
			t.Errorf("SQS min ISR shows %q, want n/a", row[1])
		}
	}
	if m := deliveryMeaning("acked", "confirmed written by the brokers", rabbit.Scenario); !strings.Contains(m, "publisher confirm") {
		t.Errorf("RabbitMQ acked means %q", m)
	}
}
