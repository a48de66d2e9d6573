package kafka

import (
	"path/filepath"
	"testing"

	"mqsim/model/commitlog"
	"mqsim/model/commitlog/vfs"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// TestDataDir: with a data directory the replicas are real log files that
// reopen cleanly and hold what the producers acknowledged.
func TestDataDir(t *testing.T) {
	dir := t.TempDir()
	s := baseScenario(500, units.Second)
	var last sim.Time
	calls := 0
	progress := func(now, end sim.Time) {
		if now < last || now > end {
			t.Errorf("progress %v of %v after %v", now, end, last)
		}
		last = now
		calls++
	}
	r, err := Run(s, Options{DataDir: dir, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || calls > int(r.SimSeconds*4)+1 {
		t.Errorf("progress called %d times over %.2f simulated seconds", calls, r.SimSeconds)
	}
	if r.Lost != 0 || r.Acked == 0 {
		t.Fatalf("acked %d lost %d", r.Acked, r.Lost)
	}
	var records int64
	for p := range 6 {
		// Partition p's leader is broker p%3 (round-robin placement).
		l, err := commitlog.Open(vfs.OS, filepath.Join(dir, "broker-"+itoa(p%3), "events-"+itoa(p)), commitlog.Config{})
		if err != nil {
			t.Fatalf("reopen partition %d: %v", p, err)
		}
		records += l.LogEndOffset()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if records != r.Acked {
		t.Errorf("leader logs hold %d records, %d were acknowledged (no retries, no duplicates)", records, r.Acked)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
