package kafka

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/sim"
)

// Kafka's quota arithmetic by hand: quota.window.num 11 samples of 1 s, a
// quota of 1 MB/s. The window a rate is measured over is at least
// (11 − 1) × 1 s; the throttle is (rate − quota) / quota × window.
func TestQuotaThrottleArithmetic(t *testing.T) {
	const num, size, bound = 11, sim.Second, 1e6
	var q quotaRate
	q.record(0, 2e6, num, size)
	// 2 MB over the minimum window of 10 s: 0.2 MB/s, within the quota.
	if got := q.throttle(0, bound, num, size); got != 0 {
		t.Errorf("2 MB at 0: throttle %v, want 0", got)
	}
	q.record(0, 12e6, num, size)
	// 14 MB / 10 s = 1.4 MB/s: (1.4 − 1) / 1 × 10 s = 4 s.
	if got := q.throttle(0, bound, num, size); !near(got, 4*sim.Second) {
		t.Errorf("14 MB at 0: throttle %v, want 4s", got)
	}
	// 10.5 s later the first sample (started at 0) is 10.5 s old: the
	// window is 10.5 s, the rate 14/10.5 = 1.333 MB/s, the throttle
	// 0.333 × 10.5 s = 3.5 s.
	q.record(10*sim.Second+sim.Second/2, 0, num, size)
	if got := q.throttle(10*sim.Second+sim.Second/2, bound, num, size); !near(got, 3500*sim.Millisecond) {
		t.Errorf("at 10.5 s: throttle %v, want 3.5s", got)
	}
	// At 11.5 s the first sample is 11 × 1 s old: purged, nothing left.
	if got := q.rate(11*sim.Second+sim.Second/2, num, size); got != 0 {
		t.Errorf("at 11.5 s: rate %v, want 0 (the 14 MB sample expired)", got)
	}

	// request_percentage: 0.5 s of one handler thread is 50 percent-seconds;
	// over 10 s, 5%; with a quota of 1%: (5 − 1) / 1 × 10 s = 40 s.
	w := &world{s: sim.New(1), brokers: []*broker{{}}}
	w.sc = &scenarios.Scenario{Quotas: &scenarios.Quotas{WindowNum: num, WindowSize: scenarios.DefaultQuotaWindowSize,
		Clients: []scenarios.ClientQuota{{ClientID: "noisy", RequestPercentage: 1}}}}
	qs := newQuotas(w)
	if got := qs.throttle(&scenarios.Producer{Name: "noisy"}, 0, 1000, 500*sim.Millisecond, -1); !near(got, 40*sim.Second) {
		t.Errorf("request quota: throttle %v, want 40s", got)
	}
	// Kafka leaves acks=0 requests out of the request quota.
	if got := qs.throttle(&scenarios.Producer{Name: "noisy"}, 0, 1000, 500*sim.Millisecond, 0); got != 0 {
		t.Errorf("acks=0 under a request quota: throttle %v, want 0", got)
	}
	if got := qs.throttle(&scenarios.Producer{Name: "acme"}, 0, 1e9, sim.Second, -1); got != 0 {
		t.Errorf("a client without a quota: throttle %v, want 0", got)
	}
	if qs.throttled != 1 {
		t.Errorf("throttled responses %d, want 1", qs.throttled)
	}
}

func near(got, want sim.Time) bool {
	d := got - want
	return d > -sim.Millisecond && d < sim.Millisecond
}

// noisy-tenant on Kafka: a burst of 61 MB/s of produce and 61 MB/s of
// replication into each broker's 125 MB/s NIC (98%) raises the quiet
// tenant's p99 far above its quiet ~6 ms (linger 5 ms + a replication
// round trip); the noisy client's quota of 5 MB/s per broker throttles the
// burst to a twelfth, so the quiet tenant's p99 falls, and only the noisy
// producer waits.
func TestNoisyTenantKafkaQuota(t *testing.T) {
	load := func(sets ...string) *Results {
		ls, err := scenarios.LoadScenario("noisy-tenant", append([]string{"system=kafka"}, sets...))
		if err != nil {
			t.Fatal(err)
		}
		return mustRun(t, &ls.Scenario)
	}
	p99 := func(r *Results, g string) float64 { return groupOf(t, r, g).E2ELatency.P99 }
	free := load("quotas.clients.0.producer_byte_rate=1GB")
	quota := load()
	if free.QuotaThrottled != 0 || quota.QuotaThrottled == 0 || quota.PublishThrottled == 0 {
		t.Errorf("throttled responses: %d without a quota, %d (%d records held) with: want 0 and some", free.QuotaThrottled, quota.QuotaThrottled, quota.PublishThrottled)
	}
	if a, b := p99(free, "acme-billing"), p99(quota, "acme-billing"); a < 300 || b > 200 || b > a/2 {
		t.Errorf("acme p99: %.0f ms without the quota, %.0f ms with: want > 300 and < 200 (at most half)", a, b)
	}
	// The noisy producer gets ~10 MB/s of its 123 MB/s burst: its sends wait.
	var noisy ProducerResult
	for _, p := range quota.Producers {
		if p.Name == "noisy" {
			noisy = p
		}
	}
	if noisy.AckLatency.P50 < 1000 {
		t.Errorf("noisy's ack p50 %.0f ms under its quota: want above 1 s", noisy.AckLatency.P50)
	}
	if quota.Lost != 0 || free.Lost != 0 {
		t.Errorf("lost %d / %d: want 0", quota.Lost, free.Lost)
	}
}

const fetchQuotaYAML = `
name: fetch-quota
seed: 1
duration: 10s
drain: 5s
cluster:
  brokers: 2
topics:
  - {name: events, partitions: 2}
producers:
  - {name: app, topic: events, rate: 2000/s, message_size: 1KB}
consumer_groups:
  - {name: etl, topic: events}
quotas:
  clients:
    - {client_id: etl, consumer_byte_rate: 250KB}
`

// A consumer_byte_rate quota holds a group's fetches to 250 KB/s per
// broker. Over the 15 s of the run and its drain, a broker lets the group
// take at least 250 KB/s × 15 s = 3.75 MB and at most that plus the
// window's allowance, 250 KB/s × (15 + 10) s = 6.25 MB; two brokers, and
// records of ~1 KB: 7,000–13,000 of the 20,000 produced.
func TestFetchQuota(t *testing.T) {
	r := mustRun(t, loadYAML(t, fetchQuotaYAML))
	etl := groupOf(t, r, "etl")
	if etl.Processed < 7_000 || etl.Processed > 13_000 || r.QuotaThrottled == 0 {
		t.Errorf("etl processed %d of %d acked (%d throttled responses): want 7,000–13,000, some throttled", etl.Processed, r.Acked, r.QuotaThrottled)
	}
	free := mustRun(t, loadYAML(t, fetchQuotaYAML, "quotas.clients.0.consumer_byte_rate=1GB"))
	if g := groupOf(t, free, "etl"); g.Processed != free.Acked || free.QuotaThrottled != 0 {
		t.Errorf("without a binding quota etl processed %d of %d (%d throttled): want all, 0", g.Processed, free.Acked, free.QuotaThrottled)
	}
}
