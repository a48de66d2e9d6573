package model

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// hotKeyScenario: 3K msg/s on 6 partitions, 70% of them on key 0, read by
// a group of the given size whose members each process 1K msg/s.
func hotKeyScenario(consumers int) *scenarios.Scenario {
	s := &scenarios.Scenario{
		Name: "hot-key", Seed: 3, Duration: 10 * units.Second,
		Cluster: scenarios.Cluster{Brokers: 3},
		Topics:  []scenarios.Topic{{Name: "events", Partitions: 6}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 3000,
			Keys: "hot(share=70%, n=1000)"}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: consumers,
			Commit: "after"}},
	}
	s.Defaults()
	s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(1ms)")
	return s
}

// The hot-key row: 60–80% of the traffic on one key saturates one
// partition and its consumer; the group's lag is that partition's lag;
// consumers beyond the partition count do not help.
func TestHotKeySaturatesOnePartition(t *testing.T) {
	const (
		rate      = 3000.0 // msg/s
		share     = 0.7    // the hot key's share
		n         = 1000   // keys
		parts     = 6
		capacity  = 1000.0 // one consumer: const(1ms) a message
		seconds   = 10.0
		cold      = (1 - share) * rate / (n - 1) // msg/s of each other key
		tolerance = 0.1
	)
	// Where the murmur2 partitioner puts key 0, and how many of the other
	// 999 keys share its partition.
	var kb []byte
	hot := partitionFor(keyBytes(kb, 0), parts)
	others := 0
	for k := int64(1); k < n; k++ {
		if partitionFor(keyBytes(kb, k), parts) == hot {
			others++
		}
	}
	hotRate := share*rate + float64(others)*cold
	// The hot partition receives hotRate, its consumer takes 1K/s: its lag
	// grows by the difference until the producers stop.
	wantLag := (hotRate - capacity) * seconds
	if hotRate < 1.5*capacity {
		t.Fatalf("hot partition gets %.0f msg/s: not saturated enough for the test", hotRate)
	}

	six := mustRun(t, hotKeyScenario(parts))
	g6 := six.Groups[0]
	if !within(float64(g6.MaxPartLag), wantLag, tolerance) {
		t.Errorf("6 consumers: max partition lag %d, want about (%.0f − %.0f) × %.0fs = %.0f", g6.MaxPartLag, hotRate, capacity, seconds, wantLag)
	}
	// Each cold partition gets (1−share)·rate/6 minus the hot partition's
	// share of cold keys, far below 1K/s: its consumer keeps up, so its lag
	// stays within a fetch or two. The group's lag is the hot partition's.
	if g6.MaxLag < g6.MaxPartLag || !within(float64(g6.MaxLag), float64(g6.MaxPartLag), 0.02) {
		t.Errorf("6 consumers: group max lag %d, hot partition's %d: want within 2%%", g6.MaxLag, g6.MaxPartLag)
	}
	if six.Lost != 0 || six.Reordered != 0 || g6.FinalLag != 0 {
		t.Errorf("6 consumers: lost %d, reordered %d, final lag %d: want 0", six.Lost, six.Reordered, g6.FinalLag)
	}

	// Twice as many consumers as partitions: a partition has one consumer
	// per group, so six members own nothing and the hot partition's lag is
	// the same (same seed: the same records arrive at the same times).
	twelve := mustRun(t, hotKeyScenario(2*parts))
	g12 := twelve.Groups[0]
	idle := 0
	for _, a := range g12.Assignment {
		if len(a) == 0 {
			idle++
		}
	}
	if idle != parts || len(g12.Assignment) != 2*parts {
		t.Errorf("12 consumers: %d of %d own nothing, want %d", idle, len(g12.Assignment), parts)
	}
	if !within(float64(g12.MaxPartLag), float64(g6.MaxPartLag), 0.02) {
		t.Errorf("12 consumers: max partition lag %d, want about the 6-consumer run's %d", g12.MaxPartLag, g6.MaxPartLag)
	}
	if !within(float64(g12.MaxLag), float64(g6.MaxLag), 0.02) {
		t.Errorf("12 consumers: group max lag %d, want about the 6-consumer run's %d", g12.MaxLag, g6.MaxLag)
	}
}

