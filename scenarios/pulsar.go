package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"mqsim/scenarios/units"
)

// SystemPulsar is Apache Pulsar: stateless brokers over BookKeeper.
const SystemPulsar = "pulsar"

func init() { SystemNames = append(SystemNames, SystemPulsar) }

// Pulsar's and BookKeeper's documented defaults (broker.conf,
// bookkeeper.conf and the client's builders, 3.x; docs/scenarios.md gives
// each source), applied by Defaults to a `system: pulsar` scenario.
const (
	DefaultPulsarBookies             = 3
	DefaultPulsarEnsemble            = 2 // managedLedgerDefaultEnsembleSize
	DefaultPulsarWriteQuorum         = 2 // managedLedgerDefaultWriteQuorum
	DefaultPulsarAckQuorum           = 2 // managedLedgerDefaultAckQuorum
	DefaultPulsarBundles             = 4 // defaultNumberOfNamespaceBundles
	DefaultPulsarSessionTimeout      = 30 * units.Second
	DefaultPulsarAddEntryTimeout     = 30 * units.Second // bookkeeperClientTimeoutInSeconds
	DefaultPulsarRolloverEntries     = 50_000            // managedLedgerMaxEntriesPerLedger
	DefaultPulsarRolloverMinTime     = 10 * units.Minute
	DefaultPulsarRolloverMaxTime     = 240 * units.Minute
	DefaultPulsarRolloverBytes       = 2 << 30                // managedLedgerMaxSizePerLedgerMbytes 2048
	DefaultPulsarBatchingMaxDelay    = 1 * units.Millisecond  // batchingMaxPublishDelay
	DefaultPulsarBatchingMaxMessages = 1000                   // batchingMaxMessages
	DefaultPulsarBatchingMaxBytes    = 128 << 10              // batchingMaxBytes
	DefaultPulsarSendTimeout         = 30 * units.Second      // sendTimeout
	DefaultPulsarCacheEviction       = 1 * units.Second       // managedLedgerCacheEvictionTimeThresholdMillis
	DefaultPulsarMarkDeleteInterval  = 1 * units.Second       // managedLedgerDefaultMarkDeleteRateLimit 1/s
	DefaultPulsarUnackedRanges       = 10_000                 // managedLedgerMaxUnackedRangesToPersist
	DefaultPulsarUnackedPerConsumer  = 50_000                 // maxUnackedMessagesPerConsumer
	DefaultPulsarUnackedPerSub       = 200_000                // maxUnackedMessagesPerSubscription
	DefaultPulsarDispatchBatch       = 100                    // dispatcherMaxReadBatchSize
	DefaultPulsarKeySharedLookahead  = 2000                   // keySharedLookAheadMsgInReplayThresholdPerConsumer
	DefaultPulsarQuotaCheck          = 60 * units.Second      // backlogQuotaCheckIntervalInSeconds
	DefaultPulsarObjectLatency       = 50 * units.Millisecond // a GET's first byte from an object store: an estimate
	DefaultPulsarObjectBandwidth     = 100 << 20              // bytes/s one topic's offloaded reads stream at: an estimate
	DefaultPulsarOffloadDeletionLag  = 4 * units.Hour         // managedLedgerOffloadDeletionLagMs
	DefaultPulsarAckGroupTime        = 100 * units.Millisecond
	DefaultPulsarReceiverQueue       = 1000
	DefaultPulsarNegativeAckDelay    = 1 * units.Minute
	DefaultPulsarFailoverDelay       = 1 * units.Second       // activeConsumerFailoverDelayTimeMillis
	DefaultPulsarMaxReconsumeTimes   = 16                     // RetryMessageUtil.MAX_RECONSUMETIMES: enableRetry without a dead-letter policy
	DefaultPulsarKeySharedRange      = 65536                  // Key_Shared hash range
	DefaultPulsarWANLatency          = 40 * units.Millisecond // one way between regions: an estimate (transatlantic ~40 ms)
	DefaultPulsarWANBandwidth        = 125 << 20              // bytes/s each way between two regions: an estimate (1 Gbit/s)
)

