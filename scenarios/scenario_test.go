package scenarios

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"mqsim/scenarios/units"
)

func TestBuiltinScenariosLoad(t *testing.T) {
	// The scenarios the issues name; more may be built in.
	want := []string{
		// the cluster and mqsim run
		"baseline", "slow-consumer", "slow-consumer-scaled", "hot-partition", "reorder-retries", "reorder-idempotent", "social-media-peak",
		// broker failures
		"broker-failure", "broker-failure-acks1", "leader-isolation", "unclean-election", "min-isr-unavailable", "lost-response",
		"hw-truncation-high-watermark", "hw-truncation-leader-epoch",
		// consumers under stress
		"consumer-crash", "at-most-once", "slow-batch", "rolling-restart", "poison-message", "retry-topics",
		"backpressure-block", "backpressure-reject", "backpressure-autoscale", "backpressure-drop", "backpressure-throttle",
		"retention-loss", "metastable-queue", "retry-storm",
	}
	got := Scenarios()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("built-in scenario %q is missing (have %v)", w, got)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("Scenarios() = %v, want them sorted", got)
	}
	for _, n := range got {
		ls, err := LoadScenario(n, nil)
		if err != nil {
			t.Errorf("LoadScenario(%q): %v", n, err)
			continue
		}
		if ls.Name != n {
			t.Errorf("scenario %q has name %q; the file name and the name field must match", n, ls.Name)
		}
		if ls.Source != "builtin/"+n+".yaml" {
			t.Errorf("scenario %q: source %q", n, ls.Source)
		}
		if !strings.Contains(ls.Description, "seed's") {
			t.Errorf("scenario %q: the description should point at the seed section it illustrates", n)
		}
		if len(ls.Expect) == 0 {
			t.Errorf("scenario %q has no expect block: its lesson must be asserted", n)
		}
		if _, ok := ls.Expect["lost"]; !ok {
			t.Errorf("scenario %q does not assert lost", n)
		}
	}
}

// The seed's peak, sized as the capacity plan sizes it.
func TestSocialMediaPeakMatchesTheSeed(t *testing.T) {
	ls, err := LoadScenario("social-media-peak", nil)
	if err != nil {
		t.Fatal(err)
	}
	// 500M users × 20 events/day / 86,400 s × 10 = 1,157,407.4 msg/s.
	var rate float64
	for _, p := range ls.Producers {
		rate += float64(p.Rate)
		if p.Acks != "all" || p.MessageSize.Mean() != 500 {
			t.Errorf("producer %s: acks %s, size %v; want acks=all and 500 B", p.Name, p.Acks, p.MessageSize.Mean())
		}
	}
	if math.Abs(rate-500e6*20/86400*10) > 1 {
		t.Errorf("rate %v, want 1,157,407 msg/s", rate)
	}
	// ceil(1,157,407 / 10K per partition) = 116 partitions; 105 TB / 10 TB = 10.5 → 11 brokers.
	if ls.Cluster.Brokers != 11 || len(ls.Topics) != 1 || ls.Topics[0].Partitions != 116 || ls.Topics[0].ReplicationFactor != 3 {
		t.Errorf("cluster %d brokers, topics %+v; want 11 brokers, 116 partitions, RF 3", ls.Cluster.Brokers, ls.Topics)
	}
	if len(ls.ConsumerGroups) != 1 || ls.ConsumerGroups[0].Consumers != 116 {
		t.Errorf("groups %+v; want one group with a consumer per partition (116)", ls.ConsumerGroups)
	}
	// Each consumer takes 1,157,407 / 116 ≈ 9,978 msg/s, so a handler must
	// take under 1/9,978 s ≈ 100 µs for the group to keep up.
	if d := ls.ConsumerGroups[0].Processing.Mean(); d >= 116/rate {
		t.Errorf("processing %v s per message cannot keep up with %v msg/s per consumer", d, rate/116)
	}
}

const minimal = `name: t
duration: 10s
topics:
  - name: a
    partitions: 2
producers:
  - topic: a
    rate: 1K/s
consumer_groups:
  - topic: a
`

