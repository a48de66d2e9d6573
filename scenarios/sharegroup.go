package scenarios

import (
	"fmt"

	"mqsim/scenarios/units"
)

// Kafka share groups (KIP-932, "queues for Kafka", Kafka 4.x): a consumer
// group with `type: share` whose members read the same partitions
// cooperatively, each record acquired by one member under a lock and
// acknowledged on its own. Defaults and bounds are the broker's
// ShareGroupConfig and the group configs (docs/scenarios.md cites them).
const (
	GroupTypeConsumer = "consumer"
	GroupTypeShare    = "share"

	DefaultShareRecordLock = 30 * units.Second // group.share.record.lock.duration.ms
	MinShareRecordLock     = 15 * units.Second // group.share.min.record.lock.duration.ms
	MaxShareRecordLock     = 60 * units.Second // group.share.max.record.lock.duration.ms
	DefaultShareDeliveries = 5                 // group.share.delivery.count.limit (2–10)
	DefaultShareMaxLocks   = 200               // group.share.partition.max.record.locks (100–10,000)
	DefaultShareSession    = 45 * units.Second // group.share.session.timeout.ms
	DefaultShareHeartbeat  = 5 * units.Second  // group.share.heartbeat.interval.ms
)

// ShareGroup is the `share:` section of a consumer group with `type: share`.
type ShareGroup struct {
	// RecordLockDuration is share.record.lock.duration.ms: how long a
	// member holds an acquired record before the broker hands it to
	// another (30s; 15s–60s).
	RecordLockDuration units.Duration `yaml:"record_lock_duration" json:"record_lock_duration"`
	// DeliveryCountLimit is share.delivery.count.limit: a record delivered
	// this many times and released again (or whose lock expired) is
	// archived, never delivered again (5; 2–10).
	DeliveryCountLimit int `yaml:"delivery_count_limit" json:"delivery_count_limit"`
	// PartitionMaxRecordLocks is group.share.partition.max.record.locks:
	// the in-flight window of a share-partition, from its start offset to
	// its end offset (200; 100–10,000).
	PartitionMaxRecordLocks int `yaml:"partition_max_record_locks" json:"partition_max_record_locks"`
	// SessionTimeout and HeartbeatInterval are the share group's
	// membership timers (45s, 5s): a member silent for the session
	// timeout is removed and its partitions reassigned.
	SessionTimeout    units.Duration `yaml:"session_timeout" json:"session_timeout"`
	HeartbeatInterval units.Duration `yaml:"heartbeat_interval" json:"heartbeat_interval"`
}

// IsShare reports whether the group is a share group (type: share).
func (g *ConsumerGroup) IsShare() bool { return g.Type == GroupTypeShare }

// ShareFaults are the fault types a share group may be the target of; a
// scenario with a share group refuses broker and topic faults (the
// share-partition's move to a new leader is not modelled).
var ShareFaults = []string{"consumer-crash", "consumer-slowdown", "consumer-stall"}

// defaultsShare fills a share group's section with Kafka's defaults.
func (g *ConsumerGroup) defaultsShare() {
	if !g.IsShare() {
		return
	}
	if g.Share == nil {
		g.Share = &ShareGroup{}
	}
	sh := g.Share
	setDur(&sh.RecordLockDuration, DefaultShareRecordLock)
	setInt(&sh.DeliveryCountLimit, DefaultShareDeliveries)
	setInt(&sh.PartitionMaxRecordLocks, DefaultShareMaxLocks)
	setDur(&sh.SessionTimeout, DefaultShareSession)
	setDur(&sh.HeartbeatInterval, DefaultShareHeartbeat)
}

