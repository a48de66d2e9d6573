package model

// EventSourcing is what an `event_sourcing:` section reports: the event
// log, each projection's view and staleness, the replays with their check
// against events ÷ min(fetch rate, apply rate), the snapshot interval's
// trade-off, an audit of one entity as of a past time, and a changelog's
// compaction and restore times. Times are seconds, sizes bytes.
type EventSourcing struct {
	Topic    string `json:"topic"`
	Events   int64  `json:"events"`   // records in the event log at the end
	Entities int64  `json:"entities"` // distinct keys among them
	// ViewMismatches counts rebuilt or restored views that differ from a
	// fold of the log (must be 0).
	ViewMismatches int64              `json:"view_mismatches"`
	Projections    []ProjectionResult `json:"projections"`
	Replays        []ReplayResult     `json:"replays,omitempty"`
	Snapshots      []SnapshotPoint    `json:"snapshot_tradeoff,omitempty"`
	Audit          *AuditResult       `json:"audit,omitempty"`
	Changelog      *ChangelogResult   `json:"changelog,omitempty"`
}

// ProjectionResult is one read model: its view at the end and how stale it
// was (event written → applied to the view, the group's end-to-end time).
type ProjectionResult struct {
	Name     string  `json:"name"`
	Group    string  `json:"group"`
	Topic    string  `json:"topic"`
	Applied  int64   `json:"applied"`  // events the group applied
	Entities int64   `json:"entities"` // keys in the view
	ViewSize int64   `json:"view_bytes"`
	P50      float64 `json:"staleness_p50_s"`
	P99      float64 `json:"staleness_p99_s"`
	Max      float64 `json:"staleness_max_s"`
	// StaleSeconds is the time the p99 staleness of a sample interval was
	// above one second; PeakAt is when the staleness peaked (s).
	StaleSeconds float64 `json:"stale_seconds"`
	PeakAt       float64 `json:"peak_at_s"`
	// Snapshots every SnapshotEvery events: how many over the log, the
	// time spent writing them and the size of the latest.
	SnapshotEvery   int     `json:"snapshot_every,omitempty"`
	SnapshotCount   int64   `json:"snapshots,omitempty"`
	SnapshotSeconds float64 `json:"snapshot_seconds,omitempty"`
	SnapshotBytes   int64   `json:"snapshot_bytes,omitempty"`
}

// ReplayResult is one rebuild of a projection from the log, simulated
// fetch by fetch and event by event, beside the closed form
// events ÷ min(fetch rate, apply rate) (+ the snapshot's load time).
type ReplayResult struct {
	Projection string  `json:"projection"`
	From       string  `json:"from"`            // start or snapshot
	Until      float64 `json:"until_s"`         // the time replayed to (0: the log end)
	StartAt    int64   `json:"start_offset"`    // summed over partitions
	UpTo       int64   `json:"up_to_offset"`    // summed over partitions: the offsets for the time (time index)
	Events     int64   `json:"events"`          // events applied
	Fetches    int64   `json:"fetches"`         // fetch requests
	Bytes      int64   `json:"bytes"`           // fetched
	LoadTime   float64 `json:"load_seconds"`    // loading the snapshot
	Seconds    float64 `json:"rebuild_seconds"` // simulated
	FetchRate  float64 `json:"fetch_rate"`      // events/s one consumer's fetches deliver (closed form)
	ApplyRate  float64 `json:"apply_rate"`      // events/s one consumer applies (1 / mean apply time)
	Formula    float64 `json:"formula_seconds"` // busiest consumer's events ÷ min(fetch, apply) + load
	Error      float64 `json:"formula_error"`   // |Seconds ÷ Formula − 1|
	Entities   int64   `json:"entities"`
	Matches    bool    `json:"matches_fold"` // the rebuilt view equals a fold of the log up to UpTo
}

// SnapshotPoint is one snapshot interval's trade-off: the longest rebuild
// it allows (load the latest snapshot, replay the Every − 1 events after
// it, simulated) against the cost of taking the snapshots.
type SnapshotPoint struct {
	Every          int     `json:"every"`           // events per partition between snapshots
	RebuildSeconds float64 `json:"rebuild_seconds"` // worst case: load a snapshot, replay every − 1 events per partition
	TailEvents     int64   `json:"tail_events"`     // events replayed after the snapshot
	Count          int64   `json:"snapshots"`       // snapshots taken over the log
	WriteSeconds   float64 `json:"write_seconds"`   // time spent writing them
	StorageBytes   int64   `json:"storage_bytes"`   // all of them kept
	// LiveOverhead is the share of the live consumer's time spent writing
	// snapshots (≈ a snapshot's cost ÷ (N ÷ event rate)); LiveStaleP99 the
	// 99th percentile of its staleness (written → visible) with them, and
	// LiveStaleP99Without the same without snapshots, in seconds.
	LiveOverhead        float64 `json:"live_overhead"`
	LiveStaleP99        float64 `json:"live_stale_p99_s"`
	LiveStaleP99Without float64 `json:"live_stale_p99_without_s"`
}

