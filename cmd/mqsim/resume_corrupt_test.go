package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"mqsim/model/commitlog"
)

// The run-level corruption suite: a short run leaves a --data-dir; each
// case damages one partition's files in a copy of it, and `run --resume`
// over the copy must do one of three things: refuse it (exit 2, naming
// the partition and the file), say what it met (a log cut by recovery, or a
// storage error, in the results), or produce results identical to the
// resumed run over the undamaged copy. Different numbers without a word, an
// internal failure (exit 1) or a panic fail the test.
//
// The default run takes a small sample of each corruption class (a few
// seconds); set MQSIM_CORRUPTION_SWEEP=1 for every batch boundary and many
// more bit positions, with and without the marker each (thousands of runs:
// give -timeout 60m).

const corruptionSweepEnv = "MQSIM_CORRUPTION_SWEEP"

// resumeArgs is the scenario each run plays: the first over an empty
// directory, the others resuming.
var resumeArgs = []string{"run", "baseline", "--duration", "500ms", "-o", "json"}

type corruption struct {
	name   string
	damage func(t *testing.T, part string) // part: the partition's directory
}

func TestResumeOverCorruptDataDir(t *testing.T) {
	root := t.TempDir()
	pristine := filepath.Join(root, "pristine")
	if code, _, errs := run(t, append(resumeArgs, "--data-dir", pristine)...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	// The undamaged reference: the same resume over a plain copy.
	ref := resumeCopy(t, pristine, filepath.Join(root, "ref"), nil)
	if ref.code != 0 {
		t.Fatalf("resume over the undamaged copy: exit %d: %s", ref.code, ref.stderr)
	}
	if len(ref.reported()) > 0 {
		t.Fatalf("resume over the undamaged copy reports damage: %v", ref.reported())
	}
	// The damaged partitions: a replica of a topic partition on broker 0,
	// and the consumer-offsets log the group's commits are read back from.
	parts := [][2]string{{"broker-0", firstDir(t, filepath.Join(pristine, "broker-0"), "events-")}, coordinatorLog(t, pristine)}
	full := os.Getenv(corruptionSweepEnv) != ""
	var n, sel, refused, reported, same int
	for pi, bp := range parts {
		broker, part := bp[0], bp[1]
		for ci, c := range corruptions(t, filepath.Join(pristine, broker, part), full) {
			markers := []bool{true, false}
			if !full {
				// The sample: every class on the topic partition, every
				// other one on the offsets log, each case with or without
				// the marker in turn.
				if pi > 0 && ci%2 == 1 {
					continue
				}
				sel++
				markers = markers[sel%2 : sel%2+1]
			}
			for _, marker := range markers {
				name := fmt.Sprintf("%s/%s/%s/clean=%v", broker, part, c.name, marker)
				n++
				dst := filepath.Join(root, fmt.Sprintf("case%d", n))
				got := resumeCopy(t, pristine, dst, func(t *testing.T) {
					dir := filepath.Join(dst, broker, part)
					c.damage(t, dir)
					if !marker {
						if err := os.Remove(filepath.Join(dir, "clean-shutdown")); err != nil && !os.IsNotExist(err) {
							t.Fatal(err)
						}
					}
				})
				switch {
				case got.code == exitBadInput:
					refused++
					file := regexp.MustCompile(broker + `/` + regexp.QuoteMeta(part) + `/[^ :]+ at byte \d+`)
					if !strings.Contains(got.stderr, "cannot resume partition "+part+" on "+strings.ReplaceAll(broker, "-", " ")) || !file.MatchString(got.stderr) {
						t.Errorf("%s: exit 2 without naming the partition, file and byte:\n%s", name, got.stderr)
					}
				case got.code != 0 && got.code != exitCheck:
					t.Errorf("%s: exit %d, want 0, 2 or 3:\n%s", name, got.code, got.stderr)
				case len(got.reported()) > 0:
					reported++
				case got.json != ref.json:
					t.Errorf("%s: different results with no word of the damage:\n%s", name, firstDiff(ref.json, got.json))
				default:
					same++
				}
			}
		}
	}
	t.Logf("%d damaged directories: %d refused (exit 2), %d reported in the results, %d identical to the undamaged resume", n, refused, reported, same)
}

// resumed is one resumed run: its exit, stderr and results as JSON with
// the machine-dependent fields taken out.
type resumed struct {
	code   int
	stderr string
	json   string
	res    map[string]any
}

// reported lists what the results say the resume met.
func (r resumed) reported() []string {
	var s []string
	for _, k := range []string{"recovered", "log_dir_failures", "invariant_violations"} {
		if v, ok := r.res[k]; ok {
			s = append(s, fmt.Sprintf("%s: %v", k, v))
		}
	}
	return s
}

// resumeCopy copies the data directory src to dst, damages it, and resumes
// the run from it.
func resumeCopy(t *testing.T, src, dst string, damage func(*testing.T)) resumed {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if damage != nil {
		damage(t)
	}
	code, out, errs := run(t, append(resumeArgs, "--data-dir", dst, "--resume")...)
	r := resumed{code: code, stderr: errs}
	if code != 0 && code != exitCheck {
		return r
	}
	// Exit 3 (an expectation failed) still prints the results: a failed
	// expectation is a finding, judged like any other number below.
	if err := json.Unmarshal([]byte(out), &r.res); err != nil {
		t.Fatalf("results: %v\n%s", err, out)
	}
	delete(r.res, "wall_seconds")
	delete(r.res, "data_dir")
	delete(r.res, "command")
	b, err := json.MarshalIndent(r.res, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	r.json = strings.ReplaceAll(string(b), dst, "DIR")
	return r
}

// coordinatorLog is the broker and directory of the consumer-offsets log
// that holds the group's commits (the largest one).
func coordinatorLog(t *testing.T, dataDir string) [2]string {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(dataDir, "broker-*", "__consumer_offsets-*", "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	var best [2]string
	var size int64 = -1
	for _, l := range logs {
		if fi, err := os.Stat(l); err == nil && fi.Size() > size {
			part := filepath.Dir(l)
			best, size = [2]string{filepath.Base(filepath.Dir(part)), filepath.Base(part)}, fi.Size()
		}
	}
	if size <= 0 {
		t.Fatalf("no consumer-offsets log with commits under %s", dataDir)
	}
	return best
}

func firstDir(t *testing.T, dir, prefix string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			return e.Name()
		}
	}
	t.Fatalf("no %s* directory in %s", prefix, dir)
	return ""
}

// segmentFiles are the partition's files ending in suffix, sorted.
func segmentFiles(t *testing.T, part, suffix string) []string {
	t.Helper()
	ents, err := os.ReadDir(part)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), suffix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// batchStarts are the byte positions where the batches of a segment begin,
// and its size (the end of the last batch).
func batchStarts(t *testing.T, file string) []int64 {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var starts []int64
	for pos := int64(0); pos < int64(len(data)); {
		_, rest, err := commitlog.ParseBatch(data[pos:])
		if err != nil {
			t.Fatalf("%s at byte %d: the undamaged segment does not parse: %v", file, pos, err)
		}
		starts = append(starts, pos)
		pos += int64(len(data[pos:]) - len(rest))
	}
	return starts
}

// samples are n positions spread over [0, size), the same every run.
func samples(size int64, n int) []int64 {
	if size <= 0 {
		return nil
	}
	var s []int64
	for i := range n {
		p := size * int64(2*i+1) / int64(2*n)
		if len(s) == 0 || s[len(s)-1] != p {
			s = append(s, p)
		}
	}
	return s
}

func flipAt(name string, pos int64) func(*testing.T, string) {
	return func(t *testing.T, part string) {
		file := filepath.Join(part, name)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		data[pos] ^= 0x10
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func truncateAt(name string, size int64) func(*testing.T, string) {
	return func(t *testing.T, part string) {
		if err := os.Truncate(filepath.Join(part, name), size); err != nil {
			t.Fatal(err)
		}
	}
}

// Batch header fields (Kafka's record batch v2): base offset at 0 (8
// bytes), batch length at 8, partition leader epoch at 12; the CRC at 17
// covers what follows it, not these.
const (
	hdrBaseOffset  = 0
	hdrLeaderEpoch = 12
)

// corruptions lists the damage applied to the partition directory part
// (of the undamaged copy; each case applies it to its own copy).
func corruptions(t *testing.T, part string, full bool) []corruption {
	t.Helper()
	logs := segmentFiles(t, part, ".log")
	if len(logs) == 0 {
		t.Fatalf("%s holds no segment", part)
	}
	seg := logs[len(logs)-1]
	starts := batchStarts(t, filepath.Join(part, seg))
	if len(starts) == 0 {
		t.Fatalf("%s: the segment holds no batch", part)
	}
	info, err := os.Stat(filepath.Join(part, seg))
	if err != nil {
		t.Fatal(err)
	}
	size := info.Size()
	nflips, nstarts := 4, []int64{starts[len(starts)/2]}
	if full {
		nflips, nstarts = 64, starts
	}
	var cs []corruption
	// Bit flips in the segment and in every other file of the directory.
	for _, pos := range samples(size, nflips) {
		cs = append(cs, corruption{fmt.Sprintf("flip %s byte %d", seg, pos), flipAt(seg, pos)})
	}
	for _, suffix := range []string{".index", ".timeindex", ".snapshot", "leader-epoch-checkpoint"} {
		for _, name := range segmentFiles(t, part, suffix) {
			fi, err := os.Stat(filepath.Join(part, name))
			if err != nil {
				t.Fatal(err)
			}
			for _, pos := range samples(fi.Size(), max(nflips/3, 1)) {
				cs = append(cs, corruption{fmt.Sprintf("flip %s byte %d", name, pos), flipAt(name, pos)})
			}
		}
	}
	// Truncation at a batch boundary and inside a batch (in its header
	// and in its records).
	for _, s := range nstarts {
		if s > 0 {
			cs = append(cs, corruption{fmt.Sprintf("truncate %s at batch boundary %d", seg, s), truncateAt(seg, s)})
		}
		cs = append(cs, corruption{fmt.Sprintf("truncate %s inside the header at %d", seg, s+20), truncateAt(seg, s+20)})
		cs = append(cs, corruption{fmt.Sprintf("truncate %s inside the records at %d", seg, s+70), truncateAt(seg, min(s+70, size-1))})
	}
	last := starts[len(starts)-1]
	cs = append(cs,
		corruption{"delete " + seg, func(t *testing.T, part string) {
			if err := os.Remove(filepath.Join(part, seg)); err != nil {
				t.Fatal(err)
			}
		}},
		corruption{"rename " + seg + " to a non-numeric name", func(t *testing.T, part string) {
			if err := os.Rename(filepath.Join(part, seg), filepath.Join(part, "segment.log")); err != nil {
				t.Fatal(err)
			}
		}},
		// A copy of the last batch appended with a far base offset: the
		// CRC does not cover the base offset, so the batch is "valid".
		corruption{"forged batch appended at a far base offset", func(t *testing.T, part string) {
			editSegment(t, filepath.Join(part, seg), func(data []byte) []byte {
				forged := append([]byte(nil), data[last:]...)
				binary.BigEndian.PutUint64(forged[hdrBaseOffset:], binary.BigEndian.Uint64(data[last+hdrBaseOffset:])+1000)
				return append(data, forged...)
			})
		}},
		// The same copy at the next offset: a well-formed batch the log
		// never wrote.
		corruption{"forged batch appended at the log end", func(t *testing.T, part string) {
			editSegment(t, filepath.Join(part, seg), func(data []byte) []byte {
				b, _, err := commitlog.ParseBatch(data[last:])
				if err != nil {
					t.Fatal(err)
				}
				forged := append([]byte(nil), data[last:]...)
				binary.BigEndian.PutUint64(forged[hdrBaseOffset:], uint64(b.NextOffset()))
				return append(data, forged...)
			})
		}},
		// Leader epochs live outside the CRC, as in Kafka.
		corruption{"epoch of the last batch raised", func(t *testing.T, part string) {
			editSegment(t, filepath.Join(part, seg), func(data []byte) []byte {
				binary.BigEndian.PutUint32(data[last+hdrLeaderEpoch:], 7)
				return data
			})
		}},
		corruption{"epoch of the middle batch raised", func(t *testing.T, part string) {
			mid := starts[len(starts)/2]
			editSegment(t, filepath.Join(part, seg), func(data []byte) []byte {
				binary.BigEndian.PutUint32(data[mid+hdrLeaderEpoch:], 7)
				return data
			})
		}},
		corruption{"leader-epoch-checkpoint rewritten with a later epoch", func(t *testing.T, part string) {
			if err := os.WriteFile(filepath.Join(part, "leader-epoch-checkpoint"), []byte("0\n1\n5 0\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	)
	return cs
}

func editSegment(t *testing.T, file string, edit func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, edit(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A data directory the log recovery refuses is bad input: exit 2, naming
// the partition, the file, the byte and the offset, never exit 1. The last
// batch of a cleanly shut down segment is cut 20 bytes in: its header is
// torn, and the marker's log end is not where the data ends.
func TestResumeRefusedIsBadInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	if code, _, errs := run(t, append(resumeArgs, "--data-dir", dir)...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	part := filepath.Join(dir, "broker-0", firstDir(t, filepath.Join(dir, "broker-0"), "events-"))
	seg := segmentFiles(t, part, ".log")[0]
	starts := batchStarts(t, filepath.Join(part, seg))
	last := starts[len(starts)-1]
	truncateAt(seg, last+20)(t, part)
	code, _, errs := run(t, append(resumeArgs, "--data-dir", dir, "--resume")...)
	want := []string{"--data-dir " + dir + ": cannot resume partition " + filepath.Base(part) + " on broker 0",
		filepath.Join(part, seg) + fmt.Sprintf(" at byte %d, offset ", last), "mqsim log verify " + part, "--force"}
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d:\n%s", code, exitBadInput, errs)
	}
	for _, w := range want {
		if !strings.Contains(errs, w) {
			t.Errorf("message %q does not say %q", errs, w)
		}
	}
}
