package kafka

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// faultScenario is baseScenario with RF 3, min.insync.replicas m and the
// given acks (idempotence off unless acks=all).
func faultScenario(rate float64, dur units.Duration, acks string, m int, faults ...scenarios.Fault) *scenarios.Scenario {
	s := baseScenario(rate, dur)
	s.Topics[0].MinInsyncReplicas = m
	s.Producers[0].Acks = acks
	if acks != "all" {
		no := false
		s.Producers[0].EnableIdempotence = &no
	}
	s.Faults = faults
	return s
}

func brokerID(n int) *int { return &n }

func noViolations(t *testing.T, name string, r *Results) {
	t.Helper()
	if len(r.InvariantViolations) > 0 {
		t.Errorf("%s: model bug, invariants violated: %s", name, strings.Join(r.InvariantViolations, "; "))
	}
}

// The leader of two partitions crashes and returns: with acks=all and
// min.insync.replicas 2 nothing acknowledged is lost; each of its two
// partitions is without a leader from the crash until the controller's
// metadata batch reaches the brokers, measured in 100ms ticks; the
// returning broker truncates its unreplicated tail and rejoins every ISR.
//
// By hand: broker 0 of 3 heartbeats every 2s from 2s×1/6 = 333.3ms, so its
// last heartbeat before the crash at 10s left at 8.3333s and arrived 150µs
// later (the profile's latency); the session (9s) runs out at 17.3335s,
// the batch costs 5ms and reaches the brokers 150µs later: 17.3386s, 7.339s
// after the crash, for each of the two partitions (±1 tick each).
func TestBrokerCrashAcksAll(t *testing.T) {
	s := faultScenario(5000, 30*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 10 * units.Second, Leader: "events/0"})
	r := mustRun(t, s)
	noViolations(t, "crash", r)
	if r.Lost != 0 || r.Duplicates != 0 || r.Reordered != 0 || r.DivergedPartitions != 0 {
		t.Errorf("lost %d duplicates %d reordered %d diverged %d, want 0", r.Lost, r.Duplicates, r.Reordered, r.DivergedPartitions)
	}
	// Broker 0 leads partitions 0 and 3 of 6 (round-robin placement).
	if r.LeaderElections < 2 {
		t.Errorf("leader elections %d, want at least the 2 partitions broker 0 led", r.LeaderElections)
	}
	const lat = 0.00015
	per := 17.33348 - 10 + 0.005 + lat // session from the last heartbeat, the batch, propagation
	if lo, hi := 2*(per-0.1), 2*(per+0.1); r.UnavailableSeconds < lo || r.UnavailableSeconds > hi {
		t.Errorf("unavailable %.2fs, want 2 partitions × %.4fs (heartbeat session, one batch, propagation) in [%.2f, %.2f]",
			r.UnavailableSeconds, per, lo, hi)
	}
	if r.FinalUnderReplicated != 0 || r.ISRExpands < r.ISRShrinks {
		t.Errorf("final under-replicated %d, shrinks %d expands %d: the broker did not rejoin", r.FinalUnderReplicated, r.ISRShrinks, r.ISRExpands)
	}
	if r.AckLatency.Max < per*1000 {
		t.Errorf("max ack latency %.0fms: want the failover (≥ %.0fms) to show as a spike", r.AckLatency.Max, per*1000)
	}
}

// acks1-leader-loss: acks=1 acknowledges on the leader's append; what the
// followers had not fetched when it died is truncated when it returns.
// Followers batch their fetches (replica.fetch.min.bytes 256KB) so the
// window is wide enough to see.
func TestAcks1LeaderLoss(t *testing.T) {
	s := faultScenario(5000, 30*units.Second, "1", 2,
		scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 10 * units.Second, Leader: "events/0"})
	s.Cluster.ReplicaFetchMinBytes = 256 << 10
	r := mustRun(t, s)
	noViolations(t, "acks=1 crash", r)
	if r.Lost == 0 || r.TruncatedRecords < r.Lost {
		t.Errorf("lost %d, truncated %d: want acknowledged loss, every lost record truncated", r.Lost, r.TruncatedRecords)
	}
	s.Producers[0].Acks, s.Producers[0].EnableIdempotence = "all", nil
	s.Defaults()
	r = mustRun(t, s)
	noViolations(t, "acks=all crash", r)
	if r.Lost != 0 {
		t.Errorf("acks=all: lost %d, want 0", r.Lost)
	}
}

