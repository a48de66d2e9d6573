package eventsource

import (
	"fmt"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/sim"
)

// Fetcher is how a consumer reads a log during a rebuild: a fetch returns
// whole batches up to MaxPartitionBytes per partition and MaxBytes in all
// (the first batch whole, as Kafka does), and costs RTT plus its bytes at
// Bandwidth bytes/s.
type Fetcher struct {
	RTT               sim.Time
	Bandwidth         float64
	MaxPartitionBytes int64
	MaxBytes          int64
	MaxPollRecords    int
}

// Rebuild is one rebuild to simulate: partitions Logs[i] from From[i] up
// to UpTo[i], by Consumers consumers (partitions dealt out as the range
// assignor does), each applying events with Apply. Load[c] is time
// consumer c spends first (loading a snapshot).
type Rebuild struct {
	Logs      []*commitlog.Log
	From      []int64
	UpTo      []int64
	Consumers int
	Apply     sim.Dist
	Fetch     Fetcher
	Load      []sim.Time
	// OnApply, if set, is called with each event as it is applied.
	OnApply func(part int, e Event)
}

// RebuildStats is what a simulated rebuild measured.
type RebuildStats struct {
	Duration sim.Time
	Events   int64
	Fetches  int64
	Bytes    int64
	// PerConsumer is each consumer's events; Busiest the largest.
	PerConsumer []int64
}

// rbConsumer is one consumer's fetch and poll loop.
type rbConsumer struct {
	parts    []int
	pos      []int64 // per own partition: next offset to fetch
	buf      []pending
	fetching bool
	busy     bool
	rr       int
	done     sim.Time
	events   int64
}

type pending struct {
	part int
	e    Event
}

// Simulate plays the rebuild on its own kernel and returns when every
// consumer has applied every event up to UpTo.
func (rb *Rebuild) Simulate(seed uint64) (RebuildStats, error) {
	s := sim.New(seed)
	rng := s.Stream("eventsource/apply")
	n := len(rb.Logs)
	cs := max(min(rb.Consumers, n), 1)
	st := RebuildStats{PerConsumer: make([]int64, cs)}
	consumers := make([]*rbConsumer, cs)
	// Range assignment: the first n%cs consumers take one more partition.
	next := 0
	for c := range consumers {
		k := n / cs
		if c < n%cs {
			k++
		}
		rc := &rbConsumer{}
		for range k {
			rc.parts = append(rc.parts, next)
			rc.pos = append(rc.pos, max(rb.From[next], rb.Logs[next].LogStartOffset()))
			next++
		}
		consumers[c] = rc
	}
	var failed error
	var fetch, poll func(c int)
	remaining := func(rc *rbConsumer) bool {
		for i, p := range rc.parts {
			if rc.pos[i] < rb.UpTo[p] {
				return true
			}
		}
		return false
	}
	fetch = func(c int) {
		rc := consumers[c]
		if rc.fetching || !remaining(rc) || failed != nil {
			return
		}
		var got []pending
		var bytes int64
		left := rb.Fetch.MaxBytes
		for k := range rc.parts {
			i := (rc.rr + k) % len(rc.parts)
			p := rc.parts[i]
			if rc.pos[i] >= rb.UpTo[p] || (left <= 0 && bytes > 0) {
				continue
			}
			res, err := rb.Logs[p].Read(rc.pos[i], commitlog.ReadOptions{MaxBytes: max(min(rb.Fetch.MaxPartitionBytes, left), 1), Upto: commitlog.UptoHighWatermark})
			if err != nil {
				failed = fmt.Errorf("partition %d at offset %d: %w", p, rc.pos[i], err)
				return
			}
			if len(res.Data) == 0 {
				rc.pos[i] = rb.UpTo[p] // nothing more below the high watermark
				continue
			}
			bytes += res.Size
			left -= res.Size
			var rr commitlog.RecordReader
			it := commitlog.Batches(res.Data)
			for it.Next() {
				if err := rr.Reset(it.Batch()); err != nil {
					failed = err
					return
				}
				for rr.Next() {
					rec := rr.Record()
					if rec.Offset < rc.pos[i] || rec.Offset >= rb.UpTo[p] {
						continue
					}
					e, ok := decode(rec)
					if !ok { // not an event (a changelog's state): counted all the same
						e = Event{Offset: rec.Offset, Key: check.ReadKey(rec.Key), At: sim.Time(rec.Timestamp) * 1e6}
					}
					got = append(got, pending{p, e})
				}
			}
			rc.pos[i] = min(res.NextOffset, rb.UpTo[p])
		}
		rc.rr++
		rc.fetching = true
		st.Fetches++
		st.Bytes += bytes
		cost := rb.Fetch.RTT + sim.Seconds(float64(bytes)/rb.Fetch.Bandwidth)
		s.After(cost, func() {
			rc.fetching = false
			rc.buf = append(rc.buf, got...)
			poll(c)
		})
	}
	poll = func(c int) {
		rc := consumers[c]
		if rc.busy || failed != nil {
			return
		}
		take := min(len(rc.buf), max(rb.Fetch.MaxPollRecords, 1))
		if take == 0 {
			fetch(c)
			return
		}
		recs := append([]pending(nil), rc.buf[:take]...)
		rc.buf = rc.buf[take:]
		if len(rc.buf) == 0 {
			fetch(c) // the buffer is drained: prefetch while applying
		}
		var cum sim.Time
		for range recs {
			cum += max(sim.SampleTime(rb.Apply, rng), 0)
		}
		rc.busy = true
		s.After(cum, func() {
			rc.busy = false
			for _, r := range recs {
				if rb.OnApply != nil {
					rb.OnApply(r.part, r.e)
				}
			}
			rc.events += int64(len(recs))
			rc.done = s.Now()
			poll(c)
		})
	}
	for c := range consumers {
		var load sim.Time
		if c < len(rb.Load) {
			load = rb.Load[c]
		}
		consumers[c].done = load
		s.At(load, func() { fetch(c) })
	}
	s.Run()
	if failed != nil {
		return st, failed
	}
	if err := s.Err(); err != nil {
		return st, err
	}
	for c, rc := range consumers {
		st.Events += rc.events
		st.PerConsumer[c] = rc.events
		st.Duration = max(st.Duration, rc.done)
	}
	return st, nil
}

// FetchRate is the closed form of one consumer's fetch rate, in events/s:
// a full fetch's events over its cost (RTT plus its bytes at the
// bandwidth), with eventBytes the mean declared bytes per event in the log.
func (f Fetcher) FetchRate(eventBytes float64, partitions int) float64 {
	if eventBytes <= 0 {
		return 0
	}
	bytes := float64(min(f.MaxPartitionBytes*int64(max(partitions, 1)), f.MaxBytes))
	return bytes / eventBytes / (f.RTT.Seconds() + bytes/f.Bandwidth)
}
