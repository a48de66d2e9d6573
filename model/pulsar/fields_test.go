package pulsar

import (
	"fmt"
	"os"
	"reflect"
	"slices"
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

type pbase struct {
	name string
	sets []string
}

var (
	pbBase   = pbase{"pulsar-baseline", []string{"duration=5s", "warmup=1s"}}
	pbBook   = pbase{"pulsar-bookie-failure", []string{"duration=20s", "pulsar.bookie_crashes.0.at=3s", "pulsar.add_entry_timeout=3s"}}
	pbBroker = pbase{"pulsar-broker-failure", []string{"duration=25s", "faults.0.at=3s", "faults.0.duration=3s", "pulsar.session_timeout=5s"}}
	pbHoles  = pbase{"pulsar-broker-failure", []string{"duration=25s", "faults.0.at=3s", "faults.0.duration=3s", "pulsar.session_timeout=5s",
		"consumer_groups.0.failures.poison_share=5%", "consumer_groups.0.failures.policy=retry", "pulsar.subscriptions.0.on_failure=ignore"}}
	pbStuck = pbase{"pulsar-baseline", []string{"duration=5s", "warmup=1s", "consumer_groups.0.failures.poison_share=5%",
		"consumer_groups.0.failures.policy=retry", "pulsar.subscriptions.0.on_failure=ignore"}}
	pbKS    = pbase{"pulsar-key-shared-stall", []string{"duration=30s"}}
	pbGeo   = pbase{"geo-replication-region-loss", []string{"pulsar.session_timeout=3s"}}
	pbNack  = pbase{"pulsar-key-shared-stall", []string{"duration=20s", "pulsar.subscriptions.0.on_failure=nack", "pulsar.subscriptions.0.negative_ack_delay=2s"}}
	pbQuota = pbase{"pulsar-backlog-quota", []string{"duration=20s"}}
	pbTier  = pbase{"pulsar-tiered-replay", []string{"duration=20s", "pulsar.subscriptions.0.subscribe_at=15s"}}
	pbRet   = pbase{"pulsar-tiered-replay", []string{"duration=20s", "pulsar.subscriptions.0.subscribe_at=15s",
		"pulsar.topics.0.retention_infinite=false", "pulsar.topics.0.offload_threshold=0B"}}
)

var pulsarEffects = map[string]struct {
	base pbase
	set  string
}{
	"pulsar.bookies":                           {pbBase, "pulsar.bookies=4"},
	"pulsar.ensemble":                          {pbBase, "pulsar.ensemble=3"},
	"pulsar.write_quorum":                      {pbBook, "pulsar.write_quorum=2"},
	"pulsar.ack_quorum":                        {pbBase, "pulsar.ack_quorum=1"},
	"pulsar.bundles":                           {pbBase, "pulsar.bundles=1"},
	"pulsar.session_timeout":                   {pbBroker, "pulsar.session_timeout=10s"},
	"pulsar.add_entry_timeout":                 {pbBook, "pulsar.add_entry_timeout=10s"},
	"pulsar.rollover_entries":                  {pbTier, "pulsar.rollover_entries=500"},
	"pulsar.rollover_min_time":                 {pbTier, "pulsar.rollover_min_time=5s"},
	"pulsar.rollover_max_time":                 {pbTier, "pulsar.rollover_max_time=2s"},
	"pulsar.rollover_bytes":                    {pbTier, "pulsar.rollover_bytes=1MB"},
	"pulsar.batching_max_delay":                {pbBase, "pulsar.batching_max_delay=5ms"},
	"pulsar.batching_max_messages":             {pbBase, "pulsar.batching_max_messages=1"},
	"pulsar.batching_max_bytes":                {pbBase, "pulsar.batching_max_bytes=1KB"},
	"pulsar.send_timeout":                      {pbBroker, "pulsar.send_timeout=4s"},
	"pulsar.cache_eviction":                    {pbQuota, "pulsar.cache_eviction=1h"},
	"pulsar.mark_delete_interval":              {pbBroker, "pulsar.mark_delete_interval=100ms"},
	"pulsar.unacked_ranges_to_persist":         {pbHoles, "pulsar.unacked_ranges_to_persist=1"},
	"pulsar.max_unacked_per_consumer":          {pbKS, "pulsar.max_unacked_per_consumer=10"},
	"pulsar.max_unacked_per_subscription":      {pbKS, "pulsar.max_unacked_per_subscription=10"},
	"pulsar.dispatch_batch":                    {pbTier, "pulsar.dispatch_batch=10"},
	"pulsar.key_shared_lookahead":              {pbKS, "pulsar.key_shared_lookahead=100"},
	"pulsar.backlog_quota_check":               {pbQuota, "pulsar.backlog_quota_check=1s"},
	"pulsar.object_store_latency":              {pbTier, "pulsar.object_store_latency=10ms"},
	"pulsar.object_store_bandwidth":            {pbTier, "pulsar.object_store_bandwidth=1MB"},
	"pulsar.subscriptions.type":                {pbBase, "pulsar.subscriptions.0.type=shared"},
	"pulsar.subscriptions.ack":                 {pbStuck, "pulsar.subscriptions.0.ack=cumulative"},
	"pulsar.subscriptions.ack_group_time":      {pbBroker, "pulsar.subscriptions.0.ack_group_time=1s"},
	"pulsar.subscriptions.receiver_queue":      {pbBase, "pulsar.subscriptions.0.receiver_queue=10"},
	"pulsar.subscriptions.negative_ack_delay":  {pbNack, "pulsar.subscriptions.0.negative_ack_delay=5s"},
	"pulsar.subscriptions.ack_timeout":         {pbKS, "pulsar.subscriptions.0.ack_timeout=5s"},
	"pulsar.subscriptions.on_failure":          {pbKS, "pulsar.subscriptions.0.on_failure=nack"},
	"pulsar.subscriptions.max_redeliver_count": {pbNack, "pulsar.subscriptions.0.max_redeliver_count=2"},
	"pulsar.subscriptions.subscribe_at":        {pbTier, "pulsar.subscriptions.0.subscribe_at=10s"},
	"pulsar.subscriptions.initial_position":    {pbTier, "pulsar.subscriptions.0.initial_position=latest"},
	"pulsar.topics.backlog_quota_size":         {pbQuota, "pulsar.topics.0.backlog_quota_size=1MB"},
	"pulsar.topics.backlog_quota_time":         {pbQuota, "pulsar.topics.0.backlog_quota_time=2s"},
	"pulsar.topics.backlog_quota_policy":       {pbQuota, "pulsar.topics.0.backlog_quota_policy=producer_exception"},
	"pulsar.topics.retention_time":             {pbRet, "pulsar.topics.0.retention_time=1h"},
	"pulsar.topics.retention_size":             {pbRet, "pulsar.topics.0.retention_size=100MB"},
	"pulsar.topics.retention_infinite":         {pbRet, "pulsar.topics.0.retention_infinite=true"},
	"pulsar.topics.publish_rate":               {pbQuota, "pulsar.topics.0.publish_rate=100/s"},
	"pulsar.topics.offload_threshold":          {pbTier, "pulsar.topics.0.offload_threshold=50MB"},
	"pulsar.wan_latency":                       {pbGeo, "pulsar.wan_latency=100ms"},
	"pulsar.wan_bandwidth":                     {pbGeo, "pulsar.wan_bandwidth=100KB"},
	"pulsar.region_outages.region":             {pbGeo, "pulsar.region_outages.0.region=eu-west"},
	"pulsar.region_outages.at":                 {pbGeo, "pulsar.region_outages.0.at=10s"},
	"pulsar.region_outages.duration":           {pbGeo, "pulsar.region_outages.0.duration=5s"},
	"pulsar.bookie_crashes.bookie":             {pbBook, "pulsar.bookie_crashes.0.bookie=2"},
	"pulsar.bookie_crashes.at":                 {pbBook, "pulsar.bookie_crashes.0.at=5s"},
	"pulsar.bookie_crashes.duration":           {pbBook, "pulsar.bookie_crashes.0.duration=5s"},
	"pulsar.bookie_crashes.lose_page_cache":    {pbBook, "pulsar.bookie_crashes.0.lose_page_cache=false"},
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
	"pulsar.deduplication":                 "the built-in broker failure writes nothing twice at its rate: TestDeduplicationAfterFailover",
	"pulsar.topics.offload_deletion_lag":   "reads of offloaded ledgers go to the object store whether or not the bookies still hold them: TestOffloadDeletionLag",
}

// pulsarFields lists the leaf fields under pulsar: by YAML path.
func pulsarFields() []string {
	var out []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != "mqsim/scenarios" {
			out = append(out, strings.TrimPrefix(path, "."))
			return
		}
		for i := range t.NumField() {
			if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
				walk(t.Field(i).Type, path+"."+tag)
			}
		}
	}
	walk(reflect.TypeFor[scenarios.Pulsar](), "pulsar")
	slices.Sort(out)
	return out
}