// Pulsar is the `pulsar:` section of a scenario with `system: pulsar`.
//
// How the shared workload maps: cluster.brokers are Pulsar brokers (they
// store nothing); every topic partition is a managed ledger on the
// bookies; every consumer group is a subscription of its topic (type
// and ack settings under subscriptions); producers publish with the
// client's batching below. The Kafka-only producer fields (acks, linger,
// batch_size, compression) are not read.
type Pulsar struct {
	// Bookies is the number of BookKeeper bookies, each on a machine of
	// the cluster's hardware profile.
	Bookies int `yaml:"bookies" json:"bookies"`
	// Ensemble (E), WriteQuorum (Qw) and AckQuorum (Qa): each ledger is
	// written to E bookies, each entry to Qw of them (striped when E >
	// Qw), acknowledged once Qa have it in their journals. 2/2/2 by
	// default; 3/3/2 is common.
	Ensemble    int `yaml:"ensemble" json:"ensemble"`
	WriteQuorum int `yaml:"write_quorum" json:"write_quorum"`
	AckQuorum   int `yaml:"ack_quorum" json:"ack_quorum"`
	// Bundles is the number of bundles (hash ranges of topic names) a
	// namespace is split in; a broker owns whole bundles.
	Bundles int `yaml:"bundles" json:"bundles"`
	// SessionTimeout is how long the metadata store waits before it
	// declares a silent broker dead and its bundles are reassigned.
	SessionTimeout units.Duration `yaml:"session_timeout" json:"session_timeout"`
	// AddEntryTimeout is how long a broker waits for a bookie's answer
	// before it replaces the bookie (ensemble change).
	AddEntryTimeout units.Duration `yaml:"add_entry_timeout" json:"add_entry_timeout"`
	// Ledger rollover: a ledger is closed and a new one opened after
	// RolloverEntries entries once it is RolloverMinTime old, or at
	// RolloverMaxTime or RolloverBytes whatever its entries.
	RolloverEntries int            `yaml:"rollover_entries" json:"rollover_entries"`
	RolloverMinTime units.Duration `yaml:"rollover_min_time" json:"rollover_min_time"`
	RolloverMaxTime units.Duration `yaml:"rollover_max_time" json:"rollover_max_time"`
	RolloverBytes   units.Bytes    `yaml:"rollover_bytes" json:"rollover_bytes"`
	// Producer batching: a batch (one BookKeeper entry) goes when it has
	// BatchingMaxMessages or BatchingMaxBytes, or BatchingMaxDelay after
	// its first message. SendTimeout fails a send not acknowledged in time.
	BatchingMaxDelay    units.Duration `yaml:"batching_max_delay" json:"batching_max_delay"`
	BatchingMaxMessages int            `yaml:"batching_max_messages" json:"batching_max_messages"`
	BatchingMaxBytes    units.Bytes    `yaml:"batching_max_bytes" json:"batching_max_bytes"`
	SendTimeout         units.Duration `yaml:"send_timeout" json:"send_timeout"`
	// CacheEviction: entries younger than this are read from the broker's
	// cache; older ones from the bookies (or the object store).
	CacheEviction units.Duration `yaml:"cache_eviction" json:"cache_eviction"`
	// MarkDeleteInterval is how often a cursor persists its mark-delete
	// position and ack holes; UnackedRangesToPersist how many ranges of
	// ack holes it persists (the rest live only in the broker's memory).
	MarkDeleteInterval     units.Duration `yaml:"mark_delete_interval" json:"mark_delete_interval"`
	UnackedRangesToPersist int            `yaml:"unacked_ranges_to_persist" json:"unacked_ranges_to_persist"`
	// Broker flow control: dispatching to a consumer stops at
	// MaxUnackedPerConsumer unacknowledged messages, to a subscription at
	// MaxUnackedPerSubscription.
	MaxUnackedPerConsumer     int `yaml:"max_unacked_per_consumer" json:"max_unacked_per_consumer"`
	MaxUnackedPerSubscription int `yaml:"max_unacked_per_subscription" json:"max_unacked_per_subscription"`
	// DispatchBatch is how many entries a dispatcher reads at once.
	DispatchBatch int `yaml:"dispatch_batch" json:"dispatch_batch"`
	// KeySharedLookahead: a Key_Shared dispatcher stops reading new
	// messages while it holds this many per consumer for redelivery.
	KeySharedLookahead int `yaml:"key_shared_lookahead" json:"key_shared_lookahead"`
	// BacklogQuotaCheck is how often brokers compare backlogs with quotas.
	BacklogQuotaCheck units.Duration `yaml:"backlog_quota_check" json:"backlog_quota_check"`
	// The tiered-storage object store: first-byte latency and bandwidth of
	// a read of offloaded data.
	ObjectStoreLatency   units.Duration `yaml:"object_store_latency" json:"object_store_latency"`
	ObjectStoreBandwidth units.Bytes    `yaml:"object_store_bandwidth" json:"object_store_bandwidth"`

	// Regions, when given, make the cluster one per region — each with
	// cluster.brokers brokers and Bookies bookies — joined by WAN links of
	// WANLatency (one way) and WANBandwidth (each direction between two
	// regions), every topic geo-replicated to every region (asynchronous:
	// a replicator in each region reads the messages published there and
	// publishes them to the others). RegionOutages take a whole region
	// dark.
	Regions       []PulsarRegion       `yaml:"regions" json:"regions,omitempty"`
	WANLatency    units.Duration       `yaml:"wan_latency" json:"wan_latency,omitempty"`
	WANBandwidth  units.Bytes          `yaml:"wan_bandwidth" json:"wan_bandwidth,omitempty"`
	RegionOutages []PulsarRegionOutage `yaml:"region_outages" json:"region_outages,omitempty"`

	// Deduplication (brokerDeduplicationEnabled, off by default): the
	// broker keeps the highest sequence id persisted per producer and
	// drops a send at or below it (a retry after a failover), answering
	// it as if written.
	Deduplication bool `yaml:"deduplication" json:"deduplication,omitempty"`

	Subscriptions []PulsarSubscription `yaml:"subscriptions" json:"subscriptions,omitempty"`
	Topics        []PulsarTopicPolicy  `yaml:"topics" json:"topics,omitempty"`
	// BookieCrashes are bookie failures (the shared faults: name brokers).
	BookieCrashes []PulsarBookieCrash `yaml:"bookie_crashes" json:"bookie_crashes,omitempty"`
}

