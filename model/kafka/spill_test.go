package kafka

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
)

// TestSpillKeepsResultsAndBoundsMemory: a run with faults moves what its
// groups consumed to spill files and reports exactly what the same run
// keeping every record in memory reports. Each of these built-ins reads
// below that point again: a broker that crashed truncates its log below
// it (hw-truncation-high-watermark; broker-failure, whose restarted broker
// lost records below the high watermark that never reached its disk), and
// unclean-election's group fetches below it after rewinding. So the same
// run dropping the records instead fails on that read; with spill files
// every read finds them. The spill directory is gone once the run is
// closed. Before a release the replicas' bytes are compared in memory, so
// the end-of-run check of invariant 3 does not read the spilled history
// back.
func TestSpillKeepsResultsAndBoundsMemory(t *testing.T) {
	for _, name := range []string{"hw-truncation-high-watermark", "unclean-election", "broker-failure"} {
		t.Run(name, func(t *testing.T) {
			scenario := func() *scenarios.Scenario {
				ls, err := scenarios.LoadScenario(name, nil)
				if err != nil {
					t.Fatal(err)
				}
				return &ls.Scenario
			}
			keepConsumed = true
			wk, kept, err := run(scenario(), Options{})
			keepConsumed = false
			if wk != nil {
				defer wk.close()
			}
			if err != nil {
				t.Fatal(err)
			}
			w, spilled, err := run(scenario(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !w.spills || w.releases || wk.spills {
				t.Fatalf("spills %v (releases %v) with faults, %v keeping records; want true (false), false", w.spills, w.releases, wk.spills)
			}
			if !reflect.DeepEqual(kept, spilled) {
				t.Errorf("results differ with spilled records:\nkept    %+v\nspilled %+v", kept, spilled)
			}
			var released, stored, matched int64
			for _, tp := range w.topics {
				for _, p := range tp.parts {
					matched += p.matched
					for _, r := range p.replicas {
						st := r.log.Stats()
						released += st.Released
						stored += st.StoredBytes
					}
				}
			}
			if released < stored/2 {
				t.Errorf("%d of %d stored bytes left memory, want most (the groups consumed them)", released, stored)
			}
			// The replicas were compared while in memory before release, so
			// the check at the end did not read all of it back (and found
			// the same divergences: the results are equal).
			if matched == 0 {
				t.Errorf("no partition's replicas were compared before release")
			}
			dir := w.spillDir
			if err := w.close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dir); dir == "" || !os.IsNotExist(err) {
				t.Errorf("spill directory %q after close: %v, want removed", dir, err)
			}

			spillNowhere = true
			wd, _, err := run(scenario(), Options{})
			spillNowhere = false
			if wd != nil {
				wd.close()
			}
			t.Logf("dropping: %v", err)
			if !errors.Is(err, commitlog.ErrReleased) {
				t.Errorf("dropping instead of spilling: err = %v, want a read of released bytes (the run reads below what it released)", err)
			}
		})
	}
}

// Where no temporary directory can be made, a run with faults keeps its
// records in memory and gives the same results.
func TestSpillWithoutTempDir(t *testing.T) {
	ls, err := scenarios.LoadScenario("broker-failure", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := mustRun(t, &ls.Scenario)
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	ls, err = scenarios.LoadScenario("broker-failure", nil)
	if err != nil {
		t.Fatal(err)
	}
	w, got, err := run(&ls.Scenario, Options{})
	if w != nil {
		defer w.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if w.spills || w.spillDir != "" {
		t.Errorf("spills %v in %q without a temporary directory, want off", w.spills, w.spillDir)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("results differ without spill files:\nwith    %+v\nwithout %+v", want, got)
	}
}
