package model

// KafkaGeo is what a Kafka run reports of its client quotas and of its
// replicators between regions (MirrorMaker 2-style). It is embedded in
// Results (its JSON keys sit at the top level); other systems leave it
// zero. A Kafka run with regions also fills MaxReplicationLag and
// GeoUnreplicated (results_pulsar.go), which mean the same for both.
type KafkaGeo struct {
	QuotaThrottled    int64   `json:"quota_throttled,omitempty"`     // produce responses that carried a throttle time
	QuotaThrottleTime float64 `json:"quota_throttle_time,omitempty"` // seconds, summed
	MirrorRecords     int64   `json:"mirror_records,omitempty"`      // records replicators wrote to remote topics
	MirrorCheckpoints int64   `json:"mirror_checkpoints,omitempty"`  // checkpoints emitted (one per group partition)
	// FailoverReprocessed is, over the source groups, the records each
	// had processed that a failover to its last checkpoint in another
	// region would process again.
	FailoverReprocessed int64 `json:"failover_reprocessed,omitempty"`
	// MeanReplicationLag is the mean time (seconds) from a record's
	// acknowledgement in its region to its write in another.
	MeanReplicationLag float64 `json:"mean_replication_lag,omitempty"`
	// Regions lists, for a run across regions, each region's cluster.
	Regions []KafkaRegion `json:"kafka_regions,omitempty"`
}

// KafkaRegion is one region's cluster in a geo-replicated Kafka run.
type KafkaRegion struct {
	Name    string   `json:"name"`
	Brokers []int    `json:"brokers"`          // broker ids in Results.Brokers
	Topics  []string `json:"topics,omitempty"` // its topics, remote copies included
	Groups  []string `json:"groups,omitempty"` // the groups consuming there
}

var kafkaGeoMetricNames = []string{"quota_throttled", "quota_throttle_time", "mirror_records", "mirror_checkpoints", "failover_reprocessed"}

func (g *KafkaGeo) metric(name string) (float64, string, bool) {
	switch name {
	case "quota_throttled":
		return float64(g.QuotaThrottled), KindCount, true
	case "quota_throttle_time":
		return g.QuotaThrottleTime, KindDuration, true
	case "mirror_records":
		return float64(g.MirrorRecords), KindCount, true
	case "mirror_checkpoints":
		return float64(g.MirrorCheckpoints), KindCount, true
	case "failover_reprocessed":
		return float64(g.FailoverReprocessed), KindCount, true
	}
	return 0, "", false
}
