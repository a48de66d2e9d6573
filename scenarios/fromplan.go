package scenarios

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

// PlanOptions says which plan FromPlan plays and for how long.
type PlanOptions struct {
	// Recommended plays the recommended plan (with operating margins)
	// instead of the exact arithmetic.
	Recommended bool
	// Duration of the run; zero means DefaultPlanDuration.
	Duration units.Duration
	// Command is the command line that produced the plan, written into the
	// scenario's header comment; empty leaves it out.
	Command string
}

// DefaultPlanDuration is how long a plan's scenario runs unless told: long
// enough for lag to show a trend at the peak, short enough to run quickly
// (`mqsim run plan.yaml --duration 2s` for a first look).
const DefaultPlanDuration = 30 * units.Second

// FromPlan turns a capacity plan into the scenario that plays it at its
// peak — the bridge from sizing to simulating. The cluster has the plan's
// brokers, with the workload's NIC and disk bandwidth; one topic has the
// plan's partitions, replication factor and retention; producers send the
// peak rate with Poisson arrivals and the workload's message size (and
// compression ratio); each of the workload's consumer groups has the plan's
// consumers, each taking 1 ÷ consumer_throughput per message when the
// workload states a per-consumer rate.
//
// It returns the scenario as YAML a person can read and edit, and the same
// scenario loaded and validated exactly as `mqsim run` would load the file.
// A plan too large to simulate (more brokers, partitions or consumers than
// a scenario may have, or messages over max.request.size) is an error
// naming the limit.
func FromPlan(p *capacity.Plan, opt PlanOptions) ([]byte, *LoadedScenario, error) {
	w := p.Workload
	brokers, partitions, consumers := p.Brokers, p.Partitions, p.ConsumersPerGroup
	which := "exact"
	if opt.Recommended {
		brokers, partitions, consumers = p.Recommended.Brokers, p.Recommended.Partitions, p.Recommended.ConsumersPerGroup
		which = "recommended"
	}
	duration := opt.Duration
	if duration == 0 {
		duration = DefaultPlanDuration
	}
	name := w.Name
	if name == "" {
		name = "workload"
	}
	var limits []string
	if brokers > MaxBrokers {
		limits = append(limits, fmt.Sprintf("%d brokers (a scenario may have %d)", brokers, MaxBrokers))
	}
	if partitions > MaxPartitions {
		limits = append(limits, fmt.Sprintf("%d partitions (a scenario may have %d)", partitions, MaxPartitions))
	}
	if consumers > MaxConsumers {
		limits = append(limits, fmt.Sprintf("%d consumers per group (a scenario may have %d)", consumers, MaxConsumers))
	}
	if float64(w.MessageSize) > MaxMessageSize {
		limits = append(limits, fmt.Sprintf("%s messages (a producer sends at most %s, max.request.size)", w.MessageSize, units.Bytes(MaxMessageSize)))
	}
	if p.PeakMessagesPerSec > MaxRate {
		limits = append(limits, fmt.Sprintf("a peak of %s (a scenario's rate is at most %s)", units.Rate(p.PeakMessagesPerSec), units.Rate(MaxRate)))
	}
	if len(limits) > 0 {
		return nil, nil, &InputError{File: name, Msg: "the " + which + " plan is too large to simulate: " + strings.Join(limits, "; ")}
	}

	// Producer clients: one per 100K msg/s of peak, as a fleet of
	// application servers would share the load, at least one.
	instances := min(MaxInstances, max(1, int(math.Ceil(p.PeakMessagesPerSec/100e3))))

	doc := planMap(
		"name", planStr(name+"-plan"),
		"description", planFolded(fmt.Sprintf("The %s capacity plan for %s played at its peak: %d brokers, %d partitions (RF %d), %s of %s messages with Poisson arrivals, %s of %d consumers.%s",
			which, name, brokers, partitions, w.ReplicationFactor, fmtPlanRate(p.PeakMessagesPerSec), w.MessageSize, planGroups(w.ConsumerGroups), consumers, planConsumerNote(w))),
		"seed", planStr("1"),
		"duration", planStr(duration.String()),
		"cluster", planMap(
			"brokers", planStr(strconv.Itoa(brokers)),
			"hardware", planMap(
				"nic_in", planNote(planStr(planBandwidth(float64(w.NICBandwidth))), "nic_bandwidth "+w.NICBandwidth.String()),
				"nic_out", planNote(planStr(planBandwidth(float64(w.NICBandwidth))), "nic_bandwidth "+w.NICBandwidth.String()),
				"disk_write", planNote(planStr(planBandwidth(float64(w.DiskThroughput))), "disk_throughput "+w.DiskThroughput.String()),
			),
		),
		"topics", planSeq(planMap(
			"name", planStr("events"),
			"partitions", planStr(strconv.Itoa(partitions)),
			"replication_factor", planStr(strconv.Itoa(w.ReplicationFactor)),
			"min_insync_replicas", planStr(strconv.Itoa(min(2, w.ReplicationFactor))),
			"retention", planStr(w.Retention.String()),
		)),
	)
	producer := planMap(
		"name", planStr("producers"),
		"topic", planStr("events"),
		"instances", planStr(strconv.Itoa(instances)),
		"rate", planNote(planStr(strconv.FormatFloat(p.PeakMessagesPerSec, 'f', -1, 64)+"/s"), "the peak, "+fmtPlanRate(p.PeakMessagesPerSec)),
		"arrival", planStr("poisson"),
		"message_size", planStr(planBytes(float64(w.MessageSize))),
	)
	if w.CompressionRatio > 1 {
		producer.Content = append(producer.Content, planMap(
			"compression", planStr("zstd"),
			"compression_ratio", planStr(strconv.FormatFloat(float64(w.CompressionRatio), 'f', -1, 64)+"x"),
		).Content...)
	}
	doc.Content = append(doc.Content, planStr("producers"), planSeq(producer))
	var groups []*yaml.Node
	for g := range w.ConsumerGroups {
		group := planMap(
			"name", planStr(fmt.Sprintf("group-%d", g+1)),
			"topic", planStr("events"),
			"consumers", planStr(strconv.Itoa(consumers)),
		)
		if w.ConsumerThroughput > 0 {
			group.Content = append(group.Content, planStr("processing"), planStr(fmt.Sprintf("const(%s)", planSeconds(1/float64(w.ConsumerThroughput)))))
		}
		groups = append(groups, group)
	}
	doc.Content = append(doc.Content, planStr("consumer_groups"), planSeq(groups...))

	var b bytes.Buffer
	b.WriteString("# A capacity plan as a scenario: run it with `mqsim run FILE`.\n")
	if opt.Command != "" {
		fmt.Fprintf(&b, "# Written by: %s\n", strings.ReplaceAll(opt.Command, "\n", " "))
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, err
	}
	data := b.Bytes()
	s, err := ParseScenario(name+"-plan.yaml", data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("the %s plan does not make a valid scenario: %w", which, err)
	}
	return data, s, nil
}

