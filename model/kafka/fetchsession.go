package kafka

import (
	"cmp"
	"slices"

	"mqsim/sim"
)

// Incremental replica fetching. A replica fetcher follows every partition
// its follower broker holds of one leader broker, which can be thousands;
// most of them, most of the time, have nothing new. As Kafka's incremental
// fetch sessions (KIP-227) leave unchanged partitions out, a fetcher here
// visits only its dirty replicas: those whose leader appended, whose high
// watermark moved, whose ISR membership changed, or that have not yet caught
// up. A clean replica is one a visit would not change: caught up (its log
// ends where the leader's does, and the leader knows it), in the ISR, and
// knowing the leader's high watermark. For it, every fetch would only set
// its caught-up and last-fetch times to the fetch time, so those are kept
// once, on the fetcher (fetchedAt), and written back when it becomes dirty.
// The cost of a fetch is then proportional to the partitions with news, and
// the results are the same as visiting every partition: replicas are
// visited in the same (index) order, and a clean replica's visit is a no-op.
//
// The request still costs its full size on the wire (64 + 32 bytes per
// partition), as the simulated protocol sends every partition.
//
// A scenario with faults keeps visiting every partition: the controller
// then rewires fetchers and ISRs outside these paths.

// incrementalFetching reports whether the run's replica fetchers may skip
// clean replicas.
// (Logs in memory: files can fail, and a storage error brings the
// controller in mid-run.)
func (w *world) incrementalFetching() bool { return len(w.sc.Faults) == 0 && w.opts.DataDir == "" }

// initFetch prepares f after its partitions are set.
func (f *replicaFetcher) initFetch(incremental bool) {
	f.incremental = incremental
	f.dirty = f.dirty[:0]
	for i, r := range f.parts {
		r.fidx = int32(i)
		r.clean = false
		if incremental {
			f.dirty = append(f.dirty, int32(i))
		}
	}
}

// visit returns the indexes of the replicas a fetch visits, in order.
func (f *replicaFetcher) visit() []int32 {
	if f.incremental {
		slices.Sort(f.dirty)
		return f.dirty
	}
	for len(f.all) < len(f.parts) {
		f.all = append(f.all, int32(len(f.all)))
	}
	return f.all[:len(f.parts)]
}

// touch makes r dirty: its fetcher visits it from the next step on.
func (r *replica) touch() {
	f := r.fetcher
	if !r.clean || f == nil {
		return
	}
	r.clean = false
	r.lastCaughtUp, r.lastFetch = f.fetchedAt, f.fetchedAt
	// The offset a request in flight carries for it: its log end, which
	// has not moved while it was clean.
	f.offsets[r.fidx] = r.log.LogEndOffset()
	f.dirty = append(f.dirty, r.fidx)
}

// caughtUpAt is the last time the follower had everything the leader had.
func (r *replica) caughtUpAt() sim.Time {
	if r.clean {
		return r.fetcher.fetchedAt
	}
	return r.lastCaughtUp
}

// settle ends a fetch round: the replicas it left clean drop out of the
// dirty list.
func (f *replicaFetcher) settle() {
	if !f.incremental {
		return
	}
	keep := f.dirty[:0]
	for _, i := range f.dirty {
		r := f.parts[i]
		p := r.p
		end := p.records
		if r != p.leader && r.inISR && f.data[i] == nil && r.leo == end && r.leaderLEOAtLastFech == end &&
			r.log.LogEndOffset() == end && r.hw == p.hw && f.leaderHW[i] == p.hw &&
			r.lastCaughtUp == f.fetchedAt && r.lastFetch == f.fetchedAt {
			r.clean = true
			continue
		}
		keep = append(keep, i)
	}
	f.dirty = keep
}

// Incremental consumer fetch sessions. A member's session with a broker
// holds every partition the member reads there; a fetch visits only its
// candidates, the partitions that may have records to return: every
// partition when the session starts, and then those whose high watermark
// moved since, whose position is below the high watermark or the log
// start, or that returned data. A partition left out would be read at its
// position and return nothing, so the response is the same.
//
// A session parked in long-poll is woken when the high watermark of one of
// its partitions moves. Sessions park in order, and a partition wakes the
// sessions that parked since its last wake-up in that order; here each
// session registers once with its partitions (readers) and keeps the
// sequence numbers of its park calls, from which a partition finds the
// same sessions in the same order. Parking costs one entry, not one per
// partition.
//
// As for replica fetchers, runs with faults or a data directory keep the
// full visit; so do runs with failure policies (retries seek partitions
// back). An incremental session also skips the controller's readability
// check: without faults no leader is offline, and without a resumed data
// directory no position is past a log's end.

