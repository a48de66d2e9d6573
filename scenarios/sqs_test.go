package scenarios

import (
	"strings"
	"testing"
)

// sqsMinimal is the smallest valid SQS scenario; line numbers below count
// from its first line.
const sqsMinimal = `name: s
system: sqs
duration: 10s
sqs:
  queues:
    - name: jobs
      visibility_timeout: 30s
producers:
  - name: p
    topic: jobs
    rate: 10/s
consumer_groups:
  - name: g
    topic: jobs
`

func TestSQSScenarioResolves(t *testing.T) {
	ls, err := ParseScenario("s.yaml", []byte(sqsMinimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := ls.SQS.Queues[0]
	// SQS's documented defaults.
	if q.Type != "standard" || q.Retention != DefaultSQSRetention || q.MaxMessageSize != 256<<10 || q.InFlightLimit != 120_000 ||
		ls.SQS.RequestLatency != DefaultSQSRequestLatency || ls.SQS.MaxMessages != 1 {
		t.Errorf("defaults = %+v, %+v", q, ls.SQS)
	}
}

// Bad SQS input names the file, the line and the field.
func TestSQSBadInput(t *testing.T) {
	fifo := strings.Replace(strings.Replace(sqsMinimal, "name: jobs", "name: jobs.fifo\n      type: fifo", 1), "topic: jobs", "topic: jobs.fifo", -1)
	for _, c := range []struct {
		name, yaml  string
		line        int
		field, want string
	}{
		{"visibility over 12h", strings.Replace(sqsMinimal, "visibility_timeout: 30s", "visibility_timeout: 13h", 1), 7,
			"sqs.queues[0].visibility_timeout", "0s to 12h"},
		{"fifo without a group key", fifo, 10, "producers[0].keys", "MessageGroupId"},
		{"maxReceiveCount 0", strings.Replace(sqsMinimal, "visibility_timeout: 30s", "visibility_timeout: 30s\n      dead_letter_queue: dlq\n      max_receive_count: 1001\n    - name: dlq", 1), 9,
			"sqs.queues[0].max_receive_count", "1 to 1000"},
		{"sqs under kafka", strings.Replace(sqsMinimal, "system: sqs", "system: kafka", 1), 4, "sqs", "only under system: sqs"},
		{"unknown system", strings.Replace(sqsMinimal, "system: sqs", "system: sqs2", 1), 2, "system", "want one of kafka, rabbitmq, sqs"},
		{"long poll over 20s", strings.Replace(sqsMinimal, "visibility_timeout: 30s", "receive_wait: 21s", 1), 7,
			"sqs.queues[0].receive_wait", "0s (short polling) to 20s"},
		{"retention under 60s", strings.Replace(sqsMinimal, "visibility_timeout: 30s", "retention: 59s", 1), 7,
			"sqs.queues[0].retention", "60s to 14d"},
		{"two groups on one queue", sqsMinimal + "  - name: h\n    topic: jobs\n", 16, "consumer_groups[1].topic", "one consumer"},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.yaml), nil)
		if !hasError(t, err, "s.yaml", c.line, c.field, c.want) {
			t.Errorf("%s: got %v, want s.yaml:%d %s containing %q", c.name, err, c.line, c.field, c.want)
		}
	}
}