// PulsarSubscription is how one consumer group subscribes.
type PulsarSubscription struct {
	Group string `yaml:"group" json:"group"`
	// Type is exclusive (the default for one consumer; failover for a
	// group of several), failover (one active
	// consumer per partition, the next takes over after FailoverDelay),
	// shared (round-robin, no order) or key_shared (hash ranges of keys).
	Type string `yaml:"type" json:"type"`
	// Ack is individual (the default) or cumulative (acks everything up to
	// a message; not for shared and key_shared).
	Ack string `yaml:"ack" json:"ack"`
	// AckGroupTime: the client sends acks in groups this often (100ms).
	AckGroupTime units.Duration `yaml:"ack_group_time" json:"ack_group_time"`
	// ReceiverQueue is each consumer's prefetch per partition (1000).
	ReceiverQueue int `yaml:"receiver_queue" json:"receiver_queue"`
	// NegativeAckDelay: a nacked message is redelivered after it (1m).
	NegativeAckDelay units.Duration `yaml:"negative_ack_delay" json:"negative_ack_delay"`
	// AckTimeout redelivers messages unacknowledged that long (0: off).
	AckTimeout units.Duration `yaml:"ack_timeout" json:"ack_timeout,omitempty"`
	// OnFailure is what the application does with a message it failed to
	// process (the group's failures): nack (negativeAcknowledge, the
	// default), ignore (neither acks nor nacks: it stays unacknowledged)
	// or reconsume_later (the retry letter topic: the client publishes it
	// to <topic>-<subscription>-RETRY to come back after ReconsumeDelay,
	// and acknowledges the original; past MaxRedeliverCount reconsumes —
	// 16 when not set — it goes to the dead-letter topic).
	OnFailure string `yaml:"on_failure" json:"on_failure"`
	// ReconsumeDelay is the delay the application passes to
	// reconsumeLater (it has no default upstream; 1m here, as a nack's).
	ReconsumeDelay units.Duration `yaml:"reconsume_delay" json:"reconsume_delay,omitempty"`
	// MaxRedeliverCount > 0 is the dead-letter policy: a message delivered
	// more often is sent to the dead-letter topic and acknowledged.
	MaxRedeliverCount int `yaml:"max_redeliver_count" json:"max_redeliver_count,omitempty"`
	// FailoverDelay is how long a failover standby waits to take over.
	FailoverDelay units.Duration `yaml:"failover_delay" json:"failover_delay"`
	// SubscribeAt creates the subscription this far into the run, at
	// InitialPosition: latest (the default) or earliest (replay).
	SubscribeAt     units.Duration `yaml:"subscribe_at" json:"subscribe_at,omitempty"`
	InitialPosition string         `yaml:"initial_position" json:"initial_position"`
}

// PulsarTopicPolicy holds one topic's policies — Pulsar sets them on its
// namespace, and each topic of the namespace gets them.
type PulsarTopicPolicy struct {
	Topic string `yaml:"topic" json:"topic"`
	// Namespace is the topic's tenant/namespace, a label for reports (the
	// policies below are what a namespace gives each of its topics).
	Namespace string `yaml:"namespace" json:"namespace,omitempty"`
	// PublishRate caps each partition's publishing in messages per second
	// (publishMaxMessageRate, with a second's burst): the broker stops
	// reading the producer's connection until the rate allows, so the
	// producer is slowed rather than its neighbours (0: no cap).
	PublishRate units.Rate `yaml:"publish_rate" json:"publish_rate,omitempty"`
	// BacklogQuotaSize and BacklogQuotaTime limit the backlog of the
	// slowest subscription (0: no limit); BacklogQuotaPolicy is what
	// happens past it: producer_request_hold (the default: sends wait),
	// producer_exception (sends fail) or consumer_backlog_eviction (the
	// slowest subscription loses its oldest messages).
	BacklogQuotaSize   units.Bytes    `yaml:"backlog_quota_size" json:"backlog_quota_size,omitempty"`
	BacklogQuotaTime   units.Duration `yaml:"backlog_quota_time" json:"backlog_quota_time,omitempty"`
	BacklogQuotaPolicy string         `yaml:"backlog_quota_policy" json:"backlog_quota_policy,omitempty"`
	// Retention keeps acknowledged messages: RetentionTime or
	// RetentionSize (0: deleted once every subscription acknowledged
	// them), RetentionInfinite for ever.
	RetentionTime     units.Duration `yaml:"retention_time" json:"retention_time,omitempty"`
	RetentionSize     units.Bytes    `yaml:"retention_size" json:"retention_size,omitempty"`
	RetentionInfinite bool           `yaml:"retention_infinite" json:"retention_infinite,omitempty"`
	// OffloadThreshold > 0 offloads closed ledgers to the object store
	// once the topic's bookie storage exceeds it; the bookies' copy is
	// deleted OffloadDeletionLag later (4h).
	OffloadThreshold   units.Bytes    `yaml:"offload_threshold" json:"offload_threshold,omitempty"`
	OffloadDeletionLag units.Duration `yaml:"offload_deletion_lag" json:"offload_deletion_lag"`
}

