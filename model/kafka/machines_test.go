package kafka

import (
	"fmt"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// diskScenario is one broker (RF 1) with a 100 MB page cache — a dirty
// limit of 20 MB and a background threshold of 10 MB at Linux's ratios —
// and a disk writing diskMBs MB/s; one producer (acks=1) offers rate
// messages/s of 10 KB to 4 partitions, and one fast consumer reads them.
func diskScenario(rate, diskMBs float64, dur units.Duration) *scenarios.Scenario {
	no := false
	s := &scenarios.Scenario{
		Name: "disk", Seed: 1, Duration: dur, SampleInterval: 500 * units.Millisecond,
		Cluster: scenarios.Cluster{Brokers: 1, Hardware: scenarios.Hardware{
			DiskWrite: units.Bandwidth(diskMBs * 1e6), PageCache: 100e6}},
		Topics: []scenarios.Topic{{Name: "events", Partitions: 4, ReplicationFactor: 1, MinInsyncReplicas: 1}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: units.Rate(rate), Acks: "1",
			EnableIdempotence: &no, MessageSize: sizeOf("10KB")}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 1}},
	}
	s.Defaults()
	return s
}

func sizeOf(spec string) scenarios.SizeDist {
	d, err := scenarios.ParseSizeDist(spec)
	if err != nil {
		panic(err)
	}
	return d
}

// window is the mean of a series over samples whose time is in [from, to).
func window(r *Results, name string, from, to float64) (mean, peak float64) {
	col := r.Series.Column(name)
	n := 0
	for i, t := range r.Series.Time {
		if t >= from && t < to {
			mean += col[i]
			peak = max(peak, col[i])
			n++
		}
	}
	if n > 0 {
		mean /= float64(n)
	}
	return mean, peak
}

// (1) Ingress above the disk's bandwidth. 4,000 msg/s of 10 KB is
// 40 MB/s into a 10 MB/s disk. Nothing is written back until the dirty
// bytes pass 10 MB (0.25 s at 40 MB/s); then write-back drains 10 MB/s
// and the dirty bytes grow 30 MB/s, to the 20 MB limit by 0.25 + 10/30 =
// 0.58 s. Until then produce latency is as with a fast disk; after it
// every append waits for write-back, so acknowledged throughput falls to
// what the disk takes: 10 MB/s of log bytes, 10 MB/s ÷ 10,000 B ≈ 1,000
// msg/s less the batches' own overhead (about 1%), ±10%.
func TestDiskPushesBack(t *testing.T) {
	fast := mustRun(t, diskScenario(4000, 10000, units.Duration(400*units.Millisecond)))
	early := mustRun(t, diskScenario(4000, 10, units.Duration(400*units.Millisecond)))
	if early.AckLatency.P99 > 1.5*fast.AckLatency.P99 {
		t.Errorf("before the dirty budget is full: ack p99 %.1f ms, want about the fast disk's %.1f ms", early.AckLatency.P99, fast.AckLatency.P99)
	}
	w, late, err := run(diskScenario(4000, 10, 20*units.Second), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if late.AckLatency.P99 < 10*fast.AckLatency.P99 {
		t.Errorf("after the dirty budget is full: ack p99 %.1f ms, want far above the fast disk's %.1f ms", late.AckLatency.P99, fast.AckLatency.P99)
	}
	acked, _ := window(late, "acked_per_s", 5, 20)
	if want := 10e6 / 10000.0; acked < 0.9*want || acked > 1.1*want {
		t.Errorf("acked %.0f msg/s from 5s to 20s, want the disk's 10 MB/s = %.0f msg/s ± 10%%", acked, want)
	}
	c := w.brokers[0].Cache
	if c.Stats.Blocked == 0 || c.Stats.MaxDirty < c.Limit() {
		t.Errorf("blocked %d, max dirty %d: want writes held at the %d-byte limit", c.Stats.Blocked, c.Stats.MaxDirty, c.Limit())
	}
}

// (2) A slow-disk fault: 500 msg/s of 10 KB (5 MB/s) on a 10 MB/s disk
// keeps the dirty bytes at the 10 MB background threshold. A 10x slow
// disk from 10 s to 15 s writes 1 MB/s: the dirty bytes grow 4 MB/s and
// reach the 20 MB limit at 12.5 s, after which appends wait and latency
// climbs (2.5 s × 4 MB/s = 10 MB of writes wait by 15 s). After the fault
// the disk drains that 10 MB at 10 − 5 = 5 MB/s (2 s) and the cache back
// to its threshold (another 2 s): by 20 s latency is back where it was.
func TestSlowDiskRaisesLatency(t *testing.T) {
	s := diskScenario(500, 10, 30*units.Second)
	s.Faults = []scenarios.Fault{{Type: "slow-disk", Broker: brokerID(0), At: 10 * units.Second, Duration: 5 * units.Second, Slowdown: 10}}
	r := mustRun(t, s)
	before, _ := window(r, "e2e_p99_ms", 3, 10)
	_, during := window(r, "e2e_p99_ms", 12.5, 16)
	after, _ := window(r, "e2e_p99_ms", 22, 30)
	if during < 500 || during < 20*before {
		t.Errorf("e2e p99 %.1f ms before the fault, at most %.1f ms during it: want it to climb (above 500 ms)", before, during)
	}
	if after > 2*before+5 {
		t.Errorf("e2e p99 %.1f ms after the fault, want it back near %.1f ms", after, before)
	}
	if r.Lost != 0 {
		t.Errorf("lost %d, want 0: a slow disk delays, it loses nothing", r.Lost)
	}
}

// fsyncScenario: one broker whose disk confirms an fsync in exactly 5 ms
// and is otherwise free (NIC, disk bandwidth and CPU per byte far from
// binding), flush_messages 1.
func fsyncScenario(flush int) *scenarios.Scenario {
	no := false
	zero := units.Duration(0)
	fs, err := scenarios.ParseTimeDist("const(5ms)")
	if err != nil {
		panic(err)
	}
	s := &scenarios.Scenario{
		Name: "fsync", Seed: 1, Duration: 10 * units.Second,
		Cluster: scenarios.Cluster{Brokers: 1, FlushMessages: flush, Hardware: scenarios.Hardware{
			NICIn: 100e9, NICOut: 100e9, DiskWrite: 100e9, CPUPerMB: units.Microsecond, FsyncLatency: fs}},
		Topics: []scenarios.Topic{{Name: "events", Partitions: 1, ReplicationFactor: 1, MinInsyncReplicas: 1}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Acks: "1", EnableIdempotence: &no,
			Linger: &zero, MaxInFlight: 1}},
	}
	return s
}

