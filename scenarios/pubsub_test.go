package scenarios

import (
	"strings"
	"testing"
)

const pubsubMinimal = `name: s
system: pubsub
duration: 10s
pubsub:
  topics:
    - name: t
  subscriptions:
    - name: s
      topic: t
producers:
  - {name: p, topic: t, rate: 10/s}
consumer_groups:
  - {name: g, topic: s}
`

func TestPubSubScenarioResolves(t *testing.T) {
	ls, err := ParseScenario("s.yaml", []byte(pubsubMinimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	u := ls.PubSub.Subscriptions[0]
	// Pub/Sub's documented defaults: pull, a 10 s ack deadline; the client
	// library extends leases up to 60 minutes and holds 1,000 messages.
	if u.Delivery != "pull" || u.AckDeadline != DefaultPubSubAckDeadline || !u.Extends() || u.MaxExtension != 60*60e9 || u.MaxOutstanding != 1000 {
		t.Errorf("defaults = %+v", u)
	}
}

func TestPubSubBadInput(t *testing.T) {
	for _, c := range []struct {
		name, yaml  string
		line        int
		field, want string
	}{
		{"deadline under 10s", strings.Replace(pubsubMinimal, "topic: t\n", "topic: t\n      ack_deadline: 5s\n", 1), 10, "pubsub.subscriptions[0].ack_deadline", "10s to 600s"},
		{"deadline over 600s", strings.Replace(pubsubMinimal, "topic: t\n", "topic: t\n      ack_deadline: 601s\n", 1), 10, "pubsub.subscriptions[0].ack_deadline", "10s to 600s"},
		{"attempts over 100", strings.Replace(pubsubMinimal, "topic: t\n", "topic: t\n      dead_letter_topic: t2\n      max_delivery_attempts: 101\n", 1) + "", 10,
			"pubsub.subscriptions[0].dead_letter_topic", "unknown topic"},
		{"attempts under 5", strings.Replace(strings.Replace(pubsubMinimal, "    - name: t\n", "    - name: t\n    - name: dlt\n", 1), "topic: t\n", "topic: t\n      dead_letter_topic: dlt\n      max_delivery_attempts: 4\n", 1), 12,
			"pubsub.subscriptions[0].max_delivery_attempts", "5 to 100"},
		{"backoff over 600s", strings.Replace(pubsubMinimal, "topic: t\n", "topic: t\n      retry_policy: {min_backoff: 10s, max_backoff: 700s}\n", 1), 10,
			"pubsub.subscriptions[0].retry_policy.max_backoff", "600s"},
		{"exactly-once push", strings.Replace(pubsubMinimal, "topic: t\n", "topic: t\n      delivery: push\n      exactly_once: true\n", 1), 11,
			"pubsub.subscriptions[0].exactly_once", "pull subscriptions only"},
		{"pubsub under sqs", strings.Replace(pubsubMinimal, "system: pubsub", "system: sqs", 1), 4, "pubsub", "only under system: pubsub"},
		{"sns field under pubsub", pubsubMinimal + "sns:\n  topics: [{name: x}]\n", 14, "sns", "only under system: sns"},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.yaml), nil)
		if !hasError(t, err, "s.yaml", c.line, c.field, c.want) {
			t.Errorf("%s: got %v, want s.yaml:%d %s containing %q", c.name, err, c.line, c.field, c.want)
		}
	}
}
