package sns

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

// One message to an HTTP endpoint that is down for the whole run, with no
// network time, so attempt times are the policy's arithmetic alone.
const deadEndpoint = `name: dead
system: sns
seed: 1
duration: 2s
drain: 1h
sns:
  delivery_latency: 0s
  topics: [{name: t}]
  subscriptions:
    - {name: hook, topic: t, protocol: http}
producers:
  - {name: p, topic: t, rate: 1/s, arrival: constant}
consumer_groups:
  - {name: h, topic: hook, consumers: 1}
faults:
  - {type: consumer-crash, group: h, at: 0s}
`

func attemptTimes(t *testing.T, sc *scenarios.Scenario) ([]float64, *model.Results) {
	t.Helper()
	w, err := build(sc)
	if err != nil {
		t.Fatal(err)
	}
	var at []float64
	var first sim.Time = -1
	w.onAttempt = func(_ string, n int, now sim.Time) {
		if n == 1 && first >= 0 {
			return // only the first message's attempts
		}
		if n == 1 {
			first = now
		}
		at = append(at, (now - first).Seconds())
	}
	res, err := w.run(model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return at, res
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// The HTTP/S default: 3 retries 20 s apart, so attempts at 0, 20, 40 and
// 60 s; then, without a dead-letter queue, the message is discarded and
// counted lost.
func TestHTTPDefaultRetrySchedule(t *testing.T) {
	sc := load(t, deadEndpoint) // one message: constant 1/s arrives at 1 s only
	at, res := attemptTimes(t, sc)
	want := []float64{0, 20, 40, 60}
	if len(at) != len(want) {
		t.Fatalf("attempts at %v, want %v", at, want)
	}
	for i := range want {
		if !near(at[i], want[i]) {
			t.Errorf("attempt %d at %v s, want %v s", i+1, at[i], want[i])
		}
	}
	if res.SNSDiscarded != res.Acked || res.Lost != res.Acked || res.SNSRetries != 3*res.Acked {
		t.Errorf("discarded %d, lost %d, retries %d; want every one of %d messages discarded and lost after 3 retries",
			res.SNSDiscarded, res.Lost, res.SNSRetries, res.Acked)
	}
}

// A custom policy, phase by phase: 1 immediate retry, 2 pre-backoff at
// min 5 s, a linear backoff phase of 4 retries from 5 to 25 s (5+20·i/4:
// 10, 15, 20, 25), 2 post-backoff at 25 s. Attempt times are the running
// sums: 0, 0, 5, 10, 20, 35, 55, 80, 105, 130. With a dead-letter queue
// the message is not lost.
func TestHTTPCustomPolicySchedule(t *testing.T) {
	yaml := `name: dead
system: sns
seed: 1
duration: 2s
drain: 1h
sns:
  delivery_latency: 0s
  topics: [{name: t}]
  subscriptions:
    - name: hook
      topic: t
      protocol: http
      dead_letter_queue: true
      delivery_policy: {num_retries: 9, num_no_delay_retries: 1, num_min_delay_retries: 2, num_max_delay_retries: 2,
        min_delay_target: 5, max_delay_target: 25, backoff_function: linear}
producers:
  - {name: p, topic: t, rate: 1/s, arrival: constant}
consumer_groups:
  - {name: h, topic: hook, consumers: 1}
faults:
  - {type: consumer-crash, group: h, at: 0s}
`
	at, res := attemptTimes(t, load(t, yaml))
	want := []float64{0, 0, 5, 10, 20, 35, 55, 80, 105, 130}
	if len(at) != len(want) {
		t.Fatalf("attempts at %v, want %v", at, want)
	}
	for i := range want {
		if !near(at[i], want[i]) {
			t.Errorf("attempt %d at %v s, want %v s", i+1, at[i], want[i])
		}
	}
	if res.Lost != 0 || res.SNSToDLQ != res.Acked {
		t.Errorf("lost %d, to DLQ %d; want 0 and all %d", res.Lost, res.SNSToDLQ, res.Acked)
	}
}

// The backoff functions by hand, for the CDK documentation's example
// policy (min 5 s, max 10 s, 6 retries, all in the backoff phase).
func TestBackoffFunctions(t *testing.T) {
	p := scenarios.SNSDeliveryPolicy{NumRetries: 6, MinDelayTarget: 5, MaxDelayTarget: 10}
	for _, c := range []struct {
		fn   string
		want []float64
	}{
		// 5 + 5·i/6
		{"linear", []float64{5.833333, 6.666667, 7.5, 8.333333, 9.166667, 10}},
		// 5 + 5·i(i+1)/42
		{"arithmetic", []float64{5.238095, 5.714286, 6.428571, 7.380952, 8.571429, 10}},
		// 5 + 5·(2^i − 1)/63
		{"geometric", []float64{5.079365, 5.238095, 5.555556, 6.190476, 7.460317, 10}},
		// 5·2^(i/6)
		{"exponential", []float64{5.612310, 6.299605, 7.071068, 7.937005, 8.908987, 10}},
	} {
		p.BackoffFunction = c.fn
		got := scenarios.SNSRetryDelays(&p)
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-5 {
				t.Errorf("%s: delay %d = %.6f, want %.6f", c.fn, i+1, got[i], c.want[i])
			}
		}
	}
}

// AWS-managed endpoints (SQS, Lambda): 3 tries without delay, 2 at 1 s, 10
// backing off from 1 to 20 s, 100,000 at 20 s: 100,015 attempts over 23
// days (2,000,000 s of post-backoff alone is 23.15 days).
func TestManagedPolicy(t *testing.T) {
	d := scenarios.SNSRetryDelays(&scenarios.SNSManagedPolicy)
	if attempts := 1 + len(d); attempts != 100_015 {
		t.Errorf("attempts = %d, want 100,015", attempts)
	}
	var total float64
	for _, x := range d {
		total += x
	}
	// 0+0 + 1+1 + Σ 20^(i/10), i = 1…10 (= 73.40 by hand) + 100,000 × 20.
	if want := 2 + 73.40 + 2_000_000.0; math.Abs(total-want) > 0.05 {
		t.Errorf("total = %.2f s, want %.2f s", total, want)
	}
	if days := total / 86400; days < 23 || days > 24 {
		t.Errorf("policy lasts %.2f days, want over 23", days)
	}
}

// The SNS developer guide's example message and filter policies.
func TestFilterPolicyDocExamples(t *testing.T) {
	msg := Attrs{
		{Name: "customer_interests", S: []string{"soccer", "rugby", "hockey"}},
		{Name: "store", S: []string{"example_corp"}},
		{Name: "event", S: []string{"order_placed"}},
		{Name: "price_usd", Number: true, N: 210.75},
	}
	for _, c := range []struct {
		name   string
		policy map[string][]any
		want   bool
	}{
		{"the guide's policy", map[string][]any{
			"store":              {"example_corp"},
			"event":              {map[string]any{"anything-but": "order_cancelled"}},
			"customer_interests": {"rugby", "football", "baseball"},
			"price_usd":          {map[string]any{"numeric": []any{">=", 100}}},
		}, true},
		{"OR within a key", map[string][]any{"customer_interests": {"golf", "rugby"}}, true},
		{"AND across keys fails on one", map[string][]any{"store": {"example_corp"}, "event": {"order_cancelled"}}, false},
		{"numeric range excludes 210.75", map[string][]any{"price_usd": {map[string]any{"numeric": []any{">", 0, "<=", 150}}}}, false},
		{"numeric equality", map[string][]any{"price_usd": {210.75}}, true},
		{"a number never matches a string", map[string][]any{"price_usd": {"210.75"}}, false},
		{"prefix", map[string][]any{"store": {map[string]any{"prefix": "example"}}}, true},
		{"suffix", map[string][]any{"store": {map[string]any{"suffix": "_inc"}}}, false},
		{"anything-but a list", map[string][]any{"event": {map[string]any{"anything-but": []any{"order_placed", "order_failed"}}}}, false},
		{"anything-but a prefix", map[string][]any{"event": {map[string]any{"anything-but": map[string]any{"prefix": "order-"}}}}, true},
		{"exists true", map[string][]any{"store": {map[string]any{"exists": true}}}, true},
		{"exists false on a missing key", map[string][]any{"encrypted": {map[string]any{"exists": false}}}, true},
		{"a missing key fails every other operator", map[string][]any{"encrypted": {map[string]any{"anything-but": "yes"}}}, false},
		{"case-sensitive", map[string][]any{"store": {"Example_Corp"}}, false},
	} {
		p, err := scenarios.ParseFilterPolicy(c.policy)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := Match(p, msg); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.name, got, c.want)
		}
	}
}

