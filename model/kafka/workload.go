package kafka

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sort"

	"mqsim/model/check"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// arrivals draws successive arrival times of one producer instance.
type arrivals struct {
	a    scenarios.Arrival
	rate float64 // mean messages/s
	rng  *rand.Rand
}

// next returns the first arrival after t.
func (g *arrivals) next(t sim.Time) sim.Time {
	switch g.a.Kind {
	case "constant":
		return t + max(sim.Seconds(1/g.rate), 1)
	case "bursts":
		// Work in "on time" (the clock that only runs during on periods),
		// where the process is plain Poisson, and map back.
		on, cycle := sim.Time(g.a.On), sim.Time(g.a.On+g.a.Off)
		onRate := g.rate * float64(cycle) / float64(on)
		onT := (t/cycle)*on + min(t%cycle, on)
		onT += max(sim.Seconds(g.rng.ExpFloat64()/onRate), 1)
		return (onT/on)*cycle + onT%on
	case "daily", "trace":
		// Thinning: a Poisson process at the peak rate, each arrival kept
		// with probability RateFactor/MaxRateFactor.
		top := g.a.MaxRateFactor()
		for {
			t += max(sim.Seconds(g.rng.ExpFloat64()/(g.rate*top)), 1)
			if g.rng.Float64()*top <= g.a.RateFactor(units.Duration(t)) {
				return t
			}
		}
	}
	return t + max(sim.Seconds(g.rng.ExpFloat64()/g.rate), 1)
}

// keyGen draws key ids; -1 is a null key.
type keyGen struct {
	k   scenarios.Keys
	rng *rand.Rand
	cdf []float64 // zipf
}

func newKeyGen(k scenarios.Keys, rng *rand.Rand) *keyGen {
	g := &keyGen{k: k, rng: rng}
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

func (g *keyGen) next() int64 {
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

// keyBytes encodes key id k as the record key (check.AppendKey: a uvarint,
// small and real).
func keyBytes(dst []byte, k int64) []byte { return check.AppendKey(dst[:0], k) }

// murmur2 is Kafka's default partitioner hash.
func murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	length := len(data)
	h := seed ^ uint32(length)
	n := length / 4
	for i := 0; i < n; i++ {
		k := binary.LittleEndian.Uint32(data[i*4:])
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	rest := data[n*4:]
	switch len(rest) {
	case 3:
		h ^= uint32(rest[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(rest[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(rest[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// partitionFor is Kafka's key partitioner: positive murmur2 modulo the
// partition count.
func partitionFor(key []byte, partitions int) int {
	return int(murmur2(key)&0x7fffffff) % partitions
}
