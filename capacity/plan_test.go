package capacity

import (
	"errors"
	"math"
	"strings"
	"testing"

	"pgregory.net/rapid"

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
		{"rate past its bound", func(w *Workload) { w.MessagesPerSec = 1e18 }, "messages_per_sec"},
		{"size past its bound", func(w *Workload) { w.MessageSize = 1e12 }, "message_size"},
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

// Issue examples and their neighbours: an input past its sane range, or a
// combination whose result passes a bound, is refused with the field that
// caused it — never planned as "1 broker" after an overflow.
func TestRefusesInsanePlans(t *testing.T) {
	base := Workload{MessagesPerSec: 10e3, MessageSize: 500, Retention: units.Day}
	for _, c := range []struct {
		name  string
		mod   func(w *Workload)
		field string
		msg   string
	}{
		// The three inputs reported: each is out of its own range.
		{"peak 1e300x", func(w *Workload) { w.PeakFactor = 1e300 }, "peak_factor", "at most 1000x"},
		{"consumer 1e-300/s", func(w *Workload) { w.ConsumerThroughput = 1e-300 }, "consumer_throughput", "at least"},
		{"disk 1B", func(w *Workload) { w.DiskPerBroker = 1 }, "disk_per_broker", "at least 1 GB"},
		{"fill 0.1%", func(w *Workload) { w.DiskFillTarget = 0.001 }, "disk_fill_target", "at least 1%"},
		{"rf 33", func(w *Workload) { w.ReplicationFactor = 33 }, "replication_factor", "at most 32"},
		{"retention 200 years", func(w *Workload) { w.Retention = 73000 * units.Day }, "retention", "at most 36500 days"},
		// Sane inputs whose product is not.
		// 1B/s average × 1000x = 1e12/s peak, past 1e10/s.
		{"peak rate", func(w *Workload) { w.MessagesPerSec = 1e9; w.PeakFactor = 1000 }, "peak_factor", "peak rate"},
		// 100M/s × 10 = 1e9/s ÷ 1/s per partition = 1e9 partitions, past 10M.
		{"partitions by produce side", func(w *Workload) { w.MessagesPerSec = 1e8; w.PeakFactor = 10; w.PartitionThroughput = 1 }, "partition_throughput", "partitions"},
		// 1M/s ÷ 0.01/s per consumer = 1e8 partitions.
		{"partitions by consume side", func(w *Workload) { w.MessagesPerSec = 1e6; w.ConsumerThroughput = 0.01 }, "consumer_throughput", "partitions"},
		// 6M/s ÷ 1/s = 6M partitions; × 2 recommended headroom = 12M, past 10M.
		{"recommended headroom", func(w *Workload) { w.MessagesPerSec = 6e6; w.PartitionThroughput = 1 }, "partition_throughput", "with the recommended headroom"},
		// The same with a margin the workload raised names the margin: 20K × 1000x = 20M.
		{"raised headroom", func(w *Workload) { w.MessagesPerSec = 2e4; w.PartitionThroughput = 1; w.RecommendedHeadroom = 1000 }, "recommended_headroom", "with the recommended headroom"},
		// 1M/s × 1 KB = 86.4 TB/day × 3650 d × 3 = 946 PB ÷ 10 TB = 94,608 brokers, past 10,000.
		{"storage brokers", func(w *Workload) { w.MessagesPerSec = 1e6; w.MessageSize = 1000; w.Retention = 3650 * units.Day }, "retention", "brokers for storage"},
		// 100K/s × 1 KB = 8.64 TB/day × 7 d × 3 = 181 TB ÷ 1 GB = 181,440 brokers.
		{"small disks", func(w *Workload) {
			w.MessagesPerSec = 1e5
			w.MessageSize = 1000
			w.Retention = 7 * units.Day
			w.DiskPerBroker = 1e9
		}, "disk_per_broker", "brokers for storage"},
		// 1B/s × 2 GB messages = 1.7e23 bytes a day: past 64-bit byte counts.
		{"bytes per day", func(w *Workload) { w.MessagesPerSec = 1e9; w.MessageSize = MaxMessageSize }, "message_size", "64-bit"},
	} {
		w := base
		c.mod(&w)
		p, err := Compute(w)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), c.msg) {
			brokers := 0
			if p != nil {
				brokers = p.Brokers
			}
			t.Errorf("%s: Compute = %v (brokers %d), want a FieldError on %s containing %q", c.name, err, brokers, c.field, c.msg)
		}
	}
}

