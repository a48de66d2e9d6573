package sim

import (
	"fmt"
	"math"
)

// TokenBucket throttles to Rate tokens per second with bursts of up to Burst
// tokens. Take reserves tokens and says how long the caller must wait for
// them; reservations queue up by letting the balance go negative, so callers
// are served in the order they ask.
type TokenBucket struct {
	sim    *Sim
	rate   float64
	burst  float64
	tokens float64
	last   Time

	taken     float64
	takes     uint64
	throttled uint64
	delaySum  float64 // ns
}

// NewTokenBucket returns a full bucket.
func NewTokenBucket(s *Sim, rate, burst float64) (*TokenBucket, error) {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return nil, fmt.Errorf("token bucket: rate (%g) must be positive and finite", rate)
	}
	if !(burst > 0) || math.IsInf(burst, 0) {
		return nil, fmt.Errorf("token bucket: burst (%g) must be positive and finite", burst)
	}
	return &TokenBucket{sim: s, rate: rate, burst: burst, tokens: burst, last: s.now}, nil
}

func (b *TokenBucket) refill() {
	now := b.sim.now
	if now > b.last {
		b.tokens = min(b.burst, b.tokens+b.rate*float64(now-b.last)/1e9)
		b.last = now
	}
}

// Tokens returns the balance now (negative while reservations are
// outstanding).
func (b *TokenBucket) Tokens() float64 {
	b.refill()
	return b.tokens
}

// Take reserves n tokens and returns how long from now until they are
// covered (0 if they are available at once). n may exceed Burst; the wait
// is then the time to earn the excess.
func (b *TokenBucket) Take(n float64) Time {
	if !(n > 0) {
		return 0
	}
	b.refill()
	b.tokens -= n
	b.taken += n
	b.takes++
	if b.tokens >= 0 {
		return 0
	}
	d := Time(math.Ceil(-b.tokens / b.rate * 1e9))
	b.throttled++
	b.delaySum += float64(d)
	return d
}

// TryTake takes n tokens if they are available now and reports whether it
// did; it never reserves.
func (b *TokenBucket) TryTake(n float64) bool {
	b.refill()
	if n > b.tokens {
		return false
	}
	if n > 0 {
		b.tokens -= n
		b.taken += n
		b.takes++
	}
	return true
}

// SetRate changes the refill rate from now on; a non-positive or NaN rate is
// ignored and reported as an error.
func (b *TokenBucket) SetRate(rate float64) error {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return fmt.Errorf("token bucket: rate (%g) must be positive and finite", rate)
	}
	b.refill()
	b.rate = rate
	return nil
}

// BucketStats is a TokenBucket's record.
type BucketStats struct {
	Taken     float64 // tokens taken
	Takes     uint64  // successful Take/TryTake calls
	Throttled uint64  // Takes that had to wait
	MeanDelay Time    // mean wait over throttled Takes
}

// Stats returns the bucket's record since creation.
func (b *TokenBucket) Stats() BucketStats {
	st := BucketStats{Taken: b.taken, Takes: b.takes, Throttled: b.throttled}
	if b.throttled > 0 {
		st.MeanDelay = Time(math.Round(b.delaySum / float64(b.throttled)))
	}
	return st
}
