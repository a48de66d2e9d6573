package pulsar

import (
	"mqsim/model/fieldeffect"
	"reflect"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the pulsar: section is implemented or refused: for each
// field (found by reflection, so a new one cannot be forgotten) a pair of
// runs — a built-in scenario, and the same with one --set — give
// different results, or the field is descriptive, or it is listed with the
// behaviour test that shows it.

var (
	pbBase = fieldeffect.On("pulsar-baseline", "duration=5s", "warmup=1s")
	pbBook = fieldeffect.On("pulsar-bookie-failure", "duration=20s", "pulsar.bookie_crashes.0.at=3s", "pulsar.add_entry_timeout=3s")
	// pbHeal: the lost bookie's session expires within the run, so
	// auto-recovery copies its fragments.
	pbHeal   = fieldeffect.On("pulsar-bookie-failure", "duration=20s", "pulsar.bookie_crashes.0.at=3s", "pulsar.add_entry_timeout=3s", "pulsar.session_timeout=2s")
	pbBroker = fieldeffect.On("pulsar-broker-failure", "duration=25s", "faults.0.at=3s", "faults.0.duration=3s", "pulsar.session_timeout=5s")
	pbHoles  = fieldeffect.On("pulsar-broker-failure", "duration=25s", "faults.0.at=3s", "faults.0.duration=3s", "pulsar.session_timeout=5s",
		"consumer_groups.0.failures.poison_share=5%", "consumer_groups.0.failures.policy=retry", "pulsar.subscriptions.0.on_failure=ignore")
	pbStuck = fieldeffect.On("pulsar-baseline", "duration=5s", "warmup=1s", "consumer_groups.0.failures.poison_share=5%",
		"consumer_groups.0.failures.policy=retry", "pulsar.subscriptions.0.on_failure=ignore")
	pbKS    = fieldeffect.On("pulsar-key-shared-stall", "duration=30s")
	pbGeo   = fieldeffect.On("geo-replication-region-loss", "pulsar.session_timeout=3s")
	pbNack  = fieldeffect.On("pulsar-key-shared-stall", "duration=20s", "pulsar.subscriptions.0.on_failure=nack", "pulsar.subscriptions.0.negative_ack_delay=2s")
	pbQuota = fieldeffect.On("pulsar-backlog-quota", "duration=20s")
	pbTier  = fieldeffect.On("pulsar-tiered-replay", "duration=20s", "pulsar.subscriptions.0.subscribe_at=15s")
	pbRet   = fieldeffect.On("pulsar-tiered-replay", "duration=20s", "pulsar.subscriptions.0.subscribe_at=15s",
		"pulsar.topics.0.retention_infinite=false", "pulsar.topics.0.offload_threshold=0B")
)

var pulsarEffects = map[string]fieldeffect.Pair{
	"pulsar.bookies":                           pbBase.With("pulsar.bookies=4"),
	"pulsar.ensemble":                          pbBase.With("pulsar.ensemble=3"),
	"pulsar.write_quorum":                      pbBook.With("pulsar.write_quorum=2"),
	"pulsar.ack_quorum":                        pbBase.With("pulsar.ack_quorum=1"),
	"pulsar.bundles":                           pbBase.With("pulsar.bundles=1"),
	"pulsar.session_timeout":                   pbBroker.With("pulsar.session_timeout=10s"),
	"pulsar.add_entry_timeout":                 pbBook.With("pulsar.add_entry_timeout=10s"),
	"pulsar.auto_recovery":                     pbHeal.With("pulsar.auto_recovery=disabled"),
	"pulsar.metadata_nodes":                    pbBroker.With("pulsar.metadata_nodes=1"),
	"pulsar.lost_bookie_recovery_delay":        pbHeal.With("pulsar.lost_bookie_recovery_delay=1h"),
	"pulsar.rollover_entries":                  pbTier.With("pulsar.rollover_entries=500"),
	"pulsar.rollover_min_time":                 pbTier.With("pulsar.rollover_min_time=5s"),
	"pulsar.rollover_max_time":                 pbTier.With("pulsar.rollover_max_time=2s"),
	"pulsar.rollover_bytes":                    pbTier.With("pulsar.rollover_bytes=1MB"),
	"pulsar.batching_max_delay":                pbBase.With("pulsar.batching_max_delay=5ms"),
	"pulsar.batching_max_messages":             pbBase.With("pulsar.batching_max_messages=1"),
	"pulsar.batching_max_bytes":                pbBase.With("pulsar.batching_max_bytes=1KB"),
	"pulsar.send_timeout":                      pbBroker.With("pulsar.send_timeout=4s"),
	"pulsar.cache_eviction":                    pbQuota.With("pulsar.cache_eviction=1h"),
	"pulsar.mark_delete_interval":              pbBroker.With("pulsar.mark_delete_interval=100ms"),
	"pulsar.unacked_ranges_to_persist":         pbHoles.With("pulsar.unacked_ranges_to_persist=1"),
	"pulsar.max_unacked_per_consumer":          pbKS.With("pulsar.max_unacked_per_consumer=10"),
	"pulsar.max_unacked_per_subscription":      pbKS.With("pulsar.max_unacked_per_subscription=10"),
	"pulsar.dispatch_batch":                    pbTier.With("pulsar.dispatch_batch=10"),
	"pulsar.key_shared_lookahead":              pbKS.With("pulsar.key_shared_lookahead=100"),
	"pulsar.backlog_quota_check":               pbQuota.With("pulsar.backlog_quota_check=1s"),
	"pulsar.object_store_latency":              pbTier.With("pulsar.object_store_latency=10ms"),
	"pulsar.object_store_bandwidth":            pbTier.With("pulsar.object_store_bandwidth=1MB"),
	"pulsar.subscriptions.type":                pbBase.With("pulsar.subscriptions.0.type=shared"),
	"pulsar.subscriptions.ack":                 pbStuck.With("pulsar.subscriptions.0.ack=cumulative"),
	"pulsar.subscriptions.ack_group_time":      pbBroker.With("pulsar.subscriptions.0.ack_group_time=1s"),
	"pulsar.subscriptions.receiver_queue":      pbBase.With("pulsar.subscriptions.0.receiver_queue=10"),
	"pulsar.subscriptions.negative_ack_delay":  pbNack.With("pulsar.subscriptions.0.negative_ack_delay=5s"),
	"pulsar.subscriptions.ack_timeout":         pbKS.With("pulsar.subscriptions.0.ack_timeout=5s"),
	"pulsar.subscriptions.on_failure":          pbKS.With("pulsar.subscriptions.0.on_failure=nack"),
	"pulsar.subscriptions.max_redeliver_count": pbNack.With("pulsar.subscriptions.0.max_redeliver_count=2"),
	"pulsar.subscriptions.subscribe_at":        pbTier.With("pulsar.subscriptions.0.subscribe_at=10s"),
	"pulsar.subscriptions.initial_position":    pbTier.With("pulsar.subscriptions.0.initial_position=latest"),
	"pulsar.topics.backlog_quota_size":         pbQuota.With("pulsar.topics.0.backlog_quota_size=1MB"),
	"pulsar.topics.backlog_quota_time":         pbQuota.With("pulsar.topics.0.backlog_quota_time=2s"),
	"pulsar.topics.backlog_quota_policy":       pbQuota.With("pulsar.topics.0.backlog_quota_policy=producer_exception"),
	"pulsar.topics.retention_time":             pbRet.With("pulsar.topics.0.retention_time=1h"),
	"pulsar.topics.retention_size":             pbRet.With("pulsar.topics.0.retention_size=100MB"),
	"pulsar.topics.retention_infinite":         pbRet.With("pulsar.topics.0.retention_infinite=true"),
	"pulsar.topics.publish_rate":               pbQuota.With("pulsar.topics.0.publish_rate=100/s"),
	"pulsar.topics.offload_threshold":          pbTier.With("pulsar.topics.0.offload_threshold=50MB"),
	"pulsar.wan_latency":                       pbGeo.With("pulsar.wan_latency=100ms"),
	"pulsar.wan_bandwidth":                     pbGeo.With("pulsar.wan_bandwidth=100KB"),
	"pulsar.region_outages.region":             pbGeo.With("pulsar.region_outages.0.region=eu-west"),
	"pulsar.region_outages.at":                 pbGeo.With("pulsar.region_outages.0.at=10s"),
	"pulsar.region_outages.duration":           pbGeo.With("pulsar.region_outages.0.duration=5s"),
	"pulsar.bookie_crashes.bookie":             pbBook.With("pulsar.bookie_crashes.0.bookie=2"),
	"pulsar.bookie_crashes.at":                 pbBook.With("pulsar.bookie_crashes.0.at=5s"),
	"pulsar.bookie_crashes.duration":           pbBook.With("pulsar.bookie_crashes.0.duration=5s"),
	"pulsar.bookie_crashes.lose_page_cache":    pbBook.With("pulsar.bookie_crashes.0.lose_page_cache=false"),
}

var pulsarDescriptive = map[string]string{
	"pulsar.subscriptions.group": "a reference to a consumer group (an unknown one is refused)",
	"pulsar.topics.topic":        "a reference to a topic (an unknown one is refused)",
	"pulsar.topics.namespace":    "a tenant/namespace label for reports",
	"pulsar.regions.name":        "a name outages and reports refer to",
}

var pulsarNotShown = map[string]string{
	"pulsar.subscriptions.failover_delay":  "the built-ins' active consumers never change: TestFailoverDelay",
	"pulsar.regions.producers":             "a list, which --set cannot write: TestGeoReplication",
	"pulsar.regions.groups":                "a list, which --set cannot write: TestGeoReplication",
	"pulsar.subscriptions.reconsume_delay": "the built-ins do not use the retry letter topic: TestRetryLetterTopic",
	"pulsar.metadata_crashes.node":         "the built-ins keep their metadata store: TestMetadataStore",
	"pulsar.metadata_crashes.at":           "the built-ins keep their metadata store: TestMetadataStore",
	"pulsar.metadata_crashes.duration":     "the built-ins keep their metadata store: TestMetadataStore",
	"pulsar.deduplication":                 "the built-in broker failure writes nothing twice at its rate: TestDeduplicationAfterFailover",
	"pulsar.topics.offload_deletion_lag":   "reads of offloaded ledgers go to the object store whether or not the bookies still hold them: TestOffloadDeletionLag",
}

// TestEveryPulsarSettingHasAnEffect always checks every field is
// classified; the pairs of runs run with MQSIM_FIELD_EFFECTS=1.
func TestEveryPulsarSettingHasAnEffect(t *testing.T) {
	fieldeffect.Check(t, fieldeffect.Spec{
		Sections: map[string]reflect.Type{"pulsar": reflect.TypeFor[scenarios.Pulsar]()},
		Pairs:    pulsarEffects,
		Aside:    fieldeffect.Union(pulsarDescriptive, pulsarNotShown),
		Run:      Run,
		Always:   false,
	})
}

// TestFailoverDelay: when the active consumer of a failover subscription
// dies, the standby takes over after the failover delay, so the longest
// end-to-end latency grows by about the delay (1 s, then 5 s).
func TestFailoverDelay(t *testing.T) {
	y := base + "faults:\n  - {type: consumer-crash, group: g, consumer: 0, at: 3s}\n" + failover
	_, r1 := runYAML(t, y)
	_, r5 := runYAML(t, strings.Replace(y, "type: failover}", "type: failover, failover_delay: 5s}", 1))
	if r1.Lost != 0 || r5.Lost != 0 {
		t.Fatalf("lost %d and %d", r1.Lost, r5.Lost)
	}
	d1, d5 := r1.E2ELatency.Max, r5.E2ELatency.Max
	if d1 < 900 || d1 > 2000 || d5 < 4900 || d5 > 6000 {
		t.Errorf("max end-to-end %.0f ms with a 1 s delay and %.0f ms with 5 s; want about 1,000 and 5,000", d1, d5)
	}
}

// TestOffloadDeletionLag: an offloaded ledger stays on the bookies for
// the deletion lag, then only the object store has it.
func TestOffloadDeletionLag(t *testing.T) {
	ls, err := scenarios.LoadScenario("pulsar-tiered-replay", []string{"duration=20s", "pulsar.subscriptions.0.subscribe_at=15s"})
	if err != nil {
		t.Fatal(err)
	}
	w, r, err := run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.OffloadedLedgers == 0 {
		t.Fatal("nothing offloaded")
	}
	onBk := 0
	for _, l := range w.parts[0].ledgers {
		if l.offloaded && l.onBookies {
			onBk++
		}
		if l.offloaded && !l.onBookies {
			for _, bk := range w.bookies {
				if bk.ledgers[l.id] != nil {
					t.Errorf("bookie %d still stores offloaded ledger %d past the deletion lag", bk.id, l.id)
				}
			}
		}
	}
	// The run ends at least 10 s (the lag) after the last offload only
	// for the early ledgers: later ones are still on the bookies.
	if onBk == 0 || int64(onBk) == r.OffloadedLedgers {
		t.Errorf("%d of %d offloaded ledgers still on bookies: want the early ones deleted, the late ones kept", onBk, r.OffloadedLedgers)
	}
}
