package sqs

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the sqs and celery sections acts: for each field (found
// by reflection, so a new one cannot be forgotten) a built-in scenario and
// the same with one more --set give different results, or the field is
// listed with the test that shows it. SQS runs take milliseconds, so every
// pair runs on every `go test`.

type pairBase struct {
	name string
	sets []string
}

var (
	pbVis    = pairBase{"sqs-visibility-timeout", nil}
	pbFIFO   = pairBase{"sqs-fifo-head-of-line", nil}
	pbRedr   = pairBase{"sqs-redrive", nil}
	pbCrash  = pairBase{"celery-acks-late-crash", nil}
	pbRetry  = pairBase{"celery-acks-late-crash", []string{"consumer_groups.0.failures.transient_rate=30%", "consumer_groups.0.failures.policy=retry"}}
	pbBackof = pairBase{"celery-acks-late-crash", []string{"consumer_groups.0.failures.transient_rate=30%", "consumer_groups.0.failures.policy=retry", "celery.retry_backoff=true"}}
)

var sqsFieldPairs = map[string]struct {
	base pairBase
	set  string
}{
	"sqs.request_latency":              {pbVis, "sqs.request_latency=100ms"},
	"sqs.max_messages":                 {pbFIFO, "sqs.max_messages=1"},
	"sqs.send_batch":                   {pbVis, "sqs.send_batch=10"},
	"sqs.delete_batch":                 {pairBase{"sqs-visibility-timeout", []string{"sqs.max_messages=10"}}, "sqs.delete_batch=10"},
	"sqs.batch_open":                   {pairBase{"sqs-visibility-timeout", []string{"sqs.send_batch=10"}}, "sqs.batch_open=2s"},
	"sqs.heartbeat":                    {pbVis, "sqs.heartbeat=20s"},
	"sqs.price_per_million":            {pbVis, "sqs.price_per_million=0.5"},
	"sqs.queues.visibility_timeout":    {pbVis, "sqs.queues.0.visibility_timeout=60s"},
	"sqs.queues.receive_wait":          {pbVis, "sqs.queues.0.receive_wait=0s"},
	"sqs.queues.retention":             {pbRedr, "sqs.queues.1.retention=14d"},
	"sqs.queues.delay":                 {pbVis, "sqs.queues.0.delay=1m"},
	"sqs.queues.max_message_size":      {pairBase{"sqs-visibility-timeout", []string{"producers.0.message_size=1500B"}}, "sqs.queues.0.max_message_size=1KiB"},
	"sqs.queues.duplicate_rate":        {pbVis, "sqs.queues.0.duplicate_rate=10%"},
	"sqs.queues.fifo_calls_per_second": {pbFIFO, "sqs.queues.0.fifo_calls_per_second=5"},
	"sqs.queues.max_receive_count":     {pbRedr, "sqs.queues.0.max_receive_count=5"},
	"sqs.queues.in_flight_limit":       {pbVis, "sqs.queues.0.in_flight_limit=5"},
	"celery.concurrency":               {pbCrash, "celery.concurrency=1"},
	"celery.prefetch_multiplier":       {pbCrash, "celery.prefetch_multiplier=4"},
	"celery.acks_late":                 {pbCrash, "celery.acks_late=true"},
	"celery.max_retries":               {pbRetry, "celery.max_retries=0"},
	"celery.default_retry_delay":       {pbRetry, "celery.default_retry_delay=1s"},
	"celery.retry_backoff":             {pbRetry, "celery.retry_backoff=true"},
	"celery.retry_backoff_max":         {pbBackof, "celery.retry_backoff_max=1s"},
	"celery.retry_jitter":              {pbBackof, "celery.retry_jitter=false"},
	"celery.rate_limit":                {pbCrash, "celery.rate_limit=1/m"},
	"celery.countdown":                 {pbCrash, "celery.countdown=const(10s)"},
	"celery.crash_kills":               {pairBase{"celery-acks-late-crash", []string{"faults.0.duration=0s"}}, "celery.crash_kills=processes"},
	"celery.reject_on_worker_lost":     {pairBase{"celery-acks-late-crash", []string{"faults.0.duration=0s", "celery.crash_kills=processes", "celery.acks_late=true"}}, "celery.reject_on_worker_lost=true"},
}

// sqsFieldsElsewhere are shown by their own tests.
var sqsFieldsElsewhere = map[string]string{
	"sqs.queues.name":                "a name producers and groups refer to (an unknown one is refused)",
	"sqs.queues.type":                "changing it needs a .fifo name and producer keys too: TestFIFOGroupBlocking, sqs-fifo-head-of-line",
	"sqs.queues.dead_letter_queue":   "needs max_receive_count with it: TestRedriveAfterMaxReceiveCount, sqs-fifo-head-of-line's redrive variant",
	"sqs.queues.content_based_dedup": "every message of a run has its own body, so only a repeated id shows it: TestFIFODedupWindow",
	"sqs.queues.high_throughput":     "binds only above 300 calls/s: TestFIFOThroughputLimit",
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

func TestEverySQSSettingHasAnEffect(t *testing.T) {
	var fields []string
	sectionFields(reflect.TypeOf(scenarios.SQS{}), "sqs", &fields)
	sectionFields(reflect.TypeOf(scenarios.Celery{}), "celery", &fields)
	runOf := func(name string, sets []string) string {
		t.Helper()
		ls, err := scenarios.LoadScenario(name, sets)
		if err != nil {
			t.Fatalf("%s %v: %v", name, sets, err)
		}
		r, err := Run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatalf("%s %v: %v", name, sets, err)
		}
		return fmt.Sprintf("%+v", *r)
	}
	for _, f := range fields {
		if _, ok := sqsFieldsElsewhere[f]; ok {
			continue
		}
		p, ok := sqsFieldPairs[f]
		if !ok {
			t.Errorf("%s: a setting with no pair of runs showing its effect", f)
			continue
		}
		if runOf(p.base.name, p.base.sets) == runOf(p.base.name, append(slices.Clone(p.base.sets), p.set)) {
			t.Errorf("%s with --set %s gives the same results as without: the setting is ignored", p.base.name, p.set)
		}
	}
	for f := range sqsFieldPairs {
		if !slices.Contains(fields, f) {
			t.Errorf("sqsFieldPairs names %s, not a field of the schema", f)
		}
	}
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
