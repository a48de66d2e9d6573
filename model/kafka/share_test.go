package kafka

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
)

// shareBase is one topic of one partition on one broker with a negligible
// network and negligible broker costs, read by a share group; %s is the
// group's extra settings.
const shareBase = `
name: share
seed: 1
duration: DUR
cluster:
  brokers: 1
  hardware: {network_latency: 1us, network_jitter: 1ns, cpu_per_request: 1ns, cpu_per_mb: 1ns}
topics:
  - {name: q, partitions: 1, replication_factor: 1}
producers:
  - {name: arrivals, topic: q, rate: RATE, message_size: const(1B), linger: 0ms}
consumer_groups:
  - {name: servers, topic: q, type: share, GROUP}
`

func shareYAML(dur, rate, group string) string {
	return strings.NewReplacer("DUR", dur, "RATE", rate, "GROUP", group).Replace(shareBase)
}

func shareErlangC(c int, a float64) float64 {
	sum, term := 0.0, 1.0
	for k := range c {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	last := term * a / float64(c) * float64(c) / (float64(c) - a)
	return last / (sum + last)
}

// TestShareGroupErlangC: a share group of c = 4 consumers on one
// partition, each acquiring one record at a time (max_poll_records 1),
// Poisson arrivals λ = 300/s and exponential service μ = 100/s, is M/M/4:
// the mean wait Wq = C(c, λ/μ)/(cμ − λ) = 0.5094 × 1/100 s = 5.094 ms (by
// hand: C(4, 3) = 0.5094). Mean end-to-end latency minus the mean service
// time must match it within 5%, over 3 seeds.
func TestShareGroupErlangC(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	const lambda, mu, c = 300.0, 100.0, 4
	y := shareYAML("200s", "300/s", "consumers: 4, processing: exp(10ms), max_poll_records: 1")
	var sum float64
	var n int64
	for _, seed := range []string{"1", "2", "3"} {
		r := mustRun(t, loadYAML(t, y, "seed="+seed))
		if r.Lost != 0 || r.Duplicates != 0 || r.Unseen != 0 {
			t.Fatalf("seed %s: lost %d, duplicates %d, unseen %d: want 0", seed, r.Lost, r.Duplicates, r.Unseen)
		}
		sum += r.E2ELatency.Mean / 1000 * float64(r.E2ELatency.Count)
		n += r.E2ELatency.Count
	}
	wq := shareErlangC(c, lambda/mu) / (c*mu - lambda)
	if math.Abs(wq-0.005094) > 0.00001 {
		t.Fatalf("Erlang C Wq = %.6fs, want 0.005094s by hand", wq)
	}
	got := sum/float64(n) - 1/mu
	if math.Abs(got-wq)/wq > 0.05 {
		t.Errorf("mean wait %.5fs, Erlang C gives %.5fs (more than 5%% apart)", got, wq)
	}
}

// TestShareLockExpiryArchives: one record, two consumers, work (20 s)
// slower than the acquisition lock (15 s). The lock expires at 15 s and
// the idle member acquires it (delivery 2) while the first still works;
// so on every 15 s: deliveries at 0, 15, 30, 45 and 60 s. The fifth lock
// expiry (75 s) reaches share.delivery_count_limit 5: the record is
// archived. Each delivery runs to the end: 5 processings, 4 duplicates,
// 5 lock expiries, 4 redeliveries, and every acknowledgement comes too
// late (5 stale).
func TestShareLockExpiryArchives(t *testing.T) {
	y := shareYAML("1500ms", "1/s", "consumers: 2, processing: const(20s), max_poll_records: 1, share: {record_lock_duration: 15s}")
	sc := loadYAML(t, strings.Replace(y, "linger: 0ms", "linger: 0ms, arrival: constant", 1), "drain=2m")
	r := mustRun(t, sc)
	if r.Acked != 1 {
		t.Fatalf("acked %d, want 1 message", r.Acked)
	}
	sg := r.ShareGroups
	if r.Groups[0].Processed != 5 || r.Duplicates != 4 || sg.Archived != 1 || sg.LockExpiries != 5 || sg.ShareRedeliveries != 4 || sg.StaleAcks != 5 || r.Lost != 0 {
		t.Errorf("processed %d, duplicates %d, archived %d, lock expiries %d, redeliveries %d, stale acks %d, lost %d; want 5, 4, 1, 5, 4, 5, 0",
			r.Groups[0].Processed, r.Duplicates, sg.Archived, sg.LockExpiries, sg.ShareRedeliveries, sg.StaleAcks, r.Lost)
	}
}

// TestShareWindowBoundsParallelism: ten consumers of 10 ms work on one
// partition could process 1,000/s; 2,000/s arrive, so a backlog builds.
// With max_poll_records 500, the member whose fetch comes first acquires
// the whole in-flight window (partition_max_record_locks 200) and the
// others find it full: one member works at a time, 1/10 ms = 100/s. With
// max_poll_records 20, ten members hold 20 each (200 in all): 1,000/s.
func TestShareWindowBoundsParallelism(t *testing.T) {
	for _, c := range []struct {
		poll     string
		lo, hi   float64
		fullWind bool
	}{
		{"500", 90, 110, true},
		{"20", 950, 1050, false},
	} {
		y := shareYAML("40s", "2000/s", "consumers: 10, processing: const(10ms), max_poll_records: "+c.poll)
		r := mustRun(t, loadYAML(t, y, "drain=1s"))
		g := r.Groups[0].LateGoodput
		if g < c.lo || g > c.hi {
			t.Errorf("max_poll_records %s: processed %.1f/s late in the run, want %.0f to %.0f", c.poll, g, c.lo, c.hi)
		}
		if w := r.ShareGroups.MaxShareWindow; w > 200 || c.fullWind && w != 200 {
			t.Errorf("max_poll_records %s: in-flight window reached %d, want at most 200 (and 200 when one member takes it all)", c.poll, w)
		}
	}
}

// TestShareConsumerCrashReleases: three consumers, 100 ms of work per
// record, 10 records per poll, 500/s arriving for 6 s (a backlog all
// along). Consumer 0's fetch is parked when the first record arrives
// (t1 < 50 ms but with probability e^-25 for 500/s arrivals), so its first poll holds that one record (0.1 s);
// from then on every poll holds 10 and takes 1 s (fetch round trips are
// microseconds). Its seventh poll starts at t1 + 0.1 + 5 s, in
// [5.1, 5.15) s; it crashes at 5.65 s, when 5 records of that poll are
// processed but not acknowledged (acknowledgements travel with the next
// fetch). Its connection closes and the leader releases all 10 it held;
// the others process them again: 5 duplicates, 10 released, nothing lost.
func TestShareConsumerCrashReleases(t *testing.T) {
	y := shareYAML("6s", "500/s", "consumers: 3, processing: const(100ms), max_poll_records: 10") +
		"faults:\n  - {type: consumer-crash, group: servers, consumer: 0, at: 5.65s}\n"
	r := mustRun(t, loadYAML(t, y, "drain=10m"))
	if r.Duplicates != 5 || r.ShareGroups.ShareReleased != 10 || r.Lost != 0 || r.Unseen != 0 {
		t.Errorf("duplicates %d, released %d, lost %d, unseen %d; want 5, 10, 0, 0",
			r.Duplicates, r.ShareGroups.ShareReleased, r.Lost, r.Unseen)
	}
}

// TestShareStatePersisted: the share coordinator's log holds the
// share-partition's state; read back, its last record's start offset is
// the group's committed position, and every record is acknowledged by the
// end of the drain (start offset = records written).
func TestShareStatePersisted(t *testing.T) {
	y := shareYAML("5s", "200/s", "consumers: 3, processing: exp(5ms), max_poll_records: 5")
	w, r, err := run(loadYAML(t, y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	g := w.groups[0]
	var spso int64 = -1
	var n int
	err = g.sh.state.ScanRecords(0, func(rec *commitlog.Record) error {
		part, k := binary.Uvarint(rec.Key)
		if k <= 0 || part != 0 {
			t.Fatalf("state record key %x: want partition 0", rec.Key)
		}
		v, k := binary.Varint(rec.Value)
		if k <= 0 {
			t.Fatalf("state record value %x", rec.Value)
		}
		spso = v
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if int64(n) != r.ShareGroups.ShareStateWrites {
		t.Errorf("%d state records, the run counted %d writes", n, r.ShareGroups.ShareStateWrites)
	}
	if spso != g.committed[0] || spso != r.Acked {
		t.Errorf("persisted start offset %d, committed %d, acked %d: want all equal", spso, g.committed[0], r.Acked)
	}
}

// TestShareValidation: share settings out of range, classic-consumer
// settings on a share group, and faults share groups do not model are
// errors naming file, line and field.
func TestShareValidation(t *testing.T) {
	y := shareYAML("5s", "10/s", "share: {delivery_count_limit: 11}")
	for _, c := range []struct{ yaml, want string }{
		{y, "test.yaml:13: consumer_groups[0].share.delivery_count_limit"},
		{shareYAML("5s", "10/s", "commit: after"), "consumer_groups[0].commit"},
		{shareYAML("5s", "10/s", "share: {record_lock_duration: 2m}"), "share.record_lock_duration"},
		{strings.Replace(shareYAML("5s", "10/s", "consumers: 2"), "type: share", "type: shared", 1), "consumer_groups[0].type"},
		{shareYAML("5s", "10/s", "consumers: 2") + "faults:\n  - {type: broker-crash, broker: 0, at: 1s}\n", "faults[0].type"},
	} {
		_, err := scenarios.ParseScenario("test.yaml", []byte(c.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one naming %s", err, c.want)
		}
	}
}
