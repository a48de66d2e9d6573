package services_test

import (
	"testing"

	"mqsim/model"
	_ "mqsim/model/systems"
	"mqsim/scenarios"
)

// sync-cascade with its call to the ledger asynchronous, on every system
// a call can go through: the edge stays available, and the ledger's queue
// takes the slowdown as lag. By hand: payments calls the ledger for the
// 30% of 200 requests/s that are orders, 60/s; the slow ledger's 2 × 10
// threads at 2 s serve 10/s; for the fault's 60 s the lag grows by
// (60 − 10)/s, to 3,000, and drains after (at 400 − 60 = 340/s).
func TestSyncCascadeAsyncLagOnEverySystem(t *testing.T) {
	if testing.Short() {
		t.Skip("150 s of fifteen services per system")
	}
	for _, sys := range scenarios.ViaSystems {
		t.Run(sys, func(t *testing.T) {
			ls, err := scenarios.LoadScenario("sync-cascade", []string{"services.call=async", "services.via.system=" + sys})
			if err != nil {
				t.Fatal(err)
			}
			r, err := model.Run(&ls.Scenario, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if a := r.Services.Availability; a < 0.999 {
				t.Errorf("edge availability %.4f, want the edge to stay available", a)
			}
			var ledger model.ServiceResult
			for _, s := range r.ServiceStats {
				if s.Name == "ledger" {
					ledger = s
				}
			}
			if ledger.Via != sys {
				t.Errorf("ledger's queue on %q, want %s", ledger.Via, sys)
			}
			if b := ledger.MaxBacklog; b < 2700 || b > 3300 {
				t.Errorf("ledger's largest backlog %d, want about (60 − 10)/s × 60 s = 3,000", b)
			}
			if r.Services.AsyncFinalBacklog != 0 {
				t.Errorf("backlog %d at the end, want it drained", r.Services.AsyncFinalBacklog)
			}
		})
	}
}
