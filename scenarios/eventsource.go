package scenarios

import (
	"fmt"

	"mqsim/scenarios/units"
)

// Event sourcing defaults (see docs/scenarios.md for each source).
const (
	// DefaultStateSize is one entity's state in a view, a snapshot or a
	// changelog record: an account's balance, version and a few fields.
	DefaultStateSize = 64
	// DefaultSnapshotBandwidth is how fast a projection writes or loads a
	// snapshot of its view: a local SSD's sequential rate, or an object
	// store read with a few parallel streams.
	DefaultSnapshotBandwidth = 200e6
	// DefaultChangelogSegment is the changelog's segment.bytes: Kafka
	// Streams keeps a changelog's topic config, but the cleaner only cleans
	// closed segments, so a small segment shows compaction within a run.
	DefaultChangelogSegment = 1 << 20
	// DefaultMinCleanableDirtyRatio is min.cleanable.dirty.ratio (Kafka's 0.5).
	DefaultMinCleanableDirtyRatio = 0.5
	// DefaultCleanerBackoff is log.cleaner.backoff.ms (Kafka's 15s): how
	// often the cleaner looks for a log to clean.
	DefaultCleanerBackoff = 15 * units.Second
	// DefaultRestoreApply is the time to put one restored record into the
	// state store (a RocksDB write batch, a few microseconds a record).
	DefaultRestoreApply = "10us"
	// DefaultAuditEvents is how many events an audit lists.
	DefaultAuditEvents = 5
)

// EventSourcing is the `event_sourcing:` section: an event-sourced service
// (the scenario's producer writing keyed events to Topic, the log being the
// source of truth), projections that read it (each a consumer group whose
// processing is the apply time), replays, snapshots, an audit and a
// changelog-backed state store. The section is Kafka's: the events live in
// the run's real partition logs.
type EventSourcing struct {
	// Topic is the event log: a declared topic that a producer with keys
	// (the entity ids) writes to.
	Topic string `yaml:"topic" json:"topic"`
	// StateSize is one entity's state in a view, snapshot or changelog
	// record (default 64B).
	StateSize units.Bytes `yaml:"state_size" json:"state_size"`
	// SnapshotBandwidth is how fast a snapshot is written or loaded
	// (default 200MB/s).
	SnapshotBandwidth units.Bandwidth `yaml:"snapshot_bandwidth" json:"snapshot_bandwidth"`
	Projections       []Projection    `yaml:"projections" json:"projections"`
	Replays           []Replay        `yaml:"replays" json:"replays,omitempty"`
	// SnapshotIntervals lists intervals (events per partition between
	// snapshots) whose trade-off is measured: for each, a rebuild of the
	// first projection from its latest snapshot, the time spent writing
	// snapshots, and their storage.
	SnapshotIntervals []int      `yaml:"snapshot_intervals" json:"snapshot_intervals,omitempty"`
	Audit             *Audit     `yaml:"audit" json:"audit,omitempty"`
	Changelog         *Changelog `yaml:"changelog" json:"changelog,omitempty"`
}

// Projection is a read model: the consumer group Group reads Topic and
// applies each event (its processing time is the apply time) into a
// materialised view.
type Projection struct {
	Name  string `yaml:"name" json:"name"`
	Topic string `yaml:"topic" json:"topic"` // default the section's topic
	Group string `yaml:"group" json:"group"` // a declared consumer group reading Topic
	// SnapshotEvery takes a snapshot of the view every this many events
	// of a partition (0: none); a replay `from: snapshot` starts at the
	// latest one.
	SnapshotEvery int `yaml:"snapshot_every" json:"snapshot_every,omitempty"`
}

// Replay rebuilds a projection's view from the log after the run: from
// offset 0 (`from: start`) or from its latest snapshot (`from: snapshot`),
// up to the log end or, with Until, to the offset of that time in the run
// (the log's time index).
type Replay struct {
	Projection string         `yaml:"projection" json:"projection"`
	From       string         `yaml:"from" json:"from"` // start (default) or snapshot
	Until      units.Duration `yaml:"until" json:"until,omitempty"`
}

// Audit reconstructs one entity's state as of a past time from the log,
// with the events that led there.
type Audit struct {
	Key    int64          `yaml:"key" json:"key"`       // the entity (account) id
	At     units.Duration `yaml:"at" json:"at"`         // as of this time of the run
	Events int            `yaml:"events" json:"events"` // how many of the events to show (5)
}

