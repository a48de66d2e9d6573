package load

import (
	"math"
	"math/rand/v2"
	"testing"

	"mqsim/scenarios"
	"mqsim/sim"
)

// TestArrivals: constant arrivals at 100/s are 10 ms apart; Poisson
// arrivals at 1,000/s give 100,000 ± 3σ (σ = √100,000 ≈ 316) in 100 s.
func TestArrivals(t *testing.T) {
	c := Arrivals{A: scenarios.Arrival{Kind: "constant"}, Rate: 100, Rng: rand.New(rand.NewPCG(1, 2))}
	if got := c.Next(0); got != 10*sim.Millisecond {
		t.Errorf("constant: first arrival at %v, want 10ms", got)
	}
	p := Arrivals{A: scenarios.Arrival{Kind: "poisson"}, Rate: 1000, Rng: rand.New(rand.NewPCG(1, 2))}
	n := 0
	for at := p.Next(0); at <= 100*sim.Second; at = p.Next(at) {
		n++
	}
	if math.Abs(float64(n)-1e5) > 3*math.Sqrt(1e5) {
		t.Errorf("poisson: %d arrivals in 100 s, want 100,000 ± 949", n)
	}
}

// TestKeys: hot(share=70%, n=10) draws key 0 for 70% of messages (±3σ of
// a binomial over 100,000: σ = √(0.7·0.3·1e5) ≈ 145); uniform(4) draws
// each key a quarter of the time; none is the null key -1.
func TestKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	hot := NewKeyGen(scenarios.Keys{Kind: "hot", Share: 0.7, N: 10}, rng)
	zero := 0
	for range 100000 {
		if hot.Next() == 0 {
			zero++
		}
	}
	if math.Abs(float64(zero)-70000) > 3*145 {
		t.Errorf("hot: key 0 drawn %d times of 100,000, want 70,000 ± 435", zero)
	}
	u := NewKeyGen(scenarios.Keys{Kind: "uniform", N: 4}, rng)
	var counts [4]int
	for range 40000 {
		counts[u.Next()]++
	}
	for k, c := range counts {
		if math.Abs(float64(c)-10000) > 3*math.Sqrt(40000*0.25*0.75) {
			t.Errorf("uniform: key %d drawn %d times of 40,000, want 10,000 ± 260", k, c)
		}
	}
	if NewKeyGen(scenarios.Keys{Kind: "none"}, rng).Next() != -1 {
		t.Error("none: want the null key -1")
	}
}
