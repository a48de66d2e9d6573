package reports

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// Run is one finished simulation as `mqsim run` reports it: the model's
// results, the verdict on each expectation, and the wall time it took. Its
// JSON form is the results' keys plus wall_seconds and expectations.
type Run struct {
	*model.Results
	WallSeconds  float64             `json:"wall_seconds"`
	Expectations []scenarios.Verdict `json:"expectations"`

	// Scenario is the resolved scenario that ran (for the setup line and
	// the lesson); Command is how to reproduce the run.
	Scenario *scenarios.Scenario `json:"-"`
	Command  string              `json:"-"`
	// Label names the run among variants ("acks=1"); empty for a lone run.
	Label string `json:"-"`
	// Measured marks a run read from a benchmark result file: measured,
	// not simulated, so it has no delivery ledger and no whys.
	Measured bool `json:"-"`
	// saved is the file a saved run was read from (ParseSaved), for
	// ReplayDiff.
	saved []byte
}

// Passed reports whether every expectation was met.
func (r *Run) Passed() bool { return len(scenarios.Failed(r.Expectations)) == 0 }

// The checker's counts with what each means, in the order a reader wants
// them: what producers were told, then what consumers saw.
var deliveryRows = []struct {
	name, meaning string
	value         func(*model.Results) int64
}{
	{"produced", "messages the producers sent", func(r *model.Results) int64 { return r.Produced }},
	{"acked", "confirmed written by the brokers", func(r *model.Results) int64 { return r.Acked }},
	{"failed", "the producer was told the write failed", func(r *model.Results) int64 { return r.Failed }},
	{"indeterminate", "the producer never learned (timed out; maybe written)", func(r *model.Results) int64 { return r.Indeterminate }},
	{"lost", "acked but never processed: real data loss", func(r *model.Results) int64 { return r.Lost }},
	{"unseen", "acked, still waiting for a consumer when the drain ended", func(r *model.Results) int64 { return r.Unseen }},
	{"duplicates", "processed more than once", func(r *model.Results) int64 { return r.Duplicates }},
	{"reordered", "processed after a later message of the same key", func(r *model.Results) int64 { return r.Reordered }},
}

// RunText writes the summary a person reads in ten seconds.
func RunText(w io.Writer, r *Run) error { return RunTextStyled(w, r, TextStyle{}) }

