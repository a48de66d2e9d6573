package sns

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the sns section acts: for each field (found by
// reflection, so a new one cannot be forgotten) a built-in scenario and
// the same with one more --set give different results, or the field is
// listed with the test that shows it. SNS runs take milliseconds, so every
// pair runs on every `go test`.

type pairBase struct {
	name string
	sets []string
}

var (
	pbFilter = pairBase{"sns-fanout-filter", nil}
	pbOutage = pairBase{"sns-http-endpoint-outage", []string{"producers.0.rate=2/s"}} // fewer messages: the same schedules
	pbFail   = pairBase{"sns-fanout-filter", []string{"consumer_groups.0.failures.transient_rate=20%", "consumer_groups.0.failures.policy=retry"}}
	pbSlow   = pairBase{"sns-fanout-filter", []string{"consumer_groups.0.processing=1s"}}
)

var snsFieldPairs = map[string]struct {
	base pairBase
	set  string
}{
	"sns.request_latency":                                       {pbFilter, "sns.request_latency=100ms"},
	"sns.delivery_latency":                                      {pbFilter, "sns.delivery_latency=50ms"},
	"sns.attributes.min":                                        {pbFilter, "sns.attributes.1.min=200"},
	"sns.attributes.max":                                        {pbFilter, "sns.attributes.1.max=1000"},
	"sns.subscriptions.protocol":                                {pbFilter, "sns.subscriptions.0.protocol=http"},
	"sns.subscriptions.dead_letter_queue":                       {pbOutage, "sns.subscriptions.0.dead_letter_queue=true"},
	"sns.subscriptions.delivery_policy.num_retries":             {pbOutage, "sns.subscriptions.0.delivery_policy.num_retries=10"},
	"sns.subscriptions.delivery_policy.num_no_delay_retries":    {pbOutage, "sns.subscriptions.2.delivery_policy.num_no_delay_retries=2"},
	"sns.subscriptions.delivery_policy.num_min_delay_retries":   {pbOutage, "sns.subscriptions.2.delivery_policy.num_min_delay_retries=4"},
	"sns.subscriptions.delivery_policy.num_max_delay_retries":   {pbOutage, "sns.subscriptions.2.delivery_policy.num_max_delay_retries=4"},
	"sns.subscriptions.delivery_policy.min_delay_target":        {pbOutage, "sns.subscriptions.2.delivery_policy.min_delay_target=5"},
	"sns.subscriptions.delivery_policy.max_delay_target":        {pbOutage, "sns.subscriptions.0.delivery_policy.max_delay_target=60"},
	"sns.subscriptions.delivery_policy.backoff_function":        {pbOutage, "sns.subscriptions.2.delivery_policy.backoff_function=linear"},
	"sns.subscriptions.delivery_policy.max_receives_per_second": {pbOutage, "sns.subscriptions.0.delivery_policy.max_receives_per_second=5"},
	"sns.subscriptions.queue.visibility_timeout":                {pbFail, "sns.subscriptions.0.queue.visibility_timeout=5s"},
	"sns.subscriptions.queue.receive_wait":                      {pbFilter, "sns.subscriptions.0.queue.receive_wait=20s"},
	"sns.subscriptions.queue.retention":                         {pbSlow, "sns.subscriptions.0.queue.retention=60s"},
	"sns.subscriptions.queue.max_messages":                      {pbFilter, "sns.subscriptions.0.queue.max_messages=10"},
	"sns.subscriptions.queue.max_receive_count":                 {pbFail, "sns.subscriptions.0.queue.max_receive_count=1"},
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

func sectionFields(t reflect.Type, path string, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() != "mqsim/scenarios" || t.Name() == "TimeDist" {
		*out = append(*out, path)
		return
	}
	for i := range t.NumField() {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			sectionFields(t.Field(i).Type, path+"."+tag, out)
		}
	}
}

func TestEverySNSSettingHasAnEffect(t *testing.T) {
	var fields []string
	sectionFields(reflect.TypeOf(scenarios.SNS{}), "sns", &fields)
	memo := map[string]string{}
	runOf := func(name string, sets []string) string {
		t.Helper()
		key := name + fmt.Sprint(sets)
		if out, ok := memo[key]; ok {
			return out
		}
		ls, err := scenarios.LoadScenario(name, sets)
		if err != nil {
			t.Fatalf("%s %v: %v", name, sets, err)
		}
		r, err := Run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatalf("%s %v: %v", name, sets, err)
		}
		memo[key] = fmt.Sprintf("%+v", *r)
		return memo[key]
	}
	for _, f := range fields {
		if _, ok := snsFieldsElsewhere[f]; ok {
			continue
		}
		p, ok := snsFieldPairs[f]
		if !ok {
			t.Errorf("%s: a setting with no pair of runs showing its effect", f)
			continue
		}
		if runOf(p.base.name, p.base.sets) == runOf(p.base.name, append(slices.Clone(p.base.sets), p.set)) {
			t.Errorf("%s with --set %s gives the same results as without: the setting is ignored", p.base.name, p.set)
		}
	}
	for f := range snsFieldPairs {
		if !slices.Contains(fields, f) {
			t.Errorf("snsFieldPairs names %s, not a field of the schema", f)
		}
	}
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
