// Package sqs simulates Amazon SQS beside the Kafka system: a managed
// queue service with no hardware to size, seen through its API. It
// registers itself as "sqs", so model.Run plays a scenario with
// `system: sqs` here (link it in with mqsim/model/systems).
//
// # What is modelled
//
// Every API call (SendMessage, ReceiveMessage, DeleteMessage,
// ChangeMessageVisibility) takes the scenario's request latency, half each
// way (default 20 ms, so one thread makes about 50 calls a second); it is
// counted and billed per 64 KB chunk of its payload. A FIFO queue holds
// each action to its per-action limit (300 calls/s, or the high-throughput
// figure): a call beyond it waits for the next slot and is counted as
// throttled.
//
// Queue (queue.go) is the service's state as a plain data structure driven
// by the caller's clock, so its arithmetic is testable alone:
//
//   - standard queues hand out available messages oldest first (a
//     best-effort order) and, at a stated duplicate rate, miss a delete so
//     the message is delivered again after its visibility timeout;
//   - FIFO queues keep each MessageGroupId in send order and hand a group
//     out only while none of its messages is in flight (head-of-line
//     blocking); a repeat deduplication id within 5 minutes is accepted
//     and dropped;
//   - a receive makes a message invisible for the visibility timeout and
//     gives it a new receipt handle; ChangeMessageVisibility restarts the
//     countdown from the call, refused beyond 12 hours from the receive; a
//     delete with an older handle deletes nothing;
//   - ApproximateReceiveCount rises per receive; with a redrive policy a
//     message received maxReceiveCount times moves to the dead-letter
//     queue when it would be received again (a standard DLQ keeps the
//     original enqueue time, a FIFO one resets it);
//   - retention deletes a message that old when a receive reaches it (and
//     counts the rest at the end) as lost_to_retention; delay queues hold
//     a new message back; the in-flight limit caps what receives return.
//
// Consumers (consumer.go) are threads in a receive–process–delete loop:
// long polling parks a receive at the queue until a message arrives or
// the wait ends, short polling returns at once, empty or not (each empty
// receive is billed). A failed processing is not deleted, so the message
// returns after the visibility timeout; a FIFO consumer then skips the
// rest of that group in its batch. An optional heartbeat calls
// ChangeMessageVisibility while a message is processed. With a `celery:`
// section the consumers are Celery workers instead (celery.go).
//
// The checker (model/check) sees every processing, so a message delivered
// twice is a duplicate, one deleted unprocessed (an early-acked task on a
// dead worker, or expired by retention) is lost, and one still in a queue
// at the end is unseen; dead-lettered messages are handled, not lost.
//
// # Files
//
//	queue.go     Queue: standard and FIFO queues, visibility, redrive, retention, dedup, delay, in-flight limit
//	run.go       the world: building a run, API calls and their cost, long polls, the run loop
//	producer.go  producers (open-loop SendMessage or SendMessageBatch calls) and the arrival and key draws
//	consumer.go  consumer threads, failures, heartbeats, consumer-crash faults
//	celery.go    Celery workers: prefetch window, early or late acks, retries, rate limit, ETA tasks
//	results.go   time series and model.Results, with the API counts and the monthly request estimate
//
// Not modelled yet: DeleteMessageBatch (consumers delete one message per
// call), short polling's sampling of a subset of
// servers, message attributes, the FIFO 120,000-message backlog scan, and
// a Redis transport for Celery.
package sqs