// AuditResult is one entity's state as of a past time, from the log, with
// the events that led there.
type AuditResult struct {
	Key       int64        `json:"key"`
	At        float64      `json:"at_s"`
	Partition int          `json:"partition"`
	Offset    int64        `json:"offset"` // the offset for the time (time index): events below it count
	Events    int64        `json:"events"` // the entity's events before it
	Balance   int64        `json:"balance"`
	Final     int64        `json:"final_balance"` // at the end of the log, for contrast
	Trail     []AuditEvent `json:"trail"`         // the last events that led there
}

// AuditEvent is one event in an audit trail.
type AuditEvent struct {
	Offset  int64   `json:"offset"`
	At      float64 `json:"at_s"`
	Amount  int64   `json:"amount"`
	Balance int64   `json:"balance"` // after it
}

// ChangelogResult is a state store's changelog: its size over time under
// the log cleaner, the cleaner's delay, and restoring the store after its
// task moves (from the compacted changelog, from the same one never
// compacted, and by a standby replica that trails it).
type ChangelogResult struct {
	Projection       string  `json:"projection"`
	Records          int64   `json:"records"` // written
	Bytes            int64   `json:"bytes"`   // compacted changelog at the end
	UncompactedBytes int64   `json:"uncompacted_bytes"`
	Cleanings        int64   `json:"cleanings"`
	MaxDelay         float64 `json:"max_compaction_delay_s"`
	MoveAt           float64 `json:"move_at_s"`
	CompactedRecords int64   `json:"restore_compacted_records"`
	Compacted        float64 `json:"restore_compacted_seconds"`
	UncompactedRecs  int64   `json:"restore_uncompacted_records"`
	Uncompacted      float64 `json:"restore_uncompacted_seconds"`
	StandbyRecords   int64   `json:"restore_standby_records"`
	Standby          float64 `json:"restore_standby_seconds"`
	RestoredMatches  bool    `json:"restored_matches"` // the store restored from the compacted log equals the live one
	Series           Series  `json:"series"`           // changelog_bytes, uncompacted_bytes, dirty_ratio over time
}

var eventSourcingMetricNames = []string{"es_events", "staleness_p99", "staleness_max", "stale_seconds",
	"rebuild_seconds", "rebuild_formula_error", "snapshot_rebuild_seconds", "view_mismatches", "audit_events",
	"restore_compacted_seconds", "restore_uncompacted_seconds", "restore_standby_seconds",
	"changelog_bytes", "changelog_uncompacted_bytes", "compaction_delay_max"}

func (e *EventSourcing) metric(name string) (float64, string, bool) {
	if e == nil {
		e = &EventSourcing{} // no event_sourcing section: every value 0
	}
	d := func(v float64) (float64, string, bool) { return v, KindDuration, true }
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	var p ProjectionResult
	if len(e.Projections) > 0 {
		p = e.Projections[0]
	}
	var cl ChangelogResult
	if e.Changelog != nil {
		cl = *e.Changelog
	}
	switch name {
	case "es_events":
		return c(e.Events)
	case "staleness_p99":
		return d(p.P99)
	case "staleness_max":
		return d(p.Max)
	case "stale_seconds":
		return d(p.StaleSeconds)
	case "rebuild_seconds":
		if len(e.Replays) > 0 {
			return d(e.Replays[0].Seconds)
		}
		return d(0)
	case "rebuild_formula_error":
		var m float64
		for _, r := range e.Replays {
			m = max(m, r.Error)
		}
		return m, KindRatio, true
	case "snapshot_rebuild_seconds":
		for _, r := range e.Replays {
			if r.From == "snapshot" {
				return d(r.Seconds)
			}
		}
		return d(0)
	case "view_mismatches":
		return c(e.ViewMismatches)
	case "audit_events":
		if e.Audit != nil {
			return c(e.Audit.Events)
		}
		return c(0)
	case "restore_compacted_seconds":
		return d(cl.Compacted)
	case "restore_uncompacted_seconds":
		return d(cl.Uncompacted)
	case "restore_standby_seconds":
		return d(cl.Standby)
	case "changelog_bytes":
		return c(cl.Bytes)
	case "changelog_uncompacted_bytes":
		return c(cl.UncompactedBytes)
	case "compaction_delay_max":
		return d(cl.MaxDelay)
	}
	return 0, "", false
}