// Whatever the inputs, a plan either is refused with a named field or its
// counts are the true ceilings of the arithmetic, within the bounds: no
// conversion from float to count may wrap around.
func TestCountsNeverOverflow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Log-uniform over many decades, past every bound on both sides.
		logU := func(name string, lo, hi float64) float64 {
			return math.Pow(10, rapid.Float64Range(lo, hi).Draw(t, name))
		}
		// Each range reaches a little past its bounds, so both refusals and
		// plans near the limits are drawn.
		w := Workload{
			MessagesPerSec:      units.Rate(logU("rate", -3, 9.5)),
			PeakFactor:          units.Ratio(logU("peak", 0, 3.2)),
			MessageSize:         units.Bytes(math.Round(logU("size", 0, 9.6))),
			Retention:           units.Duration(logU("retention", 9, 15.6)),
			ReplicationFactor:   rapid.IntRange(1, 33).Draw(t, "rf"),
			DiskPerBroker:       units.Bytes(logU("disk", 8.8, 15.2)),
			PartitionThroughput: units.Rate(logU("partition", -3.2, 9.2)),
			Headroom:            units.Ratio(logU("headroom", 0, 3.1)),
			DiskFillTarget:      units.Ratio(logU("fill", -2.2, 0)),
			ConsumerGroups:      rapid.IntRange(1, 10_001).Draw(t, "groups"),
		}
		if rapid.Bool().Draw(t, "consumer side") {
			w.ConsumerThroughput = units.Rate(logU("consumer", -3.2, 9.2))
		}
		p, err := Compute(w)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error %v does not name a field", err)
			}
			return
		}
		if p.Brokers < 1 || p.Brokers > MaxBrokers || p.Recommended.Brokers > MaxBrokers || p.Recommended.Brokers < p.Brokers {
			t.Fatalf("brokers %d, recommended %d", p.Brokers, p.Recommended.Brokers)
		}
		if p.Partitions < 1 || p.Recommended.Partitions > MaxPartitions || p.Recommended.Partitions < p.Partitions {
			t.Fatalf("partitions %d, recommended %d", p.Partitions, p.Recommended.Partitions)
		}
		for _, c := range p.Constraints {
			if float64(p.Brokers) < c.Exact*(1-1e-9) {
				t.Fatalf("%d brokers cannot carry %s, which needs %v", p.Brokers, c.Name, c.Exact)
			}
		}
		if float64(p.Partitions) < p.PartitionsExact*float64(p.Workload.Headroom)*(1-1e-9) {
			t.Fatalf("%d partitions for %v × %v", p.Partitions, p.PartitionsExact, p.Workload.Headroom)
		}
	})
}

// Beside the seed's exact arithmetic (11 brokers, 116 partitions) the plan
// recommends one with operating margins and Kafka's record format. By
// hand, with the default margins: a 500 B message is a 509 B record (9 B of
// header, RecordBytes) plus 61 B of batch header shared by the 16 records
// of half a 16,384 B batch, 509 + 61/16 = 512.8125 B; storage 105 TB ×
// 512.8125/500 / (10 TB × 75% fill) = 14 × 1.025625 = 14.35875, so 15
// brokers by the even arithmetic; partitions ceil(115.74 × 2 headroom) =
// ceil(231.48) = 232, rounded up to 240, a multiple of 15, which Kafka
// places evenly: 48 replicas of the 720 on every broker, 14.35875 × 48/720
// = 95.7% of a broker's disk at the target (232 would put 48 of 696 on the
// busiest, 99.0%); 15 brokers, storage binds, up to 240 consumers;
// network ingress 578.7 MB/s × 3 / (1.25 GB/s × 70%) = 1.984, × 1.033625
// = 2.051 with the wire bytes (the exact plan already uses 70%).
func TestSeedRecommended(t *testing.T) {
	p, err := Compute(seedWorkload())
	if err != nil {
		t.Fatal(err)
	}
	if p.Brokers != 11 || p.Partitions != 116 {
		t.Fatalf("exact plan %d brokers, %d partitions; want the seed's 11 and 116", p.Brokers, p.Partitions)
	}
	r := p.Recommended
	if r.DiskFill != 0.75 || r.Headroom != 2 || r.NetworkTarget != 0.7 {
		t.Errorf("margins %v fill, %v headroom, %v NIC; want 75%%, 2x, 70%%", r.DiskFill, r.Headroom, r.NetworkTarget)
	}
	if r.Brokers != 15 || r.BindingConstraint != "storage" || r.Partitions != 240 || r.ConsumersPerGroup != 240 || r.BusiestBrokerReplicas != 0 {
		t.Errorf("recommended %d brokers (%s, %d replicas on the busiest), %d partitions, %d consumers; want 15 (storage, none past the even arithmetic), 240, 240",
			r.Brokers, r.BindingConstraint, r.BusiestBrokerReplicas, r.Partitions, r.ConsumersPerGroup)
	}
	if math.Abs(r.BytesPerMessage-512.8125) > 1e-9 {
		t.Errorf("recommended bytes per message %v, want 512.8125", r.BytesPerMessage)
	}
	if math.Abs(r.Constraints[0].Exact-14.35875) > 1e-9 {
		t.Errorf("recommended storage brokers %v, want 14.35875", r.Constraints[0].Exact)
	}
	if u := r.Constraints[0].Utilisation; math.Abs(u-14.35875*48/720) > 1e-9 {
		t.Errorf("recommended storage utilisation %v, want 14.35875 × 48/720", u)
	}
	for key, want := range map[string]string{"brokers": "15", "partitions": "240", "consumers_per_group": "240", "brokers_storage": "14.36"} {
		row, _ := p.Row(key)
		if row.RecommendedHuman != want || row.Recommended == nil {
			t.Errorf("row %s recommended %q, want %q", key, row.RecommendedHuman, want)
		}
	}
	// On the wire a message also carries a 64 B response header per
	// 16-record batch: 512.8125 + 4 = 516.8125 B.
	if row, _ := p.Row("brokers_network_ingress"); row.Recommended == nil || math.Abs(*row.Recommended-p.Constraints[2].Exact*516.8125/500) > 1e-9 {
		t.Errorf("network ingress row: recommended %v, want the exact %v × 516.8125/500 (the wire bytes; the margin is the same)", row.Recommended, *row.Recommended/p.Constraints[2].Exact*500)
	}
	// A stricter exact setting wins over a looser margin: 60% exact fill
	// is used for the recommendation too (105 / 6 = 17.5 → 18 exact;
	// × 1.025625 = 17.95 → 18 recommended).
	w := seedWorkload()
	w.DiskFillTarget = 0.6
	p, err = Compute(w)
	if err != nil || p.Brokers != 18 || p.Recommended.Brokers != 18 {
		t.Errorf("60%% fill: %v brokers, %v recommended, %v; want 18 and 18", p.Brokers, p.Recommended.Brokers, err)
	}
}