type sessionRef struct {
	s *fetchSession
	i int32 // index in s.parts
}

type wakeRef struct {
	seq uint64
	s   *fetchSession
	gen uint32
}

// incrementalSessions decides, once the groups are built, whether the run's
// consumer fetch sessions visit only their candidates.
func (w *world) incrementalSessions() bool {
	if !w.incrementalFetching() {
		return false
	}
	for _, g := range w.groups {
		if g.fh != nil {
			return false
		}
	}
	return true
}

// initCandidates registers a new session with its partitions.
func (s *fetchSession) initCandidates() {
	s.incremental = s.w.incSessions
	if !s.incremental {
		return
	}
	s.isCand = make([]bool, len(s.parts))
	s.cand = s.cand[:0]
	for i, pi := range s.parts {
		s.isCand[i] = true
		s.cand = append(s.cand, int32(i))
		p := s.m.g.t.parts[pi]
		p.readers = append(p.readers, sessionRef{s, int32(i)})
	}
}

// unregister removes a killed session from its partitions' readers.
func (s *fetchSession) unregister() {
	if !s.incremental {
		return
	}
	for _, pi := range s.parts {
		p := s.m.g.t.parts[pi]
		for k, rd := range p.readers {
			if rd.s == s {
				p.readers = append(p.readers[:k], p.readers[k+1:]...)
				break
			}
		}
	}
}

func (s *fetchSession) addCand(i int32) {
	if !s.isCand[i] {
		s.isCand[i] = true
		s.cand = append(s.cand, i)
	}
}

// visit returns the indexes of the partitions a read visits, in order.
func (s *fetchSession) visit() []int32 {
	if s.incremental {
		slices.Sort(s.cand)
		return s.cand
	}
	for len(s.all) < len(s.parts) {
		s.all = append(s.all, int32(len(s.all)))
	}
	return s.all[:len(s.parts)]
}

// noteParked records a park call (read.go's park) of an incremental session.
func (s *fetchSession) noteParked(first bool) {
	if first {
		s.parkCalls = s.parkCalls[:0]
	}
	s.w.parkSeq++
	s.parkCalls = append(s.parkCalls, s.w.parkSeq)
}

// pruneCandidates drops, after a response was taken in, the partitions
// whose position reached the high watermark: nothing to read there until
// it moves.
func (s *fetchSession) pruneCandidates() {
	if !s.incremental {
		return
	}
	m := s.m
	keep := s.cand[:0]
	for _, i := range s.cand {
		pi := s.parts[i]
		p := m.g.t.parts[pi]
		if pos := m.fetchPos[pi]; pos >= p.hw && pos >= p.leader.log.LogStartOffset() {
			s.isCand[i] = false
			continue
		}
		keep = append(keep, i)
	}
	s.cand = keep
}

// wakeReaders is the high watermark of p moving: its readers have a new
// candidate, and the sessions parked since p last woke any are woken, in
// the order they parked.
func (p *partition) wakeReaders() {
	w := p.w
	since := p.swapSeq
	p.swapSeq = w.parkSeq
	refs := w.wakeBuf[:0]
	w.wakeBuf = nil // a wake-up may come back here: it gets its own buffer
	for _, rd := range p.readers {
		s := rd.s
		s.addCand(rd.i)
		if !s.parked {
			continue
		}
		for _, q := range s.parkCalls {
			if q > since {
				refs = append(refs, wakeRef{q, s, s.gen})
				break
			}
		}
	}
	slices.SortFunc(refs, func(a, b wakeRef) int { return cmp.Compare(a.seq, b.seq) })
	if w.holdWakes {
		// A produce request is appending: the reads wait for its end
		// (releaseWakes).
		w.heldReads = append(w.heldReads, refs...)
		w.wakeBuf = refs[:0]
		return
	}
	for _, r := range refs {
		r.s.wake(r.gen)
	}
	w.wakeBuf = refs[:0]
}
