package commitlog

import (
	"fmt"
	"slices"
	"testing"

	"mqsim/internal/proptest"

	"pgregory.net/rapid"
)

// Two replicas of a partition, as the simulator runs them: a leader that
// appends, a follower that fetches the leader's batches (compacted ones
// too, with their gaps) and appends them as they are, each compacting on
// its own below its own high watermark, a follower that loses its
// unsynced tail (a power loss), leader changes — clean, and unclean ones
// that elect a follower missing committed records — after which the old
// leader truncates where its log diverges by leader epoch (KIP-101,
// KIP-279), file logs restarted. After every step each log reads back as
// its reference model says; once the follower has caught up after a run
// without an unclean election, both logs give the same latest value for
// every key, which is what a coordinator loading committed offsets from
// either replica relies on.
func TestCompactedReplicasPropertyModel(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		switch bc.name {
		case "file-os":
			proptest.Checks(t, 3, 1) // real directory syncs: slow
		default:
			proptest.Checks(t, 50, 10)
		}
		rapid.Check(t, func(rt *rapid.T) {
			cfg := Config{
				SegmentBytes:       rapid.Int64Range(150, 600).Draw(rt, "segment_bytes"),
				IndexIntervalBytes: rapid.Int64Range(1, 300).Draw(rt, "index_interval"),
			}
			pr := &replicaPair{rt: rt, cfg: cfg, bc: bc}
			for i := range pr.logs {
				pr.logs[i] = bc.open(t, cfg)
				pr.ms[i] = &refLog{}
			}
			defer func() {
				for _, l := range pr.logs {
					l.Close()
				}
			}()
			pr.elect(0)
			steps := rapid.IntRange(10, 80).Draw(rt, "steps")
			for range steps {
				pr.step()
			}
			pr.converge()
		})
	})
}

type replicaPair struct {
	rt      *rapid.T
	cfg     Config
	bc      backendCase
	logs    [2]*Log
	ms      [2]*refLog
	leader  int
	epoch   int32
	seq     int
	unclean bool
}

func (pr *replicaPair) follower() int { return 1 - pr.leader }

func (pr *replicaPair) step() {
	rt := pr.rt
	op := rapid.SampledFrom([]string{"append", "append", "fetch", "fetch", "fetch", "compact", "compact", "elect", "power-loss", "restart"}).Draw(rt, "op")
	switch op {
	case "append":
		l, m := pr.logs[pr.leader], pr.ms[pr.leader]
		n := rapid.IntRange(1, 3).Draw(rt, "records")
		recs := make([]refRec, n)
		for j := range recs {
			pr.seq++
			var key []byte
			switch k := rapid.IntRange(0, 9).Draw(rt, "key"); {
			case k == 0:
				key = nil
			case k == 1:
				key = fmt.Appendf(nil, "u%d", pr.seq)
			default:
				key = fmt.Appendf(nil, "k%d", k%4)
			}
			recs[j] = refRec{off: m.leo + int64(j), key: key, val: fmt.Appendf(nil, "v%d", pr.seq)}
		}
		b, err := buildRef(m.leo, m.leo+int64(n)-1, pr.epoch, recs)
		if err != nil {
			rt.Fatal(err)
		}
		if _, err := l.Append(b, pr.epoch); err != nil {
			rt.Fatalf("leader append: %v", err)
		}
		m.add(refBatch{base: m.leo, last: m.leo + int64(n) - 1, epoch: pr.epoch, recs: recs})
	case "fetch":
		pr.fetch(rapid.Int64Range(1, 800).Draw(rt, "fetch_bytes"), rapid.Bool().Draw(rt, "shared"))
	case "compact":
		i := rapid.IntRange(0, 1).Draw(rt, "replica")
		limit := cleanLimit(pr.logs[i])
		res, err := pr.logs[i].Compact()
		if err != nil {
			rt.Fatalf("compact replica %d: %v", i, err)
		}
		if want := pr.ms[i].compact(limit); res.RecordsRemoved != want {
			rt.Fatalf("compaction of replica %d below %d removed %d records, want %d", i, limit, res.RecordsRemoved, want)
		}
	case "elect":
		f := pr.follower()
		if pr.logs[f].LogEndOffset() < pr.logs[pr.leader].HighWatermark() {
			pr.unclean = true // the new leader misses committed records
		}
		pr.elect(f)
	case "power-loss":
		// The follower's log is cut at a batch boundary: what a broker
		// whose page cache was lost keeps of an unsynced tail. Its high
		// watermark falls with it.
		f := pr.follower()
		m := pr.ms[f]
		cuts := []int64{0}
		for _, b := range m.batches {
			cuts = append(cuts, b.base, b.last+1)
		}
		cut := cuts[rapid.IntRange(0, len(cuts)-1).Draw(rt, "cut")]
		pr.truncate(f, cut)
	case "restart":
		i := rapid.IntRange(0, 1).Draw(rt, "replica")
		hw := pr.logs[i].HighWatermark()
		n, err := restart(pr.logs[i], pr.cfg)
		if err != nil {
			rt.Fatalf("replica %d: %v", i, err)
		}
		// An epoch that starts at the log end, with nothing written in
		// it yet, is not kept across a restart (the cache is trimmed to
		// the log end as after a truncation).
		if n != pr.logs[i] {
			m := pr.ms[i]
			m.epochs = slices.DeleteFunc(m.epochs, func(e EpochEntry) bool { return e.StartOffset >= m.leo })
		}
		pr.logs[i] = n
		// The broker learns its high watermark again (the leader from
		// its followers, a follower from the leader's fetch responses).
		if err := n.SetHighWatermark(hw); err != nil {
			rt.Fatalf("replica %d: set high watermark %d after a restart: %v", i, hw, err)
		}
	}
	pr.check(op)
}