// TestRecordBytes: Kafka's v2 record around a message, by hand. A record
// is length, attributes (1), timestamp delta (1), offset delta (1), key
// length (1, null), value length, value, header count (1); lengths are
// zigzag varints (one byte below 64, two below 8,192).
//   - 500 B: body 4 + 2 + 500 + 1 = 507, length 2: 509 B; 8,192 / 509 = 16
//     records share the 61 B batch header: 509 + 3.8125 = 512.8125.
//   - 50 B: body 4 + 1 + 50 + 1 = 56, length 1: 57 B; 8,192 / 57 = 143
//     records: 57 + 61/143.
//   - 120 B + 20 B stated overhead, 3x compression: body 4 + 2 + 140 + 1
//     = 147, length 2: 149 B, 9 B of header; the payload compressed,
//     140/3 + 9 = 55.667; 8,192 / 55.667 = 147 records: 55.667 + 61/147.
func TestRecordBytes(t *testing.T) {
	for _, c := range []struct {
		size, overhead units.Bytes
		compression    units.Ratio
		want           float64
	}{
		{500, 0, 1, 512.8125},
		{50, 0, 1, 57 + 61.0/143},
		{120, 20, 3, 140.0/3 + 9 + 61.0/147},
	} {
		w := Workload{MessageSize: c.size, MessageOverhead: c.overhead, CompressionRatio: c.compression}
		got, formula := RecordBytes(w)
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%v + %v at %v: %v B, want %v (%s)", c.size, c.overhead, c.compression, got, c.want, formula)
		}
	}
}

// TestRecommendedPartitionsSpreadStorage: fewer partitions than brokers
// never spread storage (their replicas sit on RF × partitions brokers
// however many there are), so the recommended plan rounds the partition
// count up to a multiple of the brokers. By hand for iot-telemetry
// (333K/s, 1.5x peak, 120 B + 20 B at 3x, 90 days, RF 3, 8 TB at 70%):
// 46.667 B a message, 363 TB replicated, 64.74 brokers exact; the record
// bytes make 56.0816 B (TestRecordBytes), 64.74 × 56.0816/46.667 = 77.80
// → 78 brokers; 50 recommended partitions put 3 replicas of 150 on the
// busiest, 77.80 × 3/150 = 156% of its disk at the target, on any number
// of brokers; 78 partitions put 3 of 234 on every broker, 77.80 × 3/234 =
// 99.7%: 78 brokers and 78 partitions.
func TestRecommendedPartitionsSpreadStorage(t *testing.T) {
	w := Workload{MessagesPerSec: 333e3, PeakFactor: 1.5, MessageSize: 120, MessageOverhead: 20, CompressionRatio: 3,
		Retention: 90 * units.Day, ReplicationFactor: 3, DiskPerBroker: 8e12, DiskFillTarget: 0.7,
		PartitionThroughput: 20e3, ConsumerThroughput: 25e3, ConsumerGroups: 3}
	p, err := Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Recommended
	if r.Brokers != 78 || r.Partitions != 78 || r.ConsumersPerGroup != 78 {
		t.Errorf("recommended %d brokers, %d partitions, %d consumers; want 78, 78, 78", r.Brokers, r.Partitions, r.ConsumersPerGroup)
	}
	if replicas, _ := BusiestBroker(r.Partitions, 3, r.Brokers); replicas != 3 {
		t.Errorf("busiest broker holds %d replicas, want 3 (even)", replicas)
	}
	if row, _ := p.Row("partitions"); row.RecommendedHuman != "78" {
		t.Errorf("partitions row recommends %q, want 78", row.RecommendedHuman)
	}
}

