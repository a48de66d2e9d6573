package rabbitmq

import (
	"strings"
	"testing"

	"mqsim/scenarios"
)

// dlxYAML: a quorum queue dead-letters its poison messages (key 42 of 100,
// so about 1% of 200/s: 2/s) past a delivery limit of 3 into a classic DLQ
// on node 1, which is down from 2 s to 12 s. About 20 poison messages die
// in that window (2/s × 10 s).
const dlxYAML = `name: t
system: rabbitmq
seed: 1
duration: 20s
drain: 20s
cluster:
  brokers: 3
topics:
  - {name: orders, partitions: 1}
  - {name: orders-dlx, partitions: 1}
producers:
  - {name: shop, topic: orders, rate: 200/s, keys: uniform(100)}
consumer_groups:
  - name: quorum
    topic: orders
    consumers: 2
    processing: const(1ms)
    failures: {poison_keys: [42], policy: retry}
  - {name: dlq-reader, topic: orders-dlx, consumers: 1, processing: const(1ms)}
rabbitmq:
  dead_letter_retry: 5s
  queues:
    - {group: quorum, type: quorum, delivery_limit: 3, dead_letter_exchange: orders-dlx, overflow: reject-publish, max_length: 100000}
    - {group: dlq-reader, type: classic}
faults:
  - {type: broker-crash, broker: 1, at: 2s, duration: 10s}
`

// TestDeadLetterStrategies: at most once, the messages dead-lettered while
// the DLQ's node is down are dropped — counted, not silently handled; at
// least once, the source queue keeps them and its worker sends them again
// after dead_letter_retry, so the DLQ reader gets every one.
func TestDeadLetterStrategies(t *testing.T) {
	amo := runYAML(t, dlxYAML)
	dead := amo.DeadLettered
	got := amo.Groups[1].Processed
	if dead < 30 || amo.DeadLetterDropped < 8 || amo.DeadLetterDropped > 35 {
		t.Errorf("at-most-once: %d dead-lettered, %d dropped; want about 40 and about 20 (2/s for 10 s)", dead, amo.DeadLetterDropped)
	}
	if got+amo.DeadLetterDropped != dead {
		t.Errorf("at-most-once: DLQ processed %d + dropped %d != dead-lettered %d", got, amo.DeadLetterDropped, dead)
	}
	if amo.DeadLetterRetries != 0 {
		t.Errorf("at-most-once retried %d times", amo.DeadLetterRetries)
	}

	alo := runYAML(t, dlxYAML, "rabbitmq.queues.0.dead_letter_strategy=at-least-once")
	if alo.DeadLetterDropped != 0 {
		t.Errorf("at-least-once dropped %d dead letters", alo.DeadLetterDropped)
	}
	if alo.DeadLetterRetries < 1 {
		t.Errorf("at-least-once: no retries though the DLQ was down for 10 s")
	}
	// Every dead letter reaches the DLQ reader; none twice here, since a
	// message sent to the down node was never taken.
	if p := alo.Groups[1].Processed; p != alo.DeadLettered || p < 30 {
		t.Errorf("at-least-once: DLQ processed %d of %d dead-lettered", p, alo.DeadLettered)
	}
}

func TestDeadLetterStrategyValidation(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"rabbitmq.queues.0.overflow=drop-head", "needs overflow: reject-publish"},
		{"rabbitmq.queues.1.dead_letter_strategy=at-least-once", "only quorum queues"},
		{"rabbitmq.queues.0.dead_letter_strategy=twice", "not one of at-most-once, at-least-once"},
	} {
		sets := []string{c.set}
		if !strings.Contains(c.set, "dead_letter_strategy") {
			sets = append(sets, "rabbitmq.queues.0.dead_letter_strategy=at-least-once")
		}
		_, err := scenarios.ParseScenario("t.yaml", []byte(dlxYAML), sets)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "dead_letter_strategy") {
			t.Errorf("%s: got %v, want an error on dead_letter_strategy saying %q", c.set, err, c.want)
		}
	}
}
