package commitlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"mqsim/model/commitlog/vfs"
)

// backend is where a log keeps segments and small metadata files.
type backend interface {
	segName(base int64) string
	createSegment(base int64) (segData, error)
	removeSegment(s *segment) error
	// replaceSegment atomically swaps a segment's data for data.
	replaceSegment(s *segment, data []byte) (segData, error)
	// saveIndexes persists a segment's indexes (file backend).
	saveIndexes(s *segment, sync bool) error
	dropIndexes(base int64) error
	// putMeta writes a small file atomically and durably.
	putMeta(name string, data []byte) error
	// getMeta wraps fs.ErrNotExist for a missing file.
	getMeta(name string) ([]byte, error)
	removeMeta(name string) error
	listMeta() ([]string, error)
	// location is the log directory, or "" for a memory log.
	location() string
}

const (
	metaEpochs     = "leader-epoch-checkpoint"
	metaRecovery   = "recovery-point"
	metaLogStart   = "log-start-offset"
	metaClean      = "clean-shutdown"
	metaCleaner    = "cleaner-offset-checkpoint"
	snapshotSuffix = ".snapshot"
	logSuffix      = ".log"
	indexSuffix    = ".index"
	timeSuffix     = ".timeindex"
	txnSuffix      = ".txnindex"
	cleanedSuffix  = ".cleaned"
	tmpSuffix      = ".tmp"
)

func offsetName(off int64, suffix string) string { return fmt.Sprintf("%020d%s", off, suffix) }
func snapshotName(off int64) string              { return offsetName(off, snapshotSuffix) }

// parseOffsetName parses "<20 digits><suffix>".
func parseOffsetName(name, suffix string) (int64, bool) {
	if !strings.HasSuffix(name, suffix) || len(name) != 20+len(suffix) {
		return 0, false
	}
	o, err := strconv.ParseInt(name[:20], 10, 64)
	if err != nil || o < 0 {
		return 0, false
	}
	return o, true
}

// memBackend keeps everything in memory; nothing survives the process.
type memBackend struct {
	meta map[string][]byte
	// spill, if set, takes released segment bytes (release.go).
	spill    vfs.FS
	spillDir string
}

func newMemBackend() *memBackend { return &memBackend{meta: map[string][]byte{}} }

func (m *memBackend) segName(base int64) string { return offsetName(base, logSuffix) }
func (m *memBackend) location() string          { return "" }
func (m *memBackend) createSegment(base int64) (segData, error) {
	return &memData{spill: m.spillFor(base)}, nil
}
func (m *memBackend) removeSegment(s *segment) error         { return s.data.Close() }
func (m *memBackend) saveIndexes(*segment, bool) error       { return nil }
func (m *memBackend) dropIndexes(int64) error                { return nil }
func (m *memBackend) putMeta(name string, data []byte) error { m.meta[name] = data; return nil }
func (m *memBackend) removeMeta(name string) error           { delete(m.meta, name); return nil }
func (m *memBackend) replaceSegment(s *segment, data []byte) (segData, error) {
	if err := s.data.Close(); err != nil {
		return nil, err
	}
	d := &memData{spill: m.spillFor(s.base)}
	return d, d.Append(data)
}

func (m *memBackend) getMeta(name string) ([]byte, error) {
	if d, ok := m.meta[name]; ok {
		return d, nil
	}
	return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
}

