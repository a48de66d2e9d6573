package capacity

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"mqsim/scenarios/units"
)

// Workload describes the traffic to size for. Zero values mean "use the
// default"; Defaults fills them in. Exactly one of (Users with
// EventsPerUserPerDay), MessagesPerDay or MessagesPerSec gives the rate.
type Workload struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`

	// The rate, given one way.
	Users               units.Count `yaml:"users" json:"users,omitempty"`
	EventsPerUserPerDay units.Count `yaml:"events_per_user_per_day" json:"events_per_user_per_day,omitempty"`
	MessagesPerDay      units.Count `yaml:"messages_per_day" json:"messages_per_day_input,omitempty"`
	MessagesPerSec      units.Rate  `yaml:"messages_per_sec" json:"messages_per_sec_input,omitempty"`
	PeakFactor          units.Ratio `yaml:"peak_factor" json:"peak_factor"`

	// Message bytes.
	MessageSize      units.Bytes `yaml:"message_size" json:"message_size"`
	MessageOverhead  units.Bytes `yaml:"message_overhead" json:"message_overhead"`
	CompressionRatio units.Ratio `yaml:"compression_ratio" json:"compression_ratio"`

	// Storage.
	Retention         units.Duration  `yaml:"retention" json:"retention_seconds"`
	ReplicationFactor int             `yaml:"replication_factor" json:"replication_factor"`
	DiskPerBroker     units.Bytes     `yaml:"disk_per_broker" json:"disk_per_broker"`
	DiskFillTarget    units.Ratio     `yaml:"disk_fill_target" json:"disk_fill_target"`
	DiskThroughput    units.Bandwidth `yaml:"disk_throughput" json:"disk_throughput"`

	// Parallelism.
	PartitionThroughput    units.Rate  `yaml:"partition_throughput" json:"partition_throughput"`
	ConsumerThroughput     units.Rate  `yaml:"consumer_throughput" json:"consumer_throughput,omitempty"`
	Headroom               units.Ratio `yaml:"headroom" json:"headroom"`
	ConsumerGroups         int         `yaml:"consumer_groups" json:"consumer_groups"`
	MaxPartitionsPerBroker int         `yaml:"max_partitions_per_broker" json:"max_partitions_per_broker"`

	// Network.
	NICBandwidth  units.Bandwidth `yaml:"nic_bandwidth" json:"nic_bandwidth"`
	NetworkTarget units.Ratio     `yaml:"network_target" json:"network_target"`

	// Operating margins for the recommended plan, shown beside the exact
	// arithmetic. The recommended plan uses the stricter of each margin and
	// its exact counterpart (disk_fill_target, headroom, network_target), so
	// it never needs fewer brokers or partitions than the exact one.
	RecommendedDiskFill      units.Ratio `yaml:"recommended_disk_fill" json:"recommended_disk_fill"`
	RecommendedHeadroom      units.Ratio `yaml:"recommended_headroom" json:"recommended_headroom"`
	RecommendedNetworkTarget units.Ratio `yaml:"recommended_network_target" json:"recommended_network_target"`

	// SLO is what the plan must deliver at its peak, if stated; `mqsim
	// capacity --verify` judges a simulated run against it. The sizing
	// arithmetic does not use it.
	SLO SLO `yaml:"slo" json:"slo,omitzero"`

	// Guarantee: exactly-once adds the transactions' cost to the plan
	// (txn.go): each of TransactionalProducers (default one per partition)
	// commits every CommitInterval.
	Guarantee              string         `yaml:"guarantee" json:"guarantee,omitempty"`
	CommitInterval         units.Duration `yaml:"commit_interval" json:"commit_interval,omitempty"`
	TransactionalProducers int            `yaml:"transactional_producers" json:"transactional_producers,omitempty"`
	// Queue holds what sizing a RabbitMQ or SQS queue needs beyond the
	// fields above (queues.go); the Kafka plan does not use it.
	Queue *QueueWorkload `yaml:"queue" json:"queue,omitempty"`
}

