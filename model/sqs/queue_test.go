package sqs

import (
	"errors"
	"testing"

	"mqsim/sim"
)

func sec(s float64) sim.Time { return sim.Seconds(s) }

func stdQueue(vis sim.Time) *Queue {
	return NewQueue(QueueConfig{Name: "q", Visibility: vis, Retention: 4 * 86400 * sim.Second, InFlightLimit: 120_000})
}

func msg(seq int32, key int64) *Message { return &Message{Seq: seq, Key: key, DedupID: uint64(seq)} }

// A received message is invisible for the visibility timeout, then
// delivered again; the first receiver's delete then carries a stale handle.
func TestVisibilityTimeoutRedelivers(t *testing.T) {
	q := stdQueue(sec(30))
	q.Send(0, msg(0, -1))
	r1 := q.Receive(sec(1), 10)
	if len(r1) != 1 {
		t.Fatalf("first receive got %d, want 1", len(r1))
	}
	// Invisible from 1 s to 31 s.
	if got := q.Receive(sec(30.999), 10); len(got) != 0 {
		t.Fatalf("receive at 30.999s got %d, want 0 (visible again at 1 + 30 = 31 s)", len(got))
	}
	r2 := q.Receive(sec(31), 10)
	if len(r2) != 1 || r2[0].M.ReceiveCount != 2 {
		t.Fatalf("receive at 31s = %v, want the message with ApproximateReceiveCount 2", r2)
	}
	if q.Delete(sec(35), r1[0]) {
		t.Errorf("delete with the first receipt succeeded; SQS needs the latest handle")
	}
	if !q.Delete(sec(36), r2[0]) || q.Stored() != 0 {
		t.Errorf("delete with the latest receipt: stored %d, want 0", q.Stored())
	}
}

// The API reference's example: visibility 60 s, a call at 15 s with 10 s
// makes the message visible at 25 s, so a delete after 25 s (once another
// receive took it) fails.
func TestChangeMessageVisibilityRestartsTheCountdown(t *testing.T) {
	q := stdQueue(sec(60))
	q.Send(0, msg(0, -1))
	r := q.Receive(0, 1)[0]
	if err := q.ChangeVisibility(sec(15), r, sec(10)); err != nil {
		t.Fatal(err)
	}
	if got := q.Receive(sec(24.9), 1); len(got) != 0 {
		t.Fatalf("visible before 15 + 10 = 25 s")
	}
	again := q.Receive(sec(25), 1)
	if len(again) != 1 {
		t.Fatalf("not visible at 25 s (15 s + 10 s), want visible")
	}
	if q.Delete(sec(26), r) {
		t.Errorf("delete after 25 s with the old receipt succeeded, want it to fail")
	}
	// The 12-hour cap counts from the receive.
	// Received at 25 s: at 55 s, 12 h − 30 s more is the limit exactly.
	r2 := again[0]
	if err := q.ChangeVisibility(sec(55), r2, sec(12*3600-30)); err != nil {
		t.Errorf("extending to exactly 12 h after the receive: %v, want accepted", err)
	}
	if err := q.ChangeVisibility(sec(55), r2, sec(12*3600-29)); !errors.Is(err, ErrVisibilityTooLong) {
		t.Errorf("extending past 12 h: %v, want ErrVisibilityTooLong", err)
	}
	// A visibility of 0 returns the message at once.
	if err := q.ChangeVisibility(sec(3700), r2, 0); err != nil {
		t.Fatal(err)
	}
	if got := q.Receive(sec(3700), 1); len(got) != 1 || got[0].M.ReceiveCount != 3 {
		t.Errorf("after ChangeMessageVisibility(0) the message is not receivable at once")
	}
}

// FIFO: a group is blocked while any of its messages is in flight; other
// groups go on; order within a group is kept across a visibility timeout.
func TestFIFOGroupBlocking(t *testing.T) {
	q := NewQueue(QueueConfig{Name: "q.fifo", FIFO: true, Visibility: sec(30), Retention: 86400 * sim.Second, InFlightLimit: 120_000})
	// Group A: a1, a2, a3; group B: b1.
	for i, k := range []int64{1, 1, 1, 2} {
		q.Send(0, msg(int32(i), k))
	}
	first := q.Receive(sec(1), 1)
	if len(first) != 1 || first[0].M.Seq != 0 {
		t.Fatalf("first receive = %v, want a1", first)
	}
	// A is blocked (a1 in flight): the next receive gets only B.
	next := q.Receive(sec(2), 10)
	if len(next) != 1 || next[0].M.Key != 2 {
		t.Fatalf("second receive = %d messages, want only b1 (group A blocked by a1 in flight)", len(next))
	}
	if got := q.Receive(sec(3), 10); len(got) != 0 {
		t.Fatalf("third receive got %d, want 0: both groups have a message in flight", len(got))
	}
	// a1's visibility expires at 31 s: a1 comes back first, and a batch
	// takes a1, a2, a3 in order.
	back := q.Receive(sec(31), 10)
	if len(back) != 3 || back[0].M.Seq != 0 || back[1].M.Seq != 1 || back[2].M.Seq != 2 {
		t.Fatalf("after a1's timeout got %d messages, want a1, a2, a3 in order", len(back))
	}
	// Deleting a1 and a2 leaves a3 in flight: the group stays blocked.
	q.Delete(sec(31), back[0])
	q.Delete(sec(31), back[1])
	if q.HasAvailable(sec(31.5)) { // b1 stays in flight until 2 + 30 = 32 s
		t.Errorf("group A available while a3 is in flight")
	}
}

