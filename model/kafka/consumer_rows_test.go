package kafka

import (
	"math"
	"testing"

	"mqsim/model/load"
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
	hot := partitionFor(load.KeyBytes(kb, 0), parts)
	others := 0
	for k := int64(1); k < n; k++ {
		if partitionFor(load.KeyBytes(kb, k), parts) == hot {
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
			Commit:             commit,
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
	// before a crash at 10.x s was at about 10.0 s, and it stored the
	// positions of the poll just before it. What the member processed from
	// then until the crash comes back: about 0.x s of its traffic, give or
	// take the Poisson noise of that count (3σ = 3√n) and a poll or two.
	var worst int64
	for _, frac := range []float64{0.1, 0.5, 0.9} {
		at := units.Duration((10 + frac) * float64(units.Second))
		r := mustRun(t, autoCommitScenario("auto", at))
		g := r.Groups[0]
		want := perMember * frac
		if d := float64(g.Duplicates); math.Abs(d-want) > 3*math.Sqrt(want)+10 {
			t.Errorf("auto-commit, crash at %.1fs: duplicates %d, want %.0f × %.1fs = %.0f ± %.0f", 10+frac, g.Duplicates, perMember, frac, want, 3*math.Sqrt(want)+10)
		}
		if g.Duplicates != g.Redelivered || g.Lost != 0 || g.Unseen != 0 || r.Lost != 0 {
			t.Errorf("crash at %.1fs: duplicates %d, redelivered %d, lost %d, unseen %d: want duplicates = redelivered, no loss", 10+frac, g.Duplicates, g.Redelivered, g.Lost, g.Unseen)
		}
		worst = max(worst, g.Duplicates)
	}
	// Never more than one interval of the member's traffic (plus a poll).
	if float64(worst) > perMember*interval*1.1 {
		t.Errorf("duplicates %d exceed one auto_commit_interval of traffic (%.0f)", worst, perMember*interval)
	}
	// Committing after every poll redelivers at most the poll that was
	// running: at 0.2 ms a record and a few records a poll, almost nothing.
	after := mustRun(t, autoCommitScenario("after", 10900*units.Millisecond)).Groups[0]
	if after.Duplicates*10 > worst || after.Lost != 0 {
		t.Errorf("commit after: duplicates %d (auto: %d), lost %d: want under a tenth, no loss", after.Duplicates, worst, after.Lost)
	}
}

// asyncScenario: 600 msg/s on 4 partitions, 2 consumers, a dependency
// serving 500 calls/s; the group calls it through an in-memory queue
// ("memory") or from the log ("log"). Consumer 1 crashes at 10.5 s.
func asyncScenario(handoff string) *scenarios.Scenario {
	one := 1
	s := &scenarios.Scenario{
		Name: "auto-commit-async", Seed: 7, Duration: 15 * units.Second, Drain: 60 * units.Second,
		Cluster:   scenarios.Cluster{Brokers: 3},
		Topics:    []scenarios.Topic{{Name: "events", Partitions: 4}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 600, Keys: "uniform(10000)"}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 2,
			Commit: "auto", AutoCommitInterval: units.Second, SessionTimeout: 3 * units.Second, HeartbeatInterval: units.Second,
			Downstream: &scenarios.Downstream{Capacity: 500, Concurrency: 5, Queue: 100000, Timeout: 60 * units.Second,
				Handoff: handoff, HandoffCapacity: 100000, Workers: 5}}},
		Faults: []scenarios.Fault{{Type: "consumer-crash", Group: "readers", Consumer: &one, At: 10500 * units.Millisecond, Duration: 2 * units.Second}},
	}
	s.Defaults()
	return s
}

// "With asynchronous processing [auto-commit] can lose": the poll hands
// records to an in-memory queue and returns, so the next poll's
// auto-commit covers records not processed yet. A crash takes the queue
// with it: those records are lost. From the log, the same crash only
// redelivers.
func TestAutoCommitAsyncLoses(t *testing.T) {
	w, r, err := run(asyncScenario("memory"), Options{})
	if w != nil {
		defer w.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	// 600 msg/s in, 500 served: the queue grows by 100/s, ~1050 at
	// 10.5 s, half of them polled by the member that crashes (the queue is
	// FIFO over both members' polls). The crash takes them with it. Those
	// it polled since its last auto-commit (at about 10.0 s: 300 msg/s ×
	// 0.5 s) come back to the new owner; the older ones, already
	// committed, are lost: about 525 − 150 = 375.
	const (
		perMember = 600.0 / 2
		taken     = (600.0 - 500.0) * 10.5 / 2
		want      = taken - perMember*0.5
	)
	crashLost := w.groups[0].ds.crashLost
	if !within(float64(crashLost), taken, 0.2) {
		t.Errorf("memory handoff: the crash took %d messages, want about %.0f", crashLost, taken)
	}
	if !within(float64(r.Lost), want, 0.2) {
		t.Errorf("memory handoff: lost %d, want about %.0f − %.0f = %.0f", r.Lost, taken, perMember*0.5, want)
	}
	// Every loss is a message the crash took with it, and what it took but
	// was not lost is at most one auto_commit_interval of the member's polls.
	if r.Lost > crashLost || float64(crashLost-r.Lost) > perMember*1.1 || r.Unseen != 0 {
		t.Errorf("memory handoff: lost %d, taken by the crash %d, unseen %d", r.Lost, crashLost, r.Unseen)
	}

	log := mustRun(t, asyncScenario("log"))
	if log.Lost != 0 || log.Unseen != 0 || log.Duplicates == 0 {
		t.Errorf("log handoff: lost %d, unseen %d, duplicates %d: want 0, 0, above 0", log.Lost, log.Unseen, log.Duplicates)
	}
}

// staticRestartScenario: four static members restarted one after another
// (each down 5 s, crashing without a LeaveGroup as a killed process does),
// with the given session timeout.
func staticRestartScenario(session units.Duration) *scenarios.Scenario {
	s := &scenarios.Scenario{
		Name: "static-restart", Seed: 1, Duration: 60 * units.Second,
		Cluster:   scenarios.Cluster{Brokers: 3},
		Topics:    []scenarios.Topic{{Name: "events", Partitions: 8}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1000, Keys: "uniform(10000)"}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "readers", Topic: "events", Consumers: 4, Commit: "after",
			SessionTimeout: session, HeartbeatInterval: units.Second, StaticMembership: true}},
	}
	for i := range 4 {
		slot := i
		s.Faults = append(s.Faults, scenarios.Fault{Type: "consumer-crash", Group: "readers", Consumer: &slot,
			At: units.Duration(10*(i+1)) * units.Second, Duration: 5 * units.Second})
	}
	s.Defaults()
	s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(0.2ms)")
	return s
}

// The rebalance-hygiene row: a static member back within session.timeout
// causes no rebalance; once the restart outlasts the session, the
// coordinator removes the member (a rebalance) and its return is another:
// 2 per restart, 2N = 8 for N = 4.
func TestStaticMembershipSessionTimeout(t *testing.T) {
	long := mustRun(t, staticRestartScenario(30*units.Second)).Groups[0]
	if long.Rebalances != 0 || long.Lost != 0 {
		t.Errorf("session 30s > restart 5s: rebalances %d, lost %d, want 0 0", long.Rebalances, long.Lost)
	}
	short := mustRun(t, staticRestartScenario(3*units.Second)).Groups[0]
	if short.Rebalances != 8 || short.Lost != 0 {
		t.Errorf("session 3s < restart 5s: rebalances %d, lost %d, want 8 0", short.Rebalances, short.Lost)
	}
}
