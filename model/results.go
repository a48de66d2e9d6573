package model

import (
	"strings"

	"mqsim/sim"
)

// Results is what a run reports: the checker's delivery ledger, latency
// percentiles, lag, replication health, broker utilisation and time series.
// It is plain data, JSON-tagged for tools; Metric exposes the numbers to
// `expect` assertions by name.
//
// Counts are messages unless said otherwise. Latencies are milliseconds.
// Rates are per second. Utilisations are fractions of capacity (0–1).
type Results struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// DataDir is where the logs were kept (empty: in memory); Resumed says
	// the cluster restarted from logs an earlier run left there.
	DataDir string `json:"data_dir,omitempty"`
	Resumed bool   `json:"resumed,omitempty"`

	// What producers were told.
	Produced      int64 `json:"produced"`      // messages handed to producers (accepted into their buffers or rejected)
	Acked         int64 `json:"acked"`         // acknowledged as written
	Failed        int64 `json:"failed"`        // definitely not written (rejected, retries exhausted before any append)
	Indeterminate int64 `json:"indeterminate"` // reported failed, but may have been written (timed out in flight)

	// What consumer groups did with acknowledged messages, summed over groups.
	Lost       int64 `json:"lost"`       // acked, never processed, and no longer reachable by the group
	Unseen     int64 `json:"unseen"`     // acked, not processed when the drain ended, still ahead of the group
	Duplicates int64 `json:"duplicates"` // processings beyond the first of one message
	Reordered  int64 `json:"reordered"`  // processed after a later message of the same producer and key

	E2ELatency Latency `json:"e2e_latency_ms"` // produce → processed, after warm-up
	AckLatency Latency `json:"ack_latency_ms"` // produce → acknowledged, after warm-up
	// E2ECDF and AckCDF are the two latency distributions as quantile
	// points (see QuantilePoint), for CDF plots.
	E2ECDF []QuantilePoint `json:"e2e_cdf_ms,omitempty"`
	AckCDF []QuantilePoint `json:"ack_cdf_ms,omitempty"`

	MaxLag   int64 `json:"max_lag"`   // the largest total lag of any group during the run (Kafka: exact, not sampled)
	FinalLag int64 `json:"final_lag"` // total lag summed over groups at the end of the run

	ThroughputIn       float64 `json:"throughput_in"`        // acked messages/s while producers ran
	ThroughputOut      float64 `json:"throughput_out"`       // processed messages/s over the run, summed over groups
	ThroughputInBytes  float64 `json:"throughput_in_bytes"`  // acked payload bytes/s while producers ran
	ThroughputOutBytes float64 `json:"throughput_out_bytes"` // processed payload bytes/s, summed over groups

	MinISR               int     `json:"min_isr"`                // smallest ISR of any partition at any sample
	MaxUnderReplicated   int     `json:"max_under_replicated"`   // most partitions with ISR < RF at any sample
	FinalUnderReplicated int     `json:"final_under_replicated"` // partitions with ISR < RF at the end
	ISRShrinks           int64   `json:"isr_shrinks"`            // followers removed from an ISR
	ISRExpands           int64   `json:"isr_expands"`            // followers added back to an ISR
	MaxBrokerUtilisation float64 `json:"max_broker_utilisation"` // busiest resource of any broker, mean over the run
	// BusiestResource names the resource busiest on average over the run,
	// brokers' and client hosts' alike ("broker-0/cpu",
	// "client/app-0/nic-out"): the one that binds when a run is at its
	// limit; BusiestUtilisation is its mean utilisation (0–1).
	BusiestResource        string  `json:"busiest_resource,omitempty"`
	BusiestUtilisation     float64 `json:"busiest_utilisation,omitempty"`
	ProduceRequests        int64   `json:"produce_requests"`          // produce requests sent (attempts)
	Retries                int64   `json:"retries"`                   // batch resends after a retriable error or timeout
	ReplicaFetches         int64   `json:"replica_fetches"`           // follower fetch requests
	ConsumerFetches        int64   `json:"consumer_fetches"`          // consumer fetch requests
	OffsetCommits          int64   `json:"offset_commits"`            // commits written to __consumer_offsets
	HighWatermarkViolation int64   `json:"high_watermark_violations"` // records a consumer read above the HW (must be 0)

	// Consumers under stress and backpressure (consumer_results.go).
	Rebalances             int64   `json:"rebalances"`               // group rebalances after the groups formed
	RebalanceSeconds       float64 `json:"rebalance_seconds"`        // time groups spent rebalancing
	PausedPartitionSeconds float64 `json:"paused_partition_seconds"` // partition-seconds with no live owner
	Redelivered            int64   `json:"redelivered"`              // records processed again after a rebalance or crash
	RejectedCommits        int64   `json:"rejected_commits"`         // commits fenced (stale generation, partition not owned)
	OwnershipViolations    int64   `json:"ownership_violations"`     // a partition given while another member owned it (must be 0)
	DeadLettered           int64   `json:"dead_lettered"`            // messages written to a dead-letter topic
	// A group coordinator failing over (offsets.go): how often a new one
	// loaded a group, how many partitions' committed offsets fell back
	// (acknowledged commits the new leader's log lacked), and by how many
	// records in all.
	CoordinatorFailovers int64 `json:"coordinator_failovers"`
	CommitsLost          int64 `json:"commits_lost"`
	CommitRollback       int64 `json:"commit_rollback"`
	// Retries above is the producer's (Kafka's name); ProcessingRetries
	// are the consumers' attempts beyond the first.
	ProcessingRetries  int64   `json:"processing_retries"`
	Delayed            int64   `json:"delayed"`             // processed after at least one failed attempt
	Discarded          int64   `json:"discarded"`           // skipped by the skip policy
	MaxDLQDepth        int64   `json:"max_dlq_depth"`       // records in dead-letter topics, largest sample
	Rejected           int64   `json:"rejected"`            // sends refused for a full buffer (part of failed)
	RecordTooLarge     int64   `json:"record_too_large"`    // records over max_request_size or the topic's max_message_bytes (part of failed)
	Dropped            int64   `json:"dropped"`             // low-priority messages dropped on purpose
	ThrottleSeconds    float64 `json:"throttle_seconds"`    // waiting for the producer's rate limiter, summed over messages
	BlockSeconds       float64 `json:"block_seconds"`       // waiting for buffer memory, summed over messages
	LostToRetention    int64   `json:"lost_to_retention"`   // deleted by retention before their group processed them
	OffsetResets       int64   `json:"offset_resets"`       // auto.offset.reset applied
	ScaleUps           int64   `json:"scale_ups"`           // consumers the autoscaler added
	DownstreamCalls    int64   `json:"downstream_calls"`    // calls that reached downstream dependencies
	DownstreamTimeouts int64   `json:"downstream_timeouts"` // failed downstream calls (timeout, refused, outage)
	Amplification      float64 `json:"amplification"`       // downstream calls per message handed over
	LateGoodput        float64 `json:"late_goodput"`        // processed messages/s in the last quarter of the producers' run

	SimSeconds float64 `json:"sim_seconds"` // simulated time the run covered, drain included
	Events     uint64  `json:"events"`      // kernel events executed
	// EventsPerMessage is Events per message produced (0 with none): the
	// cost of the model's path for one message, which bounds how fast a
	// run at a given rate can go.
	EventsPerMessage float64 `json:"events_per_message"`
	// Partial marks a run stopped early (Options.Stop): the numbers cover
	// SimSeconds only, and messages still in flight count as unseen.
	Partial bool `json:"partial,omitempty"`

	Groups    []GroupResult    `json:"groups"`
	Producers []ProducerResult `json:"producers"`
	Brokers   []BrokerResult   `json:"brokers"`
	Series    Series           `json:"series"`
	// LogDirFailures lists the log directories a storage error took
	// offline (storage.go).
	LogDirFailures []LogDirFailure `json:"log_dir_failures,omitempty"`
	// Recovered lists the logs of a resumed data directory that recovery
	// cut when they were reopened (a log not shut down cleanly, with a torn
	// or corrupt tail), in the order they were opened.
	Recovered []Recovery `json:"recovered,omitempty"`
	// Faults lists each fault's start and end, in time order (markers for plots).
	Faults []FaultEvent `json:"faults,omitempty"`
	// Replication safety under broker faults (elections, availability,
	// convergence, invariants): see replication.go.
	Replication
	// QueueService: a managed queue service's API calls and billing (results_queue.go).
	QueueService
	Queues // a queue broker's own counts (results_queues.go)
	// Transactions: transactional producers and pipeline stages (results_txn.go).
	Transactions
	// EventSourcing: an event_sourcing section's results (results_eventsource.go).
	EventSourcing *EventSourcing `json:"event_sourcing,omitempty"`
	// Services: a service graph's edge and services (results_services.go).
	Services
	Pulsar        // Apache Pulsar's own counts (results_pulsar.go)
	SNSService    // a fan-out service's deliveries and retries (results_sns.go)
	PubSubService // a managed pub/sub service's deliveries and leases (results_pubsub.go)
	ShareGroups   // Kafka share groups' counts (results_share.go)
	KafkaGeo      // Kafka client quotas and replicators between regions (results_kafkageo.go)
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// GroupResult is one consumer group's view.
type GroupResult struct {
	Name      string `json:"name"`
	Topic     string `json:"topic"`
	Consumers int    `json:"consumers"`
	Processed int64  `json:"processed"` // processings, duplicates included
	Skipped   int64  `json:"skipped"`   // redeliveries dropped by idempotent processing
	// EarlierRun counts records processed that an earlier run left in a
	// resumed data directory: consumed, but outside every delivery count
	// and latency (their ids and produce times are that run's).
	EarlierRun int64   `json:"earlier_run_records,omitempty"`
	Lost       int64   `json:"lost"`
	Unseen     int64   `json:"unseen"`
	Duplicates int64   `json:"duplicates"`
	Reordered  int64   `json:"reordered"`
	MaxLag     int64   `json:"max_lag"`   // total over partitions, largest during the run (Kafka: exact, not sampled)
	FinalLag   int64   `json:"final_lag"` // total over partitions at the end
	MaxPartLag int64   `json:"max_partition_lag"`
	FinalPart  int64   `json:"final_partition_lag"` // worst partition at the end
	E2ELatency Latency `json:"e2e_latency_ms"`
	// Assignment lists each member's partitions, as the coordinator
	// assigned them.
	Assignment [][]int `json:"assignment"`

	Rebalances    int64   `json:"rebalances"`
	DeadLettered  int64   `json:"dead_lettered"`
	Redelivered   int64   `json:"redelivered"`
	LiveConsumers int     `json:"live_consumers"` // members alive at the end
	LateGoodput   float64 `json:"late_goodput"`
	// PausedPartitionSeconds: partition-seconds without a live owner.
	PausedPartitionSeconds float64 `json:"paused_partition_seconds"`
	Amplification          float64 `json:"amplification"` // downstream calls per message
}

