// Package pubsub simulates Google Cloud Pub/Sub as a managed service:
// topics, subscriptions, pull subscribers and push endpoints, with no
// hardware to size — every call costs the scenario's request latency and
// the service's stated limits apply. It registers itself as "pubsub", so
// model.Run plays a scenario with `system: pubsub` here.
//
// # What is modelled
//
//   - Publish: one call per message (half a request latency each way);
//     with ordering keys (a producer with keys on a topic with an ordering
//     subscription) a key's messages are published one batch at a time and
//     at most key_rate bytes/s (~1 MB/s) per key; the rest wait and are
//     counted (key waits).
//   - Each subscription keeps its own copy of every message published
//     after it: a delivery makes it outstanding until the ack deadline
//     (10 s by default). A pull subscriber is one client holding up to
//     max_outstanding leased messages (flow control) and processing them
//     one at a time; its client library extends every lease it holds
//     (ModifyAckDeadline every half deadline, up to max_extension) unless
//     lease_extension is false — then a message waiting in the client's
//     buffer, or processed past the deadline, expires and is delivered
//     again while the first copy is still worked on (a redelivery storm).
//   - A nack (a failed processing, a failed push) or an expired deadline
//     makes the message available again: at once without a retry policy
//     (push: back-off from 100 ms to 60 s), else after
//     min(max_backoff, min_backoff·2^(n−1)) for its n-th failed attempt.
//     With a dead-letter topic, a message whose delivery attempts
//     (1 + nacks + expiries) reach max_delivery_attempts is forwarded
//     there instead; to a topic with no subscription it is lost.
//   - Ordering keys: a subscription with message_ordering delivers each
//     key in publish order, one outstanding message per key, to the same
//     subscriber while it has room.
//   - Exactly-once (pull): only the latest delivery's ack counts and no
//     ack is lost; without it, a late ack still acks the message and
//     ack_loss_rate of acks are lost (best effort).
//   - Push: the endpoint is the group's handlers; the service keeps at
//     most a window of requests outstanding, starting at 1, doubling on
//     each success and halving on each failure; a response later than the
//     ack deadline is a failure.
//
// Each topic has its own delivery checker whose groups are the groups
// reading its subscriptions. Not modelled: StreamingPull stream resets,
// publisher batching settings, seek and snapshots, filters, BigQuery and
// Cloud Storage subscriptions, regional failures.
package pubsub
