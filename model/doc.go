// Package model is mqsim's system-neutral world: which simulated system
// runs a scenario, the options of a run, and the Results every system
// reports — the delivery checker's ledger, latencies, lag, replication
// health, machine utilisation and time series — with their metrics by name
// for `expect` assertions.
//
// # Using it
//
// Resolve a scenario (scenarios.LoadScenario, or a Scenario value with
// Defaults called and Cluster.Hardware filled), link the systems in, then
// run it:
//
//	import _ "mqsim/model/systems"
//
//	res, err := model.Run(sc, model.Options{DataDir: "", Progress: nil})
//
// Run hands the scenario to its system, registered by kind (Register);
// today every scenario runs on "kafka" (model/kafka). A program that
// links no system in gets an error naming the missing system, never empty
// Results. The same scenario and seed give identical Results.
//
// # Packages
//
// The substrate every system is built on: sim (the kernel), model/net
// (links with latency and jitter), model/node (a machine's NIC, disk, CPU
// and page cache), model/check (the delivery checker), model/commitlog
// (the log engine); none of them imports this package. The systems:
// model/kafka, each registering itself here from an init function and
// filling Results from its own state; model/systems links them all in.
// model/sweep runs grids of scenarios through Run. See
// docs/architecture.md for the map.
//
// # Files
//
//	doc.go                 this overview
//	system.go              Options, the system registry, Run
//	results.go             Results and its metrics by name; storage failures and fault markers
//	results_consumer.go    the consumer-side metrics (rebalances, retries, backpressure, downstreams)
//	results_replication.go Replication: elections, availability, convergence, invariants
//	results_cdf.go         latency summaries and CDF points from a kernel histogram
package model
