package commitlog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"mqsim/model/commitlog/vfs"
)

// RecoveryReport says what Open found in a log directory and what it did:
// the recovery Kafka runs on a log that was not shut down cleanly. A caller
// that reopens logs (a restarted broker) puts it in its results, so that a
// cut log is never a silent change.
type RecoveryReport struct {
	// Dir is the log directory.
	Dir string
	// Clean is set when the log had been shut down cleanly: its indexes
	// were trusted and no batch was rescanned.
	Clean bool
	// RecoveryPoint is the offset from which segments were rescanned
	// (segments below it were synced before the shutdown and are trusted).
	RecoveryPoint int64
	// SegmentsScanned and BatchesScanned count what was rescanned and
	// checked batch by batch (CRC, header, offsets).
	SegmentsScanned int
	BatchesScanned  int64
	// LogEndOffset is the log end after recovery.
	LogEndOffset int64
	// Truncated is set when recovery cut the log at the first invalid
	// batch: at byte Position of Segment, for Reason.
	Truncated bool
	Segment   string
	Position  int64
	Reason    string
	// DroppedTo is the end (exclusive) of the offsets the cut data claimed,
	// as far as its batch headers can still be read; offsets
	// [LogEndOffset, DroppedTo) were dropped. It equals LogEndOffset when
	// nothing was dropped or no dropped header could be read.
	DroppedTo int64
	// BytesDropped is the stored bytes removed from segments;
	// SegmentsDeleted the segments removed whole.
	BytesDropped    int64
	SegmentsDeleted int
	// Removed lists files deleted on the way: temporaries of an
	// interrupted write, producer snapshots that fail their CRC, segments
	// wholly below the log start offset.
	Removed []string
}

// Recovered reports whether recovery changed the log: it cut data or
// removed leftover files.
func (r RecoveryReport) Recovered() bool { return r.Truncated || len(r.Removed) > 0 }

func (r RecoveryReport) String() string {
	var b strings.Builder
	if r.Clean {
		fmt.Fprintf(&b, "%s: clean shutdown, log end %d", r.Dir, r.LogEndOffset)
	} else {
		fmt.Fprintf(&b, "%s: not shut down cleanly; rescanned %d segments (%d batches) from offset %d, log end %d",
			r.Dir, r.SegmentsScanned, r.BatchesScanned, r.RecoveryPoint, r.LogEndOffset)
	}
	if r.Truncated {
		fmt.Fprintf(&b, "; truncated at segment %s byte %d (%s): dropped offsets %d..%d, %d bytes, %d whole segments",
			r.Segment, r.Position, r.Reason, r.LogEndOffset, r.DroppedTo, r.BytesDropped, r.SegmentsDeleted)
	}
	if len(r.Removed) > 0 {
		fmt.Fprintf(&b, "; removed leftovers %s", strings.Join(r.Removed, ", "))
	}
	return b.String()
}

// Recovery returns what Open found and did; see RecoveryReport. A memory
// log reports a clean start.
func (l *Log) Recovery() RecoveryReport {
	l.mu.RLock()
	defer l.mu.RUnlock()
	r := l.report
	r.Removed = append([]string(nil), r.Removed...)
	return r
}

// Open opens (creating if needed) the log in directory dir of fsys,
// recovering it if it was not shut down cleanly: see the package
// documentation. Damage that recovery may not repair — a gap or overlap
// between segments below the recovery point, a segment there that fails
// its checks, a cleanly shut down log whose data does not end where the
// shutdown recorded — is refused with a *CorruptionError naming the
// directory, file, byte and offset; the directory is left as it was.
func Open(fsys vfs.FS, dir string, cfg Config) (*Log, error) {
	if err := fsys.MkdirAll(dir); err != nil {
		return nil, storageErr("create log directory", err)
	}
	fb := &fileBackend{fs: fsys, dir: dir}
	l := newLog(cfg, fb)
	if err := l.recover(fb); err != nil {
		for _, s := range l.segs {
			s.data.Close()
		}
		return nil, err
	}
	l.publish()
	return l, nil
}

func readOffsetMeta(be backend, name string) (int64, bool) {
	b, err := be.getMeta(name)
	if err != nil {
		return 0, false
	}
	v, err := parseOffsetMeta(b)
	return v, err == nil
}

// parseOffsetMeta parses a one-number checkpoint file: "<offset>\n".
func parseOffsetMeta(b []byte) (int64, error) {
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		return 0, fmt.Errorf("no final newline")
	}
	v, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not an offset", strings.TrimSuffix(s, "\n"))
	}
	return v, nil
}

