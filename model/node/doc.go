// Package node is a simulated machine: the resources every node of every
// system runs on — NIC in and out, disk write and read, request-handler
// CPU threads and a page cache — as sim.RateServers, so saturation shows
// as queueing delay. A system's node (a Kafka broker, later a client host
// or another system's server) embeds a Machine and submits work to its
// servers; faults change their rates (slow disk, slow NIC, slow CPU).
//
// Costs today: a request costs CPUPerRequest plus CPUPerByte per byte of
// records on one CPU thread; bytes cost their size on the NIC and disk
// servers. Reads of data older than the page cache's size cost disk reads
// (the estimate is the system's, as only it knows what a read touches).
//
// Files:
//
//	node.go  Spec, Machine, New, CPUCost, Resources
package node
