// Package kafka is mqsim's simulated Kafka-style cluster: brokers,
// replicated partitions, producers and consumer groups, built on the sim
// kernel and on real commitlog logs, and judged by a delivery checker. It
// is one system on the substrate (model/net, model/node, model/check,
// model/commitlog); it registers itself with package model, which runs it
// and defines the Results it fills.
//
// # Using it
//
// Resolve a scenario (scenarios.LoadScenario, or a Scenario value with
// Defaults called and Cluster.Hardware filled), link the systems in
// (import _ "mqsim/model/systems"), then:
//
//	res, err := model.Run(sc, model.Options{DataDir: "", Progress: nil})
//
// model.Run dispatches to this package's Run (registered in system.go),
// which plays the producers for Duration, then drains (at most Drain more)
// until every group has processed everything written, and returns Results:
// the checker's ledger (produced, acked, failed, indeterminate, lost, unseen,
// duplicates, reordered), latency percentiles, lag, replication health,
// broker utilisation and time series. Results.Metric answers `expect`
// assertions by name. The same scenario and seed give identical Results.
//
// # What is modelled
//
// Every partition replica is a commitlog.Log (memory backend with sized
// records by default, files under Options.DataDir). Nothing keeps a
// parallel list of messages: consumers learn what they processed by
// decoding the records they read.
//
//   - Brokers have NIC in and out, disk write and read (byte-rate servers)
//     and request-handler threads (a multi-server CPU costing per request
//     and per byte appended). Saturation shows as queueing delay. The
//     network between any two nodes adds the profile's latency with
//     uniform jitter of ± NetworkJitter; one connection never reorders.
//   - Produce: a producer instance draws arrivals (poisson, constant,
//     bursts, daily), keys (none → sticky partitioner; uniform, zipf, hot →
//     murmur2 hash partitioner, as Kafka's) and sizes; it accumulates one
//     open batch per partition, sealed at batch.size or after linger.ms;
//     the sender drains ready batches per broker connection into requests
//     (up to 1 MiB) while fewer than max.in.flight are outstanding. The
//     broker handles one request per connection at a time, in order, as
//     Kafka does; appends are Log.Append with the partition's leader
//     epoch. acks=0 completes on send, acks=1 after the leader append,
//     acks=all when the high watermark passes the batch, with
//     NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas (and
//     _AFTER_APPEND when it shrank meanwhile). Retriable errors (the
//     broker's transient error rate, not-enough-replicas, out-of-order
//     sequence for an idempotent producer) are retried after an
//     exponential backoff with ±20% jitter until retries or
//     delivery.timeout.ms run out; a request without an answer within
//     request.timeout.ms makes its batches "maybe written". Idempotence is
//     the log's producer-id/sequence dedupe; while an idempotent
//     producer's batch backs off, later batches of its partition wait, so
//     order holds. Without idempotence a retried batch lands after later
//     ones: that is how reorder-retries reorders.
//   - Replication: num.replica.fetchers fetchers per (follower broker,
//     leader broker) pair, partitions hashed among them as Kafka does,
//     long-poll the leader (replica.fetch.min.bytes — a parked fetch
//     answers as soon as that many bytes are there — wait.max, max.bytes
//     per partition); each fetcher appends one response at a time on one
//     handler thread. The leader reads raw batches from its log and the
//     follower appends them unchanged with Log.AppendReplicated. The fetch
//     offset tells the leader the follower's log end offset; the leader
//     keeps each follower's caught-up time, shrinks the ISR after
//     replica.lag.time.max (checked every half of it), expands it when a
//     follower reaches the high watermark, and sets the high watermark to
//     the smallest log end offset in the ISR, never backwards. Followers
//     learn the high watermark from fetch responses.
//   - Consumer groups: the coordinator (hash of the group name over the
//     brokers) assigns partitions with range, roundrobin or
//     cooperative-sticky (at the first generation, a balanced spread) and
//     stores commits as records in a real compacted __consumer_offsets
//     log. Each member keeps one fetch session per leader broker
//     (fetch.min.bytes, fetch.max.wait.ms, per-partition and total max
//     bytes, reading only below the high watermark — below the last
//     stable offset for read_committed, the same offset until
//     transactions exist), buffers what it fetched, and polls up to max.poll.records, processing them one after
//     another with the group's service-time distribution: one event per
//     poll, with each record's completion time computed. It prefetches a
//     partition as soon as its buffer empties. Commits: auto (every
//     interval, inside poll, the previous poll's positions, asynchronous),
//     after (synchronous, after processing) or before (synchronous, before
//     processing). Idempotent processing keeps a store of processed ids and
//     skips redeliveries.
//   - Group protocol (group.go): heartbeats, session.timeout,
//     max.poll.interval (the heartbeat thread leaves the group),
//     generations, JoinGroup/SyncGroup rounds, eager and cooperative-sticky
//     rebalancing, static membership; commits from a stale generation or for
//     a partition no longer owned are refused. Consumer faults
//     (faults_consumer.go): crash and restart, clean leave, stall, slowdown,
//     join. Topic faults (faults_topic.go): add-partitions grows a topic
//     while the run goes; producers hash over the new count at once, groups
//     rebalance at their next metadata refresh (every metadata_max_age from
//     the start of the run) and start the new partitions by
//     auto_offset_reset. Failure policies with real DLQ and retry topics (poison.go);
//     downstream dependencies with timeouts, layered retries and budgets,
//     fed from the log or from a bounded in-memory queue (downstream.go);
//     producer buffer.memory blocking up to max.block or failing, token
//     bucket throttling, low-priority dropping, and lag autoscaling
//     (backpressure.go); retention deleting segments every
//     retention_check_interval, with auto.offset.reset on an out-of-range
//     position (consumer_results.go, consumer.go).
//   - Page cache: a read misses the cache (and costs disk read bandwidth)
//     when more than PageCache bytes were written to the broker since the
//     data was written, estimated from the partition's bytes since that
//     offset and its share of the broker's writes.
//
// # The checker
//
// A message's id is (producer instance, partition, sequence): each producer
// numbers its messages per partition from 0, as idempotent sequences are.
// The id, the produce time (record timestamp plus its sub-millisecond part)
// and the key travel in the record: the key is the record key (a uvarint
// key id), the id and sub-millisecond time are a few real bytes of value
// prefix, and the rest of the value is the sized record's declared size.
// Acknowledged and processed ids are bitmaps per (producer, partition), one
// bit per message. After the drain, an acked message a group never
// processed is unseen if it is still in the log ahead of the group's
// position, lost otherwise. A processing of an id already processed by the
// group is a duplicate; a first processing of a sequence lower than one
// already processed for the same producer and key is reordered (when the
// key moved to another partition, the later produce time is the later
// message). Latency
// statistics skip messages produced during the warm-up.
//
// Lag is, per partition, the high watermark minus the offset after the
// last processed record (the consumer's own records-lag view), summed per
// group; max_lag is the largest sampled total.
//
// # Simplified (and why)
//
//   - Broker faults (controller.go, kraft.go, faults_broker.go): one
//     active controller (no quorum of voters; a metadata batch costs
//     election_cost rather than a quorum commit); heartbeats and the
//     batch's propagation take the network latency without jitter. A
//     fenced leader stops serving at the moment the batch naming its
//     successor reaches the brokers (a real zombie
//     serves until it hears of the new epoch); producers learn a new leader
//     at once (metadata refresh folded into their backoff); consumer fetch
//     sessions move to a live broker at once and read each partition from
//     its leader; a crash's lost page cache keeps what the last 5s
//     write-back had flushed, and such a machine crash is silent to
//     producers (they wait out request.timeout.ms) where a process crash
//     refuses their new requests at once (in both, requests in flight at
//     the crash wait out the timeout, and replica and consumer fetches are
//     retried after a second); logs on --data-dir are not reopened through
//     recovery on restart.
//   - A send() blocked on buffer.memory is a waiting message in a queue;
//     the application's other sends wait behind it (one sending thread).
//   - An idempotent producer gives a batch its log sequence when it first
//     sends it (a per-partition counter), so a batch that expires unsent
//     leaves no gap; a retry keeps its stamp, so the log recognises a copy
//     it already holds among the producer's last 5 batches. The message ids
//     in records (producer, partition, message sequence) never change. When
//     the log refuses a batch as out of order (or does not know the
//     producer) and no earlier batch of its epoch can still arrive (all
//     acknowledged, or one ended unacknowledged: expired, or truncated by an
//     unclean election), the producer bumps that partition's epoch as
//     KIP-360 does: it waits until nothing of the partition is in flight,
//     then stamps every unacknowledged batch again, in order, from sequence
//     0 of the new epoch, which the log accepts and with which it fences
//     the old one. The partition stalls only until its requests in flight
//     are answered or time out (request.timeout). Epochs are per partition
//     here (Kafka bumps the producer's, for all partitions), and a batch
//     written under the old epoch but never acknowledged is written again
//     under the new one, a duplicate, as in Kafka.
//   - Compression is a ratio the scenario states (compression_ratio with a
//     codec): a sized record's virtual bytes cannot really be compressed, so
//     each message costs its size divided by the ratio on the wire, on disk
//     and in the log, and no CPU is charged for compressing.
//   - With initial_rebalance_delay 0 (the scenario default; Kafka's is
//     3s) the first generation waits for every consumer of the scenario,
//     as if the delay had gathered them; starting offsets are 0, which
//     latest and earliest agree on then. Group protocol messages cost one
//     network latency each way and no broker resources; the coordinator
//     reads a cooperative member's owned partitions directly rather than
//     from its JoinGroup. A paused partition (retry backoff) is skipped by
//     fetches until the backoff ends, and fetched again at the next fetch.
//   - Retry consumers (retry-topics) are one per rung outside the group
//     protocol, with positions in memory; the consumer's writes to retry
//     and DLQ topics append at the leader without a produce round trip.
//   - __consumer_offsets is one unreplicated partition per coordinator
//     broker; commits cost the coordinator's NIC and CPU.
//   - Disk writes are asynchronous (the page cache absorbs them; Kafka does
//     not fsync on the produce path): they load the disk but do not delay
//     acknowledgements. Fetches are zero-copy: reads cost NIC and, on a
//     cache miss, disk, but no per-byte CPU.
//   - Retention runs every retention_check_interval (Kafka's default 5m,
//     longer than most runs: set it to see retention act).
//   - The client side has no NIC or CPU limits; clients are not a
//     bottleneck.
//
// # Files
//
// The system-neutral parts are in package model: Run and Options (which
// system runs a scenario), Results and its metrics by name. This package
// fills Results from its own state (run.go's results, consumer_results.go,
// controller.go's report) and names model's result types by their short
// names (system.go). The substrate it runs on: model/check (the delivery
// checker and its ledger), model/net (links with latency and jitter),
// model/node (a machine's NIC, disk, CPU and page cache), model/commitlog
// (the log engine). See docs/architecture.md for the map and what is left
// to move onto the substrate.
//
//	system.go           registration with model.Run; model's result types by their short names
//	run.go              Run, build (the world from a resolved scenario), the run loop, sampling, results assembly
//	cluster.go          world, broker (on a node.Machine), topic, partition, replica, replica fetchers, ISR and HW
//	replication.go      the end-of-run convergence check (model.Replication holds its numbers)
//	controller.go       elections, fencing, truncation, re-homing clients after leader changes
//	kraft.go            broker heartbeats, session expiry, elections in one metadata batch
//	producer.go         producer: accumulator, sender, requests, retries, idempotence; broker-side produce handling
//	workload.go         Kafka's murmur2 partitioner (arrivals, keys, sizes: model/load)
//	backpressure.go     buffer.memory, max.block, rate limiting, dropping, autoscaling
//	bufferpool.go       the producer's buffer.memory pool
//	consumer.go         groups, members, fetch sessions, polling and processing, commits
//	group.go            the group protocol: join, sync, heartbeats, rebalances, static membership
//	offsets.go          commits as records in __consumer_offsets
//	consumer_results.go consumer-side results, retention, offset resets
//	poison.go           failure policies, dead-letter and retry topics
//	downstream.go       dependencies processing calls, with timeouts, retries and budgets
//	limits.go           records over max_request_size or max_message_bytes
//	storage.go          storage errors: a log directory taken offline
//	faults.go           this system's fault registry: scheduling and reverting faults; faults_broker.go,
//	                    faults_consumer.go, faults_topic.go: each family's behaviour
package kafka