// RunTextStyled is RunText for a terminal: with st.Color, non-zero lost,
// duplicates and reordered counts are red and expectations green or red.
func RunTextStyled(w io.Writer, r *Run, st TextStyle) error {
	if isServices(r) {
		return servicesText(w, r, st) // run_services.go
	}
	var b bytes.Buffer
	res := r.Results
	width := st.width()
	writeWrapped(&b, fmt.Sprintf("Scenario: %s (seed %d)", res.Scenario, res.Seed), width, "", "")
	if r.Scenario != nil && r.Scenario.Description != "" {
		writeWrapped(&b, r.Scenario.Description, width, "", "")
	}
	b.WriteString("\n")
	if r.Scenario != nil {
		writeWrapped(&b, setupLine(r.Scenario), width, "Setup:     ", "           ")
	}
	writeWrapped(&b, fmt.Sprintf("%s in %s wall (%s events%s, %s× real time)",
		fmtSeconds(res.SimSeconds), fmtSeconds(r.WallSeconds), humanize.Comma(int64(res.Events)), perMessage(res), speedup(res.SimSeconds, r.WallSeconds)),
		width, "Simulated: ", "           ")
	b.WriteString("\n")

	if line := logsLine(res); line != "" {
		fmt.Fprintf(&b, "Logs:      %s\n\n", strings.ReplaceAll(wrap(line, 77), "\n", "\n           "))
	}
	rows := [][]string{{"DELIVERY", "", ""}}
	for _, row := range deliveryRows {
		rows = append(rows, []string{"  " + row.name, humanize.Comma(row.value(res)), deliveryMeaning(row.name, row.meaning, r.Scenario)})
	}
	writeTableFit(&b, rows, "lrl", func(ri, ci int, cell string) string {
		if ri == 0 || ci != 1 {
			return cell
		}
		return st.badCount(deliveryRows[ri-1].name)(cell)
	}, width, true)

	b.WriteString("\nWHY\n")
	for _, y := range Whys(r) {
		writeWrapped(&b, fmt.Sprintf("%s %s: %s.", y.What, humanize.Comma(y.Count), y.Why), width, "  ", "    ")
	}

	b.WriteString("\n")
	rows = [][]string{{"LATENCY", "p50", "p90", "p99", "p99.9", "max"}}
	for _, l := range []struct {
		name string
		l    model.Latency
	}{{"  produce → processed", res.E2ELatency}, {"  produce → acked", res.AckLatency}} {
		rows = append(rows, append([]string{l.name}, latencyCells(l.l)...))
	}
	writeTableFit(&b, rows, "lrrrrr", nil, width, false)

	if len(res.Groups) > 0 {
		b.WriteString("\n")
		rows = [][]string{{"CONSUMER LAG (messages)", "max", "worst partition", "final", "processed"}}
		for _, g := range res.Groups {
			rows = append(rows, []string{fmt.Sprintf("  %s (%d consumers)", g.Name, g.Consumers),
				humanize.Comma(g.MaxLag), humanize.Comma(g.MaxPartLag), humanize.Comma(g.FinalLag), humanize.Comma(g.Processed)})
		}
		writeTableFit(&b, rows, "lrrrr", nil, width, false)
	}

	b.WriteString("\n")
	const hang = "             "
	writeWrapped(&b, fmt.Sprintf("in %s msg/s (%s/s), out %s msg/s",
		units.FormatSI(res.ThroughputIn), units.FormatBytes(res.ThroughputInBytes), units.FormatSI(res.ThroughputOut)), width, "Throughput:  ", hang)
	if r.Scenario != nil && r.Scenario.System == scenarios.SystemSQS {
		writeWrapped(&b, sqsServiceLine(res), width, "SQS:         ", hang) // run_sqs.go
	} else if r.Scenario != nil && r.Scenario.SystemName() == scenarios.SystemRabbitMQ {
		writeWrapped(&b, rabbitQueuesLine(res), width, "Queues:      ", hang) // run_queues.go
		writeWrapped(&b, fmt.Sprintf("busiest resource %s busy on average", pct(res.MaxBrokerUtilisation)), width, "Nodes:       ", hang)
	} else if label, line, ok := fanoutServiceLine(r); ok { // run_sns.go, run_pubsub.go
		writeWrapped(&b, line, width, label, hang)
	} else if r.Scenario != nil && r.Scenario.System == scenarios.SystemPulsar && r.Scenario.Pulsar != nil {
		bk, ml, rd := pulsarLines(res) // run_pulsar.go
		writeWrapped(&b, bk, width, "BookKeeper:  ", hang)
		writeWrapped(&b, ml, width, "Ledgers:     ", hang)
		writeWrapped(&b, rd, width, "Dispatch:    ", hang)
		writeWrapped(&b, fmt.Sprintf("busiest resource %s busy on average", pct(res.MaxBrokerUtilisation)), width, "Machines:    ", hang)
	} else {
		writeWrapped(&b, fmt.Sprintf("min ISR %d, under-replicated partitions at most %d (%d at the end), %d ISR shrinks",
			res.MinISR, res.MaxUnderReplicated, res.FinalUnderReplicated, res.ISRShrinks), width, "Replication: ", hang)
		writeWrapped(&b, fmt.Sprintf("busiest resource %s busy on average", pct(res.MaxBrokerUtilisation)), width, "Brokers:     ", hang)
		if line := batchLine(res); line != "" {
			writeWrapped(&b, line, width, "Batches:     ", hang)
		}
		writeKafkaGeo(&b, res, width) // run_kafkageo.go
	}
	b.WriteString(limitsNote(res, "", false)) // reports/limits.go
	writeEventSourcing(&b, res, width)        // run_eventsource.go
	writeTransactions(&b, res, width)         // run_txn.go
	writeNotApplied(&b, []*Run{r}, width)     // notapplied.go
	if allShare(r.Scenario) {
		writeWrapped(&b, shareLine(res), width, "\nShare groups: ", "              ") // run_queues.go
	}

	writeRunFooter(&b, r, st, width)
	_, err := io.WriteString(w, terminalText(b.String()))
	return err
}

// writeRunFooter writes a run's expectations, each marked met or not, and
// the command that reproduces it.
func writeRunFooter(b *bytes.Buffer, r *Run, st TextStyle, width int) {
	if len(r.Expectations) > 0 {
		b.WriteString("\n")
		failed := len(scenarios.Failed(r.Expectations))
		fmt.Fprintf(b, "EXPECTATIONS: %d of %d met\n", len(r.Expectations)-failed, len(r.Expectations))
		rows := [][]string{}
		for _, v := range r.Expectations {
			rows = append(rows, []string{"  " + mark(v) + " " + v.Metric, v.Condition, measured(v)})
		}
		writeTableFit(b, rows, "lll", func(ri, ci int, cell string) string {
			if ci != 0 {
				return cell
			}
			if r.Expectations[ri].Pass {
				return st.paint(ansiGreen, cell)
			}
			return st.paint(ansiRed, cell)
		}, width, false)
	}
	if r.Command != "" {
		b.WriteString("\n")
		writeCommand(b, r.Command, width, "Reproduce: ")
	}
}

