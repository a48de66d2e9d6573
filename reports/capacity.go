package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"mqsim/capacity"
)

// CapacityWidth is the width capacity tables fit when the output is not a
// terminal.
const CapacityWidth = 80

// CapacityText writes a plan for a person reading a terminal width columns
// wide (CapacityWidth when not a terminal): each row shows the quantity,
// its value and the recommended value with operating margins, and under it,
// indented and wrapped, the formula with the numbers substituted and why it
// matters. No line is longer than width unless one word is.
func CapacityText(w io.Writer, p *capacity.Plan, width int) error {
	if width < 40 {
		width = 40
	}
	var b bytes.Buffer
	title := textSafe(p.Workload.Name)
	if title == "" {
		title = "workload"
	}
	b.WriteString(wrapIndent("Capacity plan: "+title, width, "", "  "))
	if d := textSafe(strings.TrimSpace(p.Workload.Description)); d != "" {
		b.WriteString(wrapIndent(d, width, "", ""))
	}
	b.WriteString("\n")

	const indent = "    "
	valW, recW := len("VALUE"), len("RECOMMENDED")
	for _, r := range p.Rows {
		valW = max(valW, runes(r.Human))
		recW = max(recW, runes(r.RecommendedHuman))
	}
	qtyW := len("QUANTITY")
	for _, r := range p.Rows {
		qtyW = max(qtyW, runes(r.Quantity))
	}
	qtyW = max(12, min(qtyW, width-valW-recW-4))
	row := func(q, v, rec string) {
		lines := strings.Split(strings.TrimRight(wrapIndent(q, qtyW, "", "  "), "\n"), "\n")
		for i, l := range lines {
			if i < len(lines)-1 {
				b.WriteString(l + "\n")
				continue
			}
			line := l + strings.Repeat(" ", qtyW-runes(l)) + "  " + v
			if rec != "" {
				line += strings.Repeat(" ", valW-runes(v)) + "  " + rec
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
	}
	row("QUANTITY", "VALUE", "RECOMMENDED")
	for _, r := range p.Rows {
		row(r.Quantity, r.Human, r.RecommendedHuman)
		formula := r.Formula
		if !strings.HasPrefix(formula, "=") {
			formula = "= " + formula
		}
		if r.RecommendedFormula != "" {
			formula += "; recommended: " + r.RecommendedFormula
		}
		b.WriteString(wrapIndent(formula, width, indent, indent+"  "))
		b.WriteString(wrapIndent(r.Why, width, indent, indent))
	}
	b.WriteString("\n")
	for _, line := range verdictLines(p) {
		b.WriteString(wrapIndent(line, width, "", "  "))
	}
	if len(p.Constraints) == 0 { // an SQS plan: no machines
		_, err := w.Write(b.Bytes())
		return err
	}
	b.WriteString("\n")
	rec := p.Recommended
	rows := [][]string{{"CONSTRAINT", "NEEDED", fmt.Sprintf("USE AT %d", p.Brokers), "WITH MARGINS", fmt.Sprintf("USE AT %d", rec.Brokers)}}
	for i, c := range p.Constraints {
		rc := rec.Constraints[i]
		rows = append(rows, []string{c.Name, trim2(c.Exact), roomText(c, p.BindingConstraint), trim2(rc.Exact), roomText(rc, rec.BindingConstraint)})
	}
	var t bytes.Buffer
	writeTableStyled(&t, rows, "lrrrr", nil)
	for _, l := range strings.SplitAfter(t.String(), "\n") {
		if l != "" {
			b.WriteString("  " + l)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// CapacityList writes the built-in workloads, one per entry: the name, then
// its summary wrapped to width under a hanging indent.
func CapacityList(w io.Writer, names, summaries []string, width int) error {
	nameW := 0
	for _, n := range names {
		nameW = max(nameW, runes(n))
	}
	var b strings.Builder
	pad := strings.Repeat(" ", nameW+2)
	for i, n := range names {
		first := n + strings.Repeat(" ", nameW+2-runes(n))
		b.WriteString(wrapIndent(textSafe(summaries[i]), max(width, nameW+22), first, pad))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// verdictLines states the result in sentences: the exact arithmetic, then
// the recommendation and the margins it uses.
func verdictLines(p *capacity.Plan) []string {
	if len(p.Verdict) > 0 {
		return p.Verdict // a queue's plan (capacity/queues.go)
	}
	rec := p.Recommended
	w := p.Workload
	return []string{
		fmt.Sprintf("Partitions: %d by the arithmetic (minimum %d; consumers per group: up to %d); %d recommended at %s headroom.",
			p.Partitions, p.PartitionsMinimum, p.ConsumersPerGroup, rec.Partitions, rec.Headroom),
		fmt.Sprintf("Brokers: %d by the arithmetic at %s disk fill — %s binds; %d recommended at a %s disk-fill target, %s headroom and NICs at most %s busy — %s binds.",
			p.Brokers, w.DiskFillTarget.Percent(), p.BindingConstraint, rec.Brokers, rec.DiskFill.Percent(), rec.Headroom, rec.NetworkTarget.Percent(), rec.BindingConstraint),
	}
}

func roomText(c capacity.Constraint, binding string) string {
	s := fmt.Sprintf("%.0f%%", 100*c.Utilisation)
	if c.Name == binding {
		return s + " (binds)"
	}
	return s
}

func trim2(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// wrapIndent fills s into lines at most width runes long (a longer word
// stands alone), the first line prefixed by first and the rest by rest,
// each ending in a newline.
func wrapIndent(s string, width int, first, rest string) string {
	var b strings.Builder
	line, prefix := "", first
	flush := func() {
		b.WriteString(prefix + line + "\n")
		line, prefix = "", rest
	}
	for _, word := range strings.Fields(s) {
		if line != "" && runes(prefix)+runes(line)+1+runes(word) > width {
			flush()
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" || b.Len() == 0 {
		flush()
	}
	return b.String()
}

// textSafe replaces control characters (an ESC could retitle or recolour
// the reader's terminal) with the replacement character.
func textSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
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
	b.WriteString("| Quantity | Formula | Value | Recommended | Why |\n|---|---|---:|---:|---|\n")
	for _, r := range p.Rows {
		formula := r.Formula
		if r.RecommendedFormula != "" {
			formula += "; recommended: " + r.RecommendedFormula
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(r.Quantity), mdEscape(formula), mdEscape(r.Human), mdEscape(r.RecommendedHuman), mdEscape(r.Why))
	}
	b.WriteString("\n")
	for _, line := range verdictLines(p) {
		fmt.Fprintf(&b, "- %s\n", mdEscape(line))
	}
	rec := p.Recommended
	if len(p.Constraints) > 0 { // an SQS plan has no machines
		fmt.Fprintf(&b, "\n| Constraint | Brokers needed | Use at %d brokers | With margins | Use at %d brokers |\n|---|---:|---:|---:|---:|\n", p.Brokers, rec.Brokers)
		for i, c := range p.Constraints {
			rc := rec.Constraints[i]
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(c.Name), trim2(c.Exact), roomText(c, p.BindingConstraint), trim2(rc.Exact), roomText(rc, rec.BindingConstraint))
		}
	}
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
	row("recommended_disk_fill", w.RecommendedDiskFill)
	row("recommended_headroom", w.RecommendedHeadroom)
	row("recommended_network_target", w.RecommendedNetworkTarget)
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
