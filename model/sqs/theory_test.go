package sqs

import (
	"math"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

func load(t *testing.T, yaml string, sets ...string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("test.yaml", []byte(yaml), sets)
	if err != nil {
		t.Fatal(err)
	}
	return &ls.Scenario
}

func play(t *testing.T, sc *scenarios.Scenario) (*world, *model.Results) {
	t.Helper()
	w, err := build(sc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.run(model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

// erlangC is the probability that an arrival waits in M/M/c with offered
// load a = λ/μ (Erlang's C formula).
func erlangC(c int, a float64) float64 {
	sum, term := 0.0, 1.0
	for k := 0; k < c; k++ {
		sum += term
		term *= a / float64(k+1)
	}
	top := term / (1 - a/float64(c))
	return top / (sum + top)
}

// An SQS queue with c consumers, each receiving one message at a time by
// long polling, Poisson arrivals and exponential service S ≫ the request
// latency L, is an M/M/c queue seen through the API:
//
//	produce → start = L/2 (SendMessage reaches the queue)
//	                + Wq   (waiting for a free consumer)
//	                + L/2  (the ReceiveMessage response travels back)
//
// A consumer freed with a backlog waits one receive round trip L before
// its next message, so its service is S + L: with L/S = 0.2% that moves ρ
// by 0.2%, inside the tolerance. So the mean time from produce to the start
// of processing is Erlang-C's Wq = C(c, a)/(cμ − λ) plus L.
//
// c = 4, S = 10 s (μ = 0.1/s), λ = 0.24/s: a = 2.4, ρ = 0.6.
// Hand check: Σ_{k<4} a^k/k! = 1 + 2.4 + 2.88 + 2.304 = 8.584;
// a^4/4! = 1.3824, /(1 − ρ) = 3.456; C = 3.456/12.04 = 0.28704;
// Wq = 0.28704/(0.4 − 0.24) = 1.7940 s; plus L = 0.02 s: 1.8140 s.
func TestMMcThroughSQS(t *testing.T) {
	if testing.Short() {
		t.Skip("a 14-day simulated run")
	}
	t.Parallel()
	const c, mu, lambda, L = 4, 0.1, 0.24, 0.020
	pw := erlangC(c, lambda/mu)
	if math.Abs(pw-0.28704) > 1e-4 {
		t.Fatalf("erlangC(4, 2.4) = %.5f, want 0.28704 (hand calculation)", pw)
	}
	want := pw/(c*mu-lambda) + L
	sc := load(t, `name: mmc
system: sqs
seed: 7
duration: 14d
sample_interval: 1h
sqs:
  queues:
    - name: jobs
      receive_wait: 20s
      visibility_timeout: 12h # no redelivery: exp(10s) passes the default 30 s one time in e³ = 20
producers:
  - name: p
    topic: jobs
    rate: 0.24/s
consumer_groups:
  - name: g
    topic: jobs
    consumers: 4
    processing: exp(10s)
`)
	w, r := play(t, sc)
	if w.waitN < 250_000 {
		t.Fatalf("only %d messages waited", w.waitN)
	}
	got := w.waitSum / float64(w.waitN)
	if math.Abs(got-want)/want > 0.05 {
		t.Errorf("mean produce→start %.4f s over %d messages, want Wq + L = %.4f s within 5%%", got, w.waitN, want)
	}
	if r.Duplicates != 0 || r.Lost != 0 {
		t.Errorf("duplicates %d, lost %d; want 0 (a 12 h visibility timeout)", r.Duplicates, r.Lost)
	}
	t.Logf("mean wait %.4f s, Erlang C + L %.4f s (%d messages)", got, want, w.waitN)
}
