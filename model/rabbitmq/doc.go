// Package rabbitmq is mqsim's simulated RabbitMQ (4.x) cluster: nodes on
// the substrate's machines (model/node), messages over model/net, quorum
// queues replicated by Raft on real commitlog logs, classic queues and
// streams, the four exchange types, publisher confirms, credit flow control, the
// memory alarm, consumers with prefetch and acks, requeues, the delivery
// limit and dead-lettering. It registers itself with package model as
// "rabbitmq" and fills the same Results as every system, judged by the
// same delivery checker (model/check).
//
// # How the shared workload maps
//
// Every topic of the scenario is an exchange (fanout unless the rabbitmq:
// section declares it); every consumer group consumes its own queue,
// named after the group and bound to its topic's exchange; each producer
// instance is a publisher in confirm mode on a connection to one node
// (instances spread round-robin). Keys pick routing keys and headers
// (rabbitmq.publishers); key ids, arrivals and sizes are drawn by
// model/load exactly as for Kafka.
//
// # What is modelled
//
//   - Routing: direct (equal key), fanout, topic (* one word, # zero or
//     more: "a.b.*" misses "a.b", "a.b.#" matches it), headers (x-match
//     all/any); the default exchange ("", publishers[].default_exchange)
//     binds every queue by its name; an alternate exchange takes what
//     routes nowhere; a
//     mandatory publisher gets unroutable messages back (basic.return,
//     counted failed); otherwise they are confirmed and dropped
//     (unroutable).
//   - Publishing: the message crosses the node's NIC, the exchange routes
//     it, each target queue's process (one Erlang process: a single server
//     costing the node's CPU per message) takes it. Credit flow: a
//     publisher may have credit_initial messages ahead of its first target
//     queue, which grants credit_more back each time it took that many;
//     without credit the publisher waits (flow). The memory alarm: while
//     any node holds more than memory_high_watermark of its RAM in queued
//     messages, every publisher blocks. An unconfirmed limit per publisher
//     (max_unconfirmed) bounds messages in flight.
//   - Confirms: once every target queue accepted the message — a classic
//     queue after an fsync of its file (at once when none is running, else
//     every classic_sync_interval), a quorum queue after a majority of its
//     members fsynced it. Both write through their node's page cache
//     (model/node): an fsync costs the disk the whole pages written, a
//     seek when the disk last served another file, and fsync_latency; a
//     machine crash loses what no fsync covered.
//   - Quorum queues (raft.go): quorum_size members on distinct nodes, each
//     a commitlog log; the leader appends each enqueue as a record with
//     the message id, followers append the leader's batches unchanged,
//     each member fsyncs through its node's WAL shared by every quorum
//     member there, so fsyncs batch across queues (group commit). Commit =
//     a majority durable; committed entries are applied in log order (the
//     message becomes ready). When the leader's node stops, the live
//     members elect, after election_timeout, the member with the latest
//     term and longest log; the others truncate where their epochs leave
//     the leader's log and catch up; proposals the new leader never got
//     are proposed again. A node back resumes from its log.
//   - Consumers: basic.qos prefetch per consumer (0 = unlimited): the
//     queue delivers round-robin to consumers below their prefetch and
//     stops at unacked == prefetch. Manual ack after processing (one by
//     one, or with multiple=true every ack_multiple deliveries); on
//     failure (the group's failures) basic.reject requeue=true (counts
//     toward the delivery limit), basic.nack requeue=true (does not count,
//     4.3) or reject without requeue (dead-letter). Auto-ack settles on
//     sending (at most once). A lost connection (consumer crash, the
//     queue's node down) requeues every unacknowledged delivery. Classic
//     queues put a requeued message back in its place; quorum queues
//     deliver returned messages first, in return order.
//   - Streams (stream.go): replicated like a quorum queue; a committed
//     message is appended and never removed; every consumer reads every
//     message from its own offset (stream_offset next or first on each
//     connection); acks only free credit.
//   - Priorities (ready.go): a classic queue with max_priority has that
//     many levels plus one, a quorum queue always 32 (unset = 4); the
//     highest non-empty level is served first.
//   - Delivery limit (quorum, default 20): a message returned more times
//     than the limit is dead-lettered. Dead-lettering (rejected, expired —
//     TTL checked at the head only —, maxlen with drop-head, delivery
//     limit) routes through the dead-letter exchange, or drops without one.
//   - Consumer timeout: checked once a minute; a consumer holding a
//     delivery longer than consumer_timeout has its channel closed, its
//     deliveries returned (not counted), and the work in progress still
//     finishes — a redelivery processes it again.
//   - Faults: broker-crash (a node's process stops and its connections
//     close; with lose_page_cache its machine dies and clients notice only
//     after the heartbeat timeout, or when it returns; with a duration it
//     restarts), consumer-crash.
//
// Past 32 unapplied commands (quorum_commands_soft_limit) a quorum queue
// grants credit only as it applies them.
//
// Simplifications: settles and credit are not Raft commands here (only
// enqueues are logged); message bodies held by queues count toward
// memory (no paging to disk); classic priorities are served strictly by
// level; stream retention and numeric or timestamp offsets, and the disk
// alarm, are not modelled.
//
// # Files
//
//	system.go    registration, Run, the world, declaring exchanges, queues and groups
//	routing.go   exchanges and binding matching (topic patterns, headers)
//	queue.go     a queue: enqueue, requeue, TTL, length limit, dead-lettering, dispatch
//	ready.go     ready messages by priority level
//	stream.go    streams: committed messages appended, read by every consumer from its own offset
//	raft.go      quorum-queue replication on commitlog logs: propose, commit, apply, election
//	publisher.go publishers, confirms, credit flow, the memory alarm, the shared WAL
//	consumer.go  consumer groups and consumers: prefetch, acks, rejects, connection loss
//	faults.go    node and consumer crashes
//	results.go   model.Results from the run: the checker's ledger, latency, depth, series
package rabbitmq
