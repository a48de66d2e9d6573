// Package net is the simulated network between nodes. A message travels on
// a Link (one direction of a connection, first in first out) and arrives
// after the network's one-way latency with uniform jitter; the bytes'
// transfer time is paid by the sending and receiving machines' NICs
// (package node), not here.
//
// Today the Kafka model sends its data-path requests and responses
// (produce, replica fetch, consumer fetch, offset commit) through Send;
// group-protocol and metadata messages still take Latency directly, and
// faults are applied by the system before it sends. The network is where
// per-link latency and bandwidth and the fault state (partitions, drops,
// delay) are to live, so that every message of every system meets them
// once.
//
// Files:
//
//	net.go  Network, Link, Send
package net
