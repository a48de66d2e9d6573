package eventsource_test

import (
	"encoding/json"
	"mqsim/model/fieldeffect"
	"reflect"
	"slices"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the event_sourcing: section is implemented or refused:
// for each field (found by reflection, so a new one cannot be forgotten) a
// pair of runs — a built-in scenario, shortened, and the same with one
// --set — give different event sourcing results, or the field is a
// reference (an unknown name is refused), or it is listed with what shows it.

var (
	esCQRS  = fieldeffect.On("cqrs-staleness")
	esAudit = fieldeffect.On("audit-point-in-time", "duration=5m", "event_sourcing.audit.at=4m", "event_sourcing.replays.0.until=4m",
		"event_sourcing.projections.0.snapshot_every=1000")
	esAuditSnap = fieldeffect.On("audit-point-in-time", append(slices.Clone(esAudit.Sets), "event_sourcing.replays.0.from=snapshot")...)
	esLog       = fieldeffect.On("changelog-restore", "duration=5m", "event_sourcing.changelog.move_at=4m")
)

var esEffects = map[string]fieldeffect.Pair{
	"event_sourcing.state_size":                          esLog.With("event_sourcing.state_size=256B"),
	"event_sourcing.snapshot_bandwidth":                  esAuditSnap.With("event_sourcing.snapshot_bandwidth=1KB/s"),
	"event_sourcing.projections.snapshot_every":          esCQRS.With("event_sourcing.projections.0.snapshot_every=1000"),
	"event_sourcing.replays.from":                        esAudit.With("event_sourcing.replays.0.from=snapshot"),
	"event_sourcing.replays.until":                       esAudit.With("event_sourcing.replays.0.until=2m"),
	"event_sourcing.audit.key":                           esAudit.With("event_sourcing.audit.key=8"),
	"event_sourcing.audit.at":                            esAudit.With("event_sourcing.audit.at=3m"),
	"event_sourcing.audit.events":                        esAudit.With("event_sourcing.audit.events=2"),
	"event_sourcing.changelog.segment_bytes":             esLog.With("event_sourcing.changelog.segment_bytes=256KiB"),
	"event_sourcing.changelog.min_cleanable_dirty_ratio": esLog.With("event_sourcing.changelog.min_cleanable_dirty_ratio=0.9"),
	"event_sourcing.changelog.cleaner_interval":          esLog.With("event_sourcing.changelog.cleaner_interval=1m"),
	"event_sourcing.changelog.move_at":                   esLog.With("event_sourcing.changelog.move_at=3m"),
	"event_sourcing.changelog.restore_apply":             esLog.With("event_sourcing.changelog.restore_apply=100us"),
	"event_sourcing.changelog.standby_lag":               esLog.With("event_sourcing.changelog.standby_lag=5s"),
}

var esDescriptive = map[string]string{
	"event_sourcing.topic":                "a reference to a topic (an undeclared or unkeyed one is refused)",
	"event_sourcing.projections.name":     "a name replays and the changelog refer to",
	"event_sourcing.projections.topic":    "a reference to a topic (an undeclared one is refused)",
	"event_sourcing.projections.group":    "a reference to a consumer group (an undeclared one, or one on another topic, is refused)",
	"event_sourcing.replays.projection":   "a reference to a projection (an undeclared one is refused)",
	"event_sourcing.changelog.projection": "a reference to a projection (an undeclared one is refused)",
}

var esNotShown = map[string]string{
	"event_sourcing.snapshot_intervals": "a list: event-sourcing-replay's trade-off table and plot (a week of events, too long for a pair of runs)",
}

// TestEveryEventSourcingSettingHasAnEffect always checks every field is
// classified; the pairs of runs run with MQSIM_FIELD_EFFECTS=1.
func TestEveryEventSourcingSettingHasAnEffect(t *testing.T) {
	fieldeffect.Check(t, fieldeffect.Spec{
		Sections: map[string]reflect.Type{"event_sourcing": reflect.TypeFor[scenarios.EventSourcing]()},
		Pairs:    esEffects,
		Aside:    fieldeffect.Union(esDescriptive, esNotShown),
		Run:      model.Run,
		Key: func(r *model.Results) (string, error) {
			b, err := json.Marshal(r.EventSourcing)
			return string(b), err
		},
	})
}
