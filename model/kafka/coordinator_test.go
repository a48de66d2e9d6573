package kafka

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// coordScenario: 3 brokers, one partition (on broker 0 alone, so faults
// of the coordinator's broker leave it alone), a
// producer writing 1,000 msg/s at a constant pace, and one consumer
// auto-committing every second, whose group's coordinator is on broker 1
// or 2 (its __consumer_offsets partition is abs(hash(name)) % 50; the
// name is the first g0, g1, … whose partition is not led by broker 0).
func coordScenario(t *testing.T, faults ...scenarios.Fault) (*scenarios.Scenario, int) {
	t.Helper()
	name, coord := "", 0
	for i := 0; name == ""; i++ {
		n := fmt.Sprintf("g%d", i)
		if b := offsetsPartitionOf(n) % 3; b != 0 {
			name, coord = n, b
		}
	}
	s := &scenarios.Scenario{
		Name: "coordinator", Seed: 1, Duration: 30 * units.Second,
		Cluster:   scenarios.Cluster{Brokers: 3},
		Topics:    []scenarios.Topic{{Name: "events", Partitions: 1, ReplicationFactor: 1}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1000, Arrival: "constant"}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: name, Topic: "events", Consumers: 1,
			AutoCommitInterval: units.Second, SessionTimeout: 6 * units.Second, HeartbeatInterval: units.Second}},
	}
	for i := range faults {
		faults[i].Group = name
	}
	s.Faults = faults
	s.Defaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s, coord
}

// The coordinator's broker crashes at 5s, and so does the group's only
// consumer, which restarts at 6s. The offsets partition is offline until
// the controller fences the broker (its session, 9s, from its last
// heartbeat), so the new member finds no coordinator (it asks again every
// 100ms) until a follower of the partition leads it; that broker loads the
// committed offsets from its own replica of the log and the member starts
// from there.
//
// By hand: auto-commits go out at the first poll after each second and
// carry the position then, so the last commit before the crash, at ≈ 4s,
// holds ≈ 4,000 and was replicated within a round trip. The consumer had
// processed ≈ 5,000 (records produced by 5s, less the linger and fetch
// that are in flight, a few ms' worth). The new member processes them
// again from 4,000: duplicates ≈ 1,000 = commit interval (1s) × rate
// (1,000/s), and nothing is lost.
//
// With the coordinator cut off from its peers from 3s, the commits at ≈ 3s
// and ≈ 4s are appended on the coordinator alone and never acknowledged
// (an offset commit waits for every in-sync replica); the new leader's log
// ends with the commit at ≈ 2s: duplicates ≈ 3,000 = the commit interval
// plus the 2s of unreplicated commits, × 1,000/s. Nothing is lost.
func TestCoordinatorFailoverReloadsOffsets(t *testing.T) {
	zero := 0
	crash := func(at units.Duration) []scenarios.Fault {
		return []scenarios.Fault{
			{Type: "coordinator-loss", At: at},
			{Type: "consumer-crash", At: at, Duration: units.Second, Consumer: &zero},
		}
	}
	for _, tc := range []struct {
		name   string
		cut    bool
		dupes  int64 // commit interval (+ unreplicated window) × rate
		commit int64 // the offset the new coordinator loads
	}{
		{"replicated", false, 1 * 1000, 4000},
		{"unreplicated tail", true, 3 * 1000, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			faults := crash(5 * units.Second)
			s, coord := coordScenario(t, faults...)
			if tc.cut {
				s.Faults = append([]scenarios.Fault{{Type: "network-partition", At: 3 * units.Second, Broker: &coord,
					From: []string{"peers"}}}, s.Faults...)
			}
			w, r, err := run(s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.close()
			noViolations(t, tc.name, r)
			g := w.groups[0]
			if nb := g.op.p.leader.b.id; nb == coord || r.CoordinatorFailovers != 1 {
				t.Fatalf("coordinator on broker %d after the crash of broker %d, %d failovers: want another broker, 1", nb, coord, r.CoordinatorFailovers)
			}
			// What the new coordinator loaded from its log.
			if loaded := g.lastLoaded[0]; loaded < tc.commit-50 || loaded > tc.commit+50 {
				t.Errorf("the new coordinator loaded a committed offset of %d, want ≈ %d", loaded, tc.commit)
			}
			if r.Lost != 0 || r.Unseen != 0 {
				t.Errorf("lost %d unseen %d, want 0", r.Lost, r.Unseen)
			}
			if lo, hi := tc.dupes*97/100, tc.dupes*103/100; r.Duplicates < lo || r.Duplicates > hi {
				t.Errorf("duplicates %d, want ≈ %d (in [%d, %d])", r.Duplicates, tc.dupes, lo, hi)
			}
		})
	}
}