// (3a) Group commit. Eight producers each keep one request of one 900 KB
// record in flight (max.request.size 1 MB fits one record) against a log
// fsynced after every message. When an fsync ends its writers' next
// requests come back a round trip (0.3 ms) later: the first finds the
// disk idle and starts an fsync alone; the other seven arrive while it
// runs and share the next. Groups alternate 1 and 7: 4 writers per fsync
// on average, one fsync every 5 ms, so 4 / 5 ms = 800 requests/s —
// throughput is the group-commit size over the fsync latency.
func TestFsyncGroupCommitThroughput(t *testing.T) {
	s := fsyncScenario(1)
	s.Producers[0].Instances = 8
	s.Producers[0].Rate = 20000 // far more than the log can take
	s.Producers[0].MessageSize = sizeOf("900KB")
	s.Producers[0].BatchSize = 1000
	s.Defaults()
	w, r, err := run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	c := w.brokers[0].Cache
	group := float64(c.Stats.FsyncWrites) / float64(c.Stats.Fsyncs)
	if group < 3.5 || group > 4.5 {
		t.Errorf("%.2f writers per fsync, want 4 (groups of 1 and 7 alternating)", group)
	}
	acked, _ := window(r, "acked_per_s", 2, 10)
	if want := group / 0.005; acked < 0.9*want || acked > 1.1*want {
		t.Errorf("throughput %.0f msg/s, want group %.2f / 5 ms = %.0f ± 10%%", acked, group, want)
	}
}

// (3b) At a fixed rate (2,000 msg/s with keys over every partition, so
// each request carries a batch for each of P partitions), a produce
// request waits for P fsyncs, one per log, which the disk runs one after
// another: at least P × 5 ms. Latency grows with the partitions fsyncing,
// and without fsync it is the linger and a round trip.
func TestFsyncLatencyGrowsWithPartitions(t *testing.T) {
	p50 := func(parts, flush int) float64 {
		s := fsyncScenario(flush)
		s.Duration = 5 * units.Second
		s.Topics[0].Partitions = parts
		s.Producers[0].Rate = 2000
		s.Producers[0].Keys = "uniform(1000)"
		s.Producers[0].MaxInFlight = 5
		s.Producers[0].Linger = nil
		s.Defaults()
		return mustRun(t, s).AckLatency.P50
	}
	none := p50(4, 0)
	prev := 0.0
	for _, parts := range []int{1, 4, 16} {
		got := p50(parts, 1)
		if got < float64(parts)*5 || got <= prev || got <= none {
			t.Errorf("%d partitions fsyncing: ack p50 %.1f ms, want ≥ %d × 5 ms, above %.1f ms (fewer partitions) and %.1f ms (no fsync)",
				parts, got, parts, prev, none)
		}
		prev = got
	}
}

