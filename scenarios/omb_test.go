package scenarios

import (
	"errors"
	"os"
	"strings"
	"testing"

	"mqsim/scenarios/units"
)

// The benchmark's shipped 100-partition workload, field by field.
func TestLoadOMBReferenceWorkload(t *testing.T) {
	ls, err := LoadOMB("1-topic-100-partitions-1kb", "kafka-driver", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := ls.Scenario
	// testDurationMinutes 15 plus the default warmupDurationMinutes 1.
	if s.Warmup != units.Minute || s.Duration != 16*units.Minute {
		t.Errorf("warmup, duration = %v, %v; want 1m, 16m", s.Warmup, s.Duration)
	}
	if len(s.Topics) != 1 || s.Topics[0].Partitions != 100 || s.Topics[0].ReplicationFactor != 3 || s.Topics[0].MinInsyncReplicas != 2 {
		t.Fatalf("topics = %+v; want one of 100 partitions, RF 3, min ISR 2 (driver)", s.Topics)
	}
	if len(s.Producers) != 1 {
		t.Fatalf("producers = %d, want 1", len(s.Producers))
	}
	p := s.Producers[0]
	if p.Rate != 50000 || p.Instances != 1 || p.Arrival != "constant" || p.Keys != "none" || p.MessageSize.Spec != "const(1024B)" {
		t.Errorf("producer = rate %v instances %d arrival %q keys %q size %q; want 50000, 1, constant, none, const(1024B)",
			p.Rate, p.Instances, p.Arrival, p.Keys, p.MessageSize.Spec)
	}
	// producerConfig: acks=all, linger.ms=1, batch.size=1048576.
	if p.Acks != "all" || p.LingerTime() != units.Millisecond || p.BatchSize != 1<<20 {
		t.Errorf("producer acks %q linger %v batch %v; want all, 1ms, 1MiB", p.Acks, p.LingerTime(), p.BatchSize)
	}
	if len(s.ConsumerGroups) != 1 {
		t.Fatalf("groups = %d, want 1", len(s.ConsumerGroups))
	}
	g := s.ConsumerGroups[0]
	// consumerConfig: auto.offset.reset=earliest, enable.auto.commit=false,
	// max.partition.fetch.bytes=10485760.
	if g.Consumers != 1 || g.AutoOffsetReset != "earliest" || g.Commit != "after" || g.MaxPartitionFetchBytes != 10<<20 {
		t.Errorf("group = %d consumers, reset %q, commit %q, max partition fetch %v; want 1, earliest, after, 10MiB",
			g.Consumers, g.AutoOffsetReset, g.Commit, g.MaxPartitionFetchBytes)
	}
	if len(s.Faults) != 0 {
		t.Errorf("faults = %v, want none without a backlog", s.Faults)
	}
}

func TestLoadOMBTopicsSubscriptionsKeys(t *testing.T) {
	ls, err := LoadOMB("testdata/omb/two-topics-keyed.yaml", "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := ls.Scenario
	if s.Warmup != 30*units.Second || s.Duration != 150*units.Second {
		t.Errorf("warmup, duration = %v, %v; want 30s, 2m30s", s.Warmup, s.Duration)
	}
	if len(s.Topics) != 2 || len(s.Producers) != 2 || len(s.ConsumerGroups) != 4 {
		t.Fatalf("%d topics, %d producers, %d groups; want 2, 2 (one per topic), 4 (2 subscriptions × 2 topics)",
			len(s.Topics), len(s.Producers), len(s.ConsumerGroups))
	}
	for i, p := range s.Producers {
		// producerRate is the total over all topics: 10000 / 2.
		if p.Rate != 5000 || p.Instances != 2 || p.Keys != "uniform(10000)" || p.MessageSize.Spec != "const(100B)" || p.Topic != s.Topics[i].Name {
			t.Errorf("producers[%d] = %+v; want 5000/s over 2 instances, uniform(10000) keys, 100 B, on %s", i, p, s.Topics[i].Name)
		}
	}
	for i, g := range s.ConsumerGroups {
		if g.Consumers != 3 || g.Topic != s.Topics[i/2].Name {
			t.Errorf("groups[%d] = %d consumers on %s; want 3 on %s", i, g.Consumers, g.Topic, s.Topics[i/2].Name)
		}
	}
}

func TestLoadOMBPayloadFileAndBacklog(t *testing.T) {
	ls, err := LoadOMB("testdata/omb/payload-and-backlog.yaml", "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := ls.Scenario
	if got := s.Producers[0].MessageSize.Spec; got != "const(40B)" {
		t.Errorf("message size %q; want const(40B), the payload file's size", got)
	}
	// Backlog 0.001 × 1024³ B = 1073741.824 B; at 1000 msg/s × 40 B × 1
	// subscription that takes 26.8435456 s, rounded up to 26.844 s.
	build := 26844 * units.Millisecond
	if s.Duration != units.Minute+build+units.Minute {
		t.Errorf("duration %v; want 1m warmup + %v build + 1m test", s.Duration, build)
	}
	if len(s.Faults) != 2 {
		t.Fatalf("faults = %+v; want a stall for each of the 2 consumers", s.Faults)
	}
	for i, f := range s.Faults {
		if f.Type != "consumer-stall" || f.At != units.Minute || f.Duration != build || *f.Consumer != i {
			t.Errorf("faults[%d] = %+v; want consumer-stall of consumer %d at 1m for %v", i, f, i, build)
		}
	}
	if g := s.ConsumerGroups[0]; g.MaxPollInterval <= build {
		t.Errorf("max_poll_interval %v must outlast the %v pause", g.MaxPollInterval, build)
	}
}

func TestLoadOMBSetsAndKafkaOrder(t *testing.T) {
	kafka, err := KafkaSets("p.properties", RoleProducer, []Property{{Key: "linger.ms", Value: "20", Line: 3}})
	if err != nil {
		t.Fatal(err)
	}
	// Driver linger 1ms, then the file's 20ms, then --set 5ms: the last wins.
	ls, err := LoadOMB("1-topic-16-partitions-1kb", "kafka-driver", kafka, []string{"producers.*.linger=5ms"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ls.Producers[0].LingerTime(); got != 5*units.Millisecond {
		t.Errorf("linger %v; want 5ms from --set", got)
	}
	ls, err = LoadOMB("1-topic-16-partitions-1kb", "kafka-driver", kafka, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ls.Producers[0].LingerTime(); got != 20*units.Millisecond {
		t.Errorf("linger %v; want 20ms from the producer config over the driver's 1ms", got)
	}
}

func TestLoadOMBErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, workload, driver string
		want                   string // in the error
		line                   int
	}{
		{"unknown key", "topics: 1\npartitionsPerTopic: 1\nproducerStartRate: 5\n", "", "producerStartRate", 3},
		{"rate 0 with a backlog refused", "topics: 1\npartitionsPerTopic: 1\nproducersPerTopic: 1\nmessageSize: 10\ntestDurationMinutes: 1\nproducerRate: 0\nsubscriptionsPerTopic: 1\nconsumerPerSubscription: 1\nconsumerBacklogSizeGB: 1\n", "", "depends on the rate", 6},
		{"bad key distributor", "topics: 1\npartitionsPerTopic: 1\nproducersPerTopic: 1\nmessageSize: 10\nproducerRate: 5\ntestDurationMinutes: 1\nkeyDistributor: ZIPF\n", "", "NO_KEY", 7},
		{"no partitions", "topics: 1\nproducersPerTopic: 1\n", "", "partitionsPerTopic", 0},
		{"drain ratio", "topics: 1\npartitionsPerTopic: 1\nproducersPerTopic: 1\nmessageSize: 10\nproducerRate: 5\ntestDurationMinutes: 1\nbacklogDrainRatio: 0.9\n", "", "backlogDrainRatio", 7},
		{"driver bad property", okWorkload, "name: Kafka\nproducerConfig: |\n  acks=all\n  linger.ms=soon\n", "linger.ms", 4},
		{"driver unmodelled property", okWorkload, "name: Kafka\nconsumerConfig: |\n  client.rack=a\n", "client.rack", 3},
		{"driver not kafka", okWorkload, "name: Pulsar\ndriverClass: io.openmessaging.benchmark.driver.pulsar.PulsarBenchmarkDriver\n", "only the Kafka driver", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := dir + "/" + strings.ReplaceAll(tc.name, " ", "-") + ".yaml"
			writeFile(t, w, tc.workload)
			d := ""
			if tc.driver != "" {
				d = w + ".driver.yaml"
				writeFile(t, d, tc.driver)
			}
			_, err := LoadOMB(w, d, nil, nil)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("LoadOMB = %v; want an *InputError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q; want it to mention %q", err, tc.want)
			}
			if tc.line > 0 && ie.Line != tc.line {
				t.Errorf("error %q on line %d; want line %d", err, ie.Line, tc.line)
			}
		})
	}
}

const okWorkload = "topics: 1\npartitionsPerTopic: 1\nproducersPerTopic: 1\nmessageSize: 10\nproducerRate: 5\ntestDurationMinutes: 1\n"

// Every shipped workload loads and states where it comes from.
func TestShippedOMBFiles(t *testing.T) {
	for _, name := range OMBFiles() {
		data, err := ombFS.ReadFile("omb/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "# Source:") {
			t.Errorf("%s: no '# Source:' note", name)
		}
		if name == "kafka-driver" {
			continue
		}
		if _, err := LoadOMB(name, "kafka-driver", nil, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
