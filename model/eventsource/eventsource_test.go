package eventsource

import (
	"math"
	"strings"
	"testing"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// eventLog writes n events (one a millisecond, keys round-robin over
// keys, 200 declared bytes each) into a memory log, batch records at a
// time, as a producer would.
func eventLog(t *testing.T, n, keys, batch int) *commitlog.Log {
	t.Helper()
	var now int64
	l, err := commitlog.OpenMemory(commitlog.Config{Clock: func() int64 { return now }, RetentionAge: -1})
	if err != nil {
		t.Fatal(err)
	}
	var bb commitlog.BatchBuilder
	for i := 0; i < n; i += batch {
		bb.Reset(commitlog.BatchHeader{SizedValues: true})
		for j := i; j < min(i+batch, n); j++ {
			now = int64(j) * 1e6
			id := check.AppendID(nil, 0, int32(j), sim.Time(now))
			bb.AddSized(now/1e6, check.AppendKey(nil, int64(j%keys)), id, 200, nil)
		}
		b, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(b, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	return l
}

// Replay time is events ÷ min(fetch rate, apply rate), in both regimes.
// Apply-bound: 20,000 events at a constant 1 ms: 20 s, plus at most one
// fetch that cannot overlap (the first). Fetch-bound: no apply time, a
// 64 KiB fetch per 10 ms round trip: 64 KiB ÷ (about 260 declared bytes an
// event) ≈ 250 events per fetch, 25K events/s, so 20,000 events take
// about 0.8 s.
func TestReplayTimeIsEventsOverRate(t *testing.T) {
	const n = 20000
	l := eventLog(t, n, 100, 50)
	for _, tc := range []struct {
		name  string
		apply sim.Dist
		rtt   sim.Time
	}{
		{"apply-bound", sim.Constant{Value: 0.001}, sim.Time(200e3)},
		{"fetch-bound", sim.Constant{Value: 0}, sim.Time(10e6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Fetcher{RTT: tc.rtt, Bandwidth: 1e9, MaxPartitionBytes: 64 << 10, MaxBytes: 50 << 20, MaxPollRecords: 500}
			rb := Rebuild{Logs: []*commitlog.Log{l}, From: []int64{0}, UpTo: []int64{n}, Consumers: 1, Apply: tc.apply, Fetch: f}
			st, err := rb.Simulate(1)
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != n {
				t.Fatalf("applied %d events, want %d", st.Events, n)
			}
			eventBytes := float64(st.Bytes) / n
			rate := f.FetchRate(eventBytes, 1)
			if m := tc.apply.Mean(); m > 0 {
				rate = min(rate, 1/m)
			}
			want := n / rate
			if got := st.Duration.Seconds(); math.Abs(got/want-1) > 0.05 {
				t.Errorf("rebuild took %.3fs, want events ÷ min(fetch, apply) = %d ÷ %.0f/s = %.3fs (±5%%)", got, n, rate, want)
			}
		})
	}
}

// A replay up to a time stops at the offset the time index gives: events
// are 1 ms apart from 0, so the offset for 5 s is 5,000.
func TestReplayUntilUsesTheTimeIndex(t *testing.T) {
	l := eventLog(t, 10000, 10, 100)
	off, ok, err := l.OffsetForTime(5000)
	if err != nil || !ok || off != 5000 {
		t.Fatalf("OffsetForTime(5s) = %d, %v, %v; want 5000", off, ok, err)
	}
	got := View{}
	rb := Rebuild{Logs: []*commitlog.Log{l}, From: []int64{0}, UpTo: []int64{off}, Consumers: 1, Apply: sim.Constant{},
		Fetch: Fetcher{RTT: 1e6, Bandwidth: 1e9, MaxPartitionBytes: 1 << 20, MaxBytes: 50 << 20, MaxPollRecords: 500}}
	rb.OnApply = func(_ int, e Event) { got.Apply(e) }
	if _, err := rb.Simulate(1); err != nil {
		t.Fatal(err)
	}
	// By hand: key k has the events j < 5000 with j % 10 == k, 500 each.
	for k := range int64(10) {
		var bal int64
		for j := k; j < 5000; j += 10 {
			bal += Amount(0, int32(j))
		}
		if s := got[k]; s.Version != 500 || s.Balance != bal {
			t.Errorf("key %d = %+v, want version 500, balance %d", k, s, bal)
		}
	}
}

// A changelog keeps each key's state; compacted, the log holds fewer
// records, and the store restored from what survives equals the fold of
// every update (the last state per key).
func TestRestoreFromCompactedChangelogEqualsFold(t *testing.T) {
	events := eventLog(t, 30000, 50, 20)
	sc := &scenarios.Scenario{Duration: 30000 * 1e6, SampleInterval: 1e9,
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "g", Topic: "t", Consumers: 1, MaxPartitionFetchBytes: 1 << 20, FetchMaxBytes: 50 << 20, MaxPollRecords: 500}},
		EventSourcing: &scenarios.EventSourcing{Topic: "t", StateSize: 64, SnapshotBandwidth: 1e8,
			Projections: []scenarios.Projection{{Name: "p", Topic: "t", Group: "g"}},
			Changelog:   &scenarios.Changelog{Projection: "p", SegmentBytes: 16 << 10, MinCleanableDirtyRatio: 0.5, CleanerInterval: 1e9, MoveAt: 25000 * 1e6, StandbyLag: 5e8}}}
	var err error
	if sc.EventSourcing.Changelog.RestoreApply, err = scenarios.ParseTimeDist("10us"); err != nil {
		t.Fatal(err)
	}
	sc.Cluster.Hardware.NetworkLatency = 1e5
	sc.Cluster.Hardware.DiskRead = 1e9
	c, err := changelog(Input{Scenario: sc, Logs: map[string][]*commitlog.Log{"t": {events}}, End: 30000 * 1e6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !c.RestoredMatches {
		t.Error("the store restored from the compacted changelog differs from the live one")
	}
	// 25,000 updates by the move; compacted, about 50 keys plus the dirty
	// part and the active segment remain.
	if c.UncompactedRecs != 25000 {
		t.Errorf("uncompacted restore read %d records, want the 25,000 written by the move", c.UncompactedRecs)
	}
	if c.CompactedRecords >= c.UncompactedRecs/5 || c.Cleanings == 0 {
		t.Errorf("compacted restore read %d records after %d cleanings, want far fewer than %d", c.CompactedRecords, c.Cleanings, c.UncompactedRecs)
	}
	if c.Standby >= c.Compacted {
		t.Errorf("standby catch-up %.4fs, want less than the compacted restore %.4fs", c.Standby, c.Compacted)
	}
	if c.Bytes >= c.UncompactedBytes {
		t.Errorf("compacted changelog %d bytes, uncompacted %d: compaction reclaimed nothing", c.Bytes, c.UncompactedBytes)
	}
}

// Bad event_sourcing sections are refused naming the field.
func TestEventSourcingValidation(t *testing.T) {
	base := `name: x
duration: 10s
topics:
  - name: ev
    partitions: 1
producers:
  - topic: ev
    rate: 10/s
    keys: uniform(10)
consumer_groups:
  - name: g
    topic: ev
event_sourcing:
  topic: ev
  projections:
    - name: p
      group: g
`
	for _, tc := range []struct{ name, old, new, field string }{
		{"undeclared topic", "    - name: p\n      group: g\n", "    - name: p\n      group: g\n      topic: nope\n", "event_sourcing.projections[0].topic"},
		{"undeclared group", "      group: g\n", "      group: nope\n", "event_sourcing.projections[0].group"},
		{"unkeyed events", "    keys: uniform(10)\n", "", "event_sourcing.topic"},
		{"replay of an unknown projection", "      group: g\n", "      group: g\n  replays:\n    - projection: q\n", "event_sourcing.replays[0].projection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(base, tc.old, tc.new, 1)
			_, err := scenarios.ParseScenario("bad.yaml", []byte(src), nil)
			if err == nil {
				t.Fatalf("accepted:\n%s", src)
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "bad.yaml:") {
				t.Errorf("error %q does not name bad.yaml:line and %s", err, tc.field)
			}
		})
	}
}

// Writing a snapshot costs the live consumer its time: the overhead is the
// snapshot's cost ÷ the time between snapshots (N ÷ rate), and the events
// written meanwhile wait. By hand: 20,000 events at 1,000/s on 100 keys,
// applied in 0.1 ms each; a snapshot of the 100 entities × 64 B at
// 128,000 B/s costs 50 ms, every 1,000 events (1 s): 50 ms ÷ 1 s = 5%
// overhead, 20 snapshots (1 s). Without snapshots an event is visible
// 0.1 ms after it is written; after a snapshot the next event waits the
// 50 ms, and the backlog drains by 0.9 ms an event, so about 55 events in
// 1,000 wait, the k-th 50 − 0.9k ms: the 99th percentile is near
// 50 − 0.9 × 10 = 41 ms, the mean rises by about 50² ÷ (2 × 0.9) ÷ 1,000
// ≈ 1.4 ms.
func TestSnapshotCostSlowsLiveConsumer(t *testing.T) {
	l := eventLog(t, 20000, 100, 50)
	c := &eventCache{logs: map[*commitlog.Log][]Event{}}
	lv := Live{Logs: []*commitlog.Log{l}, Consumers: 1, Apply: sim.Constant{Value: 0.0001}, StateSize: 64, Bandwidth: 128000}
	base, err := lv.Simulate(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	lv.Every = 1000
	st, err := lv.Simulate(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	if base.Overhead != 0 || math.Abs(base.StaleMax-0.0001) > 1e-5 {
		t.Errorf("without snapshots: overhead %v, staleness max %vs; want 0 and the 0.1 ms apply", base.Overhead, base.StaleMax)
	}
	if st.Snapshots != 20 || math.Abs(st.SnapshotSeconds-1) > 1e-6 {
		t.Errorf("%d snapshots taking %.4fs, want 20 of 50 ms (1 s)", st.Snapshots, st.SnapshotSeconds)
	}
	// 1 s over the 19.999 s from the first event to the last.
	if want := 0.05 / (1000.0 / 1000); math.Abs(st.Overhead-want) > 0.001 {
		t.Errorf("live overhead %.4f, want snapshot cost ÷ (N ÷ rate) = 50ms ÷ 1s = %.2f", st.Overhead, want)
	}
	if math.Abs(st.StaleMax-0.0501) > 0.001 {
		t.Errorf("staleness max %.4fs, want the snapshot's 50 ms plus an apply", st.StaleMax)
	}
	if st.StaleP99 < 0.038 || st.StaleP99 > 0.044 {
		t.Errorf("staleness p99 %.4fs, want about 50 − 0.9 × 10 = 41 ms", st.StaleP99)
	}
	if rise := st.StaleMean - base.StaleMean; rise < 0.0012 || rise > 0.0016 {
		t.Errorf("mean staleness rose by %.5fs, want about 1.4 ms", rise)
	}
}
