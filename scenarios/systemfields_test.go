package scenarios

import (
	"strings"
	"testing"
)

const sqsWithKafkaFields = `name: t
system: sqs
duration: 10s
sqs:
  queues:
    - name: jobs
producers:
  - name: api
    topic: jobs
    rate: 10/s
    linger: 5ms
consumer_groups:
  - name: workers
    topic: jobs
    commit: after
`

// TestKafkaFieldsUnderSQSRefused: Kafka-only settings in a file with
// system: sqs are errors naming file, line and field; from --set too.
func TestKafkaFieldsUnderSQSRefused(t *testing.T) {
	_, err := ParseScenario("t.yaml", []byte(sqsWithKafkaFields), nil)
	for _, want := range []string{"t.yaml:11: producers[0].linger", "t.yaml:15: consumer_groups[0].commit"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one naming %s", err, want)
		}
	}
	ok := strings.Replace(strings.Replace(sqsWithKafkaFields, "    linger: 5ms\n", "", 1), "    commit: after\n", "", 1)
	if _, err := ParseScenario("t.yaml", []byte(ok), nil); err != nil {
		t.Fatalf("without the Kafka fields: %v", err)
	}
	_, err = ParseScenario("t.yaml", []byte(ok), []string{"producers.0.acks=1"})
	if err == nil || !strings.Contains(err.Error(), "producers[0].acks") {
		t.Errorf("--set producers.0.acks=1 under sqs: error %v, want one naming producers[0].acks", err)
	}
	// The same file compared with --vary system=… lists them instead.
	ls, err := ParseScenario("t.yaml", []byte(sqsWithKafkaFields), []string{"system=sqs"})
	if err != nil {
		t.Fatalf("with system from --set: %v", err)
	}
	na := strings.Join(ls.NotApplied(), "\n")
	for _, want := range []string{"producers[0].linger=5ms", "consumer_groups[0].commit=after"} {
		if !strings.Contains(na, want) {
			t.Errorf("not applied:\n%s\nwant %s", na, want)
		}
	}
}

// TestQueueVsLogVariants: queue-vs-log loads as each system; under sqs its
// topic becomes a standard queue, and the share group, the cluster and the
// topic are listed as not applied; under kafka the other sections are.
func TestQueueVsLogVariants(t *testing.T) {
	want := map[string][]string{
		"kafka":    {"rabbitmq={…}", "sqs={…}"},
		"rabbitmq": {"sqs={…}", "consumer_groups[0].type=share", "consumer_groups[0].max_poll_records=1"},
		"sqs":      {"rabbitmq={…}", "cluster={…}", "topics[0]=jobs", "consumer_groups[0].type=share"},
	}
	for sys, items := range want {
		ls, err := LoadScenario("queue-vs-log", []string{"system=" + sys})
		if err != nil {
			t.Fatalf("%s: %v", sys, err)
		}
		na := strings.Join(ls.NotApplied(), "\n")
		for _, w := range items {
			if !strings.Contains(na, w) {
				t.Errorf("%s: not applied:\n%s\nwant %s", sys, na, w)
			}
		}
	}
	if _, err := LoadScenario("queue-vs-log", nil); err != nil {
		t.Errorf("queue-vs-log as written (kafka): %v", err)
	}
}

// TestCompareRules: compare: names known systems, its own, and every
// system whose section the file has.
func TestCompareRules(t *testing.T) {
	const base = `name: t
duration: 10s
COMPARE
topics:
  - {name: jobs, partitions: 1}
producers:
  - {name: api, topic: jobs, rate: 10/s}
consumer_groups:
  - {name: workers, topic: jobs}
rabbitmq:
  queues:
    - {group: workers, prefetch: 1}
`
	for _, c := range []struct{ compare, want string }{
		{"compare: [kafka, rabbit]", "t.yaml:3: compare[1]"},
		{"compare: [rabbitmq]", "does not list this scenario's own system kafka"},
		{"compare: [kafka, sqs]", "has a rabbitmq section but compare does not list rabbitmq"},
		{"", "t.yaml:10: rabbitmq"},
	} {
		_, err := ParseScenario("t.yaml", []byte(strings.Replace(base, "COMPARE", c.compare, 1)), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.compare, err, c.want)
		}
	}
	if _, err := ParseScenario("t.yaml", []byte(strings.Replace(base, "COMPARE", "compare: [kafka, rabbitmq]", 1)), nil); err != nil {
		t.Errorf("compare: [kafka, rabbitmq]: %v", err)
	}
}
