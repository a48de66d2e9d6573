package model

// Transactions is what transactional producers and pipeline stages report
// (Kafka's exactly-once: transactions, markers, the last stable offset).
// Runs without them leave it at zero.
type Transactions struct {
	Committed int64 `json:"transactions_committed,omitempty"` // transactions the coordinators completed as committed
	Aborted   int64 `json:"transactions_aborted,omitempty"`   // … as aborted (by their producer, a fencing InitProducerId, or the timeout)
	TimedOut  int64 `json:"transactions_timed_out,omitempty"` // aborted by the coordinator after transaction.timeout.ms
	// Open is the transactions not complete when the run ended (0 when
	// none hangs past its timeout within the drain).
	Open int64 `json:"open_transactions,omitempty"`
	// AbortedRecordsRead is records of aborted transactions that
	// read_uncommitted consumers took (read_committed ones never do: 0).
	AbortedRecordsRead int64 `json:"aborted_records_read,omitempty"`
	// LSOStallSeconds is the longest time a transaction held a partition's
	// last stable offset: from the partition's AddPartitionsToTxn to its
	// marker (or the end of the run). read_committed consumers of that
	// partition read nothing past it meanwhile.
	LSOStallSeconds float64 `json:"lso_stall_seconds,omitempty"`
	// FencedProducers counts fencings: an InitProducerId or a timeout
	// abort bumping a producer's epoch over an earlier holder, and a
	// zombie's TxnOffsetCommit refused for its old group generation.
	FencedProducers int64 `json:"fenced_producers,omitempty"`
	Markers         int64 `json:"txn_markers,omitempty"`    // control batches written to partitions
	LogWrites       int64 `json:"txn_log_writes,omitempty"` // records appended to __transaction_state
	Requests        int64 `json:"txn_requests,omitempty"`   // InitProducerId, AddPartitionsToTxn/AddOffsetsToTxn and EndTxn handled
	// ClientRequests is the transaction requests clients sent (each
	// attempt): FindCoordinator, InitProducerId, AddPartitionsToTxn,
	// AddOffsetsToTxn and EndTxn. Under transaction.version 2 partition
	// leaders send the AddPartitionsToTxn for produced partitions instead.
	ClientRequests int64 `json:"txn_client_requests,omitempty"`
	StageOutputs   int64 `json:"stage_outputs,omitempty"` // records pipeline stages wrote to their output topics
	StageRequests  int64 `json:"stage_produce_requests,omitempty"`
}

var txnMetricNames = []string{"transactions_committed", "transactions_aborted", "transactions_timed_out", "open_transactions",
	"aborted_records_read", "lso_stall_seconds", "fenced_producers", "txn_markers", "txn_log_writes", "txn_requests",
	"txn_client_requests", "stage_outputs", "stage_produce_requests"}

func (t *Transactions) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "transactions_committed":
		return c(t.Committed)
	case "transactions_aborted":
		return c(t.Aborted)
	case "transactions_timed_out":
		return c(t.TimedOut)
	case "open_transactions":
		return c(t.Open)
	case "aborted_records_read":
		return c(t.AbortedRecordsRead)
	case "lso_stall_seconds":
		return t.LSOStallSeconds, KindDuration, true
	case "fenced_producers":
		return c(t.FencedProducers)
	case "txn_markers":
		return c(t.Markers)
	case "txn_log_writes":
		return c(t.LogWrites)
	case "txn_requests":
		return c(t.Requests)
	case "txn_client_requests":
		return c(t.ClientRequests)
	case "stage_outputs":
		return c(t.StageOutputs)
	case "stage_produce_requests":
		return c(t.StageRequests)
	}
	return 0, "", false
}
