package kafka

import (
	"bytes"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"mqsim/internal/proptest"
	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// randomScenario draws a small fault-free scenario: any cluster size,
// replication, acks (1 or all), idempotence, in-flight limit, transient
// broker errors, keys, batching, consumers and commit mode.
func randomScenario(t *rapid.T) *scenarios.Scenario {
	brokers := rapid.IntRange(1, 4).Draw(t, "brokers")
	rf := rapid.IntRange(1, min(3, brokers)).Draw(t, "rf")
	parts := rapid.IntRange(1, 5).Draw(t, "partitions")
	idem := rapid.Bool().Draw(t, "idempotence")
	acks := "all"
	if !idem && rapid.Bool().Draw(t, "acks1") {
		acks = "1"
	}
	inflight := rapid.IntRange(1, 5).Draw(t, "max_in_flight")
	s := &scenarios.Scenario{
		Name: "prop", Seed: rapid.Uint64().Draw(t, "seed"),
		Duration: units.Duration(rapid.IntRange(200, 1500).Draw(t, "duration_ms")) * units.Millisecond,
		// Long enough for the worst draw to drain: at a 20% error rate
		// with 600 B batches, each failed batch holds its partition for
		// retry.backoff.ms (Kafka's sender retries a partition's oldest
		// batch before any later one), so the producer falls far behind
		// the offered rate — about 100 msg/s for 3,900 msg/s offered.
		Drain: 300 * units.Second,
		Cluster: scenarios.Cluster{Brokers: brokers,
			TransientErrorRate: units.Ratio(rapid.SampledFrom([]float64{0, 0, 0.05, 0.2}).Draw(t, "error_rate"))},
		Topics: []scenarios.Topic{{Name: "t", Partitions: parts, ReplicationFactor: rf,
			MinInsyncReplicas: rapid.IntRange(1, rf).Draw(t, "min_isr")}},
		Producers: []scenarios.Producer{{Name: "p", Topic: "t",
			Instances:         rapid.IntRange(1, 2).Draw(t, "instances"),
			Rate:              units.Rate(rapid.IntRange(50, 4000).Draw(t, "rate")),
			Keys:              rapid.SampledFrom([]string{"none", "uniform(20)", "hot(share=60%, n=10)", "zipf(n=50, s=1.3)"}).Draw(t, "keys"),
			Arrival:           rapid.SampledFrom([]string{"poisson", "constant", "bursts(on=100ms, off=200ms)"}).Draw(t, "arrival"),
			Acks:              acks,
			EnableIdempotence: &idem,
			MaxInFlight:       inflight,
			BatchSize:         units.Bytes(rapid.SampledFrom([]int{600, 4096, 16384}).Draw(t, "batch_size")),
		}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "g", Topic: "t",
			Consumers:  rapid.IntRange(1, 4).Draw(t, "consumers"),
			Commit:     rapid.SampledFrom([]string{"auto", "after", "before"}).Draw(t, "commit"),
			Assignment: rapid.SampledFrom([]string{"range", "roundrobin", "cooperative-sticky"}).Draw(t, "assignment"),
			Idempotent: rapid.Bool().Draw(t, "idempotent_processing"),
		}},
	}
	s.Defaults()
	linger := units.Duration(rapid.IntRange(0, 10).Draw(t, "linger_ms")) * units.Millisecond
	s.Producers[0].Linger = &linger
	s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist(rapid.SampledFrom([]string{"0", "exp(100us)", "const(50us)"}).Draw(t, "processing"))
	return s
}

// TestInvariants checks, over random fault-free scenarios: nothing acked is
// lost and everything drains; no duplicates and per-key order with
// idempotence; consumers never read above the high watermark; every ISR
// replica holds the leader's log up to the high watermark, batch for batch.
func TestInvariants(t *testing.T) {
	proptest.Checks(t, 100, 25) // unless -rapid.checks says otherwise
	rapid.Check(t, func(t *rapid.T) {
		s := randomScenario(t)
		w, r, err := run(s, Options{})
		if w != nil {
			defer w.close()
		}
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if r.Lost != 0 || r.Unseen != 0 {
			t.Fatalf("lost %d, unseen %d after the drain (acked %d)", r.Lost, r.Unseen, r.Acked)
		}
		if r.Produced != r.Acked+r.Failed+r.Indeterminate {
			t.Fatalf("produced %d != acked %d + failed %d + indeterminate %d", r.Produced, r.Acked, r.Failed, r.Indeterminate)
		}
		if *s.Producers[0].EnableIdempotence {
			if r.Duplicates != 0 || r.Reordered != 0 {
				t.Fatalf("idempotent producer: duplicates %d, reordered %d", r.Duplicates, r.Reordered)
			}
		}
		if r.HighWatermarkViolation != 0 {
			t.Fatalf("%d records read above the high watermark", r.HighWatermarkViolation)
		}
		for _, tp := range w.topics {
			for _, p := range tp.parts {
				if err := sameUpToHW(p); err != nil {
					t.Fatalf("partition %d: %v", p.idx, err)
				}
			}
		}
	})
}

// sameUpToHW compares every in-sync follower's batches below the high
// watermark with the leader's, byte for byte: all that the replicas still
// hold in memory (a fault-free run releases what every group consumed,
// release.go, at the same offset in every replica).
func sameUpToHW(p *partition) error {
	from := p.leader.log.ReadableFrom()
	want, err := batchesBelow(p.leader.log, from, p.hw)
	if err != nil {
		return err
	}
	for _, r := range p.replicas {
		if r == p.leader || !r.inISR {
			continue
		}
		if rf := r.log.ReadableFrom(); rf != from {
			return fmt.Errorf("follower on broker %d released below %d, the leader below %d", r.b.id, rf, from)
		}
		got, err := batchesBelow(r.log, from, p.hw)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("follower on broker %d differs from the leader below HW %d (%d vs %d bytes)", r.b.id, p.hw, len(got), len(want))
		}
	}
	return nil
}

func batchesBelow(l *commitlog.Log, from, hw int64) ([]byte, error) {
	var out []byte
	for off := from; off < hw; {
		res, err := l.Read(off, commitlog.ReadOptions{MaxBytes: 1 << 20, Upto: commitlog.UptoLogEnd})
		if err != nil {
			return nil, err
		}
		if len(res.Data) == 0 {
			return nil, fmt.Errorf("log ends at %d, below the high watermark %d", off, hw)
		}
		it := commitlog.Batches(res.Data)
		for it.Next() {
			b := it.Batch()
			if b.BaseOffset() >= hw {
				return out, nil
			}
			out = append(out, b...)
		}
		off = res.NextOffset
	}
	return out, nil
}