// (4) Power loss vs process crash, acks=1 and RF 1. With a 50 MB page
// cache (5 MB background threshold) and 2 MB/s written, write-back keeps
// about 5 MB dirty, so a power loss at 10 s loses those bytes (about 500
// messages of 10 KB, which the lagging consumer has not read) and no
// more: the acknowledged messages lost, at
// 10 KB each, are at most the dirty bytes the cache lost. A process crash
// keeps the page cache (the kernel writes it back): nothing is lost.
func TestPowerLossLosesDirtyOnly(t *testing.T) {
	build := func(machine bool) *scenarios.Scenario {
		s := diskScenario(200, 100, 20*units.Second)
		s.Cluster.Hardware.PageCache = 50e6
		// The consumer lags (100 msg/s for 200 produced), so what the
		// crash cuts was not yet read: a cut acknowledged message is lost.
		s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(10ms)")
		s.Faults = []scenarios.Fault{{Type: "broker-crash", Broker: brokerID(0), At: 10 * units.Second,
			Duration: 2 * units.Second, LosePageCache: machine}}
		return s
	}
	w, mach, err := run(build(true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	noViolations(t, "power loss", mach)
	lostBytes := w.brokers[0].Cache.Stats.Lost
	if mach.Lost == 0 || mach.Lost*10000 > lostBytes {
		t.Errorf("power loss: %d acknowledged messages lost (%d KB), dirty bytes lost %d: want some, at most the dirty bytes",
			mach.Lost, mach.Lost*10, lostBytes)
	}
	if lostBytes > 6e6 {
		t.Errorf("power loss: %d dirty bytes lost, want about the 5 MB threshold (write-back kept the rest)", lostBytes)
	}
	proc := mustRun(t, build(false))
	noViolations(t, "process crash", proc)
	if proc.Lost != 0 {
		t.Errorf("process crash: lost %d, want 0 (the page cache survives)", proc.Lost)
	}
}

// (5) Client hosts bind. Two producers, each on a 1 GbE host (125 MB/s),
// offer 200 MB/s each of 10 KB messages to brokers on 25 Gbps NICs: each
// producer's wire bytes cannot pass its NIC, so acknowledged payload is
// at most 2 × 125 MB/s = 250 MB/s (less the request and batch headers on
// the wire) and, NIC-bound, at least 90% of it. The one consumer, also on
// a 1 GbE host, reads at most 125 MB/s and, reading a backlog, at least
// 90% of it: it falls behind.
func TestClientHostNICBinds(t *testing.T) {
	no := false
	s := &scenarios.Scenario{
		Name: "client", Seed: 1, Duration: 5 * units.Second, Drain: units.Duration(units.Second),
		ClientProfile: "client-1g",
		Cluster:       scenarios.Cluster{Brokers: 3},
		Topics:        []scenarios.Topic{{Name: "events", Partitions: 12, ReplicationFactor: 1, MinInsyncReplicas: 1}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Instances: 2, Rate: 40000, Acks: "1",
			EnableIdempotence: &no, MessageSize: sizeOf("10KB")}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 1}},
	}
	s.Defaults()
	r := mustRun(t, s)
	acked, _ := window(r, "acked_per_s", 1, 5)
	in := acked * 10000
	if in > 250e6 || in < 0.9*250e6 {
		t.Errorf("acked %.1f MB/s from two producers on 1 GbE hosts, want at most and near 2 × 125 MB/s", in/1e6)
	}
	out, _ := window(r, "consumed_per_s/readers", 1, 5)
	if bytes := out * 10000; bytes > 125e6 || bytes < 0.9*125e6 {
		t.Errorf("one consumer on a 1 GbE host read %.1f MB/s, want at most and near 125 MB/s", bytes/1e6)
	}
}

