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
// 13.333483s; the batch costs 5ms (13.338483s), is committed when a
// majority of the 3 controller voters has it, one round trip (2 × 150µs)
// later (13.338783s), and reaches the brokers one latency later: every new
// leader takes effect at 13.338933s, that is detection (8.333483s after the
// crash) + batch (5ms) + quorum commit (300µs) + propagation (150µs).
// Every one of those messages goes through the network, each one way
// within ± the profile's jitter (50µs): the heartbeat (one way), the
// commit (the first of two round trips) and the propagation (one way)
// put the instant within ± 4 × 50µs of 13.338933s, and two brokers'
// copies of the batch within 2 × 50µs of each other.
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
	want := lastHB + 9*sim.Second + 5*sim.Millisecond + 2*lat + lat        // 13.338933s
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
	if last-first > 2*w.net.Jitter || 2*w.net.Jitter >= lat {
		t.Errorf("new leaders took effect from %v to %v: spread %v, want within one propagation delay (%v)", first, last, last-first, lat)
	}
	if d := first - want; d < -4*w.net.Jitter || d > 4*w.net.Jitter {
		t.Errorf("new leaders at %v, want %v (heartbeat session %v + batch 5ms + quorum round trip + propagation %v)", first, want, 9*sim.Second, lat)
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
// leads 2. The controller is idle, so the batch is written 5ms after the
// shutdown at 5s, committed by the voters a round trip (300µs) later, and
// both new leaders take effect one latency (150µs) after that, at
// 5.00545s, the instant the broker stops.
func TestKRaftControlledShutdownOneBatch(t *testing.T) {
	s := faultScenario(2000, 10*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-shutdown", At: 5 * units.Second, Broker: brokerID(0)})
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	defer w.close()
	noViolations(t, "shutdown", r)
	want := 5*sim.Second + 5*sim.Millisecond + 300*sim.Microsecond + 150*sim.Microsecond
	tol := 3 * w.net.Jitter // the quorum's round trip and the way to the brokers, each one way ± jitter
	moved := leadersMovedAfter(t, w, 5*sim.Second, 0)
	if len(moved) != 2 || w.ctl.batches != 1 {
		t.Fatalf("%d leaderships moved in %d batches, want broker 0's 2 in 1", len(moved), w.ctl.batches)
	}
	for _, p := range moved {
		if at := w.ctl.ps[p].electedAt; at < want-tol || at > want+tol {
			t.Errorf("partition %d: new leader at %v, want %v (batch 5ms + quorum 300µs + propagation 150µs)", p.idx, at, want)
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
// another replica, in one batch: 13s + 5ms + 300µs (quorum commit) + 150µs.
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
	want := 13*sim.Second + 5*sim.Millisecond + 300*sim.Microsecond + 150*sim.Microsecond
	tol := 3 * w.net.Jitter // the quorum's round trip and the way to the brokers, each one way ± jitter
	moved := leadersMovedAfter(t, w, 10*sim.Second, 0)
	if len(moved) != 2 || w.ctl.batches != 1 {
		t.Fatalf("%d leaderships moved in %d batches, want broker 0's 2 in 1", len(moved), w.ctl.batches)
	}
	for _, p := range moved {
		if at := w.ctl.ps[p].electedAt; at < want-tol || at > want+tol {
			t.Errorf("partition %d: new leader at %v, want %v", p.idx, at, want)
		}
	}
	if r.Lost != 0 || r.DivergedPartitions != 0 {
		t.Errorf("lost %d diverged %d, want 0", r.Lost, r.DivergedPartitions)
	}
}

// quorumScenario: 3 brokers, 6 partitions round-robin (broker 0 leads 2),
// the active controller failing at 5s (with count voters) for 10s and
// broker 0 shut down in a controlled way at 5.5s, which needs the
// controller to move its leaders first.
func quorumScenario(voters int) *scenarios.Scenario {
	return faultScenario(2000, 25*units.Second, "all", 2,
		scenarios.Fault{Type: "controller-failover", At: 5 * units.Second, Duration: 10 * units.Second, Count: voters},
		scenarios.Fault{Type: "broker-shutdown", At: 5500 * units.Millisecond, Broker: brokerID(0)})
}

// The active controller fails at 5s; 2 of 3 voters remain, a majority.
// They go controller_quorum_election_timeout (1s) without hearing from it,
// then the first whose random backoff (up to 1s) runs out stands, wins the
// votes in a round trip (300µs) and is active once its first batch is
// committed, a round trip more: between 5s + 1s + 0.6ms and 5s + 2s +
// 0.6ms. The shutdown at 5.5s waits for it; then the batch moving broker
// 0's 2 leaders costs 5ms + 300µs (quorum) + 150µs (propagation).
func TestKRaftControllerFailoverWaitsForElection(t *testing.T) {
	w, r, err := run(quorumScenario(1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	noViolations(t, "controller failover", r)
	q := w.ctl.q
	lo, hi := 6*sim.Second+600*sim.Microsecond, 7*sim.Second+600*sim.Microsecond
	if q.elections != 1 || q.activeSince < lo || q.activeSince > hi {
		t.Fatalf("%d controller elections, active since %v: want 1, within [%v, %v]", q.elections, q.activeSince, lo, hi)
	}
	want := q.activeSince + 5*sim.Millisecond + 300*sim.Microsecond + 150*sim.Microsecond
	tol := 3 * w.net.Jitter // the quorum's round trip and the way to the brokers, each one way ± jitter
	moved := leadersMovedAfter(t, w, 5*sim.Second, 0)
	if len(moved) != 2 {
		t.Fatalf("%d leaderships moved, want broker 0's 2", len(moved))
	}
	for _, p := range moved {
		if at := w.ctl.ps[p].electedAt; at < want-tol || at > want+tol {
			t.Errorf("partition %d: new leader at %v, want %v (controller active at %v + batch 5ms + quorum 300µs + propagation 150µs)",
				p.idx, at, want, q.activeSince)
		}
	}
}

// Losing 2 of 3 voters leaves no majority: nothing is elected until one
// returns at 15s; then the election takes 1s to 2s (plus 0.6ms) as above,
// and only then do broker 0's leaders move.
func TestKRaftNoMajorityBlocksElections(t *testing.T) {
	w, r, err := run(quorumScenario(2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	noViolations(t, "no majority", r)
	q := w.ctl.q
	lo, hi := 16*sim.Second+600*sim.Microsecond, 17*sim.Second+600*sim.Microsecond
	if q.elections != 1 || q.activeSince < lo || q.activeSince > hi {
		t.Fatalf("%d controller elections, active since %v: want 1, within [%v, %v] (after a voter returns at 15s)", q.elections, q.activeSince, lo, hi)
	}
	moved := leadersMovedAfter(t, w, 5*sim.Second, 0)
	if len(moved) != 2 {
		t.Fatalf("%d leaderships moved, want broker 0's 2", len(moved))
	}
	want := q.activeSince + 5*sim.Millisecond + 300*sim.Microsecond + 150*sim.Microsecond
	tol := 3 * w.net.Jitter // the quorum's round trip and the way to the brokers, each one way ± jitter
	for _, p := range moved {
		if at := w.ctl.ps[p].electedAt; at < want-tol || at > want+tol {
			t.Errorf("partition %d: new leader at %v, want %v: not before the quorum has a leader again", p.idx, at, want)
		}
	}
}

// A single voter commits a batch on its own: no round trip. The same
// controlled shutdown as TestKRaftControlledShutdownOneBatch moves broker
// 0's leaders at 5s + 5ms + 150µs.
func TestKRaftSingleVoterCommitsAlone(t *testing.T) {
	s := faultScenario(2000, 10*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-shutdown", At: 5 * units.Second, Broker: brokerID(0)})
	s.Cluster.ControllerQuorumVoters = 1
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	noViolations(t, "single voter", r)
	want := 5*sim.Second + 5*sim.Millisecond + 150*sim.Microsecond
	tol := w.net.Jitter // the batch's one way to the brokers
	for _, p := range leadersMovedAfter(t, w, 5*sim.Second, 0) {
		if at := w.ctl.ps[p].electedAt; at < want-tol || at > want+tol {
			t.Errorf("partition %d: new leader at %v, want %v", p.idx, at, want)
		}
	}
}