// ProducerResult is one producer spec (all its instances).
type ProducerResult struct {
	Name          string  `json:"name"`
	Topic         string  `json:"topic"`
	Produced      int64   `json:"produced"`
	Acked         int64   `json:"acked"`
	Failed        int64   `json:"failed"`
	Indeterminate int64   `json:"indeterminate"`
	Batches       int64   `json:"batches"`
	MeanBatch     float64 `json:"mean_batch_records"`
	AckLatency    Latency `json:"ack_latency_ms"`
	// BatchRecords and BatchBytes are the distributions of records and
	// of bytes per batch sealed, not only the mean.
	BatchRecords SizeHistogram `json:"batch_records"`
	BatchBytes   SizeHistogram `json:"batch_bytes"`
}

// SizeHistogram is the distribution of a size (records or bytes per
// batch): percentiles, and counts in power-of-two buckets.
type SizeHistogram struct {
	Count   int64        `json:"count"`
	Mean    float64      `json:"mean"`
	P50     float64      `json:"p50"`
	P90     float64      `json:"p90"`
	P99     float64      `json:"p99"`
	Max     float64      `json:"max"`
	Buckets []SizeBucket `json:"buckets,omitempty"` // the non-empty buckets, smallest first
}

// SizeBucket counts the sizes in (UpTo/2, UpTo]; the first bucket, UpTo 1,
// holds sizes 0 and 1.
type SizeBucket struct {
	UpTo  int64 `json:"le"`
	Count int64 `json:"count"`
}

