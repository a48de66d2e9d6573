package capacity

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"

	"mqsim/scenarios/units"
)

// SecondsPerDay is the seed's 86,400.
const SecondsPerDay = 86400

// Row is one line of the plan: what is computed, how, and why it matters.
type Row struct {
	Key      string  `json:"key"`      // stable identifier, e.g. "peak_messages_per_sec"
	Quantity string  `json:"quantity"` // human name, e.g. "Peak messages/s"
	Formula  string  `json:"formula"`  // the formula with the numbers substituted
	Value    float64 `json:"value"`    // exact value in Unit
	Unit     string  `json:"unit"`     // "msg/s", "bytes", "partitions", "brokers", …
	Human    string  `json:"human"`    // the value in human units, e.g. "1.16M/s"
	Why      string  `json:"why"`      // one line a candidate would say aloud

	// The recommended value with operating margins, on the rows where the
	// margins change it (partitions, consumers, brokers); nil elsewhere.
	Recommended        *float64 `json:"recommended,omitempty"`
	RecommendedHuman   string   `json:"recommended_human,omitempty"`
	RecommendedFormula string   `json:"recommended_formula,omitempty"`
}

// Constraint is one reason to have brokers.
type Constraint struct {
	Name    string  `json:"name"`    // "storage", "disk throughput", …
	Exact   float64 `json:"exact"`   // brokers needed, unrounded
	Brokers int     `json:"brokers"` // ceil(Exact), at least 1
	// Utilisation is Exact ÷ the plan's broker count: how much of this
	// resource the chosen cluster uses (1 for the binding constraint's
	// ceiling, less for the others).
	Utilisation float64 `json:"utilisation"`
}

// PlanSchemaVersion is the version of the Plan's JSON and YAML form. It
// changes when a field is renamed or removed or its meaning changes.
const PlanSchemaVersion = 1

// Plan is the sizing of one workload.
type Plan struct {
	SchemaVersion int `json:"schema_version"` // PlanSchemaVersion
	// ToolVersion is the version of the program that computed the plan; the
	// caller sets it (this package knows nothing of builds).
	ToolVersion string `json:"tool_version,omitempty"`

	Workload Workload `json:"workload"` // as resolved, defaults filled in

	MessagesPerDay     float64 `json:"messages_per_day"`
	AvgMessagesPerSec  float64 `json:"avg_messages_per_sec"`
	PeakMessagesPerSec float64 `json:"peak_messages_per_sec"`
	BytesPerMessage    float64 `json:"bytes_per_message"` // on disk and on the wire
	BytesPerDay        float64 `json:"bytes_per_day"`
	RetainedBytes      float64 `json:"retained_bytes"`
	ReplicatedBytes    float64 `json:"replicated_bytes"`
	PeakBytesPerSec    float64 `json:"peak_bytes_per_sec"`

	PartitionsExact   float64 `json:"partitions_exact"`   // max of the two sides, before headroom
	PartitionsMinimum int     `json:"partitions_minimum"` // ceil(PartitionsExact)
	Partitions        int     `json:"partitions"`         // ceil(PartitionsExact × headroom)
	ConsumersPerGroup int     `json:"consumers_per_group"`

	Brokers           int          `json:"brokers"`
	BindingConstraint string       `json:"binding_constraint"`
	Constraints       []Constraint `json:"constraints"`

	// Recommended is the plan with operating margins, beside the exact
	// arithmetic above.
	Recommended Recommendation `json:"recommended"`

	Rows []Row `json:"rows"`

	// System is the plan's system when not Kafka (queues.go), and Verdict
	// its conclusion in sentences.
	System  string   `json:"system,omitempty"`
	Verdict []string `json:"verdict,omitempty"`
}

