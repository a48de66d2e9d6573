package scenarios

import (
	"strings"
	"testing"
)

// Bad broker fault specs are errors naming the file, the line of the
// offending field, and the field.
func TestBrokerFaultErrors(t *testing.T) {
	const head = `name: f
duration: 30s
cluster:
  brokers: 3
topics:
  - name: orders
    partitions: 2
producers:
  - name: p
    topic: orders
    rate: 100/s
faults:
`
	for _, tc := range []struct {
		fault string
		want  []string // in the error: file:line and words
	}{
		{"  - type: broker-crash\n    broker: 7\n    at: 5s\n", []string{"f.yaml:14", "faults[0].broker", "no broker 7"}},
		{"  - type: broker-crash\n    broker: 1\n    at: 45s\n", []string{"f.yaml:15", "faults[0].at", "not before the end"}},
		{"  - type: broker-crash\n    broker: 1\n    at: 5s\n    duration: -2s\n", []string{"f.yaml:16", "faults[0].duration", "negative"}},
		{"  - type: broker-crash\n    broker: 1\n    at: 5s\n    duration: 10s\n  - type: broker-crash\n    broker: 1\n    at: 8s\n",
			[]string{"f.yaml:19", "faults[1].at", "overlaps faults[0]"}},
		{"  - type: broker-crash\n    leader: orders/5\n    at: 5s\n", []string{"faults[0].leader", "2 partitions"}},
		{"  - type: network-partition\n    broker: 0\n    at: 5s\n", []string{"faults[0].from", "missing"}},
		{"  - type: network-partition\n    broker: 0\n    at: 5s\n    from: [moon]\n", []string{"faults[0].from[0]", "moon"}},
		{"  - type: slow-disk\n    broker: 0\n    at: 5s\n    slowdown: 0.5x\n", []string{"faults[0].slowdown", "at least 1x"}},
		{"  - type: lost-response\n    broker: 0\n    at: 5s\n    share: 150%\n", []string{"faults[0].share", "more than 100%"}},
		{"  - type: controller-failover\n    at: 5s\n", []string{"faults[0].duration", "missing"}},
		{"  - type: broker-shutdown\n    broker: 0\n    at: 5s\n    lose_page_cache: true\n", []string{"faults[0].lose_page_cache", "takes no"}},
	} {
		_, err := ParseScenario("f.yaml", []byte(head+tc.fault), nil)
		if err == nil {
			t.Errorf("fault %q: no error", tc.fault)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("fault %q: error %q does not mention %q", tc.fault, err, w)
			}
		}
	}
	// truncation takes two values.
	_, err := ParseScenario("f.yaml", []byte(strings.Replace(head, "  brokers: 3\n", "  brokers: 3\n  truncation: hw\n", 1)+
		"  - type: broker-crash\n    broker: 0\n    at: 5s\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "cluster.truncation") {
		t.Errorf("truncation: hw: error %v, want one naming cluster.truncation", err)
	}
}
