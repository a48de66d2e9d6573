package commitlog

import (
	"bytes"
	"fmt"
	"testing"

	"mqsim/model/commitlog/vfs"
)

// backendCase opens logs on one backend; reopen is nil for the memory one.
type backendCase struct {
	name   string
	open   func(t testing.TB, cfg Config) *Log
	reopen func(t testing.TB, l *Log, cfg Config) *Log
}

func backends() []backendCase {
	return []backendCase{
		{name: "memory", open: func(t testing.TB, cfg Config) *Log {
			l, err := OpenMemory(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}},
		// A memory log that moves every complete slab out of memory after
		// each append (Release with a spill FS): every operation must
		// read the spilled bytes back exactly as if they had stayed.
		{name: "memory-spill", open: func(t testing.TB, cfg Config) *Log {
			cfg.Spill, cfg.SpillDir = vfs.NewMem(), "/spill"
			l, err := OpenMemory(cfg)
			if err != nil {
				t.Fatal(err)
			}
			l.autoRelease = true
			return l
		}},
		// A memory log whose segments refer to batch bytes stored
		// elsewhere (as a follower's AppendReplicatedShared does) instead
		// of holding copies.
		{name: "memory-shared", open: func(t testing.TB, cfg Config) *Log {
			l, err := OpenMemory(cfg)
			if err != nil {
				t.Fatal(err)
			}
			l.shareSrc = &memData{}
			return l
		}},
		{name: "file-memfs", open: func(t testing.TB, cfg Config) *Log {
			fs := vfs.NewMem()
			l, err := Open(fs, "/log", cfg)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}, reopen: reopenFile},
		{name: "file-os", open: func(t testing.TB, cfg Config) *Log {
			l, err := Open(vfs.OS, t.TempDir(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return l
		}, reopen: reopenFile},
	}
}

func reopenFile(t testing.TB, l *Log, cfg Config) *Log {
	t.Helper()
	fb := l.be.(*fileBackend)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := Open(fb.fs, fb.dir, cfg)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	return n
}

// forEach runs f as a subtest over every backend.
func forEach(t *testing.T, f func(t *testing.T, bc backendCase)) {
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) { f(t, bc) })
	}
}

type rec struct {
	ts    int64
	key   []byte
	value []byte
}

// build encodes a batch (a copy, safe to keep).
func build(t testing.TB, h BatchHeader, recs ...rec) Batch {
	t.Helper()
	var bb BatchBuilder
	bb.Reset(h)
	for _, r := range recs {
		bb.Add(r.ts, r.key, r.value, nil)
	}
	b, err := bb.Build()
	if err != nil {
		t.Fatal(err)
	}
	return append(Batch(nil), b...)
}

// simple makes n records keyed k<i> with value v<i>, timestamps ts0+i.
func simple(t testing.TB, ts0 int64, n int) Batch {
	recs := make([]rec, n)
	for i := range recs {
		recs[i] = rec{ts0 + int64(i), []byte(fmt.Sprintf("k%d", i)), []byte(fmt.Sprintf("v%d-%d", ts0, i))}
	}
	return build(t, BatchHeader{}, recs...)
}

func mustAppend(t testing.TB, l *Log, b Batch, epoch int32) AppendResult {
	t.Helper()
	r, err := l.Append(b, epoch)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return r
}

// readAll reads every record from offset from up to the bound.
func readAll(t testing.TB, l *Log, from int64, upto Bound) []Record {
	t.Helper()
	var out []Record
	var rr RecordReader
	for {
		res, err := l.Read(from, ReadOptions{MaxBytes: 1 << 16, Upto: upto})
		if err != nil {
			t.Fatalf("Read(%d): %v", from, err)
		}
		if len(res.Data) == 0 {
			return out
		}
		it := Batches(res.Data)
		for it.Next() {
			if err := rr.Reset(it.Batch()); err != nil {
				t.Fatal(err)
			}
			for rr.Next() {
				r := *rr.Record()
				if r.Offset < from {
					continue
				}
				r.Key = bytes.Clone(r.Key)
				r.Value = bytes.Clone(r.Value)
				out = append(out, r)
			}
			if rr.Err() != nil {
				t.Fatal(rr.Err())
			}
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
		from = res.NextOffset
	}
}
