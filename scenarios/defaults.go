package scenarios

import (
	"fmt"
	"math"

	"mqsim/scenarios/units"
)

// Kafka's defaults (current 4.x; see the reference table in the README) and
// the scenario's own, applied by Defaults to every zero field.
const (
	DefaultBrokers         = 3
	DefaultDrain           = 60 * units.Second
	DefaultSampleInterval  = 1 * units.Second
	DefaultMessageSize     = "500B"
	DefaultRetries         = math.MaxInt32 // 2147483647
	DefaultBatchSize       = 16384
	DefaultLinger          = 5 * units.Millisecond
	DefaultMaxInFlight     = 5
	DefaultDeliveryTimeout = 120 * units.Second
	DefaultRequestTimeout  = 30 * units.Second
	DefaultRetryBackoff    = 100 * units.Millisecond
	DefaultRetryBackoffMax = 1 * units.Second
	DefaultBufferMemory    = 32 << 20
	DefaultMaxBlock        = 60 * units.Second
	DefaultMaxRequestSize  = 1 << 20 // max.request.size
	DefaultMaxMessageBytes = 1048588 // max.message.bytes: 1 MiB + a batch's log overhead

	DefaultFetchMinBytes          = 1
	DefaultFetchMaxWait           = 500 * units.Millisecond
	DefaultMaxPartitionFetchBytes = 1 << 20
	DefaultFetchMaxBytes          = 50 << 20
	DefaultMaxPollRecords         = 500
	DefaultMaxPollInterval        = 5 * units.Minute
	DefaultSessionTimeout         = 45 * units.Second
	DefaultHeartbeatInterval      = 3 * units.Second
	DefaultAutoCommitInterval     = 5 * units.Second

	DefaultReplicaLagTimeMax    = 30 * units.Second
	DefaultReplicaFetchWaitMax  = 500 * units.Millisecond
	DefaultReplicaFetchMinBytes = 1
	DefaultReplicaFetchMaxBytes = 1 << 20
	DefaultNumReplicaFetchers   = 1
	DefaultMinInsyncReplicas    = 1
	DefaultSegmentBytes         = 1 << 30
	DefaultRetention            = 7 * units.Day
)

