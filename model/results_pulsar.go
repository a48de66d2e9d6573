package model

// Pulsar is what an Apache Pulsar run reports beyond the shared ledger:
// BookKeeper's writes and failures, managed-ledger events, cursors,
// acknowledgements, backlog quotas and where dispatched messages were
// read from. It is embedded in Results (its JSON keys sit at the top
// level); other systems leave it zero.
type Pulsar struct {
	BookieEntries       int64 `json:"bookie_entries,omitempty"`       // entries journaled, once per bookie
	JournalFsyncs       int64 `json:"journal_fsyncs,omitempty"`       // journal fsyncs (fewer than entries: group commit)
	EnsembleChanges     int64 `json:"ensemble_changes,omitempty"`     // new fragments after a bookie failed
	LedgerRollovers     int64 `json:"ledger_rollovers,omitempty"`     // ledgers closed by rollover
	LedgerRecoveries    int64 `json:"ledger_recoveries,omitempty"`    // ledgers fenced and recovered by a new owner
	BundleReassignments int64 `json:"bundle_reassignments,omitempty"` // bundles moved after a broker failed
	CursorPersists      int64 `json:"cursor_persists,omitempty"`      // cursor states written to cursor ledgers
	MaxAckHoles         int64 `json:"max_ack_holes,omitempty"`        // ack-hole ranges of any cursor, largest
	NegativeAcks        int64 `json:"negative_acks,omitempty"`
	AckTimeouts         int64 `json:"ack_timeouts,omitempty"`
	QuotaHeld           int64 `json:"quota_held,omitempty"`     // sends held by producer_request_hold
	QuotaRejected       int64 `json:"quota_rejected,omitempty"` // sends failed by producer_exception
	QuotaEvicted        int64 `json:"quota_evicted,omitempty"`  // messages skipped by consumer_backlog_eviction
	OffloadedLedgers    int64 `json:"offloaded_ledgers,omitempty"`
	TieredReads         int64 `json:"tiered_reads,omitempty"` // messages dispatched from offloaded ledgers
	BookieReads         int64 `json:"bookie_reads,omitempty"` // messages dispatched from bookies
	CacheReads          int64 `json:"cache_reads,omitempty"`  // messages dispatched from the broker cache
	MaxKeySharedHeld    int64 `json:"max_key_shared_held,omitempty"`
	LedgersDeleted      int64 `json:"ledgers_deleted,omitempty"`
	PublishThrottled    int64 `json:"publish_throttled,omitempty"` // messages a publish-rate quota delayed
	RetryLettered       int64 `json:"retry_lettered,omitempty"`    // copies published to retry letter topics (reconsumeLater)
	WrittenTwice        int64 `json:"written_twice,omitempty"`     // messages a producer's retry wrote again (deduplication drops them: dedup_dropped)
	// Geo-replication: the longest receipt-to-remote-receipt time
	// (seconds) and the acknowledged messages some region never got.
	MaxReplicationLag float64 `json:"max_replication_lag,omitempty"`
	GeoUnreplicated   int64   `json:"geo_unreplicated,omitempty"`
	// The best one-second dispatch rates from offloaded ledgers and from
	// bookies (messages/s).
	MaxDispatchRateTiered float64 `json:"max_dispatch_rate_tiered,omitempty"`
	MaxDispatchRateBookie float64 `json:"max_dispatch_rate_bookie,omitempty"`
	// Topics holds one row per topic partition (managed ledger).
	PulsarTopics []PulsarTopic `json:"pulsar_topics,omitempty"`
}

// PulsarTopic is one managed ledger at the end of a run.
type PulsarTopic struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Region    string `json:"region,omitempty"`
	Owner     int    `json:"owner"`     // broker owning its bundle (-1: none)
	Ledgers   int    `json:"ledgers"`   // ledgers still in the managed ledger
	Offloaded int    `json:"offloaded"` // of which offloaded
	Entries   int64  `json:"entries"`   // entries written
	Messages  int64  `json:"messages"`  // messages written
	Backlog   int64  `json:"backlog"`   // messages the slowest subscription has not acknowledged
	MaxBytes  int64  `json:"max_backlog_bytes"`
	Ensembles string `json:"ensembles"` // the open ledger's fragments, e.g. "[0 1 2] [0 3 2]@512"
}

var pulsarMetricNames = []string{"bookie_entries", "journal_fsyncs", "ensemble_changes", "ledger_rollovers",
	"ledger_recoveries", "bundle_reassignments", "cursor_persists", "max_ack_holes", "negative_acks", "ack_timeouts",
	"quota_held", "quota_rejected", "quota_evicted", "offloaded_ledgers", "tiered_reads", "bookie_reads", "cache_reads",
	"max_key_shared_held", "ledgers_deleted", "publish_throttled", "written_twice", "retry_lettered", "max_replication_lag", "geo_unreplicated", "max_dispatch_rate_tiered", "max_dispatch_rate_bookie"}

func (p *Pulsar) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "bookie_entries":
		return c(p.BookieEntries)
	case "journal_fsyncs":
		return c(p.JournalFsyncs)
	case "ensemble_changes":
		return c(p.EnsembleChanges)
	case "ledger_rollovers":
		return c(p.LedgerRollovers)
	case "ledger_recoveries":
		return c(p.LedgerRecoveries)
	case "bundle_reassignments":
		return c(p.BundleReassignments)
	case "cursor_persists":
		return c(p.CursorPersists)
	case "max_ack_holes":
		return c(p.MaxAckHoles)
	case "negative_acks":
		return c(p.NegativeAcks)
	case "ack_timeouts":
		return c(p.AckTimeouts)
	case "quota_held":
		return c(p.QuotaHeld)
	case "quota_rejected":
		return c(p.QuotaRejected)
	case "quota_evicted":
		return c(p.QuotaEvicted)
	case "offloaded_ledgers":
		return c(p.OffloadedLedgers)
	case "tiered_reads":
		return c(p.TieredReads)
	case "bookie_reads":
		return c(p.BookieReads)
	case "cache_reads":
		return c(p.CacheReads)
	case "max_key_shared_held":
		return c(p.MaxKeySharedHeld)
	case "ledgers_deleted":
		return c(p.LedgersDeleted)
	case "publish_throttled":
		return c(p.PublishThrottled)
	case "retry_lettered":
		return c(p.RetryLettered)
	case "written_twice":
		return c(p.WrittenTwice)
	case "max_replication_lag":
		return p.MaxReplicationLag, KindDuration, true
	case "geo_unreplicated":
		return c(p.GeoUnreplicated)
	case "max_dispatch_rate_tiered":
		return p.MaxDispatchRateTiered, KindRate, true
	case "max_dispatch_rate_bookie":
		return p.MaxDispatchRateBookie, KindRate, true
	}
	return 0, "", false
}
