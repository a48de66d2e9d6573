package commitlog

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"

	"mqsim/model/commitlog/vfs"
)

// The corruption suite: every kind of damage to a log directory is either
// reported by Verify or proven harmless (the batches a dump prints and the
// log a reopen serves are those of the undamaged directory).

// corruptAllEnv makes the suite flip every bit of every file instead of a
// deterministic sample.
const corruptAllEnv = "COMMITLOG_CORRUPT_ALL"

const corruptDir = "/log"

// pristineLog writes a log with everything a directory can hold: several
// segments, three leader epochs, a log start offset inside a segment (after
// DeleteRecordsBefore removed the first segment), an aborted transaction
// (a transaction index), producer snapshots, and a clean shutdown.
func pristineLog(t testing.TB) *vfs.Mem {
	t.Helper()
	mem := vfs.NewMem()
	cfg := Config{SegmentBytes: 600, IndexIntervalBytes: 150}
	l, err := Open(mem, corruptDir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var bb BatchBuilder
	for i := 0; i < 24; i++ {
		epoch := int32(i / 8)
		switch i {
		case 13:
			mustAppend(t, l, build(t, BatchHeader{Transactional: true, ProducerID: 7, BaseSequence: 0}, rec{int64(i), []byte("tk"), []byte("tv")}), epoch)
		case 14:
			b, err := bb.BuildControl(7, 0, false, 0, int64(i))
			if err != nil {
				t.Fatal(err)
			}
			mustAppend(t, l, append(Batch(nil), b...), epoch)
		default:
			mustAppend(t, l, simple(t, int64(10*i), 3), epoch)
		}
		if i == 9 {
			if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
				t.Fatal(err)
			}
			segs := l.Segments()
			// Into the second segment: the first goes, and the log
			// start moves inside the second.
			if _, err := l.DeleteRecordsBefore(segs[1].BaseOffset + 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return mem
}

// fingerprint is what a dump prints and what a reopened log serves.
func fingerprint(t testing.TB, fsys *vfs.Mem) string {
	t.Helper()
	var b strings.Builder
	err := Scan(fsys, corruptDir, 0, func(seg string, pos int64, bt Batch) error {
		fmt.Fprintf(&b, "dump %s@%d %d..%d epoch %d crc %08x\n", seg, pos, bt.BaseOffset(), bt.LastOffset(), bt.LeaderEpoch(), bt.CRC())
		return nil
	})
	fmt.Fprintf(&b, "dump end: %v\n", err)
	l, err := Open(fsys.Clone(), corruptDir, Config{SegmentBytes: 600, IndexIntervalBytes: 150})
	if err != nil {
		var ce *CorruptionError
		typed := errors.As(err, &ce) || errors.Is(err, ErrStorage)
		fmt.Fprintf(&b, "open (typed %t): %v\n", typed, err)
		return b.String()
	}
	defer l.Close()
	fmt.Fprintf(&b, "start %d end %d epochs %v segments %v\n", l.LogStartOffset(), l.LogEndOffset(), l.Epochs(), l.Segments())
	if p, ok := l.ProducerState(7); ok {
		fmt.Fprintf(&b, "producer 7: %+v\n", p)
	}
	if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
		fmt.Fprintf(&b, "hw: %v\n", err)
	}
	for off := l.LogStartOffset(); ; {
		res, err := l.Read(off, ReadOptions{MaxBytes: 1 << 16, Upto: UptoLastStable})
		if err != nil {
			fmt.Fprintf(&b, "read %d: %v\n", off, err)
			break
		}
		if len(res.Data) == 0 {
			break
		}
		fmt.Fprintf(&b, "read %d: %x aborted %v lso %d\n", off, res.Data, res.Aborted, res.LastStableOffset)
		off = res.NextOffset
	}
	return b.String()
}

// corruption is one way to damage a directory.
type corruption struct {
	name  string
	apply func(t testing.TB, m *vfs.Mem)
}

func fileNames(t testing.TB, m *vfs.Mem) []string {
	names, err := m.List(corruptDir)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func fileBytes(t testing.TB, m *vfs.Mem, name string) []byte {
	b, err := m.Bytes(path.Join(corruptDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func setFile(t testing.TB, m *vfs.Mem, name string, data []byte) {
	f, err := m.Create(path.Join(corruptDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func removeFile(t testing.TB, m *vfs.Mem, name string) {
	if err := m.Remove(path.Join(corruptDir, name)); err != nil {
		t.Fatal(err)
	}
}

func renameFile(t testing.TB, m *vfs.Mem, from, to string) {
	if err := m.Rename(path.Join(corruptDir, from), path.Join(corruptDir, to)); err != nil {
		t.Fatal(err)
	}
}

// batchStarts lists the byte positions where a segment's batches start.
func batchStarts(data []byte) []int {
	var out []int
	for p := 0; p < len(data); {
		out = append(out, p)
		p += int(Batch(data[p:]).StoredSize())
	}
	return out
}

// samplePositions is every position of a small file, or a deterministic
// spread of about 96 of a larger one (with every batch header byte of a
// segment's first batch), unless the environment asks for all.
func samplePositions(name string, n int) []int {
	if n <= 96 || os.Getenv(corruptAllEnv) != "" {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	var out []int
	if strings.HasSuffix(name, logSuffix) {
		for i := 0; i < HeaderSize && i < n; i++ {
			out = append(out, i)
		}
	}
	step := n / 64
	for i := len(name) % step; i < n; i += step {
		out = append(out, i)
	}
	return out
}

func bitsFor(pos int) []int {
	if os.Getenv(corruptAllEnv) != "" {
		return []int{0, 1, 2, 3, 4, 5, 6, 7}
	}
	return []int{pos % 8}
}

func corruptions(t testing.TB, pristine *vfs.Mem) []corruption {
	var cs []corruption
	add := func(name string, f func(t testing.TB, m *vfs.Mem)) { cs = append(cs, corruption{name, f}) }
	names := fileNames(t, pristine)
	var segs []string
	for _, n := range names {
		if _, ok := parseOffsetName(n, logSuffix); ok {
			segs = append(segs, n)
		}
	}
	// Bit flips anywhere in every file.
	for _, n := range names {
		data := fileBytes(t, pristine, n)
		for _, pos := range samplePositions(n, len(data)) {
			for _, bit := range bitsFor(pos) {
				add(fmt.Sprintf("flip %s byte %d bit %d", n, pos, bit), func(t testing.TB, m *vfs.Mem) {
					d := fileBytes(t, m, n)
					d[pos] ^= 1 << bit
					setFile(t, m, n, d)
				})
			}
		}
	}
	// Truncation: every batch boundary and inside batches of a segment;
	// every length of a small file, a spread of a large one.
	for _, n := range names {
		data := fileBytes(t, pristine, n)
		var cuts []int
		if _, ok := parseOffsetName(n, logSuffix); ok {
			for _, p := range batchStarts(data) {
				cuts = append(cuts, p, p+1, p+logOverhead, p+HeaderSize-1, p+HeaderSize+3)
			}
			cuts = append(cuts, len(data)-1)
		} else {
			cuts = samplePositions(n, len(data))
		}
		for _, c := range cuts {
			if c < 0 || c >= len(data) {
				continue
			}
			add(fmt.Sprintf("truncate %s to %d bytes", n, c), func(t testing.TB, m *vfs.Mem) {
				setFile(t, m, n, fileBytes(t, m, n)[:c])
			})
		}
	}
	// Whole files: deleted; segments renamed, duplicated, swapped.
	for _, n := range names {
		add("delete "+n, func(t testing.TB, m *vfs.Mem) { removeFile(t, m, n) })
	}
	for i, n := range segs {
		base, _ := parseOffsetName(n, logSuffix)
		add("delete segment with its indexes "+n, func(t testing.TB, m *vfs.Mem) {
			for _, suf := range []string{logSuffix, indexSuffix, timeSuffix, txnSuffix} {
				if _, err := m.Stat(path.Join(corruptDir, offsetName(base, suf))); err == nil {
					removeFile(t, m, offsetName(base, suf))
				}
			}
		})
		for _, to := range []string{"segment.log", n + ".bak", strings.Replace(n, "0", "O", 1), offsetName(base+1, logSuffix), offsetName(max(base-1, 0), logSuffix)} {
			if to == n {
				continue
			}
			add("rename "+n+" to "+to, func(t testing.TB, m *vfs.Mem) { renameFile(t, m, n, to) })
		}
		for _, to := range []string{offsetName(base+1000, logSuffix), "copy-" + n, offsetName(0, logSuffix)} {
			if to == n {
				continue
			}
			add("duplicate "+n+" as "+to, func(t testing.TB, m *vfs.Mem) { setFile(t, m, to, fileBytes(t, m, n)) })
		}
		if i+1 < len(segs) {
			other := segs[i+1]
			add("swap "+n+" and "+other, func(t testing.TB, m *vfs.Mem) {
				a, b := fileBytes(t, m, n), fileBytes(t, m, other)
				setFile(t, m, n, b)
				setFile(t, m, other, a)
			})
		}
	}
	// Forged batches: valid CRC, appended or prepended, at a far, the next,
	// or an old offset, in each segment.
	for _, n := range segs {
		for _, at := range []string{"append", "prepend"} {
			for _, kind := range []string{"far", "next", "old"} {
				add(fmt.Sprintf("forge %s batch %s to %s", kind, at, n), func(t testing.TB, m *vfs.Mem) {
					d := fileBytes(t, m, n)
					starts := batchStarts(d)
					lastB := Batch(d[starts[len(starts)-1]:])
					f := simple(t, 5, 2)
					switch kind {
					case "far":
						f.setBaseOffset(1_000_000)
					case "next":
						f.setBaseOffset(lastB.NextOffset())
					case "old":
						f.setBaseOffset(Batch(d).BaseOffset())
					}
					f.setLeaderEpoch(lastB.LeaderEpoch())
					if at == "append" {
						d = append(d, f...)
					} else {
						d = append(append([]byte(nil), f...), d...)
					}
					setFile(t, m, n, d)
				})
			}
		}
	}
	// Leader epochs edited in batches (outside the CRC) and in the
	// checkpoint.
	for _, n := range segs {
		for k, p := range batchStarts(fileBytes(t, pristine, n)) {
			for _, delta := range []int32{+1, -1, +50} {
				add(fmt.Sprintf("epoch %+d in batch %d of %s", delta, k, n), func(t testing.TB, m *vfs.Mem) {
					d := fileBytes(t, m, n)
					b := Batch(d[p:])
					b.setLeaderEpoch(b.LeaderEpoch() + delta)
					setFile(t, m, n, d)
				})
			}
		}
	}
	ckpt := string(fileBytes(t, pristine, metaEpochs))
	lines := strings.Split(strings.TrimSuffix(ckpt, "\n"), "\n")
	for i := 2; i < len(lines); i++ {
		var e, o int64
		fmt.Sscanf(lines[i], "%d %d", &e, &o)
		for _, edit := range []string{fmt.Sprintf("%d %d", e+1, o), fmt.Sprintf("%d %d", max(e-1, 0), o), fmt.Sprintf("%d %d", e, o+1), fmt.Sprintf("%d %d", e, max(o-1, 0))} {
			if edit == lines[i] {
				continue
			}
			add(fmt.Sprintf("checkpoint line %d %q -> %q", i+1, lines[i], edit), func(t testing.TB, m *vfs.Mem) {
				l2 := append([]string(nil), lines...)
				l2[i] = edit
				setFile(t, m, metaEpochs, []byte(strings.Join(l2, "\n")+"\n"))
			})
		}
		add(fmt.Sprintf("checkpoint without line %d", i+1), func(t testing.TB, m *vfs.Mem) {
			l2 := append(append([]string(nil), lines[:i]...), lines[i+1:]...)
			l2[1] = fmt.Sprint(len(l2) - 2)
			setFile(t, m, metaEpochs, []byte(strings.Join(l2, "\n")+"\n"))
		})
	}
	add("checkpoint with an extra epoch", func(t testing.TB, m *vfs.Mem) {
		l2 := append(append([]string(nil), lines...), "9 1")
		l2[1] = fmt.Sprint(len(l2) - 2)
		setFile(t, m, metaEpochs, []byte(strings.Join(l2, "\n")+"\n"))
	})
	// Stray files.
	add("stray file", func(t testing.TB, m *vfs.Mem) { setFile(t, m, "notes.txt", []byte("hello")) })
	add("stray directory", func(t testing.TB, m *vfs.Mem) { m.MkdirAll(path.Join(corruptDir, "sub")) })
	return cs
}

// TestCorruptionSuite applies every corruption to a copy of a pristine
// log, shut down cleanly or not: Verify reports it, or the damage is
// harmless.
func TestCorruptionSuite(t *testing.T) {
	t.Run("clean", func(t *testing.T) { corruptionSuite(t, pristineLog(t), "") })
	t.Run("unclean", func(t *testing.T) {
		m := pristineLog(t)
		removeFile(t, m, metaClean)
		last := fileNames(t, m)
		var seg string
		for _, n := range last {
			if _, ok := parseOffsetName(n, logSuffix); ok {
				seg = n
			}
		}
		// A batch with a valid CRC, the next offset and the current epoch
		// appended to the active segment of a log that was not shut down
		// cleanly is exactly what an append before a crash leaves: no
		// check can tell it from one (nor can Kafka's).
		corruptionSuite(t, m, "forge next batch append to "+seg)
	})
}

func corruptionSuite(t *testing.T, pristine *vfs.Mem, indistinguishable string) {
	if rep, err := Verify(pristine, corruptDir); err != nil || !rep.OK() {
		t.Fatalf("pristine log does not verify: %v %v", err, rep)
	}
	want := fingerprint(t, pristine)
	if !strings.Contains(want, "start ") || strings.Contains(want, "open (") {
		t.Fatalf("pristine fingerprint:\n%s", want)
	}
	cs := corruptions(t, pristine)
	reported, harmless := 0, 0
	for _, c := range cs {
		if c.name == indistinguishable {
			continue
		}
		m := pristine.Clone()
		c.apply(t, m)
		rep, err := Verify(m, corruptDir)
		if err != nil && !errors.Is(err, ErrNotALog) {
			t.Errorf("%s: verify: %v", c.name, err)
			continue
		}
		// Whatever the damage, opening and reading never panic, and a
		// refusal is a typed corruption error.
		got := fingerprint(t, m)
		if err != nil || !rep.OK() {
			reported++
			if i := strings.Index(got, "open (typed false)"); i >= 0 {
				t.Errorf("%s: open refused with an untyped error: %s", c.name, got[i:])
			}
			continue
		}
		if got != want {
			t.Errorf("%s: verify says ok, but the log differs:\n got %s\nwant %s", c.name, firstDiff(got, want), firstDiff(want, got))
			continue
		}
		harmless++
		if testing.Verbose() {
			t.Logf("harmless: %s", c.name)
		}
	}
	t.Logf("%d corruptions: %d reported, %d harmless", len(cs), reported, harmless)
}

// firstDiff is the line of a where it first differs from b.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range al {
		if i >= len(bl) || al[i] != bl[i] {
			a := al[i]
			if len(a) > 300 {
				j := 0
				for i < len(bl) && j < len(a) && j < len(bl[i]) && a[j] == bl[i][j] {
					j++
				}
				a = "..." + a[max(j-100, 0):min(j+200, len(a))]
			}
			return a
		}
	}
	return "(prefix)"
}
