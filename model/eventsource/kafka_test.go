package eventsource_test

import (
	"math"
	"testing"

	"mqsim/model"
	_ "mqsim/model/systems"
	"mqsim/scenarios"
)

// The rebuild simulator against the whole Kafka model: a projection's
// consumer stalled while the service writes 20 s of events at 1,000/s
// catches up on that backlog through the cluster model (fetch sessions,
// polls, its apply time), which is a replay from offset 0; the rebuild
// simulated on the same log must take the same time, and both must agree
// with events ÷ min(fetch rate, apply rate).
func TestRebuildAgreesWithTheKafkaConsumer(t *testing.T) {
	for _, tc := range []struct {
		name, sets string
		want       func(r model.ReplayResult) float64
	}{
		// Apply-bound: 20,000 events ÷ 2,000/s = 10 s.
		{"apply-bound", "", func(model.ReplayResult) float64 { return 20000.0 / 2000 }},
		// Fetch-bound: no apply time, the broker's NIC out at 1 MB/s: each
		// event is about 220 bytes on the log (200 declared and the
		// record's overhead), so about 4,500 events/s and about 4.5 s (the
		// closed form, from the bytes the rebuild read).
		{"fetch-bound", "nic", func(r model.ReplayResult) float64 { return float64(r.Bytes) / 1e6 }},
	} {
		t.Run(tc.name, func(t *testing.T) { checkCatchUp(t, tc.sets, tc.want) })
	}
}

func checkCatchUp(t *testing.T, variant string, wantOf func(model.ReplayResult) float64) {
	src := `name: catch-up
seed: 3
duration: 20s
sample_interval: 100ms
drain: 30s
cluster:
  brokers: 1
topics:
  - name: ev
    partitions: 1
    replication_factor: 1
producers:
  - topic: ev
    rate: 1K/s
    arrival: constant
    keys: uniform(100)
    message_size: 200B
consumer_groups:
  - name: view
    topic: ev
    processing: const(500us)
    commit: after
faults:
  - type: consumer-stall
    group: view
    consumer: 0
    at: 0s
    duration: 20s
event_sourcing:
  topic: ev
  projections:
    - name: view
      group: view
  replays:
    - projection: view
      from: start
`
	var sets []string
	if variant == "nic" {
		sets = []string{"cluster.hardware.nic_out=1MB/s", "consumer_groups.0.processing=0"}
	}
	ls, err := scenarios.ParseScenario("catch-up.yaml", []byte(src), sets)
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.Run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The Kafka consumer's catch-up: from the end of the stall to the
	// first sample with no lag.
	lag := res.Series.Column("lag/view")
	caughtUp := -1.0
	for i, v := range lag {
		if res.Series.Time[i] > 20 && v == 0 {
			caughtUp = res.Series.Time[i] - 20
			break
		}
	}
	if caughtUp < 0 {
		t.Fatalf("the stalled consumer never caught up (lag %v)", lag[len(lag)-1])
	}
	r := res.EventSourcing.Replays[0]
	if r.Events < 19990 || r.Events > 20000 || r.Events != res.Produced || !r.Matches {
		t.Fatalf("replayed %d events of %d produced (fold matches: %v), want all, about 20,000", r.Events, res.Produced, r.Matches)
	}
	t.Logf("Kafka consumer catch-up %.3fs, simulated rebuild %.3fs, formula %.3fs", caughtUp, r.Seconds, r.Formula)
	want := wantOf(r)
	for _, got := range []struct {
		what string
		v    float64
	}{{"Kafka consumer catch-up", caughtUp}, {"simulated rebuild", r.Seconds}, {"formula", r.Formula}} {
		if math.Abs(got.v/want-1) > 0.03 {
			t.Errorf("%s: %.3fs, want %.3fs (±3%%)", got.what, got.v, want)
		}
	}
}
