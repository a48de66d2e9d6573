package capacity

import (
	"encoding/binary"
	"fmt"

	"mqsim/scenarios/units"
)

// Kafka's record format (v2, KIP-98) around every message.
const (
	// BatchHeaderBytes is a record batch's header: base offset (8),
	// length (4), partition leader epoch (4), magic (1), CRC (4),
	// attributes (2), last offset delta (4), first and max timestamps
	// (8 + 8), producer id (8), producer epoch (2), base sequence (4) and
	// the record count (4).
	BatchHeaderBytes = 61
	// ProducerBatchBytes is the producer's batch.size default.
	ProducerBatchBytes = 16384
)

// RecordBytes is a message as Kafka stores and sends it, and the formula:
// the value and the workload's stated message_overhead (keys, headers) at
// the compression ratio, the record's own header, and a share of the
// batch header. The compression ratio is the payload's: record headers
// (small varints, a distinct offset and timestamp delta in each) are
// counted whole, as the simulated log stores them.
//
// A record's header is its length, attributes (1), timestamp delta (1
// within 64 ms), offset delta (1 below 64 records), key length (1 for a
// null key; stated keys are in message_overhead), value length and header
// count (1); lengths are zigzag varints. A batch is taken as half full on
// average: the sender takes a batch once a connection is free or linger
// passes, not only when batch.size fills.
func RecordBytes(w Workload) (float64, string) {
	v := int64(w.MessageSize) + int64(w.MessageOverhead)
	record, headers := recordAndHeaders(w)
	perBatch := RecordsPerBatch(w)
	total := record + BatchHeaderBytes/perBatch
	formula := units.FormatBytes(float64(v))
	if w.CompressionRatio != 1 {
		formula = fmt.Sprintf("%s / %s compression", formula, w.CompressionRatio)
	}
	formula += fmt.Sprintf(" + %d B record header", headers)
	formula += fmt.Sprintf(" + %d B batch header / %s records (half of batch.size %d B)",
		BatchHeaderBytes, fmtNum(perBatch), ProducerBatchBytes)
	return total, formula
}

// varintLen is the length of v as a zigzag varint.
func varintLen(v int64) int64 {
	var b [binary.MaxVarintLen64]byte
	return int64(binary.PutVarint(b[:], v))
}

// recordAndHeaders is a record's bytes (the payload at the compression
// ratio and the record header) and its header's bytes.
func recordAndHeaders(w Workload) (float64, int64) {
	v := int64(w.MessageSize) + int64(w.MessageOverhead)
	body := 1 + 1 + 1 + 1 + varintLen(v) + v + 1
	rec := varintLen(body) + body
	headers := rec - v
	return float64(v)/float64(w.CompressionRatio) + float64(headers), headers
}
