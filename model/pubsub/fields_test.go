package pubsub

import (
	"fmt"
	"mqsim/model/fieldeffect"
	"reflect"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the pubsub section acts: a built-in scenario and the
// same with one more --set give different results, or the field is listed
// with the test that shows it.

var (
	pbAck  = fieldeffect.On("pubsub-ack-deadline")
	pbKeys = fieldeffect.On("pubsub-ordering-keys")
	pbExt  = fieldeffect.On("pubsub-ack-deadline", "pubsub.subscriptions.0.lease_extension=true")
	pbPush = fieldeffect.On("pubsub-ordering-keys", "pubsub.subscriptions.1.delivery=push")
)

var pubsubFieldPairs = map[string]fieldeffect.Pair{
	"pubsub.request_latency":                        pbKeys.With("pubsub.request_latency=100ms"),
	"pubsub.delivery_latency":                       pbKeys.With("pubsub.delivery_latency=50ms"),
	"pubsub.key_rate":                               pbKeys.With("pubsub.key_rate=1KB"),
	"pubsub.subscriptions.delivery":                 pbKeys.With("pubsub.subscriptions.1.delivery=push"),
	"pubsub.subscriptions.ack_deadline":             pbAck.With("pubsub.subscriptions.0.ack_deadline=20s"),
	"pubsub.subscriptions.retry_policy.min_backoff": pbAck.With("pubsub.subscriptions.0.retry_policy.min_backoff=60s"),
	"pubsub.subscriptions.message_ordering":         pbKeys.With("pubsub.subscriptions.1.message_ordering=true"),
	"pubsub.subscriptions.exactly_once":             pbAck.With("pubsub.subscriptions.0.exactly_once=true"),
	"pubsub.subscriptions.ack_loss_rate":            pbKeys.With("pubsub.subscriptions.1.ack_loss_rate=10%"),
	"pubsub.subscriptions.max_outstanding":          pbAck.With("pubsub.subscriptions.0.max_outstanding=1"),
	"pubsub.subscriptions.lease_extension":          pbAck.With("pubsub.subscriptions.0.lease_extension=true"),
	"pubsub.subscriptions.max_extension":            pbExt.With("pubsub.subscriptions.0.max_extension=10s"),
	"pubsub.subscriptions.push_max_outstanding":     pbPush.With("pubsub.subscriptions.1.push_max_outstanding=1"),
}

var pubsubFieldsElsewhere = map[string]string{
	"pubsub.subscriptions.retry_policy.max_backoff": "binds from a message's second failed attempt: TestBackoffArithmetic, TestRetryPolicyBackoffAndDeadLetter (capped gaps)",
	"pubsub.topics.name":                            "a name producers and subscriptions refer to",
	"pubsub.subscriptions.name":                     "a name consumer groups refer to",
	"pubsub.subscriptions.topic":                    "a name: which topic's messages the subscription keeps",
	"pubsub.subscriptions.dead_letter_topic":        "names a second topic: TestRetryPolicyBackoffAndDeadLetter, TestDeadLetterTopicWithoutSubscriptionLoses",
	"pubsub.subscriptions.max_delivery_attempts":    "with a dead-letter topic: TestRetryPolicyBackoffAndDeadLetter (5 attempts)",
}

func TestEveryPubSubSettingHasAnEffect(t *testing.T) {
	fieldeffect.Check(t, fieldeffect.Spec{
		Sections: map[string]reflect.Type{"pubsub": reflect.TypeFor[scenarios.PubSub]()},
		Pairs:    pubsubFieldPairs,
		Aside:    pubsubFieldsElsewhere,
		Run:      Run,
		Always:   true,
	})
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
