package pubsub

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the pubsub section acts: a built-in scenario and the
// same with one more --set give different results, or the field is listed
// with the test that shows it.

type pairBase struct {
	name string
	sets []string
}

var (
	pbAck  = pairBase{"pubsub-ack-deadline", nil}
	pbKeys = pairBase{"pubsub-ordering-keys", nil}
	pbExt  = pairBase{"pubsub-ack-deadline", []string{"pubsub.subscriptions.0.lease_extension=true"}}
	pbPush = pairBase{"pubsub-ordering-keys", []string{"pubsub.subscriptions.1.delivery=push"}}
)

var pubsubFieldPairs = map[string]struct {
	base pairBase
	set  string
}{
	"pubsub.request_latency":                        {pbKeys, "pubsub.request_latency=100ms"},
	"pubsub.delivery_latency":                       {pbKeys, "pubsub.delivery_latency=50ms"},
	"pubsub.key_rate":                               {pbKeys, "pubsub.key_rate=1KB"},
	"pubsub.subscriptions.delivery":                 {pbKeys, "pubsub.subscriptions.1.delivery=push"},
	"pubsub.subscriptions.ack_deadline":             {pbAck, "pubsub.subscriptions.0.ack_deadline=20s"},
	"pubsub.subscriptions.retry_policy.min_backoff": {pbAck, "pubsub.subscriptions.0.retry_policy.min_backoff=60s"},
	"pubsub.subscriptions.message_ordering":         {pbKeys, "pubsub.subscriptions.1.message_ordering=true"},
	"pubsub.subscriptions.exactly_once":             {pbAck, "pubsub.subscriptions.0.exactly_once=true"},
	"pubsub.subscriptions.ack_loss_rate":            {pbKeys, "pubsub.subscriptions.1.ack_loss_rate=10%"},
	"pubsub.subscriptions.max_outstanding":          {pbAck, "pubsub.subscriptions.0.max_outstanding=1"},
	"pubsub.subscriptions.lease_extension":          {pbAck, "pubsub.subscriptions.0.lease_extension=true"},
	"pubsub.subscriptions.max_extension":            {pbExt, "pubsub.subscriptions.0.max_extension=10s"},
	"pubsub.subscriptions.push_max_outstanding":     {pbPush, "pubsub.subscriptions.1.push_max_outstanding=1"},
}

var pubsubFieldsElsewhere = map[string]string{
	"pubsub.subscriptions.retry_policy.max_backoff": "binds from a message's second failed attempt: TestBackoffArithmetic, TestRetryPolicyBackoffAndDeadLetter (capped gaps)",
	"pubsub.topics.name":                            "a name producers and subscriptions refer to",
	"pubsub.subscriptions.name":                     "a name consumer groups refer to",
	"pubsub.subscriptions.topic":                    "a name: which topic's messages the subscription keeps",
	"pubsub.subscriptions.dead_letter_topic":        "names a second topic: TestRetryPolicyBackoffAndDeadLetter, TestDeadLetterTopicWithoutSubscriptionLoses",
	"pubsub.subscriptions.max_delivery_attempts":    "with a dead-letter topic: TestRetryPolicyBackoffAndDeadLetter (5 attempts)",
}

func sectionFields(t reflect.Type, path string, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() != "mqsim/scenarios" {
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

func TestEveryPubSubSettingHasAnEffect(t *testing.T) {
	var fields []string
	sectionFields(reflect.TypeOf(scenarios.PubSub{}), "pubsub", &fields)
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
		if _, ok := pubsubFieldsElsewhere[f]; ok {
			continue
		}
		p, ok := pubsubFieldPairs[f]
		if !ok {
			t.Errorf("%s: a setting with no pair of runs showing its effect", f)
			continue
		}
		if runOf(p.base.name, p.base.sets) == runOf(p.base.name, append(slices.Clone(p.base.sets), p.set)) {
			t.Errorf("%s with --set %s gives the same results as without: the setting is ignored", p.base.name, p.set)
		}
	}
	for f := range pubsubFieldPairs {
		if !slices.Contains(fields, f) {
			t.Errorf("pubsubFieldPairs names %s, not a field of the schema", f)
		}
	}
}

// Same scenario and seed, byte-identical results; another seed differs.
func TestPubSubRunsAreDeterministic(t *testing.T) {
	for _, name := range []string{"pubsub-ack-deadline", "pubsub-ordering-keys"} {
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
