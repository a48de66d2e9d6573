package kafka

import (
	"fmt"
	"strings"
	"testing"

	"mqsim/scenarios"
)

// txnPipelineYAML is a one-partition pipeline small enough to follow by
// hand: a source writing 100 msg/s (one message every 10ms), a
// transactional stage of one member with a 100ms commit interval, and a
// read_committed sink.
const txnPipelineYAML = `
name: txn-trace
seed: 1
duration: %s
drain: 90s
cluster:
  brokers: 3
topics:
  - name: input
    partitions: 1
  - name: output
    partitions: 1
producers:
  - name: src
    topic: input
    rate: 100/s
    arrival: constant
consumer_groups:
  - name: stage
    topic: input
    session_timeout: 6s
    heartbeat_interval: 2s
    pipeline:
      output: output
      transactional_id: stage
      commit_interval: 100ms
      transaction_timeout: 20s
  - name: sink
    topic: output
    isolation_level: read_committed
    commit: after
faults: %s
`

func loadTxnScenario(t *testing.T, dur, faults string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("txn-trace.yaml", []byte(fmt.Sprintf(txnPipelineYAML, dur, faults)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &ls.Scenario
}

// traceRun runs s and returns the transaction protocol's appends.
func traceRun(t *testing.T, s *scenarios.Scenario) ([]string, *Results) {
	t.Helper()
	var trace []string
	txnTrace = func(e string) { trace = append(trace, e) }
	defer func() { txnTrace = nil }()
	return trace, mustRun(t, s)
}

// The coordinator of transactional id "stage-0" is partition
// abs(javaHash("stage-0")) % 50 of __transaction_state; the group
// "stage" commits to partition abs(javaHash("stage")) % 50 of
// __consumer_offsets. Worked by hand from String.hashCode:
// "stage" = 109757182 → 109757182 % 50 = 32;
// "stage-0" = 109757182·31² + '-'·31 + '0' (mod 2³², as int32), worked
// below.
func TestTxnCoordinatorPartitions(t *testing.T) {
	if got := javaStringHash("stage"); got != 109757182 {
		t.Fatalf(`"stage".hashCode() = %d, want 109757182`, got)
	}
	if got := offsetsPartitionOf("stage"); got != 32 {
		t.Errorf("group stage → __consumer_offsets-%d, want 32", got)
	}
	// 109757182·961 + 45·31 + 48 = 105476651902 + 1395 + 48 = 105476653345;
	// mod 2³² = 105476653345 − 24·4294967296 = 2397438241, as int32
	// −1897529055; abs % 50 = 1897529055 % 50 = 5.
	if got := javaStringHash("stage-0"); got != -1897529055 {
		t.Fatalf(`"stage-0".hashCode() = %d, want -1897529055`, got)
	}
	if got := txnPartitionOf("stage-0"); got != 5 {
		t.Errorf("transactional id stage-0 → __transaction_state-%d, want 5", got)
	}
}

// TestTxnCommitTrace follows the first transaction of a healthy run: the
// appends, in order, on the logs they land on.
func TestTxnCommitTrace(t *testing.T) {
	trace, r := traceRun(t, loadTxnScenario(t, "1s", "[]"))
	// By hand: InitProducerId writes Empty at epoch 0; the first poll's
	// output makes AddPartitionsToTxn write Ongoing; outputs append to
	// output-0 while the transaction is younger than 100ms; then
	// AddOffsetsToTxn writes Ongoing again (with __consumer_offsets-32
	// added), TxnOffsetCommit appends the offsets to
	// __consumer_offsets-32, EndTxn writes PrepareCommit, the markers go
	// to output-0 and __consumer_offsets-32 (different leaders: either
	// order), and CompleteCommit ends it.
	var first []string
	for _, e := range trace {
		first = append(first, e)
		if strings.Contains(e, "CompleteCommit") {
			break
		}
	}
	want := []string{
		"__transaction_state-5: stage-0 Empty epoch 0",
		"__transaction_state-5: stage-0 Ongoing epoch 0",
	}
	if len(first) < 8 {
		t.Fatalf("first transaction: %d appends:\n%s", len(first), strings.Join(first, "\n"))
	}
	for i, w := range want {
		if first[i] != w {
			t.Fatalf("append %d = %q, want %q\n%s", i, first[i], w, strings.Join(first, "\n"))
		}
	}
	n := len(first)
	tail := first[n-6:]
	if tail[0] != "__transaction_state-5: stage-0 Ongoing epoch 0" ||
		!strings.HasPrefix(tail[1], "__consumer_offsets-32: offsets of stage for [0], producer ") ||
		tail[2] != "__transaction_state-5: stage-0 PrepareCommit epoch 0" ||
		tail[5] != "__transaction_state-5: stage-0 CompleteCommit epoch 0" {
		t.Fatalf("end of the first transaction:\n%s", strings.Join(tail, "\n"))
	}
	markers := map[string]bool{tail[3]: true, tail[4]: true}
	if !markers["output-0: COMMIT marker of stage-0 epoch 0"] || !markers["__consumer_offsets-32: COMMIT marker of stage-0 epoch 0"] {
		t.Fatalf("markers: %q, %q", tail[3], tail[4])
	}
	for _, e := range first[2 : n-6] {
		if !strings.HasPrefix(e, "output-0: ") || !strings.HasSuffix(e, " of stage-0 epoch 0") {
			t.Fatalf("between AddPartitionsToTxn and the commit only outputs append, got %q", e)
		}
	}
	// A constant 100/s arrives at 10ms, 20ms, … 990ms: 99 messages in 1s,
	// every one delivered once through the pipeline.
	sink := r.Groups[1]
	if sink.Processed != 99 || sink.Lost != 0 || sink.Duplicates != 0 {
		t.Errorf("sink processed %d (lost %d, duplicates %d), want 99, 0, 0", sink.Processed, sink.Lost, sink.Duplicates)
	}
	// A transaction lasts the commit interval plus its commit's round
	// trips, so about 10 commit in 1s (the drain commits the last).
	if c := r.Transactions.Committed; c < 8 || c > 12 {
		t.Errorf("transactions committed = %d, want about 10 (1s / 100ms)", c)
	}
	if r.Transactions.Aborted != 0 || r.Transactions.Open != 0 || r.Transactions.AbortedRecordsRead != 0 {
		t.Errorf("aborted %d, open %d, aborted read %d; want 0", r.Transactions.Aborted, r.Transactions.Open, r.Transactions.AbortedRecordsRead)
	}
}

// TestTxnFenceTrace: the stage's member crashes mid-transaction and its
// replacement starts 1s later. Its InitProducerId fences the old epoch:
// the coordinator bumps the epoch to 1 and aborts the open transaction
// (PrepareAbort, an ABORT marker to output-0 — the transaction never
// reached __consumer_offsets — CompleteAbort), then, asked again, bumps
// to 2 and writes Empty.
func TestTxnFenceTrace(t *testing.T) {
	trace, r := traceRun(t, loadTxnScenario(t, "3s", `
  - type: consumer-crash
    group: stage
    consumer: 0
    at: 1.05s
    duration: 1s`))
	var abort []string
	on := false
	for _, e := range trace {
		if strings.Contains(e, "PrepareAbort") {
			on = true
		}
		if on {
			abort = append(abort, e)
		}
		if strings.Contains(e, "Empty epoch 2") {
			break
		}
	}
	want := []string{
		"__transaction_state-5: stage-0 PrepareAbort epoch 1",
		"output-0: ABORT marker of stage-0 epoch 1",
		"__transaction_state-5: stage-0 CompleteAbort epoch 1",
		"__transaction_state-5: stage-0 Empty epoch 2",
	}
	if strings.Join(abort, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fencing:\n%s\nwant\n%s", strings.Join(abort, "\n"), strings.Join(want, "\n"))
	}
	tx := r.Transactions
	if tx.Aborted != 1 || tx.FencedProducers != 1 || tx.Open != 0 {
		t.Errorf("aborted %d, fenced %d, open %d; want 1, 1, 0", tx.Aborted, tx.FencedProducers, tx.Open)
	}
	sink := r.Groups[1]
	if sink.Processed != 299 || sink.Lost != 0 || sink.Duplicates != 0 || tx.AbortedRecordsRead != 0 {
		t.Errorf("sink processed %d, lost %d, duplicates %d, aborted read %d; want 299 (10ms … 2.99s), 0, 0, 0",
			sink.Processed, sink.Lost, sink.Duplicates, tx.AbortedRecordsRead)
	}
}

// TestTxnTimeoutAbort: the stage's member crashes mid-transaction and
// never comes back. Nothing fences its producer, so the coordinator
// aborts the transaction once it is older than transaction_timeout (20s
// here), at its next 10s check: the output partition's last stable
// offset is pinned from the transaction's start (~1s) to the abort
// (first check past 21s: 30s), and the sink reads nothing past it
// meanwhile.
func TestTxnTimeoutAbort(t *testing.T) {
	_, r := traceRun(t, loadTxnScenario(t, "3s", `
  - type: consumer-crash
    group: stage
    consumer: 0
    at: 1.05s`))
	tx := r.Transactions
	if tx.TimedOut != 1 || tx.Aborted != 1 || tx.Open != 0 {
		t.Fatalf("timed out %d, aborted %d, open %d; want 1, 1, 0", tx.TimedOut, tx.Aborted, tx.Open)
	}
	// Started at ~1.0s (the last commit before the crash at 1.05s),
	// aborted at the 30s check: a stall of about 29s.
	if s := tx.LSOStallSeconds; s < 28.5 || s > 29.5 {
		t.Errorf("lso_stall_seconds = %.2f, want about 29 (from ~1s to the 30s check)", s)
	}
}