// PulsarRegion is one region's cluster and the clients in it: producers
// and consumer groups not listed in any region are in the first.
type PulsarRegion struct {
	Name      string   `yaml:"name" json:"name"`
	Producers []string `yaml:"producers" json:"producers,omitempty"`
	Groups    []string `yaml:"groups" json:"groups,omitempty"`
}

// PulsarRegionOutage takes every broker and bookie of a region down (their
// machines); without a duration the region never comes back.
type PulsarRegionOutage struct {
	Region   string         `yaml:"region" json:"region"`
	At       units.Duration `yaml:"at" json:"at"`
	Duration units.Duration `yaml:"duration" json:"duration,omitempty"`
}

// PulsarBookieCrash is one bookie failure.
type PulsarBookieCrash struct {
	Bookie   int            `yaml:"bookie" json:"bookie"`
	At       units.Duration `yaml:"at" json:"at"`
	Duration units.Duration `yaml:"duration" json:"duration,omitempty"` // 0: down to the end
	// LosePageCache: the machine dies, losing what its journal had not
	// fsynced; otherwise the process dies and connections are refused.
	LosePageCache bool `yaml:"lose_page_cache" json:"lose_page_cache,omitempty"`
}

// PulsarFaults are the shared fault types a Pulsar scenario may list.
var PulsarFaults = []string{"broker-crash", "consumer-crash", "network-partition"}

func init() {
	Metrics = append(Metrics,
		MetricInfo{"bookie_entries", KindCount, "Pulsar: entries bookies wrote to their journals (each entry counts once per bookie)"},
		MetricInfo{"journal_fsyncs", KindCount, "Pulsar: journal fsyncs (fewer than entries is group commit)"},
		MetricInfo{"ensemble_changes", KindCount, "Pulsar: ledgers given a new fragment after a bookie failed"},
		MetricInfo{"ledger_rollovers", KindCount, "Pulsar: ledgers closed by rollover and replaced"},
		MetricInfo{"ledger_recoveries", KindCount, "Pulsar: ledgers fenced and recovered by a new owner"},
		MetricInfo{"bundle_reassignments", KindCount, "Pulsar: bundles moved to another broker after a broker failed"},
		MetricInfo{"cursor_persists", KindCount, "Pulsar: cursor states written (mark-delete position and ack holes)"},
		MetricInfo{"max_ack_holes", KindCount, "Pulsar: ack-hole ranges of any cursor, largest seen"},
		MetricInfo{"negative_acks", KindCount, "Pulsar: messages negatively acknowledged"},
		MetricInfo{"ack_timeouts", KindCount, "Pulsar: messages redelivered because their ack timeout passed"},
		MetricInfo{"quota_held", KindCount, "Pulsar: sends held by a backlog quota (producer_request_hold)"},
		MetricInfo{"quota_rejected", KindCount, "Pulsar: sends failed by a backlog quota (producer_exception; part of failed)"},
		MetricInfo{"quota_evicted", KindCount, "Pulsar: messages a backlog quota skipped for the slowest subscription (consumer_backlog_eviction)"},
		MetricInfo{"offloaded_ledgers", KindCount, "Pulsar: ledgers offloaded to the object store"},
		MetricInfo{"tiered_reads", KindCount, "Pulsar: messages dispatched from offloaded ledgers"},
		MetricInfo{"bookie_reads", KindCount, "Pulsar: messages dispatched from bookies (the broker cache missed)"},
		MetricInfo{"cache_reads", KindCount, "Pulsar: messages dispatched from the broker's cache"},
		MetricInfo{"max_key_shared_held", KindCount, "Pulsar: messages a Key_Shared dispatcher held back for a newly joined consumer, largest"},
		MetricInfo{"max_replication_lag", KindDuration, "Pulsar: longest time from a message's receipt in its region to its receipt in another"},
		MetricInfo{"geo_unreplicated", KindCount, "Pulsar: acknowledged messages some region never received by the end"},
		MetricInfo{"publish_throttled", KindCount, "Pulsar: messages a publish-rate quota delayed"},
		MetricInfo{"ledgers_deleted", KindCount, "Pulsar: ledgers deleted (consumed and past retention)"},
		MetricInfo{"max_dispatch_rate_tiered", KindRate, "Pulsar: messages/s dispatched from offloaded ledgers, best second"},
		MetricInfo{"max_dispatch_rate_bookie", KindRate, "Pulsar: messages/s dispatched from bookies, best second"},
	)
}