// SizeHistogramOf summarises h, with pow[k] the count of sizes in
// bucket k (UpTo 1<<k).
func SizeHistogramOf(h *sim.Histogram, pow *[64]int64) SizeHistogram {
	out := SizeHistogram{Count: h.Count()}
	if out.Count == 0 {
		return out
	}
	out.Mean = h.Mean()
	out.P50, out.P90, out.P99 = float64(h.Quantile(0.50)), float64(h.Quantile(0.90)), float64(h.Quantile(0.99))
	out.Max = float64(h.Max())
	for k, c := range pow {
		if c > 0 {
			out.Buckets = append(out.Buckets, SizeBucket{UpTo: 1 << k, Count: c})
		}
	}
	return out
}

// BrokerResult is one broker's load: mean utilisation of each resource over
// the run (0–1; CPU is the mean share of busy threads) and the partitions it
// leads.
type BrokerResult struct {
	ID        int     `json:"id"`
	Leaders   int     `json:"leaders"`
	Replicas  int     `json:"replicas"`
	NICIn     float64 `json:"nic_in"`
	NICOut    float64 `json:"nic_out"`
	DiskWrite float64 `json:"disk_write"`
	DiskRead  float64 `json:"disk_read"`
	CPU       float64 `json:"cpu"`
	BytesIn   int64   `json:"bytes_in"`
	BytesOut  int64   `json:"bytes_out"`
	// PageCache is set when the broker's page cache held writers at its
	// dirty limit, fsynced, or lost dirty data to a power loss.
	PageCache *PageCacheResult `json:"page_cache,omitempty"`
}