// SLO is a workload's service-level objective: each zero field is not
// stated.
type SLO struct {
	// P99E2E bounds the 99th percentile of produce-to-processed latency.
	P99E2E units.Duration `yaml:"p99_e2e" json:"p99_e2e_seconds,omitempty"`
	// MaxLag bounds each consumer group's lag at the peak, as time: the
	// lag in messages divided by the peak rate.
	MaxLag units.Duration `yaml:"max_lag" json:"max_lag_seconds,omitempty"`
}

// MaxSLODuration bounds an SLO's durations: a day is already a typo for a
// latency or lag objective.
const MaxSLODuration = 24 * units.Hour

// The defaults, chosen so the seed's worked example needs only its own numbers.
const (
	DefaultReplicationFactor      = 3
	DefaultMaxPartitionsPerBroker = 4000 // Kafka's commonly quoted per-broker ceiling
)

// Default values for unset fields; see Defaults.
var (
	DefaultPeakFactor          = units.Ratio(1)
	DefaultCompressionRatio    = units.Ratio(1)
	DefaultDiskPerBroker       = units.Bytes(10e12)     // the seed's 10 TB per broker
	DefaultDiskFillTarget      = units.Ratio(1)         // the seed fills the whole disk
	DefaultDiskThroughput      = units.Bandwidth(600e6) // the seed's sequential I/O figure
	DefaultPartitionThroughput = units.Rate(10e3)       // the seed's 10K msg/s per partition
	DefaultHeadroom            = units.Ratio(1)
	DefaultNICBandwidth        = units.Bandwidth(10e9 / 8) // 10 Gbps
	DefaultNetworkTarget       = units.Ratio(0.7)          // keep NICs below 70% busy

	// The operating margins of the recommended plan (docs/capacity.md
	// gives their sources).
	DefaultRecommendedDiskFill      = units.Ratio(0.75) // leave a quarter of each disk free
	DefaultRecommendedHeadroom      = units.Ratio(2)    // the seed's 2x partition headroom
	DefaultRecommendedNetworkTarget = units.Ratio(0.7)  // NICs below 70% busy
)

// Sane bounds. An input outside its range, or a result past its bound, is
// refused with the field that caused it rather than planned: a plan for
// 9×10¹² brokers is a typo, not an answer. docs/capacity.md lists them.
const (
	MaxBrokers                  = 10_000     // brokers in one cluster
	MaxPartitions               = 10_000_000 // partitions in one cluster
	MaxAvgMessagesPerSec        = 1e9        // average messages/s
	MaxPeakMessagesPerSec       = 1e10       // peak messages/s
	MaxUsers                    = 1e11
	MaxEventsPerUserDay         = 1e7
	MaxMessageSize              = 1<<31 - 1 // Kafka's sizes are 32-bit
	MaxRetentionDays            = 36_500    // a century
	MaxReplicationFactor        = 32
	MaxConsumerGroups           = 10_000
	MaxPartitionsPerBrokerBound = 1_000_000
	MaxFactor                   = 1000  // peak_factor, compression_ratio, headroom
	MinDiskPerBroker            = 1e9   // 1 GB
	MaxDiskPerBroker            = 1e15  // 1 PB
	MinBandwidth                = 1e6   // 1 MB/s, for disks and NICs
	MaxBandwidth                = 1e12  // 1 TB/s
	MinThroughput               = 0.001 // messages/s per partition or consumer
	MaxThroughput               = 1e9
)