// RunMarkdown writes the summary as Markdown for a design document.
func RunMarkdown(w io.Writer, r *Run) error {
	if isServices(r) {
		return servicesMarkdown(w, r) // run_services.go
	}
	var b bytes.Buffer
	res := r.Results
	fmt.Fprintf(&b, "## Scenario: %s (seed %d)\n\n", mdText(res.Scenario), res.Seed)
	lead, _ := Headline([]*Run{r})
	fmt.Fprintf(&b, "**%s**\n\n", mdText(lead))
	if r.Scenario != nil {
		if r.Scenario.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", mdInline(r.Scenario.Description))
		}
		fmt.Fprintf(&b, "**Setup:** %s. ", mdText(setupLine(r.Scenario)))
	}
	fmt.Fprintf(&b, "**Simulated:** %s in %s wall (%s events%s).\n\n", fmtSeconds(res.SimSeconds), fmtSeconds(r.WallSeconds), humanize.Comma(int64(res.Events)), perMessage(res))
	if line := logsLine(res); line != "" {
		fmt.Fprintf(&b, "**Logs:** %s\n\n", mdEscape(line))
	}

	b.WriteString("| Delivery | Messages | Meaning |\n|---|---:|---|\n")
	for _, row := range deliveryRows {
		n := humanize.Comma(row.value(res))
		if isBadCount(row.name, row.value(res)) {
			n = "**" + n + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", row.name, n, deliveryMeaning(row.name, row.meaning, r.Scenario))
	}
	b.WriteString("\n")
	for _, y := range Whys(r) {
		fmt.Fprintf(&b, "- **%s %s:** %s.\n", y.What, humanize.Comma(y.Count), mdText(y.Why))
	}
	b.WriteString("\n| Latency | p50 | p90 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|\n")
	for _, l := range []struct {
		name string
		l    model.Latency
	}{{"produce → processed", res.E2ELatency}, {"produce → acked", res.AckLatency}} {
		fmt.Fprintf(&b, "| %s | %s |\n", l.name, strings.Join(latencyCells(l.l), " | "))
	}
	if len(res.Groups) > 0 {
		b.WriteString("\n| Consumer group | Consumers | Max lag | Worst partition | Final lag | Processed |\n|---|---:|---:|---:|---:|---:|\n")
		for _, g := range res.Groups {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", mdText(g.Name), g.Consumers,
				humanize.Comma(g.MaxLag), humanize.Comma(g.MaxPartLag), humanize.Comma(g.FinalLag), humanize.Comma(g.Processed))
		}
	}
	if label, line, ok := fanoutServiceLine(r); ok { // run_sns.go: a managed service has no ISR or brokers
		fmt.Fprintf(&b, "\nThroughput in %s msg/s (%s/s), out %s msg/s. %s %s.\n",
			units.FormatSI(res.ThroughputIn), units.FormatBytes(res.ThroughputInBytes), units.FormatSI(res.ThroughputOut),
			strings.TrimSpace(label), line)
	} else {
		fmt.Fprintf(&b, "\nThroughput in %s msg/s (%s/s), out %s msg/s. Min ISR %d; under-replicated partitions at most %d. Busiest broker resource %s busy.\n",
			units.FormatSI(res.ThroughputIn), units.FormatBytes(res.ThroughputInBytes), units.FormatSI(res.ThroughputOut),
			res.MinISR, res.MaxUnderReplicated, pct(res.MaxBrokerUtilisation))
	}
	b.WriteString(limitsNote(res, "", true))       // reports/limits.go
	if s, ok := notAppliedSection([]*Run{r}); ok { // notapplied.go
		fmt.Fprintf(&b, "\n**Not applied** (settings this system does not have):\n\n")
		for _, na := range s.Bullets {
			fmt.Fprintf(&b, "- %s\n", mdText(na))
		}
	}
	if len(r.Expectations) > 0 {
		failed := len(scenarios.Failed(r.Expectations))
		fmt.Fprintf(&b, "\n**Expectations: %d of %d met**\n\n| | Metric | Condition | Measured |\n|---|---|---|---:|\n", len(r.Expectations)-failed, len(r.Expectations))
		for _, v := range r.Expectations {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mark(v), mdCode(v.Metric), mdCode(v.Condition), mdText(measured(v)))
		}
	}
	if r.Command != "" {
		fmt.Fprintf(&b, "\nReproduce with %s.\n", mdCode(r.Command))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// setupLine states the shape of the scenario in one line.
func setupLine(s *scenarios.Scenario) string {
	if s.System == scenarios.SystemSQS && s.SQS != nil {
		return sqsSetupLine(s) // run_sqs.go
	}
	if s.System == scenarios.SystemPulsar && s.Pulsar != nil {
		return pulsarSetupLine(s) // run_pulsar.go
	}
	if s.System == scenarios.SystemServices && s.Services != nil {
		return servicesSetupLine(s) // run_services.go
	}
	if line, ok := fanoutSetupLine(s); ok { // run_sns.go, run_pubsub.go
		return line
	}
	parts := []string{fmt.Sprintf("%d brokers (%s)", s.Cluster.Brokers, s.Cluster.Profile)}
	for _, t := range s.Topics {
		parts = append(parts, fmt.Sprintf("topic %s: %d partitions, RF %d", t.Name, t.Partitions, t.ReplicationFactor))
	}
	for _, p := range s.Producers {
		idem := ""
		if p.EnableIdempotence != nil && *p.EnableIdempotence {
			idem = ", idempotent"
		}
		parts = append(parts, fmt.Sprintf("%s msg/s of %s, acks=%s%s", units.FormatSI(float64(p.Rate)), p.MessageSize.Spec, p.Acks, idem))
	}
	for _, g := range s.ConsumerGroups {
		parts = append(parts, fmt.Sprintf("group %s: %d consumers, %s each", g.Name, g.Consumers, g.Processing.Spec))
	}
	return strings.Join(parts, "; ")
}

func mark(v scenarios.Verdict) string {
	if v.Pass {
		return "✓"
	}
	return "✗"
}

// measured is the value an expectation saw, in its metric's unit.
func measured(v scenarios.Verdict) string {
	if v.Error != "" {
		return "(" + v.Error + ")"
	}
	return "was " + FormatMetric(v.Value, v.Kind)
}

// FormatMetric prints a metric value in the unit its kind implies.
func FormatMetric(v float64, kind string) string {
	switch kind {
	case scenarios.KindDuration:
		return fmtSeconds(v)
	case scenarios.KindRate:
		return units.FormatSI(v) + "/s"
	case scenarios.KindRatio:
		return pct(v)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return humanize.Comma(int64(v))
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func fmtMillis(ms float64) string { return fmtSeconds(ms / 1000) }

// fmtSeconds prints a duration with three significant digits: 850µs, 4.2ms, 1.35s.
func fmtSeconds(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s < 0:
		return "-" + fmtSeconds(-s)
	case s < 1e-3:
		return trimSig(s*1e6) + "µs"
	case s < 1:
		return trimSig(s*1e3) + "ms"
	case s < 120:
		return trimSig(s) + "s"
	}
	return units.Duration(math.Round(s) * float64(units.Second)).String()
}

func trimSig(v float64) string {
	s := strconv.FormatFloat(v, 'f', max(0, 2-int(math.Floor(math.Log10(math.Abs(v))))), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func pct(f float64) string { return trimSig(f*100) + "%" }

// perMessage is ", N per message" for a run that produced messages.
func perMessage(res *model.Results) string {
	if res.EventsPerMessage <= 0 {
		return ""
	}
	return ", " + trimSig(res.EventsPerMessage) + " per message"
}

func speedup(sim, wall float64) string {
	if wall <= 0 {
		return "–"
	}
	return trimSig(sim / wall)
}

func latencyCells(l model.Latency) []string {
	if l.Count == 0 {
		return []string{"–", "–", "–", "–", "–"}
	}
	return []string{fmtMillis(l.P50), fmtMillis(l.P90), fmtMillis(l.P99), fmtMillis(l.P999), fmtMillis(l.Max)}
}

// writeTable writes rows as aligned columns, two spaces apart; align has
// one letter per column, l (left) or r (right). Widths count runes, so
// arrows and µ line up.
func writeTable(b *bytes.Buffer, rows [][]string, align string) {
	writeTableStyled(b, rows, align, nil)
}

// batchLine gives each producer's batch-size distribution — records and
// bytes per produce batch, median, p99 and largest — or "" when no
// producer sent a batch (the full histogram is in the JSON).
func batchLine(res *model.Results) string {
	var parts []string
	for _, p := range res.Producers {
		r, by := p.BatchRecords, p.BatchBytes
		if r.Count == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s batches of %.0f records p50, %.0f p99, %.0f max (%s p50, %s p99)",
			p.Name, humanize.Comma(r.Count), r.P50, r.P99, r.Max, units.Bytes(by.P50), units.Bytes(by.P99)))
	}
	return strings.Join(parts, "; ")
}