// TestClickstreamNIC: the recommended plan for clickstream (NIC egress
// binds) by hand. A 1 KB message compressed 5x is a 209 B record (200 B
// and a 9 B record header: lengths of 2 bytes for 1,009 and 1,000, four
// 1-byte fields and the header count), 39 to a half-full batch
// (floor(8,192 / 209)): 209 + 61/39 = 210.564 B stored and 210.564 +
// 64/39 = 212.205 B on the wire. The peak is 20B / 86,400 × 4 =
// 925,926/s, so egress needs 925,926 × 212.205 B × (5 groups + RF 3 − 1)
// / (125 MB/s × 70%) = 15.719 brokers: 16 by the even arithmetic. But the
// busiest broker's NIC carries more than its share: at B = 16 (192
// partitions, 12 led by each) 925,926 / 39 / 16 = 1,483.9 batches per
// broker per second, 1 + √(2 ln 16)/√1,483.9 = 1.0611, and 15.719 / 16 ×
// 1.0611 = 1.042 of the target; at B = 17 (187 partitions, 11 each)
// 1,396.6 batches, 1 + √(2 ln 17)/√1,396.6 = 1.0637, 15.719 / 17 × 1.0637
// = 0.984: 17 brokers.
func TestClickstreamNIC(t *testing.T) {
	w := Workload{MessagesPerDay: 20e9, PeakFactor: 4, MessageSize: 1000, CompressionRatio: 5,
		Retention: 3 * 86400 * units.Second, ReplicationFactor: 3, DiskPerBroker: 4e12,
		PartitionThroughput: 10000, ConsumerGroups: 5, NICBandwidth: 125e6}
	p, err := Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Recommended
	if math.Abs(r.WireBytesPerMessage-(209+61.0/39+64.0/39)) > 1e-9 {
		t.Errorf("wire bytes %v, want 209 + 61/39 + 64/39 = 212.205", r.WireBytesPerMessage)
	}
	peak := 20e9 / 86400 * 4
	egress := peak * (209 + 125.0/39) * 7 / (125e6 * 0.7)
	if c := r.Constraints[3]; c.Name != "network egress" || math.Abs(c.Exact-egress) > 1e-9 || math.Abs(egress-15.719) > 1e-3 {
		t.Errorf("%s needs %v brokers, want %v (15.719)", c.Name, c.Exact, egress)
	}
	imb16 := 1 + math.Sqrt(2*math.Log(16))/math.Sqrt(peak/39/16)
	imb17 := 1 + math.Sqrt(2*math.Log(17))/math.Sqrt(peak/39/17)
	if f, _ := NICImbalance(w.Defaults(), peak, 17); math.Abs(f-imb17) > 1e-12 || math.Abs(imb17-1.0637) > 1e-4 || math.Abs(imb16-1.0611) > 1e-4 {
		t.Errorf("imbalance at 17 brokers %v, want %v (1.0637); at 16 %v (1.0611)", f, imb17, imb16)
	}
	if egress/16*imb16 <= 1 || egress/17*imb17 > 1 {
		t.Fatalf("hand calculation: %v at 16, %v at 17", egress/16*imb16, egress/17*imb17)
	}
	if r.Brokers != 17 || r.Partitions != 187 || r.BindingConstraint != "network egress" {
		t.Errorf("recommended %d brokers, %d partitions, %s binds; want 17, 187, network egress", r.Brokers, r.Partitions, r.BindingConstraint)
	}
	if u := r.Constraints[3].Utilisation; math.Abs(u-egress/17*imb17) > 1e-9 {
		t.Errorf("egress utilisation at 17 %v, want %v", u, egress/17*imb17)
	}
}
