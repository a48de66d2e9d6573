package pulsar

import (
	"slices"

	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/sim"
)

// BookKeeper auto-recovery (pulsar.auto_recovery). The auditor watches the
// bookies' sessions in the metadata store: once a dead bookie's session
// expired (session_timeout) and it stayed down lost_bookie_recovery_delay
// more (0 by default: at once), it marks every ledger fragment that had
// the bookie in its ensemble under-replicated. A replication worker runs
// beside each live bookie; each takes one fragment at a time, picks a live
// bookie outside the fragment's ensemble (and not already the target of
// another copy of the same fragment, when two of its bookies were lost),
// and copies every entry of the fragment that the lost bookie held — read
// from a bookie that still has it (a disk read), sent over both NICs and
// journaled by the target (a real add, fsynced) —
// rereplication_entry_batch_size (10) at a time. With
// the fragment copied, the ledger's metadata names the target in place of
// the lost bookie. A bookie back before the audit has nothing marked; one
// back during it makes the rest of its fragments whole again (the worker
// checks before it copies). Recovery time is then about the bytes to copy
// over the slowest of the sources' disks and NICs and the targets' NICs
// and journals. The last fragment of a ledger still open is left to its
// writer (its ensemble change), as BookKeeper does for a live writer; the
// cursors' own ledgers are not audited.

// rereplicationBatch is how many entries a worker copies at once
// (rereplicationEntryBatchSize).
const rereplicationBatch = 10

// urTask is one under-replicated fragment.
type urTask struct {
	l       *ledger
	first   int64 // the fragment's first entry (identifies it)
	lost    *bookie
	entries []int64 // the entries the lost bookie held
	target  *bookie // the bookie it is being copied to, while it is
}

// recovery is the auto-recovery state of the cluster.
type recovery struct {
	tasks   []*urTask
	busy    map[int]bool // worker (bookie id) → copying
	under   int64        // entries under-replicated now
	since   sim.Time     // when the bookie behind the current episode was lost
	episode bool
	// toTarget is the bytes copied to each bookie (by id); firstCopy and
	// lastCopy when the first copy of the run left and the last landed.
	toTarget            map[int]int64
	firstCopy, lastCopy sim.Time
	// waiting are fragments put aside for a second (no target yet, or an
	// open ledger's last fragment); retryArm: the timer is set.
	waiting  []*urTask
	retryArm bool
	// copying are the fragments being copied now: two lost bookies of one
	// fragment must not be copied to the same target.
	copying []*urTask
}

// taken reports whether another copy of l's fragment from first is going
// to bookie c.
func (rc *recovery) taken(l *ledger, first int64, c *bookie) bool {
	return slices.ContainsFunc(rc.copying, func(o *urTask) bool { return o.l == l && o.first == first && o.target == c })
}

// stopCopying forgets t's copy in progress.
func (rc *recovery) stopCopying(t *urTask) {
	rc.copying = slices.DeleteFunc(rc.copying, func(o *urTask) bool { return o == t })
	t.target = nil
}

// bookieDown starts the auditor's clock for a bookie that died.
func (w *world) bookieDown(bk *bookie) {
	if w.pc.AutoRecovery != "enabled" {
		return
	}
	epoch := bk.epoch
	lostAt := w.s.Now()
	w.s.After(sim.Time(w.pc.SessionTimeout)+sim.Time(w.pc.LostBookieRecoveryDelay), func() {
		if !bk.up && bk.epoch == epoch {
			w.audit(bk, lostAt)
		}
	})
}

// audit marks every fragment the lost bookie was in under-replicated.
func (w *world) audit(lost *bookie, lostAt sim.Time) {
	rc := &w.rec
	for _, p := range lost.reg.parts {
		for _, l := range p.ledgers {
			if !l.onBookies || l.deletedAll() {
				continue
			}
			for fi, f := range l.frags {
				if !slices.Contains(f.ens, lost) {
					continue
				}
				t := &urTask{l: l, first: f.first, lost: lost}
				t.entries = l.heldBy(fi, lost)
				if len(t.entries) == 0 && (fi < len(l.frags)-1 || l.closed) {
					continue
				}
				if !rc.episode {
					rc.episode, rc.since = true, lostAt
				}
				rc.tasks = append(rc.tasks, t)
				rc.under += int64(len(t.entries))
				w.res.MaxUnderReplicatedEntries = max(w.res.MaxUnderReplicatedEntries, rc.under)
			}
		}
	}
	w.replicate()
}

