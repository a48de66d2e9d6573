package main

import (
	"encoding/json"
	"strings"
	"testing"

	"mqsim/model"
)

// mqsim replay rebuilds a projection after the run and checks it against
// events ÷ min(fetch rate, apply rate). cqrs-staleness writes 72,000 events
// on average (600/s for 2 minutes) over 2 partitions; its 2 consumers
// apply 1,000/s each, so a rebuild from offset 0 takes the busier
// consumer's half: about 36 s.
func TestReplayCommand(t *testing.T) {
	code, out, errs := run(t, "replay", "cqrs-staleness", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r model.ReplayResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if !r.Matches || r.Events < 60000 || r.Events > 84000 {
		t.Errorf("replayed %d events (matches the fold: %v), want about 72,000 and a match", r.Events, r.Matches)
	}
	if r.Seconds < 30 || r.Seconds > 45 || r.Error > 0.1 {
		t.Errorf("rebuild %.1fs (formula %.1fs), want about 36s within 10%% of the formula", r.Seconds, r.Formula)
	}
	for _, bad := range [][]string{
		{"replay", "baseline"},
		{"replay", "cqrs-staleness", "--from", "snapshot"},
		{"replay", "cqrs-staleness", "--until", "1h"},
		{"replay", "cqrs-staleness", "--projection", "nope"},
	} {
		code, _, errs := run(t, bad...)
		if code != exitBadInput || !strings.Contains(errs, "mqsim:") {
			t.Errorf("%v: exit %d, want %d with a message\n%s", bad, code, exitBadInput, errs)
		}
	}
}
