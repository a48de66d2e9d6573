package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"go.yaml.in/yaml/v3"

	"mqsim/capacity"
)

// CapacityText writes a plan as an aligned table a person reads in a terminal.
func CapacityText(w io.Writer, p *capacity.Plan) error {
	var b bytes.Buffer
	title := p.Workload.Name
	if title == "" {
		title = "workload"
	}
	fmt.Fprintf(&b, "Capacity plan: %s\n", title)
	if d := strings.TrimSpace(p.Workload.Description); d != "" {
		fmt.Fprintf(&b, "%s\n", wrap(d, 88))
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUANTITY\tFORMULA\tVALUE\tWHY")
	for _, r := range p.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Quantity, r.Formula, r.Human, r.Why)
	}
	tw.Flush()
	b.WriteString("\n")
	writeVerdict(&b, p, "")
	_, err := w.Write(b.Bytes())
	return err
}

// writeVerdict states the result: partitions, brokers, the binding
// constraint, and the room every other constraint leaves.
func writeVerdict(b *bytes.Buffer, p *capacity.Plan, bullet string) {
	fmt.Fprintf(b, "%sPartitions: %d (minimum %d; consumers per group: up to %d)\n", bullet, p.Partitions, p.PartitionsMinimum, p.ConsumersPerGroup)
	fmt.Fprintf(b, "%sBrokers: %d — %s binds\n", bullet, p.Brokers, p.BindingConstraint)
	if bullet != "" {
		b.WriteString("\n| Constraint | Brokers needed | Use at the chosen size |\n|---|---:|---:|\n")
		for _, c := range p.Constraints {
			fmt.Fprintf(b, "| %s | %s | %s |\n", mdEscape(c.Name), trim2(c.Exact), roomText(c, p))
		}
		return
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  CONSTRAINT\tBROKERS NEEDED\tUSE AT %d BROKERS\n", p.Brokers)
	for _, c := range p.Constraints {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, trim2(c.Exact), roomText(c, p))
	}
	tw.Flush()
}

func roomText(c capacity.Constraint, p *capacity.Plan) string {
	s := fmt.Sprintf("%.0f%%", 100*c.Utilisation)
	if c.Name == p.BindingConstraint {
		return s + " (binds)"
	}
	return s
}

func trim2(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// CapacityMarkdown writes a plan as a Markdown section for a design doc.
func CapacityMarkdown(w io.Writer, p *capacity.Plan) error {
	var b bytes.Buffer
	title := p.Workload.Name
	if title == "" {
		title = "workload"
	}
	fmt.Fprintf(&b, "## Capacity plan: %s\n\n", mdEscape(title))
	if d := strings.TrimSpace(p.Workload.Description); d != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(d))
	}
	b.WriteString("| Quantity | Formula | Value | Why |\n|---|---|---:|---|\n")
	for _, r := range p.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdEscape(r.Quantity), mdEscape(r.Formula), mdEscape(r.Human), mdEscape(r.Why))
	}
	b.WriteString("\n")
	writeVerdict(&b, p, "- ")
	b.WriteString("\n")
	b.WriteString(assumptionsMarkdown(p.Workload))
	_, err := w.Write(b.Bytes())
	return err
}

func assumptionsMarkdown(w capacity.Workload) string {
	var b strings.Builder
	b.WriteString("### Inputs (defaults filled in)\n\n| Field | Value |\n|---|---|\n")
	row := func(k string, v fmt.Stringer) { fmt.Fprintf(&b, "| `%s` | %s |\n", k, mdEscape(v.String())) }
	switch {
	case w.Users != 0:
		row("users", w.Users)
		row("events_per_user_per_day", w.EventsPerUserPerDay)
	case w.MessagesPerDay != 0:
		row("messages_per_day", w.MessagesPerDay)
	default:
		row("messages_per_sec", w.MessagesPerSec)
	}
	row("peak_factor", w.PeakFactor)
	row("message_size", w.MessageSize)
	row("message_overhead", w.MessageOverhead)
	row("compression_ratio", w.CompressionRatio)
	row("retention", w.Retention)
	fmt.Fprintf(&b, "| `replication_factor` | %d |\n", w.ReplicationFactor)
	row("disk_per_broker", w.DiskPerBroker)
	row("disk_fill_target", w.DiskFillTarget)
	row("disk_throughput", w.DiskThroughput)
	row("partition_throughput", w.PartitionThroughput)
	if w.ConsumerThroughput > 0 {
		row("consumer_throughput", w.ConsumerThroughput)
	}
	row("headroom", w.Headroom)
	fmt.Fprintf(&b, "| `consumer_groups` | %d |\n", w.ConsumerGroups)
	fmt.Fprintf(&b, "| `max_partitions_per_broker` | %d |\n", w.MaxPartitionsPerBroker)
	row("nic_bandwidth", w.NICBandwidth)
	row("network_target", w.NetworkTarget)
	return b.String()
}

// JSON writes v as indented JSON with a trailing newline.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// YAML writes v as YAML with the same keys and key order as its JSON form.
func YAML(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return err
	}
	clearStyle(&node)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return err
	}
	return enc.Close()
}

// clearStyle turns JSON's flow style into block YAML.
func clearStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		clearStyle(c)
	}
}

// mdEscape makes text safe inside a Markdown table cell.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

func wrap(s string, width int) string {
	words := strings.Fields(s)
	var b strings.Builder
	n := 0
	for _, w := range words {
		if n > 0 && n+1+len(w) > width {
			b.WriteString("\n")
			n = 0
		} else if n > 0 {
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
