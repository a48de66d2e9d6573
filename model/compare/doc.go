// Package compare runs one workload on every registered system and
// measures the seed's system comparison table: throughput at the
// workload's peak, p99 latency, ordering, retention, replay, delivery
// under faults and the operations footprint, each cell measured (or "not
// applicable", with why), and a cell that contradicts the seed's table
// marked with the reason.
//
// The workload is a capacity workload (mqsim capacity's YAML): Compare
// sizes it with the capacity plan (partitions, brokers, consumers per
// group), builds one scenario per system from the same peak rate, message
// size, keys and consumer service time, and plays four trials on each:
//
//   - steady: the peak rate, no fault;
//   - consumer-crash: the first group's first consumer dies a quarter of
//     the way in and comes back at the half;
//   - node-failure: broker 0 (a Kafka broker, a RabbitMQ node, a Pulsar
//     broker) crashes at a quarter and restarts at the half; not
//     applicable to managed services, which expose no node;
//   - replay: a second group that starts after the producers stop and
//     reads the history from the earliest offset (log systems); queues
//     delete what was consumed, so no history is left to replay.
//
// Systems are discovered through model.Systems(): one that is not linked
// in is listed as skipped. Runs are independent and deterministic, and run
// in parallel (Options.Parallel); the table is the same whatever the
// parallelism.
package compare