// A leader cut off from the controller and its peers keeps accepting
// writes until it is fenced (9s): acks=1 writes it took are lost when it
// rejoins and truncates by leader epoch; acks=all writes never commit, are
// retried on the new leader, and nothing acknowledged is lost.
func TestLeaderIsolation(t *testing.T) {
	cut := scenarios.Fault{Type: "network-partition", At: 10 * units.Second, Duration: 15 * units.Second,
		Leader: "events/0", From: []string{"controller", "peers"}}
	r := mustRun(t, faultScenario(5000, 40*units.Second, "1", 2, cut))
	noViolations(t, "acks=1", r)
	// About 9s of the 2 of 6 partitions' share of 5K msg/s.
	if r.Lost < 5000*9*2/6/2 {
		t.Errorf("acks=1: lost %d, want about 9s of two partitions' writes (≥ %d)", r.Lost, 5000*9*2/6/2)
	}
	r = mustRun(t, faultScenario(5000, 40*units.Second, "all", 2, cut))
	noViolations(t, "acks=all", r)
	if r.Lost != 0 || r.Duplicates != 0 || r.DivergedPartitions != 0 || r.LeaderElections < 2 {
		t.Errorf("acks=all: lost %d duplicates %d diverged %d elections %d", r.Lost, r.Duplicates, r.DivergedPartitions, r.LeaderElections)
	}
}

// min.insync.replicas 2 with two of three brokers down: acks=all produce is
// refused with NOT_ENOUGH_REPLICAS, the partitions count as unavailable,
// and nothing acknowledged is lost.
func TestMinISRUnavailable(t *testing.T) {
	r := mustRun(t, faultScenario(5000, 40*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 15 * units.Second, Broker: brokerID(1)},
		scenarios.Fault{Type: "broker-crash", At: 12 * units.Second, Duration: 15 * units.Second, Broker: brokerID(2)}))
	noViolations(t, "min-isr", r)
	// From broker 2's fencing (21s) to broker 1's restart (25s) every one
	// of the 6 partitions has fewer than 2 in-sync replicas.
	if r.NotEnoughReplicas == 0 || r.Lost != 0 || r.UnavailableSeconds < 6*4 {
		t.Errorf("not enough replicas %d, lost %d, unavailable %.1fs: want refusals, no loss, ≥ 6 × 4s unavailable",
			r.NotEnoughReplicas, r.Lost, r.UnavailableSeconds)
	}
}

// lost-response: a dropped produce response makes the producer resend what
// was written: a duplicate without idempotence, none with it.
func TestLostResponse(t *testing.T) {
	for _, idem := range []bool{false, true} {
		s := faultScenario(5000, 20*units.Second, "all", 2,
			scenarios.Fault{Type: "lost-response", At: 5 * units.Second, Duration: 5 * units.Second, Broker: brokerID(0), Share: 0.1})
		s.Producers[0].EnableIdempotence = &idem
		r := mustRun(t, s)
		noViolations(t, "lost-response", r)
		if got := r.Duplicates > 0; got == idem || r.Lost != 0 {
			t.Errorf("idempotence %v: duplicates %d lost %d", idem, r.Duplicates, r.Lost)
		}
	}
}

// rf2-last-replica / unclean-election: RF 2, min.insync.replicas 1. The
// follower dies (the ISR shrinks to the leader, which keeps acknowledging),
// then the leader dies for good and the follower returns. With unclean
// election it leads with what it had: acknowledged writes since the shrink
// are lost. Without, the partition stays offline and nothing is lost.
func TestUncleanElection(t *testing.T) {
	for _, unclean := range []bool{true, false} {
		s := faultScenario(2000, 40*units.Second, "all", 1,
			scenarios.Fault{Type: "broker-crash", At: 5 * units.Second, Duration: 15 * units.Second, Broker: brokerID(1)},
			scenarios.Fault{Type: "broker-crash", At: 15 * units.Second, Broker: brokerID(0)})
		s.Topics[0].ReplicationFactor = 2
		s.Cluster.UncleanLeaderElection = unclean
		// Consumers slower than producers (3 × 500/s for 2000/s): a
		// backlog, so lost records are ones nobody had read yet.
		s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(2ms)")
		r := mustRun(t, s)
		noViolations(t, "unclean", r)
		if unclean && (r.UncleanElections == 0 || r.Lost == 0) {
			t.Errorf("unclean: unclean elections %d lost %d, want both > 0", r.UncleanElections, r.Lost)
		}
		if !unclean && (r.UncleanElections != 0 || r.Lost != 0 || r.OfflinePartitions == 0) {
			t.Errorf("clean: unclean elections %d lost %d offline %d, want 0, 0, > 0", r.UncleanElections, r.Lost, r.OfflinePartitions)
		}
	}
}

