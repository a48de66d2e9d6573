package kafka

import (
	"fmt"
	"strings"
	"testing"

	"mqsim/scenarios"
)

// txnProducerYAML is a transactional plain producer small enough to
// follow by hand: 100 msg/s (one message every 10ms, linger 5ms: one
// record per batch) to one partition, a commit every 100ms, and a
// read_committed sink.
const txnProducerYAML = `
name: txn-producer
seed: 1
duration: %s
drain: 90s
cluster:
  brokers: 3
  transaction_version: %d
topics:
  - name: orders
    partitions: 1
producers:
  - name: app
    topic: orders
    rate: 100/s
    arrival: constant
    transactional_id: app
    transaction:
      commit_interval: 100ms
      transaction_timeout: 20s
consumer_groups:
  - name: sink
    topic: orders
    isolation_level: read_committed
    commit: after
faults: %s
`

func loadTxnProducer(t *testing.T, dur string, tv int, faults string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("txn-producer.yaml", []byte(fmt.Sprintf(txnProducerYAML, dur, tv, faults)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &ls.Scenario
}

// firstTxn is the trace up to and including the first CompleteCommit.
func firstTxn(trace []string) []string {
	for i, e := range trace {
		if strings.Contains(e, "CompleteCommit") {
			return trace[:i+1]
		}
	}
	return trace
}

// The coordinator of transactional id "app": "app".hashCode() =
// 'a'·31² + 'p'·31 + 'p' = 97·961 + 112·31 + 112 = 93217 + 3472 + 112 =
// 96801; 96801 % 50 = 1: __transaction_state-1.
func TestTxnProducerCoordinator(t *testing.T) {
	if got := txnPartitionOf("app"); got != 1 {
		t.Fatalf("transactional id app → __transaction_state-%d, want 1", got)
	}
}

// TestTxnProducerCommitTrace follows a plain producer's first
// transaction: InitProducerId writes Empty at epoch 0; the first record
// (10ms) begins the transaction and its batch waits for
// AddPartitionsToTxn, which writes Ongoing; the records of the next
// 100ms append to orders-0, one batch each; then commitTransaction()
// waits for them and EndTxn writes PrepareCommit, the COMMIT marker goes
// to orders-0, and CompleteCommit ends it.
func TestTxnProducerCommitTrace(t *testing.T) {
	trace, r := traceRun(t, loadTxnProducer(t, "1s", 1, "[]"))
	first := firstTxn(trace)
	n := len(first)
	if n < 6 {
		t.Fatalf("first transaction: %d appends:\n%s", n, strings.Join(first, "\n"))
	}
	head := []string{"__transaction_state-1: app Empty epoch 0", "__transaction_state-1: app Ongoing epoch 0"}
	tail := []string{"__transaction_state-1: app PrepareCommit epoch 0", "orders-0: COMMIT marker of app epoch 0", "__transaction_state-1: app CompleteCommit epoch 0"}
	if strings.Join(first[:2], "\n") != strings.Join(head, "\n") || strings.Join(first[n-3:], "\n") != strings.Join(tail, "\n") {
		t.Fatalf("first transaction:\n%s", strings.Join(first, "\n"))
	}
	// Between them only the transaction's records: one per batch, the
	// records of 10ms … 100ms or 110ms (the record at the commit's instant
	// may fall on either side): 10 or 11.
	data := first[2 : n-3]
	for _, e := range data {
		if e != "orders-0: 1 records of app epoch 0" {
			t.Fatalf("between AddPartitionsToTxn and EndTxn only the records append, got %q", e)
		}
	}
	if len(data) < 10 || len(data) > 11 {
		t.Errorf("first transaction holds %d records, want 10 or 11 (one every 10ms for 100ms)", len(data))
	}
	// 1s of 100/s from 10ms: 99 records, each acknowledged once its
	// transaction committed, each read once; about 10 transactions.
	sink := r.Groups[0]
	if r.Acked != 99 || sink.Processed != 99 || sink.Lost != 0 || sink.Duplicates != 0 {
		t.Errorf("acked %d, processed %d, lost %d, duplicates %d; want 99, 99, 0, 0", r.Acked, sink.Processed, sink.Lost, sink.Duplicates)
	}
	if c := r.Transactions.Committed; c < 8 || c > 11 {
		t.Errorf("transactions committed = %d, want about 10 (1s / (100ms + the commit))", c)
	}
	if r.Transactions.Aborted != 0 || r.Transactions.Open != 0 {
		t.Errorf("aborted %d, open %d; want 0, 0", r.Transactions.Aborted, r.Transactions.Open)
	}
}

// TestTxnProducerCrashFences: the producer's process dies at 1.05s in
// the middle of a transaction and a new one starts at 2.05s. Its
// InitProducerId finds the transaction Ongoing: the coordinator bumps
// the epoch to 1 and aborts it (PrepareAbort, the ABORT marker on
// orders-0, CompleteAbort), answering CONCURRENT_TRANSACTIONS; asked
// again it bumps to 2 and writes Empty. Nothing the dead process wrote
// in that transaction is read; every record acknowledged is read once.
func TestTxnProducerCrashFences(t *testing.T) {
	trace, r := traceRun(t, loadTxnProducer(t, "3s", 1, `
  - type: producer-crash
    producer: app
    at: 1.05s
    duration: 1s`))
	var abort []string
	on := false
	for _, e := range trace {
		on = on || strings.Contains(e, "PrepareAbort")
		if on {
			abort = append(abort, e)
		}
		if strings.Contains(e, "Empty epoch 2") {
			break
		}
	}
	want := []string{
		"__transaction_state-1: app PrepareAbort epoch 1",
		"orders-0: ABORT marker of app epoch 1",
		"__transaction_state-1: app CompleteAbort epoch 1",
		"__transaction_state-1: app Empty epoch 2",
	}
	if strings.Join(abort, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fencing:\n%s\nwant\n%s", strings.Join(abort, "\n"), strings.Join(want, "\n"))
	}
	tx := r.Transactions
	if tx.Aborted != 1 || tx.FencedProducers != 1 || tx.Open != 0 || tx.AbortedRecordsRead != 0 {
		t.Errorf("aborted %d, fenced %d, open %d, aborted read %d; want 1, 1, 0, 0", tx.Aborted, tx.FencedProducers, tx.Open, tx.AbortedRecordsRead)
	}
	sink := r.Groups[0]
	if sink.Lost != 0 || sink.Duplicates != 0 || sink.Processed != r.Acked {
		t.Errorf("processed %d of %d acked, lost %d, duplicates %d; want all, 0, 0", sink.Processed, r.Acked, sink.Lost, sink.Duplicates)
	}
	// Acknowledged: the records committed before the crash (10ms to
	// about 1.0s: about 100) and those of the new process (2.06s to
	// 2.99s: 94); the ~5 of the aborted transaction are not.
	if r.Acked < 185 || r.Acked > 200 {
		t.Errorf("acked %d, want about 194 (~100 before the crash, 94 after the restart)", r.Acked)
	}
}

// TestTxnProducerImplicitTrace: under transaction.version 2 the producer
// sends no AddPartitionsToTxn; the leader of orders-0 adds the partition
// when the transaction's first batch arrives (the same Ongoing record),
// and EndTxn bumps the epoch with the decision: PrepareCommit, the marker
// and CompleteCommit carry epoch 1, and the next transaction writes in
// epoch 1. The committed result is the classic protocol's.
func TestTxnProducerImplicitTrace(t *testing.T) {
	trace, r := traceRun(t, loadTxnProducer(t, "1s", 2, "[]"))
	first := firstTxn(trace)
	n := len(first)
	if n < 6 {
		t.Fatalf("first transaction: %d appends:\n%s", n, strings.Join(first, "\n"))
	}
	head := []string{"__transaction_state-1: app Empty epoch 0", "__transaction_state-1: app Ongoing epoch 0"}
	tail := []string{"__transaction_state-1: app PrepareCommit epoch 1", "orders-0: COMMIT marker of app epoch 1", "__transaction_state-1: app CompleteCommit epoch 1"}
	if strings.Join(first[:2], "\n") != strings.Join(head, "\n") || strings.Join(first[n-3:], "\n") != strings.Join(tail, "\n") {
		t.Fatalf("first transaction:\n%s", strings.Join(first, "\n"))
	}
	for _, e := range first[2 : n-3] {
		if e != "orders-0: 1 records of app epoch 0" {
			t.Fatalf("between the leader's add and EndTxn only the records append, got %q", e)
		}
	}
	if next := trace[n:]; len(next) < 2 || next[0] != "__transaction_state-1: app Ongoing epoch 1" || next[1] != "orders-0: 1 records of app epoch 1" {
		t.Fatalf("second transaction starts:\n%s", strings.Join(trace[n:min(len(trace), n+3)], "\n"))
	}
	sink := r.Groups[0]
	if r.Acked != 99 || sink.Processed != 99 || sink.Lost != 0 || sink.Duplicates != 0 || r.Transactions.Aborted != 0 {
		t.Errorf("acked %d, processed %d, lost %d, duplicates %d, aborted %d; want 99, 99, 0, 0, 0", r.Acked, sink.Processed, sink.Lost, sink.Duplicates, r.Transactions.Aborted)
	}
}

// TestTxnProducerImplicitSavings: one record per transaction (5/s,
// commit_interval 10ms) from a client far from the brokers (every
// client link 100× the brokers' 150µs: Lc = 15ms one way; between
// brokers Lb = 150µs). Per record, by hand, with W the replicated
// __transaction_state write and R the partition's replication:
//
//	version 1: AddPartitionsToTxn 2Lc+W (it leaves with the record, so the
//	           5ms linger passes meanwhile), produce 2Lc+R, EndTxn 2Lc+W
//	           = 6Lc + 2W + R ≈ 90ms + 2W + R
//	version 2: linger 5ms, produce 2Lc + the leader's add 2Lb+W + R, EndTxn 2Lc+W
//	           = 5 + 4Lc + 2Lb + 2W + R ≈ 65.3ms + 2W + R
//
// so the acknowledgement (commit) latency falls by 2Lc − 2Lb − 5ms =
// 24.7ms (the medians come from the latency histogram, a few tenths of a
// ms either way),
// and the client sends one request fewer per transaction: FindCoordinator
// + InitProducerId + 20 × (AddPartitionsToTxn + EndTxn) = 42 against
// 2 + 20 × EndTxn = 22, for the 20 records of 0.2s … 3.8s … (4s: 19 or 20).
func TestTxnProducerImplicitSavings(t *testing.T) {
	run := func(tv int) *Results {
		ls, err := scenarios.ParseScenario("tv.yaml", []byte(fmt.Sprintf(`
name: tv
seed: 1
duration: 4s
drain: 30s
cluster:
  brokers: 3
  transaction_version: %d
  hardware:
    network_latency: 150us
topics:
  - name: orders
    partitions: 1
producers:
  - name: app
    topic: orders
    rate: 5/s
    arrival: constant
    transactional_id: app
    transaction:
      commit_interval: 10ms
consumer_groups:
  - name: sink
    topic: orders
    isolation_level: read_committed
    commit: after
faults:
  - {type: network-degrade, broker: 0, from: [clients], slowdown: 100x, at: 0s}
  - {type: network-degrade, broker: 1, from: [clients], slowdown: 100x, at: 0s}
  - {type: network-degrade, broker: 2, from: [clients], slowdown: 100x, at: 0s}
`, tv)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return mustRun(t, &ls.Scenario)
	}
	v1, v2 := run(1), run(2)
	txns := v1.Transactions.Committed
	if v2.Transactions.Committed != txns || v1.Acked != txns || v2.Acked != txns || v1.Groups[0].Processed != txns || v2.Groups[0].Processed != txns {
		t.Fatalf("committed %d / %d, acked %d / %d, processed %d / %d: want the same, one record per transaction",
			txns, v2.Transactions.Committed, v1.Acked, v2.Acked, v1.Groups[0].Processed, v2.Groups[0].Processed)
	}
	if got, want := v1.Transactions.ClientRequests, 2+2*txns; got != want {
		t.Errorf("version 1: %d client requests, want %d (2 + 2 per transaction)", got, want)
	}
	if got, want := v2.Transactions.ClientRequests, 2+txns; got != want {
		t.Errorf("version 2: %d client requests, want %d (2 + 1 per transaction)", got, want)
	}
	p1, p2 := v1.AckLatency.P50, v2.AckLatency.P50
	if d := p1 - p2; d < 23 || d > 27 {
		t.Errorf("commit latency p50 %.1fms (version 1) − %.1fms (version 2) = %.1fms, want about 24.7ms (2Lc − 2Lb − linger)", p1, p2, d)
	}
	if p1 < 89 || p1 > 100 {
		t.Errorf("version 1 commit latency p50 %.1fms, want 90ms plus two replicated writes and a replication", p1)
	}
	if p2 < 65 || p2 > 75 {
		t.Errorf("version 2 commit latency p50 %.1fms, want 65.3ms plus two replicated writes and a replication", p2)
	}
}

// TestTxnProducerAbortRatio: abort_ratio 50% ends every second
// transaction with abortTransaction(). 100/s for 1s from 10ms is 99
// records; about 10 transactions of ~10 records, half aborted. The
// records of committed transactions are acknowledged and read once by the
// read_committed sink; those of aborted ones count as failed, the sink
// never sees them, and the read_uncommitted audit reads every one of
// them: aborted_records_read = failed, and acked + failed = 99.
func TestTxnProducerAbortRatio(t *testing.T) {
	ls, err := scenarios.ParseScenario("abort.yaml", []byte(`
name: abort
seed: 1
duration: 1s
drain: 30s
cluster:
  brokers: 3
topics:
  - name: orders
    partitions: 1
producers:
  - name: app
    topic: orders
    rate: 100/s
    arrival: constant
    transactional_id: app
    transaction:
      commit_interval: 100ms
      abort_ratio: 50%
consumer_groups:
  - name: sink
    topic: orders
    isolation_level: read_committed
    commit: after
  - name: audit
    topic: orders
    isolation_level: read_uncommitted
    commit: after
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, &ls.Scenario)
	tx := r.Transactions
	if d := tx.Committed - tx.Aborted; d < -1 || d > 1 || tx.Committed < 4 {
		t.Errorf("committed %d, aborted %d: want about 5 each (every second one aborted)", tx.Committed, tx.Aborted)
	}
	if r.Acked+r.Failed != 99 || r.Failed == 0 {
		t.Errorf("acked %d + failed %d, want 99 with some failed (the aborted transactions' records)", r.Acked, r.Failed)
	}
	sink, audit := r.Groups[0], r.Groups[1]
	if sink.Processed != r.Acked || sink.Lost != 0 || sink.Duplicates != 0 {
		t.Errorf("sink processed %d of %d acked (lost %d, duplicates %d): want each committed record once", sink.Processed, r.Acked, sink.Lost, sink.Duplicates)
	}
	if audit.Processed != 99 || tx.AbortedRecordsRead != r.Failed {
		t.Errorf("audit processed %d (want all 99), aborted records read %d (want the %d failed)", audit.Processed, tx.AbortedRecordsRead, r.Failed)
	}
}
