package capacity

import (
	"errors"
	"math"
	"testing"

	"mqsim/scenarios/units"
)

// seedWorkload is the seed's worked example: 500M DAU × 20 events/day, peak
// 10× average, 500-byte messages, 7-day retention, RF 3, 10 TB disks,
// 10K msg/s per partition.
func seedWorkload() Workload {
	return Workload{
		Name: "social-media", Users: 500e6, EventsPerUserPerDay: 20, PeakFactor: 10,
		MessageSize: 500, Retention: 7 * units.Day, ReplicationFactor: 3,
		DiskPerBroker: 10e12, PartitionThroughput: 10e3,
	}
}

func TestSeedTable(t *testing.T) {
	p, err := Compute(seedWorkload())
	if err != nil {
		t.Fatal(err)
	}
	// Expected values are the seed's table, computed by hand:
	// 500M × 20 = 10B/day; 10B / 86,400 = 115,740.74/s; × 10 = 1,157,407.4/s;
	// 10B × 500 B = 5 TB/day; × 7 = 35 TB; × 3 = 105 TB; 105 TB / 10 TB = 10.5 → 11 brokers;
	// 1,157,407.4 / 10,000 = 115.74 → 116 partitions.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"messages_per_day", p.MessagesPerDay, 10e9},
		{"avg_messages_per_sec", p.AvgMessagesPerSec, 1e10 / 86400},
		{"peak_messages_per_sec", p.PeakMessagesPerSec, 1e11 / 86400},
		{"bytes_per_day", p.BytesPerDay, 5e12},
		{"retained_bytes", p.RetainedBytes, 35e12},
		{"replicated_bytes", p.ReplicatedBytes, 105e12},
		{"partitions_exact", p.PartitionsExact, 115.7407407},
	} {
		if math.Abs(c.got-c.want) > 1e-6*c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if math.Round(p.PeakMessagesPerSec) != 1157407 {
		t.Errorf("peak = %v, want 1,157,407", p.PeakMessagesPerSec)
	}
	if p.Brokers != 11 || p.BindingConstraint != "storage" {
		t.Errorf("brokers = %d (%s), want 11 (storage)", p.Brokers, p.BindingConstraint)
	}
	if p.Partitions != 116 || p.PartitionsMinimum != 116 {
		t.Errorf("partitions = %d (min %d), want 116", p.Partitions, p.PartitionsMinimum)
	}
	if r, ok := p.Row("replicated_bytes"); !ok || r.Human != "105 TB" {
		t.Errorf("replicated row = %+v, want Human 105 TB", r)
	}
}

// The seed's smaller example: 100K msg/s, one consumer handles 5K msg/s,
// 2× headroom: 100K / 5K = 20 partitions minimum, 40 with headroom.
func TestSeedPartitionExample(t *testing.T) {
	p, err := Compute(Workload{MessagesPerSec: 100e3, ConsumerThroughput: 5e3, Headroom: 2, MessageSize: 1000, Retention: units.Day})
	if err != nil {
		t.Fatal(err)
	}
	if p.PartitionsMinimum != 20 || p.Partitions != 40 || p.ConsumersPerGroup != 40 {
		t.Errorf("partitions = %d min / %d recommended / %d consumers, want 20 / 40 / 40", p.PartitionsMinimum, p.Partitions, p.ConsumersPerGroup)
	}
}

func TestBrokerConstraints(t *testing.T) {
	// 1M msg/s of 1 KB = 1 GB/s peak. RF 3, 2 consumer groups, 10 Gbps NIC at
	// 80%: usable 1 GB/s. Ingress 1 GB/s × 3 / 1 GB/s = 3; egress 1 GB/s ×
	// (2 + 3 − 1) / 1 GB/s = 4; disk 3 GB/s / 600 MB/s = 5 → disk binds at 5.
	// Storage: 86.4 TB/day × 1 h / 24 h = 3.6 TB × 3 = 10.8 TB / 10 TB = 1.08 → 2.
	w := Workload{MessagesPerSec: 1e6, MessageSize: 1000, Retention: units.Hour, ConsumerGroups: 2, NetworkTarget: 0.8}
	p, err := Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"storage": 1.08, "disk throughput": 5, "network ingress": 3, "network egress": 4, "replication factor": 3, "partition replicas": 300.0 / 4000}
	for _, c := range p.Constraints {
		if math.Abs(c.Exact-want[c.Name]) > 1e-9 {
			t.Errorf("constraint %s = %v, want %v", c.Name, c.Exact, want[c.Name])
		}
	}
	if p.Brokers != 5 || p.BindingConstraint != "disk throughput" {
		t.Errorf("brokers = %d (%s), want 5 (disk throughput)", p.Brokers, p.BindingConstraint)
	}
	// Never fewer brokers than replicas: a tiny workload still needs RF brokers.
	p, err = Compute(Workload{MessagesPerSec: 1, MessageSize: 10, Retention: units.Day, ReplicationFactor: 5})
	if err != nil || p.Brokers != 5 || p.BindingConstraint != "replication factor" {
		t.Errorf("tiny workload = %v brokers (%v), %v; want 5 (replication factor)", p.Brokers, p.BindingConstraint, err)
	}
}

