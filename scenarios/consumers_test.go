package scenarios

import (
	"strings"
	"testing"
)

const failuresBase = `name: bad
duration: 10s
topics:
  - name: orders
    partitions: 2
  - name: orders-retry
    partitions: 1
  - name: orders-retry-2
    partitions: 1
  - name: orders-dlq
    partitions: 1
producers:
  - name: p
    topic: orders
    rate: 100/s
consumer_groups:
  - name: g
    topic: orders
    failures:
`

// Bad failure policies are errors naming the file, the line and the field.
func TestBadFailureSpecs(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"unknown policy", "      policy: retry-later\n",
			`bad.yaml:20: consumer_groups[0].failures.policy: "retry-later" is not one of retry, dead-letter, retry-topics, skip`},
		{"undeclared dlq", "      policy: dead-letter\n      dlq: nowhere\n",
			`bad.yaml:21: consumer_groups[0].failures.dlq: unknown topic "nowhere"`},
		{"missing dlq", "      policy: dead-letter\n",
			`consumer_groups[0].failures.dlq: missing: policy dead-letter needs a dead-letter topic`},
		{"negative delay", "      policy: retry-topics\n      dlq: orders-dlq\n      retry_topics:\n        - {topic: orders-retry, delay: -5s}\n",
			`bad.yaml:23: consumer_groups[0].failures.retry_topics[0].delay: "-5s" is not a valid duration: must not be negative`},
		{"shrinking ladder", "      policy: retry-topics\n      dlq: orders-dlq\n      retry_topics:\n        - {topic: orders-retry, delay: 5s}\n        - {topic: orders-retry-2, delay: 1s}\n",
			`bad.yaml:24: consumer_groups[0].failures.retry_topics[1].delay: 1s is shorter than the rung before`},
		{"dlq is the source", "      policy: dead-letter\n      dlq: orders\n",
			`bad.yaml:21: consumer_groups[0].failures.dlq: "orders" is the topic the group reads`},
		{"unknown field", "      polcy: skip\n",
			`bad.yaml:20: consumer_groups[0].failures.polcy: unknown field "polcy"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseScenario("bad.yaml", []byte(failuresBase+c.yaml), nil)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, c.want)
			}
		})
	}
}

// Backpressure and autoscaling options are checked too.
func TestBadBackpressureSpecs(t *testing.T) {
	base := "name: bad\nduration: 10s\ntopics:\n  - name: t\n    partitions: 2\nproducers:\n  - name: p\n    topic: t\n    rate: 100/s\n"
	for _, c := range []struct{ yaml, want string }{
		{"    buffer_full: wait\n", `bad.yaml:10: producers[0].buffer_full: "wait" is not one of block, error`},
		{"    drop:\n      low_priority: 0\n", `producers[0].drop.low_priority`},
		{"consumer_groups:\n  - name: g\n    topic: t\n    autoscale:\n      spin_up: 5s\n", `consumer_groups[0].autoscale.lag_above: missing`},
		{"consumer_groups:\n  - name: g\n    topic: t\n    downstream:\n      capacity: 1K/s\n      handoff: disk\n", `bad.yaml:15: consumer_groups[0].downstream.handoff: "disk" is not one of log, memory`},
	} {
		_, err := ParseScenario("bad.yaml", []byte(base+c.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.yaml, err, c.want)
		}
	}
}

// A good failures block resolves its defaults (Kafka-client-like retry
// settings: 4 attempts, 100ms doubling to 10s, ±20%).
func TestFailureDefaults(t *testing.T) {
	s, err := ParseScenario("ok.yaml", []byte(failuresBase+"      poison_share: 1%\n      dlq: orders-dlq\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := s.ConsumerGroups[0].Failures
	if f.Policy != PolicyDeadLetter || f.MaxAttempts != 4 || f.Backoff.String() != "100ms" || f.BackoffMax.String() != "10s" || f.Jitter != 0.2 {
		t.Errorf("defaults: %+v", f)
	}
}
