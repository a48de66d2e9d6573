package scenarios

import (
	"strings"
	"testing"
)

// add-partitions names a topic and a count, and lasts: bad specs are
// errors naming the field.
func TestAddPartitionsFaultErrors(t *testing.T) {
	const head = `name: f
duration: 30s
topics:
  - name: orders
    partitions: 2
producers:
  - name: p
    topic: orders
    rate: 100/s
consumer_groups:
  - name: g
    topic: orders
    metadata_max_age: %s
faults:
`
	ok := strings.Replace(head, "%s", "10s", 1)
	for _, tc := range []struct {
		head, fault string
		want        []string // in the error; none: valid
	}{
		{ok, "  - type: add-partitions\n    topic: orders\n    count: 2\n    at: 5s\n", nil},
		// Two additions to one topic do not contradict each other.
		{ok, "  - type: add-partitions\n    topic: orders\n    count: 2\n    at: 5s\n  - type: add-partitions\n    topic: orders\n    count: 1\n    at: 8s\n", nil},
		{ok, "  - type: add-partitions\n    count: 2\n    at: 5s\n", []string{"faults[0].topic", "missing"}},
		{ok, "  - type: add-partitions\n    topic: nope\n    count: 2\n    at: 5s\n", []string{"faults[0].topic", `no topic "nope"`}},
		{ok, "  - type: add-partitions\n    topic: orders\n    at: 5s\n", []string{"faults[0].count", "missing"}},
		{ok, "  - type: add-partitions\n    topic: orders\n    count: -1\n    at: 5s\n", []string{"faults[0].count", "1 or more"}},
		{ok, "  - type: add-partitions\n    topic: orders\n    count: 2\n    at: 5s\n    duration: 5s\n", []string{"faults[0].duration", "cannot be removed"}},
		{ok, "  - type: add-partitions\n    topic: orders\n    count: 2\n    broker: 1\n    at: 5s\n", []string{"faults[0].broker", "takes no"}},
		{ok, "  - type: broker-crash\n    broker: 0\n    topic: orders\n    at: 5s\n", []string{"faults[0].topic", "takes no"}},
		{ok, "  - type: slow-disk\n    broker: 0\n    slowdown: 2x\n    count: 3\n    at: 5s\n", []string{"faults[0].count", "takes no"}},
		{strings.Replace(head, "%s", "-1s", 1), "  - type: add-partitions\n    topic: orders\n    count: 2\n    at: 5s\n",
			[]string{"metadata_max_age", "negative"}},
	} {
		_, err := ParseScenario("f.yaml", []byte(tc.head+tc.fault), nil)
		if tc.want == nil {
			if err != nil {
				t.Errorf("fault %q: %v, want valid", tc.fault, err)
			}
			continue
		}
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
}
