package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// producerRate 0 searches for the highest sustainable rate, as the
// benchmark does. With the broker's NIC in at 1 MB/s, RF 1 and 1,000 B
// messages, the wire carries at most 1e6 ÷ 1,000 = 1,000 messages/s; the
// record, batch and request headers (a few % at one small batch a
// request) and the rule that a resource 98% busy is saturated take a few
// % off, and the bisection stops within 2%: the answer lies between 900
// and 1,000/s, and the NIC is what gives out.
func TestOMBProducerRateZeroFindsTheMaximum(t *testing.T) {
	wl := filepath.Join(t.TempDir(), "max.yaml")
	os.WriteFile(wl, []byte("name: slow-nic\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 1000\nsubscriptionsPerTopic: 1\nconsumerPerSubscription: 1\nproducersPerTopic: 1\nproducerRate: 0\ntestDurationMinutes: 1\n"), 0o644)
	args := []string{"run", "--omb-workload", wl, "--set", "cluster.hardware.nic_in=1MB/s", "--set", "topics.*.replication_factor=1"}
	dir := filepath.Join(t.TempDir(), "review")
	code, out, errs := run(t, append(args, "-o", "json", "--out", dir)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var docs []struct {
		Rate   float64 `json:"max_sustainable_rate"`
		Search struct {
			FirstOut string  `json:"first_out"`
			FailsAt  float64 `json:"fails_at"`
		} `json:"search"`
	}
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Rate < 900 || docs[0].Rate > 1000 || docs[0].Search.FirstOut != "broker NIC ingress" {
		t.Fatalf("%+v; want 900 to 1,000/s, the NIC giving out", docs)
	}
	if omb, err := os.ReadFile(filepath.Join(dir, "omb-result.json")); err != nil || !strings.Contains(string(omb), `"publishRate"`) {
		t.Errorf("--out: the run at the maximum rate in the benchmark's format: %v", err)
	}
	code, out, _ = run(t, args...)
	if code != 0 || !strings.Contains(out, "Maximum sustainable rate:") || !strings.Contains(out, "broker NIC ingress gives out") {
		t.Errorf("text:\n%s", out)
	}
}
