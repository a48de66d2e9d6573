package commitlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"mqsim/model/commitlog/vfs"
)

// ErrNotALog is returned by Verify and Scan for a directory that holds no
// log segments.
var ErrNotALog = errors.New("not a log directory")

// displayName is a file name as printed: quoted when it holds anything
// but printable characters (a stray file's name comes from the directory;
// control characters never reach a terminal raw).
func displayName(n string) string {
	for _, r := range n {
		if !unicode.IsPrint(r) || r == ' ' {
			return strconv.Quote(n)
		}
	}
	return n
}

// Problem is one piece of corruption found by Verify.
type Problem struct {
	// Segment is the file the problem is in (a segment or any other file
	// of the directory), or "" for the directory as a whole.
	Segment  string
	Position int64
	Reason   string
}

func (p Problem) String() string {
	name := displayName(p.Segment)
	switch {
	case p.Segment == "":
		return p.Reason
	case strings.HasSuffix(p.Segment, logSuffix) && len(p.Segment) == 20+len(logSuffix):
		return fmt.Sprintf("segment %s, byte %d: %s", name, p.Position, p.Reason)
	case p.Position > 0:
		return fmt.Sprintf("file %s, byte %d: %s", name, p.Position, p.Reason)
	}
	return fmt.Sprintf("file %s: %s", name, p.Reason)
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
	// LogStartOffset is the log-start-offset checkpoint (0 without one).
	LogStartOffset int64
	// Clean is set when the directory holds a clean-shutdown marker.
	Clean bool
	// Notes are findings that are not damage: leftovers the next open
	// removes or rebuilds, an unclean shutdown.
	Notes []string
}

// OK reports whether no corruption was found.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// listLogDir lists a log directory's names; a path that is missing, not a
// directory or cannot be listed is ErrNotALog.
func listLogDir(fsys vfs.FS, dir string) ([]string, error) {
	isDir, err := fsys.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotALog, dir, err)
	}
	if !isDir {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNotALog, dir)
	}
	names, err := fsys.List(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot list %s: %w", ErrNotALog, dir, err)
	}
	return names, nil
}