// FIFO deduplication: a repeat of an id within 5 minutes is accepted and
// dropped, even after the first was deleted; from 5 minutes on it is new.
func TestFIFODedupWindow(t *testing.T) {
	q := NewQueue(QueueConfig{Name: "q.fifo", FIFO: true, Visibility: sec(30), Retention: 86400 * sim.Second, InFlightLimit: 120_000})
	m := func() *Message { return &Message{Key: 1, DedupID: 42} }
	if !q.Send(0, m()) {
		t.Fatal("first send dropped")
	}
	r := q.Receive(sec(1), 1)
	q.Delete(sec(2), r[0])
	if q.Send(sec(299.9), m()) {
		t.Errorf("repeat at 299.9 s enqueued, want dropped (5-minute interval)")
	}
	if !q.Send(sec(300), m()) {
		t.Errorf("repeat at 300 s dropped, want a new message")
	}
	if q.DedupDropped != 1 || q.Stored() != 1 {
		t.Errorf("DedupDropped %d, stored %d; want 1 and 1", q.DedupDropped, q.Stored())
	}
}

// Redrive: with maxReceiveCount 3 a message is received 3 times, then
// moved to the DLQ when it would be received a 4th time. A standard DLQ
// keeps the original enqueue time; a FIFO one resets it.
func TestRedriveAfterMaxReceiveCount(t *testing.T) {
	for _, fifo := range []bool{false, true} {
		dlq := NewQueue(QueueConfig{Name: "dlq", FIFO: fifo, Visibility: sec(30), Retention: 300 * sim.Second, InFlightLimit: 120_000})
		q := NewQueue(QueueConfig{Name: "q", FIFO: fifo, Visibility: sec(10), Retention: 86400 * sim.Second,
			MaxReceiveCount: 3, DLQ: dlq, InFlightLimit: 120_000})
		q.Send(0, msg(0, 1))
		for i := range 3 {
			at := sec(float64(i) * 10) // each receive at the previous one's timeout
			if got := q.Receive(at, 1); len(got) != 1 || got[0].M.ReceiveCount != i+1 {
				t.Fatalf("fifo=%v: receive %d at %v got %v", fifo, i+1, at, got)
			}
		}
		if got := q.Receive(sec(30), 1); len(got) != 0 {
			t.Fatalf("fifo=%v: a 4th receive delivered; want the message redriven", fifo)
		}
		if q.Redriven != 1 || q.Stored() != 0 || dlq.Stored() != 1 {
			t.Fatalf("fifo=%v: redriven %d, source %d, dlq %d; want 1, 0, 1", fifo, q.Redriven, q.Stored(), dlq.Stored())
		}
		// DLQ retention 300 s: counted from 0 s (standard: the original
		// enqueue) or from 30 s (FIFO: the move).
		expireAt := sec(300)
		if fifo {
			expireAt = sec(330)
		}
		expiredAt := func(now sim.Time) (exp bool) {
			dlq.Each(now, func(_ *Message, e bool) { exp = e })
			return exp
		}
		if expiredAt(expireAt-1) || !expiredAt(expireAt) {
			t.Errorf("fifo=%v: DLQ retention does not end at %v", fifo, expireAt)
		}
		if got := dlq.Receive(expireAt, 1); len(got) != 0 || dlq.LostToRetention != 1 {
			t.Errorf("fifo=%v: a receive at %v got %d, lost to retention %d; want 0 and 1", fifo, expireAt, len(got), dlq.LostToRetention)
		}
	}
}

// The in-flight limit caps receives: with 2, a third message waits until
// one is deleted.
func TestInFlightLimit(t *testing.T) {
	q := stdQueue(sec(30))
	q.Cfg.InFlightLimit = 2
	for i := range 3 {
		q.Send(0, msg(int32(i), -1))
	}
	got := q.Receive(0, 10)
	if len(got) != 2 {
		t.Fatalf("receive got %d, want 2 (the in-flight limit)", len(got))
	}
	if more := q.Receive(sec(1), 10); len(more) != 0 || q.OverLimit != 1 {
		t.Fatalf("receive at the limit got %d (over-limit count %d), want 0 and 1", len(more), q.OverLimit)
	}
	q.Delete(sec(2), got[0])
	if more := q.Receive(sec(2), 10); len(more) != 1 {
		t.Fatalf("after a delete got %d, want 1", len(more))
	}
}

// A delay queue holds a message for its delay before the first receive.
func TestDelayQueue(t *testing.T) {
	q := stdQueue(sec(30))
	q.Cfg.Delay = sec(900) // the 15-minute maximum
	q.Send(sec(10), msg(0, -1))
	if at, ok := q.NextTimer(); !ok || at != sec(910) {
		t.Fatalf("next timer %v, want 910 s", at)
	}
	if len(q.Receive(sec(909.9), 1)) != 0 || len(q.Receive(sec(910), 1)) != 1 {
		t.Errorf("a message sent at 10 s with a 900 s delay is not receivable exactly from 910 s")
	}
}