// defaultsPulsar fills the pulsar: section of a Pulsar scenario.
func (s *Scenario) defaultsPulsar() {
	if s.System != SystemPulsar {
		return
	}
	if s.Pulsar == nil {
		s.Pulsar = &Pulsar{}
	}
	p := s.Pulsar
	setInt(&p.Bookies, DefaultPulsarBookies)
	setInt(&p.Ensemble, DefaultPulsarEnsemble)
	setInt(&p.WriteQuorum, min(p.Ensemble, DefaultPulsarWriteQuorum))
	setInt(&p.AckQuorum, min(p.WriteQuorum, DefaultPulsarAckQuorum))
	setInt(&p.Bundles, DefaultPulsarBundles)
	setDur(&p.SessionTimeout, DefaultPulsarSessionTimeout)
	setDur(&p.AddEntryTimeout, DefaultPulsarAddEntryTimeout)
	setInt(&p.RolloverEntries, DefaultPulsarRolloverEntries)
	setDur(&p.RolloverMinTime, DefaultPulsarRolloverMinTime)
	setDur(&p.RolloverMaxTime, DefaultPulsarRolloverMaxTime)
	setBytes(&p.RolloverBytes, DefaultPulsarRolloverBytes)
	setDur(&p.BatchingMaxDelay, DefaultPulsarBatchingMaxDelay)
	setInt(&p.BatchingMaxMessages, DefaultPulsarBatchingMaxMessages)
	setBytes(&p.BatchingMaxBytes, DefaultPulsarBatchingMaxBytes)
	setDur(&p.SendTimeout, DefaultPulsarSendTimeout)
	setDur(&p.CacheEviction, DefaultPulsarCacheEviction)
	setDur(&p.MarkDeleteInterval, DefaultPulsarMarkDeleteInterval)
	setInt(&p.UnackedRangesToPersist, DefaultPulsarUnackedRanges)
	setInt(&p.MaxUnackedPerConsumer, DefaultPulsarUnackedPerConsumer)
	setInt(&p.MaxUnackedPerSubscription, DefaultPulsarUnackedPerSub)
	setInt(&p.DispatchBatch, DefaultPulsarDispatchBatch)
	setInt(&p.KeySharedLookahead, DefaultPulsarKeySharedLookahead)
	setDur(&p.BacklogQuotaCheck, DefaultPulsarQuotaCheck)
	setDur(&p.ObjectStoreLatency, DefaultPulsarObjectLatency)
	setBytes(&p.ObjectStoreBandwidth, DefaultPulsarObjectBandwidth)
	if len(p.Regions) > 0 {
		setDur(&p.WANLatency, DefaultPulsarWANLatency)
		setBytes(&p.WANBandwidth, DefaultPulsarWANBandwidth)
	}
	for _, g := range s.ConsumerGroups {
		if !slices.ContainsFunc(p.Subscriptions, func(x PulsarSubscription) bool { return x.Group == g.Name }) {
			p.Subscriptions = append(p.Subscriptions, PulsarSubscription{Group: g.Name})
		}
	}
	consumers := map[string]int{}
	for _, g := range s.ConsumerGroups {
		consumers[g.Name] = g.Consumers
	}
	for i := range p.Subscriptions {
		x := &p.Subscriptions[i]
		// Pulsar's default is Exclusive, which refuses a second consumer:
		// a group of several gets failover, a Kafka group's semantics (one
		// consumer per partition, the others standing by).
		if consumers[x.Group] > 1 {
			setStr(&x.Type, "failover")
		}
		setStr(&x.Type, "exclusive")
		setStr(&x.Ack, "individual")
		setDur(&x.AckGroupTime, DefaultPulsarAckGroupTime)
		setInt(&x.ReceiverQueue, DefaultPulsarReceiverQueue)
		setDur(&x.NegativeAckDelay, DefaultPulsarNegativeAckDelay)
		setStr(&x.OnFailure, "nack")
		if x.OnFailure == "reconsume_later" {
			setDur(&x.ReconsumeDelay, DefaultPulsarNegativeAckDelay)
			// enableRetry without a dead-letter policy: MAX_RECONSUMETIMES.
			setInt(&x.MaxRedeliverCount, DefaultPulsarMaxReconsumeTimes)
		}
		setDur(&x.FailoverDelay, DefaultPulsarFailoverDelay)
		setStr(&x.InitialPosition, "latest")
	}
	for i := range p.Topics {
		t := &p.Topics[i]
		if t.BacklogQuotaSize > 0 || t.BacklogQuotaTime > 0 {
			setStr(&t.BacklogQuotaPolicy, "producer_request_hold")
		}
		setDur(&t.OffloadDeletionLag, DefaultPulsarOffloadDeletionLag)
	}
}