func listSegments(fsys vfs.FS, dir string) ([]int64, error) {
	names, err := listLogDir(fsys, dir)
	if err != nil {
		return nil, err
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

// maxProblems bounds a report; the rest are counted in its last entry.
const maxProblems = 100

// verifier carries one Verify pass.
type verifier struct {
	fsys    vfs.FS
	fb      *fileBackend
	rep     *VerifyReport
	dropped int
	// From the checkpoint files.
	logStart     int64
	cleaned      int64
	epochs       epochCache
	epochsOK     bool
	epochProblem bool
	lastEpoch    int32
}

func (v *verifier) problem(file string, pos int64, format string, args ...any) {
	if len(v.rep.Problems) >= maxProblems {
		v.dropped++
		return
	}
	v.rep.Problems = append(v.rep.Problems, Problem{file, pos, fmt.Sprintf(format, args...)})
}

// batchAt is where a batch starts and what the indexes must say about it.
type batchAt struct {
	pos, base int64
	maxTs     int64 // largest timestamp up to and including this batch
	control   int16 // control type, or -1
	pid       int64
}

// segScan is what a segment's data holds, for checking its indexes.
type segScan struct {
	base, next   int64
	size, maxTs  int64
	batches      int64
	broken       bool // a bad batch stopped the scan
	starts       []batchAt
	dataSize     int64
	last, clean  bool
	indexChecked bool
}

// Verify checks a log directory without changing it, and more than
// recovery does: every batch's CRC, header and records; offsets contiguous
// within and across segments (the first segment at the log start offset;
// gaps only below the cleaner checkpoint, where compaction leaves them),
// every batch inside its segment's range; leader epochs non-decreasing and
// matching the leader-epoch-checkpoint; every offset index, time index,
// transaction index and producer snapshot against the data; the checkpoint
// files against each other and the data; and no stray file in the
// directory. Corruption is reported in the result; the error is for a
// directory that cannot be read or is not a log.
func Verify(fsys vfs.FS, dir string) (*VerifyReport, error) {
	names, err := listLogDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	v := &verifier{fsys: fsys, fb: &fileBackend{fs: fsys, dir: dir}, rep: &VerifyReport{FirstOffset: -1}, lastEpoch: -1}
	rep := v.rep
	var bases, snapshots []int64
	indexFiles := map[int64][]string{}
	known := false
	for _, n := range names {
		if b, ok := parseOffsetName(n, logSuffix); ok {
			bases = append(bases, b)
			known = true
			continue
		}
		if b, ok := parseOffsetName(n, snapshotSuffix); ok {
			snapshots = append(snapshots, b)
			known = true
			continue
		}
		indexed := false
		for _, suf := range []string{indexSuffix, timeSuffix, txnSuffix} {
			if b, ok := parseOffsetName(n, suf); ok {
				indexFiles[b] = append(indexFiles[b], n)
				indexed, known = true, true
			}
		}
		if indexed {
			continue
		}
		switch {
		case n == metaEpochs || n == metaRecovery || n == metaLogStart || n == metaClean || n == metaCleaner:
			known = true
		case strings.HasSuffix(n, tmpSuffix) || strings.HasSuffix(n, cleanedSuffix):
			rep.Notes = append(rep.Notes, fmt.Sprintf("leftover temporary file %s (an interrupted write; the next open removes it)", displayName(n)))
		case strings.Contains(n, logSuffix):
			known = true
			v.problem(n, 0, "stray file: not a segment (a segment is named <20-digit base offset>.log); a renamed segment's offsets are missing from the log")
		default:
			v.problem(n, 0, "stray file: not part of a log directory")
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: %s holds no segment files", ErrNotALog, dir)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	sort.Slice(snapshots, func(i, j int) bool { return snapshots[i] < snapshots[j] })

	// Checkpoint files.
	meta := func(name string) ([]byte, bool) {
		b, err := v.fb.readFile(name)
		if err != nil {
			if !isNotExist(err) {
				v.problem(name, 0, "cannot read: %v", err)
			}
			return nil, false
		}
		return b, true
	}
	offsetMeta := func(name string) (int64, bool) {
		b, ok := meta(name)
		if !ok {
			return 0, false
		}
		o, err := parseOffsetMeta(b)
		if err != nil {
			v.problem(name, 0, "corrupt checkpoint: %v", err)
			return 0, false
		}
		return o, true
	}
	v.logStart, _ = offsetMeta(metaLogStart)
	rep.LogStartOffset = v.logStart
	recovery, hasRecovery := offsetMeta(metaRecovery)
	v.cleaned, _ = offsetMeta(metaCleaner)
	cleanEnd := int64(-1)
	if b, ok := meta(metaClean); ok {
		e, err := parseCleanMarker(b)
		if err != nil {
			v.problem(metaClean, 0, "%v", err)
		} else {
			rep.Clean, cleanEnd = true, e
		}
	}
	if b, ok := meta(metaEpochs); ok {
		c, err := decodeEpochs(b)
		if err != nil {
			v.problem(metaEpochs, 0, "%v", err)
		} else {
			v.epochs, v.epochsOK = c, true
		}
	} else if len(bases) > 0 {
		v.problem(metaEpochs, 0, "missing (every opened log writes one)")
	}
	if len(bases) == 0 {
		v.problem("", 0, "no segment files: the log's data is missing")
		rep.FirstOffset, rep.NextOffset = v.logStart, v.logStart
		v.finish()
		return rep, nil
	}

	// Segments, in offset order.
	if bases[0] > v.logStart {
		v.problem(offsetName(bases[0], logSuffix), 0, "offsets %d..%d are missing: the log starts at offset %d but its first segment at %d", v.logStart, bases[0]-1, v.logStart, bases[0])
	}
	prev := (*segScan)(nil)
	for i, base := range bases {
		name := offsetName(base, logSuffix)
		if i+1 < len(bases) && bases[i+1] <= v.logStart {
			// Its records were deleted (the log start moved past them);
			// the file goes at the next open, as Kafka's retention
			// removes segments below the log start.
			rep.Notes = append(rep.Notes, fmt.Sprintf("segment %s lies wholly below the log start offset %d (deleted records; the next open removes it)", name, v.logStart))
		}
		if prev != nil && !prev.broken {
			switch {
			case base < prev.next:
				v.problem(name, 0, "segment base %d overlaps the previous segment, which ends at %d", base, prev.next)
			case base > prev.next && base > v.cleaned:
				v.problem(name, 0, "offsets %d..%d are missing between segments %s and %s", prev.next, base-1, offsetName(prev.base, logSuffix), name)
			}
		}
		limit := int64(-1)
		if i+1 < len(bases) {
			limit = bases[i+1]
		}
		sc := v.segment(name, base, limit)
		sc.last, sc.clean = i == len(bases)-1, rep.Clean
		v.indexes(name, sc, indexFiles[base])
		delete(indexFiles, base)
		rep.Segments++
		prev = sc
	}
	rep.NextOffset = prev.next
	if rep.FirstOffset < 0 {
		rep.FirstOffset = bases[0]
	}
	end := rep.NextOffset
	last := offsetName(bases[len(bases)-1], logSuffix)

	// Index files without a segment: the segment was deleted or renamed.
	var orphans []int64
	for b := range indexFiles {
		orphans = append(orphans, b)
	}
	sort.Slice(orphans, func(i, j int) bool { return orphans[i] < orphans[j] })
	for _, b := range orphans {
		for _, n := range indexFiles[b] {
			v.problem(n, 0, "index file without its segment %s: the segment was deleted or renamed", offsetName(b, logSuffix))
		}
	}

	// Checkpoints against the data.
	if cleanEnd >= 0 && cleanEnd != end {
		v.problem(metaClean, 0, "the log was shut down cleanly at log end %d, but its segments end at %d", cleanEnd, end)
	}
	if hasRecovery && recovery > bases[len(bases)-1] {
		v.problem(metaRecovery, 0, "recovery point %d is past the last segment (base %d): data that was synced is missing", recovery, bases[len(bases)-1])
	}
	if v.logStart > end {
		v.problem(metaLogStart, 0, "log start offset %d is past the log end %d", v.logStart, end)
	}
	if v.epochsOK {
		for i, e := range v.epochs {
			if e.StartOffset > end {
				v.problem(metaEpochs, 0, "entry %d (epoch %d from offset %d) starts past the log end %d", i, e.Epoch, e.StartOffset, end)
				break
			}
		}
		if len(v.epochs) > 0 && v.epochs[0].StartOffset < v.logStart {
			v.problem(metaEpochs, 0, "first entry (epoch %d from offset %d) starts below the log start offset %d", v.epochs[0].Epoch, v.epochs[0].StartOffset, v.logStart)
		}
	}
	for _, o := range snapshots {
		name := snapshotName(o)
		b, ok := meta(name)
		if !ok {
			continue
		}
		if _, err := decodeSnapshot(b); err != nil {
			v.problem(name, 0, "producer snapshot: %v", err)
		} else if o > end {
			v.problem(name, 0, "producer snapshot at offset %d is past the log end %d (segment %s)", o, end, last)
		}
	}
	if !rep.Clean {
		rep.Notes = append(rep.Notes, fmt.Sprintf("not shut down cleanly: the next open rescans from the recovery point (%d)", recovery))
	}
	v.finish()
	return rep, nil
}

func (v *verifier) finish() {
	if v.dropped > 0 {
		v.rep.Problems = append(v.rep.Problems, Problem{"", 0, fmt.Sprintf("and %d more problems", v.dropped)})
	}
}

// segment checks one segment's batches; limit is the next segment's base
// (-1 for the last segment).
func (v *verifier) segment(name string, base, limit int64) *segScan {
	rep := v.rep
	sc := &segScan{base: base, next: base, maxTs: -1}
	f, err := v.fsys.Open(v.fb.path(name))
	if err != nil {
		v.problem(name, 0, "cannot open: %v", err)
		sc.broken = true
		return sc
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		v.problem(name, 0, "cannot stat: %v", err)
		sc.broken = true
		return sc
	}
	sc.dataSize = size
	d := &fileData{f: f, size: size, written: size}
	var buf []byte
	var rr RecordReader
	var hdrs []Header
	for pos := int64(0); pos < size; {
		b, n, err := readBatchAt(d, pos, &buf)
		if err != nil {
			v.problem(name, pos, "%v", err)
			sc.broken = true
			break
		}
		bo := b.BaseOffset()
		switch {
		case bo < sc.next:
			v.problem(name, pos, "batch offset %d is below %d (offsets must increase; segment base %d)", bo, sc.next, base)
			sc.broken = true
		case bo > sc.next && bo > v.cleaned:
			v.problem(name, pos, "offsets %d..%d are missing: batch at offset %d follows offset %d (gaps only below the cleaner checkpoint %d)", sc.next, bo-1, bo, sc.next-1, v.cleaned)
			sc.broken = true
		case b.LastOffset()-base > math.MaxUint32:
			v.problem(name, pos, "batch offsets %d..%d are too far past the segment base %d", bo, b.LastOffset(), base)
			sc.broken = true
		case limit >= 0 && b.LastOffset() >= limit:
			v.problem(name, pos, "batch offsets %d..%d run into the next segment, which starts at %d", bo, b.LastOffset(), limit)
			sc.broken = true
		}
		if sc.broken {
			break
		}
		if err := rr.Reset(b); err == nil {
			for rr.Next() {
				rep.Records++
				if hdrs, err = rr.Record().Headers(hdrs); err != nil {
					break
				}
			}
			if err == nil {
				err = rr.Err()
			}
		}
		if err != nil {
			v.problem(name, pos, "records: %v", err)
			sc.broken = true
			break
		}
		ctrl := int16(-1)
		if b.IsControl() {
			if ctrl, err = ControlType(b); err != nil {
				v.problem(name, pos, "control batch: %v", err)
				sc.broken = true
				break
			}
		}
		v.epoch(name, pos, b)
		if rep.FirstOffset < 0 {
			rep.FirstOffset = bo
		}
		sc.maxTs = max(sc.maxTs, b.MaxTimestamp())
		sc.starts = append(sc.starts, batchAt{pos, bo, sc.maxTs, ctrl, b.ProducerID()})
		sc.batches++
		sc.size += b.Size()
		sc.next = b.NextOffset()
		rep.Batches++
		rep.StoredBytes += b.StoredSize()
		rep.Size += b.Size()
		pos += n
	}
	return sc
}

// epoch checks a batch's leader epoch (outside the CRC, as in Kafka):
// epochs never decrease along the log, and each batch's is the one the
// leader-epoch-checkpoint gives for its offsets. One problem of each kind
// is reported.
func (v *verifier) epoch(name string, pos int64, b Batch) {
	e := b.LeaderEpoch()
	if v.epochProblem {
		return
	}
	if e < v.lastEpoch {
		v.problem(name, pos, "leader epoch %d of the batch at offset %d is below the epoch %d before it", e, b.BaseOffset(), v.lastEpoch)
		v.epochProblem = true
		return
	}
	v.lastEpoch = e
	if !v.epochsOK {
		return
	}
	if err := v.epochs.checkBatch(b, v.logStart); err != nil {
		v.problem(name, pos, "%v", err)
		v.epochProblem = true
	}
}

// indexes checks a segment's offset, time and transaction indexes against
// its data. A missing index is harmless (the next open rebuilds it); a
// present one must be right.
func (v *verifier) indexes(seg string, sc *segScan, files []string) {
	has := map[string]bool{}
	for _, f := range files {
		has[f] = true
	}
	ixName, txName, tnName := offsetName(sc.base, indexSuffix), offsetName(sc.base, timeSuffix), offsetName(sc.base, txnSuffix)
	if len(files) == 0 {
		if !sc.last {
			v.rep.Notes = append(v.rep.Notes, fmt.Sprintf("segment %s has no index files; the next open rebuilds them", seg))
		}
		return
	}
	if sc.broken {
		return
	}
	// The last segment's indexes are written at a clean shutdown; after
	// an unclean one they describe the segment as it was then.
	checkHeader := !sc.last || sc.clean
	var ixHdr []byte
	if has[ixName] {
		ix, err := v.fb.readFile(ixName)
		if err != nil {
			v.problem(ixName, 0, "cannot read: %v", err)
		} else if body, err := indexBody(ix, indexMagic, 8); err != nil {
			v.problem(ixName, 0, "offset index is corrupt: %v", err)
		} else {
			ixHdr = ix[8:indexHeaderSize]
			if checkHeader {
				v.indexHeader(ixName, ix, sc)
			}
			k, prevRel := 0, int64(-1)
			for i, p := 0, body; len(p) > 0; i, p = i+1, p[8:] {
				rel, pos := int64(binary.BigEndian.Uint32(p)), int64(binary.BigEndian.Uint32(p[4:]))
				for k < len(sc.starts) && sc.starts[k].pos < pos {
					k++
				}
				if rel <= prevRel || k == len(sc.starts) || sc.starts[k].pos != pos || sc.starts[k].base != sc.base+rel {
					v.problem(ixName, int64(indexHeaderSize+8*i), "entry %d (offset %d at byte %d) does not point at a batch starting there in %s", i, sc.base+rel, pos, seg)
					break
				}
				prevRel = rel
				v.rep.IndexEntries++
			}
		}
	}
	if has[txName] {
		tx, err := v.fb.readFile(txName)
		if err != nil {
			v.problem(txName, 0, "cannot read: %v", err)
		} else if body, err := indexBody(tx, timeIndexMagic, 12); err != nil {
			v.problem(txName, 0, "time index is corrupt: %v", err)
		} else {
			if ixHdr != nil && string(tx[8:indexHeaderSize]) != string(ixHdr) {
				v.problem(txName, 8, "time index header disagrees with the offset index's")
			} else if checkHeader {
				v.indexHeader(txName, tx, sc)
			}
			k := 0
			for i, p := 0, body; len(p) > 0; i, p = i+1, p[12:] {
				ts, rel := int64(binary.BigEndian.Uint64(p)), int64(binary.BigEndian.Uint32(p[8:]))
				for k < len(sc.starts) && sc.starts[k].base < sc.base+rel {
					k++
				}
				if k == len(sc.starts) || sc.starts[k].base != sc.base+rel || sc.starts[k].maxTs != ts {
					v.problem(txName, int64(indexHeaderSize+12*i), "entry %d (timestamp %d at offset %d) does not match the batches of %s", i, ts, sc.base+rel, seg)
					break
				}
				v.rep.IndexEntries++
			}
		}
	}
	if has[tnName] {
		tn, err := v.fb.readFile(tnName)
		if err != nil {
			v.problem(tnName, 0, "cannot read: %v", err)
		} else if list, err := decodeAborted(tn); err != nil {
			v.problem(tnName, 0, "%v", err)
		} else {
			for i, a := range list {
				k := sort.Search(len(sc.starts), func(j int) bool { return sc.starts[j].base >= a.LastOffset })
				if k == len(sc.starts) || sc.starts[k].base != a.LastOffset || sc.starts[k].control != ControlAbort || sc.starts[k].pid != a.ProducerID {
					v.problem(tnName, int64(abortedEntrySize*i), "entry %d (producer %d, offsets %d..%d) has no abort marker of that producer at offset %d in %s", i, a.ProducerID, a.FirstOffset, a.LastOffset, a.LastOffset, seg)
					break
				}
				v.rep.IndexEntries++
			}
		}
	}
}

// indexBody checks an index file's size, CRC and header and returns its
// entries.
func indexBody(b []byte, magic uint32, entry int) ([]byte, error) {
	if len(b) < indexHeaderSize+4 || (len(b)-indexHeaderSize-4)%entry != 0 {
		return nil, fmt.Errorf("%d bytes is not a header, whole entries and a crc", len(b))
	}
	if got, want := crc32.Checksum(b[:len(b)-4], castagnoli), binary.BigEndian.Uint32(b[len(b)-4:]); got != want {
		return nil, fmt.Errorf("crc mismatch: computed %08x, stored %08x", got, want)
	}
	if binary.BigEndian.Uint32(b) != magic || binary.BigEndian.Uint32(b[4:]) != 1 {
		return nil, fmt.Errorf("bad magic or version")
	}
	return b[indexHeaderSize : len(b)-4], nil
}

// indexHeader checks an index header's summary of the segment.
func (v *verifier) indexHeader(name string, b []byte, sc *segScan) {
	next := int64(binary.BigEndian.Uint64(b[8:]))
	size := int64(binary.BigEndian.Uint64(b[16:]))
	maxTs := int64(binary.BigEndian.Uint64(b[24:]))
	batches := int64(binary.BigEndian.Uint64(b[32:]))
	if next != sc.next || size != sc.size || maxTs != sc.maxTs || batches != sc.batches {
		v.problem(name, 8, "header says offsets to %d, %d batches, %d bytes, max timestamp %d; the segment holds offsets to %d, %d batches, %d bytes, max timestamp %d",
			next, batches, size, maxTs, sc.next, sc.batches, sc.size, sc.maxTs)
	}
}
