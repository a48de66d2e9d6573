package services

import "mqsim/sim"

// Budget is a retry budget as a token bucket (Finagle's RetryBudget, gRPC's
// retry throttling): every first attempt deposits Ratio of a token, the
// bucket also fills by MinPerSecond tokens a second, the balance is capped
// at Burst (and starts full), and each retry spends one whole token. Over
// a long run of N requests, at most Ratio × N + MinPerSecond × seconds +
// Burst retries go out, however many fail.
type Budget struct {
	Ratio, MinPerSecond, Burst float64
	tokens                     float64
	last                       sim.Time
	Denied                     int64
}

// NewBudget returns a full budget at time 0.
func NewBudget(ratio, minPerSecond, burst float64) *Budget {
	return &Budget{Ratio: ratio, MinPerSecond: minPerSecond, Burst: burst, tokens: burst}
}

func (b *Budget) refill(now sim.Time) {
	if now > b.last {
		b.tokens = min(b.Burst, b.tokens+b.MinPerSecond*(now-b.last).Seconds())
		b.last = now
	}
}

// Deposit is a first attempt at now.
func (b *Budget) Deposit(now sim.Time) {
	b.refill(now)
	b.tokens = min(b.Burst, b.tokens+b.Ratio)
}

// TryRetry spends a token for a retry at now, or reports false (counted
// as denied) when less than one is left.
func (b *Budget) TryRetry(now sim.Time) bool {
	b.refill(now)
	if b.tokens < 1 {
		b.Denied++
		return false
	}
	b.tokens--
	return true
}

// Tokens is the balance at now.
func (b *Budget) Tokens(now sim.Time) float64 {
	b.refill(now)
	return b.tokens
}
