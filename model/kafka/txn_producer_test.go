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
