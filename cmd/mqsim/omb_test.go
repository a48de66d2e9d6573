package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mqsim/scenarios"
)

// The benchmark's result fields, written here from its result format.
var ombResultFields = []string{"workload", "driver", "messageSize", "topics", "partitions", "producersPerTopic", "consumersPerTopic",
	"publishRate", "publishErrorRate", "consumeRate", "backlog",
	"publishLatencyAvg", "publishLatency50pct", "publishLatency75pct", "publishLatency95pct", "publishLatency99pct",
	"publishLatency999pct", "publishLatency9999pct", "publishLatency99999pct", "publishLatencyMax",
	"publishDelayLatencyAvg", "publishDelayLatency50pct", "publishDelayLatency75pct", "publishDelayLatency95pct",
	"publishDelayLatency99pct", "publishDelayLatency999pct", "publishDelayLatency9999pct", "publishDelayLatency99999pct", "publishDelayLatencyMax",
	"aggregatedPublishLatencyAvg", "aggregatedPublishLatency50pct", "aggregatedPublishLatency75pct", "aggregatedPublishLatency95pct",
	"aggregatedPublishLatency99pct", "aggregatedPublishLatency999pct", "aggregatedPublishLatency9999pct", "aggregatedPublishLatency99999pct",
	"aggregatedPublishLatencyMax",
	"aggregatedPublishDelayLatencyAvg", "aggregatedPublishDelayLatency50pct", "aggregatedPublishDelayLatency75pct",
	"aggregatedPublishDelayLatency95pct", "aggregatedPublishDelayLatency99pct", "aggregatedPublishDelayLatency999pct",
	"aggregatedPublishDelayLatency9999pct", "aggregatedPublishDelayLatency99999pct", "aggregatedPublishDelayLatencyMax",
	"aggregatedPublishLatencyQuantiles", "aggregatedPublishDelayLatencyQuantiles",
	"endToEndLatencyAvg", "endToEndLatency50pct", "endToEndLatency75pct", "endToEndLatency95pct", "endToEndLatency99pct",
	"endToEndLatency999pct", "endToEndLatency9999pct", "endToEndLatency99999pct", "endToEndLatencyMax",
	"aggregatedEndToEndLatencyQuantiles",
	"aggregatedEndToEndLatencyAvg", "aggregatedEndToEndLatency50pct", "aggregatedEndToEndLatency75pct", "aggregatedEndToEndLatency95pct",
	"aggregatedEndToEndLatency99pct", "aggregatedEndToEndLatency999pct", "aggregatedEndToEndLatency9999pct",
	"aggregatedEndToEndLatency99999pct", "aggregatedEndToEndLatencyMax"}

