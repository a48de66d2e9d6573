package eventsource

import (
	"fmt"
	"math"

	"mqsim/model"
	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Input is what a run hands over at its end: the resolved scenario and,
// per topic, each partition's leader log.
type Input struct {
	Scenario *scenarios.Scenario
	Logs     map[string][]*commitlog.Log
	End      sim.Time // the run's end (drain included)
	Seed     uint64

	cache *eventCache // the event logs decoded once (Play sets it)
}

// staleAbove is the staleness that counts a sample interval as stale.
const staleAbove = 1.0 // seconds

// Play fills res.EventSourcing from the run's logs and results.
func Play(in Input, res *model.Results) error {
	sc := in.Scenario
	es := sc.EventSourcing
	if es == nil {
		return nil
	}
	logs, ok := in.Logs[es.Topic]
	if !ok {
		return fmt.Errorf("event sourcing: no logs for topic %q", es.Topic)
	}
	in.cache = &eventCache{logs: map[*commitlog.Log][]Event{}}
	out := &model.EventSourcing{Topic: es.Topic}
	all := View{}
	for _, l := range logs {
		out.Events += countRecords(l)
		if err := in.cache.scan(l, 0, l.HighWatermark(), all.Apply); err != nil {
			return fmt.Errorf("event sourcing: fold %s: %w", es.Topic, err)
		}
	}
	out.Entities = int64(len(all))
	for pi := range es.Projections {
		pr, err := projection(in, res, &es.Projections[pi])
		if err != nil {
			return err
		}
		out.Projections = append(out.Projections, pr)
	}
	for i := range es.Replays {
		r, err := replay(in, &es.Replays[i], fmt.Sprintf("eventsource/replay/%d", i))
		if err != nil {
			return fmt.Errorf("event_sourcing.replays[%d]: %w", i, err)
		}
		if !r.Matches {
			out.ViewMismatches++
		}
		out.Replays = append(out.Replays, r)
	}
	if len(es.SnapshotIntervals) > 0 && len(es.Projections) > 0 {
		pts, err := tradeoff(in, &es.Projections[0])
		if err != nil {
			return fmt.Errorf("event_sourcing.snapshot_intervals: %w", err)
		}
		out.Snapshots = pts
	}
	if es.Audit != nil {
		a, err := audit(in, logs)
		if err != nil {
			return fmt.Errorf("event_sourcing.audit: %w", err)
		}
		out.Audit = a
	}
	if es.Changelog != nil {
		c, err := changelog(in)
		if err != nil {
			return fmt.Errorf("event_sourcing.changelog: %w", err)
		}
		if !c.RestoredMatches {
			out.ViewMismatches++
		}
		out.Changelog = c
	}
	res.EventSourcing = out
	return nil
}

// countRecords counts the records of l (its offsets, less compaction's gaps).
func countRecords(l *commitlog.Log) int64 {
	var n int64
	_ = l.ScanRecords(l.LogStartOffset(), func(*commitlog.Record) error { n++; return nil })
	return n
}

func groupOf(sc *scenarios.Scenario, name string) *scenarios.ConsumerGroup {
	for i := range sc.ConsumerGroups {
		if sc.ConsumerGroups[i].Name == name {
			return &sc.ConsumerGroups[i]
		}
	}
	return nil
}

func projectionOf(es *scenarios.EventSourcing, name string) *scenarios.Projection {
	for i := range es.Projections {
		if es.Projections[i].Name == name {
			return &es.Projections[i]
		}
	}
	return nil
}

// fetcher is a group's fetch settings on the scenario's machines: a round
// trip (two one-way latencies and the broker's per-request CPU) and the
// bytes at the slowest of the broker's disk read and NIC out and the
// client's NIC (a replay reads data long out of the page cache).
func fetcher(sc *scenarios.Scenario, g *scenarios.ConsumerGroup) Fetcher {
	h := sc.Cluster.Hardware
	bw := math.Inf(1)
	for _, b := range []float64{float64(h.DiskRead), float64(h.NICOut), float64(sc.ClientHardware.NIC)} {
		if b > 0 {
			bw = min(bw, b)
		}
	}
	if math.IsInf(bw, 1) {
		bw = 1e9
	}
	return Fetcher{
		RTT:               2*sim.Time(h.NetworkLatency) + sim.Time(h.CPUPerRequest),
		Bandwidth:         bw,
		MaxPartitionBytes: int64(g.MaxPartitionFetchBytes),
		MaxBytes:          int64(g.FetchMaxBytes),
		MaxPollRecords:    g.MaxPollRecords,
	}
}

// projection reports a live projection: its group's staleness, its view
// and its snapshots.
func projection(in Input, res *model.Results, p *scenarios.Projection) (model.ProjectionResult, error) {
	sc := in.Scenario
	out := model.ProjectionResult{Name: p.Name, Group: p.Group, Topic: p.Topic, SnapshotEvery: p.SnapshotEvery}
	for _, g := range res.Groups {
		if g.Name == p.Group {
			out.Applied = g.Processed
			out.P50, out.P99, out.Max = g.E2ELatency.P50/1e3, g.E2ELatency.P99/1e3, g.E2ELatency.Max/1e3
		}
	}
	// Staleness over time: the run's p99 end-to-end time per sample.
	s := &res.Series
	if col := s.Column("e2e_p99_ms"); col != nil {
		peak := 0.0
		for i, v := range col {
			if v/1e3 > staleAbove {
				out.StaleSeconds += s.IntervalSeconds
			}
			if v > peak && i < len(s.Time) {
				peak, out.PeakAt = v, s.Time[i]
			}
		}
	}
	var entities int64
	state := float64(sc.EventSourcing.StateSize)
	bw := float64(sc.EventSourcing.SnapshotBandwidth)
	for _, l := range in.Logs[p.Topic] {
		view := View{} // a partition's snapshot holds its own entities
		var n int64
		err := in.cache.scan(l, 0, l.HighWatermark(), func(e Event) {
			view.Apply(e)
			n++
			if p.SnapshotEvery > 0 && n%int64(p.SnapshotEvery) == 0 {
				out.SnapshotCount++
				out.SnapshotSeconds += float64(len(view)) * state / bw
			}
		})
		if err != nil {
			return out, fmt.Errorf("projection %s: %w", p.Name, err)
		}
		entities += int64(len(view))
	}
	out.Entities = entities
	out.ViewSize = int64(float64(entities) * state)
	if out.SnapshotCount > 0 {
		out.SnapshotBytes = out.ViewSize
	}
	return out, nil
}

// snapshotAt is the offset of partition l's latest snapshot at or below
// upto when one is taken every `every` events: the offset after its
// (k·every)-th event, and the view then.
func snapshotAt(c *eventCache, l *commitlog.Log, every int, upto int64) (int64, View, int64, error) {
	view := View{}
	var n, at int64
	at = l.LogStartOffset()
	snap := View{}
	err := c.scan(l, 0, upto, func(e Event) {
		view.Apply(e)
		n++
		if n%int64(every) == 0 {
			at = e.Offset + 1
			snap = View{}
			for k, s := range view {
				snap[k] = s
			}
		}
	})
	return at, snap, n, err
}

// replay simulates one replay step.
//
// worstCase, when set, replays each partition only up to just before its
// last snapshot boundary (k·every − 1 events, k as large as the log
// allows), so the tail after the snapshot before it is every − 1 events:
// the longest rebuild that snapshot interval allows.
func replay(in Input, r *scenarios.Replay, stream string, worstCase ...bool) (model.ReplayResult, error) {
	sc := in.Scenario
	es := sc.EventSourcing
	p := projectionOf(es, r.Projection)
	g := groupOf(sc, p.Group)
	logs := in.Logs[p.Topic]
	out := model.ReplayResult{Projection: p.Name, From: r.From, Until: r.Until.Seconds()}
	rb := Rebuild{Logs: logs, Consumers: g.Consumers, Apply: g.Processing.Dist, Fetch: fetcher(sc, g)}
	want := View{}
	got := View{}
	state := float64(es.StateSize)
	cs := max(min(g.Consumers, len(logs)), 1)
	rb.Load = make([]sim.Time, cs)
	for i, l := range logs {
		upto := l.HighWatermark()
		if len(worstCase) > 0 && worstCase[0] {
			var err error
			if upto, err = beforeLastSnapshot(in.cache, l, int64(p.SnapshotEvery)); err != nil {
				return out, err
			}
		}
		if r.Until > 0 {
			off, ok, err := l.OffsetForTime(int64(r.Until / 1e6))
			if err != nil {
				return out, err
			}
			if ok {
				upto = min(off, upto)
			}
		}
		from := l.LogStartOffset()
		if r.From == scenarios.ReplayFromSnapshot {
			at, snap, _, err := snapshotAt(in.cache, l, p.SnapshotEvery, upto)
			if err != nil {
				return out, err
			}
			from = at
			for k, s := range snap {
				got[k] = s
			}
			rb.Load[consumerOf(i, len(logs), cs)] += sim.Seconds(float64(len(snap)) * state / float64(es.SnapshotBandwidth))
		}
		rb.From = append(rb.From, from)
		rb.UpTo = append(rb.UpTo, upto)
		out.StartAt += from
		out.UpTo += upto
		if err := in.cache.scan(l, 0, upto, want.Apply); err != nil {
			return out, err
		}
	}
	rb.OnApply = func(_ int, e Event) { got.Apply(e) }
	st, err := rb.Simulate(in.Seed ^ hash(stream))
	if err != nil {
		return out, err
	}
	out.Events, out.Fetches, out.Bytes = st.Events, st.Fetches, st.Bytes
	out.Seconds = st.Duration.Seconds()
	out.Entities = int64(len(got))
	out.Matches = got.Equal(want)
	// The closed form, for the busiest consumer.
	var busiest int64
	busiestC := 0
	for c, n := range st.PerConsumer {
		if n > busiest {
			busiest, busiestC = n, c
		}
	}
	eventBytes := 0.0
	if st.Events > 0 {
		eventBytes = float64(st.Bytes) / float64(st.Events)
	}
	parts := (len(logs) + cs - 1) / cs
	out.FetchRate = rb.Fetch.FetchRate(eventBytes, parts)
	if m := g.Processing.Dist.Mean(); m > 0 {
		out.ApplyRate = 1 / m
	} else {
		out.ApplyRate = math.Inf(1)
	}
	var load float64
	for c, l := range rb.Load {
		if c == busiestC {
			load = l.Seconds()
		}
	}
	out.LoadTime = load
	if rate := min(out.FetchRate, out.ApplyRate); rate > 0 && !math.IsInf(rate, 1) {
		out.Formula = float64(busiest)/rate + load
	}
	if out.Formula > 0 {
		out.Error = math.Abs(out.Seconds/out.Formula - 1)
	}
	if math.IsInf(out.ApplyRate, 1) {
		out.ApplyRate = 0 // JSON has no infinity: 0 reads "instant"
	}
	return out, nil
}

// consumerOf is the consumer the range assignor gives partition i of n
// among cs consumers.
func consumerOf(i, n, cs int) int {
	next := 0
	for c := range cs {
		k := n / cs
		if c < n%cs {
			k++
		}
		if i < next+k {
			return c
		}
		next += k
	}
	return cs - 1
}

// tradeoff measures each snapshot interval: rebuild from the latest
// snapshot against the snapshots' write time and storage.
func tradeoff(in Input, p *scenarios.Projection) ([]model.SnapshotPoint, error) {
	sc := in.Scenario
	es := sc.EventSourcing
	var out []model.SnapshotPoint
	g := groupOf(sc, p.Group)
	lv := Live{Logs: in.Logs[p.Topic], Consumers: g.Consumers, Apply: g.Processing.Dist,
		StateSize: float64(es.StateSize), Bandwidth: float64(es.SnapshotBandwidth)}
	liveSeed := in.Seed ^ hash("eventsource/live")
	without, err := lv.Simulate(in.cache, liveSeed)
	if err != nil {
		return nil, err
	}
	for i, every := range es.SnapshotIntervals {
		q := *p
		q.SnapshotEvery = every
		es2 := *es
		es2.Projections = []scenarios.Projection{q}
		sc2 := *sc
		sc2.EventSourcing = &es2
		in2 := in
		in2.Scenario = &sc2
		r, err := replay(in2, &scenarios.Replay{Projection: q.Name, From: scenarios.ReplayFromSnapshot}, fmt.Sprintf("eventsource/tradeoff/%d", i), true)
		if err != nil {
			return nil, err
		}
		pr, err := projection(in2, &model.Results{}, &q)
		if err != nil {
			return nil, err
		}
		lv.Every = every
		live, err := lv.Simulate(in.cache, liveSeed)
		if err != nil {
			return nil, err
		}
		out = append(out, model.SnapshotPoint{Every: every, RebuildSeconds: r.Seconds, TailEvents: r.Events,
			Count: pr.SnapshotCount, WriteSeconds: pr.SnapshotSeconds, StorageBytes: pr.SnapshotCount * pr.SnapshotBytes,
			LiveOverhead: live.Overhead, LiveStaleP99: live.StaleP99, LiveStaleP99Without: without.StaleP99})
	}
	return out, nil
}

// hash names a random stream.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// beforeLastSnapshot is the offset of l's (k·every)-th event, k the
// largest the log holds: a replay up to it (exclusive) has every − 1
// events after the snapshot before it. With fewer than every events it is
// the log's end.
func beforeLastSnapshot(c *eventCache, l *commitlog.Log, every int64) (int64, error) {
	var n int64
	at := l.HighWatermark()
	var offs []int64
	err := c.scan(l, 0, l.HighWatermark(), func(e Event) {
		n++
		if n%every == 0 {
			offs = append(offs, e.Offset)
		}
	})
	if len(offs) > 0 {
		at = offs[len(offs)-1]
	}
	return at, err
}
