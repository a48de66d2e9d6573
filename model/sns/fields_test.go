package sns

import (
	"fmt"
	"mqsim/model/fieldeffect"
	"reflect"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the sns section acts: for each field (found by
// reflection, so a new one cannot be forgotten) a built-in scenario and
// the same with one more --set give different results, or the field is
// listed with the test that shows it. SNS runs take milliseconds, so every
// pair runs on every `go test`.

var (
	pbFilter = fieldeffect.On("sns-fanout-filter")
	pbOutage = fieldeffect.On("sns-http-endpoint-outage", "producers.0.rate=2/s") // fewer messages: the same schedules
	pbFail   = fieldeffect.On("sns-fanout-filter", "consumer_groups.0.failures.transient_rate=20%", "consumer_groups.0.failures.policy=retry")
	pbSlow   = fieldeffect.On("sns-fanout-filter", "consumer_groups.0.processing=1s")
)

var snsFieldPairs = map[string]fieldeffect.Pair{
	"sns.request_latency":                                       pbFilter.With("sns.request_latency=100ms"),
	"sns.delivery_latency":                                      pbFilter.With("sns.delivery_latency=50ms"),
	"sns.attributes.min":                                        pbFilter.With("sns.attributes.1.min=200"),
	"sns.attributes.max":                                        pbFilter.With("sns.attributes.1.max=1000"),
	"sns.subscriptions.protocol":                                pbFilter.With("sns.subscriptions.0.protocol=http"),
	"sns.subscriptions.dead_letter_queue":                       pbOutage.With("sns.subscriptions.0.dead_letter_queue=true"),
	"sns.subscriptions.delivery_policy.num_retries":             pbOutage.With("sns.subscriptions.0.delivery_policy.num_retries=10"),
	"sns.subscriptions.delivery_policy.num_no_delay_retries":    pbOutage.With("sns.subscriptions.2.delivery_policy.num_no_delay_retries=2"),
	"sns.subscriptions.delivery_policy.num_min_delay_retries":   pbOutage.With("sns.subscriptions.2.delivery_policy.num_min_delay_retries=4"),
	"sns.subscriptions.delivery_policy.num_max_delay_retries":   pbOutage.With("sns.subscriptions.2.delivery_policy.num_max_delay_retries=4"),
	"sns.subscriptions.delivery_policy.min_delay_target":        pbOutage.With("sns.subscriptions.2.delivery_policy.min_delay_target=5"),
	"sns.subscriptions.delivery_policy.max_delay_target":        pbOutage.With("sns.subscriptions.0.delivery_policy.max_delay_target=60"),
	"sns.subscriptions.delivery_policy.backoff_function":        pbOutage.With("sns.subscriptions.2.delivery_policy.backoff_function=linear"),
	"sns.subscriptions.delivery_policy.max_receives_per_second": pbOutage.With("sns.subscriptions.0.delivery_policy.max_receives_per_second=5"),
	"sns.subscriptions.queue.visibility_timeout":                pbFail.With("sns.subscriptions.0.queue.visibility_timeout=5s"),
	"sns.subscriptions.queue.receive_wait":                      pbFilter.With("sns.subscriptions.0.queue.receive_wait=20s"),
	"sns.subscriptions.queue.retention":                         pbSlow.With("sns.subscriptions.0.queue.retention=60s"),
	"sns.subscriptions.queue.max_messages":                      pbFilter.With("sns.subscriptions.0.queue.max_messages=10"),
	"sns.subscriptions.queue.max_receive_count":                 pbFail.With("sns.subscriptions.0.queue.max_receive_count=1"),
}

// snsFieldsElsewhere are shown by their own tests.
var snsFieldsElsewhere = map[string]string{
	"sns.topics.name":                 "a name producers and subscriptions refer to (an unknown one is refused)",
	"sns.topics.type":                 "changing it needs a .fifo name and producer keys too: TestFIFOTopicKeepsGroupOrder",
	"sns.topics.fifo_publish_rate":    "a FIFO topic's limit: TestFIFOPublishRate",
	"sns.subscriptions.name":          "a name consumer groups refer to",
	"sns.subscriptions.topic":         "a name: which topic's copies the subscription gets",
	"sns.subscriptions.filter_policy": "a map, which --set cannot write: TestFilterShare, TestFilterPolicyDocExamples, sns-fanout-filter",
	"sns.attributes.name":             "a name filter policies refer to",
	"sns.attributes.type":             "String or Number, each shown by sns-fanout-filter",
	"sns.attributes.values":           "a list, which --set cannot write: TestFilterShare",
	"sns.attributes.shares":           "a list, which --set cannot write: TestFilterShare",
}

func TestEverySNSSettingHasAnEffect(t *testing.T) {
	fieldeffect.Check(t, fieldeffect.Spec{
		Sections: map[string]reflect.Type{"sns": reflect.TypeFor[scenarios.SNS]()},
		Pairs:    snsFieldPairs,
		Aside:    snsFieldsElsewhere,
		Run:      Run,
		Always:   true,
	})
}

// Same scenario and seed, byte-identical results; another seed differs.
func TestSNSRunsAreDeterministic(t *testing.T) {
	for _, name := range []string{"sns-fanout-filter", "sns-http-endpoint-outage"} {
		run := func(sets ...string) string {
			ls, err := scenarios.LoadScenario(name, sets)
			if err != nil {
				t.Fatal(err)
			}
			r, err := model.Run(&ls.Scenario, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%+v", *r)
		}
		a := run()
		if a != run() {
			t.Errorf("%s: two runs with seed 1 differ", name)
		}
		if run("seed=2") == a {
			t.Errorf("%s: seed 2 gives the same results as seed 1", name)
		}
	}
}

// A FIFO topic admits publishes at its limit: 100/s offered to a topic
// limited to 10/s for 5 s makes 499 publishes wait their slot (all but
// the first), and the last of them waits about 500/10 − 5 = 45 s.
func TestFIFOPublishRate(t *testing.T) {
	yaml := `name: f
system: sns
seed: 1
duration: 5s
drain: 2m
sns:
  topics: [{name: t.fifo, type: fifo, fifo_publish_rate: 10}]
  subscriptions: [{name: q, topic: t.fifo}]
producers:
  - {name: p, topic: t.fifo, rate: 100/s, arrival: constant, keys: uniform(10)}
consumer_groups:
  - {name: g, topic: q, consumers: 4}
`
	res, err := model.Run(load(t, yaml), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Arrivals at 0.01 … 4.99 s: 499 messages.
	if res.Acked != 499 || res.SNSThrottled != 498 {
		t.Errorf("acked %d, throttled %d; want 499 and 498", res.Acked, res.SNSThrottled)
	}
	if mx := res.AckLatency.Max; mx < 44_000 || mx > 46_000 {
		t.Errorf("slowest publish %v ms, want ≈ 45,000 (499 slots 100 ms apart, the last offered at 4.99 s)", mx)
	}
}
