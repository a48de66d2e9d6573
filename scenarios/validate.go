package scenarios

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"mqsim/scenarios/units"
)

// Bounds that keep a scenario within what one run can simulate in memory.
const (
	MaxBrokers         = 1000
	MaxPartitions      = 200_000 // per cluster, Kafka's documented ceiling
	MaxInstances       = 10_000
	MaxConsumers       = 100_000
	MaxDuration        = 30 * units.Day
	MaxSamples         = 1_000_000
	MaxRate            = 1e9
	MaxMessageSize     = 1 << 20          // max.request.size
	minSessionTimeout  = 6 * units.Second // group.min.session.timeout.ms
	maxSessionTimeout  = 30 * units.Minute
	maxTopicNameLength = 249
)

var topicNameRE = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// Validate checks a scenario after Defaults, returning every problem as a
// *FieldError (joined) whose field is a path such as "producers[0].acks".
// Cross-field rules follow Kafka's own configuration checks where Kafka has
// one (delivery.timeout.ms ≥ request.timeout.ms + linger.ms, idempotence
// needs acks=all and max.in.flight ≤ 5, heartbeat below the session timeout).
func (s *Scenario) Validate() error {
	var v validator
	if strings.TrimSpace(s.Name) == "" {
		v.add("name", "missing: give the scenario a name")
	}
	v.positive("duration", s.Duration, "how long producers run, e.g. 60s")
	if s.Duration > MaxDuration {
		v.add("duration", "longer than %v: simulate a shorter window", MaxDuration)
	}
	if s.Warmup >= s.Duration && s.Warmup > 0 {
		v.add("warmup", "%v is not shorter than the duration %v", s.Warmup, s.Duration)
	}
	if s.Drain > units.Hour {
		v.add("drain", "longer than 1h: the drain only lets consumers catch up")
	}
	v.positive("sample_interval", s.SampleInterval, "e.g. 1s")
	if s.SampleInterval > 0 && s.Duration > 0 && (float64(s.Duration)+float64(s.Drain))/float64(s.SampleInterval) > MaxSamples {
		v.add("sample_interval", "%v gives more than %d samples over the run: use a longer interval", s.SampleInterval, MaxSamples)
	}

	s.validateSystem(&v) // rabbitmq.go
	// A service graph has no cluster, topics or clients (services.go).
	if s.validateServices(&v) {
		v.errs = append(v.errs, validateExpect(s.serviceExpect(&v), nil)...)
		return errors.Join(v.errs...)
	}
	s.validatePulsar(&v)   // pulsar.go
	s.validateKafkaGeo(&v) // kafkageo.go
	s.validateCompare(&v)  // systemfields.go
	s.validateCluster(&v)
	s.validateReplication(&v)
	s.validateCoordination(&v)
	topics := s.fanoutTopics(&v) // the topics, an sqs scenario's queues (sqs.go), or a fan-out service's topics and subscriptions (sns.go)
	s.validateProducers(&v, topics)
	s.validateGroups(&v, topics)
	s.validateTxn(&v, topics) // txn.go
	s.validateFaults(&v, topics)
	s.validateEventSourcing(&v, topics) // eventsource.go
	v.errs = append(v.errs, validateExpect(s.Expect, s.ConsumerGroups)...)
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) add(field, format string, a ...any) {
	v.errs = append(v.errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)})
}

func (v *validator) positive(field string, d units.Duration, hint string) {
	if d <= 0 {
		v.add(field, "missing or zero: %s", hint)
	}
}

func (v *validator) between(field string, n, lo, hi int) {
	if n < lo || n > hi {
		v.add(field, "%d is out of range: want %d to %d", n, lo, hi)
	}
}

func (v *validator) oneOf(field, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(field, "%q is not one of %s", value, strings.Join(allowed, ", "))
}

