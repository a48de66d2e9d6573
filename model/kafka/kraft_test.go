package kafka

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// A broker leading 1,000 partitions crashes. The KRaft controller fences it
// when its session runs out and moves all 1,000 leaderships in one metadata
// batch: every new leader takes effect at the same instant (within one
// propagation delay of each other), not 5ms apart as a ZooKeeper-era
// controller's serial elections would (1,000 × 5ms = 5s from first to last).
//
// By hand: 3 brokers, 3,000 partitions with RF 3 placed round-robin, so
// broker 0 leads 1,000. Broker 0 heartbeats every 2s starting at
// 2s × 1/(2×3) = 333.333ms; its last heartbeat before the crash at 5s left
// at 4.333333s and reached the controller one network latency (150µs, the
// default profile's) later, 4.333483s. The session (9s) runs out at
// 13.333483s; the batch costs 5ms (13.338483s) and reaches the brokers one
// latency later: every new leader takes effect at 13.338633s, that is
// detection (8.333483s after the crash) + batch (5ms) + propagation (150µs).
func TestKRaftOneBatchMovesAllLeaders(t *testing.T) {
	s := faultScenario(300, 15*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-crash", At: 5 * units.Second, Broker: brokerID(0)})
	s.Topics[0].Partitions = 3000
	s.ConsumerGroups[0].Consumers = 1
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	defer w.close()
	noViolations(t, "kraft", r)
	const lat = 150 * sim.Microsecond
	if w.net.Latency != lat {
		t.Fatalf("network latency %v: the derivation assumes the default profile's %v", w.net.Latency, lat)
	}
	lastHB := 333333333*sim.Nanosecond + 2*sim.Second + 2*sim.Second + lat // 4.333483s
	want := lastHB + 9*sim.Second + 5*sim.Millisecond + lat                // 13.338633s
	c := w.ctl
	n := 0
	first, last := sim.Time(1<<62), sim.Time(0)
	for _, p := range c.parts {
		at := c.ps[p].electedAt
		if at < 5*sim.Second {
			continue
		}
		n++
		first, last = min(first, at), max(last, at)
		if p.leader.b.id == 0 {
			t.Fatalf("partition %d still led by the crashed broker", p.idx)
		}
	}
	if n != 1000 || r.LeaderElections != 1000 {
		t.Fatalf("%d partitions got a new leader after the crash (elections %d), want the 1,000 broker 0 led", n, r.LeaderElections)
	}
	if c.batches != 1 {
		t.Errorf("%d metadata batches, want 1", c.batches)
	}
	if last-first > lat {
		t.Errorf("new leaders took effect from %v to %v: spread %v, want within one propagation delay (%v)", first, last, last-first, lat)
	}
	if d := first - want; d < -sim.Microsecond || d > sim.Microsecond {
		t.Errorf("new leaders at %v, want %v (heartbeat session %v + batch 5ms + propagation %v)", first, want, 9*sim.Second, lat)
	}
}

// leadersMovedAfter returns the partitions whose current leader took
// effect at or after t, and checks none is led by broker gone.
func leadersMovedAfter(t *testing.T, w *world, at sim.Time, gone int) []*partition {
	t.Helper()
	var moved []*partition
	for _, p := range w.ctl.parts {
		if w.ctl.ps[p].electedAt >= at {
			moved = append(moved, p)
			if p.leader.b.id == gone {
				t.Errorf("partition %d: new leader on broker %d, which it was to leave", p.idx, gone)
			}
		}
	}
	return moved
}

// A controlled shutdown moves the broker's leaderships in one metadata
// batch before it stops: 3 brokers, 6 partitions round-robin, so broker 0
// leads 2. The controller is idle, so the batch is committed 5ms after the
// shutdown at 5s and both new leaders take effect one latency (150µs)
// later, at 5.00515s, the instant the broker stops.
func TestKRaftControlledShutdownOneBatch(t *testing.T) {
	s := faultScenario(2000, 10*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-shutdown", At: 5 * units.Second, Broker: brokerID(0)})
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	defer w.close()
	noViolations(t, "shutdown", r)
	want := 5*sim.Second + 5*sim.Millisecond + 150*sim.Microsecond
	moved := leadersMovedAfter(t, w, 5*sim.Second, 0)
	if len(moved) != 2 || w.ctl.batches != 1 {
		t.Fatalf("%d leaderships moved in %d batches, want broker 0's 2 in 1", len(moved), w.ctl.batches)
	}
	for _, p := range moved {
		if at := w.ctl.ps[p].electedAt; at != want {
			t.Errorf("partition %d: new leader at %v, want %v (batch 5ms + propagation 150µs)", p.idx, at, want)
		}
	}
	if r.Lost != 0 {
		t.Errorf("lost %d, want 0 after a controlled shutdown with acks=all", r.Lost)
	}
}

// A broker back before its session runs out is never fenced: it crashes at
// 10s (its last heartbeat left at 8.333s, so the session would run out at
// 17.33s) and restarts at 13s, and its heartbeats resume. Its follower
// replicas stay in the ISR; its 2 leaderships are elected anew, preferring
// another replica, in one batch: 13s + 5ms + 150µs.
func TestKRaftBackBeforeSessionExpires(t *testing.T) {
	s := faultScenario(2000, 25*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 3 * units.Second, Broker: brokerID(0)})
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	defer w.close()
	noViolations(t, "early return", r)
	if w.ctl.bs[0].fenced || r.ISRShrinks != 0 {
		t.Errorf("fenced %v, ISR shrinks %d: want broker 0 never fenced and every ISR whole", w.ctl.bs[0].fenced, r.ISRShrinks)
	}
	want := 13*sim.Second + 5*sim.Millisecond + 150*sim.Microsecond
	moved := leadersMovedAfter(t, w, 10*sim.Second, 0)
	if len(moved) != 2 || w.ctl.batches != 1 {
		t.Fatalf("%d leaderships moved in %d batches, want broker 0's 2 in 1", len(moved), w.ctl.batches)
	}
	for _, p := range moved {
		if at := w.ctl.ps[p].electedAt; at != want {
			t.Errorf("partition %d: new leader at %v, want %v", p.idx, at, want)
		}
	}
	if r.Lost != 0 || r.DivergedPartitions != 0 {
		t.Errorf("lost %d diverged %d, want 0", r.Lost, r.DivergedPartitions)
	}
}
