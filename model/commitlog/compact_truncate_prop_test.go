package commitlog

import (
	"fmt"
	"testing"

	"mqsim/internal/proptest"
	"mqsim/model/commitlog/vfs"

	"pgregory.net/rapid"
)

// Random sequences of leader appends, follower appends (with the gaps a
// compacted leader's log has), high-watermark moves, compactions,
// truncations (at gaps, around the first offset a batch kept, at segment
// bases, anywhere) and, for file logs, clean restarts and crashes: after
// every step the log reads back exactly as the reference model says, from
// the log start and from the points that matter. Every backend of the
// conformance suite runs it; more cases with -rapid.checks.
func TestCompactTruncatePropertyModel(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		switch bc.name {
		case "file-os":
			proptest.Checks(t, 3, 1) // real directory syncs: slow
		case "file-memfs":
			proptest.Checks(t, 40, 10)
		default:
			proptest.Checks(t, 60, 15)
		}
		rapid.Check(t, func(rt *rapid.T) {
			cfg := Config{
				SegmentBytes:       rapid.Int64Range(150, 600).Draw(rt, "segment_bytes"),
				IndexIntervalBytes: rapid.Int64Range(1, 300).Draw(rt, "index_interval"),
			}
			var crashable *vfs.Mem
			var l *Log
			if bc.name == "file-memfs" && rapid.Bool().Draw(rt, "crashable") {
				// The same backend on a file system that keeps only what
				// was synced, so that crashes can be tried.
				crashable = vfs.NewCrashable()
				var err error
				if l, err = Open(crashable, "/log", cfg); err != nil {
					rt.Fatal(err)
				}
			} else {
				l = bc.open(t, cfg)
			}
			defer func() { l.Close() }()
			if rapid.Bool().Draw(rt, "few_notes") {
				// The cleaner's second pass decodes every batch again
				// past a few records (as it does past a million).
				old := maxSeen
				maxSeen = 5
				defer func() { maxSeen = old }()
			}
			p := &propLog{rt: rt, l: l, m: &refLog{}, cfg: cfg, bc: bc, crashable: crashable}
			steps := rapid.IntRange(10, 80).Draw(rt, "steps")
			for range steps {
				p.step()
			}
		})
	})
}

type propLog struct {
	rt        *rapid.T
	l         *Log
	m         *refLog
	cfg       Config
	bc        backendCase
	crashable *vfs.Mem
	epoch     int32
	seq       int // makes every value unique
	hw        int64
}