// Defaults returns w with every unset field set to its default.
func (w Workload) Defaults() Workload {
	if w.PeakFactor == 0 {
		w.PeakFactor = DefaultPeakFactor
	}
	if w.CompressionRatio == 0 {
		w.CompressionRatio = DefaultCompressionRatio
	}
	if w.ReplicationFactor == 0 {
		w.ReplicationFactor = DefaultReplicationFactor
	}
	if w.DiskPerBroker == 0 {
		w.DiskPerBroker = DefaultDiskPerBroker
	}
	if w.DiskFillTarget == 0 {
		w.DiskFillTarget = DefaultDiskFillTarget
	}
	if w.DiskThroughput == 0 {
		w.DiskThroughput = DefaultDiskThroughput
	}
	if w.PartitionThroughput == 0 {
		w.PartitionThroughput = DefaultPartitionThroughput
	}
	if w.Headroom == 0 {
		w.Headroom = DefaultHeadroom
	}
	if w.ConsumerGroups == 0 {
		w.ConsumerGroups = 1
	}
	if w.MaxPartitionsPerBroker == 0 {
		w.MaxPartitionsPerBroker = DefaultMaxPartitionsPerBroker
	}
	if w.NICBandwidth == 0 {
		w.NICBandwidth = DefaultNICBandwidth
	}
	if w.NetworkTarget == 0 {
		w.NetworkTarget = DefaultNetworkTarget
	}
	if w.RecommendedDiskFill == 0 {
		w.RecommendedDiskFill = DefaultRecommendedDiskFill
	}
	if w.RecommendedHeadroom == 0 {
		w.RecommendedHeadroom = DefaultRecommendedHeadroom
	}
	if w.RecommendedNetworkTarget == 0 {
		w.RecommendedNetworkTarget = DefaultRecommendedNetworkTarget
	}
	return w
}

// FieldError is a problem with one workload field, named as in YAML.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string     { return e.Field + ": " + e.Msg }
func (e *FieldError) FieldPath() string { return e.Field }

// zeroMeansDefault lists the fields where zero means "use the default",
// with the default's meaning, for GivenZero.
var zeroMeansDefault = []struct {
	field string
	zero  func(w Workload) bool
	want  string
}{
	{"users", func(w Workload) bool { return w.Users == 0 }, "a positive count of daily active users"},
	{"events_per_user_per_day", func(w Workload) bool { return w.EventsPerUserPerDay == 0 }, "a positive count"},
	{"messages_per_day", func(w Workload) bool { return w.MessagesPerDay == 0 }, "a positive count"},
	{"messages_per_sec", func(w Workload) bool { return w.MessagesPerSec == 0 }, "a positive rate"},
	{"peak_factor", func(w Workload) bool { return w.PeakFactor == 0 }, "at least 1x"},
	{"compression_ratio", func(w Workload) bool { return w.CompressionRatio == 0 }, "at least 1x"},
	{"replication_factor", func(w Workload) bool { return w.ReplicationFactor == 0 }, "at least 1"},
	{"disk_per_broker", func(w Workload) bool { return w.DiskPerBroker == 0 }, "a positive size"},
	{"disk_fill_target", func(w Workload) bool { return w.DiskFillTarget == 0 }, "a share above 0%, at most 100%"},
	{"disk_throughput", func(w Workload) bool { return w.DiskThroughput == 0 }, "a positive bandwidth"},
	{"partition_throughput", func(w Workload) bool { return w.PartitionThroughput == 0 }, "a positive rate"},
	{"consumer_throughput", func(w Workload) bool { return w.ConsumerThroughput == 0 }, "a positive rate (omit it to size by the produce side alone)"},
	{"headroom", func(w Workload) bool { return w.Headroom == 0 }, "at least 1x"},
	{"consumer_groups", func(w Workload) bool { return w.ConsumerGroups == 0 }, "at least 1"},
	{"max_partitions_per_broker", func(w Workload) bool { return w.MaxPartitionsPerBroker == 0 }, "at least 1"},
	{"nic_bandwidth", func(w Workload) bool { return w.NICBandwidth == 0 }, "a positive bandwidth"},
	{"network_target", func(w Workload) bool { return w.NetworkTarget == 0 }, "a share above 0%, at most 100%"},
	{"recommended_disk_fill", func(w Workload) bool { return w.RecommendedDiskFill == 0 }, "a share above 0%, at most 100%"},
	{"recommended_headroom", func(w Workload) bool { return w.RecommendedHeadroom == 0 }, "at least 1x"},
	{"recommended_network_target", func(w Workload) bool { return w.RecommendedNetworkTarget == 0 }, "a share above 0%, at most 100%"},
	{"slo.p99_e2e", func(w Workload) bool { return w.SLO.P99E2E == 0 }, "a positive duration such as 50ms (leave it out to state no latency objective)"},
	{"slo.max_lag", func(w Workload) bool { return w.SLO.MaxLag == 0 }, "a positive duration such as 10s (leave it out to state no lag objective)"},
}