// Recommendation is the plan an operator signs: the exact arithmetic with
// operating margins — disks filled only to a target, partitions with
// headroom for growth, NICs kept below a utilisation target.
type Recommendation struct {
	// The margins applied: the stricter of the workload's exact setting and
	// its recommended_* margin.
	DiskFill      units.Ratio `json:"disk_fill"`
	Headroom      units.Ratio `json:"headroom"`
	NetworkTarget units.Ratio `json:"network_target"`

	// BytesPerMessage is a message as Kafka stores and sends it: the
	// exact plan's bytes plus the record and batch headers of the v2
	// record format (RecordBytes).
	BytesPerMessage float64 `json:"bytes_per_message"`
	// WireBytesPerMessage is a message on a broker's NIC: BytesPerMessage
	// and its share of its batch's request or response header (WireBytes).
	WireBytesPerMessage float64 `json:"wire_bytes_per_message"`

	Partitions        int          `json:"partitions"`
	ConsumersPerGroup int          `json:"consumers_per_group"`
	Brokers           int          `json:"brokers"`
	BindingConstraint string       `json:"binding_constraint"`
	Constraints       []Constraint `json:"constraints"`
	// BusiestBrokerReplicas, when set, is why Brokers exceeds the even
	// arithmetic: the replicas the busiest broker holds, ceil(partitions ×
	// RF ÷ brokers), whose bytes must fit its disk at the fill target.
	BusiestBrokerReplicas int `json:"busiest_broker_replicas,omitempty"`
}

// Compute sizes a workload. It applies Defaults and Validate first; the
// error joins *FieldError values naming each bad field.
func Compute(w Workload) (*Plan, error) {
	w = w.Defaults()
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return compute(w)
}

// ceil rounds up, ignoring floating-point fuzz just above an integer
// (115.00000000000001 partitions is 115). Callers pass values already
// checked against a bound by count.
func ceil(x float64) int {
	r := math.Round(x)
	if math.Abs(x-r) < 1e-9*math.Max(1, math.Abs(x)) {
		return int(r)
	}
	return int(math.Ceil(x))
}

// count converts a computed quantity to a whole number of things, at least
// 1. A value that is not finite or lies past bound is refused as a
// *FieldError on field, the input that caused it: every float-to-count
// conversion of a plan goes through here, so an overflow can never wrap
// around into "1 broker".
func count(x float64, bound int, field, what, formula string) (int, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) || x > float64(bound) {
		return 0, &FieldError{Field: field, Msg: fmt.Sprintf("gives %s %s (%s), past the sane bound of %s; check this field",
			fmtBig(x), what, formula, humanize.Comma(int64(bound)))}
	}
	return max(1, ceil(x)), nil
}

// finite refuses a computed quantity that is not finite or past bound,
// naming the field that caused it.
func finite(x, bound float64, field, what string) error {
	if math.IsNaN(x) || math.IsInf(x, 0) || x > bound {
		return &FieldError{Field: field, Msg: fmt.Sprintf("gives %s of %s, past the sane bound of %s; check this field", what, fmtBig(x), fmtBig(bound))}
	}
	return nil
}

