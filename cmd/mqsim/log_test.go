package main

import (
	"bytes"
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