// Changelog is a state store backed by a compacted changelog topic (Kafka
// Streams' pattern): every update the projection applies is written to the
// changelog as the entity's new state; the log cleaner compacts it; at
// MoveAt the task moves and its store is restored.
type Changelog struct {
	Projection             string         `yaml:"projection" json:"projection"`
	SegmentBytes           units.Bytes    `yaml:"segment_bytes" json:"segment_bytes"`                         // 1MiB
	MinCleanableDirtyRatio units.Ratio    `yaml:"min_cleanable_dirty_ratio" json:"min_cleanable_dirty_ratio"` // 0.5
	CleanerInterval        units.Duration `yaml:"cleaner_interval" json:"cleaner_interval"`                   // 15s
	MoveAt                 units.Duration `yaml:"move_at" json:"move_at"`                                     // default: the end of the run
	RestoreApply           TimeDist       `yaml:"restore_apply" json:"restore_apply"`                         // 10us a record
	// StandbyLag is how far a standby replica trails the changelog (its
	// fetch wait; default the group's fetch_max_wait).
	StandbyLag units.Duration `yaml:"standby_lag" json:"standby_lag"`
}

// ReplayFrom values.
const (
	ReplayFromStart    = "start"
	ReplayFromSnapshot = "snapshot"
)

func init() {
	Metrics = append(Metrics,
		MetricInfo{"es_events", KindCount, "event sourcing: events in the event log at the end of the run"},
		MetricInfo{"staleness_p99", KindDuration, "event sourcing: 99th percentile of event → visible in the first projection's view"},
		MetricInfo{"staleness_max", KindDuration, "event sourcing: longest event → visible in the first projection's view"},
		MetricInfo{"stale_seconds", KindDuration, "event sourcing: time the first projection's p99 staleness was above 1s"},
		MetricInfo{"rebuild_seconds", KindDuration, "event sourcing: the first replay's rebuild time, simulated"},
		MetricInfo{"rebuild_formula_error", KindRatio, "event sourcing: largest |simulated ÷ (events ÷ min(fetch rate, apply rate)) − 1| over the replays"},
		MetricInfo{"snapshot_rebuild_seconds", KindDuration, "event sourcing: the first replay from a snapshot's rebuild time"},
		MetricInfo{"view_mismatches", KindCount, "event sourcing: rebuilt or restored views that differ from a fold of the log (must be 0)"},
		MetricInfo{"audit_events", KindCount, "event sourcing: events of the audited entity up to the audit time"},
		MetricInfo{"restore_compacted_seconds", KindDuration, "changelog: restoring the store from the compacted changelog"},
		MetricInfo{"restore_uncompacted_seconds", KindDuration, "changelog: restoring the store from the same changelog never compacted"},
		MetricInfo{"restore_standby_seconds", KindDuration, "changelog: a standby replica catching up its lag"},
		MetricInfo{"changelog_bytes", KindCount, "changelog: bytes of the compacted changelog at the end"},
		MetricInfo{"changelog_uncompacted_bytes", KindCount, "changelog: bytes of the never-compacted changelog at the end"},
		MetricInfo{"compaction_delay_max", KindDuration, "changelog: longest time a record waited for the cleaner"},
	)
}

// defaultsEventSourcing fills the event_sourcing section's zero fields.
func (s *Scenario) defaultsEventSourcing() {
	e := s.EventSourcing
	if e == nil {
		return
	}
	setBytes(&e.StateSize, DefaultStateSize)
	if e.SnapshotBandwidth == 0 {
		e.SnapshotBandwidth = DefaultSnapshotBandwidth
	}
	for i := range e.Projections {
		setStr(&e.Projections[i].Topic, e.Topic)
	}
	for i := range e.Replays {
		setStr(&e.Replays[i].From, ReplayFromStart)
	}
	if a := e.Audit; a != nil {
		setInt(&a.Events, DefaultAuditEvents)
	}
	if c := e.Changelog; c != nil {
		setBytes(&c.SegmentBytes, DefaultChangelogSegment)
		if c.MinCleanableDirtyRatio == 0 {
			c.MinCleanableDirtyRatio = DefaultMinCleanableDirtyRatio
		}
		setDur(&c.CleanerInterval, DefaultCleanerBackoff)
		setDur(&c.MoveAt, s.Duration)
		if c.RestoreApply.IsZero() {
			c.RestoreApply, _ = ParseTimeDist(DefaultRestoreApply)
		}
		if c.StandbyLag == 0 {
			for _, g := range s.ConsumerGroups {
				if p := e.projection(c.Projection); p != nil && g.Name == p.Group {
					c.StandbyLag = g.FetchMaxWait
				}
			}
		}
	}
}

func (e *EventSourcing) projection(name string) *Projection {
	for i := range e.Projections {
		if e.Projections[i].Name == name {
			return &e.Projections[i]
		}
	}
	return nil
}

