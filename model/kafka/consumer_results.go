package kafka

import (
	"fmt"

	"mqsim/model/check"
	"mqsim/sim"
)

// Hooks from run.go and results.go into the consumer-side features:
// quiescence, retention, time series and results.

// consumersQuiet reports whether nothing consumer-side is left to do: no
// send waiting for memory or a token, no retry rung or dependency with
// work.
func (w *world) consumersQuiet() bool {
	for _, p := range w.prods {
		if p.bp.head < len(p.bp.waiting) || p.bp.blk.waiting() {
			return false
		}
	}
	for _, g := range w.groups {
		if g.fh != nil && !g.fh.quiet() {
			return false
		}
		if !g.ds.quiet() || !g.shareQuiet() {
			return false
		}
	}
	return true
}

// startRetention runs the brokers' retention task every
// retention_check_interval: segments past retention.ms or beyond
// retention.bytes are deleted from every replica, read or not.
func (w *world) startRetention() {
	every := sim.Time(w.sc.Cluster.RetentionCheckInterval)
	if every <= 0 {
		return
	}
	var tick func()
	tick = func() {
		for _, t := range w.topics {
			for _, p := range t.parts {
				for _, r := range p.replicas {
					if _, err := r.log.ApplyRetention(); err != nil {
						w.fail(fmt.Errorf("retention of %s-%d on broker %d: %w", t.spec.Name, p.idx, r.b.id, err))
						return
					}
				}
			}
		}
		w.s.At(w.s.Now()+every, tick)
	}
	w.s.At(every, tick)
}

// addConsumerSeries adds the consumer-side columns: dlq_depth (when a
// group dead-letters), log_bytes/<topic> (the leaders' bytes on disk, to
// set against retention) and consumers/<group> (live members).
func (w *world) addConsumerSeries(add func(string, func() float64)) {
	dlq := false
	for _, g := range w.groups {
		dlq = dlq || (g.fh != nil && g.fh.dlq != nil)
	}
	if dlq {
		add("dlq_depth", func() float64 {
			var n int64
			for _, g := range w.groups {
				n += g.fh.dlqDepth()
			}
			return float64(n)
		})
	}
	for _, t := range w.topics {
		t := t
		if t.spec.Retention > 0 && w.sc.Duration > t.spec.Retention {
			add("log_bytes/"+t.spec.Name, func() float64 {
				var n int64
				for _, p := range t.parts {
					n += p.leader.log.Size()
				}
				return float64(n)
			})
		}
	}
	for _, g := range w.groups {
		g := g
		if g.spec.Autoscale != nil || len(w.sc.Faults) > 0 {
			add("consumers/"+g.spec.Name, func() float64 { return float64(g.live()) })
		}
	}
}

// live counts the group's members whose process runs.
func (g *group) live() int {
	n := 0
	for _, m := range g.members {
		if m.alive {
			n++
		}
	}
	return n
}

// pendingElsewhere adds to into the messages of g still on their way
// outside its topic: in retry topics.
func (g *group) pendingElsewhere(into *check.Ledger) error {
	if g.fh == nil {
		return nil
	}
	return g.fh.pending(into)
}

// consumerResults fills the consumer-side numbers of r.
func (w *world) consumerResults(r *Results) {
	now := w.s.Now()
	var handed int64
	for gi, g := range w.groups {
		for p := range g.t.parts {
			if g.pausedSince[p] >= 0 {
				g.pausedTime += now - g.pausedSince[p]
				g.pausedSince[p] = now
			}
			if ls := g.t.parts[p].leader.log.LogStartOffset(); g.processed[p] < ls {
				g.lostToRetention += ls - g.processed[p]
				g.setProcessed(p, ls)
			}
		}
		gr := &r.Groups[gi]
		gr.Rebalances, gr.Redelivered, gr.LiveConsumers = g.rebalances, g.redelivered, g.live()
		gr.Assignment = make([][]int, len(g.members))
		for i, m := range g.members {
			if m.alive {
				gr.Assignment[i] = append([]int{}, m.parts...)
			}
		}
		r.Rebalances += g.rebalances
		r.RebalanceSeconds += g.rebalanceTime.Seconds()
		r.PausedPartitionSeconds += g.pausedTime.Seconds()
		gr.PausedPartitionSeconds = g.pausedTime.Seconds()
		r.Redelivered += g.redelivered
		r.RejectedCommits += g.rejectedCommits
		r.OwnershipViolations += g.violations
		r.CoordinatorFailovers += g.coordFailovers
		r.CommitsLost += g.commitsLost
		r.CommitRollback += g.offsetsRolledBack
		r.LostToRetention += g.lostToRetention
		r.OffsetResets += g.resets
		r.ScaleUps += g.scaleUps
		if fh := g.fh; fh != nil {
			gr.DeadLettered = fh.deadLettered
			r.DeadLettered += fh.deadLettered
			r.ProcessingRetries += fh.retries
			r.Delayed += fh.delayed
			r.Discarded += fh.discarded
		}
		if d := g.ds; d != nil {
			r.DownstreamCalls += d.calls
			r.DownstreamTimeouts += d.timeouts
			handed += d.jobs
			gr.Amplification = d.amplification()
		}
		gr.LateGoodput = lateRate(r, "consumed_per_s/"+g.spec.Name, w.end)
		r.LateGoodput += gr.LateGoodput
	}
	var dlq int64
	for _, g := range w.groups {
		dlq += g.fh.dlqDepth()
	}
	r.MaxDLQDepth = dlq
	for _, v := range r.Series.Column("dlq_depth") {
		r.MaxDLQDepth = max(r.MaxDLQDepth, int64(v))
	}
	if handed > 0 {
		r.Amplification = float64(r.DownstreamCalls) / float64(handed)
	}
	for _, p := range w.prods {
		r.Rejected += p.bp.rejected
		r.RecordTooLarge += p.tooLargeN
		r.Dropped += p.bp.dropped
		r.ThrottleSeconds += p.bp.throttle.Seconds()
		r.BlockSeconds += p.bp.block.Seconds()
	}
	r.LogDirFailures = w.logDirFailures // storage.go
	r.Recovered = w.recovered           // cluster.go, openLog
}

// lateRate is the mean of a rate column over the last quarter of the
// producers' run.
func lateRate(r *Results, column string, end sim.Time) float64 {
	col := r.Series.Column(column)
	from := 0.75 * end.Seconds()
	var sum float64
	n := 0
	for i, t := range r.Series.Time {
		if i < len(col) && t > from && t <= end.Seconds() {
			sum += col[i]
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