// validatePulsar checks the pulsar: section (and refuses it under another
// system).
func (s *Scenario) validatePulsar(v *validator) {
	if s.SystemName() != SystemPulsar {
		if s.Pulsar != nil && !s.systemSet {
			v.add("pulsar", "a Pulsar section under system: %s: set system: pulsar, or remove it", s.SystemName())
		}
		return
	}
	p := s.Pulsar
	if p == nil {
		return
	}
	v.between("pulsar.bookies", p.Bookies, 1, 64)
	v.between("pulsar.ensemble", p.Ensemble, 1, p.Bookies)
	v.between("pulsar.write_quorum", p.WriteQuorum, 1, p.Ensemble)
	v.between("pulsar.ack_quorum", p.AckQuorum, 1, p.WriteQuorum)
	v.between("pulsar.bundles", p.Bundles, 1, 4096)
	for _, d := range []struct {
		f string
		v units.Duration
	}{{"session_timeout", p.SessionTimeout}, {"add_entry_timeout", p.AddEntryTimeout}, {"rollover_min_time", p.RolloverMinTime},
		{"rollover_max_time", p.RolloverMaxTime}, {"batching_max_delay", p.BatchingMaxDelay}, {"send_timeout", p.SendTimeout},
		{"cache_eviction", p.CacheEviction}, {"mark_delete_interval", p.MarkDeleteInterval}, {"backlog_quota_check", p.BacklogQuotaCheck},
		{"object_store_latency", p.ObjectStoreLatency}} {
		if d.v <= 0 {
			v.add("pulsar."+d.f, "%v: want above 0", d.v)
		}
	}
	if p.RolloverMaxTime < p.RolloverMinTime {
		v.add("pulsar.rollover_max_time", "%v is below rollover_min_time %v", p.RolloverMaxTime, p.RolloverMinTime)
	}
	v.between("pulsar.rollover_entries", p.RolloverEntries, 1, 1<<30)
	if p.RolloverBytes < 1<<10 {
		v.add("pulsar.rollover_bytes", "%v: want at least 1KiB", p.RolloverBytes)
	}
	v.between("pulsar.batching_max_messages", p.BatchingMaxMessages, 1, 1<<20)
	if p.BatchingMaxBytes < 1 || p.BatchingMaxBytes > 5<<20 {
		v.add("pulsar.batching_max_bytes", "%v: want 1B to 5MiB (the broker's maxMessageSize)", p.BatchingMaxBytes)
	}
	v.between("pulsar.unacked_ranges_to_persist", p.UnackedRangesToPersist, 1, 1<<24)
	v.between("pulsar.max_unacked_per_consumer", p.MaxUnackedPerConsumer, 1, 1<<30)
	v.between("pulsar.max_unacked_per_subscription", p.MaxUnackedPerSubscription, 1, 1<<30)
	v.between("pulsar.dispatch_batch", p.DispatchBatch, 1, 10_000)
	v.between("pulsar.key_shared_lookahead", p.KeySharedLookahead, 1, 1<<24)
	if p.ObjectStoreBandwidth <= 0 {
		v.add("pulsar.object_store_bandwidth", "%v: want a rate above 0 (bytes per second)", p.ObjectStoreBandwidth)
	}
	groups := map[string]int{}
	for i, g := range s.ConsumerGroups {
		groups[g.Name] = i
	}
	seen := map[string]int{}
	for i, x := range p.Subscriptions {
		f := fmt.Sprintf("pulsar.subscriptions[%d].", i)
		gi, ok := groups[x.Group]
		if !ok {
			v.add(f+"group", "%q is not a consumer group of this scenario", x.Group)
		} else if j, dup := seen[x.Group]; dup {
			v.add(f+"group", "group %q already has pulsar.subscriptions[%d]", x.Group, j)
		} else {
			seen[x.Group] = i
		}
		v.oneOf(f+"type", x.Type, "exclusive", "failover", "shared", "key_shared")
		v.oneOf(f+"ack", x.Ack, "individual", "cumulative")
		if x.Ack == "cumulative" && (x.Type == "shared" || x.Type == "key_shared") {
			v.add(f+"ack", "cumulative acks are refused on %s subscriptions: use individual", x.Type)
		}
		if ok && x.Type == "exclusive" && s.ConsumerGroups[gi].Consumers > 1 {
			v.add(f+"type", "exclusive with %d consumers: the broker refuses every consumer after the first (ConsumerBusy); use failover for standbys", s.ConsumerGroups[gi].Consumers)
		}
		v.oneOf(f+"on_failure", x.OnFailure, "nack", "ignore", "reconsume_later")
		if x.ReconsumeDelay != 0 && x.OnFailure != "reconsume_later" {
			v.add(f+"reconsume_delay", "only with on_failure: reconsume_later (the retry letter topic)")
		}
		if x.ReconsumeDelay < 0 {
			v.add(f+"reconsume_delay", "%v: must not be negative", x.ReconsumeDelay)
		}
		v.oneOf(f+"initial_position", x.InitialPosition, "latest", "earliest")
		if x.AckGroupTime < 0 || x.AckGroupTime > units.Minute {
			v.add(f+"ack_group_time", "%v: want 0 (each ack at once) to 1m", x.AckGroupTime)
		}
		v.between(f+"receiver_queue", x.ReceiverQueue, 1, 1<<20)
		if x.NegativeAckDelay <= 0 {
			v.add(f+"negative_ack_delay", "%v: want above 0", x.NegativeAckDelay)
		}
		if x.AckTimeout != 0 && x.AckTimeout < units.Second {
			v.add(f+"ack_timeout", "%v: the client refuses an ack timeout below 1s (0 turns it off)", x.AckTimeout)
		}
		if x.MaxRedeliverCount < 0 {
			v.add(f+"max_redeliver_count", "%d: want 0 (no dead-letter policy) or more", x.MaxRedeliverCount)
		}
		if x.FailoverDelay < 0 {
			v.add(f+"failover_delay", "must not be negative")
		}
		if x.SubscribeAt < 0 || s.Duration > 0 && x.SubscribeAt >= s.Duration {
			v.add(f+"subscribe_at", "%v: want 0 to before the end of the run", x.SubscribeAt)
		}
	}
	topics := map[string]bool{}
	for _, t := range s.Topics {
		topics[t.Name] = true
	}
	seenT := map[string]int{}
	for i, t := range p.Topics {
		f := fmt.Sprintf("pulsar.topics[%d].", i)
		if !topics[t.Topic] {
			v.add(f+"topic", "%q is not a topic of this scenario", t.Topic)
		} else if j, dup := seenT[t.Topic]; dup {
			v.add(f+"topic", "topic %q already has pulsar.topics[%d]", t.Topic, j)
		} else {
			seenT[t.Topic] = i
		}
		if t.BacklogQuotaSize < 0 || t.BacklogQuotaTime < 0 {
			v.add(f+"backlog_quota_size", "must not be negative (0: no quota)")
		}
		if t.BacklogQuotaPolicy != "" {
			v.oneOf(f+"backlog_quota_policy", t.BacklogQuotaPolicy, "producer_request_hold", "producer_exception", "consumer_backlog_eviction")
			if t.BacklogQuotaSize == 0 && t.BacklogQuotaTime == 0 {
				v.add(f+"backlog_quota_policy", "set without backlog_quota_size or backlog_quota_time")
			}
		}
		if t.RetentionTime < 0 || t.RetentionSize < 0 {
			v.add(f+"retention_time", "must not be negative: write retention_infinite: true to keep everything")
		}
		if t.RetentionInfinite && (t.RetentionTime != 0 || t.RetentionSize != 0) {
			v.add(f+"retention_infinite", "set with retention_time or retention_size: give one or the other")
		}
		if t.PublishRate < 0 {
			v.add(f+"publish_rate", "must not be negative (0: no cap)")
		}
		if t.Namespace != "" && strings.Count(t.Namespace, "/") != 1 {
			v.add(f+"namespace", "%q: want tenant/namespace, e.g. acme/orders", t.Namespace)
		}
		if t.OffloadThreshold < 0 {
			v.add(f+"offload_threshold", "must not be negative (0: no offload)")
		}
		if t.OffloadDeletionLag < 0 {
			v.add(f+"offload_deletion_lag", "must not be negative")
		}
	}
	s.validatePulsarRegions(v)
	for i, b := range p.BookieCrashes {
		f := fmt.Sprintf("pulsar.bookie_crashes[%d].", i)
		if b.Bookie < 0 || b.Bookie >= p.Bookies {
			v.add(f+"bookie", "no bookie %d: bookies are numbered 0 to %d", b.Bookie, p.Bookies-1)
		}
		if b.At < 0 || s.Duration > 0 && b.At >= s.Duration {
			v.add(f+"at", "%v: want 0 to before the end of the run (duration %v)", b.At, s.Duration)
		}
		if b.Duration < 0 {
			v.add(f+"duration", "must not be negative")
		}
	}
	for i, f := range s.Faults {
		if !slices.Contains(PulsarFaults, f.Type) {
			v.add(fmt.Sprintf("faults[%d].type", i), "%q is not modelled for Pulsar (its faults: %s; bookies fail under pulsar.bookie_crashes)", f.Type, strings.Join(PulsarFaults, ", "))
		}
		for j, from := range f.From {
			if f.Type == "network-partition" && !slices.Contains([]string{"controller", "peers", "clients"}, from) {
				v.add(fmt.Sprintf("faults[%d].from[%d]", i, j), "%q: a Pulsar broker is cut from the controller (the metadata store), peers or clients", from)
			}
		}
		if f.Leader != "" {
			v.add(fmt.Sprintf("faults[%d].leader", i), "Pulsar faults name a broker: give broker: N")
		}
	}
	for i, g := range s.ConsumerGroups {
		if g.Autoscale != nil {
			v.add(fmt.Sprintf("consumer_groups[%d].autoscale", i), "not modelled under system: pulsar")
		}
		if g.Downstream != nil {
			v.add(fmt.Sprintf("consumer_groups[%d].downstream", i), "not modelled under system: pulsar")
		}
		if fl := g.Failures; fl != nil && (fl.DLQ != "" || len(fl.RetryTopics) > 0) {
			v.add(fmt.Sprintf("consumer_groups[%d].failures", i), "under system: pulsar a failed message is nacked or ignored (pulsar.subscriptions[].on_failure) and dead-lettered by max_redeliver_count")
		}
	}
}

