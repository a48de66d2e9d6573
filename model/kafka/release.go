package kafka

import (
	"os"
	"path/filepath"

	"mqsim/model/commitlog/vfs"
)

// Memory bounded by the backlog. A run keeps every record in memory logs,
// so a long run at a high rate would need memory for everything ever
// produced. What no part of the scenario can read again need not stay in
// memory: below every group's committed and processed offsets (a rebalance
// or restart resumes from the committed offset; the checker scans from the
// processed one), below the high watermark, and held by every replica (a
// follower fetches from its own log end). There the logs release their
// stored bytes (commitlog.Log.Release) and keep offsets, segments, sizes,
// counts and timestamps, so retention and storage accounting are
// unchanged, and so is every number the run reports.
//
// Only runs whose readers are all of that kind drop the bytes: logs in
// memory (a data directory keeps its files) and no faults, on topics some
// group reads (retry stages read theirs by their own positions). Faults
// can send a reader back below that point — a group reloads an older
// committed offset after its coordinator lost a write, a replica whose
// machine lost power truncates to what reached its disk and fetches again,
// an unclean election or an offset reset rewinds — so a run with faults
// moves the bytes to spill files instead (commitlog.Config.Spill, in a
// temporary directory removed when the run ends), where every read,
// truncation and compaction finds them as before, only slower. Memory then
// follows the backlog in such runs too; the disk holds the history, as a
// broker's does. The run loop releases between steps, outside the event
// queue, so the events are the same.

// releasesConsumed reports whether the run may drop consumed records.
func (w *world) releasesConsumed() bool {
	return !keepConsumed && w.opts.DataDir == "" && len(w.sc.Faults) == 0 && !w.keepsEventLog()
}

// spillsConsumed reports whether the run moves consumed records to spill
// files: a run in memory with faults (event sourcing keeps its log whole:
// replays read it from the start).
func (w *world) spillsConsumed() bool {
	return !keepConsumed && w.opts.DataDir == "" && len(w.sc.Faults) > 0 && !w.keepsEventLog()
}

// spillNowhere (tests) drops what a run with faults releases instead of
// spilling it, so whatever such a run reads again fails.
var spillNowhere bool

// spillTo is the spill directory of log name, under the run's temporary
// directory (made at the first call). Where no temporary directory can be
// made, the run keeps its records in memory instead (spills turns off
// before any log has opened): the results are the same.
func (w *world) spillTo(name string) (vfs.FS, string) {
	if w.spillDir == "" {
		dir, err := os.MkdirTemp("", "mqsim-spill-")
		if err != nil {
			w.spills = false
			return nil, ""
		}
		w.spillDir = dir
	}
	return vfs.OS, filepath.Join(w.spillDir, filepath.FromSlash(name))
}

// keepConsumed turns releasing off (tests compare runs with and without).
var keepConsumed bool

// releaseConsumed releases, in every replica of every partition, the records
// below the point nothing will read again.
func (w *world) releaseConsumed() error {
	if !w.releases && !w.spills {
		return nil
	}
	for _, t := range w.topics {
		if len(t.groups) == 0 {
			continue
		}
		for i, p := range t.parts {
			upto := p.hw
			for _, g := range t.groups {
				if i >= len(g.committed) {
					upto = -1
					break
				}
				upto = min(upto, g.committed[i], g.processed[i])
			}
			if upto <= p.released {
				continue
			}
			for _, r := range p.replicas {
				upto = min(upto, r.log.LogEndOffset())
			}
			if upto <= p.released {
				continue
			}
			if w.spills {
				p.matchBeforeRelease(upto)
			}
			for _, r := range p.replicas {
				if err := r.log.Release(upto); err != nil {
					return err
				}
			}
			p.released = upto
		}
	}
	if !w.releases {
		return nil // with faults a new coordinator reads them back: they stay (the cleaner compacts them)
	}
	return w.releaseOffsets()
}

// releaseOffsets releases the __consumer_offsets logs below their high
// watermark and every replica's end. Without faults nothing reads them
// again: a coordinator loads a group's offsets only when the leadership of
// its partition moves, and followers fetch from their own log end. This
// replaces the log cleaner in such runs: releasing costs nothing per
// record, where a clean reads every record twice.
func (w *world) releaseOffsets() error {
	if w.offsetsTopic == nil {
		return nil
	}
	for _, p := range w.offsetsTopic.parts {
		upto := p.hw
		for _, r := range p.replicas {
			upto = min(upto, r.log.LogEndOffset())
		}
		if upto <= p.released {
			continue
		}
		for _, r := range p.replicas {
			if err := r.log.Release(upto); err != nil {
				return err
			}
		}
		p.released = upto
	}
	return nil
}
