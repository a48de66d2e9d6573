package kafka

import (
	"math"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// Settings that used to be accepted and ignored: each test shows the
// setting changes what the run does, by the amount Kafka's semantics give.

func durPtr(d units.Duration) *units.Duration { return &d }

// lingerScenario is one producer at 50 msg/s (constant, one every 20 ms,
// so every batch holds one record) with acks=1 into 6 partitions on the
// default profile: 150 µs ± 50 µs one way, 20 µs of handler CPU.
func lingerScenario(linger *units.Duration) *scenarios.Scenario {
	s := faultScenario(50, 10*units.Second, "1", 1)
	s.Producers[0].Arrival = "constant"
	s.Producers[0].Linger = linger
	s.Defaults()
	return s
}

// linger: 0 sends a batch as soon as its first record is in; unset is
// Kafka's 5 ms. An acks=1 acknowledgement is then linger + one round trip
// to the leader: the round trip is 2 × (150 ± 50) µs plus the handler's
// 20 µs and the bytes' microseconds on 25 Gbps NICs, so between 0.2 and
// 0.5 ms, and the medians differ by the linger, 5 ms.
func TestLingerZeroSendsAtOnce(t *testing.T) {
	zero := mustRun(t, lingerScenario(durPtr(0))).AckLatency
	def := mustRun(t, lingerScenario(nil)).AckLatency
	if zero.P50 < 0.2 || zero.P50 > 0.5 || zero.Max > 0.6 {
		t.Errorf("linger 0: ack p50 %.3f ms, max %.3f ms; want one round trip, 0.2–0.5 ms", zero.P50, zero.Max)
	}
	if d := def.P50 - zero.P50; math.Abs(d-5) > 0.15 {
		t.Errorf("linger unset − linger 0: ack p50 %.3f − %.3f = %.3f ms, want the default linger, 5 ms", def.P50, zero.P50, d)
	}
}

// A follower fetch with replica.fetch.min.bytes B returns as soon as B
// bytes are there, not after replica.fetch.wait.max.
//
// Two brokers, one partition with RF 2. A bulk producer (acks=1, so its
// appends never wait for the follower) writes one 10,000-byte record every
// 10 ms; each is a batch of its own (linger 0, one record fills a 16 KB
// batch's estimate), about 10,090 bytes with the batch header and record
// overhead. With B = 100,000 bytes, nine batches (≈ 90,800 bytes) are not
// enough and ten are: each follower fetch completes at the arrival of the
// tenth bulk batch after it parked, so it completes every T = 10 × 10 ms =
// 100 ms. wait.max is 2 s, twenty times longer.
//
// A probe producer (acks=all, 100-byte records, constant 4.1/s, one every
// 243.9 ms, so one probe per cycle and its phase in the cycle spreads
// evenly) is acknowledged when the high watermark passes it: at the end of
// the cycle it was appended in, plus the follower's round trip (append,
// next fetch reports the new log end) and the response: ≈ 1 ms. Its ack
// latency is uniform on [1 ms, T + 1 ms]: median ≈ T/2 + 1 = 51 ms, max
// ≤ T + 1.5 ms (but for the last probe, whose cycle the end of the run
// cuts short). With B = 1 byte (the default) the same probe waits only the
// round trips: under 2 ms.
func TestReplicaFetchMinBytesCompletesEarly(t *testing.T) {
	build := func(minBytes units.Bytes) *scenarios.Scenario {
		no, yes := false, true
		s := &scenarios.Scenario{
			Name: "fetch-min-bytes", Seed: 3, Duration: 30 * units.Second,
			Cluster: scenarios.Cluster{Brokers: 2, ReplicaFetchMinBytes: minBytes, ReplicaFetchWaitMax: 2 * units.Second},
			Topics:  []scenarios.Topic{{Name: "events", Partitions: 1, ReplicationFactor: 2, MinInsyncReplicas: 1}},
			Producers: []scenarios.Producer{
				{Name: "bulk", Topic: "events", Rate: 100, Arrival: "constant", Acks: "1", EnableIdempotence: &no,
					Linger: durPtr(0), MessageSize: mustSize(t, "10000B")},
				{Name: "probe", Topic: "events", Rate: 4.1, Arrival: "constant", Acks: "all", EnableIdempotence: &yes,
					Linger: durPtr(0), MessageSize: mustSize(t, "100B")},
			},
			ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 1}},
		}
		s.Defaults()
		return s
	}
	const T = 100.0 // ms: ten bulk batches
	r := mustRun(t, build(100_000))
	probe := r.Producers[1].AckLatency
	if probe.Count < 100 {
		t.Fatalf("probe acked %d, want ≈ 4.1/s × 30 s = 123", probe.Count)
	}
	// The last probe's cycle never completes (the bulk producer stops with
	// it at 30 s): it alone waits out wait.max, so p99 (the second largest
	// of ≈ 123) is the bound for the rest.
	if probe.P50 < 0.4*T || probe.P50 > 0.6*T || probe.P99 > T+1.5 {
		t.Errorf("min.bytes 100KB: probe ack p50 %.1f ms, p99 %.1f ms; want median ≈ T/2 + 1 = 51 ms and p99 ≤ T + 1.5 = 101.5 ms (T = 100 ms), not multiples of wait.max (2 s)",
			probe.P50, probe.P99)
	}
	r1 := mustRun(t, build(1))
	if p := r1.Producers[1].AckLatency; p.Max > 2 {
		t.Errorf("min.bytes 1: probe ack max %.2f ms, want only round trips (< 2 ms)", p.Max)
	}
}

