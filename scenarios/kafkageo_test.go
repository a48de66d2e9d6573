package scenarios

import (
	"strings"
	"testing"
)

const geoBase = `name: t
duration: 10s
SYSTEM
topics:
  - {name: orders, partitions: 2}
producers:
  - {name: api, topic: orders, rate: 10/s}
  - {name: noisy, topic: orders, rate: 10/s}
consumer_groups:
  - {name: us, topic: orders}
  - {name: eu, topic: orders}
SECTION
`

// Bad quotas: and mirror: settings are named with file, line and field.
func TestKafkaGeoValidation(t *testing.T) {
	for _, c := range []struct{ system, section, want string }{
		{"", "quotas:\n  clients:\n    - {client_id: nosuch, producer_byte_rate: 1MB}", "t.yaml:14: quotas.clients[0].client_id"},
		{"", "quotas:\n  clients:\n    - {client_id: noisy}", "t.yaml:14: quotas.clients[0].producer_byte_rate: none of"},
		{"", "quotas:\n  window_num: 1\n  clients:\n    - {client_id: noisy, producer_byte_rate: 1MB}", "t.yaml:13: quotas.window_num"},
		{"", "mirror:\n  regions:\n    - {name: a}", "mirror.regions: 1 regions"},
		{"", "mirror:\n  regions:\n    - {name: a, groups: [us]}\n    - {name: b, groups: [eu]}\n  region_outages:\n    - {region: c, at: 5s}", "t.yaml:17: mirror.region_outages[0].region"},
		{"", "mirror:\n  regions:\n    - {name: a, producers: [api]}\n    - {name: b, producers: [noisy]}", "producers in two regions"},
		{"", "mirror:\n  regions:\n    - {name: a, groups: [us, eu]}\n    - {name: b, groups: [eu]}", "eu is in 2 regions"},
		{"", "quotas:\n  clients:\n    - {client_id: us, producer_byte_rate: 1MB}", "t.yaml:14: quotas.clients[0].producer_byte_rate: want a rate of 0 or more for a producer's"},
		{"", "quotas:\n  clients:\n    - {client_id: noisy, consumer_byte_rate: 1MB}", "t.yaml:14: quotas.clients[0].consumer_byte_rate"},
		{"system: sqs", "quotas:\n  clients:\n    - {client_id: noisy, producer_byte_rate: 1MB}", "quotas: a Kafka section under system: sqs"},
	} {
		text := strings.Replace(strings.Replace(geoBase, "SYSTEM", c.system, 1), "SECTION", c.section, 1)
		_, err := ParseScenario("t.yaml", []byte(text), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.section, err, c.want)
		}
	}
	// Defaults: Kafka's quota window, MirrorMaker 2's checkpoint interval
	// and separator; a compared file's pulsar regions become the mirror's.
	text := strings.Replace(strings.Replace(geoBase, "SYSTEM", "", 1), "SECTION",
		"quotas:\n  clients:\n    - {client_id: noisy, producer_byte_rate: 1MB}", 1)
	ls, err := ParseScenario("t.yaml", []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	if q := ls.Scenario.Quotas; q.WindowNum != 11 || q.WindowSize != DefaultQuotaWindowSize {
		t.Errorf("quota window %d × %v, want 11 × 1s", q.WindowNum, q.WindowSize)
	}
	ls, err = LoadScenario("geo-replication-region-loss", []string{"system=kafka"})
	if err != nil {
		t.Fatal(err)
	}
	m := ls.Scenario.Mirror
	if len(m.Regions) != 2 || m.WANLatency != 40*1e6 || len(m.RegionOutages) != 1 || m.OffsetLagMax != 100 || m.Separator != "." ||
		m.RemoteTopic("us-east", "orders") != "us-east.orders" {
		t.Errorf("mirror from the pulsar regions: %+v", m)
	}
}

// Compared with another system, quotas: and mirror: are listed as not
// applied on its run, never dropped without a word.
func TestKafkaGeoNotAppliedElsewhere(t *testing.T) {
	ls, err := LoadScenario("noisy-tenant", nil) // compare: [pulsar, kafka], run as pulsar
	if err != nil {
		t.Fatal(err)
	}
	na := strings.Join(ls.Scenario.NotApplied(), "\n")
	if !strings.Contains(na, "quotas={…} (the section is Kafka's client quotas; this run is pulsar)") {
		t.Errorf("not applied under pulsar:\n%s", na)
	}
	ls, err = LoadScenario("noisy-tenant", []string{"system=kafka"})
	if err != nil {
		t.Fatal(err)
	}
	if na := strings.Join(ls.Scenario.NotApplied(), "\n"); strings.Contains(na, "quotas=") {
		t.Errorf("quotas listed as not applied on kafka:\n%s", na)
	}
}