func TestRunOMBWorkloadOutputOMB(t *testing.T) {
	code, out, errs := run(t, "run", "--omb-workload", "testdata/omb/small.yaml", "--duration", "5s", "-o", "omb")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range ombResultFields {
		if _, ok := doc[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	if len(doc) != len(ombResultFields) {
		t.Errorf("%d fields, want the benchmark's %d", len(doc), len(ombResultFields))
	}
	var r struct {
		MessageSize int64     `json:"messageSize"`
		Partitions  int       `json:"partitions"`
		PublishRate []float64 `json:"publishRate"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.MessageSize != 200 || r.Partitions != 4 {
		t.Errorf("messageSize %d partitions %d; want 200 and 4 from the workload", r.MessageSize, r.Partitions)
	}
	// The producer sends evenly spaced messages at 1000/s, acknowledged a
	// batch at a time: a batch lingers up to 5 ms (the default linger), 5
	// messages at this rate, so a sample boundary can move up to 5 acks
	// between neighbouring seconds.
	for i, v := range r.PublishRate[1:5] {
		if v < 995 || v > 1005 {
			t.Errorf("publishRate[%d] = %v; want 1000 ± 5", i+1, v)
		}
	}
	// Quantile keys ascend numerically from 0 to 100, as the benchmark's
	// sorted map does.
	dec := json.NewDecoder(strings.NewReader(string(doc["aggregatedEndToEndLatencyQuantiles"])))
	var keys []float64
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if k, ok := tok.(string); ok {
			f, err := strconv.ParseFloat(k, 64)
			if err != nil || !strings.Contains(k, ".") {
				t.Errorf("quantile key %q: want a percentage written with a decimal point", k)
			}
			keys = append(keys, f)
		}
	}
	if len(keys) < 2 || keys[0] != 0 || keys[len(keys)-1] != 100 || !slices.IsSorted(keys) {
		t.Errorf("quantile keys %v: want ascending from 0 to 100", keys)
	}
}

// A measured benchmark result and a simulated run in one table.
func TestCompareOMBResultAndSimulatedRun(t *testing.T) {
	dir := t.TempDir()
	sim := filepath.Join(dir, "simulated")
	if code, _, errs := run(t, "run", "--omb-workload", "testdata/omb/small.yaml", "--duration", "3s", "--out", sim); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(sim, "omb-result.json")); err != nil {
		t.Errorf("the review has no omb-result.json: %v", err)
	}
	code, out, errs := run(t, "compare", "testdata/omb/measured-result.json", sim)
	if code != 0 {
		t.Fatalf("compare: exit %d: %s", code, errs)
	}
	// The measured column: throughput in is the mean of 1000, 2000, 3000;
	// max lag the backlog's peak, 40; its delivery counts are not measured.
	for _, want := range []string{"measured-result", "simulated", "2K", "40", "–"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
	// The simulated run's own omb-result.json compares too.
	if code, _, errs := run(t, "compare", "testdata/omb/measured-result.json", filepath.Join(sim, "omb-result.json")); code != 0 {
		t.Errorf("compare with a written omb-result.json: exit %d: %s", code, errs)
	}
}

func TestRunKafkaConfigs(t *testing.T) {
	code, out, errs := run(t, "run", "baseline", "--duration", "1s", "--producer-config", "testdata/omb/producer.properties", "-o", "json")
	if code != 0 && code != exitCheck {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "producer.properties:2: bootstrap.servers ignored") {
		t.Errorf("stderr does not note the ignored address: %s", errs)
	}
	if !strings.Contains(out, `"scenario"`) {
		t.Errorf("no results: %s", out)
	}
	code, out, errs = run(t, "run", "baseline", "--duration", "1s", "--producer-config", "testdata/omb/producer.properties")
	if !strings.Contains(out, "acks=1") || !strings.Contains(out, "--producer-config testdata/omb/producer.properties") {
		t.Errorf("exit %d: the setup does not show acks=1 from the file, or the reproduce line lacks the flag:\n%s\n%s", code, out, errs)
	}
}

func TestRunOMBBadInput(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "w.yaml")
	os.WriteFile(unknown, []byte("name: x\ntopics: 1\npartitionsPerTopic: 1\nproducerIncrementRate: 5\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--omb-workload", unknown}, unknown + ":4"},
		{[]string{"run", "--omb-workload", unknown, "baseline"}, "not both"},
		{[]string{"run", "--omb-driver", "kafka-driver"}, "needs --omb-workload"},
		{[]string{"run", "--producer-config", "testdata/omb/bad.properties"}, "bad.properties:4: max.poll.records: not a producer setting"},
		{[]string{"run", "--consumer-config", "testdata/omb/no-such.properties"}, "no-such.properties"},
	} {
		code, _, errs := run(t, c.args...)
		if code != exitBadInput || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// The imported skeleton, once given a load, is a valid scenario whose
// topics and groups are those of the describe output.
func TestImportKafkaTopicsAndGroups(t *testing.T) {
	code, out, errs := run(t, "import", "kafka-topics", "testdata/import/topics.txt", "--groups", "testdata/import/groups.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	load := "producers:\n  - name: p\n    topic: orders\n    rate: 100/s\n"
	ls, err := scenarios.ParseScenario("imported.yaml", []byte(out+load), nil)
	if err != nil {
		t.Fatalf("the skeleton with a load does not validate: %v\n%s", err, out)
	}
	s := ls.Scenario
	// topics.txt: orders 3 partitions RF 3 with min.insync.replicas=2 and
	// retention.ms=86400000 (1 day); audit 1 partition RF 2. groups.txt
	// adds events, read by archiver up to partition 3: at least 4.
	want := []struct {
		name           string
		partitions, rf int
	}{{"orders", 3, 3}, {"audit", 1, 2}, {"events", 4, 3}}
	if len(s.Topics) != len(want) {
		t.Fatalf("topics %+v", s.Topics)
	}
	for i, w := range want {
		if tp := s.Topics[i]; tp.Name != w.name || tp.Partitions != w.partitions || tp.ReplicationFactor != w.rf {
			t.Errorf("topics[%d] = %s %d partitions RF %d; want %s %d RF %d", i, tp.Name, tp.Partitions, tp.ReplicationFactor, w.name, w.partitions, w.rf)
		}
	}
	if s.Topics[0].MinInsyncReplicas != 2 || s.Topics[0].Retention != 24*3600*1e9 {
		t.Errorf("orders min ISR %d retention %v; want 2 and 1 day", s.Topics[0].MinInsyncReplicas, s.Topics[0].Retention)
	}
	// Brokers 1, 2 and 3 hold replicas: 3 brokers.
	if s.Cluster.Brokers != 3 {
		t.Errorf("brokers %d, want 3", s.Cluster.Brokers)
	}
	// billing: two distinct consumer ids; archiver: none active, 1 assumed.
	if len(s.ConsumerGroups) != 2 || s.ConsumerGroups[0].Consumers != 2 || s.ConsumerGroups[1].Consumers != 1 {
		t.Errorf("groups %+v", s.ConsumerGroups)
	}
	// Lag 50+120+10 = 180 for billing; the ISR of orders/1 is short.
	for _, note := range []string{"lag 180 over 3 partitions, most on partition 1 (120)", "partition 1: ISR 2,1 of replicas 2,3,1", "not modelled: cleanup.policy=delete"} {
		if !strings.Contains(out, note) {
			t.Errorf("skeleton lacks the note %q:\n%s", note, out)
		}
	}
	// Without a load it is not yet a scenario to run.
	if code, _, errs := run(t, "validate", writeTemp(t, "skeleton.yaml", out)); code != exitBadInput {
		t.Errorf("validate without a load: exit %d, want 2 (%s)", code, errs)
	}
}

func TestImportBadInput(t *testing.T) {
	topics := writeTemp(t, "topics.txt", "Topic: a\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: \n\tTopic: a\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\n\tTopic: a\tPartition: x\tLeader: 0\tReplicas: 0\tIsr: 0\n")
	groups := writeTemp(t, "groups.txt", "GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID\ng t 0 1 2 1 c h id\ng t 1 1 2\n")
	members := writeTemp(t, "members.txt", "GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS\ng c h id 2\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "kafka-topics", topics}, topics + ":3: Partition: \"x\" is not a count"},
		{[]string{"import", "consumer-groups", groups}, groups + ":3: 5 columns, the header has 9"},
		{[]string{"import", "consumer-groups", members}, members + ":1: header has no TOPIC column"},
		{[]string{"import", "kafka-topics", "testdata/import/groups.txt"}, "groups.txt:2: not a line of kafka-topics --describe output"},
	} {
		code, _, errs := run(t, c.args...)
		if code != exitBadInput || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A trace replays as a Poisson process whose rate follows the series.
func TestRunTraceArrival(t *testing.T) {
	code, out, errs := run(t, "run", "testdata/trace/replay.yaml", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Produced int64 `json:"produced"`
		Series   struct {
			Columns []struct {
				Name   string    `json:"name"`
				Values []float64 `json:"values"`
			} `json:"columns"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// 2 × (100 → 300 → 100 msg/s over 20 s) = 2 × 4000 messages: a Poisson
	// count with mean 8000 and standard deviation √8000 ≈ 89; 4σ ≈ 360.
	if d := doc.Produced - 8000; d < -360 || d > 360 {
		t.Errorf("produced %d; want 8000 ± 360", doc.Produced)
	}
	// The middle 4 s (8–12 s: rate 2 × 260…300) against the first 4 s
	// (0–4 s: 2 × 100…180): about 2300 against 1100 messages.
	for _, c := range doc.Series.Columns {
		if c.Name != "produced_per_s" || len(c.Values) < 13 {
			continue
		}
		early, mid := 0.0, 0.0
		for i := 1; i <= 4; i++ {
			early += c.Values[i]
			mid += c.Values[i+8]
		}
		if mid < 1.6*early {
			t.Errorf("the peak of the series does not show: %v in 8–12 s against %v in 0–4 s", mid, early)
		}
	}
}
