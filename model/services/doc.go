// Package services simulates a graph of services calling each other, the
// world the seed's story starts from ("one slow service blocked 14
// others"). It registers itself as "services", so model.Run plays a
// scenario with `system: services` here (linked in by mqsim/model/systems).
//
// # What is modelled
//
// A service has identical instances, each a process on its own node of
// the shared network (model/net: latency, jitter, crashes) with a bounded
// pool of worker threads (a bulkhead) and a bounded accept queue. A
// request arriving at an instance takes a free thread, else waits in the
// accept queue, else is rejected at once. A thread does the service's own
// work (its service-time distribution, times a slow fault's factor), then
// makes the service's calls in order, and answers.
//
// A synchronous call holds the thread while it waits: each attempt goes
// to the callee's next instance (round robin) with a timeout; a failed
// attempt (an error answer, a rejection, a refused connection or the
// timeout) is retried up to `retries` times after exponential backoff with
// jitter, if the caller instance's retry budget (a token bucket: budget.go)
// has a token; a circuit breaker per caller instance (breaker.go: rolling
// window, threshold, sleep window, half-open probes) fails calls at once
// while open. A call that fails fails the request unless it has a
// fallback. An answer after the timeout is discarded, but the callee did
// the work: abandoned work is what keeps a retry storm going.
//
// An asynchronous call is a real broker in front of the callee, of the
// system the call's via names, reached through model/channel (this
// package names no system: model/systems links them in): an SQS queue
// (model/sqs's Queue, its API latency half each way), a RabbitMQ quorum
// queue, a Pulsar topic with a shared subscription or a Kafka topic read
// by a consumer group, each built by its own package on this run's kernel
// and network. The caller's thread publishes and goes on once the broker
// has the message (a refusal fails the call). The callee's instances take
// messages whenever a thread is free and nothing synchronous is waiting;
// a message handled successfully is settled, a failed one comes back.
// The edge sees only the publish; the time to the asynchronous work done
// is its own result.
//
// Requests enter at the client: open loop (a rate and arrival process
// drawn by model/load, the same draws as any producer's) or closed loop
// (users who wait for their answer, or the client timeout, and think).
//
// Faults (services.faults): slow (service time ×k), errors (a share of
// requests fail after their own work), down (the processes stop: new
// connections are refused), crash (the machines stop: messages vanish,
// callers time out) and partition (model/net cuts the service's instances
// off from every other node). Work in flight on a stopped instance is
// lost; what it held from its queue comes back. The scenario's top-level
// faults reach a service's instances too (buildNetFaults): a
// network-partition or network-degrade between them and another
// service's instances, the client or every other node, and a
// broker-crash of their processes (machines with lose_page_cache).
//
// # Files
//
//	run.go      the world: building a run, the network, the client, faults, the run loop
//	service.go  services, instances, threads and accept queues, synchronous calls
//	async.go    the channel in front of a service reached asynchronously, and its consumers
//	breaker.go  Breaker: a circuit breaker with a rolling window
//	budget.go   Budget: a retry budget as a token bucket
//	results.go  time series and model.Results
package services