// Combinations multiply each key's number of values: 3 × 1 × 2 × 2 × 1 = 12.
func TestFilterCombinations(t *testing.T) {
	p, err := scenarios.ParseFilterPolicy(map[string][]any{
		"key_a": {"value_one", "value_two", "value_three"}, "key_b": {"value_one"},
		"key_c": {"value_one", "value_two"}, "key_d": {"value_one", "value_two"}, "key_e": {"value_one"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Combinations(); n != 12 {
		t.Errorf("Combinations = %d, want 12", n)
	}
}

// Filtering by hand: event has 3 values in shares 60/30/10, so a policy
// accepting one value keeps that share of the messages, and the rest are
// filtered. 1,999 messages: accept order_placed ≈ 1,199 (σ ≈ 22).
func TestFilterShare(t *testing.T) {
	yaml := `name: f
system: sns
seed: 3
duration: 100s
sns:
  topics: [{name: t}]
  attributes:
    - {name: event, values: [order_placed, order_cancelled, refund], shares: [60%, 30%, 10%]}
  subscriptions:
    - {name: q, topic: t, filter_policy: {event: [order_placed]}}
producers:
  - {name: p, topic: t, rate: 20/s, arrival: constant}
consumer_groups:
  - {name: g, topic: q, consumers: 2}
`
	res, err := model.Run(load(t, yaml), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Acked != 1999 {
		t.Fatalf("acked %d, want 1,999 (constant 20/s: at 0.05 s, 0.10 s, … 99.95 s)", res.Acked)
	}
	got := res.Groups[0].Processed
	if got < 1199-5*22 || got > 1199+5*22 || res.SNSFiltered != 1999-got || res.Lost != 0 || res.Unseen != 0 {
		t.Errorf("processed %d, filtered %d, lost %d, unseen %d; want ≈ 1,200, the rest filtered, none lost",
			got, res.SNSFiltered, res.Lost, res.Unseen)
	}
}

// A FIFO topic passes each message's group id (the key) to its SQS FIFO
// queue: with 4 consumers on 20 groups nothing is reordered, while the
// same load on a standard topic with a spread delivery latency is.
func TestFIFOTopicKeepsGroupOrder(t *testing.T) {
	base := `name: f
system: sns
seed: 1
duration: 60s
sns:
  delivery_latency: uniform(1ms, 200ms)
  topics: [{name: TOPIC, type: TYPE}]
  subscriptions:
    - {name: q, topic: TOPIC}
producers:
  - {name: p, topic: TOPIC, rate: 200/s, keys: uniform(20)}
consumer_groups:
  - {name: g, topic: q, consumers: 4, processing: 2ms}
`
	fifo := load(t, base, "sns.topics[0].name=t.fifo", "sns.topics[0].type=fifo", "sns.subscriptions[0].topic=t.fifo", "producers[0].topic=t.fifo")
	std := load(t, base, "sns.topics[0].name=t", "sns.topics[0].type=standard", "sns.subscriptions[0].topic=t", "producers[0].topic=t")
	rf, err := model.Run(fifo, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := model.Run(std, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rf.Reordered != 0 || rf.Lost != 0 || rf.Acked < 10000 {
		t.Errorf("FIFO topic: reordered %d, lost %d, acked %d; want 0, 0, ~12,000", rf.Reordered, rf.Lost, rf.Acked)
	}
	if rs.Reordered == 0 {
		t.Errorf("standard topic with 1–200 ms delivery spread: reordered 0, want some")
	}
}
