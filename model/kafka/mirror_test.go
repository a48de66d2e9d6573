package kafka

import (
	"encoding/json"
	"strings"
	"testing"

	"mqsim/scenarios"
)

// MirrorMaker 2's translation: the latest offset sync at or below the
// committed offset; its downstream offset, plus one unless exact.
func TestMirrorTranslate(t *testing.T) {
	mt := &mirrorTask{parts: []mirrorPart{{syncs: []offsetSync{{10, 0}, {110, 100}, {210, 205}}}}}
	for _, c := range []struct{ up, want int64 }{
		{5, -1}, // before the first sync: nothing to translate
		{10, 0}, {60, 1}, {110, 100}, {150, 101}, {210, 205}, {999, 206},
	} {
		if got := mt.translate(0, c.up); got != c.want {
			t.Errorf("translate(%d) = %d, want %d", c.up, got, c.want)
		}
	}
}

const geoYAML = `
name: geo
seed: 1
duration: 10s
warmup: 2s
drain: 10s
cluster:
  brokers: 2
topics:
  - {name: orders, partitions: 2}
producers:
  - {name: api, topic: orders, rate: 2000/s, keys: uniform(500), message_size: 1KB}
consumer_groups:
  - {name: billing-us, topic: orders, processing: exp(100us)}
  - {name: billing-eu, topic: orders, processing: exp(100us)}
mirror:
  regions:
    - {name: us-east, producers: [api], groups: [billing-us]}
    - {name: eu-west, groups: [billing-eu]}
  wan_latency: 40ms
  emit_checkpoints_interval: 7s
`

// Without an outage the replicator copies everything once: eu-west
// processes every message us-east acknowledged, nothing is lost.
func TestMirrorCopiesEverything(t *testing.T) {
	r := mustRun(t, loadYAML(t, geoYAML))
	eu := groupOf(t, r, "billing-eu")
	if r.Lost != 0 || r.GeoUnreplicated != 0 || eu.Processed != r.Acked || r.MirrorRecords != r.Acked || eu.Topic != "us-east.orders" {
		t.Errorf("lost %d, unreplicated %d, eu processed %d of %s, mirrored %d of %d acked: want 0, 0, all of us-east.orders, all",
			r.Lost, r.GeoUnreplicated, eu.Processed, eu.Topic, r.MirrorRecords, r.Acked)
	}
	if len(r.Regions) != 2 || len(r.Brokers) != 4 {
		t.Errorf("%d regions, %d brokers: want 2 and 4", len(r.Regions), len(r.Brokers))
	}
}

// geo-replication-region-loss on Kafka, by hand. One request in flight
// per partition: a record waits for the request before it to come back —
// a WAN round trip 2 × 40.2 ms plus the write in eu-west (~2 ms), ~83 ms,
// so ~41 ms on average — then crosses (40.2 ms) and is written (~2 ms),
// after its ~4 ms acknowledgement in us-east and a local fetch. Mean lag
// ≈ 4 + 41 + 42 ≈ 87 ms; the longest ≈ 6 + 83 + 42 ≈ 131 ms. At the loss
// the records fetched but not yet sent — 2,000/s × ~41 ms ≈ 83 — never
// reach eu-west (a request already on the WAN still lands).
func TestMirrorRegionLoss(t *testing.T) {
	ls, err := scenarios.LoadScenario("geo-replication-region-loss", []string{"system=kafka"})
	if err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, &ls.Scenario)
	if r.MeanReplicationLag < 0.070 || r.MeanReplicationLag > 0.100 {
		t.Errorf("mean replication lag %.1f ms: want 70–100 (≈ 87 by hand)", r.MeanReplicationLag*1e3)
	}
	if r.MaxReplicationLag < 0.110 || r.MaxReplicationLag > 0.140 {
		t.Errorf("max replication lag %.1f ms: want 110–140 (≈ 131 by hand)", r.MaxReplicationLag*1e3)
	}
	eu, us := groupOf(t, r, "billing-eu"), groupOf(t, r, "billing-us")
	if eu.Lost != r.GeoUnreplicated || us.Lost != 0 {
		t.Errorf("eu-west lost %d, unreplicated %d, us-east lost %d: want eu = unreplicated, us 0", eu.Lost, r.GeoUnreplicated, us.Lost)
	}
	if r.GeoUnreplicated < 40 || r.GeoUnreplicated > 170 {
		t.Errorf("unreplicated %d: want ≈ 2,000/s × 41 ms ≈ 83 (40–170)", r.GeoUnreplicated)
	}
	// Checkpoints at 7 s and 14 s (2 partitions each); the one at 14 s
	// holds what billing-us auto-committed (every 5 s) at 10 s, so a
	// failover at 20 s processes 2,000/s × (20 − 10) s ≈ 20,000 again.
	if r.MirrorCheckpoints != 4 {
		t.Errorf("checkpoints %d: want 4", r.MirrorCheckpoints)
	}
	if r.FailoverReprocessed < 16_000 || r.FailoverReprocessed > 22_000 {
		t.Errorf("failover reprocesses %d: want ≈ 20,000", r.FailoverReprocessed)
	}
}

// A run across regions is as deterministic as any: same seed, same JSON.
func TestMirrorDeterministic(t *testing.T) {
	a, _ := json.Marshal(mustRun(t, loadYAML(t, geoYAML, "duration=4s")))
	b, _ := json.Marshal(mustRun(t, loadYAML(t, geoYAML, "duration=4s")))
	if string(a) != string(b) {
		t.Error("two runs of one multi-region scenario and seed differ")
	}
}

// A target region dark for 2 s: its requests in flight go unanswered until
// request.timeout (30 s) and are sent again; the replicator's backlog grows past
// one request (1 MB here is ~1,000 records) and goes in requests of at
// most max.message.bytes once the target is back, instead of one batch
// the log refuses.
func TestMirrorTargetOutage(t *testing.T) {
	text := strings.Replace(geoYAML, "  emit_checkpoints_interval: 7s\n",
		"  emit_checkpoints_interval: 7s\n  region_outages:\n    - {region: eu-west, at: 4s, duration: 2s}\n", 1)
	r := mustRun(t, loadYAML(t, text, "duration=8s", "drain=40s"))
	if r.MirrorRecords == 0 || r.MaxReplicationLag < 2 {
		t.Errorf("mirrored %d records, max lag %.1f s: want some, and a lag of at least the 2 s outage", r.MirrorRecords, r.MaxReplicationLag)
	}
}