// parseCleanMarker parses the clean-shutdown marker, "clean <log end>\n",
// and returns the log end (-1 for a marker that does not record it).
func parseCleanMarker(b []byte) (int64, error) {
	s := string(b)
	if s == "clean\n" {
		return -1, nil
	}
	rest, ok := strings.CutPrefix(s, "clean ")
	if !ok {
		return 0, fmt.Errorf("clean-shutdown marker %q", s)
	}
	v, err := parseOffsetMeta([]byte(rest))
	if err != nil {
		return 0, fmt.Errorf("clean-shutdown marker: %w", err)
	}
	return v, nil
}

func (l *Log) recover(fb *fileBackend) error {
	rep := &l.report
	rep.Dir = fb.dir
	names, err := fb.fs.List(fb.dir)
	if err != nil {
		return storageErr("list log directory", err)
	}
	// First, only read: a refusal must leave the directory as it was.
	var bases []int64
	var temps, strays []string
	marker, clean, cleanEnd := false, false, int64(-1)
	for _, n := range names {
		if b, ok := parseOffsetName(n, logSuffix); ok {
			bases = append(bases, b)
		} else if strings.HasSuffix(n, logSuffix) {
			strays = append(strays, n)
		} else if strings.HasSuffix(n, tmpSuffix) || strings.HasSuffix(n, cleanedSuffix) {
			temps = append(temps, n)
		} else if n == metaClean {
			marker = true
			b, err := fb.getMeta(n)
			if err != nil {
				return storageErr("read clean-shutdown marker", err)
			}
			// A marker that cannot be read is no promise: recover as
			// after a crash.
			if e, err := parseCleanMarker(b); err == nil {
				clean, cleanEnd = true, e
			}
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	refuse := func(file string, pos, off int64, format string, args ...any) error {
		return &CorruptionError{Dir: fb.dir, Segment: file, Position: pos, Offset: off, Reason: fmt.Sprintf(format, args...)}
	}
	// An unreadable recovery point only means rescanning more; a log start
	// or cleaner checkpoint cannot be guessed.
	var hasRecovery bool
	l.recovery, hasRecovery = readOffsetMeta(fb, metaRecovery)
	var logStart int64
	for _, m := range []struct {
		name string
		to   *int64
	}{{metaLogStart, &logStart}, {metaCleaner, &l.cleaned}} {
		b, err := fb.getMeta(m.name)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return storageErr("read "+m.name, err)
		}
		if *m.to, err = parseOffsetMeta(b); err != nil {
			return refuse(m.name, 0, -1, "corrupt checkpoint: %v", err)
		}
	}
	rep.Clean, rep.RecoveryPoint = clean, l.recovery
	// Producer snapshots that fail their CRC are deleted, as Kafka does;
	// an older one or a replay takes their place.
	var badSnapshots []string
	for _, n := range names {
		if _, ok := parseOffsetName(n, snapshotSuffix); ok {
			if b, err := fb.getMeta(n); err == nil {
				if _, err := decodeSnapshot(b); err != nil {
					badSnapshots = append(badSnapshots, n)
				}
			}
		}
	}
	// Segments wholly below the log start offset are what an interrupted
	// deletion left (the log start is written before segments go).
	var below []int64
	for len(bases) > 1 && bases[1] <= logStart {
		below, bases = append(below, bases[0]), bases[1:]
	}
	if hasRecovery && len(bases) > 0 && l.recovery > bases[len(bases)-1] {
		// The recovery point is only ever moved to a segment that exists
		// and synced (and lowered before segments are removed).
		return refuse(metaRecovery, 0, l.recovery, "recovery point %d is past the last segment %s: a segment that was synced is missing",
			l.recovery, offsetName(bases[len(bases)-1], logSuffix))
	}
	if len(strays) > 0 {
		// As in Kafka, a segment's name is its base offset; a log file
		// named otherwise is a segment renamed or copied in by hand.
		return refuse(strays[0], 0, -1, "not a segment name (a segment is named by its base offset, 20 digits): its offsets would be missing")
	}
	if clean && len(bases) == 0 && cleanEnd > logStart {
		return refuse(metaClean, 0, cleanEnd, "the log was shut down cleanly at log end %d but holds no segment: offsets %d..%d are missing",
			cleanEnd, logStart, cleanEnd-1)
	}
	if len(bases) > 0 && bases[0] > logStart {
		return refuse(offsetName(bases[0], logSuffix), 0, logStart,
			"offsets %d..%d are missing: the log starts at %d but its first segment at %d", logStart, bases[0]-1, logStart, bases[0])
	}
	var epochs epochCache
	if b, err := fb.getMeta(metaEpochs); err == nil {
		if epochs, err = decodeEpochs(b); err != nil {
			return refuse(metaEpochs, 0, -1, "%v", err)
		}
	} else if !isNotExist(err) {
		return storageErr("read "+metaEpochs, err)
	}
	now := l.cfg.Clock()
	for _, base := range bases {
		d, err := fb.openSegment(base)
		if err != nil {
			return storageErr("open segment "+offsetName(base, logSuffix), err)
		}
		l.segs = append(l.segs, newSegment(base, d, now))
	}
	interval := l.cfg.IndexIntervalBytes
	// The checkpoint is written before any batch of a new epoch, so a
	// batch recovery rescans must carry the epoch it gives (epochs are
	// outside the CRC: this is what catches an edited one).
	lastEpoch := int32(-1)
	checkEpoch := func(h Batch) error {
		if e := h.LeaderEpoch(); e < lastEpoch {
			return fmt.Errorf("leader epoch %d of the batch at offset %d is below the epoch %d before it", e, h.BaseOffset(), lastEpoch)
		}
		lastEpoch = h.LeaderEpoch()
		return epochs.checkBatch(h, logStart)
	}
	var rebuilt []*segment // indexes to write
	cutAt, cutPos := -1, int64(0)
	var cutErr error
	for i := 0; i < len(l.segs); i++ {
		s := l.segs[i]
		name := offsetName(s.base, logSuffix)
		last := i == len(l.segs)-1
		prevNext := s.base
		if i > 0 {
			prevNext = l.segs[i-1].next
		}
		var gap error
		switch {
		case s.base < prevNext:
			gap = fmt.Errorf("segment base %d overlaps the previous segment, which ends at %d", s.base, prevNext)
		case s.base > prevNext && s.base > l.cleaned:
			gap = fmt.Errorf("offsets %d..%d are missing between segments", prevNext, s.base-1)
		}
		if clean || (!last && s.base < l.recovery) {
			// Synced before the shutdown: trusted, but not blindly.
			if gap != nil {
				return refuse(name, 0, prevNext, "%v", gap)
			}
			lastEpoch = -1
			if fb.loadIndexes(s) != nil {
				l.rebuildFrom = minRebuild(l.rebuildFrom, s.base)
				rep.SegmentsScanned++
				pos, err := s.rescan(interval, true, l.cleaned, checkEpoch)
				rep.BatchesScanned += s.batches
				if err != nil {
					return refuse(name, pos, s.next, "%v", err)
				}
				rebuilt = append(rebuilt, s)
			}
			// The segment's first batch and each batch where an epoch
			// starts agree with the checkpoint (the batches between are
			// trusted, as Kafka trusts them; 'log verify' checks all).
			if s.batches > 0 && s.next > logStart {
				at := []int64{max(s.base, logStart)}
				for _, e := range epochs {
					if e.StartOffset > at[0] && e.StartOffset < s.next {
						at = append(at, e.StartOffset)
					}
				}
				for _, off := range at {
					pos, err := s.locate(off)
					if err != nil {
						return refuse(name, pos, off, "%v", err)
					}
					h, _, err := s.readHeader(pos)
					if err != nil {
						return refuse(name, pos, off, "%v", err)
					}
					if err := epochs.checkBatch(h, logStart); err != nil {
						return refuse(name, pos, h.BaseOffset(), "%v", err)
					}
					// An empty checkpoint says nothing, which checkBatch
					// accepts; but a trusted batch with an epoch means the
					// checkpoint lost its entries (every epoch is written
					// there before its first batch), and the epochs that
					// recovery would add for later segments would then
					// leave this one uncovered.
					if len(epochs) == 0 && h.LeaderEpoch() >= 0 {
						return refuse(metaEpochs, 0, h.BaseOffset(), "no epoch for offset %d, whose batch has leader epoch %d: the checkpoint lost its entries", h.BaseOffset(), h.LeaderEpoch())
					}
				}
			}
			if clean && last && cleanEnd >= 0 && s.next != cleanEnd {
				return refuse(name, s.data.Size(), s.next, "the log was shut down cleanly at log end %d but its data ends at %d", cleanEnd, s.next)
			}
			continue
		}
		rep.SegmentsScanned++
		l.rebuildFrom = minRebuild(l.rebuildFrom, s.base)
		good, scanErr := s.rescan(interval, true, l.cleaned, checkEpoch)
		rep.BatchesScanned += s.batches
		if gap != nil {
			good, scanErr = 0, gap
		}
		if scanErr != nil {
			cutAt, cutPos, cutErr = i, good, scanErr
			break
		}
		if !last {
			rebuilt = append(rebuilt, s)
		}
	}

	// Then change what recovery changes.
	if marker {
		// From here on the log may change: the marker must go first.
		if err := fb.removeMeta(metaClean); err != nil {
			return storageErr("remove clean-shutdown marker", err)
		}
		if err := fb.fs.SyncDir(fb.dir); err != nil {
			return storageErr("sync log directory", err)
		}
	}
	for _, n := range temps {
		if err := fb.removeMeta(n); err != nil {
			return storageErr("remove leftover "+n, err)
		}
		rep.Removed = append(rep.Removed, n)
	}
	for _, n := range badSnapshots {
		if err := fb.removeMeta(n); err != nil {
			return storageErr("remove "+n, err)
		}
		rep.Removed = append(rep.Removed, n)
	}
	for _, b := range below {
		name := offsetName(b, logSuffix)
		if err := fb.fs.Remove(fb.path(name)); err != nil && !isNotExist(err) {
			return storageErr("remove "+name, err)
		}
		if err := fb.dropIndexes(b); err != nil {
			return storageErr("remove indexes of "+name, err)
		}
		rep.Removed = append(rep.Removed, name)
	}
	for _, s := range rebuilt {
		if err := fb.saveIndexes(s, true); err != nil {
			return storageErr("write indexes", err)
		}
	}
	if cutAt >= 0 {
		if err := l.cut(fb, cutAt, cutPos, cutErr); err != nil {
			return err
		}
	}
	if len(l.segs) == 0 {
		if err := l.createFirst(logStart); err != nil {
			return err
		}
	}
	l.leo = l.active().next
	l.logStart = max(logStart, l.segs[0].base)
	rep.LogEndOffset = l.leo
	rep.DroppedTo = max(rep.DroppedTo, l.leo)
	if l.logStart > l.leo {
		return l.truncateFully(l.logStart)
	}
	l.hw = l.logStart
	l.epochs = epochs
	l.epochs.truncateFromEnd(l.leo)
	l.epochs.truncateFromStart(l.logStart)
	if l.cleaned > l.leo {
		if err := l.setCleaned(l.leo); err != nil {
			return err
		}
	}
	if err := l.rebuildProducers(); err != nil {
		return err
	}
	if err := l.saveEpochs(); err != nil {
		return err
	}
	if !clean {
		if err := l.syncAll(); err != nil {
			return err
		}
	}
	l.lastFlush = now
	return nil
}

// cut ends the log at byte good of segment i, after a rescan stopped there
// for reason: the rest of that segment and every later segment go, and the
// report says what was dropped.
func (l *Log) cut(fb *fileBackend, i int, good int64, reason error) error {
	rep := &l.report
	s := l.segs[i]
	rep.Truncated, rep.Segment, rep.Position, rep.Reason = true, offsetName(s.base, logSuffix), good, reason.Error()
	// How far the dropped data reached, as far as its headers tell.
	reach := func(s *segment, from int64) {
		for pos := from; pos < s.data.Size(); {
			h, n, err := s.readHeader(pos)
			if err != nil || checkHeader(h) != nil {
				break
			}
			rep.DroppedTo = max(rep.DroppedTo, h.NextOffset())
			pos += n
		}
	}
	reach(s, good)
	// The recovery point must never be past the last segment, even if a
	// crash interrupts the removals below.
	if keep := l.segs[max(i-1, 0)].base; l.recovery > keep {
		if err := l.setRecoveryPoint(keep); err != nil {
			return err
		}
	}
	for len(l.segs) > i+1 {
		last := l.segs[len(l.segs)-1]
		rep.BytesDropped += last.data.Size()
		rep.SegmentsDeleted++
		rep.DroppedTo = max(rep.DroppedTo, last.base)
		reach(last, 0)
		if err := fb.removeSegment(last); err != nil {
			return storageErr("remove segment", err)
		}
		l.segs = l.segs[:len(l.segs)-1]
	}
	rep.BytesDropped += s.data.Size() - good
	if err := s.data.Truncate(good); err != nil {
		return storageErr("truncate segment", err)
	}
	if _, err := s.rescan(l.cfg.IndexIntervalBytes, false, anyGaps); err != nil {
		return l.corrupt(s, 0, err)
	}
	if err := fb.dropIndexes(s.base); err != nil {
		return storageErr("drop indexes", err)
	}
	if s.batches == 0 && i > 0 {
		// An empty segment after the cut: drop it.
		rep.SegmentsDeleted++
		if err := fb.removeSegment(s); err != nil {
			return storageErr("remove segment", err)
		}
		l.segs = l.segs[:i]
	}
	return nil
}

// minRebuild is the lower of two rebuild points, -1 meaning none.
func minRebuild(a, b int64) int64 {
	if a < 0 {
		return b
	}
	return min(a, b)
}