// GivenZero reports the fields a file (or --set) states explicitly as zero.
// In a Workload zero means "unset, use the default", so Defaults would
// silently turn `replication_factor: 0` into 3 and `peak_factor: 0x` into
// 1x; a loader calls GivenZero before Defaults, with the names of the
// fields it saw, to refuse them instead. The result joins one *FieldError
// per field.
func (w Workload) GivenZero(given func(field string) bool) error {
	var errs []error
	for _, z := range zeroMeansDefault {
		if given(z.field) && z.zero(w) {
			msg := "is 0; want " + z.want
			if !strings.HasPrefix(z.field, "users") && !strings.HasPrefix(z.field, "events_") && !strings.HasPrefix(z.field, "messages_") &&
				z.field != "consumer_throughput" && !strings.HasPrefix(z.field, "slo.") {
				msg += " (leave the field out for the default)"
			}
			errs = append(errs, &FieldError{Field: z.field, Msg: msg})
		}
	}
	return errors.Join(errs...)
}

// Validate checks every field against its range and the cross-field rules
// of a workload (after Defaults); the result joins one *FieldError per
// problem. When every field is in range it also computes the plan, so a
// result past a bound (MaxBrokers, MaxPartitions, 64-bit byte counts) is
// refused here, naming the field that caused it.
func (w Workload) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	ways := 0
	if w.Users != 0 || w.EventsPerUserPerDay != 0 {
		ways++
		if w.Users == 0 {
			bad("users", "required with events_per_user_per_day (daily active users, e.g. 500M)")
		}
		if w.EventsPerUserPerDay == 0 {
			bad("events_per_user_per_day", "required with users (e.g. 20)")
		}
	}
	if w.MessagesPerDay != 0 {
		ways++
	}
	if w.MessagesPerSec != 0 {
		ways++
	}
	w.validateTxn(bad) // txn.go
	switch {
	case ways == 0:
		bad("messages_per_sec", "missing: give the rate one way — users with events_per_user_per_day, messages_per_day, or messages_per_sec")
	case ways > 1:
		field := "messages_per_sec"
		if w.MessagesPerSec == 0 {
			field = "messages_per_day"
		}
		bad(field, "the rate is given more than one way; give exactly one of users × events_per_user_per_day, messages_per_day, messages_per_sec")
	}
	// between checks lo ≤ v ≤ hi (NaN fails both), naming the bound crossed.
	between := func(field string, v, lo, hi float64, show func(float64) string, loWhy string) {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			bad(field, "is not a finite number")
		case v < lo:
			bad(field, "is %s; want at least %s%s", show(v), show(lo), loWhy)
		case v > hi:
			bad(field, "is %s; want at most %s (a sane bound: larger is almost surely a typo)", show(v), show(hi))
		}
	}
	big := func(v float64, f func(float64) string) string {
		if v >= 1e15 || (v > 0 && v < 0.001) {
			return strconv.FormatFloat(v, 'g', 3, 64)
		}
		return f(v)
	}
	count := func(v float64) string { return big(v, units.FormatSI) }
	rate := func(v float64) string { return big(v, units.FormatSI) + "/s" }
	size := func(v float64) string { return units.FormatBytes(v) }
	bw := func(v float64) string { return units.Bandwidth(v).String() }
	ratio := func(v float64) string {
		if v >= 1e15 {
			return big(v, nil) + "x"
		}
		return units.Ratio(v).String()
	}
	pct := func(v float64) string { return units.Ratio(v).Percent() }
	whole := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	if w.Users != 0 {
		between("users", float64(w.Users), 1, MaxUsers, count, "")
	}
	if w.EventsPerUserPerDay != 0 {
		between("events_per_user_per_day", float64(w.EventsPerUserPerDay), 0, MaxEventsPerUserDay, count, "")
	}
	if w.MessagesPerDay != 0 {
		between("messages_per_day", float64(w.MessagesPerDay), 1, MaxAvgMessagesPerSec*SecondsPerDay, count, "")
	}
	if w.MessagesPerSec != 0 {
		between("messages_per_sec", float64(w.MessagesPerSec), 0, MaxAvgMessagesPerSec, rate, "")
	}
	if w.MessageSize <= 0 {
		bad("message_size", "missing or zero: the average message payload, e.g. 500B")
	} else {
		between("message_size", float64(w.MessageSize), 1, MaxMessageSize, size, "")
	}
	between("message_overhead", float64(w.MessageOverhead), 0, MaxMessageSize, size, "")
	if w.Retention <= 0 {
		bad("retention", "missing or zero: how long messages are kept, e.g. 7d")
	} else if days := w.Retention.Seconds() / SecondsPerDay; days > MaxRetentionDays {
		bad("retention", "is %s days; want at most %d days (a century)", fmtNum(days), MaxRetentionDays)
	}
	between("peak_factor", float64(w.PeakFactor), 1, MaxFactor, ratio, "; the peak cannot be below the average")
	between("compression_ratio", float64(w.CompressionRatio), 1, MaxFactor, ratio, " (4x means a quarter of the bytes)")
	between("replication_factor", float64(w.ReplicationFactor), 1, MaxReplicationFactor, whole, "")
	between("disk_per_broker", float64(w.DiskPerBroker), MinDiskPerBroker, MaxDiskPerBroker, size, " (a broker's data disk)")
	between("disk_fill_target", float64(w.DiskFillTarget), 0.01, 1, pct, "; a disk cannot be filled beyond 100%")
	between("disk_throughput", float64(w.DiskThroughput), MinBandwidth, MaxBandwidth, bw, "")
	between("partition_throughput", float64(w.PartitionThroughput), MinThroughput, MaxThroughput, rate, "")
	if w.ConsumerThroughput != 0 {
		between("consumer_throughput", float64(w.ConsumerThroughput), MinThroughput, MaxThroughput, rate, "")
	}
	between("headroom", float64(w.Headroom), 1, MaxFactor, ratio, "")
	between("consumer_groups", float64(w.ConsumerGroups), 1, MaxConsumerGroups, whole, "")
	between("max_partitions_per_broker", float64(w.MaxPartitionsPerBroker), 1, MaxPartitionsPerBrokerBound, whole, "")
	between("nic_bandwidth", float64(w.NICBandwidth), MinBandwidth, MaxBandwidth, bw, "")
	between("network_target", float64(w.NetworkTarget), 0.01, 1, pct, "; a NIC cannot be used beyond 100%")
	between("recommended_disk_fill", float64(w.RecommendedDiskFill), 0.01, 1, pct, "")
	between("recommended_headroom", float64(w.RecommendedHeadroom), 1, MaxFactor, ratio, "")
	between("recommended_network_target", float64(w.RecommendedNetworkTarget), 0.01, 1, pct, "")
	dur := func(v float64) string { return units.Duration(v).String() }
	if w.SLO.P99E2E != 0 {
		between("slo.p99_e2e", float64(w.SLO.P99E2E), 1, float64(MaxSLODuration), dur, "")
	}
	if w.SLO.MaxLag != 0 {
		between("slo.max_lag", float64(w.SLO.MaxLag), 1, float64(MaxSLODuration), dur, "")
	}
	if len(errs) == 0 {
		// Every input is sane; the combination must be too.
		if _, err := compute(w); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}
