package rabbitmq

import (
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// TestDiskAlarm: rabbitmq-memory-alarm with RAM to spare (16 GiB) and a
// 200 MB disk. The slow queue's backlog grows by (1,000 − 100)/s × 10 KB =
// 9 MB/s on its node's disk, so free space reaches disk_free_limit (50 MB)
// at 150 MB / 9 MB/s = 16.7 s: the disk alarm blocks every publisher, the
// healthy one too, from then to the end of the run (40 s + the 5 s drain,
// which the 1 MB/s consumer cannot clear): 45 − 16.7 = 28.3 s; each
// acked message frees room for about one more, so it flickers off only for
// instants. The memory alarm never fires. Nothing confirmed is lost.
func TestDiskAlarm(t *testing.T) {
	r := runBuiltin(t, "rabbitmq-memory-alarm", "rabbitmq.memory=16GiB", "rabbitmq.disk=200MB")
	if r.AlarmSeconds != 0 {
		t.Errorf("memory alarm %.1f s, want none", r.AlarmSeconds)
	}
	if r.DiskAlarmSeconds < 27.8 || r.DiskAlarmSeconds > 28.4 {
		t.Errorf("disk alarm %.2f s, want 45 − 16.7 = 28.3 s", r.DiskAlarmSeconds)
	}
	if r.Lost != 0 {
		t.Errorf("lost %d", r.Lost)
	}
}

func runBuiltin(t *testing.T, name string, sets ...string) *model.Results {
	t.Helper()
	ls, err := scenarios.LoadScenario(name, sets)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
