// Package net is the simulated network between nodes. Every node — a
// broker, a client, a controller — is added with AddNode; a message
// travels on a Link (one direction of a connection from one node to
// another, first in first out) and arrives after the network's one-way
// latency with uniform jitter; the bytes' transfer time is paid by the
// sending and receiving machines' NICs (package node), not here.
//
// Faults are state the network holds and Send applies once, for every
// kind of message of every system: a node's process or machine can be
// down (CrashProcess, CrashMachine, Restart; Up and Incarnation let the
// system's own steps ask too); a direction between two nodes can be cut
// (Cut, Heal; Isolate and Rejoin for every direction of one node), drop a
// share of messages (SetDrop), add delay (SetDelay) or run slow (SetSlow).
// A message to a dead process on a live machine is refused, and the
// sender's Link.Undelivered hears so a round trip later; a message to a
// dead machine, over a cut or lost to a drop vanishes (Undelivered is
// told at once, for the sender's bookkeeping only: the sender itself must
// time out); a message whose destination crashed or restarted while it
// travelled is lost with the connection.
//
// Files:
//
//	net.go  Network, NodeID, Link, Send and the fault state
package net