// epoch-truncation: RF 2. The follower (broker 1) restarts at the moment
// the leader dies, before it learned the latest high watermark, and
// becomes leader. Truncating to its own high watermark drops committed,
// acknowledged records; asking by leader epoch keeps them. When the old
// leader returns, high-watermark truncation leaves the logs diverged.
func TestEpochTruncation(t *testing.T) {
	for _, mode := range []string{scenarios.TruncateHighWatermark, scenarios.TruncateLeaderEpoch} {
		s := faultScenario(5000, 40*units.Second, "all", 1,
			scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 2 * units.Second, Broker: brokerID(1)},
			scenarios.Fault{Type: "broker-crash", At: 12 * units.Second, Duration: 10 * units.Second, Broker: brokerID(0)})
		s.Topics[0].ReplicationFactor = 2
		s.Cluster.Truncation = mode
		s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(1ms)")
		r := mustRun(t, s)
		noViolations(t, mode, r)
		t.Logf("%s: lost %d diverged %d truncated %d", mode, r.Lost, r.DivergedPartitions, r.TruncatedRecords)
		if mode == scenarios.TruncateHighWatermark && r.Lost == 0 && r.DivergedPartitions == 0 {
			t.Errorf("high-watermark: lost %d diverged %d, want loss or divergence", r.Lost, r.DivergedPartitions)
		}
		if mode == scenarios.TruncateLeaderEpoch && (r.Lost != 0 || r.DivergedPartitions != 0) {
			t.Errorf("leader-epoch: lost %d diverged %d, want 0", r.Lost, r.DivergedPartitions)
		}
	}
}

// epoch-divergence: both replicas of broker 0's partitions crash losing
// unflushed data; the shorter one returns first, leads and takes new
// writes. With high-watermark truncation the other keeps its different
// records at the same offsets unless a fetched batch straddles them (then
// it truncates to the batch's start, as Kafka does); by leader epoch
// (walking back through epochs, KIP-279) it always truncates and the logs
// converge: no diverged partition, no invariant violated.
func TestDivergence(t *testing.T) {
	for _, mode := range []string{scenarios.TruncateHighWatermark, scenarios.TruncateLeaderEpoch} {
		s := faultScenario(5000, 40*units.Second, "1", 1,
			scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 5 * units.Second, Broker: brokerID(0), LosePageCache: true},
			scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 15 * units.Second, Broker: brokerID(1), LosePageCache: true})
		s.Topics[0].ReplicationFactor = 2
		s.Cluster.Truncation = mode
		r := mustRun(t, s)
		noViolations(t, mode, r)
		if mode == scenarios.TruncateLeaderEpoch && r.DivergedPartitions != 0 {
			t.Errorf("leader-epoch: diverged %d, want 0", r.DivergedPartitions)
		}

		t.Logf("%s: lost %d diverged %d truncated %d", mode, r.Lost, r.DivergedPartitions, r.TruncatedRecords)
	}
}

// not-enough-after-append: RF 3, m=2, acks=all. Both followers of broker
// 0's partitions die together; its appends wait for them until the
// controller fences both (9s) and the ISR falls to the leader alone: the
// high watermark then passes the waiting batches, which are answered
// NOT_ENOUGH_REPLICAS_AFTER_APPEND. Without idempotence the retry writes a
// second copy; with it, none.
func TestNotEnoughAfterAppend(t *testing.T) {
	for _, idem := range []bool{false, true} {
		s := faultScenario(5000, 30*units.Second, "all", 2,
			scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 10 * units.Second, Broker: brokerID(1)},
			scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 10 * units.Second, Broker: brokerID(2)})
		s.Producers[0].EnableIdempotence = &idem
		r := mustRun(t, s)
		noViolations(t, "after-append", r)
		if r.NotEnoughAfterAppend == 0 || r.Lost != 0 || (r.Duplicates > 0) == idem {
			t.Errorf("idempotence %v: after-append %d lost %d duplicates %d, want > 0, 0, duplicates only without idempotence",
				idem, r.NotEnoughAfterAppend, r.Lost, r.Duplicates)
		}
	}
}