func planConsumerNote(w capacity.Workload) string {
	if w.ConsumerThroughput > 0 {
		return fmt.Sprintf(" Each consumer processes %s, one message every %s.", units.Rate(w.ConsumerThroughput), planSeconds(1/float64(w.ConsumerThroughput)))
	}
	return " The workload states no per-consumer rate, so consumers process instantly."
}

func planGroups(n int) string {
	if n == 1 {
		return "1 consumer group"
	}
	return strconv.Itoa(n) + " consumer groups"
}

// planNote puts a comment after a value, saying where it comes from.
func planNote(n *yaml.Node, note string) *yaml.Node {
	n.LineComment = "# " + note
	return n
}

func planStr(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func planFolded(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: v, Style: yaml.FoldedStyle}
}

func planMap(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, planStr(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}

func planSeq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

// fmtPlanRate prints a rate for the description: 1,157,407/s.
func fmtPlanRate(v float64) string {
	return units.Rate(v).String()
}

// planBytes, planBandwidth and planSeconds print quantities exactly, in the
// units the scenario parser reads, so nothing is rounded on the way.
func planBytes(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "B" }

func planBandwidth(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "B/s" }

func planSeconds(s float64) string {
	ns := math.Round(s * 1e9)
	if ns < 1 {
		ns = 1
	}
	d := units.Duration(ns)
	if back, err := units.ParseDuration(d.String()); err == nil && back == d {
		return d.String() // 200us rather than 200000ns, when exact
	}
	return strconv.FormatFloat(ns, 'f', 0, 64) + "ns"
}
