package eventsource_test

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Every setting of the event_sourcing: section is implemented or refused:
// for each field (found by reflection, so a new one cannot be forgotten) a
// pair of runs — a built-in scenario, shortened, and the same with one
// --set — give different event sourcing results, or the field is a
// reference (an unknown name is refused), or it is listed with what shows it.

type esBase struct {
	name string
	sets []string
}

var (
	esCQRS  = esBase{"cqrs-staleness", nil}
	esAudit = esBase{"audit-point-in-time", []string{"duration=5m", "event_sourcing.audit.at=4m", "event_sourcing.replays.0.until=4m",
		"event_sourcing.projections.0.snapshot_every=1000"}}
	esAuditSnap = esBase{"audit-point-in-time", append(slices.Clone(esAudit.sets), "event_sourcing.replays.0.from=snapshot")}
	esLog       = esBase{"changelog-restore", []string{"duration=5m", "event_sourcing.changelog.move_at=4m"}}
)

var esEffects = map[string]struct {
	base esBase
	set  string
}{
	"event_sourcing.state_size":                          {esLog, "event_sourcing.state_size=256B"},
	"event_sourcing.snapshot_bandwidth":                  {esAuditSnap, "event_sourcing.snapshot_bandwidth=1KB/s"},
	"event_sourcing.projections.snapshot_every":          {esCQRS, "event_sourcing.projections.0.snapshot_every=1000"},
	"event_sourcing.replays.from":                        {esAudit, "event_sourcing.replays.0.from=snapshot"},
	"event_sourcing.replays.until":                       {esAudit, "event_sourcing.replays.0.until=2m"},
	"event_sourcing.audit.key":                           {esAudit, "event_sourcing.audit.key=8"},
	"event_sourcing.audit.at":                            {esAudit, "event_sourcing.audit.at=3m"},
	"event_sourcing.audit.events":                        {esAudit, "event_sourcing.audit.events=2"},
	"event_sourcing.changelog.segment_bytes":             {esLog, "event_sourcing.changelog.segment_bytes=256KiB"},
	"event_sourcing.changelog.min_cleanable_dirty_ratio": {esLog, "event_sourcing.changelog.min_cleanable_dirty_ratio=0.9"},
	"event_sourcing.changelog.cleaner_interval":          {esLog, "event_sourcing.changelog.cleaner_interval=1m"},
	"event_sourcing.changelog.move_at":                   {esLog, "event_sourcing.changelog.move_at=3m"},
	"event_sourcing.changelog.restore_apply":             {esLog, "event_sourcing.changelog.restore_apply=100us"},
	"event_sourcing.changelog.standby_lag":               {esLog, "event_sourcing.changelog.standby_lag=5s"},
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

func esFields() []string {
	var out []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != "mqsim/scenarios" || t.Name() == "TimeDist" {
			out = append(out, strings.TrimPrefix(path, "."))
			return
		}
		for i := range t.NumField() {
			if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
				walk(t.Field(i).Type, path+"."+tag)
			}
		}
	}
	walk(reflect.TypeFor[scenarios.EventSourcing](), "event_sourcing")
	slices.Sort(out)
	return out
}

// TestEveryEventSourcingSettingHasAnEffect always checks every field is
// classified; the pairs of runs run with MQSIM_FIELD_EFFECTS=1.
func TestEveryEventSourcingSettingHasAnEffect(t *testing.T) {
	runPairs := os.Getenv("MQSIM_FIELD_EFFECTS") == "1" && !testing.Short()
	runOf := func(name string, sets []string) (string, error) {
		ls, err := scenarios.LoadScenario(name, sets)
		if err != nil {
			return "", err
		}
		r, err := model.Run(&ls.Scenario, model.Options{})
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(r.EventSourcing)
		return string(b), err
	}
	fields := esFields()
	for _, f := range fields {
		if _, ok := esDescriptive[f]; ok {
			continue
		}
		if _, ok := esNotShown[f]; ok {
			continue
		}
		e, ok := esEffects[f]
		if !ok {
			t.Errorf("%s: a setting with no pair of runs showing its effect", f)
			continue
		}
		if !runPairs {
			continue
		}
		t.Run(f, func(t *testing.T) {
			base, err := runOf(e.base.name, e.base.sets)
			if err != nil {
				t.Fatalf("base %s %v: %v", e.base.name, e.base.sets, err)
			}
			got, err := runOf(e.base.name, append(slices.Clone(e.base.sets), e.set))
			if err != nil {
				t.Fatalf("%s with --set %s: %v", e.base.name, e.set, err)
			}
			if got == base {
				t.Errorf("%s with --set %s gives the same event sourcing results as without: the setting is ignored", e.base.name, e.set)
			}
		})
	}
	for f := range esEffects {
		if !slices.Contains(fields, f) {
			t.Errorf("esEffects names %s, not a field of the section", f)
		}
	}
}
