package kafka

import (
	"math"
	"testing"

	"mqsim/scenarios"
)

// runBuiltin runs a built-in scenario with its own seed.
func runBuiltin(t *testing.T, name string) *Results {
	t.Helper()
	sc, err := scenarios.LoadScenario(name, nil)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return mustRun(t, &sc.Scenario)
}

func groupOf(t *testing.T, r *Results, name string) *GroupResult {
	t.Helper()
	for i := range r.Groups {
		if r.Groups[i].Name == name {
			return &r.Groups[i]
		}
	}
	t.Fatalf("no group %s", name)
	return nil
}

func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol*want }

// Commit after processing + crash: the records processed since the last
// commit come back (duplicates, each one a redelivery), nothing is lost;
// idempotent processing skips exactly the redeliveries.
func TestConsumerCrashRedelivers(t *testing.T) {
	r := runBuiltin(t, "consumer-crash")
	plain, idem := groupOf(t, r, "ledger"), groupOf(t, r, "ledger-idempotent")
	if r.Lost != 0 || r.Unseen != 0 {
		t.Fatalf("lost %d unseen %d, want 0 0", r.Lost, r.Unseen)
	}
	if plain.Duplicates == 0 || plain.Duplicates != plain.Redelivered {
		t.Errorf("ledger: duplicates %d, redelivered %d: want equal and above 0", plain.Duplicates, plain.Redelivered)
	}
	if idem.Duplicates != 0 || idem.Skipped == 0 {
		t.Errorf("idempotent: duplicates %d (want 0), skipped %d (want > 0)", idem.Duplicates, idem.Skipped)
	}
	// Every acked message processed exactly once by the idempotent group.
	if idem.Processed != r.Acked {
		t.Errorf("idempotent group processed %d, acked %d", idem.Processed, r.Acked)
	}
	// A crash without LeaveGroup: one rebalance when the session expires,
	// one when the restarted member joins.
	if plain.Rebalances != 2 {
		t.Errorf("rebalances %d, want 2", plain.Rebalances)
	}
}

// Commit before processing + crash: at-most-once.
func TestCommitBeforeLoses(t *testing.T) {
	r := runBuiltin(t, "at-most-once")
	if r.Lost == 0 || r.Duplicates != 0 || r.Unseen != 0 {
		t.Fatalf("lost %d duplicates %d unseen %d: want >0, 0, 0", r.Lost, r.Duplicates, r.Unseen)
	}
	// Processed + lost covers every acked message exactly once.
	if g := r.Groups[0]; g.Processed+r.Lost != r.Acked {
		t.Errorf("processed %d + lost %d != acked %d", g.Processed, r.Lost, r.Acked)
	}
}

// A poll longer than max.poll.interval: removed, commit fenced, others
// reprocess.
func TestSlowBatchFencesCommits(t *testing.T) {
	r := runBuiltin(t, "slow-batch")
	if r.RejectedCommits == 0 || r.Duplicates == 0 || r.Rebalances < 2 || r.Lost != 0 {
		t.Fatalf("rejected commits %d, duplicates %d, rebalances %d, lost %d", r.RejectedCommits, r.Duplicates, r.Rebalances, r.Lost)
	}
	if r.OwnershipViolations != 0 {
		t.Errorf("ownership violations %d", r.OwnershipViolations)
	}
}

// Rolling restart of N=4 dynamic members: eager rebalances exactly 2N
// times (leave, rejoin); static members within session.timeout never.
func TestRollingRestartRebalances(t *testing.T) {
	r := runBuiltin(t, "rolling-restart")
	eager, coop, static := groupOf(t, r, "eager"), groupOf(t, r, "cooperative"), groupOf(t, r, "static")
	if eager.Rebalances != 8 {
		t.Errorf("eager: %d rebalances, want 2N = 8", eager.Rebalances)
	}
	if coop.Rebalances < 8 {
		t.Errorf("cooperative: %d rebalances, want at least 8", coop.Rebalances)
	}
	if static.Rebalances != 0 || static.Duplicates != 0 {
		t.Errorf("static: %d rebalances, %d duplicates, want 0 0", static.Rebalances, static.Duplicates)
	}
	// Static: each member's 2 partitions are idle while it is down: 4
	// restarts × 5 s × 2 partitions = 40 partition-seconds.
	if !within(static.PausedPartitionSeconds, 40, 0.01) {
		t.Errorf("static paused %.2f partition-seconds, want 40", static.PausedPartitionSeconds)
	}
	if coop.PausedPartitionSeconds >= eager.PausedPartitionSeconds {
		t.Errorf("cooperative paused %.1f ≥ eager %.1f", coop.PausedPartitionSeconds, eager.PausedPartitionSeconds)
	}
	if r.Lost != 0 || r.OwnershipViolations != 0 {
		t.Errorf("lost %d, ownership violations %d", r.Lost, r.OwnershipViolations)
	}
}