// Slow disk, NIC and CPU faults and a controller failover run, recover,
// and lose nothing with acks=all.
func TestSlowdownsAndFailover(t *testing.T) {
	r := mustRun(t, faultScenario(5000, 30*units.Second, "all", 2,
		scenarios.Fault{Type: "slow-nic", At: 5 * units.Second, Duration: 5 * units.Second, Broker: brokerID(0), Slowdown: 1000},
		scenarios.Fault{Type: "slow-cpu", At: 5 * units.Second, Duration: 5 * units.Second, Broker: brokerID(1), Slowdown: 100},
		scenarios.Fault{Type: "controller-failover", At: 14 * units.Second, Duration: 5 * units.Second},
		scenarios.Fault{Type: "broker-crash", At: 15 * units.Second, Duration: 5 * units.Second, Broker: brokerID(2)}))
	noViolations(t, "slow", r)
	if r.Lost != 0 {
		t.Errorf("lost %d", r.Lost)
	}
	// The failover delays broker 2's fencing to 19s, after the 9s session
	// timeout would have: its partitions wait until 24s (its restart at 20s
	// brings it back first, so elections follow the restart).
	if r.AckLatency.Max < 4000 {
		t.Errorf("max ack latency %.0fms, want the slow NIC and the crash to show", r.AckLatency.Max)
	}
}

// randomSchedule draws crash/restart, controlled-shutdown and network
// partition faults on a 3-broker cluster, one broker faulty at a time with
// time to recover between faults.
func randomSchedule(seed uint64, dur units.Duration) []scenarios.Fault {
	rng := rand.New(rand.NewPCG(seed, 0x6661756c7473))
	var out []scenarios.Fault
	at := units.Duration(2+rng.IntN(4)) * units.Second
	for at < dur-5*units.Second {
		length := units.Duration(1+rng.IntN(12)) * units.Second
		f := scenarios.Fault{At: at, Duration: length, Broker: brokerID(rng.IntN(3))}
		switch rng.IntN(4) {
		case 0:
			f.Type = "broker-crash"
		case 1:
			f.Type, f.LosePageCache = "broker-crash", true
		case 2:
			f.Type = "broker-shutdown"
		default:
			f.Type = "network-partition"
			cuts := [][]string{{"controller"}, {"peers"}, {"clients"}, {"controller", "peers"},
				{"controller", "peers", "clients"}, {fmt.Sprintf("broker:%d", (*f.Broker+1)%3)}}
			f.From = cuts[rng.IntN(len(cuts))]
		}
		out = append(out, f)
		// Recovery: the session timeout, catch-up and the ISR rejoining.
		at += length + units.Duration(12+rng.IntN(8))*units.Second
	}
	return out
}

// The randomized fault test: with acks=all, min.insync.replicas 2, RF 3
// and one faulty broker at a time nothing acknowledged is lost, per-key
// order holds and in-sync replicas converge, on every seed; the same
// schedules with acks=1 lose messages on some seeds (the checker sees loss).
// Seeds run as parallel subtests: 40 by default, 10 with -short, and as
// many as MQSIM_FAULT_SEEDS says (e.g. 500) for a full sweep.
func TestRandomFaults(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	if v := os.Getenv("MQSIM_FAULT_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("MQSIM_FAULT_SEEDS=%q: want a positive number of seeds", v)
		}
		seeds = n
	}
	const dur = 60 * units.Second
	var acks1Lost atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for seed := uint64(1); seed <= uint64(seeds); seed++ {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				faults := randomSchedule(seed, dur)
				for _, acks := range []string{"all", "1"} {
					s := faultScenario(3000, dur, acks, 2, faults...)
					s.Seed = seed
					s.Producers[0].Keys = "uniform(1000)"
					if err := s.Validate(); err != nil {
						t.Fatalf("seed %d: schedule invalid: %v", seed, err)
					}
					r, err := Run(s, Options{})
					if err != nil {
						t.Fatalf("seed %d acks=%s: %v (replay: randomSchedule(%d))", seed, acks, err, seed)
					}
					if len(r.InvariantViolations) > 0 {
						t.Errorf("seed %d acks=%s: invariants violated: %v", seed, acks, r.InvariantViolations)
					}
					if acks == "1" {
						acks1Lost.Add(r.Lost)
						continue
					}
					if r.Lost != 0 || r.Reordered != 0 || r.DivergedPartitions != 0 || r.Duplicates != 0 {
						t.Errorf("seed %d (replay: randomSchedule(%d), faults %+v): lost %d reordered %d diverged %d duplicates %d, want 0",
							seed, seed, faults, r.Lost, r.Reordered, r.DivergedPartitions, r.Duplicates)
					}
				}
			})
		}
	})
	if acks1Lost.Load() == 0 {
		t.Errorf("acks=1 lost nothing over %d seeds: the checker should see acks=1 loss", seeds)
	}
}
