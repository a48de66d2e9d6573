package sqs

import "testing"

// TestDeleteMessageBatch: 999 jobs arrive in 1 s (one every 1 ms from
// 1 ms) for one consumer of 100 ms each that receives 10 at a time (long
// polling), so after the first receive (the first job alone) every receive
// returns up to 10 from the backlog. With DeleteMessage each processed job
// is one call: 999 deletes. With delete_batch 10 each receive's batch is
// deleted in one call: one per non-empty receive, 1 + ⌈998 / 10⌉ = 101 at
// most and ⌈999 / 10⌉ = 100 at least, so the API calls drop by 898 to 899.
// Nothing is lost or duplicated either way.
func TestDeleteMessageBatch(t *testing.T) {
	const y = `name: del
system: sqs
seed: 1
duration: 1s
drain: 5m
sqs:
  max_messages: 10
  queues:
    - {name: q, receive_wait: 20s, visibility_timeout: 5m}
producers:
  - {name: p, topic: q, rate: 1000/s, arrival: constant}
consumer_groups:
  - {name: g, topic: q, processing: const(100ms)}
`
	_, one := play(t, load(t, y))
	_, ten := play(t, load(t, y, "sqs.delete_batch=10"))
	for _, r := range []struct {
		name     string
		lost, du int64
	}{{"delete_batch 1", one.Lost, one.Duplicates}, {"delete_batch 10", ten.Lost, ten.Duplicates}} {
		if r.lost != 0 || r.du != 0 {
			t.Errorf("%s: lost %d, duplicates %d: want 0", r.name, r.lost, r.du)
		}
	}
	if one.Acked != 999 {
		t.Fatalf("acked %d, want 999", one.Acked)
	}
	if d := one.APIRequests - ten.APIRequests; d < 898 || d > 899 {
		t.Errorf("DeleteMessageBatch saved %d calls (%d → %d), want 898 to 899", d, one.APIRequests, ten.APIRequests)
	}
}
