package commitlog

import (
	"fmt"
	"io"
	"math"
	"sort"

	"mqsim/model/commitlog/vfs"
)

// segData is a segment's batch bytes: a memory slab list or a file.
type segData interface {
	Append(p []byte) error
	// ReadAt fills p from off; a short read is an error.
	ReadAt(p []byte, off int64) error
	// Contiguous returns the stored bytes from off to the end of the
	// contiguous run holding off, without copying, or nil when the backend
	// cannot (files). The bytes are never rewritten.
	Contiguous(off int64) []byte
	Size() int64
	Truncate(n int64) error
	Sync() error
	Close() error
}

type indexEntry struct {
	rel uint32 // base offset of a batch, relative to the segment base
	pos uint32 // its byte position
}

type timeEntry struct {
	ts  int64  // largest timestamp up to and including the batch at rel
	rel uint32 // relative base offset of that batch
}

// segment is one segment's data and in-memory indexes.
type segment struct {
	base    int64
	next    int64 // offset after the last batch; base when empty
	data    segData
	size    int64 // declared bytes
	maxTs   int64 // -1 when empty
	created int64 // Clock at creation, for SegmentAge
	since   int64 // declared bytes since the last index entry
	batches int64
	index   []indexEntry
	tindex  []timeEntry
	aborted []AbortedTxn // transactions whose abort marker is in this segment
	gone    int64        // stored bytes before this position were dropped (release.go)
}

func newSegment(base int64, data segData, now int64) *segment {
	return &segment{base: base, next: base, data: data, maxTs: -1, created: now}
}

// track records a batch appended at pos in the indexes and statistics.
func (s *segment) track(b Batch, pos int64, interval int64) {
	indexed := false
	if s.since >= interval {
		s.index = append(s.index, indexEntry{uint32(b.BaseOffset() - s.base), uint32(pos)})
		s.since = 0
		indexed = true
	}
	if ts := b.MaxTimestamp(); ts > s.maxTs {
		s.maxTs = ts
	}
	// A time entry holds the largest timestamp up to and including its
	// batch, so every batch before it is older than its timestamp.
	if n := len(s.tindex); n == 0 || (indexed && s.tindex[n-1].ts < s.maxTs) {
		s.tindex = append(s.tindex, timeEntry{s.maxTs, uint32(b.BaseOffset() - s.base)})
	}
	sz := b.Size()
	s.since += sz
	s.size += sz
	s.batches++
	s.next = b.NextOffset()
}

// readHeader returns the batch header at pos (a view of the data, or a copy
// when it crosses a slab) with the batch's stored length.
func (s *segment) readHeader(pos int64) (Batch, int64, error) {
	end := s.data.Size()
	if pos >= end {
		return nil, 0, io.EOF
	}
	var hdr []byte
	if v := s.data.Contiguous(pos); len(v) >= HeaderSize+elidedSize {
		hdr = v[:HeaderSize+elidedSize]
	} else {
		// The header crosses the end of a slab (or of the data): copy it,
		// which is rare, so the common path allocates nothing.
		n := min(int64(HeaderSize+elidedSize), end-pos)
		if n < HeaderSize {
			return nil, 0, fmt.Errorf("torn header: %d bytes", n)
		}
		hdr = make([]byte, n)
		if err := s.data.ReadAt(hdr, pos); err != nil {
			return nil, 0, err
		}
	}
	l, _, err := batchLen(hdr)
	if err != nil {
		return nil, 0, err
	}
	b := Batch(hdr)
	if b.HasSizedValues() && len(hdr) < HeaderSize+elidedSize {
		return nil, 0, fmt.Errorf("torn header")
	}
	if pos+int64(l) > end {
		return nil, 0, fmt.Errorf("torn batch: %d bytes announced, %d left", l, end-pos)
	}
	return b, int64(l), nil
}

// floorPos is the position of the last indexed batch whose base offset is
// at most offset.
func (s *segment) floorPos(offset int64) int64 {
	rel := offset - s.base
	i := sort.Search(len(s.index), func(i int) bool { return int64(s.index[i].rel) > rel })
	if i == 0 {
		return 0
	}
	return int64(s.index[i-1].pos)
}