// (6) Small messages are bound by CPU, large ones by the NIC. One
// producer on a 1-core host whose client work costs 100 µs a record and
// whose NIC sends 100 MB/s offers 20,000 msg/s to one broker:
//   - 10 B messages: the core does 1 / 100 µs = 10,000 records/s (per
//     request and per byte add under 1%), 0.1 MB/s of payload: the
//     client's CPU binds.
//   - 100 KB messages: the NIC sends 100 MB/s ÷ 100 KB = 1,000 msg/s
//     (the core could do 1 / (100 µs + 15 µs per 100 KB) = 8,700): the
//     client's NIC binds, at 100 MB/s.
//   - 10 B messages from a free client to a broker whose single handler
//     thread costs 100 µs a record: the broker's CPU binds at 10,000/s.
//
// Records/s fall and MB/s rise with size, and the results name the
// binding resource.
func TestSmallMessagesBindCPU(t *testing.T) {
	run1 := func(size string, clientCPU, brokerCPU units.Duration) *Results {
		no := false
		s := &scenarios.Scenario{
			Name: "size", Seed: 1, Duration: 4 * units.Second, Drain: units.Duration(units.Second),
			ClientHardware: scenarios.ClientHardware{NIC: 100e6, Cores: 1, CPUPerRecord: clientCPU},
			Cluster:        scenarios.Cluster{Brokers: 1, Hardware: scenarios.Hardware{CPUThreads: 1, CPUPerRecord: brokerCPU}},
			Topics:         []scenarios.Topic{{Name: "events", Partitions: 4, ReplicationFactor: 1, MinInsyncReplicas: 1}},
			Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 20000, Acks: "1",
				EnableIdempotence: &no, MessageSize: sizeOf(size)}},
		}
		s.Defaults()
		return mustRun(t, s)
	}
	check := func(name string, r *Results, wantRate float64, wantBusy string, size float64) (float64, float64) {
		t.Helper()
		rate, _ := window(r, "acked_per_s", 1, 4)
		if rate < 0.9*wantRate || rate > 1.1*wantRate {
			t.Errorf("%s: %.0f msg/s, want %.0f ± 10%%", name, rate, wantRate)
		}
		if r.BusiestResource != wantBusy || r.BusiestUtilisation < 0.8 {
			t.Errorf("%s: busiest %s at %.0f%%, want %s near 100%%", name, r.BusiestResource, 100*r.BusiestUtilisation, wantBusy)
		}
		return rate, rate * size
	}
	smallRate, smallMB := check("10 B", run1("10B", 100*units.Microsecond, units.Nanosecond), 10000, "client/app-0/cpu", 10)
	largeRate, largeMB := check("100 KB", run1("100KB", 100*units.Microsecond, units.Nanosecond), 1000, "client/app-0/nic-out", 100e3)
	if largeRate >= smallRate || largeMB <= smallMB {
		t.Errorf("records/s %.0f → %.0f and MB/s %.2f → %.2f from 10 B to 100 KB: want records/s to fall and MB/s to rise",
			smallRate, largeRate, smallMB/1e6, largeMB/1e6)
	}
	check("10 B, broker-bound", run1("10B", units.Nanosecond, 100*units.Microsecond), 10000, "broker-0/cpu", 10)
}

