package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Seconds rounds to the nearest nanosecond exactly as math.Round does
// (half away from zero), on its fast path and off it: halves, the float
// just below a half, both sides of 2^52 ns, negative, huge and NaN inputs,
// and a million random values across the range.
func TestSecondsRoundsAsMathRound(t *testing.T) {
	ref := func(s float64) Time {
		ns := s * 1e9
		switch {
		case ns != ns:
			return 0
		case ns >= math.MaxInt64:
			return Forever
		case ns <= -math.MaxInt64:
			return -Forever
		}
		return Time(math.Round(ns))
	}
	cases := []float64{0, 0.5e-9, 1.5e-9, 2.5e-9, math.Nextafter(0.5, 0) * 1e-9, 1e-9, -0.5e-9, -2.5e-9,
		(1<<52 - 0.5) / 1e9, (1 << 52) / 1e9, (1<<52 + 1) / 1e9, 1e10, -1e10, 1e300, -1e300, math.NaN(),
		math.Inf(1), math.Inf(-1), 123.4567891235, 5e-324}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 1_000_000 {
		// Log-uniform over 1e-12 … 1e12 s, either sign now and then.
		s := math.Pow(10, rng.Float64()*24-12)
		if rng.IntN(8) == 0 {
			s = -s
		}
		cases = append(cases, s, math.Floor(s*1e9)/1e9+0.5e-9)
	}
	for _, s := range cases {
		if got, want := Seconds(s), ref(s); got != want {
			t.Fatalf("Seconds(%v) = %d, want %d", s, got, want)
		}
	}
}
