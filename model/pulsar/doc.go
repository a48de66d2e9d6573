// Package pulsar is mqsim's simulated Apache Pulsar (3.x) cluster:
// stateless brokers and BookKeeper bookies on the substrate's machines
// (model/node), every message between them over model/net, ledgers stored
// as real commitlog logs. It registers itself with package model as
// "pulsar" and fills the same Results as every system, judged by the same
// delivery checker (model/check).
//
// # How the shared workload maps
//
// cluster.brokers are Pulsar brokers; pulsar.bookies bookies run on
// machines of the same profile. Every topic partition is a managed
// ledger; its bundle (a hash of its name modulo pulsar.bundles) decides
// which broker owns it. Each consumer group is a subscription of its
// topic (pulsar.subscriptions: type, acks, flow control). Producers draw
// arrivals, keys and sizes from model/load exactly as for Kafka; a keyed
// message goes to the partition of its key's hash, a null-key one
// round-robin per batch.
//
// # What is modelled
//
//   - Publishing: the client batches per partition (batching_max_delay,
//     _messages, _bytes); a batch is one BookKeeper entry, encoded as one
//     commitlog record batch carrying each message's id and key. The
//     owning broker takes it off its NIC and handler threads (in order
//     per connection) and adds it to the open ledger.
//   - BookKeeper (ledger.go, bookie.go): a ledger is written to an
//     ensemble of E bookies, entry e to the Qw bookies starting at e mod E
//     (striping when E > Qw). A bookie appends the entry to its ledger
//     storage — one commitlog log per ledger — and to its journal, and
//     answers once the journal's fsync covers it: adds arriving during an
//     fsync share the next (group commit), and both files share the
//     machine's disk and page cache. An entry is confirmed once Qa
//     bookies answered, in entry order; the producer's receipt follows.
//     A bookie that refuses the connection (its process died) is replaced
//     at once; one that stays silent past add_entry_timeout (its machine
//     died) is replaced then: an ensemble change, a new fragment from the
//     first unconfirmed entry with a live bookie outside the ensemble, and
//     the pending adds resent to it. Writes go on meanwhile as long as Qa
//     bookies answer. With no bookie to spare the ledger is closed and a
//     new one opened (which needs E live bookies).
//   - Managed ledgers (topic.go): ledgers roll over after
//     rollover_entries once rollover_min_time old, or at
//     rollover_max_time or rollover_bytes; adds wait while the next ledger
//     is created (a metadata write, 2 ms).
//   - Broker failure: a dead process resets its clients' connections at
//     once, a dead machine after the clients' 30 s keep-alive. The
//     metadata store expires the broker's session after session_timeout
//     and its bundles go to the live broker owning fewest. The new owner
//     fences the ledger the old owner left open on its ensemble and
//     recovers its end knowing only what bookies answer: the last add
//     confirmed the writer piggybacked on its entries, and which entries
//     each holds. An entry after it is recovered if any bookie of its
//     write set has it (and copied to the others); the ledger ends at the
//     first entry at least Qw − Qa + 1 bookies lack; with fewer answers it
//     waits. Cursors are restored from their last persisted state. Clients
//     reconnect with backoff (100 ms doubling to 60 s) and resend what was
//     not acknowledged — without deduplication a message the old owner
//     had written is written twice.
//   - A broker cut off from the metadata store (network-partition from
//     controller; session.go) keeps its producers and goes on writing.
//     Its session expires after session_timeout and its bundles move; the
//     new owner fences its open ledgers, and only the fence stops the old
//     owner (a zombie): its next add is refused, it closes the topic and
//     its producers look the owner up again. It learns its session
//     expired when the partition heals. Its consumers move at once. A
//     partition from clients drops their connections after the
//     keep-alive.
//   - Cursors (cursor.go): the mark-delete position and the individually
//     acknowledged messages above it (between them, ack holes); every
//     mark_delete_interval the owner writes the state — the mark-delete
//     position and the first unacked_ranges_to_persist ranges — as an
//     entry of the cursor's own ledger; acknowledgements newer than the
//     last confirmed write, or beyond the persisted ranges, are lost with
//     the broker and those messages delivered again.
//   - Dispatch (dispatch.go): one read in flight per cursor, of up to
//     dispatch_batch entries and the consumers' permits, redeliveries
//     first. A read costs nothing for entries still in the broker's cache
//     (younger than cache_eviction and written since the owner loaded the
//     topic), a disk read on a bookie holding the entry otherwise, and the
//     object store's first-byte latency plus bandwidth for offloaded
//     ledgers. Exclusive: one consumer. Failover: one active consumer per
//     partition (partition index modulo the live consumers); a new active
//     one starts failover_delay after the change and the dispatcher
//     rewinds. Shared: round-robin in runs of up to 20 messages.
//     Key_Shared: hash ranges split in half for each joining consumer
//     (auto split) and merged back when it leaves; a consumer that joins
//     while messages are out gets none of its keys at or after the read
//     position of its joining until the mark-delete position passes it —
//     they are held, and once key_shared_lookahead per consumer are held
//     the dispatcher stops reading new messages (the stall).
//   - Consumers (subscription.go): a receiver queue of receiver_queue
//     permits per partition, given back in halves; the broker stops at
//     max_unacked_per_consumer and max_unacked_per_subscription. Acks are
//     grouped (ack_group_time, or 1,000), individual or cumulative. A
//     failed message (the group's failures) is nacked and redelivered
//     after negative_ack_delay, or ignored (on_failure: ignore: it stays
//     unacknowledged); ack_timeout redelivers what stays unacknowledged;
//     past max_redeliver_count the client sends it to the dead-letter
//     topic and acknowledges it.
//   - Backlog quotas (topic.go), checked every backlog_quota_check
//     against the slowest subscription's backlog (bytes, or the age of its
//     oldest unacknowledged message): producer_request_hold holds sends at
//     the broker (released while under the quota; the client's send
//     timeout gives up on them), producer_exception fails them,
//     consumer_backlog_eviction moves the slowest cursors past their
//     oldest messages (dropped by policy, counted apart from lost).
//   - Publish-rate quotas (topics[].publish_rate, a namespace's policy
//     given to each topic): a token bucket per partition; a batch past it
//     waits before the managed ledger takes it (the broker stops reading
//     the connection), unless the producer gave it up meanwhile.
//   - Retention and tiered storage: closed ledgers every subscription
//     acknowledged are deleted unless retention_time, retention_size or
//     retention_infinite keeps them; with offload_threshold, closed
//     ledgers beyond it are uploaded to the object store (its latency and
//     bandwidth) and their bookie copies deleted offload_deletion_lag
//     later; reads of them go to the store.
//   - Geo-replication (geo.go): with pulsar.regions, one cluster per
//     region on the one network, a WAN delay between brokers of different
//     regions and a WAN rate server per direction; a replicator per
//     partition and remote region forwards the messages published in its
//     region (not those replicated in), one request of up to 500 in
//     flight, resent after 5 s without an answer. region_outages take a
//     region's machines down.
//   - Faults: broker-crash (process, or machine with lose_page_cache;
//     with a duration it comes back with no bundles), consumer-crash, and
//     pulsar.bookie_crashes (a machine crash loses what the journal had
//     not fsynced; a bookie without a duration is gone for good, and
//     messages only it held can no longer be read: lost).
//
// Simplifications: the metadata store is not simulated (its writes cost a
// fixed 2 ms and its session expiry is a timer); recovery's reads and
// copies take no simulated time; the bookies' auto-recovery (re-replicating
// under-replicated fragments) is not modelled; the broker cache is a time
// window, not a byte budget; Key_Shared messages are dispatched one by one
// (key-based batching), not as whole batches.
//
// # Files
//
//	system.go       registration, Run, the world, building brokers, bookies and partitions
//	bookie.go       a bookie: journal with group commit, ledger storage, fencing, crashes
//	ledger.go       a ledger as its writer sees it: quorums, ensemble changes, recovery
//	topic.go        brokers and managed ledgers: rollover, ownership, recovery, quotas, retention, offload
//	producer.go     producers: routing, batching, connections, receipts, send timeouts
//	cursor.go       cursors: mark-delete position, ack holes, persistence, redelivery
//	dispatch.go     reading and dispatching by subscription type, Key_Shared's ranges and joining rule
//	subscription.go subscriptions and consumers: permits, processing, acks, nacks, ack timeout, dead letters
//	geo.go          regions joined by WAN links, replicators, region outages
//	faults.go       broker, consumer and bookie crashes; bundle reassignment; the brokers' periodic work
//	session.go      a broker cut off from the metadata store or its clients; zombies and fencing
//	results.go      model.Results from the run
package pulsar