// heldBy lists the entries of fragment fi whose write set has bk.
func (l *ledger) heldBy(fi int, bk *bookie) []int64 {
	var out []int64
	for e := l.frags[fi].first; e <= l.fragmentEnd(fi); e++ {
		if slices.Contains(l.writeSet(e), bk) {
			out = append(out, e)
		}
	}
	return out
}

// fragmentEnd is the last entry of fragment fi: the entry before the next
// fragment, or the ledger's last (its last confirmed while open).
func (l *ledger) fragmentEnd(fi int) int64 {
	if fi+1 < len(l.frags) {
		return l.frags[fi+1].first - 1
	}
	if l.closed {
		return l.last
	}
	return l.lac
}

// replicate gives each idle worker of a live bookie a fragment.
func (w *world) replicate() {
	rc := &w.rec
	if rc.busy == nil {
		rc.busy = map[int]bool{}
	}
	for _, wk := range w.bookies {
		if len(rc.tasks) == 0 {
			break
		}
		if !wk.up || rc.busy[wk.id] {
			continue
		}
		t := rc.tasks[0]
		rc.tasks = rc.tasks[1:]
		rc.busy[wk.id] = true
		w.copyFragment(wk, t)
	}
	rc.check(w)
}

// active: a worker is copying, or a marked fragment has somewhere to go
// (the run's drain waits for it).
func (rc *recovery) active() bool {
	if len(rc.busy) > 0 {
		return true
	}
	for _, t := range slices.Concat(rc.tasks, rc.waiting) {
		if t.lost.up || !t.l.onBookies {
			return true
		}
		for _, bk := range t.lost.reg.bookies {
			if bk.up && !slices.ContainsFunc(t.l.frags, func(f fragment) bool { return f.first == t.first && slices.Contains(f.ens, bk) }) {
				return true
			}
		}
	}
	return false
}

// check closes an episode once nothing is under-replicated.
func (rc *recovery) check(w *world) {
	if rc.episode && rc.under == 0 && len(rc.tasks) == 0 && len(rc.waiting) == 0 && len(rc.busy) == 0 {
		rc.episode = false
		w.res.AutoRecoverySeconds = max(w.res.AutoRecoverySeconds, (w.s.Now() - rc.since).Seconds())
	}
}

// later puts a fragment that cannot be copied yet aside for a second:
// the worker is free, and one timer brings the put-aside back.
func (w *world) later(wk *bookie, t *urTask) {
	rc := &w.rec
	rc.waiting = append(rc.waiting, t)
	delete(rc.busy, wk.id)
	if !rc.retryArm {
		rc.retryArm = true
		w.s.After(sim.Second, func() {
			rc.retryArm = false
			rc.tasks = append(rc.tasks, rc.waiting...)
			rc.waiting = nil
			w.replicate()
		})
	}
}

// done frees a worker and takes the next fragment.
func (w *world) workerDone(wk *bookie) {
	delete(w.rec.busy, wk.id)
	w.replicate()
}

