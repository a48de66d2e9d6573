package commitlog

import (
	"errors"
	"fmt"
	"path"
	"sync"

	"mqsim/model/commitlog/vfs"
)

// ErrReleased is a read, truncation or compaction that needs stored bytes a
// memory log dropped (Release without a spill FS).
var ErrReleased = errors.New("the stored bytes were released from memory")

// Release takes the stored bytes of the batches wholly below offset upto out
// of memory, for a memory log whose readers will not come back for them (a
// no-op on files, which hold them already). Everything else stays: offsets,
// segments and their declared sizes, batch counts and timestamps, so
// retention, storage accounting and the log's statistics are unchanged.
//
// With Config.Spill set, the bytes move to files there and every operation
// reads them as before, only slower. Without it they are dropped: a Read,
// ScanRecords or TruncateTo below ReadableFrom, and any Compact, then fail
// with ErrReleased. Memory is released a slab at a time, so up to one slab
// (at most 1 MiB) per segment below upto may stay.
func (l *Log) Release(upto int64) error {
	l.mu.Lock()
	defer l.unlock()
	if err := l.usable(); err != nil {
		return err
	}
	return l.release(upto)
}

func (l *Log) release(upto int64) error {
	if _, ok := l.be.(*memBackend); !ok {
		return nil
	}
	upto = min(upto, l.leo)
	if upto <= l.released {
		return nil
	}
	for _, s := range l.segs {
		if s.base >= upto {
			break
		}
		md := s.data.(*memData)
		pos := md.size
		if s.next > upto {
			p, err := s.locate(upto)
			if err != nil {
				return l.fail(l.corrupt(s, p, err))
			}
			pos = p
		}
		// Segments before the last are closed: nothing appends to them.
		if err := md.release(pos, s != l.segs[len(l.segs)-1]); err != nil {
			return l.fail(storageErr("release segment "+l.be.segName(s.base), err))
		}
		if md.spill == nil && pos > s.gone {
			s.gone = pos
			s.dropIndexBelow(pos, upto)
		}
	}
	l.released = upto
	if l.spill == nil {
		l.dropped = true
	}
	return nil
}

// ReadableFrom is the first offset a Read may ask for: the log start, or
// the offset below which a memory log dropped its stored bytes (Release).
func (l *Log) ReadableFrom() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.readableFrom()
}

func (l *Log) readableFrom() int64 {
	if l.dropped {
		return max(l.logStart, l.released)
	}
	return l.logStart
}

// needHistory refuses an operation that must read stored bytes of the
// whole log once some were dropped.
func (l *Log) needHistory(op string) error {
	if l.dropped {
		return fmt.Errorf("%s: %w (below offset %d)", op, ErrReleased, l.released)
	}
	return nil
}

// dropIndexBelow forgets the index entries of batches whose bytes are gone
// (before pos, below offset upto): locate and OffsetForTime start at pos at
// the earliest. Fresh arrays, so the dropped entries' memory goes too.
func (s *segment) dropIndexBelow(pos, upto int64) {
	k := 0
	for k < len(s.index) && int64(s.index[k].pos) < pos {
		k++
	}
	if k > 0 {
		s.index = append([]indexEntry(nil), s.index[k:]...)
	}
	k = 0
	for k < len(s.tindex) && s.base+int64(s.tindex[k].rel) < upto {
		k++
	}
	if k > 0 {
		s.tindex = append([]timeEntry(nil), s.tindex[k:]...)
	}
}

// spillBufs hold the slabs a release writes in one go (a fresh buffer
// for each release cost the kernel a page fault per page).
var spillBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// spillTo is where a memory segment's released bytes go.
type spillTo struct {
	fs   vfs.FS
	name string
}

// release moves (or, without a spill file, drops) the slabs that end at or
// before pos. The last slab of an open segment stays while it has room:
// appends fill it, and a slow partition does not take a fresh slab for
// every batch. A closed segment's last slab goes too: no append will fill
// it (a log of small segments otherwise keeps one partly filled slab, up
// to 1 MiB, per segment it ever had).
func (m *memData) release(pos int64, closed bool) error {
	k := 0
	for k < len(m.slabs) && m.slabs[k].start+int64(len(m.slabs[k].buf)) <= pos && len(m.slabs[k].buf) > 0 &&
		(k < len(m.slabs)-1 || len(m.slabs[k].buf) == cap(m.slabs[k].buf) || closed) {
		k++
	}
	if k == 0 {
		return nil
	}
	if m.spill != nil {
		if m.spillF == nil {
			f, err := m.spill.fs.Create(m.spill.name)
			if err != nil {
				return err
			}
			m.spillF = f
		}
		// One write for the slabs together: a follower's slabs are often
		// one fetched batch each (shared bytes), and a write each made
		// a system call per batch.
		if k == 1 {
			if _, err := m.spillF.Write(m.slabs[0].buf); err != nil {
				return err
			}
		} else {
			bp := spillBufs.Get().(*[]byte)
			buf := (*bp)[:0]
			for _, s := range m.slabs[:k] {
				buf = append(buf, s.buf...)
			}
			_, err := m.spillF.Write(buf)
			if cap(buf) <= 8<<20 {
				*bp = buf[:0]
				spillBufs.Put(bp)
			}
			if err != nil {
				return err
			}
		}
	}
	m.out = m.slabs[k-1].start + int64(len(m.slabs[k-1].buf))
	m.slabs = append([]memSlab(nil), m.slabs[k:]...)
	return nil
}

// spillFor names the spill file of the segment at base.
func (m *memBackend) spillFor(base int64) *spillTo {
	if m.spill == nil {
		return nil
	}
	return &spillTo{fs: m.spill, name: path.Join(m.spillDir, offsetName(base, ".spill"))}
}