// PageCacheResult is what a broker's page cache did: how full of dirty
// data it got, how long writers waited at the dirty limit, what it put on
// disk, its fsyncs (and how many writers shared them: the group-commit
// size) and what a power loss took.
type PageCacheResult struct {
	MaxDirtyBytes    int64   `json:"max_dirty_bytes"`
	DirtyLimitBytes  int64   `json:"dirty_limit_bytes"`
	WritesHeld       int64   `json:"writes_held"`
	HeldSeconds      float64 `json:"held_seconds"` // summed over held writes
	WrittenBackBytes int64   `json:"written_back_bytes"`
	Fsyncs           int64   `json:"fsyncs"`
	FsyncWriters     int64   `json:"fsync_writers"`
	DirtyLostBytes   int64   `json:"dirty_lost_bytes"`
}

// Series holds time series sampled every IntervalSeconds, as columns that
// share the Time column (seconds of simulated time). Column names:
//
//	produced_per_s, acked_per_s            all producers
//	producer_errors_per_s                  sends reported failed or indeterminate
//	consumed_per_s/<group>                 processed messages/s
//	lag/<group>, max_partition_lag/<group> messages
//	e2e_p50_ms, e2e_p99_ms                 over messages processed in the interval (0 if none)
//	ack_mean_ms, ack_p50_ms, ack_p75_ms, ack_p95_ms, ack_p99_ms, ack_p999_ms,
//	ack_p9999_ms, ack_max_ms               over messages acknowledged in the interval (0 if none)
//	min_isr, under_replicated              over all partitions
//	util/<broker>/<nic_in|nic_out|disk_write|disk_read|cpu>
//	                                       mean utilisation over the interval
type Series struct {
	IntervalSeconds float64   `json:"interval_seconds"`
	Time            []float64 `json:"time"`
	Columns         []Column  `json:"columns"`
}

// Column is one named time series.
type Column struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// Column returns the named series' values, or nil.
func (s *Series) Column(name string) []float64 {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return s.Columns[i].Values
		}
	}
	return nil
}

// Metric kinds, as returned by (*Results).Metric.
const (
	KindCount    = "count"    // messages, requests, partitions
	KindDuration = "duration" // seconds
	KindRate     = "rate"     // per second (messages or bytes)
	KindRatio    = "ratio"    // 0–1
)

