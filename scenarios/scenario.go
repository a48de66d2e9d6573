package scenarios

import (
	"mqsim/scenarios/units"
)

// For the model: the arrival and key strings (Producer.Arrival, .Keys) are
// parsed here, by ParseArrival and ParseKeys in arrival.go, not in model:
// model imports this package, so validation could not call parsers there.
// The model should call these two and follow the semantics documented on
// Arrival and Keys. Expect metric names are catalogued in expect.go
// (Metrics); model.Results.Metric must answer each of them.

// Scenario is one simulation: a cluster, its topics, producers and consumer
// groups, how long to run, and what the result must show (expect).
//
// Zero values mean "the default", which follows current Kafka (see Defaults
// and the reference in the README); Defaults fills them in so a resolved
// scenario states every number it ran with.
type Scenario struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"` // the lesson, in plain words

	// System is what runs the workload: kafka (the default), rabbitmq or
	// sqs; each has a section for what only it has (rabbitmq.go, sqs.go,
	// celery.go).
	System   string    `yaml:"system,omitempty" json:"system,omitempty"`
	RabbitMQ *RabbitMQ `yaml:"rabbitmq,omitempty" json:"rabbitmq,omitempty"`
	SQS      *SQS      `yaml:"sqs" json:"sqs,omitempty"`       // system: sqs only
	Pulsar   *Pulsar   `yaml:"pulsar" json:"pulsar,omitempty"` // system: pulsar only (pulsar.go)
	Celery   *Celery   `yaml:"celery" json:"celery,omitempty"` // Celery worker pools (system: sqs)
	SNS      *SNS      `yaml:"sns" json:"sns,omitempty"`       // system: sns only (sns.go)
	PubSub   *PubSub   `yaml:"pubsub" json:"pubsub,omitempty"` // system: pubsub only (pubsub.go)
	Quotas   *Quotas   `yaml:"quotas" json:"quotas,omitempty"` // Kafka client quotas (kafkageo.go)
	Mirror   *Mirror   `yaml:"mirror" json:"mirror,omitempty"` // Kafka geo-replication between regions (kafkageo.go)
	// Compare lists the systems a workload written for comparison holds
	// sections for (systemfields.go): their sections and the Kafka-only
	// settings are then listed as not applied rather than refused.
	Compare   []string `yaml:"compare,omitempty" json:"compare,omitempty"`
	systemSet bool     // system: came from --set/--vary (rabbitmq.go)
	// NotAppliedFields lists, when comparing systems, the settings the
	// file or --set gives that this system does not have, as
	// "field=value (why)" (systemfields.go); saved with a run's scenario.
	NotAppliedFields []string `yaml:"-" json:"not_applied_fields,omitempty"`

	// Services is a service graph (system: services; services.go).
	Services *Services `yaml:"services" json:"services,omitempty"`

	Seed           uint64         `yaml:"seed" json:"seed"`
	Duration       units.Duration `yaml:"duration" json:"duration"`               // producers stop here
	Warmup         units.Duration `yaml:"warmup" json:"warmup"`                   // excluded from latency statistics
	Drain          units.Duration `yaml:"drain" json:"drain"`                     // max time after Duration for consumers to catch up (default 60s)
	SampleInterval units.Duration `yaml:"sample_interval" json:"sample_interval"` // time-series resolution (default 1s)

	Cluster        Cluster         `yaml:"cluster" json:"cluster"`
	Topics         []Topic         `yaml:"topics" json:"topics"`
	Producers      []Producer      `yaml:"producers" json:"producers"`
	ConsumerGroups []ConsumerGroup `yaml:"consumer_groups" json:"consumer_groups"`

	// ClientProfile names the host every producer and consumer instance
	// runs on, one instance per host (default "client-25g");
	// ClientHardware overrides any number of it (clienthosts.go).
	ClientProfile  string         `yaml:"client_profile" json:"client_profile"`
	ClientHardware ClientHardware `yaml:"client_hardware" json:"client_hardware"`

	// Faults are things that go wrong during the run, each at a simulated
	// time (see Fault and faults.go for the types).
	Faults []Fault `yaml:"faults" json:"faults,omitempty"`

	// Expect maps a result metric to a condition: "0", "< 50ms", ">= 1",
	// "> 0", "< 1K". A failed expectation makes `mqsim run` exit 3.
	Expect map[string]string `yaml:"expect" json:"expect,omitempty"`
	// Guarantee sets the pipeline's delivery guarantee (txn.go): at-most-once,
	// at-least-once, at-least-once-idempotent or exactly-once.
	Guarantee string `yaml:"guarantee" json:"guarantee,omitempty"`

	// EventSourcing: an event-sourced service, its projections, replays,
	// snapshots and changelog (eventsource.go).
	EventSourcing *EventSourcing `yaml:"event_sourcing" json:"event_sourcing,omitempty"`
}

