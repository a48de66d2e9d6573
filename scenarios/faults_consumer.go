package scenarios

// Consumer-side fault types and result metrics, registered beside the
// broker ones (see faults.go and expect.go).
func init() {
	for name, r := range map[string]FaultRule{
		"consumer-crash": {Doc: "a consumer process dies (no LeaveGroup); with a duration it restarts after it, as the same static member if the group uses static membership",
			Target: "consumer"},
		"consumer-leave": {Doc: "a consumer shuts down cleanly (commits, then LeaveGroup unless static); with a duration it starts again after it: one step of a rolling restart",
			Target: "consumer"},
		"consumer-stall": {Doc: "a consumer's application thread stops polling for the duration (its heartbeats go on); past max_poll_interval it is removed from the group",
			Target: "consumer", NeedsDuration: true},
		"consumer-slowdown": {Doc: "a consumer processes slowdown times slower (all members if no consumer is given)",
			Target: "consumer", Params: []string{"slowdown"}, Required: []string{"slowdown"}},
		"coordinator-loss": {Doc: "the broker hosting the group's coordinator (the leader of its __consumer_offsets partition) " +
			"crashes (with lose_page_cache, its machine): the controller elects a new leader of that partition, whose broker " +
			"loads the committed offsets from its replica; commits not yet replicated are lost; with a duration the broker restarts",
			Target: "group", Params: []string{"lose_page_cache"}},
		"consumer-join": {Doc: "a new consumer joins the group (a rebalance); with a duration it leaves again after it",
			Target: "group"},
		"downstream-outage": {Doc: "every processing attempt of the group fails while it lasts (a dependency is down)",
			Target: "group", NeedsDuration: true},
		"downstream-slowdown": {Doc: "the group's downstream dependency (or, without one, its processing) is slowdown times slower",
			Target: "group", Params: []string{"slowdown"}, Required: []string{"slowdown"}},
	} {
		FaultTypes[name] = r
	}
	Metrics = append(Metrics,
		MetricInfo{"rebalances", KindCount, "group rebalances after the groups first formed, summed over groups"},
		MetricInfo{"rebalance_seconds", KindDuration, "time groups spent rebalancing (from the first JoinGroup to the new generation), summed"},
		MetricInfo{"paused_partition_seconds", KindDuration, "partition-seconds without an owner able to consume them (revoked, or owner gone), summed"},
		MetricInfo{"redelivered", KindCount, "processings of a record at or below the highest offset its group had already processed: the price of rebalances and crashes"},
		MetricInfo{"rejected_commits", KindCount, "offset commits refused for a stale generation or a partition the member no longer owns"},
		MetricInfo{"coordinator_failovers", KindCount, "times a new group coordinator (a new leader of the group's __consumer_offsets partition) loaded a group"},
		MetricInfo{"commits_lost", KindCount, "partitions whose committed offset fell back when a new coordinator loaded the group: commits not yet replicated"},
		MetricInfo{"commit_rollback", KindCount, "records the committed offsets fell back by at coordinator failovers: what a restarting owner processes again"},
		MetricInfo{"ownership_violations", KindCount, "times a member took a partition another current member still owned (must be 0)"},
		MetricInfo{"dead_lettered", KindCount, "messages written to a dead-letter topic"},
		MetricInfo{"processing_retries", KindCount, "consumer-side processing attempts beyond the first (in place or through retry topics)"},
		MetricInfo{"delayed", KindCount, "messages processed successfully after at least one failed attempt"},
		MetricInfo{"discarded", KindCount, "messages given up by the skip policy (logged and skipped)"},
		MetricInfo{"max_dlq_depth", KindCount, "records in the dead-letter topics at the end"},
		MetricInfo{"rejected", KindCount, "sends refused because buffer_memory was full (at once, or after max_block)"},
		MetricInfo{"record_too_large", KindCount, "records refused as over max_request_size or the topic's max_message_bytes"},
		MetricInfo{"dropped", KindCount, "low-priority messages dropped on purpose under load (not counted as lost)"},
		MetricInfo{"throttle_seconds", KindDuration, "total time messages waited for a producer's rate limiter"},
		MetricInfo{"block_seconds", KindDuration, "total time sends waited for buffer memory"},
		MetricInfo{"lost_to_retention", KindCount, "records retention deleted before their group processed them"},
		MetricInfo{"offset_resets", KindCount, "times a consumer's position was out of range and auto_offset_reset moved it"},
		MetricInfo{"scale_ups", KindCount, "consumers the autoscaler added"},
		MetricInfo{"downstream_calls", KindCount, "calls that reached downstream dependencies, retries included"},
		MetricInfo{"downstream_timeouts", KindCount, "downstream calls whose caller gave up (timeout or full queue)"},
		MetricInfo{"amplification", KindCount, "downstream calls per message handed to the dependency"},
		MetricInfo{"late_goodput", KindRate, "messages per second completed in the last quarter of the producers' run"},
	)
	GroupMetrics = append(GroupMetrics,
		MetricInfo{"rebalances", KindCount, "this group's rebalances"},
		MetricInfo{"dead_lettered", KindCount, ""},
		MetricInfo{"redelivered", KindCount, ""},
		MetricInfo{"consumers", KindCount, "members at the end of the run"},
		MetricInfo{"late_goodput", KindRate, "messages per second this group completed in the last quarter of the producers' run"},
		MetricInfo{"paused_partition_seconds", KindDuration, "this group's partition-seconds without a live owner"},
		MetricInfo{"amplification", KindCount, "this group's downstream calls per message"},
	)
}