func (s *Scenario) validateCluster(v *validator) {
	c := &s.Cluster
	v.between("cluster.brokers", c.Brokers, 1, MaxBrokers)
	if _, ok := LookupProfile(c.Profile); !ok {
		v.add("cluster.profile", "unknown hardware profile %q%s%s", c.Profile, DidYouMean(c.Profile, profileNames()), NameList("built-in profiles (see 'mqsim scenarios --profiles')", profileNames()))
	}
	h := &c.Hardware
	for _, b := range []struct {
		field string
		val   units.Bandwidth
	}{{"nic_in", h.NICIn}, {"nic_out", h.NICOut}, {"disk_write", h.DiskWrite}, {"disk_read", h.DiskRead}} {
		if b.val <= 0 {
			v.add("cluster.hardware."+b.field, "must be above 0")
		}
	}
	v.between("cluster.hardware.cpu_threads", h.CPUThreads, 1, 1024)
	h.validateWriteback(v)
	s.validateClients(v)
	if c.GCPauseInterval < 0 || (c.GCPauseInterval > 0 && c.GCPause.Dist == nil) {
		v.add("cluster.gc_pause_interval", "%v without gc_pause: give the pauses' duration too (e.g. lognormal(median=10ms, p99=40ms))", c.GCPauseInterval)
	}
	if c.FlushMessages < 0 {
		v.add("cluster.flush_messages", "must be 0 (never) or more")
	}
	if c.FlushInterval < 0 {
		v.add("cluster.flush_interval", "must be 0 (never) or more")
	}
	if h.NICQueue != "" && h.NICQueue != NICQueueFair && h.NICQueue != NICQueueFIFO {
		v.add("cluster.hardware.nic_queue", "%q: want fair or fifo", h.NICQueue)
	}
	if h.DiskSeek < 0 {
		v.add("cluster.hardware.disk_seek", "%v: want 0 or more", h.DiskSeek)
	}
	if h.NetworkJitter > h.NetworkLatency {
		v.add("cluster.hardware.network_jitter", "%v is larger than network_latency %v: a message would arrive before it was sent", h.NetworkJitter, h.NetworkLatency)
	}
	v.positive("cluster.replica_lag_time_max", c.ReplicaLagTimeMax, "Kafka's default is 30s")
	if c.ReplicaFetchWaitMax > c.ReplicaLagTimeMax {
		// Kafka refuses this too: a follower waiting longer than the lag
		// limit would drop out of the ISR while idle.
		v.add("cluster.replica_fetch_wait_max", "%v is longer than replica_lag_time_max %v", c.ReplicaFetchWaitMax, c.ReplicaLagTimeMax)
	}
	if c.ReplicaFetchMaxBytes < 1 {
		v.add("cluster.replica_fetch_max_bytes", "must be at least 1 byte")
	}
	v.between("cluster.num_replica_fetchers", c.NumReplicaFetchers, 1, 64)
	v.between("cluster.min_insync_replicas", c.MinInsyncReplicas, 1, MaxBrokers)
	if r := float64(c.TransientErrorRate); r < 0 || r >= 1 || math.IsNaN(r) {
		v.add("cluster.transient_error_rate", "%v is out of range: want a share from 0%% up to (not including) 100%%", c.TransientErrorRate)
	}
}

// validateTopics returns the index of each topic by name.
func (s *Scenario) validateTopics(v *validator) map[string]int {
	topics := map[string]int{}
	if len(s.Topics) == 0 {
		v.add("topics", "missing: a scenario needs at least one topic")
	}
	total := 0
	for i, t := range s.Topics {
		f := fmt.Sprintf("topics[%d].", i)
		switch {
		case t.Name == "":
			v.add(f+"name", "missing: every topic needs a name")
		case len(t.Name) > maxTopicNameLength || !topicNameRE.MatchString(t.Name) || t.Name == "." || t.Name == "..":
			v.add(f+"name", "%q is not a valid topic name (letters, digits, '.', '_' and '-', up to %d)", t.Name, maxTopicNameLength)
		}
		if j, dup := topics[t.Name]; dup && t.Name != "" {
			v.add(f+"name", "topic %q is already defined at topics[%d]", t.Name, j)
		} else {
			topics[t.Name] = i
		}
		if t.Partitions < 1 || t.Partitions > MaxPartitions {
			v.add(f+"partitions", "%d: want 1 to %d", t.Partitions, MaxPartitions)
		} else {
			total += t.Partitions
		}
		if t.ReplicationFactor < 1 {
			v.add(f+"replication_factor", "%d: want at least 1", t.ReplicationFactor)
		} else if t.ReplicationFactor > s.Cluster.Brokers && s.Cluster.Brokers >= 1 {
			v.add(f+"replication_factor", "%d is more than the %d brokers: replicas of a partition must sit on different brokers", t.ReplicationFactor, s.Cluster.Brokers)
		}
		if t.MinInsyncReplicas < 1 {
			v.add(f+"min_insync_replicas", "%d: want at least 1", t.MinInsyncReplicas)
		} else if t.MinInsyncReplicas > t.ReplicationFactor && t.ReplicationFactor >= 1 {
			v.add(f+"min_insync_replicas", "%d is more than the replication factor %d: acks=all could never succeed", t.MinInsyncReplicas, t.ReplicationFactor)
		}
		v.positive(f+"retention", t.Retention, "how long the log keeps messages, e.g. 7d")
		if t.SegmentBytes < 1024 {
			v.add(f+"segment_bytes", "%v is too small: want at least 1KiB", t.SegmentBytes)
		}
		if t.MaxMessageBytes < 128 || t.MaxMessageBytes > 1<<30 {
			v.add(f+"max_message_bytes", "%v is out of range: want 128B (a batch header and one record) to 1GiB; Kafka's default is 1048588", t.MaxMessageBytes)
		}
	}
	if total > MaxPartitions {
		v.add("topics", "%d partitions in all: more than the %d a cluster can hold", total, MaxPartitions)
	}
	return topics
}

