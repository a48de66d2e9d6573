package kafka

// Size limits a record meets on its way to the log, as Kafka has them.
//
// The producer's send() refuses a record whose serialized size is over
// max.request.size or buffer.memory (RecordTooLargeException): it never
// enters the accumulator and is counted failed (record_too_large). A batch
// over the topic's max.message.bytes is refused by the leader's log with
// MESSAGE_TOO_LARGE, answered to the producer, and its records are counted
// the same way. Neither ends the run.

// tooLarge refuses, and counts, a record send() cannot take.
func (p *producer) tooLarge(size, key int64) bool {
	n := p.recordBytes(size, key)
	if n <= p.maxReq && n <= p.bufMax {
		return false
	}
	p.failed++
	p.tooLargeN++
	return true
}