// autoCommitScenario: 1.2K msg/s on 6 partitions, 3 consumers (400 msg/s
// each), one of them crashes at crashAt and comes back 5 s later.
func autoCommitScenario(commit string, crashAt units.Duration) *scenarios.Scenario {
	one := 1
	s := &scenarios.Scenario{
		Name: "auto-commit", Seed: 5, Duration: 20 * units.Second,
		Cluster:   scenarios.Cluster{Brokers: 3},
		Topics:    []scenarios.Topic{{Name: "events", Partitions: 6}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1200, Keys: "uniform(10000)"}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 3,
			Commit: commit,
			AutoCommitInterval: units.Second, SessionTimeout: 3 * units.Second, HeartbeatInterval: units.Second}},
		Faults: []scenarios.Fault{{Type: "consumer-crash", Group: "readers", Consumer: &one, At: crashAt, Duration: 5 * units.Second}},
	}
	s.Defaults()
	s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(0.2ms)")
	return s
}

// Auto-commit commits, inside poll, the positions the previous poll
// returned, every auto_commit_interval. A crash redelivers what the member
// processed since the last auto-commit: duplicates bounded by one interval
// of its partitions' traffic, nothing lost.
func TestAutoCommitCrashRedelivers(t *testing.T) {
	const (
		perMember = 1200.0 / 3 // msg/s on the crashed member's two partitions
		interval  = 1.0        // s
	)
	// The member booted at 0 and auto-commits at the first poll after each
	// second (polls come every few ms at 400 msg/s), so the last commit
	// before a crash at 10.9 s was at about 10.0 s, and it stored the
	// positions of the poll before it. What the member processed from then
	// until the crash comes back: about 0.9 s of its traffic.
	r := mustRun(t, autoCommitScenario("auto", 10900*units.Millisecond))
	g := r.Groups[0]
	want := perMember * 0.9
	if !within(float64(g.Duplicates), want, 0.15) {
		t.Errorf("auto-commit, crash at 10.9s: duplicates %d, want about %.0f × 0.9s = %.0f", g.Duplicates, perMember, want)
	}
	// Right after a commit (crash at 10.1 s) only about 0.1 s comes back.
	early := mustRun(t, autoCommitScenario("auto", 10100*units.Millisecond)).Groups[0]
	if early.Duplicates <= 0 || float64(early.Duplicates) > perMember*0.25 {
		t.Errorf("auto-commit, crash at 10.1s: duplicates %d, want above 0 and at most %.0f (0.25s)", early.Duplicates, perMember*0.25)
	}
	// Never more than one interval (plus a poll) of the member's traffic.
	for _, x := range []GroupResult{g, early} {
		if float64(x.Duplicates) > perMember*interval*1.1 {
			t.Errorf("duplicates %d exceed one auto_commit_interval of traffic (%.0f)", x.Duplicates, perMember*interval)
		}
		if x.Duplicates != x.Redelivered || x.Lost != 0 || x.Unseen != 0 {
			t.Errorf("duplicates %d, redelivered %d, lost %d, unseen %d: want duplicates = redelivered, no loss", x.Duplicates, x.Redelivered, x.Lost, x.Unseen)
		}
	}
	// Committing after every poll redelivers at most the records of the
	// poll that was running: a crash at 10.9 s costs far fewer.
	after := mustRun(t, autoCommitScenario("after", 10900*units.Millisecond)).Groups[0]
	if after.Duplicates*10 > g.Duplicates || after.Lost != 0 {
		t.Errorf("commit after: duplicates %d (auto: %d), lost %d: want under a tenth, no loss", after.Duplicates, g.Duplicates, after.Lost)
	}
}
