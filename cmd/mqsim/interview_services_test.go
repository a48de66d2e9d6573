package main

import (
	"strings"
	"testing"
)

// The sync/async follow-up's proof runs sync-cascade in full and reports
// the edge's collapse in one line.
func TestProveServices(t *testing.T) {
	line, err := proveWithScenario("sync-cascade")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sync-cascade in 150s simulated: availability ", "goodput ", "services ran out of threads", "expectations met"} {
		if !strings.Contains(line, want) {
			t.Errorf("proof %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, " 0 of ") || !strings.HasSuffix(line, "10 of 10 expectations met") {
		t.Errorf("proof %q: want every expectation met", line)
	}
}
