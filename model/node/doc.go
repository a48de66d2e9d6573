// Package node is a simulated machine: the resources every node of every
// system runs on — NIC in and out, disk write and read, request-handler
// CPU threads and a page cache — as sim.RateServers, so saturation shows
// as queueing delay. A system's node (a Kafka broker, later a client host
// or another system's server) embeds a Machine and submits work to its
// servers; faults change their rates (slow disk, slow NIC, slow CPU).
//
// Costs today: a request costs CPUPerRequest plus CPUPerByte per byte of
// records on one CPU thread; bytes cost their size on the NIC servers.
// Writes go to the page cache (PageCache), not to the disk: write-back
// puts them on the disk server later, as Linux does — past
// dirty_background_ratio of the cache, or once dirty_expire old at the
// flusher's next wake-up — and past dirty_ratio a writer waits (Room) until
// write-back makes room, so a disk slower than the writes pushes back on
// them. Fsync writes one file's dirty bytes and waits the disk's fsync
// latency; writers of one file share a pending fsync (group commit), and
// fsyncs of different files run one at a time. LoseDirty is a power loss.
// Reads of data older than the page cache's size cost disk reads (the
// estimate is the system's, as only it knows what a read touches).
//
// Files:
//
//	node.go       Spec, Machine, New, CPUCost, Resources
//	pagecache.go  PageCache: Write, Room, Fsync, Truncated, LoseDirty
package node