func (s *Scenario) validateProducers(v *validator, topics map[string]int) {
	if len(s.Producers) == 0 {
		v.add("producers", "missing: a scenario needs at least one producer")
	}
	names := map[string]int{}
	for i, p := range s.Producers {
		f := fmt.Sprintf("producers[%d].", i)
		if j, dup := names[p.Name]; dup {
			v.add(f+"name", "producer %q is already defined at producers[%d]", p.Name, j)
		} else {
			names[p.Name] = i
		}
		s.topicRef(v, f+"topic", p.Topic, topics)
		v.between(f+"instances", p.Instances, 1, MaxInstances)
		if r := float64(p.Rate); r <= 0 || r > MaxRate || math.IsNaN(r) {
			v.add(f+"rate", "missing or out of range: want messages per second above 0 and at most 1B/s, e.g. 10K/s")
		}
		if _, err := ParseArrival(p.Arrival); err != nil {
			v.add(f+"arrival", "%v", err)
		} else if err := checkTraceRate(&p); err != nil {
			v.add(f+"rate", "%v", err)
		}
		if _, err := ParseKeys(p.Keys); err != nil {
			v.add(f+"keys", "%v", err)
		}
		if p.MessageSize.Dist != nil {
			if m := p.MessageSize.Mean(); !(m >= 1 && m <= MaxMessageSize) {
				v.add(f+"message_size", "mean %v is out of range: want 1B to 1MiB (max.request.size)", units.Bytes(m))
			}
		}
		v.oneOf(f+"acks", p.Acks, "0", "1", "all")
		if p.BatchSize < 1 || p.BatchSize > MaxMessageSize*16 {
			v.add(f+"batch_size", "%v is out of range: want 1B to 16MiB", p.BatchSize)
		}
		v.oneOf(f+"compression", p.Compression, "none", "gzip", "snappy", "lz4", "zstd")
		switch {
		case p.Compression != "" && p.Compression != "none" && p.CompressionRatio == 0:
			v.add(f+"compression_ratio", "missing: with compression %s, say how much it shrinks these messages (e.g. 4x; measure it on real data) — simulated payloads cannot be compressed to find out", p.Compression)
		case (p.Compression == "" || p.Compression == "none") && p.CompressionRatio != 0:
			v.add(f+"compression_ratio", "given without a codec: set compression (gzip, snappy, lz4 or zstd) too")
		case p.CompressionRatio != 0 && p.CompressionRatio < 1:
			v.add(f+"compression_ratio", "%v: a codec shrinks data, want at least 1x", p.CompressionRatio)
		case p.CompressionRatio > 1000:
			v.add(f+"compression_ratio", "%v: more than 1000x is not a real codec", p.CompressionRatio)
		}
		v.between(f+"max_in_flight", p.MaxInFlight, 1, 1000)
		if p.Retries != nil && *p.Retries < 0 {
			v.add(f+"retries", "%d: want 0 or more", *p.Retries)
		}
		v.positive(f+"request_timeout", p.RequestTimeout, "Kafka's default is 30s")
		v.positive(f+"metadata_max_age", p.MetadataMaxAge, "Kafka's default is 5m")
		v.positive(f+"retry_backoff", p.RetryBackoff, "Kafka's default is 100ms")
		if float64(p.DeliveryTimeout) < float64(p.RequestTimeout)+float64(p.LingerTime()) {
			v.add(f+"delivery_timeout", "%v is shorter than request_timeout + linger (%v + %v), which Kafka refuses", p.DeliveryTimeout, p.RequestTimeout, p.LingerTime())
		}
		if p.MaxRequestSize < 1 || p.MaxRequestSize > 1<<30 {
			v.add(f+"max_request_size", "%v is out of range: want 1B to 1GiB (Kafka's default is 1MiB)", p.MaxRequestSize)
		}
		if p.BufferMemory < p.BatchSize {
			v.add(f+"buffer_memory", "%v is smaller than batch_size %v: not even one batch fits", p.BufferMemory, p.BatchSize)
		}
		s.validateProducerExtras(v, f, &s.Producers[i])
		if p.EnableIdempotence != nil && *p.EnableIdempotence {
			// Kafka refuses an explicit enable.idempotence=true with these.
			if p.Acks != "all" && p.Acks != "" {
				v.add(f+"acks", "acks=%s with enable_idempotence: true; idempotence needs acks=all", p.Acks)
			}
			if p.MaxInFlight > 5 {
				v.add(f+"max_in_flight", "%d with enable_idempotence: true; idempotence allows at most 5", p.MaxInFlight)
			}
			if p.Retries != nil && *p.Retries == 0 {
				v.add(f+"retries", "0 with enable_idempotence: true; idempotence needs retries")
			}
		}
	}
}

