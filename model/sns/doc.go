// Package sns simulates Amazon SNS: topics fanning a copy of every
// published message out to their subscriptions, each an SQS queue (the
// queue of model/sqs, read by the subscription's consumer group) or an
// HTTP endpoint (the group's consumers are its request handlers). It
// registers itself as "sns", so model.Run plays a scenario with
// `system: sns` here.
//
// # What is modelled
//
//   - Publish: one API call of the scenario's request latency (half each
//     way); the publisher's ack is the response. A FIFO topic admits
//     publishes at its limit (3,000 msg/s) and passes each message's group
//     id (the producer's key) on to its SQS FIFO queues, delivering each
//     subscription in publish order; a standard topic's deliveries take
//     the delivery latency's own draw each, so spread reorders.
//   - Filter policies (filter.go) on message attributes: AND across keys,
//     OR within a key's values, exact strings and numbers, prefix,
//     suffix, anything-but, numeric ranges and exists. A copy a policy
//     does not accept is never made: counted as filtered, and not expected
//     by that subscription's group.
//   - SQS subscriptions: the copy is sent into the queue (sqs.Queue: its
//     visibility timeout, redrive to the queue's own dead-letter queue
//     after max_receive_count, retention). AWS-managed endpoints are not
//     failed here, so their 100,015-attempt policy never runs out.
//   - HTTP subscriptions: the endpoint is the group's handlers; a delivery
//     fails when no handler is alive (an outage: the group's
//     consumer-crash) or the handler fails it (the group's failures), and
//     is retried on the subscription's delivery policy
//     (scenarios.SNSRetryDelays: immediate, pre-backoff, backoff and
//     post-backoff phases); the throttle policy spaces deliveries. When the
//     policy runs out the message goes to the subscription's dead-letter
//     queue, or is discarded: lost, and counted.
//
// Each topic has its own delivery checker (model/check) whose groups are
// its subscriptions: lost, unseen, duplicates and reordered are per
// subscription, summed in Results.
//
// Not modelled: jitter on retries (SNS applies some; the schedule here is
// the policy's arithmetic), message body filtering, the FIFO topic's own
// deduplication (every published message here is distinct), raw message
// delivery, Lambda, email and mobile endpoints, and SNS-side failures.
package sns