// validatePulsarRegions checks the regions, their clients and outages.
func (s *Scenario) validatePulsarRegions(v *validator) {
	p := s.Pulsar
	if len(p.Regions) == 0 {
		for _, f := range []struct {
			name string
			set  bool
		}{{"wan_latency", p.WANLatency != 0}, {"wan_bandwidth", p.WANBandwidth != 0}, {"region_outages", len(p.RegionOutages) > 0}} {
			if f.set {
				v.add("pulsar."+f.name, "set without pulsar.regions: a single cluster has no WAN")
			}
		}
		return
	}
	if len(p.Regions) > 8 {
		v.add("pulsar.regions", "%d regions: at most 8", len(p.Regions))
	}
	if p.WANLatency <= 0 {
		v.add("pulsar.wan_latency", "%v: want above 0", p.WANLatency)
	}
	if p.WANBandwidth <= 0 {
		v.add("pulsar.wan_bandwidth", "%v: want a rate above 0 (bytes per second)", p.WANBandwidth)
	}
	producers, groups := map[string]bool{}, map[string]bool{}
	for _, x := range s.Producers {
		producers[x.Name] = true
	}
	for _, g := range s.ConsumerGroups {
		groups[g.Name] = true
	}
	names := map[string]int{}
	placed := map[string]string{}
	for i, r := range p.Regions {
		f := fmt.Sprintf("pulsar.regions[%d].", i)
		if r.Name == "" {
			v.add(f+"name", "missing: every region needs a name")
		} else if j, dup := names[r.Name]; dup {
			v.add(f+"name", "region %q is already declared at pulsar.regions[%d]", r.Name, j)
		} else {
			names[r.Name] = i
		}
		for j, x := range r.Producers {
			if !producers[x] {
				v.add(fmt.Sprintf("%sproducers[%d]", f, j), "%q is not a producer of this scenario", x)
			} else if other, ok := placed["p/"+x]; ok {
				v.add(fmt.Sprintf("%sproducers[%d]", f, j), "producer %q is already in region %s", x, other)
			}
			placed["p/"+x] = r.Name
		}
		for j, x := range r.Groups {
			if !groups[x] {
				v.add(fmt.Sprintf("%sgroups[%d]", f, j), "%q is not a consumer group of this scenario", x)
			} else if other, ok := placed["g/"+x]; ok {
				v.add(fmt.Sprintf("%sgroups[%d]", f, j), "group %q is already in region %s", x, other)
			}
			placed["g/"+x] = r.Name
		}
	}
	for i, o := range p.RegionOutages {
		f := fmt.Sprintf("pulsar.region_outages[%d].", i)
		if _, ok := names[o.Region]; !ok {
			v.add(f+"region", "%q is not a region of pulsar.regions", o.Region)
		}
		if o.At < 0 || s.Duration > 0 && o.At >= s.Duration {
			v.add(f+"at", "%v: want 0 to before the end of the run (duration %v)", o.At, s.Duration)
		}
		if o.Duration < 0 {
			v.add(f+"duration", "must not be negative")
		}
	}
}