func (m *memBackend) listMeta() ([]string, error) {
	names := make([]string, 0, len(m.meta))
	for n := range m.meta {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// fileBackend keeps a log in a directory of an FS.
type fileBackend struct {
	fs  vfs.FS
	dir string
}

func (f *fileBackend) path(name string) string { return filepath.Join(f.dir, name) }

func (f *fileBackend) segName(base int64) string { return offsetName(base, logSuffix) }
func (f *fileBackend) location() string          { return f.dir }

// fileData is a segment's data file. Appends collect in a small buffer that
// is handed to the file in whole, aligned 64 KiB chunks: page-aligned writes
// into the page cache are about half again as fast as writes of arbitrary
// batch sizes (measured: BenchmarkAppend/file against its baseline). Reads
// past the written part are served from the buffer; Sync, Close, a roll and
// Truncate flush it. What is buffered is at most one chunk, and it is
// never acknowledged as durable: durability only ever comes from Sync.
type fileData struct {
	f       vfs.File
	size    int64  // logical size: written + len(buf)
	written int64  // bytes handed to the file
	buf     []byte // appended bytes not yet written
}

// writeChunk is the unit in which appends reach the file.
const writeChunk = 64 << 10

func (d *fileData) Append(p []byte) error {
	d.buf = append(d.buf, p...)
	d.size += int64(len(p))
	// Write every whole chunk, keeping the file's end on a chunk boundary.
	n := (d.size &^ (writeChunk - 1)) - d.written
	if n <= 0 {
		return nil
	}
	return d.writeOut(int(n))
}

// writeOut hands the first n buffered bytes to the file.
func (d *fileData) writeOut(n int) error {
	w, err := d.f.Write(d.buf[:n])
	d.written += int64(w)
	rest := copy(d.buf, d.buf[w:])
	d.buf = d.buf[:rest]
	if err == nil && w != n {
		err = io.ErrShortWrite
	}
	return err
}

// Flush hands everything buffered to the file (not to the disk: see Sync).
func (d *fileData) Flush() error {
	if len(d.buf) == 0 {
		return nil
	}
	return d.writeOut(len(d.buf))
}

func (d *fileData) ReadAt(p []byte, off int64) error {
	if off < 0 || off+int64(len(p)) > d.size {
		return io.ErrUnexpectedEOF
	}
	if off < d.written {
		k := min(int64(len(p)), d.written-off)
		n, err := d.f.ReadAt(p[:k], off)
		if int64(n) != k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		p, off = p[k:], off+k
	}
	if len(p) > 0 {
		copy(p, d.buf[off-d.written:])
	}
	return nil
}

func (d *fileData) Contiguous(int64) []byte { return nil }
func (d *fileData) Size() int64             { return d.size }

func (d *fileData) Sync() error {
	if err := d.Flush(); err != nil {
		return err
	}
	return d.f.Sync()
}

func (d *fileData) Close() error {
	ferr := d.Flush()
	if err := d.f.Close(); err != nil {
		return err
	}
	return ferr
}

func (d *fileData) Truncate(n int64) error {
	if n >= d.written && n <= d.size {
		d.buf = d.buf[:n-d.written]
		d.size = n
		return nil
	}
	d.buf = d.buf[:0]
	if err := d.f.Truncate(n); err != nil {
		d.size = d.written
		return err
	}
	d.size, d.written = n, n
	return nil
}

func (f *fileBackend) createSegment(base int64) (segData, error) {
	file, err := f.fs.Create(f.path(offsetName(base, logSuffix)))
	if err != nil {
		return nil, err
	}
	if err := f.fs.SyncDir(f.dir); err != nil {
		file.Close()
		return nil, err
	}
	return &fileData{f: file}, nil
}

func (f *fileBackend) openSegment(base int64) (*fileData, error) {
	file, err := f.fs.OpenAppend(f.path(offsetName(base, logSuffix)))
	if err != nil {
		return nil, err
	}
	size, err := file.Size()
	if err != nil {
		file.Close()
		return nil, err
	}
	return &fileData{f: file, size: size, written: size}, nil
}

func (f *fileBackend) removeSegment(s *segment) error {
	s.data.Close()
	if err := f.dropIndexes(s.base); err != nil {
		return err
	}
	if err := f.fs.Remove(f.path(offsetName(s.base, logSuffix))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return f.fs.SyncDir(f.dir)
}

func (f *fileBackend) dropIndexes(base int64) error {
	for _, suf := range []string{indexSuffix, timeSuffix, txnSuffix} {
		if err := f.fs.Remove(f.path(offsetName(base, suf))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (f *fileBackend) replaceSegment(s *segment, data []byte) (segData, error) {
	tmp := f.path(offsetName(s.base, logSuffix+cleanedSuffix))
	file, err := f.fs.Create(tmp)
	if err != nil {
		return nil, err
	}
	if _, err = file.Write(data); err == nil {
		err = file.Sync()
	}
	if err != nil {
		file.Close()
		f.fs.Remove(tmp)
		return nil, err
	}
	// The old indexes describe the old data: drop them before the swap so
	// that a crash in between leaves a segment whose index is rebuilt.
	if err := f.dropIndexes(s.base); err != nil {
		file.Close()
		return nil, err
	}
	if err := f.fs.Rename(tmp, f.path(offsetName(s.base, logSuffix))); err != nil {
		file.Close()
		return nil, err
	}
	if err := f.fs.SyncDir(f.dir); err != nil {
		file.Close()
		return nil, err
	}
	s.data.Close()
	return &fileData{f: file, size: int64(len(data)), written: int64(len(data))}, nil
}

// Index file layout: a 40-byte header (magic, version, next offset,
// declared size, max timestamp, batch count), the entries, and a CRC-32C of
// everything before it.
const (
	indexMagic      = 0x434c4958 // "CLIX"
	timeIndexMagic  = 0x434c5458 // "CLTX"
	indexHeaderSize = 40
)

func (f *fileBackend) saveIndexes(s *segment, sync bool) error {
	hdr := func(magic uint32) []byte {
		b := binary.BigEndian.AppendUint32(nil, magic)
		b = binary.BigEndian.AppendUint32(b, 1)
		b = binary.BigEndian.AppendUint64(b, uint64(s.next))
		b = binary.BigEndian.AppendUint64(b, uint64(s.size))
		b = binary.BigEndian.AppendUint64(b, uint64(s.maxTs))
		return binary.BigEndian.AppendUint64(b, uint64(s.batches))
	}
	ix := hdr(indexMagic)
	for _, e := range s.index {
		ix = binary.BigEndian.AppendUint32(ix, e.rel)
		ix = binary.BigEndian.AppendUint32(ix, e.pos)
	}
	ix = binary.BigEndian.AppendUint32(ix, crc32.Checksum(ix, castagnoli))
	tx := hdr(timeIndexMagic)
	for _, e := range s.tindex {
		tx = binary.BigEndian.AppendUint64(tx, uint64(e.ts))
		tx = binary.BigEndian.AppendUint32(tx, e.rel)
	}
	tx = binary.BigEndian.AppendUint32(tx, crc32.Checksum(tx, castagnoli))
	for _, w := range []struct {
		suffix string
		data   []byte
	}{{indexSuffix, ix}, {timeSuffix, tx}, {txnSuffix, encodeAborted(s.aborted)}} {
		if err := f.writeFile(offsetName(s.base, w.suffix), w.data, sync); err != nil {
			return err
		}
	}
	return nil
}

// loadIndexes reads a segment's index files and checks them against its
// data; any problem means the caller rescans.
func (f *fileBackend) loadIndexes(s *segment) error {
	read := func(suffix string) ([]byte, error) { return f.readFile(offsetName(s.base, suffix)) }
	ix, err := read(indexSuffix)
	if err != nil {
		return err
	}
	tx, err := read(timeSuffix)
	if err != nil {
		return err
	}
	txn, err := read(txnSuffix)
	if err != nil {
		return err
	}
	check := func(b []byte, magic uint32, entry int) ([]byte, error) {
		if len(b) < indexHeaderSize+4 || (len(b)-indexHeaderSize-4)%entry != 0 {
			return nil, fmt.Errorf("index of %d bytes", len(b))
		}
		if crc32.Checksum(b[:len(b)-4], castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
			return nil, fmt.Errorf("index crc mismatch")
		}
		if binary.BigEndian.Uint32(b) != magic || binary.BigEndian.Uint32(b[4:]) != 1 {
			return nil, fmt.Errorf("bad index header")
		}
		return b[indexHeaderSize : len(b)-4], nil
	}
	ie, err := check(ix, indexMagic, 8)
	if err != nil {
		return err
	}
	te, err := check(tx, timeIndexMagic, 12)
	if err != nil {
		return err
	}
	if string(ix[8:indexHeaderSize]) != string(tx[8:indexHeaderSize]) {
		return fmt.Errorf("index headers disagree")
	}
	aborted, err := decodeAborted(txn)
	if err != nil {
		return err
	}
	next := int64(binary.BigEndian.Uint64(ix[8:]))
	size := int64(binary.BigEndian.Uint64(ix[16:]))
	maxTs := int64(binary.BigEndian.Uint64(ix[24:]))
	batches := int64(binary.BigEndian.Uint64(ix[32:]))
	dataSize := s.data.Size()
	if next < s.base || size < dataSize || batches < 0 || (batches == 0) != (dataSize == 0) {
		return fmt.Errorf("index header inconsistent with %d data bytes", dataSize)
	}
	index := make([]indexEntry, 0, len(ie)/8)
	for p := ie; len(p) > 0; p = p[8:] {
		e := indexEntry{binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])}
		if int64(e.pos) >= dataSize || int64(e.rel) >= next-s.base ||
			(len(index) > 0 && (e.rel <= index[len(index)-1].rel || e.pos <= index[len(index)-1].pos)) {
			return fmt.Errorf("index entry out of order")
		}
		index = append(index, e)
	}
	tindex := make([]timeEntry, 0, len(te)/12)
	for p := te; len(p) > 0; p = p[12:] {
		e := timeEntry{int64(binary.BigEndian.Uint64(p)), binary.BigEndian.Uint32(p[8:])}
		if int64(e.rel) >= next-s.base || e.ts > maxTs || (len(tindex) > 0 && (e.ts < tindex[len(tindex)-1].ts || e.rel < tindex[len(tindex)-1].rel)) {
			return fmt.Errorf("time index entry out of order")
		}
		tindex = append(tindex, e)
	}
	s.next, s.size, s.maxTs, s.batches = next, size, maxTs, batches
	s.index, s.tindex, s.aborted = index, tindex, aborted
	// Spot-check: the last indexed batch must be where the index says, and
	// the batch headers from there must end exactly at the end of the data
	// and at the index's next offset (a batch appended behind the index's
	// back fails this).
	pos, want := int64(0), s.base
	if n := len(index); n > 0 {
		pos, want = int64(index[n-1].pos), s.base+int64(index[n-1].rel)
	}
	last := s.base
	for first := true; pos < dataSize; first = false {
		h, l, err := s.readHeader(pos)
		if err != nil || (first && len(index) > 0 && h.BaseOffset() != want) || h.BaseOffset() < want || checkHeader(h) != nil {
			s.reset()
			return fmt.Errorf("index does not match data")
		}
		want, last = h.NextOffset(), h.NextOffset()
		pos += l
	}
	if last != next && !(batches == 0 && next == s.base) {
		s.reset()
		return fmt.Errorf("index next offset %d, data ends at %d", next, last)
	}
	return nil
}

func (f *fileBackend) readFile(name string) ([]byte, error) {
	file, err := f.fs.Open(f.path(name))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	n, err := file.Size()
	if err != nil {
		return nil, err
	}
	if n > 1<<30 {
		return nil, fmt.Errorf("%s: %d bytes is too large", name, n)
	}
	b := make([]byte, n)
	if n > 0 {
		if _, err := file.ReadAt(b, 0); err != nil && !(err == io.EOF) {
			return nil, err
		}
	}
	return b, nil
}

// writeFile replaces name through a temporary file and a rename.
func (f *fileBackend) writeFile(name string, data []byte, sync bool) error {
	tmp := f.path(name + tmpSuffix)
	file, err := f.fs.Create(tmp)
	if err != nil {
		return err
	}
	_, err = file.Write(data)
	if err == nil && sync {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.fs.Rename(tmp, f.path(name))
	}
	if err == nil && sync {
		err = f.fs.SyncDir(f.dir)
	}
	return err
}

func (f *fileBackend) putMeta(name string, data []byte) error { return f.writeFile(name, data, true) }
func (f *fileBackend) getMeta(name string) ([]byte, error)    { return f.readFile(name) }

func (f *fileBackend) removeMeta(name string) error {
	if err := f.fs.Remove(f.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (f *fileBackend) listMeta() ([]string, error) { return f.fs.List(f.dir) }