func (s *Scenario) validateGroups(v *validator, topics map[string]int) {
	names := map[string]int{}
	for i, g := range s.ConsumerGroups {
		f := fmt.Sprintf("consumer_groups[%d].", i)
		if j, dup := names[g.Name]; dup {
			v.add(f+"name", "group %q is already defined at consumer_groups[%d]", g.Name, j)
		} else {
			names[g.Name] = i
		}
		s.topicRef(v, f+"topic", g.Topic, topics)
		v.between(f+"consumers", g.Consumers, 1, MaxConsumers)
		if g.Processing.Dist != nil {
			if m := g.Processing.Mean(); math.IsNaN(m) || math.IsInf(m, 0) || m < 0 || m > 3600 {
				v.add(f+"processing", "mean %gs is out of range: want 0 to 1h per message", m)
			}
		}
		v.between(f+"max_poll_records", g.MaxPollRecords, 1, 1_000_000)
		if g.MaxPartitionFetchBytes < 1 {
			v.add(f+"max_partition_fetch_bytes", "must be at least 1 byte")
		}
		if g.FetchMaxBytes < 1 {
			v.add(f+"fetch_max_bytes", "must be at least 1 byte")
		}
		v.oneOf(f+"commit", g.Commit, "auto", "after", "before")
		v.positive(f+"auto_commit_interval", g.AutoCommitInterval, "Kafka's default is 5s")
		v.oneOf(f+"assignment", g.Assignment, "range", "roundrobin", "cooperative-sticky")
		v.oneOf(f+"isolation_level", g.IsolationLevel, "read_uncommitted", "read_committed")
		if g.AutoOffsetReset == "none" {
			v.add(f+"auto_offset_reset", "none (an error to the application) is not modelled: want earliest or latest")
		} else {
			v.oneOf(f+"auto_offset_reset", g.AutoOffsetReset, "earliest", "latest")
		}
		if g.SessionTimeout < minSessionTimeout || g.SessionTimeout > maxSessionTimeout {
			v.add(f+"session_timeout", "%v is outside the broker's allowed %v to %v", g.SessionTimeout, minSessionTimeout, maxSessionTimeout)
		}
		if g.HeartbeatInterval <= 0 || g.HeartbeatInterval >= g.SessionTimeout {
			v.add(f+"heartbeat_interval", "%v: want above 0 and below session_timeout %v", g.HeartbeatInterval, g.SessionTimeout)
		}
		v.positive(f+"max_poll_interval", g.MaxPollInterval, "Kafka's default is 5m")
		if g.MetadataMaxAge < 0 {
			v.add(f+"metadata_max_age", "must not be negative (Kafka's default is 5m)")
		}
		s.validateGroupExtras(v, f, &s.ConsumerGroups[i], topics)
	}
}

func (s *Scenario) topicRef(v *validator, field, name string, topics map[string]int) {
	if name == "" {
		v.add(field, "missing: name one of the scenario's topics")
		return
	}
	if _, ok := topics[name]; !ok {
		known := make([]string, 0, len(s.Topics))
		for _, t := range s.Topics {
			known = append(known, t.Name)
		}
		v.add(field, "unknown topic %q (topics: %s)", name, strings.Join(known, ", "))
	}
}
