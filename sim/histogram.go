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
	highest int64 // the highest trackable value

	// Recording only counts the value in its HDR bucket here; a query
	// first folds these counts into h (fold). Same counts, same
	// quantiles — but a record is a shift and an increment in a table
	// that holds only the sub-bucket ranges the values fall in, instead
	// of the library's checks and its full-range array.
	pending   [][]uint32 // by HDR bucket (nil until used): counts by sub-bucket
	npending  int64      // values counted in pending
	unitMag   uint       // log2 of the lowest discernible value
	halfMag   uint       // log2 of half the sub-bucket count
	subMask   int64      // (sub-bucket count − 1) << unitMag
	lowBucket uint       // unitMag + halfMag + 1
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
	h := &Histogram{h: hdrhistogram.New(lowest, highest, sigfigs), min: math.MaxInt64}
	h.highest = h.h.HighestTrackableValue()
	// The HDR layout: sub-buckets of one unit (the largest power of two
	// not above lowest) up to the least power of two of units at least
	// 2·10^sigfigs, then each range twice as wide as the one before, with
	// half as many sub-buckets of twice the width.
	h.unitMag = uint(bits.Len64(uint64(lowest)) - 1)
	pow10 := uint64(1)
	for range sigfigs {
		pow10 *= 10
	}
	h.halfMag = uint(bits.Len64(2*pow10-1)) - 1
	h.subMask = (int64(1)<<(h.halfMag+1) - 1) << h.unitMag
	h.lowBucket = h.unitMag + h.halfMag + 1
	h.pending = make([][]uint32, uint(64-bits.LeadingZeros64(uint64(h.highest|h.subMask)))-h.lowBucket+1)
	return h, nil
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
	if v > h.highest {
		v = h.highest
		h.clamped++
	}
	// The value's HDR bucket and its sub-bucket in it.
	b := uint(64-bits.LeadingZeros64(uint64(v|h.subMask))) - h.lowBucket
	c := h.pending[b]
	if c == nil {
		c = make([]uint32, 2<<h.halfMag)
		h.pending[b] = c
	}
	c[uint(v>>((b+h.unitMag)&63))&(2<<h.halfMag-1)]++
	if h.npending++; h.npending == math.MaxUint32 {
		h.fold() // before any count can overflow
	}
}

// fold moves the pending counts into the HDR histogram.
func (h *Histogram) fold() {
	if h.npending == 0 {
		return
	}
	for b, c := range h.pending {
		for sub, n := range c {
			if n == 0 {
				continue
			}
			// The lowest value of bucket b's sub-bucket sub.
			if err := h.h.RecordValues(int64(sub)<<(uint(b)+h.unitMag), int64(n)); err != nil {
				h.clamped += int64(n)
			}
			c[sub] = 0
		}
	}
	h.npending = 0
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
	h.fold()
	return min(h.h.ValueAtQuantile(100*q), h.max)
}

// Merge adds every value of o into h. Both must have been made with the same
// range and precision for the result to keep that precision.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	h.fold()
	o.fold()
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
	for _, c := range h.pending {
		clear(c)
	}
	h.npending = 0
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
