package scenarios

import (
	"strings"
	"testing"
)

// snsMinimal is a small valid SNS scenario; line numbers below count from
// its first line.
const snsMinimal = `name: s
system: sns
duration: 10s
sns:
  topics:
    - name: orders
  attributes:
    - {name: event, values: [a, b]}
  subscriptions:
    - name: q
      topic: orders
      filter_policy:
        event: [a]
    - name: hook
      topic: orders
      protocol: http
producers:
  - name: p
    topic: orders
    rate: 10/s
consumer_groups:
  - {name: g, topic: q}
  - {name: h, topic: hook}
`

func TestSNSScenarioResolves(t *testing.T) {
	ls, err := ParseScenario("s.yaml", []byte(snsMinimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := ls.SNS
	d := c.Subscriptions[1].DeliveryPolicy
	// The HTTP/S default policy: 3 retries, 20 s apart, linear.
	if d == nil || d.NumRetries != 3 || d.MinDelayTarget != 20 || d.MaxDelayTarget != 20 || SNSPolicySeconds(d) != 60 {
		t.Errorf("HTTP default policy = %+v", d)
	}
	if q := c.Subscriptions[0].Queue; q == nil || q.VisibilityTimeout != DefaultSQSVisibility || c.Subscriptions[0].Filter == nil {
		t.Errorf("SQS subscription defaults = %+v, filter %v", q, c.Subscriptions[0].Filter)
	}
}

// Bad SNS input names the file, the line and the field.
func TestSNSBadInput(t *testing.T) {
	six := "event: [a]\n        k1: [x]\n        k2: [x]\n        k3: [x]\n        k4: [x]\n        k5: [x]"
	wide := "event: [a, b, c, d, e, f, g, h, i, j, k, l, m]\n        k1: [a, b, c, d, e, f, g, h, i, j, k, l]"
	for _, c := range []struct {
		name, yaml  string
		line        int
		field, want string
	}{
		{"six filter keys", strings.Replace(snsMinimal, "event: [a]", six, 1), 12, "sns.subscriptions[0].filter_policy", "at most 5"},
		{"156 combinations", strings.Replace(snsMinimal, "event: [a]", wide, 1), 12, "sns.subscriptions[0].filter_policy", "at most 150"},
		{"bad numeric", strings.Replace(snsMinimal, "event: [a]", `event: [{numeric: ["<", 5, ">", 1]}]`, 1), 13,
			"sns.subscriptions[0].filter_policy.event", "lower bound"},
		{"unknown operator", strings.Replace(snsMinimal, "event: [a]", `event: [{wildcard: "a*"}]`, 1), 13,
			"sns.subscriptions[0].filter_policy.event", "unknown operator"},
		{"undeclared attribute", strings.Replace(snsMinimal, "event: [a]", "color: [red]", 1), 13,
			"sns.subscriptions[0].filter_policy.color", "declare it in sns.attributes"},
		{"policy over 3,600 s", strings.Replace(snsMinimal, "protocol: http", "protocol: http\n      delivery_policy: {num_retries: 100, min_delay_target: 40, max_delay_target: 40}", 1), 17,
			"sns.subscriptions[1].delivery_policy.num_retries", "3600 s"},
		{"max delay over 3,600", strings.Replace(snsMinimal, "protocol: http", "protocol: http\n      delivery_policy: {num_retries: 1, max_delay_target: 3601}", 1), 17,
			"sns.subscriptions[1].delivery_policy.max_delay_target", "at most 3600"},
		{"delivery policy on SQS", strings.Replace(snsMinimal, "      filter_policy:", "      delivery_policy: {num_retries: 1}\n      filter_policy:", 1), 12,
			"sns.subscriptions[0].delivery_policy", "only HTTP/S"},
		{"sns under kafka", strings.Replace(snsMinimal, "system: sns", "system: kafka", 1), 4, "sns", "only under system: sns"},
		{"group on a topic", strings.Replace(snsMinimal, "{name: g, topic: q}", "{name: g, topic: orders}", 1), 22, "consumer_groups[0].topic", "is a topic"},
		{"broker fault", snsMinimal + "faults:\n  - {type: broker-crash, broker: 0, at: 1s}\n", 25, "faults[0].type", "only consumer-crash"},
		{"fifo topic without .fifo", strings.Replace(snsMinimal, "    - name: orders\n", "    - name: orders\n      type: fifo\n", 1), 6, "sns.topics[0].name", "must end in .fifo"},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.yaml), nil)
		if !hasError(t, err, "s.yaml", c.line, c.field, c.want) {
			t.Errorf("%s: got %v, want s.yaml:%d %s containing %q", c.name, err, c.line, c.field, c.want)
		}
	}
}

// --vary system=sns (or pubsub) on a scenario written for Kafka: every
// topic becomes a topic of the service and every group gets its own
// subscription, named after it, so every group still gets every message.
func TestKafkaShapeMapsOntoFanOut(t *testing.T) {
	kafka := `name: k
duration: 10s
topics: [{name: orders, partitions: 3}]
producers: [{name: p, topic: orders, rate: 10/s}]
consumer_groups:
  - {name: billing, topic: orders}
  - {name: analytics, topic: orders}
`
	ls, err := ParseScenario("k.yaml", []byte(kafka), []string{"system=sns"})
	if err != nil {
		t.Fatal(err)
	}
	c := ls.SNS
	subs := map[string]string{}
	for _, u := range c.Subscriptions {
		subs[u.Name] = u.Topic
	}
	if len(c.Topics) != 1 || c.Topics[0].Name != "orders" || subs["billing"] != "orders" || subs["analytics"] != "orders" {
		t.Errorf("sns = topics %+v, subscriptions %v; want orders and one subscription per group", c.Topics, subs)
	}
	if got := SubscriptionOf(&ls.ConsumerGroups[1], subs); got != "analytics" {
		t.Errorf("SubscriptionOf(analytics) = %q", got)
	}
	ps, err := ParseScenario("k.yaml", []byte(kafka), []string{"system=pubsub"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.PubSub.Subscriptions) != 2 || ps.PubSub.Subscriptions[0].Delivery != "pull" {
		t.Errorf("pubsub subscriptions = %+v", ps.PubSub.Subscriptions)
	}
	// Without --set/--vary, topics under system: sns are refused.
	if _, err := ParseScenario("k.yaml", []byte("system: sns\n"+kafka), nil); err == nil || !strings.Contains(err.Error(), "topics with system: sns") {
		t.Errorf("topics under system: sns: %v", err)
	}
}
