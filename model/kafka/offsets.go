package kafka

import (
	"mqsim/model/commitlog"
)

// offsetsMaxBatchBytes is the largest batch a __consumer_offsets log
// accepts: the broker's message.max.bytes, 1048588 by default. Tests lower
// it to show the split with a few hundred partitions instead of 200,000.
var offsetsMaxBatchBytes int64 = 1048588

// offsetRecordMax bounds one offset record's bytes in a batch beyond its
// key and value (length, attributes, deltas, lengths, header count).
const offsetRecordMax = 32

// flushOffsets makes room for one more offset record with a key of keyLen
// bytes: if it would take the batch being built over the log's maximum,
// the records so far are appended as one batch and a new batch begins. An
// OffsetCommit for very many partitions is so written as several batches,
// each under the limit, rather than refused by the log.
func (b *broker) flushOffsets(keyLen int) error {
	bb := &b.offsetsBuilder
	if bb.Len() == 0 || bb.EstimatedSize()+int64(keyLen+len(b.offsetVal)+offsetRecordMax) <= offsetsMaxBatchBytes {
		return nil
	}
	if err := b.appendOffsets(); err != nil {
		return err
	}
	bb.Reset(commitlog.BatchHeader{})
	return nil
}

// appendOffsets appends the batch being built to __consumer_offsets and
// moves the high watermark to its end.
func (b *broker) appendOffsets() error {
	batch, err := b.offsetsBuilder.Build()
	if err == nil {
		_, err = b.offsets.Append(batch, 0)
	}
	if err == nil {
		err = b.offsets.SetHighWatermark(b.offsets.LogEndOffset())
	}
	return err
}
