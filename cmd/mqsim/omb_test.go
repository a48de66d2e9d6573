package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
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
