// Package load draws a producer's workload, the same for every simulated
// system: arrival times (poisson, constant, bursts, daily, trace), key ids
// (none, uniform, zipf, hot) and message sizes, each from its own random
// stream. What a system does with a key (Kafka hashes it to a partition,
// RabbitMQ picks a routing key) is the system's business, not this
// package's.
//
// # Files
//
//	load.go       Arrivals, KeyGen, KeyBytes, Size
//	load_test.go  arrival counts and key shares against their distributions
package load

import (
	"math"
	"math/rand/v2"
	"sort"

	"mqsim/model/check"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// Arrivals draws successive arrival times of one producer instance.
type Arrivals struct {
	// Rate and Rng come first: with the arrival's kind just after them,
	// what a Poisson draw reads is within a few words.
	Rate float64 // mean messages/s
	Rng  *rand.Rand
	A    scenarios.Arrival
}

// Next returns the first arrival after t.
func (g *Arrivals) Next(t sim.Time) sim.Time {
	switch g.A.Kind {
	case "constant":
		return t + max(sim.Seconds(1/g.Rate), 1)
	case "bursts":
		// Work in "on time" (the clock that only runs during on periods),
		// where the process is plain Poisson, and map back.
		on, cycle := sim.Time(g.A.On), sim.Time(g.A.On+g.A.Off)
		onRate := g.Rate * float64(cycle) / float64(on)
		onT := (t/cycle)*on + min(t%cycle, on)
		onT += max(sim.Seconds(g.Rng.ExpFloat64()/onRate), 1)
		return (onT/on)*cycle + onT%on
	case "daily", "trace":
		// Thinning: a Poisson process at the peak rate, each arrival kept
		// with probability RateFactor/MaxRateFactor.
		top := g.A.MaxRateFactor()
		for {
			t += max(sim.Seconds(g.Rng.ExpFloat64()/(g.Rate*top)), 1)
			if g.Rng.Float64()*top <= g.A.RateFactor(units.Duration(t)) {
				return t
			}
		}
	}
	return t + max(sim.Seconds(g.Rng.ExpFloat64()/g.Rate), 1)
}

// KeyGen draws key ids; -1 is a null key.
type KeyGen struct {
	k   scenarios.Keys
	rng *rand.Rand
	cdf []float64 // zipf
}

// NewKeyGen returns a generator of k's key ids drawing from rng.
func NewKeyGen(k scenarios.Keys, rng *rand.Rand) *KeyGen {
	g := &KeyGen{k: k, rng: rng}
	if k.Kind == "zipf" {
		g.cdf = make([]float64, k.N)
		var sum float64
		for i := range g.cdf {
			sum += math.Pow(float64(i+1), -k.S)
			g.cdf[i] = sum
		}
		for i := range g.cdf {
			g.cdf[i] /= sum
		}
	}
	return g
}

// Next draws the next key id (-1 for a null key).
func (g *KeyGen) Next() int64 {
	switch g.k.Kind {
	case "uniform":
		return int64(g.rng.IntN(g.k.N))
	case "zipf":
		u := g.rng.Float64()
		return int64(min(sort.SearchFloat64s(g.cdf, u), g.k.N-1))
	case "hot":
		if g.rng.Float64() < float64(g.k.Share) || g.k.N < 2 {
			return 0
		}
		return 1 + int64(g.rng.IntN(g.k.N-1))
	}
	return -1
}

// KeyBytes encodes key id k as the record key (check.AppendKey: a uvarint,
// small and real).
func KeyBytes(dst []byte, k int64) []byte { return check.AppendKey(dst[:0], k) }

// Size draws one message size in bytes from d, never below 0.
func Size(d sim.Dist, rng *rand.Rand) int64 { return max(int64(d.Sample(rng)), 0) }

// PoisonHash maps a message id (producer, sequence) to [0, 1), the same on
// every attempt: a consumer's poison_share fails the messages below the
// share, whichever system delivers them and however often.
func PoisonHash(prod int, seq int32) float64 {
	x := uint64(prod)<<32 ^ uint64(uint32(seq)) ^ 0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}
