package model

import (
	"testing"

	"mqsim/scenarios"
)

// Run reports events per message as the kernel's events over the messages
// produced: 1,000 events for 250 messages is 4 per message; a run that
// produced nothing reports 0 rather than dividing by zero.
func TestRunEventsPerMessage(t *testing.T) {
	for _, c := range []struct {
		events   uint64
		produced int64
		want     float64
	}{{1000, 250, 4}, {7, 0, 0}} {
		Register(DefaultSystem, func(sc *scenarios.Scenario, _ Options) (*Results, error) {
			return &Results{Scenario: sc.Name, Events: c.events, Produced: c.produced}, nil
		})
		res, err := Run(&scenarios.Scenario{Name: "x"}, Options{})
		delete(systems, DefaultSystem)
		if err != nil {
			t.Fatal(err)
		}
		if res.EventsPerMessage != c.want {
			t.Errorf("%d events, %d produced: EventsPerMessage = %v, want %v", c.events, c.produced, res.EventsPerMessage, c.want)
		}
	}
}
