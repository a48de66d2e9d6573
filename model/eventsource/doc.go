// Package eventsource plays a scenario's event_sourcing section on the real
// partition logs a Kafka run wrote: the event log is the source of truth,
// and everything here reads it through the log engine (model/commitlog).
//
//   - Events: the event-sourced service is the scenario's keyed producer;
//     each record is an event on the entity its key names. Payloads are
//     simulated (sized records carrying a message id), so an event's
//     amount is a fixed function of its id (Amount): folding the events
//     of a key gives that entity's balance, the same fold everywhere.
//   - Projections: the live read models are the run's consumer groups,
//     whose processing time is the apply time; their staleness (event
//     written → visible in the view) is the group's end-to-end time.
//   - Replays: a rebuild of a view from offset 0 or from the latest
//     snapshot, up to the log end or to the offset of a time (the log's
//     time index, Log.OffsetForTime), simulated on the kernel: each
//     consumer of the group fetches its partitions (Log.Read, whole
//     batches up to max_partition_fetch_bytes, one fetch in flight, sent
//     again once the fetched records are all handed to poll, as Kafka's
//     consumer prefetches), each fetch costing a round trip and its bytes
//     at the broker's disk read rate (a replay reads old data: not in the
//     page cache), and applies max_poll_records at a time with the
//     group's apply-time distribution. The rebuild time is measured, and
//     set beside events ÷ min(fetch rate, apply rate).
//   - Snapshots every N events: a snapshot's cost is the view's size over
//     the snapshot bandwidth, its storage the view's size; a replay from a
//     snapshot loads it and replays the tail. The live projection writes
//     them on its own thread (live.go): the events behind a snapshot wait,
//     so its overhead is the snapshot's cost ÷ (N ÷ event rate) and its
//     staleness rises with it — the other side of the interval's
//     trade-off.
//   - Changelog: the projection's state store writes each update to a
//     changelog (its own log per partition, on the log engine) that the
//     log cleaner compacts (Log.Compact) every cleaner interval once its
//     dirty ratio reaches min.cleanable.dirty.ratio. When the task moves,
//     restore reads the changelog from its log start: compacted, never
//     compacted (a twin log with the same appends) or, for a standby
//     replica, only what it trails by.
//
// Everything is deterministic: same logs and seed, same results.
package eventsource
