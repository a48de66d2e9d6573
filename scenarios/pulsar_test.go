package scenarios

import (
	"strings"
	"testing"
)

// pulsarMinimal is a small valid Pulsar scenario; line numbers below count
// from its first line.
const pulsarMinimal = `name: p
system: pulsar
duration: 10s
topics:
  - name: orders
    partitions: 2
producers:
  - name: api
    topic: orders
    rate: 10/s
consumer_groups:
  - name: g
    topic: orders
    consumers: 2
pulsar:
  ensemble: 2
  subscriptions:
    - group: g
      type: shared
`

// Pulsar's documented defaults fill the section.
func TestPulsarScenarioResolves(t *testing.T) {
	ls, err := ParseScenario("p.yaml", []byte(pulsarMinimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := ls.Pulsar
	if p.Bookies != 3 || p.Ensemble != 2 || p.WriteQuorum != 2 || p.AckQuorum != 2 || p.RolloverEntries != 50_000 ||
		p.UnackedRangesToPersist != 10_000 || p.MaxUnackedPerConsumer != 50_000 || p.MaxUnackedPerSubscription != 200_000 {
		t.Errorf("defaults = %+v", p)
	}
	x := p.Subscriptions[0]
	if x.ReceiverQueue != 1000 || x.AckGroupTime != DefaultPulsarAckGroupTime || x.NegativeAckDelay != DefaultPulsarNegativeAckDelay ||
		x.AckTimeout != 0 || x.FailoverDelay != DefaultPulsarFailoverDelay || x.Ack != "individual" {
		t.Errorf("subscription defaults = %+v", x)
	}
}

// Bad Pulsar input names the file, the line and the field.
func TestPulsarBadInput(t *testing.T) {
	for _, c := range []struct {
		name, yaml  string
		line        int
		field, want string
	}{
		{"ack quorum above write quorum", strings.Replace(pulsarMinimal, "  ensemble: 2\n", "  ensemble: 2\n  ack_quorum: 3\n", 1), 17,
			"pulsar.ack_quorum", "1 to 2"},
		{"ensemble above bookies", strings.Replace(pulsarMinimal, "ensemble: 2", "ensemble: 5", 1), 16, "pulsar.ensemble", "1 to 3"},
		{"unknown subscription type", strings.Replace(pulsarMinimal, "type: shared", "type: sharded", 1), 19,
			"pulsar.subscriptions[0].type", "key_shared"},
		{"exclusive with two consumers", strings.Replace(pulsarMinimal, "type: shared", "type: exclusive", 1), 19,
			"pulsar.subscriptions[0].type", "ConsumerBusy"},
		{"cumulative on shared", strings.Replace(pulsarMinimal, "type: shared", "type: shared\n      ack: cumulative", 1), 20,
			"pulsar.subscriptions[0].ack", "cumulative acks are refused"},
		{"unknown group", strings.Replace(pulsarMinimal, "- group: g", "- group: h", 1), 18, "pulsar.subscriptions[0].group", "not a consumer group"},
		{"ack timeout under 1s", strings.Replace(pulsarMinimal, "type: shared", "type: shared\n      ack_timeout: 500ms", 1), 20,
			"pulsar.subscriptions[0].ack_timeout", "below 1s"},
		{"bad quota policy", pulsarMinimal + "  topics:\n    - {topic: orders, backlog_quota_size: 1MB, backlog_quota_policy: drop}\n", 21,
			"pulsar.topics[0].backlog_quota_policy", "consumer_backlog_eviction"},
		{"bookie out of range", pulsarMinimal + "  bookie_crashes:\n    - {bookie: 3, at: 1s}\n", 21,
			"pulsar.bookie_crashes[0].bookie", "0 to 2"},
		{"pulsar under kafka", strings.Replace(pulsarMinimal, "system: pulsar", "system: kafka", 1), 15, "pulsar", "set system: pulsar"},
		{"wan without regions", pulsarMinimal + "  wan_latency: 40ms\n", 20, "pulsar.wan_latency", "without pulsar.regions"},
		{"unknown region producer", pulsarMinimal + "  regions:\n    - {name: a, producers: [web]}\n    - {name: b}\n", 21,
			"pulsar.regions[0].producers[0]", "not a producer"},
		{"outage of an unknown region", pulsarMinimal + "  regions:\n    - {name: a}\n    - {name: b}\n  region_outages:\n    - {region: c, at: 1s}\n", 24,
			"pulsar.region_outages[0].region", "not a region"},
		{"fault not modelled", pulsarMinimal + "faults:\n  - {type: disk-slow, broker: 0, at: 1s, duration: 1s, slowdown: 2}\n", 21,
			"faults[0].type", "not modelled for Pulsar"},
	} {
		_, err := ParseScenario("p.yaml", []byte(c.yaml), nil)
		if !hasError(t, err, "p.yaml", c.line, c.field, c.want) {
			t.Errorf("%s: got %v, want p.yaml:%d %s containing %q", c.name, err, c.line, c.field, c.want)
		}
	}
}
