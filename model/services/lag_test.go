package services

import (
	"fmt"
	"slices"
	"testing"

	"mqsim/internal/simtest"
	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/sim"
)

// checkBacklogs checks that each asynchronous service's channel holds no
// more than its maximum so far, and that the maximum the service reports
// is at least it.
func (w *world) checkBacklogs() error {
	for _, sv := range w.svcs {
		b := sv.inbox
		if b == nil {
			continue
		}
		if err := simtest.ChannelWithinMax(w.s.Now(), b.ch); err != nil {
			return fmt.Errorf("service %s (%s): %w", sv.spec.Name, b.sys, err)
		}
	}
	return nil
}

// runChecked plays sc with checkBacklogs every iv and at the end; the
// first failure fails t.
func runChecked(t *testing.T, sc *scenarios.Scenario, iv sim.Time) *model.Results {
	t.Helper()
	w, err := build(sc)
	if err != nil {
		t.Fatal(err)
	}
	end := simtest.Watch(w.s, iv, w.checkBacklogs)
	r, err := w.run(model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := end(); err != nil {
		t.Fatal(err)
	}
	return r
}

func parseYAML(t *testing.T, y string, sets ...string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("t.yaml", []byte(y), sets)
	if err != nil {
		t.Fatal(err)
	}
	return &ls.Scenario
}

// A channel's maximum is at least what it holds at every moment (checked
// every 10 ms) on SQS, RabbitMQ, Pulsar and Kafka, through a callee that is
// slowed, then crashes (what it held comes back, redelivered); the
// service's max_backlog and the run's max_lag are at least every sample
// of its backlog. (Each channel's running count is checked against a
// recount in its own package.)
func TestMaxBacklogCoversEveryMoment(t *testing.T) {
	for _, sys := range []string{scenarios.ViaSQS, scenarios.ViaRabbitMQ, scenarios.ViaPulsar, scenarios.ViaKafka} {
		t.Run(sys, func(t *testing.T) {
			r := runChecked(t, parseYAML(t, simtest.ServiceChurn(sys)), 10*sim.Millisecond)
			var sampled float64
			for _, c := range r.Series.Columns {
				if c.Name == "backlog/work" {
					sampled = slices.Max(c.Values)
				}
			}
			var work model.ServiceResult
			for _, s := range r.ServiceStats {
				if s.Name == "work" {
					work = s
				}
			}
			if sampled == 0 || float64(work.MaxBacklog) < sampled || r.MaxLag != work.MaxBacklog || r.Services.AsyncBacklog != work.MaxBacklog {
				t.Errorf("largest sample %v, max_backlog %d, max_lag %d, async_backlog %d: want the last three equal and at least the first",
					sampled, work.MaxBacklog, r.MaxLag, r.Services.AsyncBacklog)
			}
		})
	}
}

// spike: 1,000 calls/s at exactly 1 ms apart go through an SQS queue
// whose API calls take 1 ms each way to a worker whose one instance
// crashes from 2.2 s to 2.8 s, between two of the sampler's 1 s ticks.
const spike = `name: spike-between-samples
system: services
seed: 1
duration: 5s
drain: 1m
services:
  call: async
  queue: {request_latency: 2ms}
  client: {rate: 1000/s, arrival: constant}
  graph:
    - {name: api, instances: 1, threads: 20, service_time: const(1ms), calls: [{to: work}]}
    - {name: work, instances: 1, threads: 10, service_time: const(1ms)}
  faults:
    - {type: crash, service: work, at: 2200ms, duration: 300ms}
`

// A backlog spike between two samples: max_lag is the run's, not the
// samples'. Counted by hand: a call reaches the queue (SendMessage, 1 ms)
// every millisecond and a parked long poll takes it at once; the worker
// has it 1 ms later, handles it in 1 ms and its DeleteMessage lands 1 ms
// after — so a message is held about 3 ms and 3 to 5 are held at any
// instant (the api's network hop has jitter): all the 1 s samples see,
// besides those the crash strands. At 2.2 s the worker crashes: what it
// had received and not deleted (at most those 5) stays in flight until
// the visibility timeout (30 s); the 300 calls sent until 2.5 s wait. At
// 2.5 s it polls again: the receive lands at 2.501 s, the answer at
// 2.502 s, the first deletes at 2.504 s — up to 4 more calls land first.
// So the maximum is 300 to 309 messages; the largest 1 s sample is at most
// the 5 stranded plus 5 passing through.
func TestMaxLagCountsASpikeBetweenSamples(t *testing.T) {
	r := runChecked(t, parseYAML(t, spike), sim.Millisecond)
	var sampled float64
	for _, c := range r.Series.Columns {
		if c.Name == "backlog/work" {
			sampled = slices.Max(c.Values)
		}
	}
	if r.MaxLag < 300 || r.MaxLag > 309 {
		t.Errorf("max_lag %d, want the 300 calls sent during the crash and up to 9 more (300..309)", r.MaxLag)
	}
	if r.Services.AsyncBacklog != r.MaxLag || r.ServiceStats[1].MaxBacklog != r.MaxLag {
		t.Errorf("async_backlog %d, work's max_backlog %d: want max_lag %d", r.Services.AsyncBacklog, r.ServiceStats[1].MaxBacklog, r.MaxLag)
	}
	if sampled > 10 {
		t.Errorf("largest 1 s sample of the backlog %v, want at most 10 (the spike falls between samples)", sampled)
	}
	if r.Services.AsyncFinalBacklog != 0 || r.ServiceStats[1].AsyncProcessed < 4999 {
		t.Errorf("final backlog %d, processed %d: want 0 and about 5,000", r.Services.AsyncFinalBacklog, r.ServiceStats[1].AsyncProcessed)
	}
}
