package services

import (
	"encoding/json"
	"math"
	"mqsim/sim"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

func parse(t *testing.T, yaml string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("test.yaml", []byte(yaml), nil)
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

func row(t *testing.T, r *model.Results, name string) model.ServiceResult {
	t.Helper()
	for _, s := range r.ServiceStats {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s in the results", name)
	return model.ServiceResult{}
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

// One service with c threads, Poisson arrivals, exponential service times
// and an accept queue long enough never to reject is M/M/c: the mean wait
// in the accept queue is Erlang C's Wq = C(c, a)/(cμ − λ).
//
// c = 4, μ = 10/s (100 ms), λ = 24/s: a = 2.4, ρ = 0.6.
// Hand check: Σ_{k<4} a^k/k! = 1 + 2.4 + 2.88 + 2.304 = 8.584;
// a^4/4! = 1.3824, /(1 − ρ) = 3.456; C = 3.456/12.04 = 0.28704;
// Wq = 0.28704/(40 − 24) = 17.94 ms.
func TestPoolQueueingIsMMc(t *testing.T) {
	sc := parse(t, `
name: mmc
system: services
duration: 3000s
services:
  client: {rate: 24/s, timeout: 1h}
  graph:
    - name: s
      threads: 4
      queue: 1000000
      service_time: exp(100ms)
`)
	w, r := play(t, sc)
	want := erlangC(4, 2.4) / (40 - 24) * 1000
	if math.Abs(want-17.94) > 0.01 {
		t.Fatalf("Erlang C Wq = %.3f ms, hand check 17.94 ms", want)
	}
	s := row(t, r, "s")
	if u := s.MeanUtilisation; math.Abs(u-0.6) > 0.02 {
		t.Errorf("utilisation %.3f, want ρ = 0.6", u)
	}
	// Wq is over every request, those that found a free thread waiting 0.
	sv := w.svcs[0]
	got := sv.waitSum / float64(sv.arrived) * 1000
	if math.Abs(got-want)/want > 0.1 {
		t.Errorf("mean wait %.1f ms over %d requests, want Erlang C %.1f ms (±10%%)", got, sv.arrived, want)
	}
	t.Logf("Wq %.1f ms (Erlang C %.1f), %d requests, utilisation %.3f", got, want, sv.arrived, s.MeanUtilisation)
	// The share that waited is C itself.
	if c := float64(sv.waitN) / float64(sv.arrived); math.Abs(c-erlangC(4, 2.4)) > 0.03 {
		t.Errorf("%.3f of requests waited, want C(4, 2.4) = %.3f", c, erlangC(4, 2.4))
	}
}

// A caller's pool exhausts when the callee slows, at the time Little's law
// gives. Requests arrive at λ = 100/s (constant) at A, whose 20 threads
// each wait on a call to B. B answers in 50 ms, then from T = 5 s in 2 s
// (40× slower). Before the fault A holds λ × 50 ms = 5 threads (Little's
// law: L = λW). Those finish by T + 50 ms; every request arriving after
// T holds its thread for 2 s, so t after T the busy count is λt (once
// t > 50 ms), and it reaches the pool N = 20 at t = N/λ = 0.2 s, long
// before the first slow call returns (2 s): A is exhausted at 5.2 s. The
// arrivals are 10 ms apart, so the 20th after T lands at 5.19–5.20 s.
func TestPoolExhaustionFollowsLittlesLaw(t *testing.T) {
	sc := parse(t, `
name: little
system: services
duration: 8s
services:
  network_latency: 1us
  network_jitter: 1us
  client: {rate: 100/s, arrival: constant, timeout: 1h}
  graph:
    - name: a
      threads: 20
      queue: 1000
      service_time: const(1us)
      calls: [{to: b, timeout: 1h}]
    - name: b
      threads: 10000
      service_time: const(50ms)
  faults:
    - {type: slow, service: b, at: 5s, slowdown: 40x}
`)
	_, r := play(t, sc)
	a := row(t, r, "a")
	pool, lambda := 20.0, 100.0
	want := 5 + pool/lambda
	if math.Abs(a.ExhaustedAt-want) > 0.015 {
		t.Errorf("a exhausted at %.3f s, want 5 s + %v/%v = %.3f s", a.ExhaustedAt, pool, lambda, want)
	}
	// Before the fault, Little's law: mean busy threads = λ × 50 ms = 5,
	// so 5 of 20 threads: utilisation 25% over the first 5 s.
	if u := r.Series.Column("util/a"); len(u) < 5 || math.Abs(u[3]-0.25) > 0.01 {
		t.Errorf("utilisation of a at 3 s: %v, want λW/N = 100 × 0.05/20 = 0.25", u)
	}
	// Little's law before the fault: busy threads = λ × time held.
	if b := row(t, r, "b"); b.ExhaustedAt >= 0 {
		t.Errorf("b (10,000 threads) exhausted at %.3f s", b.ExhaustedAt)
	}
}

// Thirty synchronous dependencies, each failing 1% of calls, give the
// edge 0.99³⁰ = 73.97% availability: the product of the parts'. (The
// built-in availability-product runs 99.99% parts: 99.99³⁰ = 99.70%.)
func TestAvailabilityIsTheProduct(t *testing.T) {
	y := `
name: product
system: services
duration: 200s
services:
  client: {rate: 100/s, timeout: 1h}
  graph:
    - name: edge
      threads: 1000
      service_time: const(1ms)
      calls: [`
	deps := ""
	faults := ""
	for i := range 30 {
		if i > 0 {
			y += ", "
		}
		name := "d" + string(rune('a'+i/10)) + string(rune('0'+i%10))
		y += "{to: " + name + "}"
		deps += "\n    - {name: " + name + ", threads: 1000, service_time: const(1ms)}"
		faults += "\n    - {type: errors, service: " + name + ", at: 0s, share: 1%}"
	}
	y += "]" + deps + "\n  faults:" + faults + "\n"
	_, r := play(t, parse(t, y))
	want := math.Pow(0.99, 30)
	// 20,000 requests: the standard error of a share near 0.74 is 0.003.
	if math.Abs(r.Services.Availability-want) > 0.012 {
		t.Errorf("availability %.4f over %d requests, want 0.99^30 = %.4f", r.Services.Availability, r.Produced, want)
	}
	if math.Abs(want-0.7397) > 0.0001 {
		t.Fatalf("0.99^30 = %v, hand check 0.7397", want)
	}
}

// Retries multiply down a chain: d layers each making up to k attempts
// against a bottom that always fails send kᵈ attempts to the bottom per
// edge request. k = 3, d = 3: exactly 27.
func TestRetryAmplificationIsKtoTheD(t *testing.T) {
	sc := parse(t, `
name: kd
system: services
duration: 10s
services:
  client: {rate: 10/s, timeout: 1h}
  graph:
    - {name: l1, threads: 1000, service_time: const(1ms), calls: [{to: l2, retries: 2, backoff: 1ms, backoff_max: 1ms, timeout: 1h}]}
    - {name: l2, threads: 1000, service_time: const(1ms), calls: [{to: l3, retries: 2, backoff: 1ms, backoff_max: 1ms, timeout: 1h}]}
    - {name: l3, threads: 1000, service_time: const(1ms), calls: [{to: db, retries: 2, backoff: 1ms, backoff_max: 1ms, timeout: 1h}]}
    - {name: db, threads: 1000, service_time: const(1ms)}
  faults:
    - {type: errors, service: db, at: 0s, share: 100%}
`)
	_, r := play(t, sc)
	if r.Services.LeafAmplification != 27 {
		t.Errorf("%.3f attempts at the bottom per edge request, want 3³ = 27", r.Services.LeafAmplification)
	}
	if r.Services.Availability != 0 {
		t.Errorf("availability %v with a bottom that always fails, want 0", r.Services.Availability)
	}
}

// An asynchronous hop before a slow consumer turns the slowdown into lag,
// not errors, whatever system the queue is on: the edge stays available,
// and the backlog grows by (arrival − service rate) per second. 100
// requests/s; the consumer's 10 threads take 50 ms each (200/s) until it
// slows 4× (50/s) for 10 s: the backlog grows by (100 − 50)/s × 10 s =
// 500, then drains at 200 − 100 = 100/s, in about 5 s.
func TestAsyncTurnsSlownessIntoLag(t *testing.T) {
	for _, sys := range scenarios.ViaSystems {
		t.Run(sys, func(t *testing.T) {
			sc := parse(t, `
name: lag
system: services
duration: 30s
drain: 60s
services:
  client: {rate: 100/s, arrival: constant}
  via: {system: `+sys+`}
  graph:
    - {name: api, threads: 50, service_time: const(1ms), calls: [{to: worker, mode: async}]}
    - {name: worker, threads: 10, service_time: const(50ms)}
  faults:
    - {type: slow, service: worker, at: 10s, duration: 10s, slowdown: 4x}
`)
			_, r := play(t, sc)
			if r.Services.Availability != 1 {
				t.Errorf("edge availability %v, want 1: the queue absorbs the slowdown", r.Services.Availability)
			}
			// The largest backlog over the run (exact, not sampled): the
			// slowed threads serve 50/s, or down to 10 / (200 + 20) ms =
			// 45.5/s where each thread's next receive is a 20 ms round
			// trip (SQS), so 10 s of growth make 500 to 545; plus the
			// deliveries the consumer holds (up to its 10 threads) and,
			// after the fault, up to 200 ms of calls (20) while the jobs
			// begun slow finish.
			if b := r.Services.AsyncBacklog; b < 500 || b > 580 {
				t.Errorf("largest backlog %d, want about (100 − 50) × 10 = 500", b)
			}
			if r.Services.AsyncFinalBacklog != 0 {
				t.Errorf("backlog %d at the end, want it drained", r.Services.AsyncFinalBacklog)
			}
			w := row(t, r, "worker")
			if w.Via != sys || w.AsyncProcessed != r.Produced {
				t.Errorf("worker: via %q, %d processed; want %s and all %d requests", w.Via, w.AsyncProcessed, sys, r.Produced)
			}
		})
	}
}

// Same scenario and seed, same results, byte for byte.
func TestDeterministic(t *testing.T) {
	y := `
name: det
system: services
duration: 20s
services:
  client: {rate: 300/s}
  graph:
    - {name: a, threads: 5, queue: 5, service_time: exp(2ms), calls: [{to: b, retries: 2, breaker: {}, retry_budget: {}}, {to: c, mode: async}]}
    - {name: b, instances: 2, threads: 4, service_time: "lognormal(median=10ms, p99=80ms)"}
    - {name: c, threads: 2, service_time: exp(5ms)}
  faults:
    - {type: slow, service: b, at: 5s, duration: 5s, slowdown: 10x}
    - {type: crash, service: c, at: 8s, duration: 3s}
`
	for _, sys := range scenarios.ViaSystems {
		var outs [2]string
		for i := range outs {
			_, r := play(t, parse(t, strings.Replace(y, "client: {rate: 300/s}", "client: {rate: 300/s}\n  via: {system: "+sys+"}", 1)))
			data, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			outs[i] = string(data)
		}
		if outs[0] != outs[1] {
			t.Errorf("async calls through %s: two runs of one scenario and seed differ", sys)
		}
	}
}

// Closed-loop users obey the interactive response time law: N users, each
// thinking Z between requests answered in R, make X = N/(R + Z) requests
// a second. 50 users thinking exp(1s) against a service answering in 100 ms
// (never queueing: 100 threads): X = 50/(0.1 + 1) = 45.5/s.
func TestClosedLoopResponseTimeLaw(t *testing.T) {
	sc := parse(t, `
name: users
system: services
duration: 400s
services:
  client: {users: 50, think_time: exp(1s)}
  graph:
    - {name: s, threads: 100, service_time: const(100ms)}
`)
	_, r := play(t, sc)
	r0 := r.E2ELatency.Mean / 1000 // seconds, the network included
	want := 50 / (r0 + 1)
	if math.Abs(r.Services.Goodput-want)/want > 0.03 {
		t.Errorf("throughput %.2f/s with R = %.4f s, want N/(R + Z) = %.2f/s", r.Services.Goodput, r0, want)
	}
	if math.Abs(want-45.45) > 0.2 {
		t.Errorf("N/(R + Z) = %.2f, hand check 50/1.1 = 45.45", want)
	}
}

// The network's faults reach the calls: a service whose process is down
// refuses connections, so its callers fail fast (a round trip); one whose
// machine crashed or that is cut off answers nothing, so every call waits
// its full timeout. 100 calls/s for 5 s: about 500 failed calls either way,
// timeouts only for the crash and the cut.
func TestDownRefusesCrashTimesOut(t *testing.T) {
	for _, tc := range []struct {
		fault    string
		timeouts bool
	}{{"down", false}, {"crash", true}, {"partition", true}} {
		sc := parse(t, `
name: faults
system: services
duration: 20s
services:
  client: {rate: 100/s, arrival: constant}
  graph:
    - {name: api, threads: 200, service_time: const(1ms), calls: [{to: db, timeout: 500ms}]}
    - {name: db, service_time: const(1ms)}
  faults:
    - {type: `+tc.fault+`, service: db, at: 5s, duration: 5s}
`)
		_, r := play(t, sc)
		api := row(t, r, "api")
		if api.Failed < 480 || api.Failed > 560 {
			t.Errorf("%s: %d requests failed, want about 100/s × 5 s = 500", tc.fault, api.Failed)
		}
		if tc.timeouts != (api.Timeouts > 400) || (!tc.timeouts && api.Timeouts != 0) {
			t.Errorf("%s: %d call timeouts", tc.fault, api.Timeouts)
		}
		// Thread-seconds the failures held: a refusal a round trip (~1 ms),
		// a timeout 500 ms: 500 × 0.5 s = 250 of 200 threads × 20 s, 6%.
		if u := api.MeanUtilisation; tc.timeouts != (u > 0.05) || (!tc.timeouts && u > 0.01) {
			t.Errorf("%s: api's threads %.2f%% busy", tc.fault, 100*u)
		}
	}
}

// Backoff slows a closed loop but not an open one. A database fails every
// call for 10 s; its callers retry 3 times with backoff (1 s doubling,
// full jitter: 0.5 + 1 + 2 = 3.5 s of waiting on average). Closed loop:
// 20 users who think 100 ms each wait out their backoff, so they send
// fewer requests — about 20 ÷ 3.6 s ≈ 5.6 a second, 22 attempts a second
// instead of 200: backoff sheds the load. Open loop at the same 200
// requests/s: arrivals do not wait for answers, every one still makes 4
// attempts, so the database sees 4 × 200 = 800 a second whatever the
// backoff — it only spreads them out.
func TestBackoffHelpsClosedLoopNotOpenLoop(t *testing.T) {
	const graph = `
  graph:
    - {name: api, threads: 10000, queue: 0, service_time: const(1ms), calls: [{to: db, retries: 3, backoff: 1s, backoff_max: 10s, timeout: 1s}]}
    - {name: db, threads: 10000, service_time: const(5ms)}
  faults:
    - {type: errors, service: db, at: 20s, duration: 10s, share: 100%}
`
	rate := func(client string) float64 {
		sc := parse(t, "name: backoff\nsystem: services\nduration: 40s\nservices:\n  client: "+client+graph)
		w, err := build(sc)
		if err != nil {
			t.Fatal(err)
		}
		db := w.byName["db"]
		var a0, a1 int64
		// The outage's second half: the backoff's steady state.
		w.s.At(25*sim.Second, func() { a0 = db.attempts })
		w.s.At(30*sim.Second, func() { a1 = db.attempts })
		if _, err := w.run(model.Options{}); err != nil {
			t.Fatal(err)
		}
		return float64(a1-a0) / 5
	}
	open := rate("{rate: 200/s, arrival: constant}")
	closed := rate("{users: 20, think_time: const(100ms)}")
	if math.Abs(open-800)/800 > 0.05 {
		t.Errorf("open loop: %.0f attempts/s at the database during the outage, want 4 × 200 = 800", open)
	}
	t.Logf("attempts/s at the database during the outage: open loop %.0f, closed loop %.1f", open, closed)
	if closed > 40 || closed < 10 {
		t.Errorf("closed loop: %.0f attempts/s at the database during the outage, want about 4 × 20/3.6 s ≈ 22", closed)
	}
}

// A fan-out (parallel: true) waits for its slowest call, calls one after
// another wait for their sum. api (const 1 ms) calls a, b and c (const 10,
// 20 and 30 ms) with a 1 ms network each way (1 µs jitter): one after
// another a request takes 1 + (2+10) + (2+20) + (2+30) = 67 ms inside api, plus the client's round trip to api (2 ms): 69 ms;
// at once it takes 1 + 2 + 30 = 33 ms, plus 2 ms: 35 ms. A failing call
// fails the fan-out unless it has a fallback.
func TestParallelFanOutWaitsForTheSlowest(t *testing.T) {
	text := `
name: fanout
system: services
duration: 20s
services:
  network_latency: 1ms
  network_jitter: 1us
  client: {rate: 50/s, arrival: constant}
  graph:
    - name: api
      threads: 100
      service_time: const(1ms)
      calls: [{to: a}, {to: b}, {to: c}]
    - {name: a, threads: 100, service_time: const(10ms)}
    - {name: b, threads: 100, service_time: const(20ms)}
    - {name: c, threads: 100, service_time: const(30ms)}
`
	for _, tc := range []struct {
		parallel bool
		want     float64 // ms
	}{{false, 69}, {true, 35}} {
		src := text
		if tc.parallel {
			src = strings.Replace(src, "      calls: [{to: a}", "      parallel: true\n      calls: [{to: a}", 1)
		}
		_, r := play(t, parse(t, src))
		if got := r.E2ELatency.P50; math.Abs(got-tc.want) > 1 {
			t.Errorf("parallel %v: edge p50 %.2f ms, want %.0f ms", tc.parallel, got, tc.want)
		}
		if r.Services.Availability != 1 {
			t.Errorf("parallel %v: availability %v, want 1", tc.parallel, r.Services.Availability)
		}
	}
	failing := strings.Replace(strings.Replace(text, "      calls: [{to: a}", "      parallel: true\n      calls: [{to: a}", 1),
		"    - {name: c, threads: 100, service_time: const(30ms)}\n",
		"    - {name: c, threads: 100, service_time: const(30ms)}\n  faults:\n    - {type: errors, service: c, at: 0s, duration: 30s, share: 100%}\n", 1)
	if _, r := play(t, parse(t, failing)); r.Services.Availability != 0 {
		t.Errorf("every c call fails: availability %v, want 0", r.Services.Availability)
	}
	withFallback := strings.Replace(failing, "{to: c}", "{to: c, fallback: true}", 1)
	if _, r := play(t, parse(t, withFallback)); r.Services.Availability != 1 {
		t.Errorf("c fails behind a fallback: availability %v, want 1", r.Services.Availability)
	}
}

// The scenario's network faults reach service instances: a partition
// between api and db from 1 s to 3 s times out api's calls. By hand, with
// requests every 100 ms (constant), a 100 ms timeout, two retries after
// 50 ms and 100 ms (no jitter), and the call leaving about 1.25 ms after
// the request (250 µs on the wire, 1 ms of work): the attempts of a
// request at t go at t, t + 150 ms and t + 350 ms. The 17 requests from
// 1.0 s to 2.6 s meet the cut on all three: 51 timeouts, 34 retries, 17
// failures. At 2.7 s and 2.8 s two attempts are cut (2 timeouts and 2
// retries each), the third gets through after 3 s; at 2.9 s one (its
// retry at 3.05 s succeeds). In all: 56 timeouts, 39 retries, 17 edge
// failures.
func TestNetworkPartitionTimesOutCalls(t *testing.T) {
	sc := parse(t, `
name: cut
system: services
duration: 5s
services:
  client: {rate: 10/s, arrival: constant}
  graph:
    - name: api
      service_time: const(1ms)
      calls: [{to: db, timeout: 100ms, retries: 2, backoff: 50ms, jitter: none}]
    - {name: db, service_time: const(1ms)}
faults:
  - {type: network-partition, service: db, from: ["service:api"], at: 1s, duration: 2s}
`)
	_, r := play(t, sc)
	api := row(t, r, "api")
	if api.Timeouts != 56 || api.Retries != 39 {
		t.Errorf("api's calls: %d timeouts, %d retries; want 56 and 39", api.Timeouts, api.Retries)
	}
	if r.Failed != 17 {
		t.Errorf("%d edge failures, want 17 (every attempt of the requests from 1.0 s to 2.6 s cut)", r.Failed)
	}
	if len(r.Faults) != 2 || r.Faults[0].Type != "network-partition" {
		t.Errorf("fault markers %+v, want the partition's start and end", r.Faults)
	}
}

// A machine crash from the scenario's faults (broker-crash with
// lose_page_cache) stops db's instances: messages to them vanish, so api's
// calls time out instead of being refused, and after the restart they
// succeed again. From 1 s to 2 s, 10 requests at 10/s, one attempt each
// (no retries): 10 timeouts, 10 failures.
func TestMachineCrashTimesOutCalls(t *testing.T) {
	sc := parse(t, `
name: crash
system: services
duration: 4s
services:
  client: {rate: 10/s, arrival: constant}
  graph:
    - name: api
      service_time: const(1ms)
      calls: [{to: db, timeout: 100ms}]
    - {name: db, service_time: const(1ms)}
faults:
  - {type: broker-crash, service: db, lose_page_cache: true, at: 1s, duration: 1s}
`)
	_, r := play(t, sc)
	api := row(t, r, "api")
	if api.Timeouts != 10 || r.Failed != 10 {
		t.Errorf("%d timeouts, %d edge failures; want 10 and 10", api.Timeouts, r.Failed)
	}
}

// A callee that crashes loses no asynchronous work, whatever system its
// queue is on: what it held comes back (a visibility timeout, a closed
// connection's requeue, a consumer's redelivery, a partition moving to
// another member) and every message is handled once it returns. 50
// requests/s for 20 s into two worker instances; both crash at 5 s for
// 5 s: about 50/s × 5 s = 250 messages wait. A partition of the workers
// (cut off from the other services and the client) does not stop their
// consumption: the broker's links are outside the cut, as SQS's API is.
func TestAsyncSurvivesCalleeCrash(t *testing.T) {
	for _, fault := range []string{"crash", "partition"} {
		for _, sys := range scenarios.ViaSystems {
			t.Run(fault+"/"+sys, func(t *testing.T) {
				sc := parse(t, `
name: crash
system: services
duration: 20s
drain: 120s
services:
  client: {rate: 50/s, arrival: constant}
  via: {system: `+sys+`}
  queue: {visibility_timeout: 5s}
  graph:
    - {name: api, threads: 50, service_time: const(1ms), calls: [{to: worker, mode: async}]}
    - {name: worker, instances: 2, threads: 5, service_time: const(20ms)}
  faults:
    - {type: `+fault+`, service: worker, at: 5s, duration: 5s}
`)
				_, r := play(t, sc)
				if r.Services.Availability != 1 {
					t.Errorf("edge availability %v, want 1: the publish does not wait for the worker", r.Services.Availability)
				}
				w := row(t, r, "worker")
				if w.AsyncProcessed < r.Produced {
					t.Errorf("worker handled %d of %d messages: work was lost", w.AsyncProcessed, r.Produced)
				}
				if r.Services.AsyncFinalBacklog != 0 {
					t.Errorf("backlog %d at the end, want it drained", r.Services.AsyncFinalBacklog)
				}
				if b := r.Services.AsyncBacklog; fault == "crash" && b < 200 {
					t.Errorf("largest backlog %d, want about 50/s × 5 s = 250", b)
				}
			})
		}
	}
}

// A message the callee fails comes back and is handled later, on every
// system: SQS after the visibility timeout, RabbitMQ by the requeue,
// Pulsar after the negative-ack delay, Kafka handed again in place. The
// worker fails half its attempts for 5 s: 250 messages arrive meanwhile.
// Where a failure comes back after the fault (SQS's 30 s visibility,
// Pulsar's 1 min delay) about 250 × 50% = 125 fail; where it comes back at
// once (a requeue, a retry in place) each message takes 1 ÷ (1 − 50%) = 2
// attempts while the fault lasts, so about 250 fail. Every message is
// handled in the end.
func TestAsyncFailuresComeBack(t *testing.T) {
	for _, sys := range scenarios.ViaSystems {
		t.Run(sys, func(t *testing.T) {
			sc := parse(t, `
name: errors
system: services
duration: 20s
drain: 200s
services:
  client: {rate: 50/s, arrival: constant}
  via: {system: `+sys+`}
  graph:
    - {name: api, threads: 50, service_time: const(1ms), calls: [{to: worker, mode: async}]}
    - {name: worker, instances: 2, threads: 5, service_time: const(20ms)}
  faults:
    - {type: errors, service: worker, at: 5s, duration: 5s, share: 50%}
`)
			_, r := play(t, sc)
			w := row(t, r, "worker")
			if w.AsyncProcessed < r.Produced {
				t.Errorf("worker handled %d of %d messages: failed ones did not come back", w.AsyncProcessed, r.Produced)
			}
			want := 125.0
			if sys == scenarios.ViaRabbitMQ || sys == scenarios.ViaKafka {
				want = 250
			}
			if f := float64(w.Failed); f < 0.75*want || f > 1.25*want {
				t.Errorf("worker failed %d, want about %.0f", w.Failed, want)
			}
			if r.Redelivered < 90 {
				t.Errorf("%d redelivered, want the failures back (about 125)", r.Redelivered)
			}
			if r.Services.AsyncFinalBacklog != 0 {
				t.Errorf("backlog %d at the end, want it drained", r.Services.AsyncFinalBacklog)
			}
		})
	}
}
