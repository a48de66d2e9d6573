package net

import (
	"testing"

	"mqsim/sim"
)

// Messages sent on one link 10 µs apart, with a latency of 1 ms ± 400 µs:
// each arrives no earlier than latency − jitter after it was sent, no later
// than latency + jitter after the latest send before it (it may wait behind
// an earlier message, never overtake it), and in send order.
func TestSendLatencyJitterOrder(t *testing.T) {
	s := sim.New(1)
	const lat, jit, gap = sim.Millisecond, 400 * sim.Microsecond, 10 * sim.Microsecond
	n := New(s, s.Stream("network"), lat, jit)
	var l Link
	var arrived []sim.Time
	for i := range 200 {
		s.AtCall(sim.Time(i)*gap, func(uint64) {
			n.Send(&l, func(uint64) { arrived = append(arrived, s.Now()) }, 0)
		}, 0)
	}
	s.Run()
	if len(arrived) != 200 {
		t.Fatalf("%d arrivals, want 200", len(arrived))
	}
	for i, at := range arrived {
		sent := sim.Time(i) * gap
		if at < sent+lat-jit || at > sent+lat+jit {
			t.Errorf("message %d sent at %v arrived at %v, want within [%v, %v]", i, sent, at, sent+lat-jit, sent+lat+jit)
		}
		if i > 0 && at < arrived[i-1] {
			t.Errorf("message %d arrived at %v, before message %d (%v): a link never reorders", i, at, i-1, arrived[i-1])
		}
	}
}
