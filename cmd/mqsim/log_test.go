package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mqsim/model/commitlog"
	"mqsim/model/commitlog/vfs"
)

// writeTestLog writes 3 batches of 2 records (offsets 0..5) and closes.
func writeTestLog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	l, err := commitlog.Open(vfs.OS, dir, commitlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var bb commitlog.BatchBuilder
	for i := 0; i < 3; i++ {
		bb.Reset(commitlog.BatchHeader{SizedValues: true})
		bb.AddSized(int64(i), []byte("key"), []byte("id-"+string(rune('a'+i))), 100, nil)
		bb.Add(int64(i), nil, []byte("plain"), []commitlog.Header{{Key: []byte("h")}})
		b, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(b, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLogDumpText(t *testing.T) {
	dir := writeTestLog(t)
	var out bytes.Buffer
	if err := runLogDump(logDumpOptions{dir: dir, from: 2, printValues: true, output: "text"}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	// --from 2 starts at the batch holding offsets 2..3.
	if strings.Contains(s, "baseOffset: 0 ") || !strings.Contains(s, "baseOffset: 2 lastOffset: 3 count: 2") {
		t.Fatalf("dump from 2:\n%s", s)
	}
	// The sized value: 100 declared bytes, 4 stored.
	if !strings.Contains(s, `| offset: 2 CreateTime: 1 keySize: 3 valueSize: 100 headerKeys: [] key: "key" payload: "id-b" (+96 virtual bytes)`) {
		t.Fatalf("record line missing:\n%s", s)
	}
	if !strings.Contains(s, "| offset: 3 CreateTime: 1 keySize: -1 valueSize: 5 headerKeys: [h]") {
		t.Fatalf("null-key record line missing:\n%s", s)
	}
}

func TestLogDumpJSON(t *testing.T) {
	dir := writeTestLog(t)
	var out bytes.Buffer
	if err := runLogDump(logDumpOptions{dir: dir, output: "json"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines, want one per batch (3)", len(lines))
	}
	var b jsonBatch
	if err := json.Unmarshal([]byte(lines[2]), &b); err != nil {
		t.Fatal(err)
	}
	if b.BaseOffset != 4 || len(b.Records) != 2 || b.Records[0].ValueSize != 100 || b.Records[0].Value != nil {
		t.Fatalf("last batch = %+v", b)
	}
}

func TestLogBadInput(t *testing.T) {
	empty := t.TempDir()
	for name, err := range map[string]error{
		"dump of a non-log":   runLogDump(logDumpOptions{dir: empty, output: "text"}, &bytes.Buffer{}),
		"verify of a non-log": runLogVerify(empty, &bytes.Buffer{}),
		"verify of a missing": runLogVerify(filepath.Join(empty, "nope"), &bytes.Buffer{}),
		"bad output format":   runLogDump(logDumpOptions{dir: empty, output: "yaml"}, &bytes.Buffer{}),
		"offset out of range": runLogDump(logDumpOptions{dir: writeTestLog(t), from: 99, output: "text"}, &bytes.Buffer{}),
	} {
		if code := exitCode(err); code != exitBadInput {
			t.Errorf("%s: exit %d (%v), want %d", name, code, err, exitBadInput)
		}
	}
}

func TestLogVerify(t *testing.T) {
	dir := writeTestLog(t)
	var out bytes.Buffer
	if err := runLogVerify(dir, &out); err != nil {
		t.Fatalf("clean log: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "batches: 3\nrecords: 6\noffsets: 0..6") || !strings.Contains(out.String(), "status: ok") {
		t.Fatalf("summary:\n%s", out.String())
	}
	// Flip a byte inside the second batch's records.
	seg := filepath.Join(dir, "00000000000000000000.log")
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	first := commitlog.Batch(data).StoredSize()
	data[first+70] ^= 0xff
	if err := os.WriteFile(seg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = runLogVerify(dir, &out)
	if exitCode(err) != exitCheck {
		t.Fatalf("corrupt log: exit %d (%v), want %d", exitCode(err), err, exitCheck)
	}
	want := "segment 00000000000000000000.log, byte " + itoa(first)
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name %q", err, want)
	}
	var ce *commitlog.CorruptionError
	if err := runLogDump(logDumpOptions{dir: dir, output: "text"}, &bytes.Buffer{}); exitCode(err) != exitCheck || !errors.As(err, &ce) || ce.Position != first {
		t.Fatalf("dump of corrupt log: %v", err)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// writeSegmentedLog writes 12 batches of 3 records (offsets 0..35) over
// several segments, in leader epochs 0, 1 and 2 (4 batches each: epoch 1
// starts at offset 12, epoch 2 at 24), and closes it cleanly.
func writeSegmentedLog(t *testing.T) (string, []string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "orders-0")
	l, err := commitlog.Open(vfs.OS, dir, commitlog.Config{SegmentBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	var bb commitlog.BatchBuilder
	for i := 0; i < 12; i++ {
		bb.Reset(commitlog.BatchHeader{})
		for j := 0; j < 3; j++ {
			bb.Add(int64(i), []byte("k"), []byte("value"), nil)
		}
		b, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(b, int32(i/4)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(segs) < 3 {
		t.Fatalf("%d segments, want at least 3", len(segs))
	}
	return dir, segs
}

// TestLogVerifyDamage: each kind of damage that 'log verify' used to pass
// as "status: ok" is reported (exit 3), and 'log dump' still prints the log
// but exits 3 too.
func TestLogVerifyDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string, segs []string)
		want   string
	}{
		{"deleted first segment", func(t *testing.T, dir string, segs []string) { os.Remove(segs[0]) },
			"the log starts at offset 0 but its first segment at"},
		{"deleted middle segment", func(t *testing.T, dir string, segs []string) { os.Remove(segs[1]) },
			"are missing between segments"},
		{"deleted last segment", func(t *testing.T, dir string, segs []string) { os.Remove(segs[len(segs)-1]) },
			"shut down cleanly at log end 36, but its segments end at"},
		{"segment renamed to a non-numeric name", func(t *testing.T, dir string, segs []string) {
			os.Rename(segs[1], filepath.Join(dir, "orders.log"))
		}, "file orders.log: stray file"},
		{"forged batch with a valid CRC and a far base offset", func(t *testing.T, dir string, segs []string) {
			var bb commitlog.BatchBuilder
			bb.Reset(commitlog.BatchHeader{})
			bb.Add(0, nil, []byte("forged"), nil)
			b, _ := bb.Build()
			binary.BigEndian.PutUint64(b, 1_000_000) // base offset: outside the CRC
			last := segs[len(segs)-1]
			data, _ := os.ReadFile(last)
			os.WriteFile(last, append(data, b...), 0o644)
		}, "batch at offset 1000000 follows offset 35"},
		{"leader epoch edited in a batch", func(t *testing.T, dir string, segs []string) {
			last := segs[len(segs)-1]
			data, _ := os.ReadFile(last)
			binary.BigEndian.PutUint32(data[12:], 7) // the first batch's epoch: outside the CRC
			os.WriteFile(last, data, 0o644)
		}, "has leader epoch 7, but the leader-epoch-checkpoint says epoch 2"},
		{"leader-epoch-checkpoint edited", func(t *testing.T, dir string, segs []string) {
			p := filepath.Join(dir, "leader-epoch-checkpoint")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(data, []byte("\n2 24\n"), []byte("\n2 25\n"), 1), 0o644)
		}, "has leader epoch 2, but the leader-epoch-checkpoint says epoch 1 from offset 12"},
		{"offset index entry edited", func(t *testing.T, dir string, segs []string) {
			p := strings.TrimSuffix(segs[0], ".log") + ".index"
			data, _ := os.ReadFile(p)
			data[len(data)-1] ^= 1
			os.WriteFile(p, data, 0o644)
		}, "offset index is corrupt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, segs := writeSegmentedLog(t)
			var out bytes.Buffer
			if err := runLogVerify(dir, &out); err != nil || !strings.Contains(out.String(), "status: ok") {
				t.Fatalf("undamaged log: %v\n%s", err, out.String())
			}
			tc.damage(t, dir, segs)
			out.Reset()
			err := runLogVerify(dir, &out)
			if exitCode(err) != exitCheck || !strings.Contains(out.String(), "status: corrupt") || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("verify: exit %d (%v), want %d and %q in:\n%s", exitCode(err), err, exitCheck, tc.want, out.String())
			}
			out.Reset()
			err = runLogDump(logDumpOptions{dir: dir, output: "text"}, &out)
			if exitCode(err) != exitCheck {
				t.Fatalf("dump: exit %d (%v), want %d", exitCode(err), err, exitCheck)
			}
			if !strings.Contains(out.String(), "baseOffset: ") {
				t.Fatalf("dump printed no batches:\n%s", out.String())
			}
		})
	}
}

// TestLogRecover: 'log recover' reports what recovery dropped, and refuses
// (exit 2) damage it may not repair, naming partition, file and offset.
func TestLogRecover(t *testing.T) {
	dir, segs := writeSegmentedLog(t)
	os.Remove(filepath.Join(dir, "clean-shutdown"))
	last := segs[len(segs)-1]
	data, _ := os.ReadFile(last)
	os.WriteFile(last, data[:len(data)-5], 0o644) // a torn last batch
	var out bytes.Buffer
	if err := runLogRecover(dir, &out); err != nil {
		t.Fatal(err)
	}
	// The torn batch held offsets 33..35.
	if !strings.Contains(out.String(), "not shut down cleanly") || !strings.Contains(out.String(), "truncated at segment "+filepath.Base(last)) ||
		!strings.Contains(out.String(), "log end 33") {
		t.Fatalf("recover output:\n%s", out.String())
	}
	out.Reset()
	if err := runLogVerify(dir, &out); err != nil {
		t.Fatalf("after recovery: %v\n%s", err, out.String())
	}

	dir, segs = writeSegmentedLog(t)
	os.Remove(segs[1])
	err := runLogRecover(dir, &out)
	if exitCode(err) != exitBadInput || !strings.Contains(err.Error(), "partition orders-0") ||
		!strings.Contains(err.Error(), filepath.Base(segs[2])) || !strings.Contains(err.Error(), "(offset ") {
		t.Fatalf("recover of a log missing a segment: exit %d (%v), want %d naming partition, file and offset", exitCode(err), err, exitBadInput)
	}
	if err := runLogRecover(t.TempDir(), &out); exitCode(err) != exitBadInput {
		t.Fatalf("recover of a non-log: exit %d (%v)", exitCode(err), err)
	}
}

// TestLogVerifyStrayNameEscaped: a stray file whose name holds control
// characters is named quoted, never raw.
func TestLogVerifyStrayNameEscaped(t *testing.T) {
	dir, _ := writeSegmentedLog(t)
	if err := os.WriteFile(filepath.Join(dir, "x\x1b]0;pwned\x07.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := runLogVerify(dir, &out)
	if exitCode(err) != exitCheck || strings.ContainsAny(out.String()+err.Error(), "\x1b\x07") ||
		!strings.Contains(out.String(), `file "x\x1b]0;pwned\a.log": stray file`) {
		t.Fatalf("verify: %v\n%q", err, out.String())
	}
}

// TestLogUnreadableDir: a directory that cannot be listed is bad input.
func TestLogUnreadableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any directory")
	}
	dir, _ := writeSegmentedLog(t)
	if err := os.Chmod(dir, 0o300); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if err := runLogVerify(dir, &bytes.Buffer{}); exitCode(err) != exitBadInput {
		t.Fatalf("verify of an unreadable directory: exit %d (%v), want %d", exitCode(err), err, exitBadInput)
	}
}
