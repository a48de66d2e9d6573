package kafka

import "mqsim/sim"

// Kafka's log flush settings: with log.flush.interval.messages (cluster.
// flush_messages) an append that leaves that many messages unflushed
// fsyncs the log before the request goes on — a leader's produce response
// waits for it, and a follower's next fetch does (its fetcher thread
// appends). With log.flush.interval.ms (cluster.flush_interval) the logs
// with unflushed messages are fsynced that often in the background,
// waited on by nobody (Kafka's log flusher, as if its scheduler interval
// were no longer than this). An fsync is the page cache's (node.PageCache
// .Fsync): the file's dirty bytes at the disk's bandwidth, then the disk
// profile's fsync latency; writers of one log share a pending fsync (group
// commit), and the fsyncs of different logs on one disk go one at a time.

// needsFlush reports whether an append to r leaves flush_messages or more
// messages unflushed; if so the flush is counted as asked for.
func (w *world) needsFlush(r *replica) bool {
	n := int64(w.sc.Cluster.FlushMessages)
	if n <= 0 {
		return false
	}
	leo := r.log.LogEndOffset()
	if leo-r.flushReq < n {
		return false
	}
	r.flushReq = leo
	return true
}

// prFlush fsyncs the leader's log for a produce request that appended to
// it; the request's response waits for it as for the high watermark.
func (w *world) prFlush(r *produceReq, part *partition) {
	if !w.needsFlush(part.leader) {
		return
	}
	r.pending++
	part.leader.b.Cache.Fsync(part.leader.owner, uint64(r.id), w.fPrFsynced)
}

// prFsynced: one of a produce request's fsyncs is done.
func (w *world) prFsynced(id uint64) {
	r := w.preqs[id]
	r.pending--
	if r.pending > 0 || !r.handled {
		return
	}
	if w.faulty && !w.ctl.prBrokerOK(r) {
		return
	}
	w.prRespond(r)
}

// rfFlush fsyncs the follower logs a fetch response appended to; it
// reports whether the fetcher must wait for them before its next fetch.
func (w *world) rfFlush(f *replicaFetcher) bool {
	if w.sc.Cluster.FlushMessages <= 0 {
		return false
	}
	for _, r := range f.parts {
		if w.needsFlush(r) {
			f.fsyncs++
			f.dst.Cache.Fsync(r.owner, uint64(f.id), w.fRFFsynced)
		}
	}
	return f.fsyncs > 0
}

// rfFsynced: one of a follower's fsyncs is done; after the last one its
// fetcher sends the next fetch.
func (w *world) rfFsynced(id uint64) {
	f := w.fetchers[id]
	if f.fsyncs--; f.fsyncs > 0 {
		return
	}
	if w.faulty && !w.ctl.fetchOK(f) {
		return
	}
	f.inRequest = false
	f.send()
}

// startFlusher runs the background flush every flush_interval on each
// broker.
func (w *world) startFlusher() {
	iv := sim.Time(w.sc.Cluster.FlushInterval)
	if iv <= 0 {
		return
	}
	for _, b := range w.brokers {
		w.s.AfterCall(iv, w.flushTick, uint64(b.id))
	}
}

func (w *world) flushTick(id uint64) {
	b := w.brokers[id]
	for _, r := range b.owned {
		if leo := r.log.LogEndOffset(); leo > r.flushReq {
			r.flushReq = leo
			b.Cache.Fsync(r.owner, 0, w.fNop)
		}
	}
	w.s.AfterCall(sim.Time(w.sc.Cluster.FlushInterval), w.flushTick, id)
}
