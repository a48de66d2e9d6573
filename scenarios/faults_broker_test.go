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

// Broker heartbeats must come more often than the session they keep alive:
// an interval at or above broker_session_timeout (given or defaulted) is
// refused naming the file, the line and the field; a negative one too.
func TestBrokerHeartbeatIntervalErrors(t *testing.T) {
	const head = `name: f
duration: 30s
cluster:
  brokers: 3
`
	const tail = `topics:
  - name: orders
    partitions: 2
producers:
  - name: p
    topic: orders
    rate: 100/s
`
	for _, tc := range []struct {
		cluster string
		want    []string
	}{
		{"  broker_heartbeat_interval: 9s\n", []string{"f.yaml:5", "cluster.broker_heartbeat_interval", "below broker_session_timeout 9s"}},
		{"  broker_session_timeout: 3s\n  broker_heartbeat_interval: 4s\n", []string{"f.yaml:6", "cluster.broker_heartbeat_interval", "below broker_session_timeout 3s"}},
		{"  broker_session_timeout: 1s\n", []string{"cluster.broker_heartbeat_interval", "2s must be below broker_session_timeout 1s"}},
		{"  broker_heartbeat_interval: -1s\n", []string{"f.yaml:5", "cluster.broker_heartbeat_interval", "negative"}},
	} {
		_, err := ParseScenario("f.yaml", []byte(head+tc.cluster+tail), nil)
		if err == nil {
			t.Errorf("%q: no error", tc.cluster)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q does not mention %q", tc.cluster, err, w)
			}
		}
	}
	for _, ok := range []string{"  broker_heartbeat_interval: 3s\n", "  broker_session_timeout: 18s\n  broker_heartbeat_interval: 10s\n"} {
		if _, err := ParseScenario("f.yaml", []byte(head+ok+tail), nil); err != nil {
			t.Errorf("%q: %v, want it accepted", ok, err)
		}
	}
}
