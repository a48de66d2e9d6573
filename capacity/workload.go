package capacity

import (
	"errors"
	"fmt"
	"math"

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
}

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
	return w
}

// FieldError is a problem with one workload field, named as in YAML.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string     { return e.Field + ": " + e.Msg }
func (e *FieldError) FieldPath() string { return e.Field }

// Validate checks the cross-field rules of a workload (after Defaults); the
// result joins one *FieldError per problem.
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
	if w.MessageSize <= 0 {
		bad("message_size", "missing or zero: the average message payload, e.g. 500B")
	}
	if w.Retention <= 0 {
		bad("retention", "missing or zero: how long messages are kept, e.g. 7d")
	}
	if w.PeakFactor < 1 {
		bad("peak_factor", "is %v; the peak cannot be below the average (want at least 1x)", w.PeakFactor)
	}
	if w.CompressionRatio < 1 {
		bad("compression_ratio", "is %v; want at least 1x (4x means a quarter of the bytes)", w.CompressionRatio)
	}
	if w.ReplicationFactor < 1 {
		bad("replication_factor", "is %d; want at least 1", w.ReplicationFactor)
	} else if w.ReplicationFactor > 32 {
		bad("replication_factor", "is %d; want at most 32", w.ReplicationFactor)
	}
	if w.DiskFillTarget > 1 {
		bad("disk_fill_target", "is %v; a disk cannot be filled beyond 100%%", w.DiskFillTarget)
	}
	if w.NetworkTarget > 1 {
		bad("network_target", "is %v; a NIC cannot be used beyond 100%%", w.NetworkTarget)
	}
	if w.Headroom < 1 {
		bad("headroom", "is %v; want at least 1x", w.Headroom)
	}
	if w.ConsumerGroups < 1 {
		bad("consumer_groups", "is %d; want at least 1", w.ConsumerGroups)
	} else if w.ConsumerGroups > 10000 {
		bad("consumer_groups", "is %d; want at most 10000", w.ConsumerGroups)
	}
	if w.MaxPartitionsPerBroker < 1 {
		bad("max_partitions_per_broker", "is %d; want at least 1", w.MaxPartitionsPerBroker)
	}
	if len(errs) == 0 {
		// The quantities must stay finite and representable.
		p, err := compute(w)
		if err != nil {
			return err
		}
		if p.ReplicatedBytes > math.MaxInt64 {
			bad("retention", "the replicated storage (%.3g bytes) overflows 64-bit byte counts; check the numbers", p.ReplicatedBytes)
		}
		if p.Partitions > 10_000_000 {
			bad("partition_throughput", "gives %d partitions; check the rate and per-partition throughput", p.Partitions)
		}
	}
	return errors.Join(errs...)
}