// (8) GC pauses make the tail. One broker (RF 1, acks=1, linger 0) at
// 1,000 msg/s, far from any limit, so without pauses p99 and p99.9 are a
// round trip. With stop-the-world pauses of exactly 50 ms, 1 s apart on
// average (gaps exponential, then the pause), the broker is paused
// 50 / 1,050 = 4.76% of the time; a message that arrives in a pause
// (Poisson arrivals see time averages) waits the pause's remainder,
// uniform on [0, 50 ms]. So P(latency > base + x) = 0.0476 × (1 − x/50):
// p99 = base + 50 × (1 − 0.01/0.0476) = base + 39.5 ms and p99.9 = base +
// 50 × (1 − 0.001/0.0476) = base + 48.9 ms; p99.9/p99 falls from about 1
// to about 1.24 when base is small, as the pause distribution predicts.
func TestGCPausesMakeTheTail(t *testing.T) {
	build := func(pause string) *scenarios.Scenario {
		no := false
		zero := units.Duration(0)
		s := &scenarios.Scenario{
			Name: "gc", Seed: 1, Duration: 60 * units.Second,
			Cluster: scenarios.Cluster{Brokers: 1},
			Topics:  []scenarios.Topic{{Name: "events", Partitions: 1, ReplicationFactor: 1, MinInsyncReplicas: 1}},
			Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1000, Acks: "1",
				EnableIdempotence: &no, Linger: &zero}},
		}
		if pause != "" {
			s.Cluster.GCPause, _ = scenarios.ParseTimeDist(pause)
		}
		s.Defaults()
		return s
	}
	off := mustRun(t, build("")).AckLatency
	on := mustRun(t, build("const(50ms)")).AckLatency
	base := off.P50
	t.Logf("without pauses p50 %.2f p99 %.2f p99.9 %.2f ms; with: p99 %.2f p99.9 %.2f ms", off.P50, off.P99, off.P999, on.P99, on.P999)
	if off.P999 > 3*base+1 {
		t.Errorf("without pauses: p99.9 %.2f ms, want about a round trip (p50 %.2f ms)", off.P999, base)
	}
	if want := base + 39.5; on.P99 < want-3 || on.P99 > want+3 {
		t.Errorf("with 50 ms pauses: p99 %.1f ms, want base + 39.5 = %.1f ms ± 3", on.P99, want)
	}
	if want := base + 48.9; on.P999 < want-3 || on.P999 > want+3 {
		t.Errorf("with 50 ms pauses: p99.9 %.1f ms, want base + 48.9 = %.1f ms ± 3", on.P999, want)
	}
}

// (9) TLS ends zero-copy. One broker with one handler thread whose
// per-byte cost is 30 ms per MB (and 1 µs per request); a producer writes
// 1,000 msg/s of 10 KB (10 MB/s: 0.3 s of CPU a second to append) and five
// groups each read everything (50 MB/s of fetches).
//   - Without TLS fetches are zero-copy, served from the page cache: no
//     per-byte CPU, and every group keeps up: 5 × 1,000 = 5,000 msg/s.
//   - With TLS every fetched byte costs 30 ms per MB as well, so the
//     thread is saturated: MB appended + MB fetched = 1 / 30 ms = 33.3
//     MB/s (the appends slow too, as the producer's requests queue
//     behind the fetches). With five readers per writer, fetched =
//     5/6 × 33.3 = 27.8 MB/s = 2,778 msg/s: fetch throughput falls from
//     5,000 to about 2,800 msg/s.
func TestTLSEndsZeroCopy(t *testing.T) {
	consumed := func(tls bool) (float64, float64) {
		no := false
		s := &scenarios.Scenario{
			Name: "tls", Seed: 1, Duration: 10 * units.Second, Drain: units.Duration(units.Second),
			Cluster: scenarios.Cluster{Brokers: 1, TLS: tls, Hardware: scenarios.Hardware{CPUThreads: 1,
				CPUPerMB: 30 * units.Millisecond, CPUPerRequest: units.Microsecond}},
			Topics: []scenarios.Topic{{Name: "events", Partitions: 4, ReplicationFactor: 1, MinInsyncReplicas: 1}},
			Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1000, Arrival: "constant", Acks: "1",
				EnableIdempotence: &no, MessageSize: sizeOf("10KB")}},
		}
		for i := range 5 {
			s.ConsumerGroups = append(s.ConsumerGroups, scenarios.ConsumerGroup{Name: fmt.Sprintf("g%d", i), Topic: "events", Consumers: 1})
		}
		s.Defaults()
		r := mustRun(t, s)
		total := 0.0
		for i := range 5 {
			v, _ := window(r, fmt.Sprintf("consumed_per_s/g%d", i), 3, 10)
			total += v
		}
		acked, _ := window(r, "acked_per_s", 3, 10)
		return total, acked
	}
	if got, _ := consumed(false); got < 0.95*5000 || got > 1.05*5000 {
		t.Errorf("without TLS: groups processed %.0f msg/s, want 5 × 1,000 = 5,000 ± 5%%", got)
	}
	got, acked := consumed(true)
	if mbs := (got + acked) * 10e3 / 1e6; mbs < 0.9*33.3 || mbs > 1.1*33.3 {
		t.Errorf("with TLS: %.0f msg/s fetched + %.0f appended = %.1f MB/s, want the thread's 1 / 30 ms per MB = 33.3 MB/s ± 10%%", got, acked, mbs)
	}
	if want := 5.0 / 6 * 33.3e6 / 10e3; got < 0.9*want || got > 1.05*want {
		t.Errorf("with TLS: groups processed %.0f msg/s, want 5/6 of 33.3 MB/s = %.0f msg/s", got, want)
	}
}