// A commit is acknowledged once every in-sync replica of the offsets
// partition has it: with the coordinator cut off from its peers, commits
// wait at the coordinator (the followers stay in the ISR for
// replica_lag_time_max, 30s) and the member gives up on each after
// coordinator_request_timeout (here 2s) and looks for the coordinator
// again. The committed offset stays where it was at the cut.
func TestCommitWaitsForOffsetsReplication(t *testing.T) {
	s, coord := coordScenario(t)
	s.Duration = 10 * units.Second
	s.ConsumerGroups[0].CoordinatorRequestTimeout = 2 * units.Second
	s.Faults = []scenarios.Fault{{Type: "network-partition", At: 3 * units.Second, Broker: &coord, From: []string{"peers"}}}
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	g := w.groups[0]
	// The commit at ≈ 2s (≈ 2,000) was the last one replicated.
	if c := g.committed[0]; c < 1950 || c > 2050 {
		t.Errorf("committed %d at the end, want ≈ 2,000: commits after the cut are never acknowledged", c)
	}
	if r.OffsetCommits < 3 {
		t.Errorf("%d commits written, want those after the cut written too (on the coordinator alone)", r.OffsetCommits)
	}
	if r.Lost != 0 {
		t.Errorf("lost %d, want 0", r.Lost)
	}
}

// Heartbeats go through the network: a member whose coordinator is cut
// off from the clients cannot heartbeat, and after session_timeout (6s)
// the coordinator removes it (a rebalance), although its process is fine.
func TestHeartbeatsCutOffExpireSession(t *testing.T) {
	s, coord := coordScenario(t)
	s.Duration = 20 * units.Second
	s.Faults = []scenarios.Fault{{Type: "network-partition", At: 3 * units.Second, Duration: 10 * units.Second, Broker: &coord,
		From: []string{"clients"}}}
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	g := w.groups[0]
	if g.sessionExpiries < 1 {
		t.Errorf("%d session expiries, want the member removed once its heartbeats stopped arriving for 6s", g.sessionExpiries)
	}
	if r.Lost != 0 || r.FinalLag != 0 {
		t.Errorf("lost %d, final lag %d: want 0 once the cut heals", r.Lost, r.FinalLag)
	}
}

// Random broker faults (randomSchedule's crashes, machine crashes,
// controlled shutdowns and partitions) with a third of them turned into
// the loss of the group's coordinator (process or machine), acks=all,
// min.insync.replicas 2, RF 3, idempotent producers, commits auto or after
// processing: nothing acknowledged is lost, nothing reordered, diverged or
// duplicated (a coordinator failover alone moves no partition between
// members, so nothing is redelivered), and the group drains. 6 seeds, 3
// with -short, MQSIM_FAULT_SEEDS for more (30 pass).
func TestRandomFaultsWithCoordinatorLoss(t *testing.T) {
	seeds := 6
	if testing.Short() {
		seeds = 3
	}
	if v := os.Getenv("MQSIM_FAULT_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("MQSIM_FAULT_SEEDS=%q: want a positive number of seeds", v)
		}
		seeds = n
	}
	const dur = 60 * units.Second
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			faults := randomSchedule(seed, dur)
			rng := rand.New(rand.NewPCG(seed, 0x636f6f7264))
			for i := range faults {
				if rng.IntN(3) == 0 {
					faults[i] = scenarios.Fault{Type: "coordinator-loss", At: faults[i].At, Duration: faults[i].Duration,
						Group: "readers", LosePageCache: rng.IntN(2) == 0}
				}
			}
			s := faultScenario(3000, dur, "all", 2, faults...)
			s.Seed = seed
			s.Producers[0].Keys = "uniform(1000)"
			s.ConsumerGroups[0].Commit = []string{"auto", "after"}[seed%2]
			if err := s.Validate(); err != nil {
				t.Fatalf("seed %d: schedule invalid: %v", seed, err)
			}
			r, err := Run(s, Options{})
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if len(r.InvariantViolations) > 0 {
				t.Errorf("seed %d: invariants violated: %v", seed, r.InvariantViolations)
			}
			if r.Lost != 0 || r.Unseen != 0 || r.Reordered != 0 || r.DivergedPartitions != 0 || r.Duplicates != 0 || r.FinalLag != 0 {
				t.Errorf("seed %d (faults %+v): lost %d unseen %d reordered %d diverged %d duplicates %d final lag %d, want 0",
					seed, faults, r.Lost, r.Unseen, r.Reordered, r.DivergedPartitions, r.Duplicates, r.FinalLag)
			}
		})
	}
}
