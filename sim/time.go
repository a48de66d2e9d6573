package sim

import (
	"math"
	"time"
)

// Time is a point in simulated time, or a span of it, in nanoseconds since the
// start of the run. It is deliberately the same representation as
// time.Duration so that the two convert without loss, but it never refers to
// the wall clock.
type Time int64

// Units of simulated time.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
	Minute           = 60 * Second
	Hour             = 60 * Minute
)

// Forever is the largest representable time. RunUntil(Forever) is the same as
// Run except that daemon activity (samplers) keeps it going.
const Forever Time = math.MaxInt64

// Seconds converts a float number of seconds to Time, rounding to the nearest
// nanosecond and saturating at ±Forever. NaN converts to 0.
func Seconds(s float64) Time {
	ns := s * 1e9
	if ns >= 0 && ns < 1<<52 {
		// The common case, without math.Round's bit work: t is ns
		// truncated, and ns − t is exact (Sterbenz), so comparing it
		// with ½ rounds half away from zero as math.Round does.
		t := Time(ns)
		if ns-float64(t) >= 0.5 {
			t++
		}
		return t
	}
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

// Seconds returns t as a float number of seconds.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// Duration converts t to a time.Duration (same unit, for formatting and
// interoperation; it carries no wall-clock meaning).
func (t Time) Duration() time.Duration { return time.Duration(t) }

// String formats t like time.Duration: "1.5s", "250µs", "2h0m0s".
func (t Time) String() string { return time.Duration(t).String() }