// Defaults fills every zero field with Kafka's default (or the scenario's
// own, for fields Kafka does not have), and resolves the hardware profile
// into Cluster.Hardware, so the resolved scenario states every number it
// runs with. It never fails: values it cannot resolve (an unknown profile)
// are left for Validate to report. Calling it twice changes nothing.
func (s *Scenario) Defaults() {
	setDur(&s.Drain, DefaultDrain)
	s.defaultsTxn()          // txn.go: before the groups' defaults
	defer s.systemDefaults() // rabbitmq.go: after the cluster and groups
	setDur(&s.SampleInterval, DefaultSampleInterval)
	s.defaultsSQS()
	s.defaultsServices()     // services.go
	defer s.defaultsPulsar() // pulsar.go: after the groups
	s.defaultsKafkaGeo()     // kafkageo.go
	s.defaultsCelery()
	s.defaultsSNS()    // sns.go
	s.defaultsPubSub() // pubsub.go

	c := &s.Cluster
	setInt(&c.Brokers, DefaultBrokers)
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	if p, ok := LookupProfile(c.Profile); ok {
		c.Hardware.overlay(p.Hardware)
	}
	s.clientDefaults()
	if c.GCPause.Dist != nil {
		setDur(&c.GCPauseInterval, units.Second)
	}
	setDur(&c.ReplicaLagTimeMax, DefaultReplicaLagTimeMax)
	setDur(&c.ReplicaFetchWaitMax, DefaultReplicaFetchWaitMax)
	setBytes(&c.ReplicaFetchMinBytes, DefaultReplicaFetchMinBytes)
	setBytes(&c.ReplicaFetchMaxBytes, DefaultReplicaFetchMaxBytes)
	setInt(&c.NumReplicaFetchers, DefaultNumReplicaFetchers)
	setInt(&c.MinInsyncReplicas, DefaultMinInsyncReplicas)
	setDur(&c.RetentionCheckInterval, 5*units.Minute)
	c.defaultsCoordination()

	for i := range s.Topics {
		t := &s.Topics[i]
		setInt(&t.ReplicationFactor, min(3, c.Brokers))
		setInt(&t.MinInsyncReplicas, c.MinInsyncReplicas)
		setDur(&t.Retention, DefaultRetention)
		setBytes(&t.SegmentBytes, DefaultSegmentBytes)
		setBytes(&t.MaxMessageBytes, DefaultMaxMessageBytes)
	}

	for i := range s.Producers {
		p := &s.Producers[i]
		if p.Name == "" {
			p.Name = fmt.Sprintf("producer-%d", i)
		}
		setInt(&p.Instances, 1)
		if p.Arrival == "" {
			p.Arrival = "poisson"
		}
		if p.Rate == 0 {
			p.Rate = TraceMean(p.Arrival) // a recorded series sets its own rate
		}
		if p.Keys == "" {
			p.Keys = "none"
		}
		if p.MessageSize.IsZero() {
			p.MessageSize, _ = ParseSizeDist(DefaultMessageSize)
		}
		if p.Acks == "-1" {
			p.Acks = "all" // Kafka accepts -1 as a synonym
		}
		// Kafka enables idempotence by default only when nothing conflicts
		// with it; an explicit setting is kept (and Validate checks it).
		if p.EnableIdempotence == nil {
			on := (p.Acks == "" || p.Acks == "all") && p.MaxInFlight <= 5 && (p.Retries == nil || *p.Retries > 0)
			p.EnableIdempotence = &on
		}
		if p.Acks == "" {
			p.Acks = "all"
		}
		setBytes(&p.BatchSize, DefaultBatchSize)
		if p.Linger == nil {
			l := units.Duration(DefaultLinger)
			p.Linger = &l
		}
		if p.Compression == "" {
			p.Compression = "none"
		}
		setInt(&p.MaxInFlight, DefaultMaxInFlight)
		if p.Retries == nil {
			r := DefaultRetries
			p.Retries = &r
		}
		setDur(&p.RetryBackoff, DefaultRetryBackoff)
		setDur(&p.RetryBackoffMax, DefaultRetryBackoffMax)
		setDur(&p.DeliveryTimeout, DefaultDeliveryTimeout)
		setDur(&p.RequestTimeout, DefaultRequestTimeout)
		setDur(&p.MetadataMaxAge, DefaultMetadataMaxAge)
		setBytes(&p.BufferMemory, DefaultBufferMemory)
		setDur(&p.MaxBlock, DefaultMaxBlock)
		setBytes(&p.MaxRequestSize, DefaultMaxRequestSize)
		p.defaultsExtras()
	}

	for i := range s.ConsumerGroups {
		g := &s.ConsumerGroups[i]
		if g.Name == "" {
			g.Name = fmt.Sprintf("group-%d", i)
		}
		setInt(&g.Consumers, 1)
		if g.Processing.IsZero() {
			g.Processing, _ = ParseTimeDist("0")
		}
		setInt(&g.MaxPollRecords, DefaultMaxPollRecords)
		setBytes(&g.FetchMinBytes, DefaultFetchMinBytes)
		setDur(&g.FetchMaxWait, DefaultFetchMaxWait)
		setBytes(&g.MaxPartitionFetchBytes, DefaultMaxPartitionFetchBytes)
		setBytes(&g.FetchMaxBytes, DefaultFetchMaxBytes)
		setStr(&g.Commit, "auto")
		setDur(&g.AutoCommitInterval, DefaultAutoCommitInterval)
		setStr(&g.Assignment, "range")
		setStr(&g.IsolationLevel, "read_uncommitted")
		setStr(&g.AutoOffsetReset, "latest")
		setDur(&g.SessionTimeout, DefaultSessionTimeout)
		setDur(&g.HeartbeatInterval, DefaultHeartbeatInterval)
		setDur(&g.MaxPollInterval, DefaultMaxPollInterval)
		setDur(&g.CoordinatorRequestTimeout, DefaultCoordinatorRequestTimeout)
		g.defaultsExtras()
	}
	s.defaultsEventSourcing() // eventsource.go: after the groups
}

func setDur(d *units.Duration, v units.Duration) {
	if *d == 0 {
		*d = v
	}
}

func setBytes(b *units.Bytes, v units.Bytes) {
	if *b == 0 {
		*b = v
	}
}

func setInt(i *int, v int) {
	if *i == 0 {
		*i = v
	}
}

func setStr(s *string, v string) {
	if *s == "" {
		*s = v
	}
}
