package reports

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"

	"mqsim/model/compare"
	"mqsim/scenarios/units"
)

// CompareSystemsText writes the measured comparison table: one block per
// criterion (the seed's rows), a line per system, contradicting cells
// marked ✗ with their reason below; then the decision, when needs were
// given.
func CompareSystemsText(w io.Writer, c *compare.Comparison, verdicts []compare.Verdict, needs []string, width int) error {
	if width <= 0 {
		width = 80
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "System comparison: %s\n", c.Workload)
	writeWrapped(&b, compareSetup(c), width, "", "")
	b.WriteString("\n")
	label := 0
	for _, col := range c.Columns {
		label = max(label, len([]rune(col.Label)))
	}
	for _, crit := range compare.Criteria {
		fmt.Fprintf(&b, "%s\n", strings.ToUpper(crit))
		if s := seedLine(crit); s != "" {
			writeWrapped(&b, s, width, "  seed: ", "        ")
		}
		for _, col := range c.Columns {
			cell := c.Cell(col, crit)
			mark := " "
			if cell.Contradicts {
				mark = "✗"
			}
			pad := strings.Repeat(" ", label-len([]rune(col.Label)))
			first := fmt.Sprintf("  %s %s%s  ", mark, col.Label, pad)
			writeWrapped(&b, cell.Text, width, first, strings.Repeat(" ", len([]rune(first))))
			if cell.Contradicts {
				writeWrapped(&b, cell.Why, width, strings.Repeat(" ", len([]rune(first)))+"why: ", strings.Repeat(" ", len([]rune(first))+5))
			}
		}
		b.WriteString("\n")
	}
	if n := len(c.Contradictions()); n > 0 {
		fmt.Fprintf(&b, "%d cells contradict the seed's table (✗).\n", n)
	} else {
		b.WriteString("No cell contradicts the seed's table at this workload.\n")
	}
	if len(needs) > 0 {
		fmt.Fprintf(&b, "\nDECISION: need %s\n", strings.Join(needs, ", "))
		rank := 0
		for _, v := range verdicts {
			head := "  –  " + v.Label + ": excluded"
			if v.OK {
				rank++
				head = fmt.Sprintf("  %d. %s", rank, v.Label)
			}
			b.WriteString(head + "\n")
			for _, r := range v.Reasons {
				writeWrapped(&b, r, width, "       ", "         ")
			}
		}
		if rank == 0 {
			b.WriteString("  No system meets every need: relax one, or combine systems (SNS in front of SQS, a replicator beside Kafka).\n")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func compareSetup(c *compare.Comparison) string {
	s := fmt.Sprintf("%s/s of %s messages (the workload's peak", units.FormatSI(c.Rate), units.Bytes(c.Plan.Workload.MessageSize))
	if c.Rate < c.PeakRate {
		s += fmt.Sprintf(" %s/s, capped to run in seconds", units.FormatSI(c.PeakRate))
	}
	s += fmt.Sprintf("), keys uniform over %d, %d consumers per group", c.Keys, c.Consumers)
	if c.Service > 0 {
		s += fmt.Sprintf(" at %s per message", units.Duration(c.Service*1e9))
	}
	s += fmt.Sprintf("; each system sized from the capacity plan (%d partitions, %d brokers for Kafka); trials of %s: steady, a consumer crash, a node failure, a replay of the history.",
		c.Plan.Partitions, c.Plan.Brokers, c.Duration)
	return s
}

func seedLine(crit string) string {
	var parts []string
	for _, sys := range []string{"Kafka", "RabbitMQ", "SQS", "Pulsar"} {
		if v := compare.Seed[sys][crit]; v != "" {
			parts = append(parts, sys+" "+v)
		}
	}
	return strings.Join(parts, " · ")
}

// CompareSystemsMarkdown writes the table with criteria as rows and
// systems as columns, as the seed draws it, with footnotes for the cells
// that contradict it.
func CompareSystemsMarkdown(w io.Writer, c *compare.Comparison, verdicts []compare.Verdict, needs []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# System comparison: %s\n\n%s\n\n", c.Workload, compareSetup(c))
	b.WriteString("| Criteria |")
	for _, col := range c.Columns {
		fmt.Fprintf(&b, " %s |", mdText(col.Label))
	}
	b.WriteString("\n|---|")
	for range c.Columns {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	var notes []string
	for _, crit := range compare.Criteria {
		fmt.Fprintf(&b, "| %s |", crit)
		for _, col := range c.Columns {
			cell := c.Cell(col, crit)
			txt := mdText(cell.Text)
			if cell.Contradicts {
				notes = append(notes, fmt.Sprintf("%s, %s: %s", col.Label, crit, cell.Why))
				txt = fmt.Sprintf("✗ %s [%d]", txt, len(notes))
			}
			fmt.Fprintf(&b, " %s |", txt)
		}
		b.WriteString("\n")
	}
	if len(notes) > 0 {
		b.WriteString("\nCells marked ✗ contradict the seed's table:\n\n")
		for i, n := range notes {
			fmt.Fprintf(&b, "%d. %s\n", i+1, mdText(n))
		}
	}
	for _, ch := range compareCharts(c) {
		fmt.Fprintf(&b, "\n![%s](%s)\n", ch.chart.Title, ch.file)
	}
	b.WriteString("\nThe seed's table, for reference:\n\n| Criteria | Kafka | RabbitMQ | SQS | Pulsar |\n|---|---|---|---|---|\n")
	for _, crit := range compare.Criteria {
		if compare.Seed["Kafka"][crit] == "" {
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", crit, compare.Seed["Kafka"][crit], compare.Seed["RabbitMQ"][crit], compare.Seed["SQS"][crit], compare.Seed["Pulsar"][crit])
	}
	if len(needs) > 0 {
		fmt.Fprintf(&b, "\n## Decision: need %s\n\n", strings.Join(needs, ", "))
		for _, v := range verdicts {
			state := "excluded"
			if v.OK {
				state = "fits"
			}
			fmt.Fprintf(&b, "- **%s** (%s): %s\n", mdText(v.Label), state, mdText(strings.Join(v.Reasons, "; ")))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// CompareSystemsHTML is the same report as a self-contained page.
func CompareSystemsHTML(w io.Writer, c *compare.Comparison, verdicts []compare.Verdict, needs []string) error {
	var b bytes.Buffer
	esc := html.EscapeString
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>System comparison: %s</title>\n", esc(c.Workload))
	b.WriteString("<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:90%}.x{background:#fde2e2}</style></head><body>\n")
	fmt.Fprintf(&b, "<h1>System comparison: %s</h1>\n<p>%s</p>\n<table><tr><th>Criteria</th>", esc(c.Workload), esc(compareSetup(c)))
	for _, col := range c.Columns {
		fmt.Fprintf(&b, "<th>%s</th>", esc(col.Label))
	}
	b.WriteString("</tr>\n")
	for _, crit := range compare.Criteria {
		fmt.Fprintf(&b, "<tr><th>%s</th>", esc(crit))
		for _, col := range c.Columns {
			cell := c.Cell(col, crit)
			if cell.Contradicts {
				fmt.Fprintf(&b, "<td class=\"x\">✗ %s<br><small>%s</small></td>", esc(cell.Text), esc(cell.Why))
				continue
			}
			fmt.Fprintf(&b, "<td>%s</td>", esc(cell.Text))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	for _, ch := range compareCharts(c) {
		fmt.Fprintf(&b, "<p><img src=\"%s\" alt=\"%s\" width=\"1000\"></p>\n", ch.file, esc(ch.chart.Title))
	}
	if len(needs) > 0 {
		fmt.Fprintf(&b, "<h2>Decision: need %s</h2>\n<ol>\n", esc(strings.Join(needs, ", ")))
		for _, v := range verdicts {
			state := "excluded"
			if v.OK {
				state = "fits"
			}
			fmt.Fprintf(&b, "<li><b>%s</b> (%s): %s</li>\n", esc(v.Label), state, esc(strings.Join(v.Reasons, "; ")))
		}
		b.WriteString("</ol>\n")
	}
	b.WriteString("</body></html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteCompareSystems writes report.md and report.html into dir, replacing
// an earlier report there as a whole.
func WriteCompareSystems(dir string, c *compare.Comparison, verdicts []compare.Verdict, needs []string) ([]string, error) {
	var md, page bytes.Buffer
	if err := CompareSystemsMarkdown(&md, c, verdicts, needs); err != nil {
		return nil, err
	}
	if err := CompareSystemsHTML(&page, c, verdicts, needs); err != nil {
		return nil, err
	}
	files := []File{{"report.md", md.Bytes()}, {"report.html", page.Bytes()}}
	for _, ch := range compareCharts(c) {
		svg, err := RenderCharts("svg", []Chart{ch.chart}, 1, chartWidth, chartHeight)
		if err != nil {
			return nil, err
		}
		files = append(files, File{ch.file, svg})
	}
	return writeDirAtomic(dir, files)
}

type namedChart struct {
	file  string
	chart Chart
}

// compareCharts draws the consumer-crash trial of every system over time:
// the first group's backlog and the p99 end-to-end latency per interval.
func compareCharts(c *compare.Comparison) []namedChart {
	lag := Chart{Title: "Consumer crash: group-1's backlog", XLabel: "time (s)", YLabel: "messages", AutoLogY: true}
	p99 := Chart{Title: "Consumer crash: p99 end-to-end latency per interval", XLabel: "time (s)", YLabel: "p99", YMillis: true, AutoLogY: true}
	for _, col := range c.Columns {
		r := col.Runs[compare.TrialCrash]
		if r == nil || r.Results == nil {
			continue
		}
		ser := r.Results.Series
		for _, cc := range ser.Columns {
			switch cc.Name {
			case "lag/group-1":
				x, y := Downsample(ser.Time, cc.Values, MaxPoints)
				lag.Series = append(lag.Series, Series{Name: col.Label, X: x, Y: y})
			case "e2e_p99_ms":
				x, y := Downsample(ser.Time, cc.Values, MaxPoints)
				p99.Series = append(p99.Series, Series{Name: col.Label, X: x, Y: y})
			}
		}
	}
	var out []namedChart
	if len(lag.Series) > 0 {
		out = append(out, namedChart{"crash-backlog.svg", lag})
	}
	if len(p99.Series) > 0 {
		out = append(out, namedChart{"crash-p99.svg", p99})
	}
	return out
}