// Defaults are Kafka's (the reference table in kafka-facts) and the
// scenario's own.
func TestDefaults(t *testing.T) {
	ls, err := ParseScenario("m.yaml", []byte(minimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := ls.Scenario
	p, g, c, tp := s.Producers[0], s.ConsumerGroups[0], s.Cluster, s.Topics[0]
	for _, d := range []struct {
		name      string
		got, want any
	}{
		{"drain", s.Drain, 60 * units.Second},
		{"sample_interval", s.SampleInterval, units.Second},
		{"brokers", c.Brokers, 3},
		{"profile", c.Profile, "cloud-nvme-25g"},
		{"replica.lag.time.max.ms", c.ReplicaLagTimeMax, 30 * units.Second},
		{"replica.fetch.wait.max.ms", c.ReplicaFetchWaitMax, 500 * units.Millisecond},
		{"replica.fetch.min.bytes", c.ReplicaFetchMinBytes, units.Bytes(1)},
		{"replica.fetch.max.bytes", c.ReplicaFetchMaxBytes, units.Bytes(1 << 20)},
		{"num.replica.fetchers", c.NumReplicaFetchers, 1},
		{"min.insync.replicas", c.MinInsyncReplicas, 1},
		{"topic RF = min(3, brokers)", tp.ReplicationFactor, 3},
		{"topic min.insync", tp.MinInsyncReplicas, 1},
		{"retention.ms", tp.Retention, 7 * units.Day},
		{"segment.bytes", tp.SegmentBytes, units.Bytes(1 << 30)},
		{"producer name", p.Name, "producer-0"},
		{"instances", p.Instances, 1},
		{"arrival", p.Arrival, "poisson"},
		{"keys", p.Keys, "none"},
		{"message size", p.MessageSize.Mean(), 500.0},
		{"acks", p.Acks, "all"},
		{"enable.idempotence", *p.EnableIdempotence, true},
		{"batch.size", p.BatchSize, units.Bytes(16384)},
		{"linger.ms", *p.Linger, 5 * units.Millisecond},
		{"compression", p.Compression, "none"},
		{"max.in.flight", p.MaxInFlight, 5},
		{"retries", *p.Retries, 2147483647},
		{"retry.backoff.ms", p.RetryBackoff, 100 * units.Millisecond},
		{"retry.backoff.max.ms", p.RetryBackoffMax, units.Second},
		{"delivery.timeout.ms", p.DeliveryTimeout, 120 * units.Second},
		{"request.timeout.ms", p.RequestTimeout, 30 * units.Second},
		{"buffer.memory", p.BufferMemory, units.Bytes(32 << 20)},
		{"max.block.ms", p.MaxBlock, 60 * units.Second},
		{"group name", g.Name, "group-0"},
		{"consumers", g.Consumers, 1},
		{"processing", g.Processing.Mean(), 0.0},
		{"max.poll.records", g.MaxPollRecords, 500},
		{"fetch.min.bytes", g.FetchMinBytes, units.Bytes(1)},
		{"fetch.max.wait.ms", g.FetchMaxWait, 500 * units.Millisecond},
		{"max.partition.fetch.bytes", g.MaxPartitionFetchBytes, units.Bytes(1 << 20)},
		{"fetch.max.bytes", g.FetchMaxBytes, units.Bytes(50 << 20)},
		{"commit", g.Commit, "auto"},
		{"auto.commit.interval.ms", g.AutoCommitInterval, 5 * units.Second},
		{"assignment", g.Assignment, "range"},
		{"isolation.level", g.IsolationLevel, "read_uncommitted"},
		{"auto.offset.reset", g.AutoOffsetReset, "latest"},
		{"session.timeout.ms", g.SessionTimeout, 45 * units.Second},
		{"heartbeat.interval.ms", g.HeartbeatInterval, 3 * units.Second},
		{"max.poll.interval.ms", g.MaxPollInterval, 5 * units.Minute},
	} {
		if d.got != d.want {
			t.Errorf("default %s = %v, want %v", d.name, d.got, d.want)
		}
	}
	// The profile resolves into every hardware number.
	prof, _ := LookupProfile("cloud-nvme-25g")
	if c.Hardware != prof.Hardware {
		t.Errorf("hardware %+v, want the profile's %+v", c.Hardware, prof.Hardware)
	}
	// Defaults is idempotent.
	again := s
	again.Defaults()
	if again.Cluster != s.Cluster || again.Producers[0].Acks != p.Acks {
		t.Error("Defaults applied twice changed the scenario")
	}
}

func TestReplicationFactorFollowsBrokers(t *testing.T) {
	ls, err := ParseScenario("m.yaml", []byte(minimal), []string{"cluster.brokers=2"})
	if err != nil {
		t.Fatal(err)
	}
	if rf := ls.Topics[0].ReplicationFactor; rf != 2 {
		t.Errorf("RF with 2 brokers = %d, want min(3, 2) = 2", rf)
	}
}

// Kafka turns idempotence on by default only when nothing conflicts with it.
func TestIdempotenceDefault(t *testing.T) {
	for _, c := range []struct {
		sets []string
		want bool
	}{
		{nil, true},
		{[]string{"producers.0.acks=1"}, false},
		{[]string{"producers.0.acks=0"}, false},
		{[]string{"producers.0.acks=-1"}, true},
		{[]string{"producers.0.max_in_flight=6"}, false},
		{[]string{"producers.0.max_in_flight=5"}, true},
		{[]string{"producers.0.retries=0"}, false},
		{[]string{"producers.0.acks=1", "producers.0.enable_idempotence=false"}, false},
	} {
		ls, err := ParseScenario("m.yaml", []byte(minimal), c.sets)
		if err != nil {
			t.Errorf("%v: %v", c.sets, err)
			continue
		}
		if got := *ls.Producers[0].EnableIdempotence; got != c.want {
			t.Errorf("%v: idempotence %v, want %v", c.sets, got, c.want)
		}
	}
}

func TestProfileOverrides(t *testing.T) {
	ls, err := ParseScenario("m.yaml", []byte(minimal+"cluster:\n  profile: hdd-1g\n  hardware:\n    disk_write: 80MB/s\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := ls.Cluster.Hardware
	prof, _ := LookupProfile("hdd-1g")
	if h.DiskWrite != 80e6 {
		t.Errorf("disk_write %v, want the override 80 MB/s", h.DiskWrite)
	}
	if h.NICIn != 125e6 || h.DiskRead != prof.Hardware.DiskRead || h.CPUThreads != prof.Hardware.CPUThreads {
		t.Errorf("hardware %+v: want the hdd-1g profile (1 Gbit/s = 125 MB/s NIC) under the override", h)
	}
	for _, p := range Profiles() {
		if p.Doc == "" || p.Hardware.NICIn <= 0 || p.Hardware.DiskWrite <= 0 || p.Hardware.CPUThreads < 1 {
			t.Errorf("profile %s is incomplete: %+v", p.Name, p)
		}
	}
}

func TestScenarioSets(t *testing.T) {
	src := strings.Replace(minimal, "producers:\n", "producers:\n  - topic: a\n    rate: 2K/s\n", 1)
	ls, err := ParseScenario("m.yaml", []byte(src), []string{"producers.*.acks=1", "seed=7", "duration=3s"})
	if err != nil {
		t.Fatal(err)
	}
	if ls.Seed != 7 || ls.Duration != 3*units.Second {
		t.Errorf("seed %d duration %v, want 7 and 3s", ls.Seed, ls.Duration)
	}
	for i, p := range ls.Producers {
		if p.Acks != "1" {
			t.Errorf("producers[%d].acks = %q, want 1 from producers.*.acks", i, p.Acks)
		}
	}
	// A --set error names the flag and the field.
	_, err = ParseScenario("m.yaml", []byte(minimal), []string{"producers.0.linger=soon"})
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != "--set" || ie.Field != "producers[0].linger" {
		t.Errorf("bad --set: %v, want an --set error on producers[0].linger", err)
	}
}

// Every rule reports the file, the line and the field, and says what was
// expected.
func TestBadScenarios(t *testing.T) {
	// minimal's lines: 1 name, 2 duration, 3 topics, 4 - name, 5 partitions,
	// 6 producers, 7 - topic, 8 rate, 9 consumer_groups, 10 - topic.
	for _, c := range []struct {
		name  string
		yaml  string
		line  int
		field string
		msg   string
	}{
		{"unknown field", minimal + "durration: 5s\n", 11, "durration", "unknown field"},
		{"unknown nested field", strings.Replace(minimal, "    rate: 1K/s\n", "    rate: 1K/s\n    ack: all\n", 1), 9, "producers[0].ack", "unknown field"},
		{"bad unit", strings.Replace(minimal, "rate: 1K/s", "rate: 1K/fortnight", 1), 8, "producers[0].rate", "not a valid rate"},
		{"no name", strings.Replace(minimal, "name: t\n", "", 1), 1, "name", "missing"},
		{"no duration", strings.Replace(minimal, "duration: 10s\n", "", 1), 1, "duration", "missing or zero"},
		{"too long", strings.Replace(minimal, "duration: 10s", "duration: 60d", 1), 2, "duration", "longer than"},
		{"warmup", minimal + "warmup: 10s\n", 11, "warmup", "not shorter than the duration"},
		{"samples", minimal + "sample_interval: 1us\n", 11, "sample_interval", "more than"},
		{"brokers", minimal + "cluster:\n  brokers: -1\n", 12, "cluster.brokers", "out of range"},
		{"profile", minimal + "cluster:\n  profile: mainframe\n", 12, "cluster.profile", "unknown hardware profile"},
		{"jitter", minimal + "cluster:\n  hardware:\n    network_jitter: 1s\n", 13, "cluster.hardware.network_jitter", "larger than network_latency"},
		{"cpu threads", minimal + "cluster:\n  hardware:\n    cpu_threads: -1\n", 13, "cluster.hardware.cpu_threads", "out of range"},
		{"fetch wait", minimal + "cluster:\n  replica_fetch_wait_max: 1m\n", 12, "cluster.replica_fetch_wait_max", "longer than replica_lag_time_max"},
		{"error rate", minimal + "cluster:\n  transient_error_rate: 100%\n", 12, "cluster.transient_error_rate", "out of range"},
		{"no topics", "name: t\nduration: 1s\nproducers:\n  - topic: a\n    rate: 1/s\n", 1, "topics", "at least one topic"},
		{"zero partitions", strings.Replace(minimal, "partitions: 2", "partitions: 0", 1), 5, "topics[0].partitions", "want 1 to 200000"},
		{"RF above brokers", strings.Replace(minimal, "partitions: 2\n", "partitions: 2\n    replication_factor: 4\n", 1), 6, "topics[0].replication_factor", "more than the 3 brokers"},
		{"min.insync above RF", strings.Replace(minimal, "partitions: 2\n", "partitions: 2\n    replication_factor: 2\n    min_insync_replicas: 3\n", 1), 7, "topics[0].min_insync_replicas", "more than the replication factor"},
		{"topic name", strings.Replace(minimal, "name: a", "name: a b", 1), 4, "topics[0].name", "not a valid topic name"},
		{"duplicate topic", strings.Replace(minimal, "producers:", "  - name: a\n    partitions: 1\nproducers:", 1), 6, "topics[1].name", "already defined"},
		{"no producers", strings.Replace(minimal, "producers:\n  - topic: a\n    rate: 1K/s\n", "", 1), 1, "producers", "at least one producer"},
		{"unknown topic", strings.Replace(minimal, "  - topic: a\n    rate", "  - topic: b\n    rate", 1), 7, "producers[0].topic", `unknown topic "b"`},
		{"no rate", strings.Replace(minimal, "    rate: 1K/s\n", "", 1), 7, "producers[0].rate", "missing"},
		{"arrival", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    arrival: bursts(on=1s)\n", 1), 9, "producers[0].arrival", "missing off="},
		{"keys", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    keys: zipf(n=10, s=0.5)\n", 1), 9, "producers[0].keys", "s must be above 1"},
		{"message size", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    message_size: 2MiB\n", 1), 9, "producers[0].message_size", "out of range"},
		{"acks", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    acks: 2\n", 1), 9, "producers[0].acks", `"2" is not one of 0, 1, all`},
		{"compression", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    compression: brotli\n", 1), 9, "producers[0].compression", "not one of"},
		{"codec without ratio", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    compression: zstd\n", 1), 7, "producers[0].compression_ratio", "say how much it shrinks"},
		{"ratio without codec", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    compression_ratio: 4x\n", 1), 9, "producers[0].compression_ratio", "without a codec"},
		{"ratio below 1", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    compression: lz4\n    compression_ratio: 50%\n", 1), 10, "producers[0].compression_ratio", "at least 1x"},
		{"max in flight", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    max_in_flight: -1\n", 1), 9, "producers[0].max_in_flight", "out of range"},
		{"retries", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    retries: -1\n", 1), 9, "producers[0].retries", "0 or more"},
		{"delivery timeout", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    delivery_timeout: 30s\n", 1), 9, "producers[0].delivery_timeout", "shorter than request_timeout + linger"},
		{"buffer memory", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    buffer_memory: 1KB\n", 1), 9, "producers[0].buffer_memory", "not even one batch"},
		{"idempotence acks", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    acks: 1\n    enable_idempotence: true\n", 1), 9, "producers[0].acks", "idempotence needs acks=all"},
		{"idempotence in flight", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    max_in_flight: 6\n    enable_idempotence: true\n", 1), 9, "producers[0].max_in_flight", "at most 5"},
		{"idempotence retries", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    retries: 0\n    enable_idempotence: true\n", 1), 9, "producers[0].retries", "needs retries"},
		{"duplicate producer", strings.Replace(minimal, "  - topic: a\n    rate: 1K/s\n", "  - name: p\n    topic: a\n    rate: 1K/s\n  - name: p\n    topic: a\n    rate: 1K/s\n", 1), 10, "producers[1].name", "already defined"},
		{"group topic", strings.Replace(minimal, "consumer_groups:\n  - topic: a", "consumer_groups:\n  - topic: nope", 1), 10, "consumer_groups[0].topic", "unknown topic"},
		{"group no topic", strings.Replace(minimal, "consumer_groups:\n  - topic: a", "consumer_groups:\n  - consumers: 2", 1), 10, "consumer_groups[0].topic", "missing"},
		{"consumers", minimal + "    consumers: -2\n", 11, "consumer_groups[0].consumers", "out of range"},
		{"commit", minimal + "    commit: sometimes\n", 11, "consumer_groups[0].commit", "not one of auto, after, before"},
		{"assignment", minimal + "    assignment: sticky\n", 11, "consumer_groups[0].assignment", "not one of"},
		{"isolation", minimal + "    isolation_level: serializable\n", 11, "consumer_groups[0].isolation_level", "not one of"},
		{"offset reset", minimal + "    auto_offset_reset: smallest\n", 11, "consumer_groups[0].auto_offset_reset", "not one of"},
		{"processing", minimal + "    processing: exp(soon)\n", 11, "consumer_groups[0].processing", "not a valid distribution"},
		{"session timeout", minimal + "    session_timeout: 1s\n", 11, "consumer_groups[0].session_timeout", "outside the broker's allowed"},
		{"heartbeat", minimal + "    heartbeat_interval: 50s\n", 11, "consumer_groups[0].heartbeat_interval", "below session_timeout"},
		{"poll records", minimal + "    max_poll_records: -5\n", 11, "consumer_groups[0].max_poll_records", "out of range"},
		{"expect metric", minimal + "expect:\n  loss: 0\n", 12, "expect.loss", "unknown metric"},
		{"expect condition", minimal + "expect:\n  lost: about none\n", 12, "expect.lost", "not a valid condition"},
		{"expect kind", minimal + "expect:\n  p99_e2e: \"< 50\"\n", 12, "expect.p99_e2e", "write it like"},
		{"expect group", minimal + "expect:\n  group.nope.final_lag: 0\n", 12, "expect.group.nope.final_lag", "names no consumer group"},
		{"expect group key", minimal + "expect:\n  group.group-0.speed: 0\n", 12, "expect.group.group-0.speed", "unknown group metric"},
		{"wrong type", strings.Replace(minimal, "partitions: 2", "partitions: two", 1), 5, "topics[0].partitions", "expected a whole number"},
		{"list for scalar", minimal + "seed: [1]\n", 11, "seed", "a list, expected a whole number"},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.yaml), nil)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %v (%T), want an *InputError", c.name, err, err)
			continue
		}
		// Several errors are joined; the one we want must be among them.
		found := false
		var all []string
		for _, e := range unjoin(err) {
			var ie *InputError
			if errors.As(e, &ie) {
				all = append(all, e.Error())
				found = found || ie.File == "s.yaml" && ie.Line == c.line && ie.Field == c.field && strings.Contains(ie.Msg, c.msg)
			}
		}
		if !found {
			t.Errorf("%s: got %q, want s.yaml line %d, field %q, message containing %q", c.name, all, c.line, c.field, c.msg)
		}
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// One bad file reports all of its problems at once.
func TestValidationReportsEveryProblem(t *testing.T) {
	src := strings.Replace(minimal, "partitions: 2", "partitions: 0", 1) + "    commit: never\n"
	_, err := ParseScenario("s.yaml", []byte(src), nil)
	if n := len(unjoin(err)); n != 2 {
		t.Errorf("got %d errors (%v), want 2: partitions and commit", n, err)
	}
}

func TestScenarioNotFound(t *testing.T) {
	_, err := LoadScenario("no-such-scenario", nil)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "baseline") {
		t.Errorf("got %v, want an error listing the built-ins", err)
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		yaml, want string
	}{
		{minimal, KindScenario},
		{goodWorkload, KindWorkload},
		{"name: x\nusers: 5M\nevents_per_user_per_day: 3\nmessage_size: 1KB\nretention: 1d\n", KindWorkload},
		{"name: x\nduration: 1s\n", KindScenario},
	} {
		got, err := Detect("f.yaml", []byte(c.yaml))
		if err != nil || got != c.want {
			t.Errorf("Detect(%q) = %q, %v; want %q", c.yaml, got, err, c.want)
		}
	}
	for _, bad := range []string{"name: x\n", "", "a: [\n", "- 1\n"} {
		if _, err := Detect("f.yaml", []byte(bad)); err == nil {
			t.Errorf("Detect(%q): no error, want one", bad)
		}
	}
}

// Whatever the bytes, loading returns a scenario or an error, never a
// panic; a scenario it accepts is resolved and valid.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(minimal))
	for _, n := range Scenarios() {
		data, _ := builtinFS.ReadFile("builtin/" + n + ".yaml")
		f.Add(data)
	}
	f.Add([]byte("name: x\nduration: 1s\ntopics: [{name: a, partitions: 9223372036854775807}, {name: b, partitions: 9223372036854775807}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ls, err := ParseScenario("f.yaml", data, nil)
		if err != nil {
			var ie *InputError
			for _, e := range unjoin(err) {
				if !errors.As(e, &ie) {
					t.Fatalf("error %v (%T) is not an *InputError", e, e)
				}
			}
			return
		}
		if err := ls.Validate(); err != nil {
			t.Fatalf("accepted scenario fails validation: %v", err)
		}
		again := ls.Scenario
		again.Defaults()
		if again.Cluster != ls.Cluster {
			t.Fatal("Defaults is not idempotent")
		}
	})
}