// Metric returns a result by name for `expect` assertions: the JSON keys
// of Results (top-level numbers), latency shorthands p50_e2e, p90_e2e,
// p99_e2e, p999_e2e, max_e2e, mean_e2e and the same with _ack (kind
// "duration", value in seconds), e2e_latency_ms.p99 style paths (also in
// seconds), and per-group values as group.<name>.<key> (for example
// group.billing.final_lag). ok is false for an unknown name.
func (r *Results) Metric(name string) (value float64, kind string, ok bool) {
	name = strings.TrimSpace(name)
	if v, k, ok := latencyMetric(name, "e2e", r.E2ELatency); ok {
		return v, k, ok
	}
	if v, k, ok := latencyMetric(name, "ack", r.AckLatency); ok {
		return v, k, ok
	}
	if rest, found := strings.CutPrefix(name, "group."); found {
		i := strings.LastIndexByte(rest, '.')
		if i <= 0 {
			return 0, "", false
		}
		for gi := range r.Groups {
			if g := &r.Groups[gi]; g.Name == rest[:i] {
				return g.metric(rest[i+1:])
			}
		}
		return 0, "", false
	}
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "produced":
		return c(r.Produced)
	case "acked":
		return c(r.Acked)
	case "failed":
		return c(r.Failed)
	case "indeterminate":
		return c(r.Indeterminate)
	case "lost":
		return c(r.Lost)
	case "unseen":
		return c(r.Unseen)
	case "duplicates":
		return c(r.Duplicates)
	case "reordered":
		return c(r.Reordered)
	case "max_lag":
		return c(r.MaxLag)
	case "final_lag":
		return c(r.FinalLag)
	case "max_partition_lag":
		var m int64
		for _, g := range r.Groups {
			m = max(m, g.MaxPartLag)
		}
		return c(m)
	case "final_partition_lag":
		var m int64
		for _, g := range r.Groups {
			m = max(m, g.FinalPart)
		}
		return c(m)
	case "min_isr":
		return c(int64(r.MinISR))
	case "max_under_replicated":
		return c(int64(r.MaxUnderReplicated))
	case "final_under_replicated":
		return c(int64(r.FinalUnderReplicated))
	case "isr_shrinks":
		return c(r.ISRShrinks)
	case "isr_expands":
		return c(r.ISRExpands)
	case "produce_requests":
		return c(r.ProduceRequests)
	case "retries":
		return c(r.Retries)
	case "replica_fetches":
		return c(r.ReplicaFetches)
	case "consumer_fetches":
		return c(r.ConsumerFetches)
	case "offset_commits":
		return c(r.OffsetCommits)
	case "high_watermark_violations":
		return c(r.HighWatermarkViolation)
	case "events":
		return float64(r.Events), KindCount, true
	case "sim_seconds":
		return r.SimSeconds, KindDuration, true
	case "throughput_in":
		return r.ThroughputIn, KindRate, true
	case "throughput_out":
		return r.ThroughputOut, KindRate, true
	case "throughput_in_bytes":
		return r.ThroughputInBytes, KindRate, true
	case "throughput_out_bytes":
		return r.ThroughputOutBytes, KindRate, true
	case "max_broker_utilisation":
		return r.MaxBrokerUtilisation, KindRatio, true
	}
	if v, k, ok := r.QueueService.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.Replication.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.Queues.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.Transactions.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.EventSourcing.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.Services.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.Pulsar.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.fanoutMetric(name); ok { // results_sns.go
		return v, k, ok
	}
	if v, k, ok := r.ShareGroups.metric(name); ok {
		return v, k, ok
	}
	if v, k, ok := r.KafkaGeo.metric(name); ok {
		return v, k, ok
	}
	return r.consumerMetric(name)
}

// MetricNames lists the names Metric accepts besides group.<name>.<key>,
// for validation messages and documentation.
func MetricNames() []string {
	names := []string{
		"produced", "acked", "failed", "indeterminate", "lost", "unseen", "duplicates", "reordered",
		"max_lag", "final_lag", "max_partition_lag", "final_partition_lag",
		"min_isr", "max_under_replicated", "final_under_replicated", "isr_shrinks", "isr_expands",
		"produce_requests", "retries", "replica_fetches", "consumer_fetches", "offset_commits",
		"high_watermark_violations", "events", "sim_seconds",
		"throughput_in", "throughput_out", "throughput_in_bytes", "throughput_out_bytes",
		"max_broker_utilisation",
	}
	names = append(names, consumerMetricNames...)
	names = append(names, replicationMetricNames...)
	names = append(names, queueMetricNames...)
	names = append(names, brokerQueueMetricNames...)
	names = append(names, txnMetricNames...)
	names = append(names, eventSourcingMetricNames...)
	names = append(names, servicesMetricNames...)
	names = append(names, pulsarMetricNames...)
	names = append(names, fanoutMetricNames()...)
	names = append(names, shareMetricNames...)
	names = append(names, kafkaGeoMetricNames...)
	for _, which := range []string{"e2e", "ack"} {
		for _, q := range []string{"p50", "p90", "p99", "p999", "max", "mean"} {
			names = append(names, q+"_"+which)
		}
	}
	return names
}

