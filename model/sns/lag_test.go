package sns

import (
	"fmt"
	"slices"
	"testing"

	"mqsim/internal/simtest"
	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/sim"
)

// checkLags compares each subscription's running backlog with one
// recounted from its copies and its queue, and the maximum with it.
func (w *world) checkLags() error {
	for _, u := range w.subs {
		n := 0
		for _, c := range u.pending {
			n += c
		}
		if u.q != nil {
			n += u.q.Stored()
		}
		if n != u.backlog() || u.maxStore < n {
			return fmt.Errorf("subscription %s at %v: running backlog %d (max %d), recounted %d", u.spec.Name, w.s.Now(), u.backlog(), u.maxStore, n)
		}
	}
	return nil
}

// runChecked plays sc with checkLags every iv (and at the end); the first
// mismatch fails t.
func runChecked(t *testing.T, sc *scenarios.Scenario, iv sim.Time) *model.Results {
	t.Helper()
	w, err := build(sc)
	if err != nil {
		t.Fatal(err)
	}
	end := simtest.Watch(w.s, iv, w.checkLags)
	r, err := w.run(model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := end(); err != nil {
		t.Fatal(err)
	}
	return r
}

// The running backlog is the one recounted from every copy and queue,
// every 100 ms and at the end, over the built-ins — copies filtered out,
// SQS queues, HTTP endpoints down for 10 minutes with retries run out,
// dead-lettered and discarded — and an SQS subscription whose consumers
// crash and fail transiently, so messages come back after the visibility
// timeout and are redriven to a dead-letter queue: the maximum is at
// least every value seen (a mismatch fails the run).
func TestLagBookkeepingIsExact(t *testing.T) {
	for _, name := range []string{"sns-fanout-filter", "sns-http-endpoint-outage"} {
		t.Run(name, func(t *testing.T) {
			ls, err := scenarios.LoadScenario(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			runChecked(t, &ls.Scenario, 100*sim.Millisecond)
		})
	}
	t.Run("sqs-churn", func(t *testing.T) {
		runChecked(t, load(t, `name: churn
system: sns
seed: 3
duration: 60s
drain: 60s
sns:
  topics: [{name: t}]
  subscriptions:
    - {name: q, topic: t, queue: {visibility_timeout: 5s, max_receive_count: 3}}
producers:
  - {name: p, topic: t, rate: 200/s}
consumer_groups:
  - {name: g, topic: q, consumers: 4, processing: exp(10ms), failures: {transient_rate: 20%, policy: retry}}
faults:
  - {type: consumer-crash, group: g, at: 10s, duration: 5s}
  - {type: consumer-crash, group: g, consumer: 1, at: 30s, duration: 20s}
`), 10*sim.Millisecond)
	})
}

// slowedEndpoint is an HTTP subscription fed at exactly 1,000 msg/s
// whose endpoint has two handlers of 1.5 ms each (1,333 requests/s); one
// of them is down from 2.2 s to 2.5 s, between two of the sampler's 1 s
// ticks. SNS delivers at once.
const slowedEndpoint = `name: spike-between-samples
system: sns
seed: 1
duration: 5s
drain: 1m
sns:
  delivery_latency: 0s
  topics: [{name: t}]
  subscriptions:
    - {name: hook, topic: t, protocol: http}
producers:
  - {name: p, topic: t, rate: 1000/s, arrival: constant}
consumer_groups:
  - {name: h, topic: hook, consumers: 2, processing: const(1.5ms)}
faults:
  - {type: consumer-crash, group: h, consumer: 1, at: 2200ms, duration: 300ms}
`

// A backlog spike between two samples: the maximum is the run's, not the
// samples'. Counted by hand: a copy is held from the moment SNS makes it
// until its endpoint has handled it. With both handlers up a copy arrives
// every 1 ms and finds a free handler (each is busy 1.5 ms of every 2), so
// at any instant 1 or 2 copies are held: all the 1 s samples see. From
// 2.2 s one handler serves 1 request per 1.5 ms while 1 arrives per
// millisecond: in the 300 ms until 2.5 s, 300 arrive and 200 are served,
// so 100 wait, plus the one in service and the one the crashed handler
// was serving (failed: it waits 20 s for its retry, the default policy).
// Then both serve 1,333/s and the queue drains by 2.8 s. The maximum is
// 102 copies, ±1 for the partial requests at 2.2 s and 2.5 s; the largest
// 1 s sample is at most 3 (the failed copy waiting, 2 in service).
func TestMaxLagCountsASpikeBetweenSamples(t *testing.T) {
	r := runChecked(t, load(t, slowedEndpoint), sim.Millisecond)
	g := r.Groups[0]
	if g.MaxLag < 101 || g.MaxLag > 103 {
		t.Errorf("max_lag %d, want 100 queued, 1 in service and 1 failed, ±1 (101..103)", g.MaxLag)
	}
	if r.MaxLag != g.MaxLag || g.MaxPartLag != g.MaxLag {
		t.Errorf("results max_lag %d, max_partition_lag %d: want the group's %d", r.MaxLag, g.MaxPartLag, g.MaxLag)
	}
	if r.Series.IntervalSeconds != 1 {
		t.Fatalf("sample interval %v s, want the default 1 s", r.Series.IntervalSeconds)
	}
	if sampled := slices.Max(r.Series.Column("lag/h")); sampled > 3 {
		t.Errorf("largest 1 s sample of the backlog %v, want at most 3 (the spike falls between samples)", sampled)
	}
	if g.Processed != r.Acked || r.Acked < 4999 || g.FinalLag != 0 {
		t.Errorf("processed %d, acked %d, final backlog %d: want every one of the ~5,000 messages, none left", g.Processed, r.Acked, g.FinalLag)
	}
}

// The maximum does not depend on when the sampler looks: the HTTP outage
// built-in reports the same maxima at its 5 s and at a 10 ms sample
// interval.
func TestMaxLagIsIndependentOfTheSampleInterval(t *testing.T) {
	run := func(iv string) *model.Results {
		ls, err := scenarios.LoadScenario("sns-http-endpoint-outage", []string{"sample_interval=" + iv})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	slow, fast := run("5s"), run("10ms")
	for i := range slow.Groups {
		if s, f := slow.Groups[i].MaxLag, fast.Groups[i].MaxLag; s != f {
			t.Errorf("group %s: max_lag %d at 5 s samples, %d at 10 ms", slow.Groups[i].Name, s, f)
		}
	}
}
