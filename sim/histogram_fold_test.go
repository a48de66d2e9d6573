package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Values wait in the histogram's own table of HDR buckets and are folded
// into the HDR histogram when it is queried: the counts it then holds are
// exactly those of an HDR histogram fed every value directly (clamped to
// the highest trackable value as Record clamps), for several layouts,
// with queries, merges and resets in between.
func TestHistogramFoldMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, g := range []struct {
		lowest, highest int64
		sigfigs         int
	}{
		{int64(Microsecond), int64(Hour), 3}, // NewLatencyHistogram
		{1, 1 << 40, 3},
		{1, 100, 1},
		{7, 1 << 30, 2},
		{1000, 1 << 50, 4},
		{1024, 1 << 62, 3},
		{3, 10, 5},
	} {
		h, err := NewHistogram(g.lowest, g.highest, g.sigfigs)
		if err != nil {
			t.Fatal(err)
		}
		direct := hdrhistogram.New(g.lowest, g.highest, g.sigfigs)
		other, _ := NewHistogram(g.lowest, g.highest, g.sigfigs)
		record := func(v int64) {
			h.Record(v)
			d := max(v, 0)
			if d > direct.HighestTrackableValue() {
				d = direct.HighestTrackableValue()
			}
			if err := direct.RecordValue(d); err != nil {
				t.Fatalf("%+v: the library refuses %d: %v", g, d, err)
			}
		}
		for round := range 6 {
			for range 3000 {
				var v int64
				switch rng.IntN(5) {
				case 0: // anywhere in the range, log-uniform
					v = int64(rng.Uint64N(uint64(g.highest))) >> rng.IntN(62)
				case 1: // around the lowest value
					v = g.lowest + int64(rng.IntN(5)) - 2
				case 2: // at and beyond the top
					v = g.highest - 2 + int64(rng.IntN(5))
				case 3: // on a power of two (a bucket edge) and either side
					v = int64(1)<<rng.IntN(62) + int64(rng.IntN(3)) - 1
				default:
					v = -int64(rng.IntN(3))
				}
				record(v)
			}
			switch round {
			case 2: // a merge of another histogram's pending values
				for range 500 {
					v := int64(rng.Uint64N(uint64(g.highest)))
					other.Record(v)
					if err := direct.RecordValue(v); err != nil {
						t.Fatal(err)
					}
				}
				h.Merge(other)
			case 4: // a reset with values pending
				record(g.lowest)
				h.Reset()
				direct.Reset()
			}
			h.fold()
			got, want := h.h.Export(), direct.Export()
			if !slices.Equal(got.Counts, want.Counts) {
				t.Fatalf("%+v round %d: the folded counts differ from the library's own", g, round)
			}
			for _, q := range []float64{0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 0.99999} {
				if a, b := h.h.ValueAtQuantile(100*q), direct.ValueAtQuantile(100*q); a != b {
					t.Fatalf("%+v round %d: p%g = %d, want %d", g, round, 100*q, a, b)
				}
			}
		}
	}
}
