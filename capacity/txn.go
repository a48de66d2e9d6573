package capacity

import (
	"fmt"
	"time"

	"mqsim/scenarios/units"
)

// Exactly-once in the plan: guarantee: exactly-once with a commit_interval
// adds what transactions cost the cluster (KIP-98), beside the data:
// every transactional producer commits once per interval; each commit
// appends its state to the replicated __transaction_state log (Ongoing
// when partitions and the offsets are added, PrepareCommit, CompleteCommit:
// four records), and writes a COMMIT marker — a control batch — to every
// partition it wrote and to its group's __consumer_offsets partition; its
// requests are AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and
// EndTxn. A read_committed consumer sees a record when its transaction
// commits: on average half the interval after it was written.

// Transaction record sizes, as the model writes them.
const (
	// ControlBatchBytes is a marker: a batch header (61 B) and one control
	// record (key: version and type, value: version and coordinator epoch).
	ControlBatchBytes = 78
	// TxnStateRecordBytes is one __transaction_state record for a producer
	// writing a few partitions: batch header, the transactional id, the
	// producer id, epoch, state, timeout and partition list.
	TxnStateRecordBytes = 120
	// TxnRequestsPerCommit is AddPartitionsToTxn, AddOffsetsToTxn,
	// TxnOffsetCommit and EndTxn.
	TxnRequestsPerCommit = 4
	// TxnStateRecordsPerCommit: Ongoing (partitions), Ongoing (offsets),
	// PrepareCommit, CompleteCommit.
	TxnStateRecordsPerCommit = 4
)

// The guarantees a workload may name; only exactly-once changes the plan.
var workloadGuarantees = []string{"at-most-once", "at-least-once", "at-least-once-idempotent", "exactly-once"}

// validateTxn checks guarantee, commit_interval and transactional_producers.
func (w Workload) validateTxn(bad func(field, format string, args ...any)) {
	known := false
	for _, g := range workloadGuarantees {
		known = known || w.Guarantee == g
	}
	if w.Guarantee != "" && !known {
		bad("guarantee", "unknown guarantee %q: want at-most-once, at-least-once, at-least-once-idempotent or exactly-once", w.Guarantee)
		return
	}
	if w.Guarantee != "exactly-once" {
		if w.CommitInterval != 0 {
			bad("commit_interval", "given without guarantee: exactly-once; only transactions commit on an interval")
		}
		if w.TransactionalProducers != 0 {
			bad("transactional_producers", "given without guarantee: exactly-once")
		}
		return
	}
	if w.CommitInterval <= 0 {
		bad("commit_interval", "missing or zero with guarantee: exactly-once: how often each transaction commits (Kafka Streams' commit.interval.ms, 100ms under exactly-once)")
	} else if w.CommitInterval < units.Millisecond {
		bad("commit_interval", "%v is below 1ms: a transaction's commit alone takes round trips longer than that", w.CommitInterval)
	}
	if w.TransactionalProducers < 0 {
		bad("transactional_producers", "is %d; want at least 1 (default: one per partition)", w.TransactionalProducers)
	}
}

// txnRows are the rows guarantee: exactly-once adds, for a plan of
// partitions at replication factor rf.
func txnRows(w Workload, partitions, rf int) []Row {
	if w.Guarantee != "exactly-once" || w.CommitInterval <= 0 {
		return nil
	}
	iv := time.Duration(w.CommitInterval).Seconds()
	n := w.TransactionalProducers
	nWhy := "given"
	if n == 0 {
		n = partitions
		nWhy = "one per partition (a stage instance per partition, the most)"
	}
	commits := float64(n) / iv
	markers := float64(partitions+n) / iv
	markerBytes := markers * ControlBatchBytes * float64(rf)
	logBytes := commits * TxnStateRecordsPerCommit * TxnStateRecordBytes * float64(rf)
	reqs := commits*TxnRequestsPerCommit + markers
	ivs := w.CommitInterval.String()
	return []Row{
		{Key: "txn_commits_per_sec", Quantity: "Transactions/s", Unit: "txn/s", Value: commits, Human: fmtRate(commits),
			Formula: fmt.Sprintf("%d transactional producers (%s) / %s commit interval", n, nWhy, ivs),
			Why:     "Each transactional producer commits once per interval, whatever the traffic."},
		{Key: "txn_markers_per_sec", Quantity: "Transaction markers/s", Unit: "markers/s", Value: markers, Human: fmtRate(markers),
			Formula: fmt.Sprintf("(%d data partitions + %d offsets partitions) / %s", partitions, n, ivs),
			Why:     "Every commit writes a COMMIT control batch to each partition it touched and to its group's offsets partition."},
		{Key: "txn_marker_bytes_per_sec", Quantity: "Marker bytes/s (replicated)", Unit: "bytes/s", Value: markerBytes, Human: units.FormatBytes(markerBytes) + "/s",
			Formula: fmt.Sprintf("%s markers/s × %d B × RF %d", fmtNum(markers), ControlBatchBytes, rf),
			Why:     "Markers are small, but they are records every replica stores and every consumer skips."},
		{Key: "txn_log_bytes_per_sec", Quantity: "__transaction_state bytes/s (replicated)", Unit: "bytes/s", Value: logBytes, Human: units.FormatBytes(logBytes) + "/s",
			Formula: fmt.Sprintf("%s txn/s × %d records × %d B × RF %d", fmtNum(commits), TxnStateRecordsPerCommit, TxnStateRecordBytes, rf),
			Why:     "The coordinator logs each state change before it acts on it: the decision survives its failover."},
		{Key: "txn_requests_per_sec", Quantity: "Transaction requests/s", Unit: "req/s", Value: reqs, Human: fmtRate(reqs),
			Formula: fmt.Sprintf("%s txn/s × %d requests + %s marker writes/s", fmtNum(commits), TxnRequestsPerCommit, fmtNum(markers)),
			Why:     "AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn per commit, plus the coordinator's WriteTxnMarkers."},
		{Key: "txn_added_latency", Quantity: "Added end-to-end latency (read_committed)", Unit: "s", Value: iv / 2, Human: (time.Duration(w.CommitInterval) / 2).String() + " + the commit's round trips",
			Formula: fmt.Sprintf("%s / 2", ivs),
			Why:     "A read_committed reader sees a record when its transaction commits: half an interval later on average."},
	}
}