// pulsarInstead says what Pulsar has instead of a Kafka producer setting.
var pulsarInstead = map[string]string{
	"acks":             "a receipt waits for pulsar.ack_quorum bookies",
	"linger":           "Pulsar's producer batches by pulsar.batching_max_delay",
	"batch_size":       "Pulsar's producer batches by pulsar.batching_max_bytes and batching_max_messages",
	"retries":          "the client resends what is unacknowledged on reconnect, until pulsar.send_timeout",
	"request_timeout":  "pulsar.send_timeout",
	"delivery_timeout": "pulsar.send_timeout",
}

// pulsarForeignFields lists the Kafka-only settings a Pulsar file (or
// --set) gives: the producer's and the consumer group's Kafka client
// settings and a topic's Kafka storage settings.
func (s *Scenario) pulsarForeignFields(explicit map[string]bool) []notApplied {
	paths := make([]string, 0, len(explicit))
	for p := range explicit {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	seen := map[string]bool{}
	var out []notApplied
	add := func(field, value, why string) {
		if !seen[field] {
			seen[field] = true
			out = append(out, notApplied{field, value, why})
		}
	}
	for _, p := range paths {
		section, idx, key, ok := splitListPath(p)
		if !ok {
			continue
		}
		switch {
		case section == "producers" && idx < len(s.Producers):
			if why, kafka := kafkaProducerOnly[key]; kafka {
				if instead, ok := pulsarInstead[key]; ok {
					why = instead
				}
				add(fmt.Sprintf("producers[%d].%s", idx, key), s.valueAt(p), why)
			}
		case section == "consumer_groups" && idx < len(s.ConsumerGroups):
			if key == "autoscale" || key == "downstream" || key == "type" && !s.ConsumerGroups[idx].IsShare() {
				continue // validatePulsar names the first two; type: consumer is every subscription's kind
			}
			if _, kafka := kafkaGroupOnly[key]; kafka {
				add(fmt.Sprintf("consumer_groups[%d].%s", idx, key), s.valueAt(fmt.Sprintf("consumer_groups[%d].%s", idx, key)),
					"a Kafka consumer setting: a Pulsar subscription's are under pulsar.subscriptions[]")
			}
		case section == "topics" && idx < len(s.Topics):
			switch key {
			case "replication_factor", "min_insync_replicas":
				add(p, s.valueAt(p), "ledgers replicate by pulsar.ensemble, write_quorum and ack_quorum")
			case "retention", "retention_bytes", "segment_bytes":
				add(p, s.valueAt(p), "Pulsar keeps messages by pulsar.topics[] retention and rolls ledgers by pulsar.rollover_*")
			}
		}
	}
	return out
}
