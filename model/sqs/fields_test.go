package sqs

import (
	"fmt"
	"mqsim/model/fieldeffect"
	"reflect"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the sqs and celery sections acts: for each field (found
// by reflection, so a new one cannot be forgotten) a built-in scenario and
// the same with one more --set give different results, or the field is
// listed with the test that shows it. SQS runs take milliseconds, so every
// pair runs on every `go test`.

var (
	pbVis    = fieldeffect.On("sqs-visibility-timeout")
	pbFIFO   = fieldeffect.On("sqs-fifo-head-of-line")
	pbRedr   = fieldeffect.On("sqs-redrive")
	pbCrash  = fieldeffect.On("celery-acks-late-crash")
	pbRetry  = fieldeffect.On("celery-acks-late-crash", "consumer_groups.0.failures.transient_rate=30%", "consumer_groups.0.failures.policy=retry")
	pbBackof = fieldeffect.On("celery-acks-late-crash", "consumer_groups.0.failures.transient_rate=30%", "consumer_groups.0.failures.policy=retry", "celery.retry_backoff=true")
)

var sqsFieldPairs = map[string]fieldeffect.Pair{
	"sqs.request_latency":              pbVis.With("sqs.request_latency=100ms"),
	"sqs.max_messages":                 pbFIFO.With("sqs.max_messages=1"),
	"sqs.send_batch":                   pbVis.With("sqs.send_batch=10"),
	"sqs.delete_batch":                 fieldeffect.On("sqs-visibility-timeout", "sqs.max_messages=10").With("sqs.delete_batch=10"),
	"sqs.batch_open":                   fieldeffect.On("sqs-visibility-timeout", "sqs.send_batch=10").With("sqs.batch_open=2s"),
	"sqs.heartbeat":                    pbVis.With("sqs.heartbeat=20s"),
	"sqs.price_per_million":            pbVis.With("sqs.price_per_million=0.5"),
	"sqs.queues.visibility_timeout":    pbVis.With("sqs.queues.0.visibility_timeout=60s"),
	"sqs.queues.receive_wait":          pbVis.With("sqs.queues.0.receive_wait=0s"),
	"sqs.queues.retention":             pbRedr.With("sqs.queues.1.retention=14d"),
	"sqs.queues.delay":                 pbVis.With("sqs.queues.0.delay=1m"),
	"sqs.queues.max_message_size":      fieldeffect.On("sqs-visibility-timeout", "producers.0.message_size=1500B").With("sqs.queues.0.max_message_size=1KiB"),
	"sqs.queues.duplicate_rate":        pbVis.With("sqs.queues.0.duplicate_rate=10%"),
	"sqs.queues.fifo_calls_per_second": pbFIFO.With("sqs.queues.0.fifo_calls_per_second=5"),
	"sqs.queues.max_receive_count":     pbRedr.With("sqs.queues.0.max_receive_count=5"),
	"sqs.queues.in_flight_limit":       pbVis.With("sqs.queues.0.in_flight_limit=5"),
	"celery.concurrency":               pbCrash.With("celery.concurrency=1"),
	"celery.transport":                 fieldeffect.On("celery-eta-duplicates").With("celery.transport=redis"),
	"celery.prefetch_multiplier":       pbCrash.With("celery.prefetch_multiplier=4"),
	"celery.acks_late":                 pbCrash.With("celery.acks_late=true"),
	"celery.max_retries":               pbRetry.With("celery.max_retries=0"),
	"celery.default_retry_delay":       pbRetry.With("celery.default_retry_delay=1s"),
	"celery.retry_backoff":             pbRetry.With("celery.retry_backoff=true"),
	"celery.retry_backoff_max":         pbBackof.With("celery.retry_backoff_max=1s"),
	"celery.retry_jitter":              pbBackof.With("celery.retry_jitter=false"),
	"celery.rate_limit":                pbCrash.With("celery.rate_limit=1/m"),
	"celery.countdown":                 pbCrash.With("celery.countdown=const(10s)"),
	"celery.crash_kills":               fieldeffect.On("celery-acks-late-crash", "faults.0.duration=0s").With("celery.crash_kills=processes"),
	"celery.reject_on_worker_lost":     fieldeffect.On("celery-acks-late-crash", "faults.0.duration=0s", "celery.crash_kills=processes", "celery.acks_late=true").With("celery.reject_on_worker_lost=true"),
}

// sqsFieldsElsewhere are shown by their own tests.
var sqsFieldsElsewhere = map[string]string{
	"sqs.queues.name":                "a name producers and groups refer to (an unknown one is refused)",
	"sqs.queues.type":                "changing it needs a .fifo name and producer keys too: TestFIFOGroupBlocking, sqs-fifo-head-of-line",
	"sqs.queues.dead_letter_queue":   "needs max_receive_count with it: TestRedriveAfterMaxReceiveCount, sqs-fifo-head-of-line's redrive variant",
	"sqs.queues.content_based_dedup": "every message of a run has its own body, so only a repeated id shows it: TestFIFODedupWindow",
	"sqs.queues.high_throughput":     "binds only above 300 calls/s: TestFIFOThroughputLimit",
}

func TestEverySQSSettingHasAnEffect(t *testing.T) {
	fieldeffect.Check(t, fieldeffect.Spec{
		Sections: map[string]reflect.Type{"sqs": reflect.TypeFor[scenarios.SQS](), "celery": reflect.TypeFor[scenarios.Celery]()},
		Pairs:    sqsFieldPairs,
		Aside:    sqsFieldsElsewhere,
		Run:      Run,
		Always:   true,
	})
}

// Same scenario and seed, byte-identical results; another seed differs.
func TestSQSRunsAreDeterministic(t *testing.T) {
	for _, name := range []string{"sqs-visibility-timeout", "sqs-fifo-head-of-line", "sqs-redrive", "celery-eta-duplicates", "celery-acks-late-crash"} {
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
		a, b := run(), run()
		if a != b {
			t.Errorf("%s: two runs with seed 1 differ", name)
		}
		if name != "celery-eta-duplicates" && run("seed=2") == a { // constant arrivals and service: nothing random
			t.Errorf("%s: seed 2 gives the same results as seed 1", name)
		}
	}
}
