package sim

import (
	"fmt"
	"math"
	"math/bits"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram is a streaming histogram of non-negative integer values
// (latencies in nanoseconds, sizes in bytes) with bounded relative error,
// backed by an HDR histogram. Count, Mean, Min and Max are exact; quantiles
// are within the configured significant digits. Values above the highest
// trackable value are recorded as that value and counted in Clamped.
//
// The sum behind Mean is kept exactly (128 bits), so the mean does not
// depend on the order values were recorded in, nor on how histograms were
// merged: a histogram shared by several recorders and the merge of one
// histogram per recorder report the same mean.
type Histogram struct {
	h       *hdrhistogram.Histogram
	count   int64
	sumLo   uint64 // the sum of the values recorded, low 64 bits
	sumHi   uint64 // and high 64 bits
	min     int64
	max     int64
	clamped int64
}

// NewHistogram tracks values in [lowest, highest] to sigfigs significant
// decimal digits (1–5). lowest is the smallest value told apart from 0.
func NewHistogram(lowest, highest int64, sigfigs int) (*Histogram, error) {
	if lowest < 1 {
		return nil, fmt.Errorf("histogram: lowest (%d) must be at least 1", lowest)
	}
	if highest < 2*lowest {
		return nil, fmt.Errorf("histogram: highest (%d) must be at least twice lowest (%d)", highest, lowest)
	}
	if sigfigs < 1 || sigfigs > 5 {
		return nil, fmt.Errorf("histogram: significant digits (%d) must be 1 to 5", sigfigs)
	}
	return &Histogram{h: hdrhistogram.New(lowest, highest, sigfigs), min: math.MaxInt64}, nil
}

// NewLatencyHistogram tracks Time values from 1µs to 1h to 3 significant
// digits (values under 1µs are resolved to 1µs).
func NewLatencyHistogram() *Histogram {
	h, err := NewHistogram(int64(Microsecond), int64(Hour), 3)
	if err != nil {
		panic(err) // constant arguments; unreachable
	}
	return h
}

// Record adds one value; negative values count as 0.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	}
	h.count++
	var carry uint64
	h.sumLo, carry = bits.Add64(h.sumLo, uint64(v), 0)
	h.sumHi += carry
	h.min = min(h.min, v)
	h.max = max(h.max, v)
	if hi := h.h.HighestTrackableValue(); v > hi {
		v = hi
		h.clamped++
	}
	if err := h.h.RecordValue(v); err != nil {
		h.clamped++
	}
}

// RecordTime adds a duration.
func (h *Histogram) RecordTime(t Time) { h.Record(int64(t)) }

// Count returns the number of values recorded.
func (h *Histogram) Count() int64 { return h.count }

// Clamped returns how many values exceeded the trackable range.
func (h *Histogram) Clamped() int64 { return h.clamped }

// Mean returns the exact mean (0 when empty).
func (h *Histogram) Mean() float64 {
	if h.count == 0 {
		return 0
	}
	return h.sumFloat() / float64(h.count)
}

// sumFloat is the exact sum rounded to a float64.
func (h *Histogram) sumFloat() float64 {
	return float64(h.sumHi)*(1<<64) + float64(h.sumLo)
}

// Min returns the exact minimum (0 when empty).
func (h *Histogram) Min() int64 {
	if h.count == 0 {
		return 0
	}
	return h.min
}

// Max returns the exact maximum (0 when empty).
func (h *Histogram) Max() int64 { return h.max }

// Quantile returns the value at quantile q in [0, 1] (0.99 is p99); 0 when
// empty. q = 1 returns the exact maximum.
func (h *Histogram) Quantile(q float64) int64 {
	if h.count == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	if !(q > 0) {
		q = 0
	}
	return min(h.h.ValueAtQuantile(100*q), h.max)
}

// Merge adds every value of o into h. Both must have been made with the same
// range and precision for the result to keep that precision.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	h.h.Merge(o.h)
	h.count += o.count
	var carry uint64
	h.sumLo, carry = bits.Add64(h.sumLo, o.sumLo, 0)
	h.sumHi += o.sumHi + carry
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
	h.clamped += o.clamped
}

// Reset empties the histogram.
func (h *Histogram) Reset() {
	h.h.Reset()
	h.count, h.sumLo, h.sumHi, h.min, h.max, h.clamped = 0, 0, 0, math.MaxInt64, 0, 0
}

// Summary is the usual digest of a latency distribution.
type Summary struct {
	Count                         int64
	Mean                          float64
	Min, P50, P90, P99, P999, Max int64
}

// Summary returns count, mean, min, p50, p90, p99, p99.9 and max.
func (h *Histogram) Summary() Summary {
	return Summary{
		Count: h.count, Mean: h.Mean(), Min: h.Min(),
		P50: h.Quantile(0.50), P90: h.Quantile(0.90), P99: h.Quantile(0.99),
		P999: h.Quantile(0.999), Max: h.max,
	}
}
