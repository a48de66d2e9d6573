package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// Step 5 ends with "and does it hold?": the prompt's plan played briefly
// at its peak. The social-media plan is the seed's exact one, whose
// busiest broker's disk the simulation finds over 100% (see
// TestCapacityVerifyUndersizedFails for the hand calculation).
func TestInterviewModelAnswerSaysWhetherThePlanHolds(t *testing.T) {
	code, out, errs := interviewRun(t, "", "interview", "social-media", "--model-answer", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m struct {
		Steps []struct {
			Step int
			Say  string
		}
		Holds string
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Holds, "does not hold") || !strings.Contains(m.Holds, "broker storage gives out first") {
		t.Errorf("holds: %q", m.Holds)
	}
	if len(m.Steps) != 5 || !strings.Contains(m.Steps[4].Say, "And does it hold? Played in the simulator") {
		t.Errorf("step 5 lacks the verdict: %+v", m.Steps)
	}
	_, out, _ = interviewRun(t, "", "interview", "social-media", "--model-answer", "--prove=false")
	if strings.Contains(out, "does it hold") {
		t.Error("--prove=false still ran the plan")
	}
}
