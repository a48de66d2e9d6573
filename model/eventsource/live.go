package eventsource

import (
	"math"
	"sort"

	"mqsim/model/commitlog"
	"mqsim/sim"
)

// Live is a live projection keeping up with the log: each consumer takes
// its partitions' events as they are written (their record timestamps),
// one at a time in time order, applying each with Apply; every Every
// events of a partition it also writes that partition's view as a
// snapshot — on the same thread, at Bandwidth bytes/s for StateSize bytes
// an entity — so the events behind it wait. Every 0 takes no snapshots.
type Live struct {
	Logs      []*commitlog.Log
	Consumers int
	Apply     sim.Dist
	Every     int
	StateSize float64 // bytes per entity in a snapshot
	Bandwidth float64 // snapshot bytes per second
}

// LiveStats is what a live projection measured, for its busiest consumer
// (the one whose snapshots cost the largest share of its time).
type LiveStats struct {
	Events    int64
	Snapshots int64
	// SnapshotSeconds is the time every consumer spent writing snapshots;
	// Overhead the largest share of one consumer's time (its first event
	// to its last) it took.
	SnapshotSeconds float64
	Overhead        float64
	// Staleness is from an event written to visible in the view (applied),
	// over every event, in seconds.
	StaleMean, StaleP99, StaleMax float64
}

// Simulate plays the live projection. The apply times come from one
// stream of seed, so two intervals compared with one seed differ only by
// their snapshots.
func (lv *Live) Simulate(c *eventCache, seed uint64) (LiveStats, error) {
	var st LiveStats
	n := len(lv.Logs)
	cs := max(min(lv.Consumers, n), 1)
	rng := sim.New(seed).Stream("eventsource/live")
	h := sim.NewLatencyHistogram()
	var staleSum float64
	for cons := range cs {
		// The consumer's events, merged in time order (partition order
		// breaks ties, as one poll returns partitions in turn).
		type ev struct {
			part int
			e    Event
		}
		var evs []ev
		for p := range n {
			if consumerOf(p, n, cs) != cons {
				continue
			}
			l := lv.Logs[p]
			if err := c.scan(l, 0, l.HighWatermark(), func(e Event) { evs = append(evs, ev{p, e}) }); err != nil {
				return st, err
			}
		}
		if len(evs) == 0 {
			continue
		}
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].e.At < evs[j].e.At })
		counts := map[int]int64{}
		keys := map[int]map[int64]bool{}
		var free, snap sim.Time
		for _, x := range evs {
			start := max(free, x.e.At)
			done := start + max(sim.SampleTime(lv.Apply, rng), 0)
			stale := done - x.e.At
			h.RecordTime(stale)
			staleSum += stale.Seconds()
			st.Events++
			if lv.Every > 0 {
				if keys[x.part] == nil {
					keys[x.part] = map[int64]bool{}
				}
				keys[x.part][x.e.Key] = true
				counts[x.part]++
				if counts[x.part]%int64(lv.Every) == 0 {
					d := sim.Seconds(float64(len(keys[x.part])) * lv.StateSize / lv.Bandwidth)
					done += d
					snap += d
					st.Snapshots++
				}
			}
			free = done
		}
		st.SnapshotSeconds += snap.Seconds()
		if span := (evs[len(evs)-1].e.At - evs[0].e.At).Seconds(); span > 0 {
			st.Overhead = math.Max(st.Overhead, snap.Seconds()/span)
		}
	}
	if st.Events > 0 {
		st.StaleMean = staleSum / float64(st.Events)
		st.StaleP99 = float64(h.Quantile(0.99)) / 1e9
		st.StaleMax = float64(h.Max()) / 1e9
	}
	return st, nil
}
