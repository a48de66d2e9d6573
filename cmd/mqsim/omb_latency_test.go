package main

import (
	"encoding/json"
	"testing"
)

// The benchmark-shaped result carries publish latency interval by
// interval, and each interval agrees with the run's aggregate.
//
// testdata/omb/ack-latency.yaml sends one message every 20 ms into one
// partition with acks=1 and a 10 ms linger, so every batch holds one
// message and is sent 10 ms after it arrived. Its acknowledgement is that
// linger plus one round trip to the leader on the default profile:
// 2 × (150 ± 50) µs of network, 20 µs of handler CPU and a few µs of
// bytes on the wire, so 10.2 to 10.5 ms. Every second of the run holds 50
// acknowledgements, each of them in that range.
func TestOMBPublishLatencyPerInterval(t *testing.T) {
	r := ombPublishLatency(t, "testdata/omb/ack-latency.yaml")
	if n := len(r.PublishRate); n != 11 {
		t.Fatalf("%d intervals; want 11 (a sample at 0 s and one a second for 10 s)", n)
	}
	for i := 1; i < len(r.PublishRate); i++ {
		if r.P50[i] < 10.2 || r.P50[i] > 10.5 || r.Max[i] > 10.6 {
			t.Errorf("interval %d: p50 %.3f ms, max %.3f ms; want 10 ms linger + one round trip, 10.2–10.5 ms", i, r.P50[i], r.Max[i])
		}
	}
	if r.PublishRate[5] != 50 {
		t.Errorf("publishRate[5] = %v; want 50 messages/s", r.PublishRate[5])
	}
	// A busier run with Poisson arrivals, replication and consumers: its
	// intervals still agree with the aggregate.
	ombPublishLatency(t, "baseline", "--duration", "3s")
}

type ombLatencies struct {
	PublishRate []float64          `json:"publishRate"`
	Avg         []float64          `json:"publishLatencyAvg"`
	P50         []float64          `json:"publishLatency50pct"`
	P75         []float64          `json:"publishLatency75pct"`
	P95         []float64          `json:"publishLatency95pct"`
	P99         []float64          `json:"publishLatency99pct"`
	P999        []float64          `json:"publishLatency999pct"`
	P9999       []float64          `json:"publishLatency9999pct"`
	Max         []float64          `json:"publishLatencyMax"`
	AggMax      float64            `json:"aggregatedPublishLatencyMax"`
	AggQ        map[string]float64 `json:"aggregatedPublishLatencyQuantiles"`
}

// ombPublishLatency runs a scenario with -o omb and checks every
// interval's publish latency against the run's aggregate: one entry per
// publishRate entry; 0 where nothing was acknowledged; elsewhere mean and
// percentiles within the run's minimum and maximum, percentiles ascending.
func ombPublishLatency(t *testing.T, args ...string) ombLatencies {
	t.Helper()
	code, out, errs := run(t, append(append([]string{"run"}, args...), "-o", "omb")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r ombLatencies
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	n := len(r.PublishRate)
	if n < 2 {
		t.Fatalf("%s: %d intervals; want a run of several", args[0], n)
	}
	lists := map[string][]float64{"avg": r.Avg, "50": r.P50, "75": r.P75, "95": r.P95, "99": r.P99, "99.9": r.P999, "99.99": r.P9999, "max": r.Max}
	for name, l := range lists {
		if len(l) != n {
			t.Fatalf("publish latency %s has %d intervals; want %d, one per publishRate entry", name, len(l), n)
		}
	}
	aggMin := r.AggQ["0.0"]
	for i := range n {
		if r.PublishRate[i] == 0 {
			for name, l := range lists {
				if l[i] != 0 {
					t.Errorf("interval %d acknowledged nothing but its %s latency is %v", i, name, l[i])
				}
			}
			continue
		}
		// Percentiles ascend within an interval and lie within the
		// run's own minimum and maximum.
		q := []float64{r.P50[i], r.P75[i], r.P95[i], r.P99[i], r.P999[i], r.P9999[i], r.Max[i]}
		for j := 1; j < len(q); j++ {
			if q[j] < q[j-1] {
				t.Errorf("interval %d: percentiles %v do not ascend", i, q)
			}
		}
		if q[0] < aggMin || q[len(q)-1] > r.AggMax || r.Avg[i] < aggMin || r.Avg[i] > r.AggMax {
			t.Errorf("interval %d: avg %v, p50…max %v; want all within the run's %v…%v ms", i, r.Avg[i], q, aggMin, r.AggMax)
		}
	}
	return r
}