// The four failure policies: in-place retry blocks; the DLQ holds exactly
// the poison messages (a real topic: its log end offset is the count);
// skip discards them. The built-in poisons one key; here a share of
// messages by id is poisoned instead, so the rule can be re-applied to
// every acknowledged id to count them.
func TestPoisonPolicies(t *testing.T) {
	sc, err := scenarios.LoadScenario("poison-message", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sc.ConsumerGroups {
		if f := sc.ConsumerGroups[i].Failures; f != nil {
			f.PoisonKeys, f.PoisonShare = nil, 0.0005
		}
	}
	w, r, err := run(&sc.Scenario, Options{})
	if w != nil {
		defer w.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	// Count the poison messages among the acked ones, by the rule.
	var poison int64
	fh := w.groups[1].fh
	w.chk.Acked().Each(func(prod, part int, seq int32) {
		if fh.poison(int32(prod), int32(part), seq, -1) {
			poison++
		}
	})
	dl, rt, skip := groupOf(t, r, "dead-letter"), groupOf(t, r, "retry-topics"), groupOf(t, r, "skip")
	if poison == 0 || dl.DeadLettered != poison || rt.DeadLettered != poison {
		t.Errorf("poison messages %d; dead-lettered %d (dead-letter), %d (retry-topics)", poison, dl.DeadLettered, rt.DeadLettered)
	}
	if r.Discarded != poison {
		t.Errorf("skip discarded %d, want %d", r.Discarded, poison)
	}
	var dlqRecords int64
	for _, p := range w.groups[1].fh.dlq.parts {
		dlqRecords += p.leader.log.LogEndOffset()
	}
	if dlqRecords != poison {
		t.Errorf("DLQ topic holds %d records, want %d", dlqRecords, poison)
	}
	// dead-letter: 3 retries per poison message; retry-topics: one per
	// rung (2). Retries in place for ever: at least one per backoff.
	if dl, rf := poison*3+poison*2, r.ProcessingRetries; rf < dl {
		t.Errorf("processing retries %d, want at least %d", rf, dl)
	}
	if dl.FinalLag != 0 || rt.FinalLag != 0 || skip.FinalLag != 0 {
		t.Errorf("final lag: dead-letter %d, retry-topics %d, skip %d", dl.FinalLag, rt.FinalLag, skip.FinalLag)
	}
	if rf := groupOf(t, r, "retry-forever"); rf.FinalLag == 0 || rf.Unseen != rf.FinalLag {
		t.Errorf("retry-forever: final lag %d, unseen %d: want equal and above 0", rf.FinalLag, rf.Unseen)
	}
	if r.Lost != 0 {
		t.Errorf("lost %d", r.Lost)
	}
}

// Retry topics during an outage: nothing dead-lettered, order broken.
func TestRetryTopicsReorder(t *testing.T) {
	r := runBuiltin(t, "retry-topics")
	lad := groupOf(t, r, "laddered")
	if lad.DeadLettered != 0 || lad.Reordered == 0 || r.Lost != 0 {
		t.Fatalf("laddered: dead-lettered %d, reordered %d, lost %d", lad.DeadLettered, lad.Reordered, r.Lost)
	}
	// In place: 4 attempts with 100, 200, 400ms backoff ≈ 0.7s a message
	// per partition; a 3 s outage on 6 partitions ≈ 6 × 3/0.7 ≈ 26.
	if ip := groupOf(t, r, "in-place"); ip.DeadLettered < 13 || ip.DeadLettered > 39 {
		t.Errorf("in-place dead-lettered %d, want about 26", ip.DeadLettered)
	}
}

// Retention deletes an unread backlog: earliest loses what was deleted,
// latest also what was still there.
func TestRetentionLoss(t *testing.T) {
	r := runBuiltin(t, "retention-loss")
	e, l := groupOf(t, r, "from-earliest"), groupOf(t, r, "from-latest")
	// 1K msg/s; down from 5s to 30s with 10s retention: about 15 s of
	// messages are deleted unread (segments go whole, so a little less),
	// latest skips about 25 s.
	if !within(float64(e.Lost), 15000, 0.1) {
		t.Errorf("earliest lost %d, want about 15K", e.Lost)
	}
	if !within(float64(l.Lost), 25000, 0.1) {
		t.Errorf("latest lost %d, want about 25K", l.Lost)
	}
	if r.LostToRetention < e.Lost || r.Duplicates != 0 || r.Unseen != 0 {
		t.Errorf("lost to retention %d, duplicates %d, unseen %d", r.LostToRetention, r.Duplicates, r.Unseen)
	}
}

// The producer's gates: blocking loses nothing; error mode rejects; the
// token bucket's waiting time follows the queue it builds.
func TestProducerBackpressure(t *testing.T) {
	b := runBuiltin(t, "backpressure-block")
	if b.Rejected != 0 || b.Acked != b.Produced || b.BlockSeconds == 0 {
		t.Errorf("block: rejected %d, acked %d of %d, block %.0fs", b.Rejected, b.Acked, b.Produced, b.BlockSeconds)
	}
	e := runBuiltin(t, "backpressure-reject")
	if e.Rejected == 0 || e.Acked+e.Rejected != e.Produced || e.Failed != e.Rejected {
		t.Errorf("reject: rejected %d + acked %d vs produced %d, failed %d", e.Rejected, e.Acked, e.Produced, e.Failed)
	}
	// 3K/s offered, 2K/s let through for 20 s: the message sent at t waits
	// t·(3K−2K)/2K = t/2, so the total is ∫₀²⁰ 3K·t/2 dt = 300K s.
	th := runBuiltin(t, "backpressure-throttle")
	if !within(th.ThrottleSeconds, 300_000, 0.1) {
		t.Errorf("throttle %.0fs, want about 300K s", th.ThrottleSeconds)
	}
	d := runBuiltin(t, "backpressure-drop")
	if d.Dropped == 0 || d.Acked+d.Dropped != d.Produced || d.Lost != 0 {
		t.Errorf("drop: dropped %d + acked %d vs produced %d, lost %d", d.Dropped, d.Acked, d.Produced, d.Lost)
	}
}

// The autoscaler adds consumers up to the partition count, not beyond.
// Each new consumer joins through a rebalance, but joins that arrive
// while one is under way share it (one new generation): at least one
// rebalance, not necessarily one per scale-up.
func TestAutoscaler(t *testing.T) {
	r := runBuiltin(t, "backpressure-autoscale")
	g := r.Groups[0]
	if r.ScaleUps == 0 || g.LiveConsumers > 8 || g.LiveConsumers != 1+int(r.ScaleUps) || r.Rebalances == 0 {
		t.Errorf("scale-ups %d, live %d, rebalances %d", r.ScaleUps, g.LiveConsumers, r.Rebalances)
	}
	if r.Lost != 0 || r.FinalLag != 0 {
		t.Errorf("lost %d, final lag %d", r.Lost, r.FinalLag)
	}
}

// Metastable: the in-memory queue stays down after the slowdown, the log
// recovers; layered retries amplify, budgets contain them.
func TestMetastableAndRetryStorm(t *testing.T) {
	m := runBuiltin(t, "metastable-queue")
	mem, log := groupOf(t, m, "memory-queue"), groupOf(t, m, "durable-log")
	// The log group ends at the arrival rate (500/s), the other at ~0.
	if !within(log.LateGoodput, 500, 0.1) || mem.LateGoodput > 50 || log.Lost != 0 || mem.Lost == 0 {
		t.Errorf("late goodput: log %.0f, memory %.0f; lost: log %d, memory %d", log.LateGoodput, mem.LateGoodput, log.Lost, mem.Lost)
	}
	s := runBuiltin(t, "retry-storm")
	naive, budget := groupOf(t, s, "naive"), groupOf(t, s, "budgeted")
	if naive.Amplification <= 5 || naive.Amplification > 64 || budget.Amplification > 1.5 {
		t.Errorf("amplification: naive %.1f (want 5 to 64), budgeted %.2f", naive.Amplification, budget.Amplification)
	}
	if !within(budget.LateGoodput, 1000, 0.1) || naive.LateGoodput > 100 {
		t.Errorf("late goodput: budgeted %.0f (want ~1K), naive %.0f", budget.LateGoodput, naive.LateGoodput)
	}
}