// copyFragment copies a fragment's entries the lost bookie held to a live
// bookie outside its ensemble, then names it in the ledger's metadata.
func (w *world) copyFragment(wk *bookie, t *urTask) {
	rc := &w.rec
	l := t.l
	fi := slices.IndexFunc(l.frags, func(f fragment) bool { return f.first == t.first })
	if fi < 0 || !slices.Contains(l.frags[fi].ens, t.lost) || t.lost.up || !l.onBookies || l.deletedAll() {
		// Whole again (the bookie came back, or the ledger went).
		rc.under -= int64(len(t.entries))
		w.workerDone(wk)
		return
	}
	if fi == len(l.frags)-1 && !l.closed {
		// The open ledger's last fragment: its writer still adds to it.
		// An idle writer learns of the loss at its next add and changes
		// its ensemble; the model lets it now. A busy one does so at its
		// add timeout: look again in a second.
		if !l.usable() || len(l.pending) > 0 || len(l.unfull) > 0 {
			w.later(wk, t)
			return
		}
		l.bookieFailed(t.lost)
		if fi = slices.IndexFunc(l.frags, func(f fragment) bool { return f.first == t.first }); fi < 0 || fi == len(l.frags)-1 {
			// No bookie to replace it with: the writer closed the
			// ledger, or will; look again.
			w.later(wk, t)
			return
		}
	}
	// The fragment's end is fixed now: count what it really holds.
	entries := l.heldBy(fi, t.lost)
	rc.under += int64(len(entries) - len(t.entries))
	w.res.MaxUnderReplicatedEntries = max(w.res.MaxUnderReplicatedEntries, rc.under)
	t.entries = entries
	ens := l.frags[fi].ens
	var target *bookie
	bookies := t.lost.reg.bookies
	for j := range bookies {
		c := bookies[(int(l.id)+j)%len(bookies)]
		if c.up && !slices.Contains(ens, c) && !rc.taken(l, t.first, c) {
			target = c
			break
		}
	}
	if target == nil { // no bookie to copy to: try again in a second
		w.later(wk, t)
		return
	}
	t.target = target
	rc.copying = append(rc.copying, t)
	life := target.epoch
	next, inFlight, copied, unrec := 0, 0, 0, 0
	failed, finished := false, false
	var pump func()
	abort := func() {
		if failed || finished {
			return
		}
		failed = true
		rc.stopCopying(t)
		// The target died: the fragment goes back to the queue whole, to
		// be copied again elsewhere.
		rc.under += int64(copied + unrec)
		w.res.UnrecoverableEntries -= int64(unrec)
		rc.tasks = append(rc.tasks, t)
		w.workerDone(wk)
	}
	var watch func()
	watch = func() {
		if failed || finished {
			return
		}
		if !target.up || target.epoch != life {
			abort()
			return
		}
		w.s.After(sim.Second, watch)
	}
	w.s.After(sim.Second, watch)
	finish := func() {
		finished = true
		// The ledger's metadata names the target (a write from the
		// worker).
		t.lost.reg.meta.write(wk.node, func() {
			rc.stopCopying(t)
			if i := slices.IndexFunc(l.frags, func(f fragment) bool { return f.first == t.first }); i >= 0 {
				if k := slices.Index(l.frags[i].ens, t.lost); k >= 0 {
					if slices.Contains(l.frags[i].ens, target) {
						// The writer's ensemble change put the target in
						// the fragment meanwhile: a bookie holds one place
						// of an ensemble, so the copy cannot stand in for
						// the lost one. Copy the fragment again elsewhere.
						rc.under += int64(copied)
						rc.tasks = append(rc.tasks, t)
						w.workerDone(wk)
						return
					}
					ens := slices.Clone(l.frags[i].ens)
					ens[k] = target
					l.frags[i].ens = ens
				}
			}
			w.res.FragmentsReplicated++
			w.workerDone(wk)
		})
	}
	pump = func() {
		if failed {
			return
		}
		if !target.up || target.epoch != life {
			abort()
			return
		}
		for inFlight < rereplicationBatch && next < len(t.entries) {
			e := t.entries[next]
			next++
			var src *bookie
			for _, bk := range l.writeSet(e) {
				if bk != t.lost && bk.has(l.id, e) {
					src = bk
					break
				}
			}
			if src == nil { // no copy left anywhere: nothing to copy from
				rc.under--
				unrec++
				w.res.UnrecoverableEntries++
				continue
			}
			data, err := src.read(l.id, e)
			if err != nil {
				w.fail(err)
				return
			}
			b := commitlog.Batch(append([]byte(nil), data...))
			size := b.Size()
			if rc.toTarget == nil {
				rc.toTarget = map[int]int64{}
				rc.firstCopy = w.s.Now()
			}
			inFlight++
			landed := func() {
				if failed {
					return
				}
				inFlight--
				copied++
				rc.under--
				w.res.ReplicatedEntries++
				w.res.ReplicatedBytes += size
				rc.toTarget[target.id] += size
				rc.lastCopy = w.s.Now()
				if next == len(t.entries) && inFlight == 0 {
					finish()
					return
				}
				pump()
			}
			link := &net.Link{From: src.node, To: target.node, Undelivered: func(uint64, bool) { abort() }}
			src.DiskR.Submit(src.ReadWork(src.storage, size), 0, func(sim.Job) {
				src.NICOut.Submit(float64(size), 0, func(sim.Job) {
					w.net.Send(link, func(uint64) {
						target.NICIn.Submit(float64(size), 0, func(sim.Job) {
							if failed || !target.up || target.epoch != life {
								abort()
								return
							}
							if _, err := target.add(l, e, -1, b, size, true, landed); err != nil {
								w.fail(err)
							}
						})
					}, 0)
				})
			})
		}
		if next == len(t.entries) && inFlight == 0 && !failed && !finished {
			finish()
		}
	}
	pump()
}