// Cluster is the brokers and the broker-side settings.
type Cluster struct {
	Brokers  int      `yaml:"brokers" json:"brokers"`   // default 3
	Profile  string   `yaml:"profile" json:"profile"`   // a named hardware profile (default "cloud-nvme-25g")
	Hardware Hardware `yaml:"hardware" json:"hardware"` // overrides any number of the profile

	ReplicaLagTimeMax     units.Duration `yaml:"replica_lag_time_max" json:"replica_lag_time_max"`       // 30s
	ReplicaFetchWaitMax   units.Duration `yaml:"replica_fetch_wait_max" json:"replica_fetch_wait_max"`   // 500ms
	ReplicaFetchMinBytes  units.Bytes    `yaml:"replica_fetch_min_bytes" json:"replica_fetch_min_bytes"` // 1
	ReplicaFetchMaxBytes  units.Bytes    `yaml:"replica_fetch_max_bytes" json:"replica_fetch_max_bytes"` // 1MiB per partition
	NumReplicaFetchers    int            `yaml:"num_replica_fetchers" json:"num_replica_fetchers"`       // 1 per source broker
	MinInsyncReplicas     int            `yaml:"min_insync_replicas" json:"min_insync_replicas"`         // 1 (topics may override)
	UncleanLeaderElection bool           `yaml:"unclean_leader_election" json:"unclean_leader_election"` // false
	// TransientErrorRate is the share of produce requests a broker answers
	// with a retriable error (without appending), so retries happen without
	// a crash.
	TransientErrorRate units.Ratio `yaml:"transient_error_rate" json:"transient_error_rate"`
	// RetentionCheckInterval is log.retention.check.interval.ms: how often
	// brokers delete segments past retention (Kafka's default 5m).
	RetentionCheckInterval units.Duration `yaml:"retention_check_interval" json:"retention_check_interval,omitempty"`
	// Truncation is how a follower finds where its log diverges from a new
	// leader's: "leader-epoch" (the default: KIP-101/279, it asks the
	// leader where its last epoch ended) or "high-watermark" (before Kafka
	// 0.11: it cuts its log at its own high watermark). See faults_broker.go.
	Truncation string `yaml:"truncation" json:"truncation,omitempty"`
	// BrokerSessionTimeout is how long the controller waits for a silent
	// broker before fencing it and moving its leaders (9s).
	BrokerSessionTimeout units.Duration `yaml:"broker_session_timeout" json:"broker_session_timeout,omitempty"`
	// BrokerHeartbeatInterval is broker.heartbeat.interval.ms: how often
	// each broker heartbeats to the controller (2s); the session timeout
	// runs from the last heartbeat the controller received.
	BrokerHeartbeatInterval units.Duration `yaml:"broker_heartbeat_interval" json:"broker_heartbeat_interval,omitempty"`
	// ElectionCost is the controller time one metadata batch of leader
	// elections takes (written and committed to the metadata log), charged
	// once per batch however many partitions it moves (5ms).
	ElectionCost units.Duration `yaml:"election_cost" json:"election_cost,omitempty"`
	// ControllerQuorumVoters is how many KRaft controllers vote in the
	// metadata quorum (controller.quorum.voters; 3). A metadata batch is
	// committed once a majority has it; without a majority alive nothing
	// is elected or fenced.
	ControllerQuorumVoters int `yaml:"controller_quorum_voters" json:"controller_quorum_voters,omitempty"`
	// ControllerQuorumElectionTimeout is controller.quorum.election.timeout.ms
	// (1s): how long voters go without hearing from the active controller
	// before one of them stands for election.
	ControllerQuorumElectionTimeout units.Duration `yaml:"controller_quorum_election_timeout" json:"controller_quorum_election_timeout,omitempty"`
	// ControllerQuorumElectionBackoffMax is
	// controller.quorum.election.backoff.max.ms (1s): each voter waits a
	// random extra time up to it, so one candidate usually stands alone.
	ControllerQuorumElectionBackoffMax units.Duration `yaml:"controller_quorum_election_backoff_max" json:"controller_quorum_election_backoff_max,omitempty"`
	// OffsetsTopicReplicationFactor is offsets.topic.replication.factor
	// (3, at most the broker count): the replicas of each
	// __consumer_offsets partition, whose leader is a group's coordinator.
	OffsetsTopicReplicationFactor int `yaml:"offsets_topic_replication_factor" json:"offsets_topic_replication_factor,omitempty"`
	// TransactionVersion is the cluster's transaction.version feature (txn.go).
	TransactionVersion int `yaml:"transaction_version" json:"transaction_version,omitempty"`
	// FlushMessages is log.flush.interval.messages: a log is fsynced once
	// this many messages were appended since its last flush, and the
	// append (a produce request, a follower's fetch) waits for it. Unset
	// (0) is Kafka's default: never, durability comes from replication.
	FlushMessages int `yaml:"flush_messages" json:"flush_messages,omitempty"`
	// FlushInterval is log.flush.interval.ms: every log with unflushed
	// messages is fsynced this often in the background (Kafka's log
	// flusher); no append waits for it. Unset (0): never.
	FlushInterval units.Duration `yaml:"flush_interval" json:"flush_interval,omitempty"`
	// TLS encrypts the listeners: a fetch (a consumer's or a follower's)
	// can no longer be sent from the page cache by zero-copy, so its bytes
	// pass through the broker and cost cpu_per_mb each.
	TLS bool `yaml:"tls" json:"tls,omitempty"`
	// GCPause is the duration of a broker JVM's stop-the-world pauses;
	// they come at random, GCPauseInterval apart on average (1s when
	// unset), each broker on its own. Unset: no pauses (for the published
	// young-GC figures of a Kafka broker, see docs/model.md).
	GCPause         TimeDist       `yaml:"gc_pause" json:"gc_pause,omitzero"`
	GCPauseInterval units.Duration `yaml:"gc_pause_interval" json:"gc_pause_interval,omitempty"`
}