// locate returns the position of the first batch whose last offset is at
// least offset, or the data size if there is none.
func (s *segment) locate(offset int64) (int64, error) {
	pos := max(s.floorPos(offset), s.gone)
	end := s.data.Size()
	for pos < end {
		h, l, err := s.readHeader(pos)
		if err != nil {
			return 0, err
		}
		if h.LastOffset() >= offset {
			return pos, nil
		}
		pos += l
	}
	return end, nil
}

// reset clears the statistics and indexes before a rescan.
func (s *segment) reset() {
	s.next, s.size, s.maxTs, s.since, s.batches = s.base, 0, -1, 0, 0
	s.index, s.tindex = s.index[:0], s.tindex[:0]
}

// anyGaps lets rescan accept offset gaps anywhere.
const anyGaps = math.MaxInt64

// rescan rebuilds the indexes and statistics from the data, checking each
// batch (and its CRC when verify is set) and stopping at the first bad one.
// A batch may start past the end of the one before it (or past the segment
// base) only if it starts at or below gapsUpTo: offsets are contiguous
// except where compaction removed some. It returns the position where the
// good data ends and, if it stopped early, why. check, when not nil, is
// asked about every batch header as well.
func (s *segment) rescan(interval int64, verify bool, gapsUpTo int64, check ...func(h Batch) error) (int64, error) {
	s.reset()
	var buf []byte
	end := s.data.Size()
	pos := int64(0)
	for pos < end {
		h, l, err := s.readHeader(pos)
		if err != nil {
			return pos, err
		}
		if pos+l > end {
			return pos, fmt.Errorf("torn batch")
		}
		b := h
		if verify {
			v := s.data.Contiguous(pos)
			if int64(len(v)) >= l {
				b = Batch(v[:l])
			} else {
				if int64(cap(buf)) < l {
					buf = make([]byte, l)
				}
				buf = buf[:l]
				if err := s.data.ReadAt(buf, pos); err != nil {
					return pos, err
				}
				b = Batch(buf)
			}
			if err := checkHeader(b); err != nil {
				return pos, err
			}
			if b.computeCRC() != b.CRC() {
				return pos, fmt.Errorf("crc mismatch")
			}
		} else if err := checkHeader(h); err != nil {
			return pos, err
		}
		if h.BaseOffset() < s.next || h.LastOffset()-s.base > 0xffffffff {
			return pos, fmt.Errorf("batch offset %d out of order (segment base %d, expected at least %d)", h.BaseOffset(), s.base, s.next)
		}
		if h.BaseOffset() > s.next && h.BaseOffset() > gapsUpTo {
			return pos, fmt.Errorf("offset gap: batch at offset %d, expected %d", h.BaseOffset(), s.next)
		}
		for _, c := range check {
			if err := c(h); err != nil {
				return pos, err
			}
		}
		s.track(h, pos, interval)
		pos += l
	}
	return pos, nil
}

// memData stores a memory segment in slabs that are filled exactly and never
// rewritten: a batch may straddle two slabs, and a truncated slab is clipped
// so that later appends go to a new slab. Slabs start small and double up to
// maxSlab, so a log holding little data holds little memory (a cluster of
// 100,000 partitions has 300,000 replica logs, most nearly empty), while a
// busy one soon appends into 1 MiB slabs.
type memData struct {
	slabs []memSlab
	size  int64
	// grow is the size of the next slab (firstSlab when 0). It keeps
	// growing across releases: a busy log that released its slabs does
	// not start small again.
	grow int
	// out: the bytes before it left memory (release.go), to spillF when
	// the log spills, else dropped.
	out    int64
	spill  *spillTo
	spillF vfs.File
	// lastShared: the last slab holds bytes of another log's storage
	// (appendShared), which must never be written: Append starts a new
	// slab after it, and appendShared may only lengthen it over bytes
	// that follow it in that storage.
	lastShared bool
}

type memSlab struct {
	start int64
	buf   []byte // len = bytes used, cap = slab size
}

const (
	firstSlab = 512
	maxSlab   = 1 << 20
)

