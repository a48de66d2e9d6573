package kafka

import (
	"fmt"

	"mqsim/model/commitlog"
	"mqsim/model/eventsource"
)

// eventSourcing plays the scenario's event_sourcing section on the logs
// this run wrote, before they close: the event topics' leader logs are the
// event store the replays, snapshots, audit and changelog read
// (model/eventsource). The live projections are the run's consumer groups.
func (w *world) eventSourcing(res *Results) error {
	es := w.sc.EventSourcing
	if es == nil || res == nil {
		return nil
	}
	logs := map[string][]*commitlog.Log{}
	for _, t := range w.topics {
		ls := make([]*commitlog.Log, len(t.parts))
		for i, p := range t.parts {
			if p.leader == nil {
				return fmt.Errorf("event sourcing: %s-%d has no leader at the end of the run", t.spec.Name, i)
			}
			ls[i] = p.leader.log
		}
		logs[t.spec.Name] = ls
	}
	return eventsource.Play(eventsource.Input{Scenario: w.sc, Logs: logs, End: w.s.Now(), Seed: w.sc.Seed}, res)
}

// The event store is read again after the run (replays from offset 0):
// its records must stay in memory (release.go).
func (w *world) keepsEventLog() bool { return w.sc.EventSourcing != nil }