// Hardware is one broker's machine. Zero fields take the profile's value.
type Hardware struct {
	NICIn     units.Bandwidth `yaml:"nic_in" json:"nic_in"`
	NICOut    units.Bandwidth `yaml:"nic_out" json:"nic_out"`
	DiskWrite units.Bandwidth `yaml:"disk_write" json:"disk_write"`
	DiskRead  units.Bandwidth `yaml:"disk_read" json:"disk_read"`
	// DiskSeek is what one random access costs the disk beyond its bytes
	// (a seek and half a revolution on a spinning disk, next to nothing on
	// flash): charged whenever the disk turns from one file to another, so
	// one log at a time is sequential and many interleaved are random. The
	// disk's random 4 KiB bandwidth is 4 KiB / (disk_seek + 4 KiB ÷ disk_write).
	DiskSeek units.Duration `yaml:"disk_seek" json:"disk_seek"`
	// NICQueue is how a NIC serves its connections: fair (the default:
	// each connection with data waiting gets its share, as Linux's fq
	// qdisc and TCP converge to) or fifo (one first-in-first-out byte
	// queue per direction, for comparison).
	NICQueue      string         `yaml:"nic_queue" json:"nic_queue,omitempty"`
	PageCache     units.Bytes    `yaml:"page_cache" json:"page_cache"` // memory for the page cache: recent bytes served from it, dirty bytes held in it
	CPUThreads    int            `yaml:"cpu_threads" json:"cpu_threads"`
	CPUPerRequest units.Duration `yaml:"cpu_per_request" json:"cpu_per_request"`
	CPUPerMB      units.Duration `yaml:"cpu_per_mb" json:"cpu_per_mb"` // CPU time per MB handled
	// CPUPerRecord is a leader's CPU time per record appended (Kafka's
	// log validation walks every record of a batch to check it and assign
	// its offset), on the handler thread.
	CPUPerRecord   units.Duration `yaml:"cpu_per_record" json:"cpu_per_record"`
	NetworkLatency units.Duration `yaml:"network_latency" json:"network_latency"`
	NetworkJitter  units.Duration `yaml:"network_jitter" json:"network_jitter"`
	// NetworkLatencyDist, when set, is the one-way latency of every
	// message, drawn from this distribution (e.g. lognormal(median=150us,
	// p99=600us)) in place of network_latency ± network_jitter: a long tail.
	NetworkLatencyDist TimeDist `yaml:"network_latency_dist" json:"network_latency_dist,omitzero"`

	// Write-back of the page cache, as Linux's vm.dirty_* settings:
	// dirty_ratio of page_cache may be dirty before writers block,
	// write-back starts past dirty_background_ratio, data dirty for
	// dirty_expire is written back at the flusher's next wake-up (every
	// dirty_writeback). Linux's defaults: 20%, 10%, 30s, 5s.
	DirtyRatio           units.Ratio    `yaml:"dirty_ratio" json:"dirty_ratio"`
	DirtyBackgroundRatio units.Ratio    `yaml:"dirty_background_ratio" json:"dirty_background_ratio"`
	DirtyExpire          units.Duration `yaml:"dirty_expire" json:"dirty_expire"`
	DirtyWriteback       units.Duration `yaml:"dirty_writeback" json:"dirty_writeback"`
	// FsyncLatency is how long the disk takes to confirm an fsync once the
	// file's bytes are written (cluster.flush_messages, flush_interval).
	FsyncLatency TimeDist `yaml:"fsync_latency" json:"fsync_latency"`
}

