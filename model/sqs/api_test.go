package sqs

import (
	"math"
	"testing"

	"mqsim/sim"
)

const apiBase = `name: api
system: sqs
seed: 1
duration: 10s
sqs:
  queues:
    - name: q
producers:
  - name: p
    topic: q
    rate: 0.05/s
    arrival: constant
consumer_groups:
  - name: g
    topic: q
`

// Requests are billed per 64 KB chunk of payload: a 256 KB send is 4
// requests, 64 KB + 1 B is 2, an empty receive 1.
func TestBillingChunks(t *testing.T) {
	w, err := build(load(t, apiBase))
	if err != nil {
		t.Fatal(err)
	}
	qs := w.queues[0]
	for _, c := range []struct{ payload, want int64 }{{256 << 10, 4}, {64<<10 + 1, 2}, {64 << 10, 1}, {0, 1}} {
		before := w.billed
		w.call(qs, actSend, c.payload, func() {})
		if got := w.billed - before; got != c.want {
			t.Errorf("payload %d B billed %d requests, want %d", c.payload, got, c.want)
		}
	}
}

// Short polling on an empty queue: each receive is a 20 ms round trip that
// returns nothing, so one consumer makes 10 s / 20 ms = 500 empty receives
// in 10 s; long polling (20 s wait) makes none that return in that time.
func TestShortPollingEmptyReceives(t *testing.T) {
	_, r := play(t, load(t, apiBase))
	if math.Abs(float64(r.EmptyReceives)-500) > 2 {
		t.Errorf("short polling: %d empty receives in 10 s, want 10 s / 20 ms = 500", r.EmptyReceives)
	}
	if r.MonthlyRequests <= 0 || math.Abs(r.MonthlyRequests-r.RequestsPerSecond*30*86400) > 1 {
		t.Errorf("monthly requests %.0f, want requests/s %.2f × 2,592,000", r.MonthlyRequests, r.RequestsPerSecond)
	}
	_, r = play(t, load(t, apiBase, "sqs.queues.0.receive_wait=20s"))
	if r.EmptyReceives != 0 {
		t.Errorf("long polling: %d empty receives in 10 s, want 0 (the first wait ends at 20 s)", r.EmptyReceives)
	}
}

// A standard queue's duplicate rate: a missed delete delivers the message
// again after the visibility timeout, and the checker counts it.
func TestStandardDuplicateRate(t *testing.T) {
	_, r := play(t, load(t, apiBase, "producers.0.rate=100/s", "sqs.queues.0.duplicate_rate=10%", "sqs.queues.0.receive_wait=20s",
		"consumer_groups.0.consumers=4", "sqs.max_messages=10"))
	share := float64(r.Duplicates) / float64(r.Acked)
	// 10% of deletes missed, and 10% of the second deletes too: 0.1 + 0.01 + … ≈ 0.111 per message.
	if math.Abs(share-0.111) > 0.03 {
		t.Errorf("duplicates %d of %d messages (%.3f), want about 0.111", r.Duplicates, r.Acked, share)
	}
}

// A FIFO queue allows 300 calls per second per action: 5,000 msg/s offered
// in SendMessageBatch calls of 10 are sent at 300 × 10 = 3,000 msg/s, one
// message per call at 300 msg/s; high-throughput mode (18,000 calls/s)
// does not bind at 500 calls/s.
func TestFIFOThroughputLimit(t *testing.T) {
	const yaml = `name: fifo
system: sqs
seed: 1
duration: 10s
sqs:
  queues:
    - name: q.fifo
      type: fifo
producers:
  - name: p
    topic: q.fifo
    rate: 5000/s
    arrival: constant
    keys: uniform(100)
consumer_groups:
  - name: g
    topic: q.fifo
`
	for _, c := range []struct {
		sets []string
		want float64 // messages sent in the 10 s
	}{
		{[]string{"sqs.send_batch=10"}, 3000 * 10},
		{nil, 300 * 10},
		{[]string{"sqs.send_batch=10", "sqs.queues.0.high_throughput=true"}, 5000 * 10},
	} {
		w, err := build(load(t, yaml, c.sets...))
		if err != nil {
			t.Fatal(err)
		}
		w.s.RunUntil(sim.Seconds(10))
		got := float64(w.queues[0].q.Sent)
		if math.Abs(got-c.want)/c.want > 0.01 {
			t.Errorf("%v: %.0f messages sent in 10 s, want %.0f", c.sets, got, c.want)
		}
	}
}