func (p *propLog) step() {
	rt, l, m := p.rt, p.l, p.m
	op := rapid.SampledFrom([]string{"append", "append", "append", "replicate", "epoch", "hw", "compact", "compact", "truncate", "truncate", "restart", "crash"}).Draw(rt, "op")
	var at []int64
	switch op {
	case "append", "replicate":
		n := rapid.IntRange(1, 3).Draw(rt, "records")
		base := m.leo
		if op == "replicate" {
			base += int64(rapid.IntRange(0, 4).Draw(rt, "gap"))
		}
		recs := make([]refRec, n)
		for j := range recs {
			p.seq++
			off := base + int64(j)
			if op == "replicate" && j > 0 {
				off = recs[j-1].off + 1 + int64(rapid.IntRange(0, 2).Draw(rt, "inner_gap"))
			}
			var key []byte
			switch k := rapid.IntRange(0, 9).Draw(rt, "key"); {
			case k == 0:
				key = nil
			case k == 1:
				key = fmt.Appendf(nil, "u%d", p.seq)
			default:
				key = fmt.Appendf(nil, "k%d", k%4)
			}
			val := fmt.Appendf(nil, "v%d", p.seq)
			if key != nil && rapid.IntRange(0, 9).Draw(rt, "tombstone") == 0 {
				val = nil
			}
			recs[j] = refRec{off: off, key: key, val: val}
		}
		last := recs[n-1].off
		if op == "replicate" {
			last += int64(rapid.IntRange(0, 2).Draw(rt, "tail_gap"))
		}
		b, err := buildRef(base, last, p.epoch, recs)
		if err != nil {
			rt.Fatal(err)
		}
		switch {
		case op == "append":
			_, err = l.Append(b, p.epoch)
		case rapid.Bool().Draw(rt, "shared"):
			_, err = l.AppendReplicatedShared(b)
		default:
			_, err = l.AppendReplicated(b)
		}
		if err != nil {
			rt.Fatalf("%s at %d: %v", op, base, err)
		}
		m.add(refBatch{base: base, last: last, epoch: p.epoch, recs: recs})
		if rapid.Bool().Draw(rt, "caught_up") {
			// The followers have it: the high watermark moves to the end.
			p.hw = m.leo
			if err := l.SetHighWatermark(p.hw); err != nil {
				rt.Fatalf("set high watermark %d: %v", p.hw, err)
			}
		}
	case "epoch":
		p.epoch++ // the next batches come from a new leader
	case "hw":
		p.hw = rapid.Int64Range(p.hw, m.leo).Draw(rt, "hw")
		if err := l.SetHighWatermark(p.hw); err != nil {
			rt.Fatalf("set high watermark %d: %v", p.hw, err)
		}
	case "compact":
		limit := cleanLimit(l)
		res, err := l.Compact()
		if err != nil {
			rt.Fatalf("compact: %v", err)
		}
		if want := m.compact(limit); res.RecordsRemoved != want {
			rt.Fatalf("compaction below %d removed %d records, want %d", limit, res.RecordsRemoved, want)
		}
		// No segment the cleaner emptied stays, but the first.
		for i, s := range l.Segments() {
			if i > 0 && s.BaseOffset < limit && s.Batches == 0 {
				rt.Fatalf("compaction below %d left segment %d (base %d) empty", limit, i, s.BaseOffset)
			}
		}
	case "truncate":
		gaps, firsts := m.points()
		var cands []int64
		cands = append(cands, gaps...)
		for _, f := range firsts {
			cands = append(cands, f-1, f, f+1)
		}
		for _, s := range l.Segments() {
			cands = append(cands, s.BaseOffset, s.NextOffset)
		}
		tr := rapid.Int64Range(0, m.leo).Draw(rt, "anywhere")
		if len(cands) > 0 && rapid.IntRange(0, 3).Draw(rt, "kind") > 0 {
			tr = max(0, min(m.leo, cands[rapid.IntRange(0, len(cands)-1).Draw(rt, "point")]))
		}
		if err := l.TruncateTo(tr); err != nil {
			rt.Fatalf("truncate to %d: %v", tr, err)
		}
		m.truncate(tr)
		p.hw = min(p.hw, m.leo)
		at = append(at, tr)
	case "restart":
		if p.bc.reopen == nil && p.crashable == nil {
			return
		}
		n, err := restart(l, p.cfg)
		if err != nil {
			rt.Fatal(err)
		}
		p.l, l = n, n
		// A reopened log knows its high watermark only from its log
		// start (a broker learns it again from the leader).
		p.hw = l.HighWatermark()
	case "crash":
		if p.crashable == nil {
			return
		}
		p.crash()
		return
	}
	maxBytes := rapid.Int64Range(1, 600).Draw(rt, "max_bytes")
	if err := checkAgainst(p.l, m, maxBytes, at...); err != nil {
		rt.Fatalf("after %s: %v", op, err)
	}
	// A consumer's reads from the gaps, from each batch and from its
	// neighbours, up to the high watermark.
	gaps, firsts := m.points()
	from := append(gaps, firsts...)
	for _, f := range firsts {
		from = append(from, f-1, f+1)
	}
	if err := checkHighWatermarkReads(p.l, m, p.hw, maxBytes, from...); err != nil {
		rt.Fatalf("after %s: %v", op, err)
	}
}

// crash drops what was not synced and reopens. The model cannot know how
// much of an unsynced tail survives, so the crash is taken after a sync
// (a crash with nothing unsynced must lose nothing) and the recovered log
// must be the model's log exactly.
func (p *propLog) crash() {
	rt := p.rt
	if err := p.l.Sync(); err != nil {
		rt.Fatalf("sync: %v", err)
	}
	fsys := p.crashable.Crash(nil)
	n, err := Open(fsys, "/log", p.cfg)
	if err != nil {
		rt.Fatalf("open after a crash: %v", err)
	}
	p.l.Close()
	p.l, p.crashable = n, fsys
	p.hw = n.HighWatermark()
	if err := checkAgainst(n, p.m, 1<<20); err != nil {
		rt.Fatalf("after a crash: %v (recovery: %v)", err, n.Recovery())
	}
}