// num.replica.fetchers: one fetcher thread replicates all of a broker
// pair's partitions, appending on one handler thread at a time; more
// fetchers append in parallel.
//
// Two brokers, eight partitions with RF 2: each broker leads four
// (0, 2, 4, 6 on broker 0) and follows the other's four. Handler CPU is set
// to 200 ms per MB, so one thread appends at most 5 MB/s. The producer
// writes 10,000-byte records at 1,500/s during a 4 s burst (bursts(on=4s,
// off=6s) at a mean rate of 600/s), spread by key over the partitions:
// 15 MB/s in all, 7.5 MB/s per broker pair. It runs as 4 instances: a
// broker handles one request per connection at a time, so one connection
// alone would be held to one thread's 5 MB/s per broker.
//
//   - One fetcher per pair replicates at most 5 MB/s: the follower falls
//     behind by 2.5 MB/s, 10 MB at the burst's end (4 s), and catches up at
//     5 MB/s, 2 s later (at ≈ 6 s). Its fetches soon hit the 1 MiB per
//     partition cap, so it stops being caught up and every one of the 8
//     follower replicas leaves the ISR (replica.lag.time.max 1 s) until
//     then, to rejoin when it has caught up.
//   - Four fetchers: Kafka hashes partition p to fetcher
//     abs(31 × hash(topic) + p) mod 4; a pair's partitions are all even or
//     all odd, so they fall on two fetchers, two partitions each: 3.75 MB/s
//     per fetcher needs 0.75 of a thread, within one thread's 5 MB/s. The
//     followers stay within a fetch round of the leader: no ISR shrinks,
//     and nothing to catch up when the burst ends.
func TestNumReplicaFetchers(t *testing.T) {
	build := func(fetchers int) *scenarios.Scenario { return fetchersScenario(t, fetchers) }
	// lastUnder is the last sample time with an under-replicated partition.
	lastUnder := func(r *Results) float64 {
		last := 0.0
		for i, v := range r.Series.Column("under_replicated") {
			if v > 0 {
				last = r.Series.Time[i]
			}
		}
		return last
	}

	w1, r1, err := run(build(1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w1.close()
	if n := len(w1.fetchers); n != 2 {
		t.Errorf("1 fetcher: %d fetchers, want one per broker pair = 2", n)
	}
	if r1.ISRShrinks != 8 || r1.ISRExpands != 8 || r1.MaxUnderReplicated != 8 {
		t.Errorf("1 fetcher: ISR shrinks %d, expands %d, max under-replicated %d; want every follower (8) out and back",
			r1.ISRShrinks, r1.ISRExpands, r1.MaxUnderReplicated)
	}
	if c := lastUnder(r1); c < 5.5 || c > 6.7 {
		t.Errorf("1 fetcher: followers caught up at %.1f s, want ≈ 4 s + 10 MB ÷ 5 MB/s = 6 s", c)
	}

	w4, r4, err := run(build(4), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w4.close()
	if n := len(w4.fetchers); n != 4 {
		t.Errorf("4 fetchers: %d fetchers, want two used per broker pair = 4", n)
	}
	if r4.ISRShrinks != 0 || r4.MaxUnderReplicated != 0 {
		t.Errorf("4 fetchers: ISR shrinks %d, max under-replicated %d; want followers to keep up (0)", r4.ISRShrinks, r4.MaxUnderReplicated)
	}
	if r1.Lost != 0 || r4.Lost != 0 {
		t.Errorf("lost %d / %d, want 0: nothing failed", r1.Lost, r4.Lost)
	}
}

// isolation.level read_committed reads below the last stable offset, which
// without transactions is the high watermark: the same records, at the
// same times, as read_uncommitted.
func TestReadCommittedWithoutTransactions(t *testing.T) {
	build := func(level string) *scenarios.Scenario {
		s := baseScenario(2000, 5*units.Second)
		s.ConsumerGroups[0].IsolationLevel = level
		return s
	}
	u := mustRun(t, build("read_uncommitted"))
	c := mustRun(t, build("read_committed"))
	if u.Groups[0].Processed != c.Groups[0].Processed || u.E2ELatency != c.E2ELatency || u.HighWatermarkViolation != 0 || c.HighWatermarkViolation != 0 {
		t.Errorf("read_committed processed %d, e2e %+v; read_uncommitted %d, %+v: want identical (LSO = HW without transactions)",
			c.Groups[0].Processed, c.E2ELatency, u.Groups[0].Processed, u.E2ELatency)
	}
}

func fetchersScenario(t *testing.T, fetchers int) *scenarios.Scenario {
	no := false
	s := &scenarios.Scenario{
		Name: "replica-fetchers", Seed: 5, Duration: 10 * units.Second, SampleInterval: 100 * units.Millisecond,
		Cluster: scenarios.Cluster{Brokers: 2, NumReplicaFetchers: fetchers, ReplicaLagTimeMax: 1 * units.Second,
			Hardware: scenarios.Hardware{CPUPerMB: 200 * units.Millisecond}},
		Topics: []scenarios.Topic{{Name: "events", Partitions: 8, ReplicationFactor: 2, MinInsyncReplicas: 1}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Instances: 4, Rate: 600, Arrival: "bursts(on=4s, off=6s)",
			Keys: "uniform(10000)", Acks: "1", EnableIdempotence: &no, MessageSize: mustSize(t, "10000B")}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 1}},
	}
	s.Defaults()
	return s
}

func mustSize(t *testing.T, spec string) scenarios.SizeDist {
	t.Helper()
	d, err := scenarios.ParseSizeDist(spec)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A request to a crashed broker process is refused within a round trip; a
// request to a crashed machine (a crash that loses the page cache: power,
// kernel) meets silence, and the producer waits out request.timeout.ms.
//
// One partition led by broker 0; one producer, 20 msg/s evenly spaced,
// acks=1, linger 0, request.timeout 10s. Broker 0 crashes at 5.01s (just
// after a send) for 2s; broker.session.timeout is 60s, so it is never
// fenced and leads again when it returns at 7.01s.
//
//   - Process crash: every send in [5.01s, 7.01s) is refused at once and
//     retried after retry.backoff (100ms doubling to 1s, ± 20%), so the
//     first send after the restart succeeds within 1.2s of it: no ack takes
//     longer than the 2s outage + 1.2s = 3.2s.
//   - Machine crash: the first send into the outage (at 5.05s) gets no
//     answer; the producer gives up after 10s, retries after 100ms ± 20%
//     and is answered: its ack takes 10s + (80…120ms) + a round trip, the
//     longest of the run (later ones waited behind it for less).
func TestCrashedMachineIsSilent(t *testing.T) {
	build := func(machine bool) *scenarios.Scenario {
		no := false
		s := &scenarios.Scenario{
			Name: "crash", Seed: 2, Duration: 30 * units.Second,
			Cluster: scenarios.Cluster{Brokers: 3, BrokerSessionTimeout: 60 * units.Second},
			Topics:  []scenarios.Topic{{Name: "events", Partitions: 1, ReplicationFactor: 3, MinInsyncReplicas: 1}},
			Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 20, Arrival: "constant", Acks: "1",
				EnableIdempotence: &no, Linger: durPtr(0), RequestTimeout: 10 * units.Second}},
			ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 1}},
			Faults: []scenarios.Fault{{Type: "broker-crash", At: 5010 * units.Millisecond, Duration: 2 * units.Second,
				Broker: brokerID(0), LosePageCache: machine}},
		}
		s.Defaults()
		return s
	}
	proc := mustRun(t, build(false))
	noViolations(t, "process crash", proc)
	if m := proc.AckLatency.Max; m < 2000 || m > 3200 {
		t.Errorf("process crash: longest ack %.0f ms, want the 2s outage plus at most one backoff (≤ 3.2s)", m)
	}
	mach := mustRun(t, build(true))
	noViolations(t, "machine crash", mach)
	if m := mach.AckLatency.Max; m < 10080 || m > 10125 {
		t.Errorf("machine crash: longest ack %.0f ms, want request.timeout 10s + backoff 100ms ± 20%% (10080–10125 ms)", m)
	}
}
