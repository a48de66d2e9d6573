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

// degradedSchedule draws the faults the network and the machines add to
// crashes and cuts: lossy or slow links around a broker (to the
// controller voters, its peers or the clients), a slow NIC, lost produce
// responses, a controller failover, a process or machine crash; one at a
// time, on a 3-broker cluster, with time to recover between them.
func degradedSchedule(seed uint64, dur units.Duration) []scenarios.Fault {
	rng := rand.New(rand.NewPCG(seed, 0x6465677261646564))
	var out []scenarios.Fault
	at := units.Duration(2+rng.IntN(4)) * units.Second
	for at < dur-5*units.Second {
		length := units.Duration(1+rng.IntN(10)) * units.Second
		f := scenarios.Fault{At: at, Duration: length, Broker: brokerID(rng.IntN(3))}
		switch rng.IntN(6) {
		case 0:
			f.Type = "network-degrade"
			f.From = [][]string{{"controller"}, {"peers"}, {"clients"}, {"controller", "peers", "clients"}}[rng.IntN(4)]
			f.Share = units.Ratio([]float64{0.1, 0.5, 1}[rng.IntN(3)])
			f.Slowdown = units.Ratio(1 + rng.IntN(20))
		case 1:
			f.Type, f.Slowdown = "slow-nic", units.Ratio([]float64{10, 1000, 10000}[rng.IntN(3)])
		case 2:
			f.Type, f.Share = "lost-response", units.Ratio([]float64{0.05, 0.3}[rng.IntN(2)])
		case 3:
			f.Type, f.Broker = "controller-failover", nil
		case 4:
			f.Type = "broker-crash"
		default:
			f.Type, f.LosePageCache = "broker-crash", true
		}
		out = append(out, f)
		at += length + units.Duration(12+rng.IntN(8))*units.Second
	}
	return out
}

// The randomized fault test over degraded networks and machines: with
// acks=all, idempotence, min.insync.replicas 2 and RF 3 nothing
// acknowledged is lost, nothing is duplicated or reordered, and in-sync
// replicas converge, on every seed. Seeds run as parallel subtests: 8 by
// default, 2 with -short, MQSIM_FAULT_SEEDS for a full sweep.
func TestRandomDegradedFaults(t *testing.T) {
	seeds := 8
	if testing.Short() {
		seeds = 2
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
			faults := degradedSchedule(seed, dur)
			s := faultScenario(3000, dur, "all", 2, faults...)
			s.Seed = seed
			s.Producers[0].Keys = "uniform(1000)"
			if err := s.Validate(); err != nil {
				t.Fatalf("seed %d: schedule invalid: %v", seed, err)
			}
			r, err := Run(s, Options{})
			if err != nil {
				t.Fatalf("seed %d: %v (replay: degradedSchedule(%d))", seed, err, seed)
			}
			if len(r.InvariantViolations) > 0 {
				t.Errorf("seed %d: invariants violated: %v", seed, r.InvariantViolations)
			}
			if r.Lost != 0 || r.Reordered != 0 || r.DivergedPartitions != 0 || r.Duplicates != 0 {
				t.Errorf("seed %d (replay: degradedSchedule(%d), faults %+v): lost %d reordered %d diverged %d duplicates %d, want 0",
					seed, seed, faults, r.Lost, r.Reordered, r.DivergedPartitions, r.Duplicates)
			}
		})
	}
}