// Topic is a named log split into partitions.
type Topic struct {
	Name              string         `yaml:"name" json:"name"`
	Partitions        int            `yaml:"partitions" json:"partitions"`                   // required
	ReplicationFactor int            `yaml:"replication_factor" json:"replication_factor"`   // default min(3, brokers)
	MinInsyncReplicas int            `yaml:"min_insync_replicas" json:"min_insync_replicas"` // default the cluster's
	Retention         units.Duration `yaml:"retention" json:"retention"`                     // 7d
	RetentionBytes    units.Bytes    `yaml:"retention_bytes" json:"retention_bytes"`         // 0 = unlimited
	SegmentBytes      units.Bytes    `yaml:"segment_bytes" json:"segment_bytes"`             // 1GiB

	// MaxMessageBytes is the topic's max.message.bytes: the largest record
	// batch its logs accept (Kafka's default 1048588).
	MaxMessageBytes units.Bytes `yaml:"max_message_bytes" json:"max_message_bytes"`
}

// Producer is one or more identical producer clients writing to a topic.
type Producer struct {
	Name      string     `yaml:"name" json:"name"`
	Topic     string     `yaml:"topic" json:"topic"`
	Instances int        `yaml:"instances" json:"instances"` // default 1; the rate is shared among them
	Rate      units.Rate `yaml:"rate" json:"rate"`           // total messages/s
	// Arrival is the arrival process: "poisson" (default), "constant",
	// "bursts(on=1s, off=4s)", "daily(peak=10x)" or "trace(rates.csv)".
	Arrival string `yaml:"arrival" json:"arrival"`
	// Keys is the key distribution: "none" (sticky partitioner, the
	// default), "uniform(10000)", "zipf(n=10000, s=1.1)", "hot(share=70%, n=1000)".
	Keys        string   `yaml:"keys" json:"keys"`
	MessageSize SizeDist `yaml:"message_size" json:"message_size"` // default const(500B)

	Acks      string      `yaml:"acks" json:"acks"` // "all" (default), "1", "0"
	BatchSize units.Bytes `yaml:"batch_size" json:"batch_size"`
	// Linger is linger.ms. Unset (nil) is Kafka's default, 5ms; 0 means
	// no linger: a batch is ready as soon as its first record is in.
	Linger      *units.Duration `yaml:"linger" json:"linger"`
	Compression string          `yaml:"compression" json:"compression"` // none, gzip, snappy, lz4, zstd
	// CompressionRatio is how much the codec shrinks these messages (4x =
	// a quarter of the bytes). Simulated payloads are not real bytes, so
	// the ratio cannot be measured by compressing them: it is required
	// with a codec, and it scales every byte the batch costs on the wire,
	// on disk and in the log.
	CompressionRatio units.Ratio    `yaml:"compression_ratio" json:"compression_ratio,omitempty"`
	MaxInFlight      int            `yaml:"max_in_flight" json:"max_in_flight"`
	Retries          *int           `yaml:"retries" json:"retries"`
	RetryBackoff     units.Duration `yaml:"retry_backoff" json:"retry_backoff"`
	RetryBackoffMax  units.Duration `yaml:"retry_backoff_max" json:"retry_backoff_max"`
	DeliveryTimeout  units.Duration `yaml:"delivery_timeout" json:"delivery_timeout"`
	RequestTimeout   units.Duration `yaml:"request_timeout" json:"request_timeout"`
	// MetadataMaxAge is metadata.max.age.ms: the producer refreshes its
	// cached partition leaders this often even without an error (Kafka's
	// default 5m, DefaultMetadataMaxAge).
	MetadataMaxAge    units.Duration `yaml:"metadata_max_age" json:"metadata_max_age"`
	BufferMemory      units.Bytes    `yaml:"buffer_memory" json:"buffer_memory"`
	MaxBlock          units.Duration `yaml:"max_block" json:"max_block"`
	EnableIdempotence *bool          `yaml:"enable_idempotence" json:"enable_idempotence"`

	// MaxRequestSize is max.request.size: a larger record is refused by
	// send() (RecordTooLargeException), and a request carries batches up
	// to this size.
	MaxRequestSize units.Bytes `yaml:"max_request_size" json:"max_request_size"`
	// Backpressure (consumers.go): what send() does when buffer_memory is
	// full ("block" up to max_block, Kafka's way, or "error" at once); a
	// client-side token bucket (rate_limit messages/s, bursts of
	// rate_burst); and dropping low-priority messages under load.
	BufferFull string      `yaml:"buffer_full" json:"buffer_full,omitempty"`
	RateLimit  units.Rate  `yaml:"rate_limit" json:"rate_limit,omitempty"`
	RateBurst  units.Count `yaml:"rate_burst" json:"rate_burst,omitempty"`
	Drop       *Drop       `yaml:"drop" json:"drop,omitempty"`
	// TransactionalID makes the producer transactional, with Transaction's settings (txn.go).
	TransactionalID string               `yaml:"transactional_id" json:"transactional_id,omitempty"`
	Transaction     *ProducerTransaction `yaml:"transaction" json:"transaction,omitempty"`
}