// GroupMetricNames lists the keys accepted in group.<name>.<key>.
func GroupMetricNames() []string {
	return []string{"processed", "skipped", "lost", "unseen", "duplicates", "reordered",
		"max_lag", "final_lag", "max_partition_lag", "final_partition_lag",
		"p50_e2e", "p90_e2e", "p99_e2e", "p999_e2e", "max_e2e", "mean_e2e",
		"rebalances", "dead_lettered", "redelivered", "consumers", "late_goodput", "paused_partition_seconds", "amplification"}
}

func (g *GroupResult) metric(key string) (float64, string, bool) {
	if v, k, ok := latencyMetric(key, "e2e", g.E2ELatency); ok {
		return v, k, ok
	}
	var v int64
	switch key {
	case "processed":
		v = g.Processed
	case "skipped":
		v = g.Skipped
	case "lost":
		v = g.Lost
	case "unseen":
		v = g.Unseen
	case "duplicates":
		v = g.Duplicates
	case "reordered":
		v = g.Reordered
	case "max_lag":
		v = g.MaxLag
	case "final_lag":
		v = g.FinalLag
	case "max_partition_lag":
		v = g.MaxPartLag
	case "final_partition_lag":
		v = g.FinalPart
	default:
		return g.consumerMetric(key)
	}
	return float64(v), KindCount, true
}

// latencyMetric reads p99_e2e or e2e_latency_ms.p99 (and the _ack forms) as
// seconds.
func latencyMetric(name, which string, l Latency) (float64, string, bool) {
	q, found := strings.CutSuffix(name, "_"+which)
	if !found {
		q, found = strings.CutPrefix(name, which+"_latency_ms.")
	}
	if !found {
		return 0, "", false
	}
	var ms float64
	switch q {
	case "p50":
		ms = l.P50
	case "p90":
		ms = l.P90
	case "p99":
		ms = l.P99
	case "p999":
		ms = l.P999
	case "max":
		ms = l.Max
	case "mean":
		ms = l.Mean
	default:
		return 0, "", false
	}
	return ms / 1000, KindDuration, true
}

// Recovery is what reopening one log of a resumed data directory dropped.
type Recovery struct {
	Log            string `json:"log"` // broker-N/TOPIC-P
	LogEndOffset   int64  `json:"log_end_offset"`
	OffsetsDropped int64  `json:"offsets_dropped"`
	BytesDropped   int64  `json:"bytes_dropped"`
	Reason         string `json:"reason,omitempty"`
	Removed        int    `json:"files_removed,omitempty"`
	// Unclean marks a log reopened without its clean-shutdown marker
	// whose recovery dropped nothing.
	Unclean bool `json:"unclean,omitempty"`
}

// LogDirFailure is a broker's log directory taken offline by a storage
// error.
type LogDirFailure struct {
	Broker    int     `json:"broker"`
	Topic     string  `json:"topic"`
	Partition int     `json:"partition"`
	Offset    int64   `json:"offset"` // the offset being read
	AtSeconds float64 `json:"at_seconds"`
	Error     string  `json:"error"`
	// AfterRun marks a storage error met by the checks after the run
	// (the convergence check, counting what is still pending): nothing
	// was taken offline, but those numbers could not read that log.
	AfterRun bool `json:"after_run,omitempty"`
}

// FaultEvent is a fault starting or ending, for reports and plot markers.
type FaultEvent struct {
	Time  float64 `json:"time"`  // simulated seconds
	Type  string  `json:"type"`  // the fault type
	Phase string  `json:"phase"` // "start" or "end"
	Label string  `json:"label"` // what a plot marker says
}
