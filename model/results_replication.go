package model

// Replication is what broker faults did to the cluster's replicated logs:
// elections, availability, truncation, end-of-run convergence and the
// invariants of replication safety evaluated against the configuration.
// It is embedded in Results (its JSON keys sit at the top level).
type Replication struct {
	UnavailableSeconds    float64 `json:"unavailable_seconds"`     // partition-seconds offline or with ISR < min.insync.replicas
	MaxUnavailableSeconds float64 `json:"max_unavailable_seconds"` // the worst single partition's total
	LeaderElections       int64   `json:"leader_elections"`        // clean and unclean
	UncleanElections      int64   `json:"unclean_elections"`
	OfflinePartitions     int     `json:"offline_partitions"`  // without a live leader at the end
	DivergedPartitions    int     `json:"diverged_partitions"` // in-sync replicas differ at the end
	TruncatedRecords      int64   `json:"truncated_records"`   // removed by truncation or a lost page cache
	NotEnoughReplicas     int64   `json:"not_enough_replicas"` // batches refused: ISR < min.insync.replicas
	NotEnoughAfterAppend  int64   `json:"not_enough_replicas_after_append"`
	// InvariantViolations lists, in words, every behaviour the
	// configuration does not allow that the run showed anyway: each is a
	// model bug.
	InvariantViolations []string `json:"invariant_violations,omitempty"`
	// Partitions lists each partition's leader, epoch, ISR and unavailable
	// time at the end, when the scenario has broker faults.
	Partitions []PartitionResult `json:"partitions,omitempty"`
}

// PartitionResult is one partition's replication state at the end of a run.
type PartitionResult struct {
	Topic              string  `json:"topic"`
	Partition          int     `json:"partition"`
	Leader             int     `json:"leader"` // broker id; -1 when offline
	Epoch              int32   `json:"epoch"`
	ISR                []int   `json:"isr"`
	UnavailableSeconds float64 `json:"unavailable_seconds"`
	Diverged           bool    `json:"diverged,omitempty"`
}

var replicationMetricNames = []string{"unavailable_seconds", "max_unavailable_seconds", "leader_elections",
	"unclean_elections", "offline_partitions", "diverged_partitions", "truncated_records", "not_enough_replicas",
	"not_enough_replicas_after_append", "invariant_violations"}

func (r *Replication) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "unavailable_seconds":
		return r.UnavailableSeconds, KindDuration, true
	case "max_unavailable_seconds":
		return r.MaxUnavailableSeconds, KindDuration, true
	case "leader_elections":
		return c(r.LeaderElections)
	case "unclean_elections":
		return c(r.UncleanElections)
	case "offline_partitions":
		return c(int64(r.OfflinePartitions))
	case "diverged_partitions":
		return c(int64(r.DivergedPartitions))
	case "truncated_records":
		return c(r.TruncatedRecords)
	case "not_enough_replicas":
		return c(r.NotEnoughReplicas)
	case "not_enough_replicas_after_append":
		return c(r.NotEnoughAfterAppend)
	case "invariant_violations":
		return c(int64(len(r.InvariantViolations)))
	}
	return 0, "", false
}