// LingerTime is linger.ms: the value set, or Kafka's default when unset.
func (p *Producer) LingerTime() units.Duration {
	if p.Linger == nil {
		return DefaultLinger
	}
	return *p.Linger
}

// ConsumerGroup is a set of consumers sharing a topic's partitions.
type ConsumerGroup struct {
	Name       string   `yaml:"name" json:"name"`
	Topic      string   `yaml:"topic" json:"topic"`
	Consumers  int      `yaml:"consumers" json:"consumers"`   // default 1
	Processing TimeDist `yaml:"processing" json:"processing"` // per-message service time (default const(0))
	// Type is "consumer" (the default) or "share": a KIP-932 share group,
	// configured by Share (sharegroup.go).
	Type  string      `yaml:"type" json:"type,omitempty"`
	Share *ShareGroup `yaml:"share" json:"share,omitempty"`

	MaxPollRecords         int            `yaml:"max_poll_records" json:"max_poll_records"`
	FetchMinBytes          units.Bytes    `yaml:"fetch_min_bytes" json:"fetch_min_bytes"`
	FetchMaxWait           units.Duration `yaml:"fetch_max_wait" json:"fetch_max_wait"`
	MaxPartitionFetchBytes units.Bytes    `yaml:"max_partition_fetch_bytes" json:"max_partition_fetch_bytes"`
	FetchMaxBytes          units.Bytes    `yaml:"fetch_max_bytes" json:"fetch_max_bytes"`
	// Commit is when offsets are committed: "auto" (default: every
	// auto_commit_interval, the previous poll's offsets), "after" (after
	// processing each poll) or "before" (before processing: at-most-once).
	Commit             string         `yaml:"commit" json:"commit"`
	AutoCommitInterval units.Duration `yaml:"auto_commit_interval" json:"auto_commit_interval"`
	Assignment         string         `yaml:"assignment" json:"assignment"` // range (default), roundrobin, cooperative-sticky
	IsolationLevel     string         `yaml:"isolation_level" json:"isolation_level"`
	AutoOffsetReset    string         `yaml:"auto_offset_reset" json:"auto_offset_reset"`
	// Idempotent processing: a dedupe store of message ids, so redelivered
	// messages are skipped (the seed's recommended pattern).
	Idempotent        bool           `yaml:"idempotent" json:"idempotent"`
	SessionTimeout    units.Duration `yaml:"session_timeout" json:"session_timeout"`
	HeartbeatInterval units.Duration `yaml:"heartbeat_interval" json:"heartbeat_interval"`
	MaxPollInterval   units.Duration `yaml:"max_poll_interval" json:"max_poll_interval"`
	// StaticMembership gives every member a group.instance.id: a member
	// back within session_timeout gets its partitions without a rebalance.
	StaticMembership bool `yaml:"static_membership" json:"static_membership,omitempty"`
	// InitialRebalanceDelay is group.initial.rebalance.delay.ms (Kafka's
	// broker default 3s). The default here is 0: a run starts with the group
	// already forming; set it to see the first join wait.
	InitialRebalanceDelay units.Duration `yaml:"initial_rebalance_delay" json:"initial_rebalance_delay,omitempty"`
	// MetadataMaxAge is metadata.max.age.ms: how often the group's leader
	// refreshes topic metadata, so how late it notices partitions added to
	// its topic (an add-partitions fault). 0 means Kafka's default, 5m
	// (DefaultMetadataMaxAge).
	MetadataMaxAge units.Duration `yaml:"metadata_max_age" json:"metadata_max_age,omitempty"`
	// CoordinatorRequestTimeout is request.timeout.ms for the group's
	// requests to its coordinator (Kafka's 30s): how long a member waits
	// for an answer from a coordinator that went silent.
	CoordinatorRequestTimeout units.Duration `yaml:"coordinator_request_timeout" json:"coordinator_request_timeout,omitempty"`
	// Failures, Autoscale and Downstream: see consumers.go.
	Failures   *Failures   `yaml:"failures" json:"failures,omitempty"`
	Autoscale  *Autoscale  `yaml:"autoscale" json:"autoscale,omitempty"`
	Downstream *Downstream `yaml:"downstream" json:"downstream,omitempty"`
	// Pipeline makes the group a consume-transform-produce stage (txn.go).
	Pipeline *Pipeline `yaml:"pipeline" json:"pipeline,omitempty"`
}