// TestEveryPulsarSettingHasAnEffect always checks every field is
// classified; the pairs of runs run with MQSIM_FIELD_EFFECTS=1.
func TestEveryPulsarSettingHasAnEffect(t *testing.T) {
	runPairs := os.Getenv("MQSIM_FIELD_EFFECTS") == "1" && !testing.Short()
	runOf := func(name string, sets []string) (string, error) {
		ls, err := scenarios.LoadScenario(name, sets)
		if err != nil {
			return "", err
		}
		r, err := Run(&ls.Scenario, model.Options{})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%+v", *r), nil
	}
	fields := pulsarFields()
	for _, f := range fields {
		if _, ok := pulsarDescriptive[f]; ok {
			continue
		}
		if _, ok := pulsarNotShown[f]; ok {
			continue
		}
		e, ok := pulsarEffects[f]
		if !ok {
			t.Errorf("%s: a setting with no pair of runs showing its effect", f)
			continue
		}
		if !runPairs {
			continue
		}
		base, err := runOf(e.base.name, e.base.sets)
		if err != nil {
			t.Errorf("%s: base: %v", f, err)
			continue
		}
		got, err := runOf(e.base.name, append(slices.Clone(e.base.sets), e.set))
		if err != nil {
			t.Errorf("%s: --set %s: %v", f, e.set, err)
			continue
		}
		if got == base {
			t.Errorf("%s: --set %s changes nothing", f, e.set)
		}
	}
	for f := range pulsarEffects {
		if !slices.Contains(fields, f) {
			t.Errorf("pulsarEffects names %s, not a field", f)
		}
	}
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
