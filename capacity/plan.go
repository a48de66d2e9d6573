package capacity

import (
	"fmt"
	"github.com/dustin/go-humanize"
	"math"
	"strconv"
	"strings"

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

// Plan is the sizing of one workload.
type Plan struct {
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

	Rows []Row `json:"rows"`
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
// (115.00000000000001 partitions is 115).
func ceil(x float64) int {
	r := math.Round(x)
	if math.Abs(x-r) < 1e-9*math.Max(1, math.Abs(x)) {
		return int(r)
	}
	return int(math.Ceil(x))
}

func compute(w Workload) (*Plan, error) {
	p := &Plan{Workload: w}
	var rows []Row
	add := func(key, qty, formula string, v float64, unit, human, why string) {
		rows = append(rows, Row{Key: key, Quantity: qty, Formula: formula, Value: v, Unit: unit, Human: human, Why: why})
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
	p.PeakMessagesPerSec = p.AvgMessagesPerSec * float64(w.PeakFactor)
	add("peak_messages_per_sec", "Messages/s (peak)", fmt.Sprintf("%s × %s", fmtRate(p.AvgMessagesPerSec), w.PeakFactor),
		p.PeakMessagesPerSec, "msg/s", fmtRate(p.PeakMessagesPerSec), "Size throughput for the peak, not the average.")

	// Bytes.
	p.BytesPerMessage = (float64(w.MessageSize) + float64(w.MessageOverhead)) / float64(w.CompressionRatio)
	sizeFormula := w.MessageSize.String()
	if w.MessageOverhead != 0 || w.CompressionRatio != 1 {
		sizeFormula = fmt.Sprintf("(%s + %s overhead) / %s compression", w.MessageSize, w.MessageOverhead, w.CompressionRatio)
	}
	add("bytes_per_message", "Message size", sizeFormula, p.BytesPerMessage, "bytes", units.FormatBytes(p.BytesPerMessage),
		"Average bytes per message as stored and sent.")
	p.BytesPerDay = p.MessagesPerDay * p.BytesPerMessage
	add("bytes_per_day", "Daily data volume", fmt.Sprintf("%s × %s", units.FormatSI(p.MessagesPerDay), units.FormatBytes(p.BytesPerMessage)),
		p.BytesPerDay, "bytes/day", units.FormatBytes(p.BytesPerDay)+"/day", "What the cluster must absorb each day.")
	days := w.Retention.Seconds() / SecondsPerDay
	p.RetainedBytes = p.BytesPerDay * days
	add("retained_bytes", "Retained storage", fmt.Sprintf("%s/day × %s", units.FormatBytes(p.BytesPerDay), fmtDays(days)),
		p.RetainedBytes, "bytes", units.FormatBytes(p.RetainedBytes), "A log keeps everything for the retention period: that is what makes replay possible.")
	rf := float64(w.ReplicationFactor)
	p.ReplicatedBytes = p.RetainedBytes * rf
	add("replicated_bytes", "With replication", fmt.Sprintf("%s × RF %d", units.FormatBytes(p.RetainedBytes), w.ReplicationFactor),
		p.ReplicatedBytes, "bytes", units.FormatBytes(p.ReplicatedBytes), "Every partition is stored on RF brokers so one failure loses nothing.")
	p.PeakBytesPerSec = p.PeakMessagesPerSec * p.BytesPerMessage
	add("peak_bytes_per_sec", "Peak ingress", fmt.Sprintf("%s × %s", fmtRate(p.PeakMessagesPerSec), units.FormatBytes(p.BytesPerMessage)),
		p.PeakBytesPerSec, "bytes/s", units.FormatBytes(p.PeakBytesPerSec)+"/s", "Producer bytes per second at the peak, before replication.")

	// Partitions.
	prodSide := p.PeakMessagesPerSec / float64(w.PartitionThroughput)
	add("partitions_producer", "Partitions (produce side)", fmt.Sprintf("%s / %s per partition", fmtRate(p.PeakMessagesPerSec), fmtRate(float64(w.PartitionThroughput))),
		prodSide, "partitions", fmtNum(prodSide), "A partition is the unit of parallelism; one takes about this much write throughput.")
	p.PartitionsExact = prodSide
	if w.ConsumerThroughput > 0 {
		consSide := p.PeakMessagesPerSec / float64(w.ConsumerThroughput)
		add("partitions_consumer", "Partitions (consume side)", fmt.Sprintf("%s / %s per consumer", fmtRate(p.PeakMessagesPerSec), fmtRate(float64(w.ConsumerThroughput))),
			consSide, "partitions", fmtNum(consSide), "Each partition has one consumer per group, so consumers must keep up at the peak.")
		p.PartitionsExact = math.Max(prodSide, consSide)
	}
	p.PartitionsMinimum = max(1, ceil(p.PartitionsExact))
	p.Partitions = max(1, ceil(p.PartitionsExact*float64(w.Headroom)))
	formula := fmt.Sprintf("ceil(%s)", fmtNum(p.PartitionsExact))
	if w.ConsumerThroughput > 0 {
		formula = fmt.Sprintf("ceil(max(produce, consume) = %s)", fmtNum(p.PartitionsExact))
	}
	add("partitions_minimum", "Partitions (minimum)", formula, float64(p.PartitionsMinimum), "partitions", strconv.Itoa(p.PartitionsMinimum),
		"The fewest partitions that carry the peak.")
	add("partitions", "Partitions (recommended)", fmt.Sprintf("ceil(%s × %s headroom)", fmtNum(p.PartitionsExact), w.Headroom),
		float64(p.Partitions), "partitions", strconv.Itoa(p.Partitions), "Over-partition for growth: adding partitions later remaps keys and breaks per-key order.")
	p.ConsumersPerGroup = p.Partitions
	add("consumers_per_group", "Consumers per group (max useful)", "= partitions", float64(p.ConsumersPerGroup), "consumers", strconv.Itoa(p.ConsumersPerGroup),
		"A partition goes to one consumer in a group; consumers beyond the partition count sit idle.")

	// Brokers.
	usableDisk := float64(w.DiskPerBroker) * float64(w.DiskFillTarget)
	usableNIC := float64(w.NICBandwidth) * float64(w.NetworkTarget)
	peakB := units.FormatBytes(p.PeakBytesPerSec) + "/s"
	type cons struct {
		name, formula, why string
		exact              float64
	}
	cs := []cons{
		{"storage", fmt.Sprintf("%s / (%s × %s fill)", units.FormatBytes(p.ReplicatedBytes), w.DiskPerBroker, w.DiskFillTarget.Percent()),
			"Replicated retained bytes must fit on the brokers' disks.", p.ReplicatedBytes / usableDisk},
		{"disk throughput", fmt.Sprintf("%s × RF %d / %s", peakB, w.ReplicationFactor, w.DiskThroughput),
			"Every replica writes every byte; disks must sustain the peak.", p.PeakBytesPerSec * rf / float64(w.DiskThroughput)},
		{"network ingress", fmt.Sprintf("%s × RF %d / (%s × %s)", peakB, w.ReplicationFactor, w.NICBandwidth, w.NetworkTarget.Percent()),
			"Brokers receive producer traffic plus RF−1 replica copies.", p.PeakBytesPerSec * rf / usableNIC},
		{"network egress", fmt.Sprintf("%s × (%d groups + RF %d − 1) / (%s × %s)", peakB, w.ConsumerGroups, w.ReplicationFactor, w.NICBandwidth, w.NetworkTarget.Percent()),
			"Brokers send every byte to each consumer group and to RF−1 followers.", p.PeakBytesPerSec * float64(w.ConsumerGroups+w.ReplicationFactor-1) / usableNIC},
		{"partition replicas", fmt.Sprintf("%d partitions × RF %d / %d per broker", p.Partitions, w.ReplicationFactor, w.MaxPartitionsPerBroker),
			"Each broker can host only so many partition replicas.", float64(p.Partitions*w.ReplicationFactor) / float64(w.MaxPartitionsPerBroker)},
		{"replication factor", fmt.Sprintf("RF %d", w.ReplicationFactor),
			"Replicas of a partition must sit on different brokers.", rf},
	}
	best := 0
	for i, c := range cs {
		n := max(1, ceil(c.exact))
		p.Constraints = append(p.Constraints, Constraint{Name: c.name, Exact: c.exact, Brokers: n})
		// The binding constraint is the one needing the most brokers before
		// rounding (2.8 of storage and 3 of RF both round to 3; RF binds).
		if c.exact > p.Constraints[best].Exact {
			best = i
		}
		add("brokers_"+strings.ReplaceAll(c.name, " ", "_"), "Brokers for "+c.name, c.formula, c.exact, "brokers", fmtNum(c.exact), c.why)
	}
	p.Brokers = p.Constraints[best].Brokers
	p.BindingConstraint = p.Constraints[best].Name
	for i := range p.Constraints {
		p.Constraints[i].Utilisation = p.Constraints[i].Exact / float64(p.Brokers)
	}
	add("brokers", "Brokers", fmt.Sprintf("max over constraints: %s binds (%s → %d)", p.BindingConstraint, fmtNum(p.Constraints[best].Exact), p.Brokers),
		float64(p.Brokers), "brokers", strconv.Itoa(p.Brokers), "The cluster needs enough brokers for its tightest constraint.")
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
