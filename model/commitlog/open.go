package commitlog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"mqsim/model/commitlog/vfs"
)

// Open opens (creating if needed) the log in directory dir of fsys,
// recovering it if it was not shut down cleanly: see the package
// documentation.
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
	return l, nil
}

func readOffsetMeta(be backend, name string) (int64, bool) {
	b, err := be.getMeta(name)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

func (l *Log) recover(fb *fileBackend) error {
	names, err := fb.fs.List(fb.dir)
	if err != nil {
		return storageErr("list log directory", err)
	}
	var bases []int64
	clean := false
	for _, n := range names {
		if b, ok := parseOffsetName(n, logSuffix); ok {
			bases = append(bases, b)
		} else if strings.HasSuffix(n, tmpSuffix) || strings.HasSuffix(n, cleanedSuffix) {
			if err := fb.removeMeta(n); err != nil {
				return storageErr("remove leftover "+n, err)
			}
		} else if n == metaClean {
			clean = true
		}
	}
	if clean {
		// From here on the log may change: the marker must go first.
		if err := fb.removeMeta(metaClean); err != nil {
			return storageErr("remove clean-shutdown marker", err)
		}
		if err := fb.fs.SyncDir(fb.dir); err != nil {
			return storageErr("sync log directory", err)
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	l.recovery, _ = readOffsetMeta(fb, metaRecovery)
	logStart, _ := readOffsetMeta(fb, metaLogStart)
	now := l.cfg.Clock()
	for _, base := range bases {
		d, err := fb.openSegment(base)
		if err != nil {
			return storageErr("open segment "+offsetName(base, logSuffix), err)
		}
		l.segs = append(l.segs, newSegment(base, d, now))
	}
	for i := 0; i < len(l.segs); i++ {
		s := l.segs[i]
		last := i == len(l.segs)-1
		if clean || (!last && s.base < l.recovery) {
			if fb.loadIndexes(s) == nil && (i == 0 || s.base >= l.segs[i-1].next) {
				continue
			}
		}
		if i > 0 {
			s.next = max(s.base, l.segs[i-1].next)
		}
		good, scanErr := s.rescan(l.cfg.IndexIntervalBytes, true, -1)
		if scanErr == nil && i > 0 && s.batches > 0 && s.base < l.segs[i-1].next {
			good, scanErr = 0, fmt.Errorf("segment overlaps the previous one")
		}
		if scanErr != nil {
			// Cut the log here: the rest of this segment and every later
			// segment go.
			for len(l.segs) > i+1 {
				if err := fb.removeSegment(l.segs[len(l.segs)-1]); err != nil {
					return storageErr("remove segment", err)
				}
				l.segs = l.segs[:len(l.segs)-1]
			}
			if err := s.data.Truncate(good); err != nil {
				return storageErr("truncate segment", err)
			}
			if _, err := s.rescan(l.cfg.IndexIntervalBytes, false, -1); err != nil {
				return l.corrupt(s, 0, err)
			}
			if s.batches == 0 && i > 0 {
				// An empty segment after the cut: drop it.
				if err := fb.removeSegment(s); err != nil {
					return storageErr("remove segment", err)
				}
				l.segs = l.segs[:i]
			}
			if err := fb.dropIndexes(s.base); err != nil {
				return storageErr("drop indexes", err)
			}
			break
		}
		if !last {
			if err := fb.saveIndexes(s, true); err != nil {
				return storageErr("write indexes", err)
			}
		}
	}
	if len(l.segs) == 0 {
		if err := l.createFirst(logStart); err != nil {
			return err
		}
	}
	l.leo = l.active().next
	l.logStart = max(logStart, l.segs[0].base)
	if l.logStart > l.leo {
		return l.truncateFully(l.logStart)
	}
	l.hw = l.logStart
	if b, err := fb.getMeta(metaEpochs); err == nil {
		if c, err := decodeEpochs(b); err == nil {
			l.epochs = c
		}
	}
	l.epochs.truncateFromEnd(l.leo)
	l.epochs.truncateFromStart(l.logStart)
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
