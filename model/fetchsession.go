package model

import (
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
func (w *world) incrementalFetching() bool { return len(w.sc.Faults) == 0 }

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
