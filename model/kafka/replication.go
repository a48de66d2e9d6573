package kafka

import (
	"bytes"
	"fmt"

	"mqsim/model/commitlog"
)

// sameLogs compares two replicas' logs batch by batch from offset from
// (the batch holding it) to end: the same batch boundaries, leader epochs
// and bytes (CRCs cover the records). It returns the first offset where
// they differ, or -1; an error says which log failed to read (bad is a or
// b).
func sameLogs(a, b *commitlog.Log, from, end int64) (at int64, bad *commitlog.Log, err error) {
	var da, db []byte
	offA, offB := a.ReadableFrom(), b.ReadableFrom()
	off := max(offA, offB, from)
	for off < end {
		if len(da) == 0 {
			r, err := a.Read(off, commitlog.ReadOptions{MaxBytes: 4 << 20, Upto: commitlog.UptoLogEnd})
			if err != nil {
				return off, a, err
			}
			da = r.Data
		}
		if len(db) == 0 {
			r, err := b.Read(off, commitlog.ReadOptions{MaxBytes: 4 << 20, Upto: commitlog.UptoLogEnd})
			if err != nil {
				return off, b, err
			}
			db = r.Data
		}
		if len(da) == 0 || len(db) == 0 {
			return off, nil, nil
		}
		ba, ra, err := commitlog.ParseBatch(da)
		if err != nil {
			return off, a, err
		}
		bb, rb, err := commitlog.ParseBatch(db)
		if err != nil {
			return off, b, err
		}
		if ba.LastOffset() >= end && bb.LastOffset() >= end {
			return -1, nil, nil
		}
		if ba.BaseOffset() != bb.BaseOffset() || ba.LastOffset() != bb.LastOffset() ||
			ba.LeaderEpoch() != bb.LeaderEpoch() || !bytes.Equal(ba, bb) {
			return max(off, min(ba.BaseOffset(), bb.BaseOffset())), nil, nil
		}
		da, db = ra, rb
		off = ba.NextOffset()
	}
	return -1, nil, nil
}

// matchBeforeRelease compares, before a run that spills releases
// partition p's records below upto, every replica's bytes from p.matched
// to upto with the leader's, while they are still in memory. When every
// replica is live, in the ISR and the same there, they agree below upto
// (p.matched): the check of invariant 3 at the end (diverged) starts
// there instead of reading the whole history back from the spill files.
// A truncation below p.matched lowers it (controller.truncate), so what a
// replica appends again is compared again; anything else is left to the
// end, which finds it as before.
func (p *partition) matchBeforeRelease(upto int64) {
	if p.matched >= upto {
		return
	}
	for _, r := range p.replicas {
		if !r.inISR || !p.w.ctl.up(r.b.id) || r.log.LogEndOffset() < upto {
			return
		}
	}
	for _, r := range p.replicas {
		if r == p.leader {
			continue
		}
		if at, _, err := sameLogs(p.leader.log, r.log, p.matched, upto); err != nil || at >= 0 {
			return
		}
	}
	p.matched = upto
}

// convergence checks invariant 3 for one partition: every live in-sync
// replica matches the leader below the shorter of their log ends.
func (p *partition) diverged() (bool, error) {
	lead := p.leader
	for _, r := range p.replicas {
		if r == lead || !r.inISR || !p.w.ctl.up(r.b.id) {
			continue
		}
		end := min(r.log.LogEndOffset(), lead.log.LogEndOffset())
		at, bad, err := sameLogs(lead.log, r.log, p.matched, end)
		if err != nil {
			// A batch that rotted on disk is a storage error, listed as
			// such: the two replicas cannot be compared past it.
			owner := lead
			if bad == r.log {
				owner = r
			}
			if p.w.storageErrorAfterRun(owner.b, p, at, err) {
				continue
			}
			return false, fmt.Errorf("compare %s-%d on brokers %d and %d: %w", p.t.spec.Name, p.idx, lead.b.id, r.b.id, err)
		}
		if at >= 0 {
			return true, nil
		}
	}
	return false, nil
}
