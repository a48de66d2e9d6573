package eventsource

import (
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/sim"
)

// changelogBatch is how many updates go into one changelog batch at most,
// and changelogLinger how long a batch stays open (a producer's linger).
const (
	changelogBatch  = 100
	changelogLinger = 100 * sim.Time(time.Millisecond)
)

// clLog is one changelog partition: the compacted log, its never-compacted
// twin, and the cleaner's bookkeeping.
type clLog struct {
	log, twin   *commitlog.Log
	dirty       int64    // bytes appended since the last cleaning
	oldestDirty sim.Time // timestamp of the first of them (-1: none)
	bb          commitlog.BatchBuilder
	open        int
	openAt      sim.Time
}

// changelog plays the projection's state store: every event applied is
// written to the changelog as the entity's new state, at the event's time;
// the cleaner runs every cleaner interval; at MoveAt the store is restored.
func changelog(in Input) (*model.ChangelogResult, error) {
	sc := in.Scenario
	es := sc.EventSourcing
	c := es.Changelog
	p := projectionOf(es, c.Projection)
	g := groupOf(sc, p.Group)
	src := in.Logs[p.Topic]
	out := &model.ChangelogResult{Projection: p.Name, MoveAt: c.MoveAt.Seconds()}
	var now sim.Time
	clock := func() int64 { return int64(now) }
	cfg := commitlog.Config{Clock: clock, SegmentBytes: int64(c.SegmentBytes), RetentionAge: -1, SegmentAge: -1}
	parts := make([]*clLog, len(src))
	for i := range parts {
		l, err := commitlog.OpenMemory(cfg)
		if err != nil {
			return nil, err
		}
		t, err := commitlog.OpenMemory(cfg)
		if err != nil {
			return nil, err
		}
		parts[i] = &clLog{log: l, twin: t, oldestDirty: -1}
	}
	// Every partition's events, merged in time order (the store applies
	// them as they come).
	type upd struct {
		part int
		e    Event
	}
	var all []upd
	for i, l := range src {
		if err := in.cache.scan(l, 0, l.HighWatermark(), func(e Event) { all = append(all, upd{i, e}) }); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].e.At < all[b].e.At })

	state := int64(es.StateSize)
	view := View{}
	var moved View
	flush := func(cl *clLog) error {
		if cl.open == 0 {
			return nil
		}
		b, err := cl.bb.Build()
		if err != nil {
			return err
		}
		twin := append(commitlog.Batch(nil), b...)
		if _, err := cl.log.Append(b, 0); err != nil {
			return err
		}
		if err := cl.log.SetHighWatermark(cl.log.LogEndOffset()); err != nil {
			return err
		}
		if _, err := cl.twin.Append(twin, 0); err != nil {
			return err
		}
		if err := cl.twin.SetHighWatermark(cl.twin.LogEndOffset()); err != nil {
			return err
		}
		cl.dirty += b.Size()
		cl.open = 0
		return nil
	}
	write := func(u upd, s State) error {
		cl := parts[u.part]
		if cl.open > 0 && (cl.open >= changelogBatch || now-cl.openAt >= changelogLinger) {
			if err := flush(cl); err != nil {
				return err
			}
		}
		if cl.open == 0 {
			cl.bb.Reset(commitlog.BatchHeader{SizedValues: true})
			cl.openAt = now
			if cl.oldestDirty < 0 {
				cl.oldestDirty = now
			}
		}
		var prefix [16]byte
		binary.BigEndian.PutUint64(prefix[:8], uint64(s.Balance))
		binary.BigEndian.PutUint64(prefix[8:], uint64(s.Version))
		cl.bb.AddSized(int64(now/1e6), check.AppendKey(nil, u.e.Key), prefix[:], state, nil)
		cl.open++
		out.Records++
		return nil
	}
	clean := func() error {
		for _, cl := range parts {
			size := cl.log.Size()
			if size == 0 || float64(cl.dirty)/float64(size) < float64(c.MinCleanableDirtyRatio) {
				continue
			}
			r, err := cl.log.Compact()
			if err != nil {
				return err
			}
			if r.SegmentsCleaned == 0 {
				continue
			}
			out.Cleanings++
			if cl.oldestDirty >= 0 {
				out.MaxDelay = max(out.MaxDelay, (now - cl.oldestDirty).Seconds())
			}
			cl.dirty, cl.oldestDirty = 0, -1
			if cl.open > 0 {
				cl.oldestDirty = cl.openAt
			}
		}
		return nil
	}
	interval := sim.Time(sc.SampleInterval)
	series := model.Series{IntervalSeconds: interval.Seconds()}
	cols := []string{"changelog_bytes", "uncompacted_bytes", "dirty_ratio"}
	for _, n := range cols {
		series.Columns = append(series.Columns, model.Column{Name: n})
	}
	sample := func(at sim.Time) {
		var b, u, d int64
		for _, cl := range parts {
			b += cl.log.Size()
			u += cl.twin.Size()
			d += cl.dirty
		}
		series.Time = append(series.Time, at.Seconds())
		series.Columns[0].Values = append(series.Columns[0].Values, float64(b))
		series.Columns[1].Values = append(series.Columns[1].Values, float64(u))
		ratio := 0.0
		if b > 0 {
			ratio = float64(d) / float64(b)
		}
		series.Columns[2].Values = append(series.Columns[2].Values, ratio)
	}
	nextClean := sim.Time(c.CleanerInterval)
	nextSample := sim.Time(0)
	moveAt := sim.Time(c.MoveAt)
	var restore func() error
	advance := func(t sim.Time) error {
		for {
			step := min(nextClean, nextSample)
			if moved == nil && moveAt < step {
				step = moveAt
			}
			if step > t {
				now = t
				return nil
			}
			now = step
			switch {
			case moved == nil && step == moveAt:
				for _, cl := range parts {
					if err := flush(cl); err != nil {
						return err
					}
				}
				moved = View{}
				for k, s := range view {
					moved[k] = s
				}
				if err := restore(); err != nil {
					return err
				}
			case step == nextSample:
				sample(step)
				nextSample += interval
			default:
				if err := clean(); err != nil {
					return err
				}
				nextClean += sim.Time(c.CleanerInterval)
			}
		}
	}
	restore = func() error {
		fetch := fetcher(sc, g)
		run := func(logs []*commitlog.Log, from []int64, stream string) (RebuildStats, error) {
			upto := make([]int64, len(logs))
			for i, l := range logs {
				upto[i] = l.LogEndOffset()
			}
			rb := Rebuild{Logs: logs, From: from, UpTo: upto, Consumers: 1, Apply: c.RestoreApply.Dist, Fetch: fetch}
			return rb.Simulate(in.Seed ^ hash(stream))
		}
		compacted := make([]*commitlog.Log, len(parts))
		twins := make([]*commitlog.Log, len(parts))
		starts := make([]int64, len(parts))
		standby := make([]int64, len(parts))
		for i, cl := range parts {
			compacted[i], twins[i] = cl.log, cl.twin
			starts[i] = cl.log.LogStartOffset()
			standby[i] = cl.log.LogEndOffset()
			if off, ok, err := cl.log.OffsetForTime(int64((now - sim.Time(c.StandbyLag)) / 1e6)); err != nil {
				return err
			} else if ok {
				standby[i] = off
			}
		}
		st, err := run(compacted, starts, "eventsource/restore/compacted")
		if err != nil {
			return fmt.Errorf("restore from the compacted changelog: %w", err)
		}
		out.CompactedRecords, out.Compacted = st.Events, st.Duration.Seconds()
		st, err = run(twins, make([]int64, len(parts)), "eventsource/restore/uncompacted")
		if err != nil {
			return fmt.Errorf("restore from the uncompacted changelog: %w", err)
		}
		out.UncompactedRecs, out.Uncompacted = st.Events, st.Duration.Seconds()
		st, err = run(compacted, standby, "eventsource/restore/standby")
		if err != nil {
			return fmt.Errorf("standby catch-up: %w", err)
		}
		out.StandbyRecords, out.Standby = st.Events, st.Duration.Seconds()
		// The store restored from the compacted changelog: the last state of
		// every key must be the live store's.
		restored := View{}
		for _, l := range compacted {
			err := l.ScanRecords(l.LogStartOffset(), func(rec *commitlog.Record) error {
				if len(rec.Value) < 16 {
					return fmt.Errorf("changelog record %d has no state", rec.Offset)
				}
				restored[check.ReadKey(rec.Key)] = State{Balance: int64(binary.BigEndian.Uint64(rec.Value[:8])), Version: int64(binary.BigEndian.Uint64(rec.Value[8:16]))}
				return nil
			})
			if err != nil {
				return err
			}
		}
		out.RestoredMatches = restored.Equal(moved)
		return nil
	}
	for _, u := range all {
		if err := advance(u.e.At); err != nil {
			return nil, err
		}
		view.Apply(u.e)
		if err := write(u, view[u.e.Key]); err != nil {
			return nil, err
		}
	}
	if err := advance(max(in.End, moveAt)); err != nil {
		return nil, err
	}
	for _, cl := range parts {
		if err := flush(cl); err != nil {
			return nil, err
		}
		out.Bytes += cl.log.Size()
		out.UncompactedBytes += cl.twin.Size()
	}
	out.Series = series
	return out, nil
}
