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
//     murmur2 hash partitioner, as Kafka's) and sizes; it accumulates a
//     deque of batches per partition (the last open, sealed at
//     batch.size). As Kafka's sender (drain.go), a broker's connection is
//     ready when a partition it leads has a full first batch or one that
//     has lingered linger.ms, and fewer than max.in.flight requests are
//     out; its request then takes the first batch of every partition the
//     broker leads that has one, open ones too — one per partition, up to
//     max.request.size — and, as Kafka's drainBatchesForOneNode, stops at
//     a partition an idempotent or transactional producer may not send to
//     yet (shouldStopDrainBatchesForPartition), where its next request
//     starts. A transactional producer (transaction.version 1) sends
//     AddPartitionsToTxn as soon as a batch opens on a partition new to
//     its transaction, one request at a time, and drains nothing while
//     one is in flight (txn_producer.go). The
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
//     handler thread. The parked fetches a produce request's appends would
//     answer — followers', and consumers' when an append moves the high
//     watermark (one replica in the ISR) — are woken once, after the whole
//     request is appended, as Kafka completes delayed fetches from its
//     action queue after the request; a follower's fetch that moves the
//     high watermark wakes consumers at once, partition by partition, as
//     Kafka's updateFollowerFetchState does. The leader reads raw batches from its log and the
//     follower appends them unchanged with Log.AppendReplicated. The fetch
//     offset tells the leader the follower's log end offset; the leader
//     keeps each follower's caught-up time, shrinks the ISR after
//     replica.lag.time.max (checked every half of it), expands it when a
//     follower reaches the high watermark, and sets the high watermark to
//     the smallest log end offset in the ISR, never backwards. Followers
//     learn the high watermark from fetch responses.
//   - Consumer groups: the coordinator — the leader of partition
//     abs(hash(group)) % 50 of __consumer_offsets, replicated
//     offsets.topic.replication.factor times like any partition (offsets.go)
//     — assigns partitions with range, roundrobin or cooperative-sticky (at
//     the first generation, a balanced spread) and stores commits as
//     records in that compacted log; a commit is acknowledged once every
//     in-sync replica has it. When the partition's leadership moves, the
//     new leader loads the committed offsets from its own replica (a
//     commit it lacks is lost, and the partition's next owner reprocesses
//     from the older offset). Members reach the coordinator through the
//     network (coordclient.go): FindCoordinator, JoinGroup, SyncGroup,
//     Heartbeat, LeaveGroup and OffsetCommit are messages that faults
//     delay, refuse or drop; a failed request makes the member find its
//     coordinator again, and heartbeats that do not arrive let the
//     member's session expire. Each member keeps one fetch session per leader broker
//     (fetch.min.bytes, fetch.max.wait.ms, per-partition and total max
//     bytes, reading only below the high watermark — below the last
//     stable offset for read_committed, skipping aborted transactions'
//     batches — see txn_consumer.go), buffers what it fetched, and polls up to max.poll.records, processing them one after
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
// group; max_lag and max_partition_lag are the largest values the total
// and a partition's lag take during the run, exact rather than sampled
// (lag.go: every move of a position or a high watermark updates them).
//
// # Simplified (and why)
//
//   - Broker faults (controller.go, kraft.go, faults_broker.go): the
//     controller quorum's voters are nodes on the network, and their
//     messages (votes, a batch's commit round trip), broker heartbeats and
//     their answers, and the metadata batches sent to brokers all go
//     through net.Send, so crashes, cuts, drops and delays apply to them;
//     a failover's election is the first live voter's timeout plus its
//     random backoff, with no split votes. A crash's lost page cache keeps
//     what write-back or an fsync had put on the disk (pagecache.go). Each
//     broker answers from its own view of the controller's metadata log
//     (metadata.go) and acts on a batch when it arrives: a broker cut off
//     from the controller misses batches, so a fenced leader keeps serving
//     as a zombie, and its followers keep fetching from the old leader,
//     until the cut heals or a heartbeat's answer reaches it.
//     Producers cache leaders and refresh them over the network (on
//     NOT_LEADER_OR_FOLLOWER, a refused connection or a timeout, after
//     retry.backoff.ms, and every metadata.max.age.ms); metadata and group
//     requests cost a handler thread cpu_per_request each. Consumer members
//     cache leaders too: a broker that does not lead a partition in its own
//     view answers their fetch
//     NOT_LEADER_OR_FOLLOWER, and they refresh after 100ms
//     (retry.backoff.ms) and rebuild their sessions; a zombie serves reads
//     from its own replica below its frozen high watermark. Faults apply in the network (model/net): a process crash
//     refuses new connections within a round trip and resets those in
//     flight (one latency later), a machine crash (lose_page_cache) or a
//     cut is silent, so producers wait out request.timeout.ms; replica and
//     consumer fetches lost to the network are retried after a second; logs on --data-dir are not reopened through recovery on
//     restart.
//   - A send() blocked on buffer.memory is a waiting message in a queue;
//     the application's other sends wait behind it (one sending thread).
//   - An idempotent producer gives a batch its log sequence when it first
//     sends it (a per-partition counter), so a batch that expires unsent
//     leaves no gap; a retry keeps its stamp, so the log recognises a copy
//     it already holds among the producer's last 5 batches. A producer
//     here may have more than 5 batches of a partition out (several per
//     request; and after a leader change, on two connections), so a retry
//     of a batch older than those 5 that the log did take (same epoch,
//     sequences at or below its last) is answered as a duplicate once the
//     high watermark passes the log's end, where Kafka, with at most 5
//     out, never meets the case. The message ids
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
//     latest and earliest agree on then. Group protocol messages other than
//     commits cost no broker resources; the coordinator reads a cooperative
//     member's owned partitions directly rather than from its JoinGroup
//     (a newly owned partition's start comes by OffsetFetch, through the
//     network); a new coordinator keeps the group's membership and
//     generation (Kafka stores them in the same log) and reloads only the
//     offsets, in no time. A paused partition (retry backoff) is skipped by
//     fetches until the backoff ends, and fetched again at the next fetch.
//   - Retry consumers (retry-topics) are one per rung outside the group
//     protocol, with positions in memory; the consumer's writes to retry
//     and DLQ topics append at the leader without a produce round trip.
//   - Only the __consumer_offsets partitions some group maps to exist; their
//     followers fetch through fetchers of their own rather than sharing the
//     data partitions' (as with more num.replica.fetchers), and they are
//     left out of the topic results (unavailability, elections, partition
//     lists). Commits cost the coordinator's NIC and CPU. The log cleaner
//     compacts every replica once the bytes appended since its last run
//     reach those it left (min.cleanable.dirty.ratio 0.5) and 4 MiB, in
//     runs with broker faults too, so a new coordinator loads the
//     committed offsets from a compacted log and a restarted follower
//     catches up on one. Runs that release consumed records release these
//     logs instead.
//   - Disk writes land in the broker's page cache (node.PageCache, Linux's
//     dirty budget and write-back): they delay nothing until the dirty
//     bytes reach dirty_ratio, and then appends wait for write-back
//     (pagecache.go). Kafka does not fsync on the produce path unless
//     flush_messages is set (flush.go); a held writer does not hold a
//     handler thread (Kafka's write(2) would). Fetches are zero-copy:
//     reads cost NIC and, on a cache miss, disk, but no per-byte CPU —
//     unless cluster.tls is set, when each fetched byte costs cpu_per_mb
//     (clienthost.go).
//   - Retention runs every retention_check_interval (Kafka's default 5m,
//     longer than most runs: set it to see retention act).
//   - GC pauses (gcpause.go) stop a broker's request-handler threads
//     only; a real stop-the-world pause also stops its network threads
//     and replica fetchers.
//   - Each client instance has a host of its own (clienthost.go): a
//     produce request pays its producer host's CPU and NIC out, a fetch
//     response its consumer host's NIC in and CPU; answers to produce
//     requests and fetch requests cost the hosts nothing. A consumer pays
//     the codec of the first producer writing its topic.
//
// # Files
//
// The system-neutral parts are in package model: Run and Options (which
// system runs a scenario), Results and its metrics by name. This package
// fills Results from its own state (run.go's results, consumer_results.go,
// controller.go's report) and names model's result types by their short
// names (system.go). The substrate it runs on: model/check (the delivery
// checker and its ledger), model/net (nodes, links with latency and
// jitter, and the faults every message meets), model/node (a machine's
// NIC, disk, CPU and page cache), model/commitlog
// (the log engine). See docs/architecture.md for the map and what is left
// to move onto the substrate.
//
//	system.go           registration with model.Run; model's result types by their short names
//	run.go              Run, build (the world from a resolved scenario), the run loop, sampling, results assembly
//	cluster.go          world, broker (on a node.Machine), topic, partition, replica, replica fetchers, ISR and HW
//	replication.go      the end-of-run convergence check (model.Replication holds its numbers)
//	controller.go       elections, fencing, truncation, disconnecting clients from a crashed broker
//	kraft.go            broker heartbeats, session expiry, elections in one metadata batch, the controller quorum
//	producer.go         producer: accumulator, sender, requests, retries, idempotence; broker-side produce handling
//	metadata.go         brokers' views of the metadata log, zombie leaders, producers' cached leaders and refreshes
//	workload.go         Kafka's murmur2 partitioner (arrivals, keys, sizes: model/load)
//	backpressure.go     buffer.memory, max.block, rate limiting, dropping, autoscaling
//	bufferpool.go       the producer's buffer.memory pool
//	consumer.go         groups, members, fetch sessions, polling and processing, commits
//	group.go            the group protocol: join, sync, heartbeats, rebalances, static membership
//	offsets.go          __consumer_offsets: the replicated partitions, commits waiting on their high watermark, loading on failover
//	coordclient.go      members reaching their coordinator: FindCoordinator, requests through the network, timeouts
//	consumer_results.go consumer-side results, retention, offset resets
//	lag.go              each group's running lag and its exact maxima: the setters of positions and high watermarks
//	poison.go           failure policies, dead-letter and retry topics
//	downstream.go       dependencies processing calls, with timeouts, retries and budgets
//	limits.go           records over max_request_size or max_message_bytes
//	storage.go          storage errors: a log directory taken offline
//	txn_coord.go        the transaction coordinator on __transaction_state: InitProducerId, AddPartitionsToTxn, EndTxn, timeouts, failover loading
//	txn_markers.go      COMMIT/ABORT control batches written to every partition of a transaction
//	txn_conn.go         a transactional client's coordinator requests: FindCoordinator, InitProducerId, AddPartitionsToTxn, EndTxn
//	txn_client.go       a pipeline stage's (transactional) producer: produce, commit, fencing
//	txn_producer.go     a plain producer with a transactional_id: transactions per commit_interval, producer-crash
//	txn_implicit.go     transaction.version 2 (KIP-890): partition leaders add partitions to transactions
//	txn_stage.go        pipeline stages: outputs per processed record, commit interval
//	txn_offsets.go      TxnOffsetCommit, pending offsets, loading transactional offsets
//	txn_consumer.go     readers of transactional topics: control batches, read_committed filtering, aborted reads
//	txn_results.go      Results.Transactions
//	faults.go           this system's fault registry: scheduling and reverting faults; faults_broker.go,
//	                    faults_consumer.go, faults_topic.go: each family's behaviour
package kafka
