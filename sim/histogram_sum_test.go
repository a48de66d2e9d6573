package sim

import "testing"

// The mean is exact however the values were recorded: one value of 2^53 ns
// followed by 1,000 values of 1 ns has the sum 2^53 + 1,000, which a float64
// accumulator loses (2^53 + 1 rounds back to 2^53 at every step), and one
// histogram fed everything agrees with the merge of two halves.
func TestHistogramMeanExact(t *testing.T) {
	const big = int64(1) << 53
	whole := mustHist(t)
	a, b := mustHist(t), mustHist(t)
	whole.Record(big)
	a.Record(big)
	for i := range 1000 {
		whole.Record(1)
		if i%2 == 0 {
			a.Record(1)
		} else {
			b.Record(1)
		}
	}
	merged := mustHist(t)
	merged.Merge(b)
	merged.Merge(a)
	want := (float64(big) + 1000) / 1001
	if got := whole.Mean(); got != want {
		t.Errorf("Mean() = %v, want (2^53 + 1000) / 1001 = %v", got, want)
	}
	if got := merged.Mean(); got != want {
		t.Errorf("merged Mean() = %v, want %v", got, want)
	}
	whole.Reset()
	if whole.Mean() != 0 || whole.Count() != 0 {
		t.Errorf("after Reset: mean %v count %d, want 0, 0", whole.Mean(), whole.Count())
	}
}

func mustHist(t *testing.T) *Histogram {
	t.Helper()
	h, err := NewHistogram(1, 1<<60, 2)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