// elect makes replica i the leader in a new epoch, which starts at its log
// end; the other replica truncates where its log diverges from the new
// leader's.
func (pr *replicaPair) elect(i int) {
	rt := pr.rt
	pr.leader = i
	pr.epoch++
	l := pr.logs[i]
	if err := l.AssignEpoch(pr.epoch, l.LogEndOffset()); err != nil {
		rt.Fatalf("assign epoch %d: %v", pr.epoch, err)
	}
	pr.ms[i].assignEpoch(pr.epoch, pr.ms[i].leo)
	f := pr.follower()
	pr.truncate(f, Divergence(pr.logs[f], l))
}

func (pr *replicaPair) truncate(i int, t int64) {
	l := pr.logs[i]
	if t >= l.LogEndOffset() {
		return
	}
	if err := l.TruncateTo(t); err != nil {
		pr.rt.Fatalf("truncate replica %d to %d: %v", i, t, err)
	}
	pr.ms[i].truncate(t)
	if hw := l.HighWatermark(); hw > l.LogEndOffset() {
		pr.rt.Fatalf("replica %d: high watermark %d past the log end %d after truncation", i, hw, l.LogEndOffset())
	}
}

// fetch copies to the follower what a fetch from its log end returns, and
// moves the high watermarks: the leader's to what both replicas hold, the
// follower's to the leader's as far as it has it.
func (pr *replicaPair) fetch(maxBytes int64, shared bool) {
	rt := pr.rt
	l, lm := pr.logs[pr.leader], pr.ms[pr.leader]
	f, fm := pr.logs[pr.follower()], pr.ms[pr.follower()]
	from := f.LogEndOffset()
	res, err := l.Read(from, ReadOptions{MaxBytes: maxBytes})
	if err != nil {
		rt.Fatalf("fetch at %d: %v", from, err)
	}
	bs, err := decodeRef(res.Data)
	if err != nil {
		rt.Fatalf("fetch at %d: %v", from, err)
	}
	if len(bs) > 0 {
		i := slices.IndexFunc(lm.batches, func(b refBatch) bool { return b.last >= from })
		if i < 0 || i+len(bs) > len(lm.batches) {
			rt.Fatalf("fetch at %d: %d batches past the leader's", from, len(bs))
		}
		if err := sameBatches(bs, lm.batches[i:i+len(bs)]); err != nil {
			rt.Fatalf("fetch at %d: %v", from, err)
		}
		data := slices.Clone(res.Data) // the follower may keep a reference to it
		if shared {
			_, err = f.AppendReplicatedShared(data)
		} else {
			_, err = f.AppendReplicated(data)
		}
		if err != nil {
			rt.Fatalf("follower append of the fetch at %d: %v", from, err)
		}
		for _, b := range bs {
			fm.add(b)
		}
	}
	if hw := min(l.LogEndOffset(), f.LogEndOffset()); hw > l.HighWatermark() {
		if err := l.SetHighWatermark(hw); err != nil {
			rt.Fatal(err)
		}
	}
	if hw := min(l.HighWatermark(), f.LogEndOffset()); hw > f.HighWatermark() {
		if err := f.SetHighWatermark(hw); err != nil {
			rt.Fatal(err)
		}
	}
}

func (pr *replicaPair) check(op string) {
	for i, l := range pr.logs {
		gaps, firsts := pr.ms[i].points()
		if err := checkAgainst(l, pr.ms[i], 500, append(gaps, firsts...)...); err != nil {
			pr.rt.Fatalf("after %s: replica %d: %v", op, i, err)
		}
	}
}

// converge lets the follower catch up and compares the latest value of
// each key in both logs (after an unclean election they may differ: the
// records a replica compacted away for a later one it then lost are gone).
func (pr *replicaPair) converge() {
	for range 1000 {
		if pr.logs[pr.follower()].LogEndOffset() == pr.logs[pr.leader].LogEndOffset() {
			break
		}
		pr.fetch(1<<20, false)
	}
	pr.check("catching up")
	if pr.unclean {
		return
	}
	var latest [2]map[string]string
	for i, l := range pr.logs {
		latest[i] = map[string]string{}
		err := l.ScanRecords(l.LogStartOffset(), func(r *Record) error {
			if r.Key != nil {
				latest[i][string(r.Key)] = string(r.Value)
			}
			return nil
		})
		if err != nil {
			pr.rt.Fatalf("scan replica %d: %v", i, err)
		}
	}
	for k, v := range latest[0] {
		if latest[1][k] != v {
			pr.rt.Fatalf("key %s: %q on replica 0, %q on replica 1", k, v, latest[1][k])
		}
	}
	if len(latest[0]) != len(latest[1]) {
		pr.rt.Fatalf("%d keys on replica 0, %d on replica 1", len(latest[0]), len(latest[1]))
	}
}