// validateEventSourcing checks the section against the declared topics,
// producers and consumer groups.
func (s *Scenario) validateEventSourcing(v *validator, topics map[string]int) {
	e := s.EventSourcing
	if e == nil {
		return
	}
	if s.SystemName() != SystemKafka {
		v.add("event_sourcing", "an event_sourcing section with system: %s; the events live in Kafka's partition logs (system: kafka)", s.SystemName())
		return
	}
	keyed := func(topic string) bool {
		for _, p := range s.Producers {
			if p.Topic == topic && p.Keys != "" && p.Keys != "none" {
				return true
			}
		}
		return false
	}
	if e.Topic == "" {
		v.add("event_sourcing.topic", "missing: name the event log, a declared topic")
	} else if _, ok := topics[e.Topic]; !ok {
		v.add("event_sourcing.topic", "topic %q is not declared under topics", e.Topic)
	} else if !keyed(e.Topic) {
		v.add("event_sourcing.topic", "no producer writes topic %q with keys: an event-sourced service keys each event by its entity (keys: uniform(1000))", e.Topic)
	}
	if e.StateSize < 16 || e.StateSize > MaxMessageSize {
		v.add("event_sourcing.state_size", "%v: want 16B (a balance and a version) to 1MiB", e.StateSize)
	}
	if e.SnapshotBandwidth <= 0 {
		v.add("event_sourcing.snapshot_bandwidth", "must be above 0, e.g. 200MB/s")
	}
	if len(e.Projections) == 0 {
		v.add("event_sourcing.projections", "missing: declare at least one projection (a read model)")
	}
	names := map[string]int{}
	for i, p := range e.Projections {
		f := fmt.Sprintf("event_sourcing.projections[%d].", i)
		if p.Name == "" {
			v.add(f+"name", "missing: every projection needs a name")
		} else if j, dup := names[p.Name]; dup {
			v.add(f+"name", "projection %q is already defined at event_sourcing.projections[%d]", p.Name, j)
		} else {
			names[p.Name] = i
		}
		if _, ok := topics[p.Topic]; !ok {
			v.add(f+"topic", "topic %q is not declared under topics", p.Topic)
		}
		var group *ConsumerGroup
		for gi := range s.ConsumerGroups {
			if s.ConsumerGroups[gi].Name == p.Group {
				group = &s.ConsumerGroups[gi]
			}
		}
		switch {
		case p.Group == "":
			v.add(f+"group", "missing: name the consumer group that plays the projection (its processing is the apply time)")
		case group == nil:
			v.add(f+"group", "consumer group %q is not declared under consumer_groups", p.Group)
		case group.Topic != p.Topic:
			v.add(f+"group", "consumer group %q reads topic %q, not the projection's %q", p.Group, group.Topic, p.Topic)
		}
		if p.SnapshotEvery < 0 {
			v.add(f+"snapshot_every", "must not be negative (0: no snapshots)")
		}
	}
	for i, r := range e.Replays {
		f := fmt.Sprintf("event_sourcing.replays[%d].", i)
		p := e.projection(r.Projection)
		if p == nil {
			v.add(f+"projection", "projection %q is not declared under event_sourcing.projections", r.Projection)
		}
		v.oneOf(f+"from", r.From, ReplayFromStart, ReplayFromSnapshot)
		if r.From == ReplayFromSnapshot && p != nil && p.SnapshotEvery == 0 {
			v.add(f+"from", "projection %q takes no snapshots: set its snapshot_every", r.Projection)
		}
		if r.Until < 0 || (r.Until > 0 && r.Until > s.Duration) {
			v.add(f+"until", "%v: want a time within the run (0 to %v; 0 replays to the log end)", r.Until, s.Duration)
		}
	}
	for i, n := range e.SnapshotIntervals {
		if n <= 0 {
			v.add(fmt.Sprintf("event_sourcing.snapshot_intervals[%d]", i), "%d: want a positive number of events", n)
		}
	}
	if a := e.Audit; a != nil {
		if a.At <= 0 || a.At > s.Duration {
			v.add("event_sourcing.audit.at", "%v: want a time within the run (above 0, at most %v)", a.At, s.Duration)
		}
		if a.Key < 0 {
			v.add("event_sourcing.audit.key", "%d: entity ids are 0 or more", a.Key)
		}
		v.between("event_sourcing.audit.events", a.Events, 1, 1000)
	}
	if c := e.Changelog; c != nil {
		if e.projection(c.Projection) == nil {
			v.add("event_sourcing.changelog.projection", "projection %q is not declared under event_sourcing.projections", c.Projection)
		}
		if c.SegmentBytes < 4<<10 || c.SegmentBytes > 1<<30 {
			v.add("event_sourcing.changelog.segment_bytes", "%v: want 4KiB to 1GiB", c.SegmentBytes)
		}
		if c.MinCleanableDirtyRatio <= 0 || c.MinCleanableDirtyRatio > 1 {
			v.add("event_sourcing.changelog.min_cleanable_dirty_ratio", "%v: want above 0 and at most 100%%", c.MinCleanableDirtyRatio)
		}
		if c.CleanerInterval <= 0 {
			v.add("event_sourcing.changelog.cleaner_interval", "must be above 0 (Kafka's log.cleaner.backoff.ms is 15s)")
		}
		if c.MoveAt <= 0 || c.MoveAt > s.Duration {
			v.add("event_sourcing.changelog.move_at", "%v: want a time within the run (above 0, at most %v)", c.MoveAt, s.Duration)
		}
		if c.StandbyLag < 0 {
			v.add("event_sourcing.changelog.standby_lag", "must not be negative")
		}
	}
}
