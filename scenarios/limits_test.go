package scenarios

import (
	"strings"
	"testing"
)

// TestSizeWarnings: a message size that can reach max_request_size (1 MiB
// with the record's overhead) or the topic's max_message_bytes is a
// warning naming the file, line and field; a size well under both is not.
func TestSizeWarnings(t *testing.T) {
	const text = `name: w
duration: 1s
cluster: {brokers: 1}
topics:
  - name: t
    partitions: 1
    max_message_bytes: 10KB
producers:
  - name: big
    topic: t
    rate: 1/s
    message_size: 1MiB
  - name: mid
    topic: t
    rate: 1/s
    message_size: uniform(1KB, 20KB)
  - name: small
    topic: t
    rate: 1/s
    message_size: 500B
`
	ls, err := ParseScenario("w.yaml", []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := ls.Warnings()
	if len(ws) != 2 {
		t.Fatalf("warnings %v, want 2 (big over max_request_size, mid over max_message_bytes)", ws)
	}
	if s := ws[0].Error(); !strings.Contains(s, "w.yaml:12") || !strings.Contains(s, "producers[0].message_size") || !strings.Contains(s, "max_request_size") {
		t.Errorf("first warning %q: want w.yaml:12, producers[0].message_size, max_request_size", s)
	}
	if s := ws[1].Error(); !strings.Contains(s, "w.yaml:16") || !strings.Contains(s, "max_message_bytes") {
		t.Errorf("second warning %q: want w.yaml:16 and max_message_bytes", s)
	}
}
