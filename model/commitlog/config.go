package commitlog

import (
	"time"

	"mqsim/model/commitlog/vfs"
)

// Clock returns the current time in nanoseconds. The simulator passes its
// virtual clock; command-line tools pass the wall clock. Record timestamps are
// milliseconds (as in Kafka) and are compared with Clock()/1e6.
type Clock func() int64

// FlushPolicy says when the file backend syncs appended data (the memory
// backend ignores it). The zero value never syncs on the append path, which
// is Kafka's default: durability comes from replication. Segments are synced
// when they roll unless the policy is the zero value.
type FlushPolicy struct {
	// EveryBatches syncs after this many appended batches (1 = every batch);
	// 0 disables the count.
	EveryBatches int
	// Interval syncs on the first append at least this long (by Clock) after
	// the last sync; 0 disables it.
	Interval time.Duration
}

func (p FlushPolicy) never() bool { return p.EveryBatches <= 0 && p.Interval <= 0 }

// Config configures a log. Zero fields take Kafka's defaults.
type Config struct {
	// SegmentBytes rolls a new segment when the next batch would take the
	// active one past this declared size (segment.bytes, default 1 GiB,
	// at most 2 GiB - 1).
	SegmentBytes int64
	// SegmentAge rolls a new segment once the active one is this old by
	// Clock (segment.ms, default 7 days; negative disables).
	SegmentAge time.Duration
	// IndexIntervalBytes is the declared size between offset-index entries
	// (index.interval.bytes, default 4096).
	IndexIntervalBytes int64
	// RetentionAge deletes segments whose newest record is older than this
	// (retention.ms, default 7 days; negative means unlimited).
	RetentionAge time.Duration
	// RetentionBytes deletes the oldest segments while the log would stay
	// at least this large without them (retention.bytes; 0 or negative
	// means unlimited, the default).
	RetentionBytes int64
	// DeleteRetention is how long compaction keeps tombstones
	// (delete.retention.ms, default 24 h).
	DeleteRetention time.Duration
	// MaxBatchBytes is the largest declared batch size Append accepts
	// (message.max.bytes, default 1048588).
	MaxBatchBytes int64
	// Flush is the file backend's sync policy.
	Flush FlushPolicy
	// Clock gives the time; nil means time stands still at 0.
	Clock Clock
	// Spill, for a memory log, is where Release moves stored bytes out of
	// memory, under SpillDir (one directory per log); nil drops them.
	Spill    vfs.FS
	SpillDir string
}

const (
	defaultSegmentBytes    = 1 << 30
	defaultSegmentAge      = 7 * 24 * time.Hour
	defaultIndexInterval   = 4096
	defaultRetentionAge    = 7 * 24 * time.Hour
	defaultDeleteRetention = 24 * time.Hour
	defaultMaxBatchBytes   = 1048588
	maxSegmentBytes        = 1<<31 - 1
)

func (c Config) withDefaults() Config {
	if c.SegmentBytes <= 0 {
		c.SegmentBytes = defaultSegmentBytes
	}
	if c.SegmentBytes > maxSegmentBytes {
		c.SegmentBytes = maxSegmentBytes
	}
	if c.SegmentAge == 0 {
		c.SegmentAge = defaultSegmentAge
	}
	if c.IndexIntervalBytes <= 0 {
		c.IndexIntervalBytes = defaultIndexInterval
	}
	if c.RetentionAge == 0 {
		c.RetentionAge = defaultRetentionAge
	}
	if c.DeleteRetention <= 0 {
		c.DeleteRetention = defaultDeleteRetention
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = defaultMaxBatchBytes
	}
	if c.Clock == nil {
		c.Clock = func() int64 { return 0 }
	}
	return c
}