func TestCompressionAndOverhead(t *testing.T) {
	// (500 B + 100 B) / 4 = 150 B per message; 10B/day × 150 B = 1.5 TB/day.
	w := seedWorkload()
	w.MessageOverhead, w.CompressionRatio = 100, 4
	p, err := Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	if p.BytesPerMessage != 150 || p.BytesPerDay != 1.5e12 {
		t.Errorf("bytes per message %v, per day %v; want 150 and 1.5e12", p.BytesPerMessage, p.BytesPerDay)
	}
}

func TestValidate(t *testing.T) {
	base := Workload{MessagesPerSec: 1000, MessageSize: 500, Retention: units.Day}
	for _, c := range []struct {
		name  string
		mod   func(w *Workload)
		field string
	}{
		{"no rate", func(w *Workload) { w.MessagesPerSec = 0 }, "messages_per_sec"},
		{"two rates", func(w *Workload) { w.MessagesPerDay = 5 }, "messages_per_sec"},
		{"users without events", func(w *Workload) { w.MessagesPerSec = 0; w.Users = 5 }, "events_per_user_per_day"},
		{"no size", func(w *Workload) { w.MessageSize = 0 }, "message_size"},
		{"no retention", func(w *Workload) { w.Retention = 0 }, "retention"},
		{"peak below 1", func(w *Workload) { w.PeakFactor = 0.5 }, "peak_factor"},
		{"negative rf", func(w *Workload) { w.ReplicationFactor = -1 }, "replication_factor"},
		{"fill over 100%", func(w *Workload) { w.DiskFillTarget = 1.5 }, "disk_fill_target"},
		{"negative groups", func(w *Workload) { w.ConsumerGroups = -2 }, "consumer_groups"},
		{"overflow", func(w *Workload) { w.MessagesPerSec = 1e18; w.MessageSize = 1e12 }, "retention"},
	} {
		w := base
		c.mod(&w)
		_, err := Compute(w)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: Compute = %v, want a FieldError on %s", c.name, err, c.field)
		}
	}
}

func TestSweep(t *testing.T) {
	// Storage brokers grow linearly with retention: 105 TB per 7 days = 15 TB/day.
	pts := Sweep(seedWorkload(), []float64{1, 7, 14}, func(w *Workload, d float64) { w.Retention = units.Duration(d * float64(units.Day)) })
	want := []int{2, 11, 21} // ceil(1.5), ceil(10.5), ceil(21)
	for i, pt := range pts {
		if pt.Plan.Constraints[0].Brokers != want[i] {
			t.Errorf("retention %vd: storage brokers %d, want %d", pt.X, pt.Plan.Constraints[0].Brokers, want[i])
		}
	}
}

// When two constraints round to the same broker count, the one that needs
// more before rounding binds: 2.8 brokers of storage and RF 3 both give 3.
func TestBindingConstraintBeforeRounding(t *testing.T) {
	// 80M/day × 2 KB × 14 days × RF 3 = 6.72 TB; 4 TB × 60% usable = 2.4 TB: 2.8 brokers.
	p, err := Compute(Workload{MessagesPerDay: 80e6, MessageSize: 2000, Retention: 14 * units.Day, DiskPerBroker: 4e12, DiskFillTarget: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	if p.Brokers != 3 || p.BindingConstraint != "replication factor" {
		t.Errorf("brokers %d, binding %q; want 3 and replication factor", p.Brokers, p.BindingConstraint)
	}
}