// fmtBig prints a possibly huge number in a form a person can read: 1.3e+12.
func fmtBig(x float64) string {
	if math.Abs(x) < 1e6 {
		return fmtNum(x)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// rateField names the input that sets the message rate.
func rateField(w Workload) string {
	switch {
	case w.Users != 0:
		return "users"
	case w.MessagesPerDay != 0:
		return "messages_per_day"
	}
	return "messages_per_sec"
}

func compute(w Workload) (*Plan, error) {
	p := &Plan{SchemaVersion: PlanSchemaVersion, Workload: w}
	var rows []Row
	add := func(key, qty, formula string, v float64, unit, human, why string) {
		rows = append(rows, Row{Key: key, Quantity: qty, Formula: formula, Value: v, Unit: unit, Human: human, Why: why})
	}
	// recommend sets the recommended value of the last row added.
	recommend := func(v float64, human, formula string) {
		r := &rows[len(rows)-1]
		r.Recommended, r.RecommendedHuman, r.RecommendedFormula = &v, human, formula
	}

	// Volume.
	switch {
	case w.Users != 0:
		p.MessagesPerDay = float64(w.Users) * float64(w.EventsPerUserPerDay)
		p.AvgMessagesPerSec = p.MessagesPerDay / SecondsPerDay
		add("messages_per_day", "Daily messages", fmt.Sprintf("%s users × %s events/day", w.Users, w.EventsPerUserPerDay),
			p.MessagesPerDay, "msg/day", units.FormatSI(p.MessagesPerDay)+"/day", "Every active user produces this many events a day.")
		add("avg_messages_per_sec", "Messages/s (average)", fmt.Sprintf("%s / 86,400 s", units.FormatSI(p.MessagesPerDay)),
			p.AvgMessagesPerSec, "msg/s", fmtRate(p.AvgMessagesPerSec), "A day has 86,400 seconds; traffic is never this flat.")
	case w.MessagesPerDay != 0:
		p.MessagesPerDay = float64(w.MessagesPerDay)
		p.AvgMessagesPerSec = p.MessagesPerDay / SecondsPerDay
		add("messages_per_day", "Daily messages", "given", p.MessagesPerDay, "msg/day", units.FormatSI(p.MessagesPerDay)+"/day", "The workload states its daily volume.")
		add("avg_messages_per_sec", "Messages/s (average)", fmt.Sprintf("%s / 86,400 s", units.FormatSI(p.MessagesPerDay)),
			p.AvgMessagesPerSec, "msg/s", fmtRate(p.AvgMessagesPerSec), "A day has 86,400 seconds; traffic is never this flat.")
	default:
		p.AvgMessagesPerSec = float64(w.MessagesPerSec)
		p.MessagesPerDay = p.AvgMessagesPerSec * SecondsPerDay
		add("avg_messages_per_sec", "Messages/s (average)", "given", p.AvgMessagesPerSec, "msg/s", fmtRate(p.AvgMessagesPerSec), "The workload states its sustained rate.")
		add("messages_per_day", "Daily messages", fmt.Sprintf("%s × 86,400 s", fmtRate(p.AvgMessagesPerSec)),
			p.MessagesPerDay, "msg/day", units.FormatSI(p.MessagesPerDay)+"/day", "The daily volume drives storage.")
	}
	if err := finite(p.AvgMessagesPerSec, MaxAvgMessagesPerSec, rateField(w), "an average rate in messages/s"); err != nil {
		return nil, err
	}
	p.PeakMessagesPerSec = p.AvgMessagesPerSec * float64(w.PeakFactor)
	if err := finite(p.PeakMessagesPerSec, MaxPeakMessagesPerSec, "peak_factor", "a peak rate in messages/s"); err != nil {
		return nil, err
	}
	add("peak_messages_per_sec", "Messages/s (peak)", fmt.Sprintf("%s × %s", fmtRate(p.AvgMessagesPerSec), w.PeakFactor),
		p.PeakMessagesPerSec, "msg/s", fmtRate(p.PeakMessagesPerSec), "Size throughput for the peak, not the average.")

	// Bytes. Every byte count must fit the 64-bit counts the rest of the
	// program (and any real system) keeps.
	p.BytesPerMessage = (float64(w.MessageSize) + float64(w.MessageOverhead)) / float64(w.CompressionRatio)
	sizeFormula := w.MessageSize.String()
	if w.MessageOverhead != 0 || w.CompressionRatio != 1 {
		sizeFormula = fmt.Sprintf("(%s + %s overhead) / %s compression", w.MessageSize, w.MessageOverhead, w.CompressionRatio)
	}
	add("bytes_per_message", "Message size", sizeFormula, p.BytesPerMessage, "bytes", units.FormatBytes(p.BytesPerMessage),
		"Average bytes per message as stored and sent.")
	p.BytesPerDay = p.MessagesPerDay * p.BytesPerMessage
	if err := finite(p.BytesPerDay, math.MaxInt64, "message_size", "a daily data volume in bytes (more than 64-bit byte counts hold)"); err != nil {
		return nil, err
	}
	add("bytes_per_day", "Daily data volume", fmt.Sprintf("%s × %s", units.FormatSI(p.MessagesPerDay), units.FormatBytes(p.BytesPerMessage)),
		p.BytesPerDay, "bytes/day", units.FormatBytes(p.BytesPerDay)+"/day", "What the cluster must absorb each day.")
	days := w.Retention.Seconds() / SecondsPerDay
	p.RetainedBytes = p.BytesPerDay * days
	if err := finite(p.RetainedBytes, math.MaxInt64, "retention", "retained storage in bytes (more than 64-bit byte counts hold)"); err != nil {
		return nil, err
	}
	add("retained_bytes", "Retained storage", fmt.Sprintf("%s/day × %s", units.FormatBytes(p.BytesPerDay), fmtDays(days)),
		p.RetainedBytes, "bytes", units.FormatBytes(p.RetainedBytes), "A log keeps everything for the retention period: that is what makes replay possible.")
	rf := float64(w.ReplicationFactor)
	p.ReplicatedBytes = p.RetainedBytes * rf
	if err := finite(p.ReplicatedBytes, math.MaxInt64, "replication_factor", "replicated storage in bytes (more than 64-bit byte counts hold)"); err != nil {
		return nil, err
	}
	add("replicated_bytes", "With replication", fmt.Sprintf("%s × RF %d", units.FormatBytes(p.RetainedBytes), w.ReplicationFactor),
		p.ReplicatedBytes, "bytes", units.FormatBytes(p.ReplicatedBytes), "Every partition is stored on RF brokers so one failure loses nothing.")
	p.PeakBytesPerSec = p.PeakMessagesPerSec * p.BytesPerMessage
	add("peak_bytes_per_sec", "Peak ingress", fmt.Sprintf("%s × %s", fmtRate(p.PeakMessagesPerSec), units.FormatBytes(p.BytesPerMessage)),
		p.PeakBytesPerSec, "bytes/s", units.FormatBytes(p.PeakBytesPerSec)+"/s", "Producer bytes per second at the peak, before replication.")

	// The margins of the recommended plan: the stricter of each pair.
	rec := &p.Recommended
	// The recommended plan counts the bytes Kafka adds to every message
	// (the exact plan keeps the seed's arithmetic).
	var recBytesFormula string
	rec.BytesPerMessage, recBytesFormula = RecordBytes(w)
	recScale := rec.BytesPerMessage / p.BytesPerMessage
	// On a NIC a message also carries its share of its batch's request or
	// response header (nic.go).
	var wireFormula string
	rec.WireBytesPerMessage, wireFormula = WireBytes(w)
	wireScale := rec.WireBytesPerMessage / p.BytesPerMessage
	recommendRow := func(key string, v float64, human, formula string) {
		for i := range rows {
			if rows[i].Key == key {
				rows[i].Recommended, rows[i].RecommendedHuman, rows[i].RecommendedFormula = &v, human, formula
			}
		}
	}
	recommendRow("bytes_per_message", rec.BytesPerMessage, units.FormatBytes(rec.BytesPerMessage), recBytesFormula)
	recommendRow("replicated_bytes", p.ReplicatedBytes*recScale, units.FormatBytes(p.ReplicatedBytes*recScale),
		fmt.Sprintf("%s × %s ÷ %s", units.FormatBytes(p.ReplicatedBytes), units.FormatBytes(rec.BytesPerMessage), units.FormatBytes(p.BytesPerMessage)))
	recommendRow("peak_bytes_per_sec", p.PeakBytesPerSec*recScale, units.FormatBytes(p.PeakBytesPerSec*recScale)+"/s",
		fmt.Sprintf("%s × %s", fmtRate(p.PeakMessagesPerSec), units.FormatBytes(rec.BytesPerMessage)))
	rec.DiskFill = min(w.DiskFillTarget, w.RecommendedDiskFill)
	rec.Headroom = max(w.Headroom, w.RecommendedHeadroom)
	rec.NetworkTarget = min(w.NetworkTarget, w.RecommendedNetworkTarget)

	// Partitions.
	prodSide := p.PeakMessagesPerSec / float64(w.PartitionThroughput)
	add("partitions_producer", "Partitions (produce side)", fmt.Sprintf("%s / %s per partition", fmtRate(p.PeakMessagesPerSec), fmtRate(float64(w.PartitionThroughput))),
		prodSide, "partitions", fmtNum(prodSide), "A partition is the unit of parallelism; one takes about this much write throughput.")
	p.PartitionsExact = prodSide
	partsField := "partition_throughput"
	if w.ConsumerThroughput > 0 {
		consSide := p.PeakMessagesPerSec / float64(w.ConsumerThroughput)
		add("partitions_consumer", "Partitions (consume side)", fmt.Sprintf("%s / %s per consumer", fmtRate(p.PeakMessagesPerSec), fmtRate(float64(w.ConsumerThroughput))),
			consSide, "partitions", fmtNum(consSide), "Each partition has one consumer per group, so consumers must keep up at the peak.")
		if consSide > prodSide {
			p.PartitionsExact = consSide
			partsField = "consumer_throughput"
		}
	}
	var err error
	formula := fmt.Sprintf("ceil(%s)", fmtNum(p.PartitionsExact))
	if w.ConsumerThroughput > 0 {
		formula = fmt.Sprintf("ceil(max(produce, consume) = %s)", fmtNum(p.PartitionsExact))
	}
	if p.PartitionsMinimum, err = count(p.PartitionsExact, MaxPartitions, partsField, "partitions", "the peak ÷ the throughput of one"); err != nil {
		return nil, err
	}
	headFormula := fmt.Sprintf("ceil(%s × %s headroom)", fmtNum(p.PartitionsExact), w.Headroom)
	if p.Partitions, err = count(p.PartitionsExact*float64(w.Headroom), MaxPartitions, "headroom", "partitions", headFormula); err != nil {
		return nil, err
	}
	recFormula := fmt.Sprintf("ceil(%s × %s headroom)", fmtNum(p.PartitionsExact), rec.Headroom)
	// Past the bound only with the margin: blame the margin if the
	// workload raised it, else the throughput that set the count.
	recField := partsField
	if w.RecommendedHeadroom > DefaultRecommendedHeadroom {
		recField = "recommended_headroom"
	}
	if rec.Partitions, err = count(p.PartitionsExact*float64(rec.Headroom), MaxPartitions, recField, "partitions with the recommended headroom", recFormula); err != nil {
		return nil, err
	}
	add("partitions_minimum", "Partitions (minimum)", formula, float64(p.PartitionsMinimum), "partitions", strconv.Itoa(p.PartitionsMinimum),
		"The fewest partitions that carry the peak.")
	add("partitions", "Partitions", headFormula, float64(p.Partitions), "partitions", strconv.Itoa(p.Partitions),
		"Over-partition for growth: adding partitions later remaps keys and breaks per-key order.")
	recommend(float64(rec.Partitions), strconv.Itoa(rec.Partitions), recFormula)
	p.ConsumersPerGroup = p.Partitions
	rec.ConsumersPerGroup = rec.Partitions
	add("consumers_per_group", "Consumers per group (max useful)", "= partitions", float64(p.ConsumersPerGroup), "consumers", strconv.Itoa(p.ConsumersPerGroup),
		"A partition goes to one consumer in a group; consumers beyond the partition count sit idle.")
	recommend(float64(rec.ConsumersPerGroup), strconv.Itoa(rec.ConsumersPerGroup), "recommended partitions")

	// Brokers, once with the exact settings and once with the margins.
	peakB := func(scale float64) string { return units.FormatBytes(p.PeakBytesPerSec*scale) + "/s" }
	// peakW is the peak's bytes on a NIC: with the recommended margins,
	// the message's wire bytes (WireBytes).
	peakW := func(scale float64) string {
		if scale == 1 {
			return peakB(1)
		}
		return fmt.Sprintf("(%s × %s on the wire)", fmtRate(p.PeakMessagesPerSec), units.FormatBytes(p.BytesPerMessage*scale))
	}
	type cons struct {
		wire             bool // counts bytes on a NIC: scaled by the wire bytes
		name, field, why string
		formula          func(fill, nic units.Ratio, parts int, scale float64) string
		exact            func(fill, nic units.Ratio, parts int, scale float64) float64
	}
	storageField := "retention"
	if w.DiskPerBroker < DefaultDiskPerBroker || w.DiskFillTarget < 0.5 {
		storageField = "disk_per_broker"
	}
	egressField := "nic_bandwidth"
	if w.ConsumerGroups > w.ReplicationFactor {
		egressField = "consumer_groups"
	}
	cs := []cons{
		{false, "storage", storageField, "Replicated retained bytes must fit on the brokers' disks.",
			func(fill, _ units.Ratio, _ int, scale float64) string {
				return fmt.Sprintf("%s / (%s × %s fill)", units.FormatBytes(p.ReplicatedBytes*scale), w.DiskPerBroker, fill.Percent())
			},
			func(fill, _ units.Ratio, _ int, scale float64) float64 {
				return p.ReplicatedBytes * scale / (float64(w.DiskPerBroker) * float64(fill))
			}},
		{false, "disk throughput", "disk_throughput", "Every replica writes every byte; disks must sustain the peak.",
			func(_, _ units.Ratio, _ int, scale float64) string {
				return fmt.Sprintf("%s × RF %d / %s", peakB(scale), w.ReplicationFactor, w.DiskThroughput)
			},
			func(_, _ units.Ratio, _ int, scale float64) float64 {
				return p.PeakBytesPerSec * scale * rf / float64(w.DiskThroughput)
			}},
		{true, "network ingress", "nic_bandwidth", "Brokers receive producer traffic plus RF−1 replica copies.",
			func(_, nic units.Ratio, _ int, scale float64) string {
				return fmt.Sprintf("%s × RF %d / (%s × %s)", peakW(scale), w.ReplicationFactor, w.NICBandwidth, nic.Percent())
			},
			func(_, nic units.Ratio, _ int, scale float64) float64 {
				return p.PeakBytesPerSec * scale * rf / (float64(w.NICBandwidth) * float64(nic))
			}},
		{true, "network egress", egressField, "Brokers send every byte to each consumer group and to RF−1 followers.",
			func(_, nic units.Ratio, _ int, scale float64) string {
				return fmt.Sprintf("%s × (%d groups + RF %d − 1) / (%s × %s)", peakW(scale), w.ConsumerGroups, w.ReplicationFactor, w.NICBandwidth, nic.Percent())
			},
			func(_, nic units.Ratio, _ int, scale float64) float64 {
				return p.PeakBytesPerSec * scale * float64(w.ConsumerGroups+w.ReplicationFactor-1) / (float64(w.NICBandwidth) * float64(nic))
			}},
		{false, "partition replicas", "max_partitions_per_broker", "Each broker can host only so many partition replicas.",
			func(_, _ units.Ratio, parts int, _ float64) string {
				return fmt.Sprintf("%d partitions × RF %d / %d per broker", parts, w.ReplicationFactor, w.MaxPartitionsPerBroker)
			},
			func(_, _ units.Ratio, parts int, _ float64) float64 {
				return float64(parts) * rf / float64(w.MaxPartitionsPerBroker)
			}},
		{false, "replication factor", "replication_factor", "Replicas of a partition must sit on different brokers.",
			func(_, _ units.Ratio, _ int, _ float64) string { return fmt.Sprintf("RF %d", w.ReplicationFactor) },
			func(_, _ units.Ratio, _ int, _ float64) float64 { return rf }},
	}
	// size evaluates every constraint at one set of margins and returns the
	// constraints and the index of the binding one: the one needing the
	// most brokers before rounding (2.8 of storage and 3 of RF both round
	// to 3; RF binds).
	size := func(fill, nic units.Ratio, parts int, scale, wscale float64) ([]Constraint, int, error) {
		var out []Constraint
		best := 0
		for i, c := range cs {
			sc := scale
			if c.wire {
				sc = wscale
			}
			x := c.exact(fill, nic, parts, sc)
			n, err := count(x, MaxBrokers, c.field, "brokers for "+c.name, c.formula(fill, nic, parts, sc))
			if err != nil {
				return nil, 0, err
			}
			out = append(out, Constraint{Name: c.name, Exact: x, Brokers: n})
			if x > out[best].Exact {
				best = i
			}
		}
		for i := range out {
			out[i].Utilisation = out[i].Exact / float64(out[best].Brokers)
		}
		return out, best, nil
	}
	exact, best, err := size(w.DiskFillTarget, w.NetworkTarget, p.Partitions, 1, 1)
	if err != nil {
		return nil, err
	}
	recCons, recBest, err := size(rec.DiskFill, rec.NetworkTarget, rec.Partitions, recScale, wireScale)
	if err != nil {
		// The margins alone push a result past its bound: name the margin
		// if the workload tightened it beyond its default.
		var fe *FieldError
		if errors.As(err, &fe) {
			switch {
			case fe.Field == storageField && w.RecommendedDiskFill < DefaultRecommendedDiskFill:
				fe.Field = "recommended_disk_fill"
			case (fe.Field == "nic_bandwidth" || fe.Field == egressField) && w.RecommendedNetworkTarget < DefaultRecommendedNetworkTarget:
				fe.Field = "recommended_network_target"
			case fe.Field == "max_partitions_per_broker" && w.RecommendedHeadroom > DefaultRecommendedHeadroom:
				fe.Field = "recommended_headroom"
			}
		}
		return nil, err
	}
	p.Constraints = exact
	p.Brokers, p.BindingConstraint = exact[best].Brokers, exact[best].Name
	rec.Constraints = recCons
	rec.Brokers, rec.BindingConstraint = recCons[recBest].Brokers, recCons[recBest].Name
	recReason := fmt.Sprintf("max over constraints with margins (%s binds, %s → %d)", rec.BindingConstraint, fmtNum(recCons[recBest].Exact), rec.Brokers)
	// The equations spread bytes evenly, but Kafka places whole replicas
	// and whole leaders (BusiestBroker): the busiest broker holds more
	// replicas than the average (its disk, its disk writes, its NIC
	// ingress) and leads ceil(partitions / B) partitions (its NIC egress to
	// consumers and followers). The recommended plan is one an operator
	// signs, so it grows until the busiest broker is within every target;
	// the exact plan keeps the seed's even arithmetic.
	// A NIC's busiest broker also carries more than its even share over
	// a second: the partitioner's random batches (NICImbalance).
	// One placement per (brokers, partitions) tried: every constraint's
	// use reads the same busiest broker and NIC imbalance.
	type busiest struct {
		b, parts, replicas, leaders int
		imb                         float64
	}
	var last busiest
	busiestUse := func(c Constraint, b, parts int) float64 {
		if last.b != b || last.parts != parts {
			last.b, last.parts = b, parts
			last.replicas, last.leaders = BusiestBroker(parts, w.ReplicationFactor, b)
			last.imb = NICImbalanceFactor(w, p.PeakMessagesPerSec, b)
		}
		replicas, leaders, imb := last.replicas, last.leaders, last.imb
		switch c.Name {
		case "storage", "disk throughput":
			return c.Exact * float64(replicas) / float64(parts*w.ReplicationFactor)
		case "network ingress":
			return c.Exact * float64(replicas) / float64(parts*w.ReplicationFactor) * imb
		case "network egress":
			return c.Exact * float64(leaders) / float64(parts) * imb
		case "partition replicas":
			return c.Exact * float64(parts) / float64(rec.Partitions) / float64(b)
		}
		return c.Exact / float64(b)
	}
	fits := func(b, parts int) (string, bool) {
		for _, c := range recCons {
			if busiestUse(c, b, parts) > 1+1e-12 {
				return c.Name, false
			}
		}
		return "", true
	}
	for b := rec.Brokers; b <= MaxBrokers; b++ {
		// A partition count that is a multiple of the broker count places
		// evenly: every broker holds RF × partitions ÷ B replicas and leads
		// partitions ÷ B, so the busiest broker carries the average and
		// nothing more. Fewer partitions than brokers never spread: their
		// replicas sit on RF × partitions brokers however many there are.
		// The recommendation rounds the partitions up to that multiple
		// when it fits, else keeps them as they are if that fits.
		parts, worst, ok := rec.Partitions, "", false
		if even := (parts + b - 1) / b * b; even <= MaxPartitions {
			if _, ok = fits(b, even); ok {
				parts = even
			}
		}
		if !ok {
			worst, ok = fits(b, parts)
		}
		if !ok {
			rec.BindingConstraint = worst
			continue
		}
		moved := parts != rec.Partitions
		if moved {
			recReason = fmt.Sprintf("%s; %d partitions rounded up to %d, a multiple of B = %d, which Kafka places evenly",
				recReason, rec.Partitions, parts, b)
			for i := range recCons {
				if recCons[i].Name == "partition replicas" {
					recCons[i].Exact *= float64(parts) / float64(rec.Partitions)
				}
			}
			rec.Partitions, rec.ConsumersPerGroup = parts, parts
			recommendRow("partitions", float64(parts), strconv.Itoa(parts), fmt.Sprintf("%s, rounded up to a multiple of %d brokers", recFormula, b))
			recommendRow("consumers_per_group", float64(parts), strconv.Itoa(parts), "recommended partitions")
		}
		if b > rec.Brokers || moved {
			busiest, _ := BusiestBroker(parts, w.ReplicationFactor, b)
			switch {
			case b > rec.Brokers && strings.HasPrefix(rec.BindingConstraint, "network"):
				_, imb := NICImbalance(w, p.PeakMessagesPerSec, b)
				recReason = fmt.Sprintf("%s; the busiest broker's NIC carries more than the average (the partitioner's random batches, %s): %s fits at B = %d",
					recReason, imb, rec.BindingConstraint, b)
			case b > rec.Brokers:
				recReason = fmt.Sprintf("%s; placed as Kafka places %d partitions × RF %d, the busiest of B brokers holds more than the average: %s fits at B = %d (%d replicas on the busiest)",
					recReason, parts, w.ReplicationFactor, rec.BindingConstraint, b, busiest)
				rec.BusiestBrokerReplicas = busiest
			}
			rec.Brokers = b
		}
		// What the busiest broker uses: the NICs' imbalance counts even
		// where the even arithmetic already fits.
		for i := range recCons {
			recCons[i].Utilisation = busiestUse(recCons[i], b, parts)
		}
		break
	}
	for i, c := range cs {
		add("brokers_"+strings.ReplaceAll(c.name, " ", "_"), "Brokers for "+c.name, c.formula(w.DiskFillTarget, w.NetworkTarget, p.Partitions, 1),
			exact[i].Exact, "brokers", fmtNum(exact[i].Exact), c.why)
		sc := recScale
		if c.wire {
			sc = wireScale
		}
		if r := recCons[i].Exact; r != exact[i].Exact {
			f := c.formula(rec.DiskFill, rec.NetworkTarget, rec.Partitions, sc)
			if c.wire {
				_, imb := NICImbalance(w, p.PeakMessagesPerSec, rec.Brokers)
				f += fmt.Sprintf("; a message on the wire is %s; at B = %d the busiest broker carries %s × its share",
					wireFormula, rec.Brokers, imb)
			}
			recommend(r, fmtNum(r), f)
		}
	}
	add("brokers", "Brokers", fmt.Sprintf("max over constraints: %s binds (%s → %d)", p.BindingConstraint, fmtNum(exact[best].Exact), p.Brokers),
		float64(p.Brokers), "brokers", strconv.Itoa(p.Brokers), "The cluster needs enough brokers for its tightest constraint.")
	recommend(float64(rec.Brokers), strconv.Itoa(rec.Brokers), recReason)
	rows = append(rows, txnRows(w, p.Partitions, w.ReplicationFactor)...) // txn.go
	p.Rows = rows
	return p, nil
}

// Row returns the row with the given key.
func (p *Plan) Row(key string) (Row, bool) {
	for _, r := range p.Rows {
		if r.Key == key {
			return r, true
		}
	}
	return Row{}, false
}

// fmtRate prints a rate as people quote it in a sizing: exact to the
// message below a billion per second (115,741/s), SI-style above (2.5B/s).
func fmtRate(v float64) string {
	if v >= 1000 && v < 1e9 {
		return humanize.Comma(int64(math.Round(v))) + "/s"
	}
	return units.Rate(v).String()
}

// fmtNum prints a plain number with two decimals at most: 115.74, 10.5, 3.
func fmtNum(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func fmtDays(d float64) string {
	if d == math.Trunc(d) {
		return strconv.FormatFloat(d, 'f', 0, 64) + " days"
	}
	return fmtNum(d) + " days"
}

// SweepPoint is one point of a sensitivity sweep.
type SweepPoint struct {
	X    float64
	Plan *Plan
}

// Sweep recomputes the plan while one input varies: for each x, set applies
// x to a copy of w. Points whose workload is invalid are left out.
func Sweep(w Workload, xs []float64, set func(w *Workload, x float64)) []SweepPoint {
	var out []SweepPoint
	for _, x := range xs {
		v := w
		set(&v, x)
		if p, err := Compute(v); err == nil {
			out = append(out, SweepPoint{X: x, Plan: p})
		}
	}
	return out
}
