package kafka

import (
	"fmt"

	"mqsim/scenarios"
	"mqsim/sim"
)

// Topic faults: an operator adds partitions to a topic while the run goes.
//
// The new partitions get replicas placed as the build places every
// partition (newPartition), empty logs with leader epoch 0, and followers
// fetching from their leader (through new fetchers; a later leader change
// moves them as any follower). The leader is the first replica even if its
// broker is down at that moment (a simplification: Kafka's controller would
// pick a live one). Producers
// see the new count at once (their metadata refresh is folded in, as for
// leader moves): the sticky partitioner may pick a new partition at its
// next switch, and a key now hashes over more partitions, so most keys move
// and per-key order can break across the change.
//
// A consumer group notices later: its leader refreshes metadata every
// metadata_max_age, counted from the start of the run, so the first refresh
// after the change comes at the next multiple of metadata_max_age (strictly
// after the fault's time). The leader then rejoins: the group's usual
// rebalance (prepare) starts one network latency later, and the assignment
// spreads the new partitions. A new partition has no committed offset, so
// its first owner starts it by auto_offset_reset: latest at the high
// watermark (records written there before the group took it are skipped,
// and the checker counts them lost), earliest (and none, which here does
// not stop the consumer) at the log start.
func init() {
	faultKinds["add-partitions"] = func(w *world, f *scenarios.Fault) (faultAction, error) {
		var t *topic
		for _, x := range w.topics {
			if x.spec.Name == f.Topic {
				t = x
			}
		}
		if t == nil {
			return nil, fmt.Errorf("no topic %q", f.Topic)
		}
		if f.Count < 1 {
			return nil, fmt.Errorf("count %d: add at least one partition", f.Count)
		}
		if f.Duration != 0 {
			return nil, fmt.Errorf("partitions cannot be removed: give no duration")
		}
		return &funcFault{
			on:  func() error { return w.addPartitions(t, f.Count) },
			off: func() error { return nil },
		}, nil
	}
}

// addPartitions grows t by n partitions now.
func (w *world) addPartitions(t *topic, n int) error {
	now := w.s.Now()
	c := w.ctl
	// The new followers fetch through fetchers of their own (as with more
	// than one replica fetcher per broker pair), so no fetch in flight
	// changes shape under its feet. added is only looked up; fetchers keeps
	// the creation order.
	added := map[fetcherKey]*replicaFetcher{}
	var fetchers []*replicaFetcher
	for range n {
		p, err := w.newPartition(t)
		if err != nil {
			return err
		}
		c.parts = append(c.parts, p)
		c.ps[p] = &partState{}
		for _, r := range p.replicas {
			c.rs[r] = &repState{}
			c.onBrok[r.b.id] = append(c.onBrok[r.b.id], r)
			r.lastCaughtUp = now
		}
		for _, r := range p.replicas[1:] {
			k := w.fetcherKey(r.b, p.leader.b, p)
			f := added[k]
			if f == nil {
				f = w.newReplicaFetcher(k, r.b, p.leader.b)
				added[k] = f
				fetchers = append(fetchers, f)
				c.fStale = append(c.fStale, false)
				if c.fOf[k] == nil {
					c.fOf[k] = f
				}
			}
			f.parts = append(f.parts, r)
			r.fetcher = f
		}
		// Producers: one more partition accumulator each.
		for _, pr := range w.prods {
			if pr.t == t {
				pr.parts = append(pr.parts, newPacc())
			}
		}
		// Groups reading t: per-partition state for the group and every
		// member, the new partition ownerless and without a committed offset.
		for _, g := range t.groups {
			g.addPartitionLag()
			g.committed = append(g.committed, noCommit)
			g.high = append(g.high, 0)
			g.owner = append(g.owner, nil)
			g.pausedSince = append(g.pausedSince, now)
			for _, m := range g.all {
				m.pos = append(m.pos, 0)
				m.fetchPos = append(m.fetchPos, 0)
				m.buf = append(m.buf, nil)
				m.owned = append(m.owned, false)
				m.failOff = append(m.failOff, -1)
				m.failAttempts = append(m.failAttempts, 0)
				m.pausedUntil = append(m.pausedUntil, 0)
			}
		}
		// Retry consumers reading t as a retry topic.
		for _, g := range w.groups {
			if g.fh == nil {
				continue
			}
			for _, st := range g.fh.stages {
				if st.t == t {
					st.pos = append(st.pos, 0)
				}
			}
		}
	}
	for _, f := range fetchers {
		f.offsets = make([]int64, len(f.parts))
		f.data = make([][]byte, len(f.parts))
		f.leaderHW = make([]int64, len(f.parts))
		c.kick(f)
	}
	for _, g := range t.groups {
		age := sim.Time(g.spec.MetadataMaxAge)
		if age <= 0 {
			age = sim.Time(scenarios.DefaultMetadataMaxAge)
		}
		refresh := (now/age + 1) * age
		w.s.At(refresh+w.net.Latency, g.metadataChanged)
	}
	return nil
}

// noCommit marks a partition the group never committed an offset for
// (added after the group formed): its first owner applies
// auto_offset_reset. Partitions of the first generation start at 0, which
// latest and earliest agree on then.
const noCommit = -1

// metadataChanged is the group's leader finding its topic's partition count
// changed: it rejoins, which starts a rebalance. A group still forming or
// already rebalancing takes the new partitions in that rebalance.
func (g *group) metadataChanged() {
	if !g.formed || g.state != groupStable {
		return
	}
	g.prepare()
}

// startOffset is where a newly owned partition starts: the committed
// offset, or auto_offset_reset's choice when there is none.
func (g *group) startOffset(pi int) int64 {
	if c := g.committed[pi]; c != noCommit {
		return c
	}
	p := g.t.parts[pi]
	if g.reset == scenarios.ResetLatest {
		return p.hw
	}
	return p.leader.log.LogStartOffset()
}
