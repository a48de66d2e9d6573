package kafka

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// The batch-size distribution: one producer, Poisson arrivals at 1,000
// msg/s to one partition, linger 10ms and a batch.size far above what 10ms
// brings. A batch opens with a record and is sealed when its linger ends,
// holding that record and the arrivals of the next 10ms: 1 + Poisson(10)
// records. By hand, from Poisson(10)'s CDF (P(≤10) = 0.583, P(≤13) =
// 0.865, P(≤14) = 0.917, P(≤17) = 0.986, P(≤18) = 0.993): mean 11, p50 11,
// p90 15, p99 19 (18 within sampling noise). Each record is
// 100 B of value plus its record header, and a batch adds a 61 B header.
// A batch lasts its linger, and the next opens with the next arrival
// (1ms on average): 60s / 11ms = 5,455 batches.
func TestBatchSizeHistogram(t *testing.T) {
	no := false
	linger := units.Duration(10 * units.Millisecond)
	s := &scenarios.Scenario{
		Name: "batches", Seed: 1, Duration: 60 * units.Second,
		Cluster: scenarios.Cluster{Brokers: 1},
		Topics:  []scenarios.Topic{{Name: "events", Partitions: 1, ReplicationFactor: 1, MinInsyncReplicas: 1}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1000, Acks: "1",
			EnableIdempotence: &no, Linger: &linger, MessageSize: mustSize(t, "100B")}},
	}
	s.Defaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, s)
	pr := r.Producers[0]
	rec := pr.BatchRecords
	if rec.Count != pr.Batches || rec.Count < 5300 || rec.Count > 5600 {
		t.Fatalf("%d batches in the histogram, %d sealed: want the same, 5,455 ± 3%%", rec.Count, pr.Batches)
	}
	if rec.Mean < 10.8 || rec.Mean > 11.2 || rec.P50 != 11 || rec.P90 != 15 || rec.P99 < 18 || rec.P99 > 19 {
		t.Errorf("records per batch mean %.2f p50 %v p90 %v p99 %v, want 11, 11, 15, 18–19 (1 + Poisson(10))", rec.Mean, rec.P50, rec.P90, rec.P99)
	}
	var n int64
	for i, b := range rec.Buckets {
		n += b.Count
		if i > 0 && b.UpTo != 2*rec.Buckets[i-1].UpTo && b.UpTo <= rec.Buckets[i-1].UpTo {
			t.Errorf("bucket %d: le %d after %d, want increasing powers of two", i, b.UpTo, rec.Buckets[i-1].UpTo)
		}
	}
	if n != rec.Count {
		t.Errorf("buckets hold %d batches, want %d", n, rec.Count)
	}
	// The bucket (8, 16] holds 9 to 16 records: 1 + Poisson(10) in [9, 16]
	// is P(8 ≤ X ≤ 15) = 0.951 − 0.220 = 0.731 of the batches.
	for _, b := range rec.Buckets {
		if b.UpTo == 16 {
			if share := float64(b.Count) / float64(rec.Count); share < 0.70 || share > 0.76 {
				t.Errorf("bucket (8, 16] holds %.3f of batches, want 0.731 ± 0.03", share)
			}
		}
	}
	if lo, hi := 61+11*100.0, 61+11*120.0; pr.BatchBytes.P50 < lo || pr.BatchBytes.P50 > hi {
		t.Errorf("bytes per batch p50 %v, want 11 records of 100 B plus headers: [%v, %v]", pr.BatchBytes.P50, lo, hi)
	}
}

// Sequential against random disk writes. One broker (RF 1) with a 40 MB
// page cache (dirty limit 8 MB, background threshold 4 MB) on a disk that
// writes 100 MB/s sequentially and costs 12.7 ms per seek (a 7,200 rpm
// disk's half revolution and average seek); 4,000 msg/s of 10 KB (40 MB/s)
// offered, keys spread evenly.
//
//   - 1 partition: write-back writes one file, always sequential: the disk
//     takes 100 MB/s, so all 40 MB/s is acknowledged, 4,000 msg/s.
//   - 64 partitions: the dirty bytes sit at the 8 MB limit (the disk cannot
//     keep up), spread over 64 logs. Write-back takes the log dirtied
//     longest ago, writes what it holds and seeks to the next: each log is
//     written once a cycle, holding a whole cycle's bytes when its turn
//     comes and none just after, so on average half that: 64 × c/2 = 8 MB,
//     c = 250 KB. The disk writes 250 KB per 12.7 ms + 2.5 ms, 16.4 MB/s,
//     about 1,645 msg/s of 10 KB (±10%).
//   - 64 partitions with no seek cost: sequential again, 4,000 msg/s.
func TestInterleavedLogsMakeWritesRandom(t *testing.T) {
	build := func(parts int, seek units.Duration) *scenarios.Scenario {
		no := false
		s := &scenarios.Scenario{
			Name: "seek", Seed: 1, Duration: 20 * units.Second, SampleInterval: 500 * units.Millisecond,
			Cluster: scenarios.Cluster{Brokers: 1, Hardware: scenarios.Hardware{
				DiskWrite: 100e6, PageCache: 40e6, DiskSeek: seek}},
			Topics: []scenarios.Topic{{Name: "events", Partitions: parts, ReplicationFactor: 1, MinInsyncReplicas: 1}},
			Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 4000, Acks: "1", Keys: "uniform(100000)",
				EnableIdempotence: &no, MessageSize: sizeOf("10KB")}},
		}
		s.Defaults()
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	const seek = 12700 * units.Microsecond
	for _, c := range []struct {
		name  string
		parts int
		seek  units.Duration
		want  float64
		tol   float64
	}{
		{"1 log, seeks", 1, seek, 4000, 0.05},
		{"64 logs, seeks", 64, seek, 250e3 / (12.7e-3 + 250e3/100e6) / 10e3, 0.10},
		{"64 logs, no seeks", 64, units.Duration(units.Nanosecond), 4000, 0.05},
	} {
		r := mustRun(t, build(c.parts, c.seek))
		acked, _ := window(r, "acked_per_s", 8, 20)
		if acked < (1-c.tol)*c.want || acked > (1+c.tol)*c.want {
			t.Errorf("%s: acked %.0f msg/s from 8s to 20s, want %.0f ± %.0f%%", c.name, acked, c.want, 100*c.tol)
		}
	}
}