// validateShare checks type:, the share: section and that a share group
// sets none of the classic consumer's settings it does not have (each
// named: a value left at its default is not an error).
func (s *Scenario) validateShare(v *validator, f string, g *ConsumerGroup) {
	if g.Type != "" {
		v.oneOf(f+"type", g.Type, GroupTypeConsumer, GroupTypeShare)
	}
	if !g.IsShare() {
		if g.Share != nil {
			v.add(f+"share", "a share section on a consumer group that is not type: share: set type: share, or remove it")
		}
		return
	}
	if s.SystemName() != SystemKafka {
		if !s.comparing() {
			v.add(f+"type", "share groups are Kafka's (KIP-932); under system: %s every group's consumers already compete for messages", s.SystemName())
		}
		return
	}
	sh := g.Share
	if sh.RecordLockDuration < MinShareRecordLock || sh.RecordLockDuration > MaxShareRecordLock {
		v.add(f+"share.record_lock_duration", "%v is out of range: the broker allows %v to %v (default %v)", sh.RecordLockDuration, MinShareRecordLock, MaxShareRecordLock, DefaultShareRecordLock)
	}
	v.between(f+"share.delivery_count_limit", sh.DeliveryCountLimit, 2, 10)
	v.between(f+"share.partition_max_record_locks", sh.PartitionMaxRecordLocks, 100, 10_000)
	if sh.SessionTimeout < minSessionTimeout || sh.SessionTimeout > maxSessionTimeout {
		v.add(f+"share.session_timeout", "%v is outside %v to %v", sh.SessionTimeout, minSessionTimeout, maxSessionTimeout)
	}
	if sh.HeartbeatInterval <= 0 || sh.HeartbeatInterval >= sh.SessionTimeout {
		v.add(f+"share.heartbeat_interval", "%v: want above 0 and below share.session_timeout %v", sh.HeartbeatInterval, sh.SessionTimeout)
	}
	for _, x := range g.notForShare() {
		v.add(f+x.field, "%s: a share group has no such setting (%s)", x.value, x.why)
	}
	for i, fl := range s.Faults {
		ff := fmt.Sprintf("faults[%d].type", i)
		if fl.Group == g.Name && !containsStr(ShareFaults, fl.Type) {
			v.add(ff, "%q is not modelled for share group %s (its faults: consumer-crash, consumer-slowdown, consumer-stall)", fl.Type, g.Name)
		}
		if fl.Group == "" && fl.Type != "" {
			v.add(ff, "%q with share group %s: broker, network and topic faults are not modelled with share groups (the share-partition moving to a new leader)", fl.Type, g.Name)
		}
	}

}

type notApplied struct{ field, value, why string }

// notForShare lists the classic consumer's settings a share group sets
// away from their defaults.
func (g *ConsumerGroup) notForShare() []notApplied {
	var out []notApplied
	add := func(set bool, field, value, why string) {
		if set {
			out = append(out, notApplied{field, value, why})
		}
	}
	add(g.Commit != "auto", "commit", g.Commit, "records are acknowledged one by one, not committed by offset")
	add(g.AutoCommitInterval != DefaultAutoCommitInterval, "auto_commit_interval", g.AutoCommitInterval.String(), "records are acknowledged, not committed")
	add(g.Assignment != "range", "assignment", g.Assignment, "share groups use the simple assignor")
	add(g.IsolationLevel != "read_uncommitted", "isolation_level", g.IsolationLevel, "share.isolation.level is not modelled")
	add(g.AutoOffsetReset != "latest", "auto_offset_reset", g.AutoOffsetReset, "a share group starts at the log end when it starts (share.auto.offset.reset latest)")
	add(g.Idempotent, "idempotent", "true", "not modelled for share groups: redeliveries are counted as duplicates")
	add(g.StaticMembership, "static_membership", "true", "share groups have no static members")
	add(g.InitialRebalanceDelay != 0, "initial_rebalance_delay", g.InitialRebalanceDelay.String(), "share groups do not rebalance in generations")
	add(g.SessionTimeout != DefaultSessionTimeout, "session_timeout", g.SessionTimeout.String(), "use share.session_timeout")
	add(g.HeartbeatInterval != DefaultHeartbeatInterval, "heartbeat_interval", g.HeartbeatInterval.String(), "use share.heartbeat_interval")
	add(g.MaxPollInterval != DefaultMaxPollInterval, "max_poll_interval", g.MaxPollInterval.String(), "slow work loses its record lock instead (share.record_lock_duration)")
	add(g.FetchMinBytes != DefaultFetchMinBytes, "fetch_min_bytes", g.FetchMinBytes.String(), "a ShareFetch answers as soon as it acquires a record")
	add(g.Failures != nil, "failures", "{…}", "not modelled for share groups")
	add(g.Autoscale != nil, "autoscale", "{…}", "not modelled for share groups")
	add(g.Downstream != nil, "downstream", "{…}", "not modelled for share groups")
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Metrics a Kafka share group reports (model.ShareGroups), added to the
// catalogue.
func init() {
	Metrics = append(Metrics,
		MetricInfo{"share_acquisitions", KindCount, "records a share group's leader handed to a member under an acquisition lock (Kafka share groups)"},
		MetricInfo{"share_redeliveries", KindCount, "acquisitions of a record delivered before: released, expired or its member gone (Kafka share groups)"},
		MetricInfo{"lock_expiries", KindCount, "acquisition locks that ran out (share.record_lock_duration) before the record was acknowledged (Kafka share groups)"},
		MetricInfo{"share_released", KindCount, "acquired records released because their member's connection closed (Kafka share groups)"},
		MetricInfo{"archived", KindCount, "records archived at share.delivery_count_limit, never delivered again (Kafka share groups)"},
		MetricInfo{"share_state_writes", KindCount, "share-partition state writes to the share coordinator (Kafka share groups)"},
		MetricInfo{"stale_acks", KindCount, "acknowledgements refused because the record's lock had expired or been released (Kafka share groups)"},
		MetricInfo{"max_share_window", KindCount, "largest in-flight window (end − start offset) of a share-partition; at most partition_max_record_locks (Kafka share groups)"},
	)
}