// Fault is something that goes wrong at a simulated time: a broker crash, a
// network partition, a slow disk, a consumer stall… Type picks the kind
// (FaultTypes lists them with the fields each needs); the other fields are
// its target and parameters. A fault with a Duration is reverted (the broker
// restarts, the partition heals, the slowdown ends) at At + Duration; with no
// Duration it lasts to the end of the run.
type Fault struct {
	Type     string         `yaml:"type" json:"type"`
	At       units.Duration `yaml:"at" json:"at"`
	Duration units.Duration `yaml:"duration" json:"duration,omitempty"`
	Label    string         `yaml:"label" json:"label,omitempty"` // shown on plots; defaults to the type and target

	// Targets.
	Broker *int `yaml:"broker" json:"broker,omitempty"` // a broker id, 0-based
	// Leader targets whichever broker leads this partition ("topic/N") when
	// the fault starts — the usual way to say "the busy leader dies".
	Leader   string `yaml:"leader" json:"leader,omitempty"`
	Group    string `yaml:"group" json:"group,omitempty"`       // a consumer group
	Consumer *int   `yaml:"consumer" json:"consumer,omitempty"` // a member of Group, 0-based
	Topic    string `yaml:"topic" json:"topic,omitempty"`       // a topic (add-partitions)
	Producer string `yaml:"producer" json:"producer,omitempty"` // a producer, every instance (producer-crash)
	Service  string `yaml:"service" json:"service,omitempty"`   // a service's instances (system: services)
	// From lists what a network partition cuts the broker off from:
	// "controller", "peers" (all other brokers), "broker:N", "clients".
	From []string `yaml:"from" json:"from,omitempty"`

	// Parameters.
	Slowdown      units.Ratio `yaml:"slowdown" json:"slowdown,omitempty"`               // how many times slower (10x)
	Share         units.Ratio `yaml:"share" json:"share,omitempty"`                     // a share of requests or messages (30%)
	LosePageCache bool        `yaml:"lose_page_cache" json:"lose_page_cache,omitempty"` // a crash loses unflushed data
	Count         int         `yaml:"count" json:"count,omitempty"`                     // how many (partitions to add)
}
