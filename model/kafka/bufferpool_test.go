package kafka

import (
	"math"
	"testing"

	"mqsim/scenarios"
)

// loadYAML parses a scenario text as the CLI would (defaults, validation).
func loadYAML(t *testing.T, text string, sets ...string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("test.yaml", []byte(text), sets)
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return &ls.Scenario
}

// impossibleRate offers a billion 500 B messages a second (the documented
// maximum rate) to a leader whose inbound link takes 8 MB/s.
const impossibleRate = `
name: impossible-rate
seed: 1
duration: 2s
cluster:
  brokers: 3
  hardware:
    nic_in: 64Mbps
topics:
  - name: metrics
    partitions: 1
producers:
  - name: agents
    topic: metrics
    rate: 1B/s
    arrival: constant
    message_size: 500B
    buffer_memory: 1MB
    max_block: 200ms
consumer_groups:
  - name: readers
    topic: metrics
    consumers: 1
`

// TestImpossibleRateIsBounded: at a rate no cluster takes, send() blocks on
// buffer.memory and fails after max.block; the run finishes, the
// accumulator never holds more than buffer.memory, and what is not
// acknowledged is counted failed, refused for a full buffer.
func TestImpossibleRateIsBounded(t *testing.T) {
	s := loadYAML(t, impossibleRate)
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	const (
		offered  = 2e9     // constant arrivals: 1e9/s × 2 s
		bufMax   = 1 << 20 // buffer_memory: 1MB is 1 MiB
		record   = 500     // payload bytes a message puts on the wire, at least
		linkRate = 8e6     // 64 Mbit/s in bytes/s
	)
	if math.Abs(float64(r.Produced)-offered) > 2 {
		t.Errorf("produced %d, want the %v offered (constant arrivals)", r.Produced, offered)
	}
	for _, p := range w.prods {
		if p.bp.blk.peak > bufMax {
			t.Errorf("accumulator held %d bytes, more than buffer_memory %d", p.bp.blk.peak, bufMax)
		}
		if p.bp.blk.peak < bufMax/2 {
			t.Errorf("accumulator peak %d bytes: the buffer never filled, the test shows nothing", p.bp.blk.peak)
		}
	}
	// Every message acknowledged crossed the leader's inbound link during
	// the run, so acked ≤ link rate × simulated time / message size.
	maxAcked := linkRate * r.SimSeconds / record
	if float64(r.Acked) > maxAcked {
		t.Errorf("acked %d, more than the link can carry in %.2fs (%.0f)", r.Acked, r.SimSeconds, maxAcked)
	}
	if r.Acked == 0 {
		t.Error("nothing acked: the cluster should take what its link allows")
	}
	// Whatever was not acknowledged failed; at most a buffer's worth of
	// messages can be unresolved when the run ends.
	unresolved := r.Produced - r.Acked - r.Failed - r.Indeterminate
	if unresolved < 0 || unresolved > bufMax/record {
		t.Errorf("produced %d = acked %d + failed %d + indeterminate %d + %d unresolved: want 0..%d unresolved",
			r.Produced, r.Acked, r.Failed, r.Indeterminate, unresolved, bufMax/record)
	}
	if minFailed := offered - maxAcked - bufMax/record; float64(r.Failed) < minFailed {
		t.Errorf("failed %d, want at least offered − what the link takes − a buffer = %.0f", r.Failed, minFailed)
	}
	if r.Rejected != r.Failed {
		t.Errorf("rejected (full buffer) %d, failed %d: every failure here is a full buffer", r.Rejected, r.Failed)
	}
	// Each refused send waited max.block (200 ms), to within the
	// millisecond its run spans.
	if perSend := r.BlockSeconds / float64(r.Rejected); perSend < 0.2 || perSend > 0.202 {
		t.Errorf("block time %.4fs per refused send, want max_block 0.2s", perSend)
	}
}

// TestImpossibleRateErrorMode: with buffer_full: error, sends fail at once
// and the run is as bounded.
func TestImpossibleRateErrorMode(t *testing.T) {
	s := loadYAML(t, impossibleRate, "producers.0.buffer_full=error", "producers.0.arrival=poisson")
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	// Poisson count over 2 s at 1e9/s: mean 2e9, standard deviation √2e9 ≈ 45K.
	if d := math.Abs(float64(r.Produced) - 2e9); d > 6*math.Sqrt(2e9) {
		t.Errorf("produced %d, want 2e9 ± 6σ", r.Produced)
	}
	if got := r.Acked + r.Failed + r.Indeterminate; r.Produced-got > (1<<20)/500 {
		t.Errorf("produced %d, resolved %d", r.Produced, got)
	}
	if r.Rejected < r.Produced-int64(8e6*r.SimSeconds/500)-(1<<20)/500 {
		t.Errorf("rejected %d of %d", r.Rejected, r.Produced)
	}
	if r.BlockSeconds != 0 {
		t.Errorf("block_seconds %v with buffer_full: error", r.BlockSeconds)
	}
}
