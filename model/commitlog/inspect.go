package commitlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"

	"mqsim/model/commitlog/vfs"
)

// ErrNotALog is returned by Verify and Scan for a directory that holds no
// log segments.
var ErrNotALog = errors.New("not a log directory")

// Problem is one piece of corruption found by Verify.
type Problem struct {
	Segment  string
	Position int64
	Reason   string
}

func (p Problem) String() string {
	return fmt.Sprintf("segment %s, byte %d: %s", p.Segment, p.Position, p.Reason)
}

// VerifyReport summarises a Verify pass.
type VerifyReport struct {
	Segments     int
	Batches      int64
	Records      int64
	StoredBytes  int64
	Size         int64 // declared
	IndexEntries int64
	FirstOffset  int64
	NextOffset   int64
	Problems     []Problem
}

// OK reports whether no corruption was found.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

func listSegments(fsys vfs.FS, dir string) ([]int64, error) {
	isDir, err := fsys.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotALog, dir, err)
	}
	if !isDir {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNotALog, dir)
	}
	names, err := fsys.List(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	var bases []int64
	for _, n := range names {
		if b, ok := parseOffsetName(n, logSuffix); ok {
			bases = append(bases, b)
		}
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("%w: %s holds no segment files", ErrNotALog, dir)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	return bases, nil
}

// Scan calls fn for every batch of the log in dir, in order, starting with
// the batch that contains offset from. It reads files without changing
// them. A bad batch stops the scan with a *CorruptionError.
func Scan(fsys vfs.FS, dir string, from int64, fn func(segment string, pos int64, b Batch) error) error {
	bases, err := listSegments(fsys, dir)
	if err != nil {
		return err
	}
	fb := &fileBackend{fs: fsys, dir: dir}
	var buf []byte
	for i, base := range bases {
		if i+1 < len(bases) && bases[i+1] <= from {
			continue
		}
		name := offsetName(base, logSuffix)
		f, err := fsys.Open(fb.path(name))
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		size, err := f.Size()
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		d := &fileData{f: f, size: size, written: size}
		for pos := int64(0); pos < size; {
			b, n, err := readBatchAt(d, pos, &buf)
			if err != nil {
				f.Close()
				return &CorruptionError{Segment: name, Position: pos, Reason: err.Error()}
			}
			if b.LastOffset() >= from {
				if err := fn(name, pos, b); err != nil {
					f.Close()
					return err
				}
			}
			pos += n
		}
		f.Close()
	}
	return nil
}

// readBatchAt reads and verifies the whole batch at pos.
func readBatchAt(d segData, pos int64, buf *[]byte) (Batch, int64, error) {
	var hdr [logOverhead]byte
	if d.Size()-pos < logOverhead {
		return nil, 0, fmt.Errorf("torn batch: %d bytes left", d.Size()-pos)
	}
	if err := d.ReadAt(hdr[:], pos); err != nil {
		return nil, 0, err
	}
	n, _, err := batchLen(hdr[:])
	if err != nil {
		return nil, 0, err
	}
	if pos+int64(n) > d.Size() {
		return nil, 0, fmt.Errorf("torn batch: %d bytes announced, %d left", n, d.Size()-pos)
	}
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if err := d.ReadAt(b, pos); err != nil {
		return nil, 0, err
	}
	if err := checkHeader(b); err != nil {
		return nil, 0, err
	}
	if Batch(b).computeCRC() != Batch(b).CRC() {
		return nil, 0, fmt.Errorf("crc mismatch: computed %08x, stored %08x", Batch(b).computeCRC(), Batch(b).CRC())
	}
	return b, int64(n), nil
}

// Verify checks every batch's CRC and records, offset order within and
// across segments, and every index entry of the log in dir. Corruption is
// reported in the result; the error is for a directory that cannot be read
// or is not a log.
func Verify(fsys vfs.FS, dir string) (*VerifyReport, error) {
	bases, err := listSegments(fsys, dir)
	if err != nil {
		return nil, err
	}
	fb := &fileBackend{fs: fsys, dir: dir}
	rep := &VerifyReport{FirstOffset: -1}
	var buf []byte
	var rr RecordReader
	next := int64(-1)
	for _, base := range bases {
		rep.Segments++
		name := offsetName(base, logSuffix)
		problem := func(pos int64, format string, args ...any) {
			rep.Problems = append(rep.Problems, Problem{name, pos, fmt.Sprintf(format, args...)})
		}
		f, err := fsys.Open(fb.path(name))
		if err != nil {
			problem(0, "cannot open: %v", err)
			continue
		}
		size, err := f.Size()
		if err != nil {
			f.Close()
			problem(0, "cannot stat: %v", err)
			continue
		}
		d := &fileData{f: f, size: size, written: size}
		type at struct{ pos, base int64 }
		var starts []at
		if base < next {
			problem(0, "segment base %d overlaps the previous segment, which ends at %d", base, next)
		}
		for pos := int64(0); pos < size; {
			b, n, err := readBatchAt(d, pos, &buf)
			if err != nil {
				problem(pos, "%v", err)
				break
			}
			if b.BaseOffset() < max(next, base) {
				problem(pos, "batch offset %d is below %d", b.BaseOffset(), max(next, base))
				break
			}
			if err := rr.Reset(b); err == nil {
				for rr.Next() {
					rep.Records++
				}
			}
			if rr.Err() != nil {
				problem(pos, "%v", rr.Err())
				break
			}
			if rep.FirstOffset < 0 {
				rep.FirstOffset = b.BaseOffset()
			}
			starts = append(starts, at{pos, b.BaseOffset()})
			rep.Batches++
			rep.StoredBytes += b.StoredSize()
			rep.Size += b.Size()
			next = b.NextOffset()
			pos += n
		}
		f.Close()
		if ix, err := fb.readFile(offsetName(base, indexSuffix)); err == nil {
			if len(ix) < indexHeaderSize+4 || (len(ix)-indexHeaderSize-4)%8 != 0 ||
				crc32.Checksum(ix[:len(ix)-4], castagnoli) != binary.BigEndian.Uint32(ix[len(ix)-4:]) {
				problem(0, "offset index %s is corrupt", offsetName(base, indexSuffix))
				continue
			}
			for i, p := 0, ix[indexHeaderSize:len(ix)-4]; len(p) > 0; i, p = i+1, p[8:] {
				rel, pos := int64(binary.BigEndian.Uint32(p)), int64(binary.BigEndian.Uint32(p[4:]))
				k := sort.Search(len(starts), func(j int) bool { return starts[j].pos >= pos })
				if k == len(starts) || starts[k].pos != pos || starts[k].base != base+rel {
					problem(pos, "offset index entry %d (offset %d) does not point at a batch starting there", i, base+rel)
					break
				}
				rep.IndexEntries++
			}
		}
	}
	rep.NextOffset = max(next, 0)
	if rep.FirstOffset < 0 {
		rep.FirstOffset = bases[0]
		rep.NextOffset = bases[0]
	}
	return rep, nil
}
