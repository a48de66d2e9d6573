package kafka

import (
	"maps"
	"slices"
	"testing"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// The __consumer_offsets cleaner runs in runs with broker faults too, and
// a new coordinator loads from a compacted log exactly what it would load
// from the whole history. 300 partitions, two members committing all
// their partitions after every poll (about 150 records of some 35 bytes a
// commit), so the offsets log grows by about half a megabyte a second and
// the cleaner runs every few seconds. The coordinator's broker loses power at 12s:
// what its page cache had not written back (data dirty for 6s here) is
// gone, so when it restarts at 16s its replica is cut back to about 6s
// before the crash, inside what the cleaner compacted, and then fetches
// from the new leader again. The partition's new leader loads the group's
// offsets from its compacted replica. The same run with the cleaner off
// loads the same offsets, and every replica ends in sync with the leader
// and gives the same committed offsets.
func TestOffsetsCleanerWithCoordinatorLoss(t *testing.T) {
	const crashAt = 12 * units.Second
	scenario := func() *scenarios.Scenario {
		s := baseScenario(3000, 20*units.Second)
		s.Topics[0].Partitions = 300
		s.ConsumerGroups[0].Consumers = 2
		s.ConsumerGroups[0].Commit = "after"
		// Write-back after 6s (Linux's default is 30s): the power loss
		// keeps all but the last seconds of the coordinator's log.
		s.Cluster.Hardware.DirtyExpire, s.Cluster.Hardware.DirtyWriteback = 6*units.Second, units.Second
		s.Faults = []scenarios.Fault{{Type: "coordinator-loss", At: crashAt, Duration: 4 * units.Second,
			Group: "readers", LosePageCache: true}}
		return s
	}
	old := offsetsCleanMin
	offsetsCleanMin = 1 << 62 // the cleaner off
	wa, ra, err := run(scenario(), Options{})
	offsetsCleanMin = old
	if wa != nil {
		defer wa.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	wb, rb, err := run(scenario(), Options{})
	if wb != nil {
		defer wb.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	ga, gb := wa.groups[0], wb.groups[0]
	if ga.op.cleans != 0 || gb.op.cleans == 0 {
		t.Fatalf("cleaner ran %d times off, %d times on: want 0 and some", ga.op.cleans, gb.op.cleans)
	}
	// The cleaner runs once 4 MiB were appended since its last run (the
	// first time, since the start). The uncompacted log of the run without
	// it holds every commit: those made before the crash weigh more than
	// that, so the cleaner had run when the coordinator was lost.
	var before int64
	if err := scanBatches(ga.op.p.leader.log, func(b commitlog.Batch) {
		if b.MaxTimestamp() < int64(crashAt/units.Millisecond) {
			before += b.Size()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if before < offsetsCleanMin {
		t.Fatalf("%d bytes of commits before the crash, want at least %d for the cleaner to have run", before, offsetsCleanMin)
	}
	for _, r := range []*Results{ra, rb} {
		if r.CoordinatorFailovers != 1 || r.Lost != 0 {
			t.Fatalf("coordinator failovers %d, lost %d: want 1, 0", r.CoordinatorFailovers, r.Lost)
		}
	}
	if !slices.Equal(ga.lastLoaded, gb.lastLoaded) {
		t.Errorf("the new coordinator loaded different offsets from the compacted log:\nwhole %v\ncompacted %v", ga.lastLoaded, gb.lastLoaded)
	}
	if ga.commitsLost != gb.commitsLost || ga.offsetsRolledBack != gb.offsetsRolledBack {
		t.Errorf("commits lost %d (rolled back %d) with the whole log, %d (%d) compacted", ga.commitsLost, ga.offsetsRolledBack, gb.commitsLost, gb.offsetsRolledBack)
	}
	// Every replica in sync with the leader at the end, the restarted one
	// among them, gives the same committed offsets as the leader, which
	// are the group's once no commit waits for replication.
	p := gb.op.p
	committed := func(l *commitlog.Log) map[int]int64 {
		m := map[int]int64{}
		if err := gb.readCommitted(l, func(i int, off int64) { m[i] = off }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	lead := committed(p.leader.log)
	inSync := 0
	for _, r := range p.replicas {
		if r.log.LogEndOffset() != p.leader.log.LogEndOffset() {
			continue
		}
		inSync++
		if got := committed(r.log); !maps.Equal(got, lead) {
			t.Errorf("replica on broker %d: committed offsets differ from the leader's on broker %d", r.b.id, p.leader.b.id)
		}
	}
	if inSync != len(p.replicas) {
		t.Errorf("%d of %d replicas in sync at the end", inSync, len(p.replicas))
	}
	if len(gb.op.waiters) == 0 {
		for i, off := range gb.committed {
			if off > 0 && lead[i] != off {
				t.Errorf("partition %d: the group committed %d, the log says %d", i, off, lead[i])
			}
		}
	}
}

// scanBatches calls fn for every batch of l from its start.
func scanBatches(l *commitlog.Log, fn func(commitlog.Batch)) error {
	for off := l.LogStartOffset(); off < l.LogEndOffset(); {
		res, err := l.Read(off, commitlog.ReadOptions{MaxBytes: 1 << 30, Upto: commitlog.UptoLogEnd})
		if err != nil {
			return err
		}
		if len(res.Data) == 0 {
			return nil
		}
		it := commitlog.Batches(res.Data)
		for it.Next() {
			fn(it.Batch())
		}
		if err := it.Err(); err != nil {
			return err
		}
		off = res.NextOffset
	}
	return nil
}