func (m *memData) Append(p []byte) error {
	for len(p) > 0 {
		n := len(m.slabs)
		if n == 0 || cap(m.slabs[n-1].buf) == len(m.slabs[n-1].buf) || m.lastShared {
			m.lastShared = false
			// Doubling, but large enough for the rest of p where a slab
			// can be: a big batch does not straddle a run of small slabs.
			sz := max(m.grow, firstSlab)
			for sz < len(p) && sz < maxSlab {
				sz *= 2
			}
			m.grow = min(2*sz, maxSlab)
			m.slabs = append(m.slabs, memSlab{start: m.size, buf: make([]byte, 0, sz)})
			n++
		}
		s := &m.slabs[n-1]
		k := cap(s.buf) - len(s.buf)
		if k > len(p) {
			k = len(p)
		}
		s.buf = append(s.buf, p[:k]...)
		m.size += int64(k)
		p = p[k:]
	}
	return nil
}

// appendShared stores p without copying it: the slab refers to p's bytes,
// which the caller guarantees are never written again (another memory
// log's stored batches, or a buffer only this log keeps). Bytes that follow
// the last shared slab's in the same array lengthen that slab, so a fetch's
// batches, appended one by one, take one slab. The bytes past len(p) up to
// cap(p) may belong to someone else: nothing here ever writes them.
func (m *memData) appendShared(p []byte) {
	if len(p) == 0 {
		return
	}
	if n := len(m.slabs); n > 0 && m.lastShared {
		s := &m.slabs[n-1]
		if l := len(s.buf); cap(s.buf)-l >= len(p) && &s.buf[:l+1][l] == &p[0] {
			s.buf = s.buf[:l+len(p)]
			m.size += int64(len(p))
			return
		}
	}
	m.slabs = append(m.slabs, memSlab{start: m.size, buf: p})
	m.size += int64(len(p))
	m.lastShared = true
}

func (m *memData) slab(off int64) int {
	return sort.Search(len(m.slabs), func(i int) bool { return m.slabs[i].start > off }) - 1
}

func (m *memData) ReadAt(p []byte, off int64) error {
	if off < 0 || off+int64(len(p)) > m.size {
		return fmt.Errorf("read of %d bytes at %d beyond %d", len(p), off, m.size)
	}
	if off < m.out && len(p) > 0 {
		if m.spillF == nil {
			return fmt.Errorf("read at %d: %w", off, ErrReleased)
		}
		k := min(int64(len(p)), m.out-off)
		if n, err := m.spillF.ReadAt(p[:k], off); int64(n) != k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		p, off = p[k:], off+k
	}
	for i := m.slab(off); len(p) > 0; i++ {
		s := m.slabs[i]
		n := copy(p, s.buf[off-s.start:])
		p = p[n:]
		off += int64(n)
	}
	return nil
}

func (m *memData) Contiguous(off int64) []byte {
	if off < m.out || off >= m.size {
		return nil
	}
	s := m.slabs[m.slab(off)]
	b := s.buf[off-s.start:]
	return b[:len(b):len(b)]
}

func (m *memData) Size() int64 { return m.size }

func (m *memData) Truncate(n int64) error {
	if n < 0 || n > m.size {
		return fmt.Errorf("truncate to %d of %d bytes", n, m.size)
	}
	if n == m.size {
		return nil
	}
	if n < m.out {
		if m.spillF == nil {
			return fmt.Errorf("truncate to %d: %w", n, ErrReleased)
		}
		if err := m.spillF.Truncate(n); err != nil {
			return err
		}
		m.slabs, m.out, m.size = nil, n, n
		return nil
	}
	i := m.slab(n)
	if i >= 0 && n == m.slabs[i].start {
		i--
	}
	m.slabs = m.slabs[:i+1]
	if i >= 0 {
		s := &m.slabs[i]
		l := n - s.start
		s.buf = s.buf[:l:l]
	}
	m.size = n
	m.lastShared = false // the last slab is now full: the next append starts a new one
	return nil
}

func (m *memData) Sync() error { return nil }

// Close removes the spill file, if any: a memory log keeps nothing.
func (m *memData) Close() error {
	if m.spillF == nil {
		return nil
	}
	f := m.spillF
	m.spillF = nil
	if err := f.Close(); err != nil {
		return err
	}
	return m.spill.fs.Remove(m.spill.name)
}

// overhead is the slab bookkeeping; unused is the free tail of the last
// slab (at most maxSlab per segment, filled by the next appends).
func (m *memData) overhead() int64 { return int64(cap(m.slabs)) * 32 }

func (m *memData) unused() int64 {
	if n := len(m.slabs); n > 0 && !m.lastShared {
		return int64(cap(m.slabs[n-1].buf) - len(m.slabs[n-1].buf))
	}
	return 0
}
