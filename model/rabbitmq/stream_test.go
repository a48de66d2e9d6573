package rabbitmq

import (
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// TestStream: a stream is read, not consumed. Two consumers of one group
// each read every message (so the group processes each twice: one
// duplicate per message) and nothing is lost; the stream still holds every
// message after they acked (non-destructive).
func TestStream(t *testing.T) {
	y := base + `rabbitmq:
  queues: [{group: workers, type: stream, prefetch: 10}]
`
	ls, err := scenarios.ParseScenario("t.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	w, r, err := run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := w.groups[0].q
	if int64(len(q.stream)) != r.Acked {
		t.Errorf("the stream holds %d of %d confirmed messages after they were read", len(q.stream), r.Acked)
	}
	if r.Groups[0].Processed != 2*r.Acked || r.Duplicates != r.Acked || r.Lost != 0 {
		t.Errorf("processed %d, duplicates %d, lost %d of %d acked: want each read by both consumers", r.Groups[0].Processed, r.Duplicates, r.Lost, r.Acked)
	}
}

// TestStreamOffsetAfterCrash: a lone stream consumer crashes at 5 s and
// returns at 10 s. Starting again at "next" it skips what arrived while it
// was away (those 5 s at 200/s ≈ 1,000 messages, and what it held): they
// are lost to the group, though still in the stream. Starting at "first"
// it rereads the whole stream: nothing lost, the first 5 s processed twice.
func TestStreamOffsetAfterCrash(t *testing.T) {
	y := strings.Replace(base, "consumers: 2", "consumers: 1", 1) + `rabbitmq:
  queues: [{group: workers, type: stream, prefetch: 10}]
faults:
  - {type: consumer-crash, group: workers, consumer: 0, at: 5s, duration: 5s}
`
	r := runYAML(t, y)
	if r.Lost < 900 || r.Lost > 1100 {
		t.Errorf("offset next: lost %d, want about 1,000 (5 s at 200/s)", r.Lost)
	}
	r = runYAML(t, strings.Replace(y, "prefetch: 10}", "prefetch: 10, stream_offset: first}", 1))
	if r.Lost != 0 || r.Duplicates < 900 || r.Duplicates > 1100 {
		t.Errorf("offset first: lost %d, duplicates %d; want 0 and about 1,000", r.Lost, r.Duplicates)
	}
}
