package pubsub

import (
	"math"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/sim"
)

func load(t *testing.T, yaml string, sets ...string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("test.yaml", []byte(yaml), sets)
	if err != nil {
		t.Fatal(err)
	}
	return &ls.Scenario
}

func deliveries(t *testing.T, sc *scenarios.Scenario) ([]float64, *model.Results) {
	t.Helper()
	w, err := build(sc)
	if err != nil {
		t.Fatal(err)
	}
	var at []float64
	w.onDeliver = func(sub string, n int, now sim.Time) {
		if sub == sc.PubSub.Subscriptions[0].Name {
			at = append(at, now.Seconds())
		}
	}
	res, err := w.run(model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return at, res
}

// One poison message (published at 1 s) on a subscription with the retry
// policy 10 s–600 s and a dead-letter topic after 5 attempts. Request
// latency 2 ms (1 ms each way), delivery 1 ms, processing 0: the n-th
// delivery's nack reaches the service 2 ms after it, and the next
// delivery follows min(600, 10·2^(n−1)) s later: gaps of 10.002, 20.002,
// 40.002 and 80.002 s; after the 5th attempt the message goes to the
// dead-letter topic, whose subscription's group processes it.
func TestRetryPolicyBackoffAndDeadLetter(t *testing.T) {
	yaml := `name: r
system: pubsub
seed: 1
duration: 2s
drain: 10m
pubsub:
  request_latency: 2ms
  delivery_latency: 1ms
  topics: [{name: t}, {name: dead}]
  subscriptions:
    - {name: s, topic: t, retry_policy: {min_backoff: 10s, max_backoff: 600s}, dead_letter_topic: dead, max_delivery_attempts: 5}
    - {name: d, topic: dead}
producers:
  - {name: p, topic: t, rate: 1/s, arrival: constant}
consumer_groups:
  - {name: g, topic: s, failures: {poison_share: 100%, policy: retry}}
  - {name: dl, topic: d}
`
	at, res := deliveries(t, load(t, yaml))
	wantGaps := []float64{10.002, 20.002, 40.002, 80.002}
	if len(at) != 5 {
		t.Fatalf("%d deliveries at %v, want 5", len(at), at)
	}
	for i, g := range wantGaps {
		if got := at[i+1] - at[i]; math.Abs(got-g) > 1e-9 {
			t.Errorf("gap %d = %.6f s, want %.6f s", i+1, got, g)
		}
	}
	if res.PubSubDeadLettered != 1 || res.Lost != 0 || res.Groups[1].Processed != 1 || res.PubSubNacks != 5 {
		t.Errorf("dead-lettered %d, lost %d, dead-letter group processed %d, nacks %d; want 1, 0, 1, 5",
			res.PubSubDeadLettered, res.Lost, res.Groups[1].Processed, res.PubSubNacks)
	}
}

// The same poison message dead-lettered to a topic nobody subscribes to
// is lost.
func TestDeadLetterTopicWithoutSubscriptionLoses(t *testing.T) {
	yaml := `name: r
system: pubsub
seed: 1
duration: 2s
drain: 1m
pubsub:
  topics: [{name: t}, {name: dead}]
  subscriptions:
    - {name: s, topic: t, dead_letter_topic: dead}
producers:
  - {name: p, topic: t, rate: 1/s, arrival: constant}
consumer_groups:
  - {name: g, topic: s, failures: {poison_share: 100%, policy: retry}}
`
	at, res := deliveries(t, load(t, yaml))
	// No retry policy: redelivered at once; 5 attempts (the default).
	if len(at) != 5 || res.PubSubLostDeadLetter != 1 || res.Lost != 1 {
		t.Errorf("deliveries %d, lost to the dead-letter topic %d, lost %d; want 5, 1, 1", len(at), res.PubSubLostDeadLetter, res.Lost)
	}
}

// Processing 25 s, ack deadline 10 s, no lease extension, two subscribers
// holding one message each. The message (published at 1 s, request
// latency 20 ms: stored at 1.01 s) is delivered at T = 1.01 s to one
// subscriber, expires at T+10 and goes at once to the other, expires
// again at T+20 with both subscribers full; the first subscriber's ack
// reaches the service at T + 10 ms + 25 s + 10 ms, late, and still acks
// it (no exactly-once): 2 deliveries, 2 expiries, 1 duplicate, 1 late ack.
// With lease extension the first delivery is extended every 5 s and is
// the only one.
func TestAckDeadlineExpiry(t *testing.T) {
	yaml := `name: d
system: pubsub
seed: 1
duration: 2s
drain: 2m
pubsub:
  topics: [{name: t}]
  subscriptions:
    - {name: s, topic: t, lease_extension: false, max_outstanding: 1}
producers:
  - {name: p, topic: t, rate: 1/s, arrival: constant}
consumer_groups:
  - {name: g, topic: s, consumers: 2, processing: 25s}
`
	at, res := deliveries(t, load(t, yaml))
	if len(at) != 2 || math.Abs(at[0]-1.01) > 1e-9 || math.Abs(at[1]-11.01) > 1e-9 {
		t.Errorf("deliveries at %v s, want [1.01 11.01]", at)
	}
	if res.PubSubExpired != 2 || res.Duplicates != 1 || res.PubSubLateAcks != 1 || res.Lost != 0 {
		t.Errorf("expired %d, duplicates %d, late acks %d, lost %d; want 2, 1, 1, 0", res.PubSubExpired, res.Duplicates, res.PubSubLateAcks, res.Lost)
	}
	at, res = deliveries(t, load(t, yaml, "pubsub.subscriptions[0].lease_extension=true"))
	// Modacks at +5, +10, +15, +20 s after the message reached the client.
	if len(at) != 1 || res.PubSubExpired != 0 || res.Duplicates != 0 || res.PubSubModAcks != 4 {
		t.Errorf("with lease extension: %d deliveries, %d expired, %d duplicates, %d modacks; want 1, 0, 0, 4",
			len(at), res.PubSubExpired, res.Duplicates, res.PubSubModAcks)
	}
}

// Backoff arithmetic: min(max, min·2^(n−1)) for the documented range.
func TestBackoffArithmetic(t *testing.T) {
	u := &sub{spec: &scenarios.PubSubSubscription{RetryPolicy: &scenarios.PubSubRetry{MinBackoff: 10e9, MaxBackoff: 600e9}}}
	for n, want := range map[int]float64{1: 10, 2: 20, 3: 40, 6: 320, 7: 600, 20: 600} {
		if got := u.backoff(n).Seconds(); got != want {
			t.Errorf("backoff(%d) = %v s, want %v s", n, got, want)
		}
	}
	u.spec.RetryPolicy = nil
	if got := u.backoff(3); got != 0 {
		t.Errorf("pull without a retry policy: backoff = %v, want 0 (immediate)", got)
	}
}

// Exactly-once: only the latest delivery's ack counts. In the expiry case
// above the late ack of the first delivery is refused, so the message is
// delivered a third time once a subscriber frees up.
func TestExactlyOnceRefusesStaleAck(t *testing.T) {
	yaml := `name: d
system: pubsub
seed: 1
duration: 2s
drain: 3m
pubsub:
  topics: [{name: t}]
  subscriptions:
    - {name: s, topic: t, lease_extension: false, max_outstanding: 1, exactly_once: true}
producers:
  - {name: p, topic: t, rate: 1/s, arrival: constant}
consumer_groups:
  - {name: g, topic: s, consumers: 2, processing: 25s}
`
	at, res := deliveries(t, load(t, yaml))
	if len(at) < 3 || res.Lost != 0 || res.Unseen != 0 {
		t.Errorf("deliveries %v, lost %d, unseen %d; want a third delivery after the refused ack, nothing lost", at, res.Lost, res.Unseen)
	}
}

// Push: the window starts at 1 and doubles per success, so with a slow
// endpoint (100 ms, 4 handlers) the service never has more than the
// window outstanding, and an outage halves it.
func TestPushWindow(t *testing.T) {
	yaml := `name: p
system: pubsub
seed: 1
duration: 60s
drain: 2m
pubsub:
  topics: [{name: t}]
  subscriptions:
    - {name: s, topic: t, delivery: push, retry_policy: {min_backoff: 1s, max_backoff: 10s}}
producers:
  - {name: p, topic: t, rate: 20/s}
consumer_groups:
  - {name: g, topic: s, consumers: 4, processing: 100ms}
faults:
  - {type: consumer-crash, group: g, at: 20s, duration: 10s}
`
	res, err := model.Run(load(t, yaml), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Lost != 0 || res.Unseen != 0 || res.PubSubNacks == 0 || res.PubSubPushWindowMin != 1 {
		t.Errorf("lost %d, unseen %d, nacks %d, smallest window %d; want 0, 0, > 0, 1", res.Lost, res.Unseen, res.PubSubNacks, res.PubSubPushWindowMin)
	}
}
