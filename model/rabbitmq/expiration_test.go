package rabbitmq

import (
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// TestPerMessageExpiration: a publisher sends 2 messages/s (constant
// spacing) with a 1.5 s per-message expiration to one consumer that takes
// 1 s per message (prefetch 1). Each second 2 arrive and 1 is delivered;
// at each delivery the head has waited: the older of the two that came in
// the last second is 1.5 s old by then and expires at the head, the newer
// (1.0 s) is delivered. Over 10 s, 20 messages: about 10 delivered, about
// 9 expired (the first second has no backlog), none lost. Without the
// expiration nothing expires and the backlog stays.
func TestPerMessageExpiration(t *testing.T) {
	y := `
name: ttl
system: rabbitmq
seed: 1
duration: 10s
drain: 2s
cluster:
  brokers: 1
  hardware: {network_latency: 1ns, network_jitter: 1ns, cpu_per_request: 1ns, cpu_per_mb: 1ns}
topics: [{name: jobs, partitions: 1}]
producers:
  - {name: p, topic: jobs, rate: 2/s, arrival: constant, message_size: const(1B)}
consumer_groups: [{name: w, topic: jobs, processing: const(1s)}]
rabbitmq:
  publishers: [{producer: p, expirations: [1500ms]}]
  queues: [{group: w, type: classic, prefetch: 1}]
`
	ls, err := scenarios.ParseScenario("t.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost != 0 {
		t.Errorf("lost %d, want 0 (an expired message is dealt with, not lost)", r.Lost)
	}
	if r.QueueDropped < 8 || r.QueueDropped > 10 {
		t.Errorf("%d expired, want about 9 (one a second after the first)", r.QueueDropped)
	}
	if got := r.Groups[0].Processed + r.QueueDropped + r.Unseen; got != r.Acked {
		t.Errorf("processed %d + expired %d + unseen %d = %d, want the %d confirmed", r.Groups[0].Processed, r.QueueDropped, r.Unseen, got, r.Acked)
	}
}
