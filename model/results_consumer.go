package model

// consumerMetricNames are the consumer-side names Metric answers.
var consumerMetricNames = []string{"rebalances", "rebalance_seconds", "paused_partition_seconds", "redelivered",
	"rejected_commits", "ownership_violations", "dead_lettered", "processing_retries", "delayed", "discarded",
	"max_dlq_depth", "rejected", "dropped", "throttle_seconds", "block_seconds", "lost_to_retention",
	"offset_resets", "scale_ups", "downstream_calls", "downstream_timeouts", "amplification", "late_goodput",
	"coordinator_failovers", "commits_lost", "commit_rollback"}

func (r *Results) consumerMetric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	d := func(v float64) (float64, string, bool) { return v, KindDuration, true }
	switch name {
	case "rebalances":
		return c(r.Rebalances)
	case "rebalance_seconds":
		return d(r.RebalanceSeconds)
	case "paused_partition_seconds":
		return d(r.PausedPartitionSeconds)
	case "redelivered":
		return c(r.Redelivered)
	case "rejected_commits":
		return c(r.RejectedCommits)
	case "coordinator_failovers":
		return c(r.CoordinatorFailovers)
	case "commits_lost":
		return c(r.CommitsLost)
	case "commit_rollback":
		return c(r.CommitRollback)
	case "ownership_violations":
		return c(r.OwnershipViolations)
	case "dead_lettered":
		return c(r.DeadLettered)
	case "processing_retries":
		return c(r.ProcessingRetries)
	case "delayed":
		return c(r.Delayed)
	case "discarded":
		return c(r.Discarded)
	case "max_dlq_depth":
		return c(r.MaxDLQDepth)
	case "rejected":
		return c(r.Rejected)
	case "record_too_large":
		return c(r.RecordTooLarge)
	case "dropped":
		return c(r.Dropped)
	case "throttle_seconds":
		return d(r.ThrottleSeconds)
	case "block_seconds":
		return d(r.BlockSeconds)
	case "lost_to_retention":
		return c(r.LostToRetention)
	case "offset_resets":
		return c(r.OffsetResets)
	case "scale_ups":
		return c(r.ScaleUps)
	case "downstream_calls":
		return c(r.DownstreamCalls)
	case "downstream_timeouts":
		return c(r.DownstreamTimeouts)
	case "amplification":
		return r.Amplification, KindCount, true
	case "late_goodput":
		return r.LateGoodput, KindRate, true
	}
	return 0, "", false
}

func (g *GroupResult) consumerMetric(key string) (float64, string, bool) {
	switch key {
	case "rebalances":
		return float64(g.Rebalances), KindCount, true
	case "dead_lettered":
		return float64(g.DeadLettered), KindCount, true
	case "redelivered":
		return float64(g.Redelivered), KindCount, true
	case "consumers":
		return float64(g.LiveConsumers), KindCount, true
	case "late_goodput":
		return g.LateGoodput, KindRate, true
	case "paused_partition_seconds":
		return g.PausedPartitionSeconds, KindDuration, true
	case "amplification":
		return g.Amplification, KindCount, true
	}
	return 0, "", false
}

// AddGroup appends a consumer group's result to r and adds its counts to
// the run's totals: lost, unseen, duplicates, reordered and final lag
// summed, the largest max lag kept.
func (r *Results) AddGroup(gr GroupResult) {
	r.Groups = append(r.Groups, gr)
	r.Lost += gr.Lost
	r.Unseen += gr.Unseen
	r.Duplicates += gr.Duplicates
	r.Reordered += gr.Reordered
	r.MaxLag = max(r.MaxLag, gr.MaxLag)
	r.FinalLag += gr.FinalLag
}
