package fieldeffect

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

type recorder struct{ errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

// TestFields: a distribution (TimeDist parses itself) is one leaf; a list
// of structs counts as its element's fields.
func TestFields(t *testing.T) {
	got := Fields(reflect.TypeFor[scenarios.SNS](), "sns")
	for _, want := range []string{"sns.delivery_latency", "sns.subscriptions.queue.visibility_timeout"} {
		if !slices.Contains(got, want) {
			t.Errorf("fields %v lack %s", got, want)
		}
	}
	if slices.ContainsFunc(got, func(f string) bool { return strings.HasPrefix(f, "sns.delivery_latency.") }) {
		t.Errorf("a distribution was walked into: %v", got)
	}
}

// TestCheckCatches: a run function that ignores every setting fails each
// pair; a field with neither pair nor reason, and a pair or reason naming
// no field, are errors too.
func TestCheckCatches(t *testing.T) {
	same := func(*scenarios.Scenario, model.Options) (*model.Results, error) { return &model.Results{}, nil }
	var r recorder
	Check(&r, Spec{
		Sections: map[string]reflect.Type{"sqs": reflect.TypeFor[scenarios.SQS]()},
		Pairs:    map[string]Pair{"sqs.request_latency": On("sqs-redrive").With("sqs.request_latency=1s"), "sqs.nope": On("sqs-redrive").With("x=1")},
		Aside:    map[string]string{"sqs.gone": "no such field"},
		Run:      same,
		Always:   true,
	})
	all := strings.Join(r.errs, "\n")
	for _, want := range []string{
		"sqs.request_latency: sqs-redrive with --set sqs.request_latency=1s gives the same results",
		"sqs.max_messages: a setting with no pair",
		"a pair names sqs.nope",
		"a reason names sqs.gone",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
}
