package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"github.com/dustin/go-humanize"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// isServices reports whether a run is a service graph's (system: services).
func isServices(r *Run) bool {
	return r != nil && r.Scenario != nil && r.Scenario.System == scenarios.SystemServices && r.Scenario.Services != nil
}

// servicesSetupLine is setupLine for a service graph: its services, the
// client and the faults.
func servicesSetupLine(s *scenarios.Scenario) string {
	c := s.Services
	var sync, async int
	vias := map[string]bool{}
	for _, sv := range c.Graph {
		for _, k := range sv.Calls {
			if k.Mode == scenarios.CallAsync {
				async++
				if k.Via != nil {
					vias[k.Via.System] = true
				}
			} else {
				sync++
			}
		}
	}
	client := fmt.Sprintf("client %s requests/s (%s) into %s", units.FormatSI(float64(c.Client.Rate)), c.Client.Arrival, c.Client.Entry)
	if c.Client.Users > 0 {
		client = fmt.Sprintf("%d users thinking %s into %s", c.Client.Users, c.Client.ThinkTime.Spec, c.Client.Entry)
	}
	parts := []string{fmt.Sprintf("%d services, %d synchronous and %d asynchronous calls", len(c.Graph), sync, async), client}
	for _, sys := range scenarios.ViaSystems {
		if !vias[sys] {
			continue
		}
		switch sys {
		case scenarios.ViaSQS:
			parts = append(parts, fmt.Sprintf("async calls through SQS queues (%s per API call)", c.Queue.RequestLatency))
		case scenarios.ViaRabbitMQ:
			parts = append(parts, "async calls through RabbitMQ quorum queues")
		case scenarios.ViaPulsar:
			parts = append(parts, "async calls through Pulsar topics (shared subscriptions)")
		case scenarios.ViaKafka:
			parts = append(parts, "async calls through Kafka topics (a consumer group each)")
		}
	}
	for _, f := range c.Faults {
		p := fmt.Sprintf("%s %s at %s", f.Service, f.Type, f.At)
		if f.Duration > 0 {
			p += " for " + f.Duration.String()
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// servicesText is RunTextStyled for a service graph: the edge, latency and
// one row per service instead of the delivery ledger.
func servicesText(w io.Writer, r *Run, st TextStyle) error {
	var b bytes.Buffer
	res := r.Results
	width := st.width()
	writeWrapped(&b, fmt.Sprintf("Scenario: %s (seed %d)", res.Scenario, res.Seed), width, "", "")
	if r.Scenario.Description != "" {
		writeWrapped(&b, r.Scenario.Description, width, "", "")
	}
	b.WriteString("\n")
	writeWrapped(&b, servicesSetupLine(r.Scenario), width, "Setup:     ", "           ")
	writeWrapped(&b, fmt.Sprintf("%s in %s wall (%s events, %s× real time)",
		fmtSeconds(res.SimSeconds), fmtSeconds(r.WallSeconds), humanize.Comma(int64(res.Events)), speedup(res.SimSeconds, r.WallSeconds)),
		width, "Simulated: ", "           ")
	b.WriteString("\n")
	writeTableFit(&b, servicesEdgeRows(res), "lrl", nil, width, true)
	b.WriteString("\n")
	rows := [][]string{{"LATENCY", "p50", "p90", "p99", "p99.9", "max"},
		append([]string{"  edge (successful requests)"}, latencyCells(res.E2ELatency)...)}
	if res.Services.AsyncLatency.Count > 0 {
		rows = append(rows, append([]string{"  request → async work done"}, latencyCells(res.Services.AsyncLatency)...))
	}
	writeTableFit(&b, rows, "lrrrrr", nil, width, false)
	b.WriteString("\n")
	rows = servicesRows(res, "  ")
	writeTableFit(&b, rows, "l"+strings.Repeat("r", len(rows[0])-1), nil, width, false)
	writeWrapped(&b, "pool: instances x threads; util: mean share of threads busy; queue: longest accept queue; full at: every thread busy for a second or more, first from", width, "  ", "  ")
	b.WriteString("\n")
	const hang = "             "
	writeWrapped(&b, servicesCallsLine(res), width, "Calls:       ", hang)
	if res.Services.AsyncLatency.Count > 0 || res.Services.AsyncBacklog > 0 {
		writeWrapped(&b, servicesBrokerLine(res), width, "Broker:      ", hang)
	}
	writeRunFooter(&b, r, st, width)
	_, err := io.WriteString(w, terminalText(b.String()))
	return err
}

func servicesEdgeRows(res *model.Results) [][]string {
	x := &res.Services
	return [][]string{
		{"EDGE", "", ""},
		{"  requests", humanize.Comma(res.Produced), "sent by the client"},
		{"  succeeded", humanize.Comma(res.Acked), "answered OK before the client's timeout"},
		{"  failed", humanize.Comma(res.Failed), "an error, a rejection or a timeout somewhere on the path"},
		{"  client timeouts", humanize.Comma(x.EdgeTimeouts), "of those, given up on by the client"},
		{"  availability", pct(x.Availability), "succeeded ÷ requests"},
		{"  goodput", units.FormatSI(x.Goodput) + "/s", fmt.Sprintf("successes per second (the worst sample: %s/s)", units.FormatSI(x.MinGoodput))},
	}
}

// servicesRows is the per-service table; the columns of counts no
// service has (timeouts, rejections, retries, a backlog) are left out so
// it fits a terminal.
func servicesRows(res *model.Results, indent string) [][]string {
	stats := res.Services.ServiceStats
	type col struct {
		head string
		cell func(s model.ServiceResult) string
		any  bool
	}
	count := func(v int64) string { return humanize.Comma(v) }
	cols := []col{
		{"pool", func(s model.ServiceResult) string { return fmt.Sprintf("%dx%d", s.Instances, s.Threads) }, true},
		{"done/s", func(s model.ServiceResult) string { return units.FormatSI(s.Throughput) }, true},
		{"util", func(s model.ServiceResult) string { return pct(s.MeanUtilisation) }, true},
		{"queue", func(s model.ServiceResult) string { return count(s.MaxQueue) }, true},
		{"full at", func(s model.ServiceResult) string {
			if s.ExhaustedAt < 0 {
				return "–"
			}
			return fmtSeconds(s.ExhaustedAt)
		}, true},
		{"timeouts", func(s model.ServiceResult) string { return count(s.Timeouts) }, false},
		{"rejected", func(s model.ServiceResult) string { return count(s.Rejected) }, false},
		{"retries", func(s model.ServiceResult) string { return count(s.Retries) }, false},
		{"backlog", func(s model.ServiceResult) string { return count(s.MaxBacklog) }, false},
	}
	for _, s := range stats {
		cols[5].any = cols[5].any || s.Timeouts > 0
		cols[6].any = cols[6].any || s.Rejected > 0
		cols[7].any = cols[7].any || s.Retries > 0
		cols[8].any = cols[8].any || s.MaxBacklog > 0 || s.AsyncProcessed > 0
	}
	head := []string{"SERVICES"}
	for _, c := range cols {
		if c.any {
			head = append(head, c.head)
		}
	}
	rows := [][]string{head}
	for _, s := range stats {
		row := []string{indent + s.Name}
		for _, c := range cols {
			if c.any {
				row = append(row, c.cell(s))
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func servicesCallsLine(res *model.Results) string {
	x := &res.Services
	return fmt.Sprintf("%s timeouts, %s rejections, %s retries (%s denied by retry budgets), %s short-circuited by %s breaker openings; %s attempts reach the deepest service per edge request; %d services ran out of threads",
		humanize.Comma(x.CallTimeouts), humanize.Comma(x.Rejections), humanize.Comma(x.CallRetries), humanize.Comma(x.BudgetDenied),
		humanize.Comma(x.ShortCircuited), humanize.Comma(x.BreakerOpens), trimSig(x.LeafAmplification), x.ExhaustedServices)
}

func servicesBrokerLine(res *model.Results) string {
	if res.QueueService.APIRequests == 0 {
		return fmt.Sprintf("largest backlog %s, %s at the end, %s redelivered, %s dead-lettered",
			humanize.Comma(res.Services.AsyncBacklog), humanize.Comma(res.Services.AsyncFinalBacklog), humanize.Comma(res.Redelivered), humanize.Comma(res.DeadLettered))
	}
	return fmt.Sprintf("%s SQS API calls (%s empty receives), largest backlog %s, %s at the end, %s redelivered, %s dead-lettered",
		humanize.Comma(res.QueueService.APIRequests), humanize.Comma(res.QueueService.EmptyReceives), humanize.Comma(res.Services.AsyncBacklog),
		humanize.Comma(res.Services.AsyncFinalBacklog), humanize.Comma(res.Redelivered), humanize.Comma(res.DeadLettered))
}

// servicesMarkdown is RunMarkdown for a service graph.
func servicesMarkdown(w io.Writer, r *Run) error {
	var b bytes.Buffer
	res := r.Results
	fmt.Fprintf(&b, "## Scenario: %s (seed %d)\n\n", mdText(res.Scenario), res.Seed)
	if r.Scenario.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", mdInline(r.Scenario.Description))
	}
	fmt.Fprintf(&b, "**Setup:** %s. **Simulated:** %s in %s wall (%s events).\n\n", mdText(servicesSetupLine(r.Scenario)),
		fmtSeconds(res.SimSeconds), fmtSeconds(r.WallSeconds), humanize.Comma(int64(res.Events)))
	b.WriteString("| Edge | | |\n|---|---:|---|\n")
	for _, row := range servicesEdgeRows(res)[1:] {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.TrimSpace(row[0]), row[1], mdText(row[2]))
	}
	b.WriteString("\n| Latency | p50 | p90 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| edge (successful requests) | %s |\n", strings.Join(latencyCells(res.E2ELatency), " | "))
	if res.Services.AsyncLatency.Count > 0 {
		fmt.Fprintf(&b, "| request → async work done | %s |\n", strings.Join(latencyCells(res.Services.AsyncLatency), " | "))
	}
	rows := servicesRows(res, "")
	fmt.Fprintf(&b, "\n| %s |\n|---%s|\n", strings.Join(rows[0], " | "), strings.Repeat("|---:", len(rows[0])-1))
	for _, row := range rows[1:] {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
	}
	fmt.Fprintf(&b, "\n**Calls:** %s.\n", mdText(servicesCallsLine(res)))
	if res.Services.AsyncLatency.Count > 0 || res.Services.AsyncBacklog > 0 {
		fmt.Fprintf(&b, "\n**Broker:** %s.\n", mdText(servicesBrokerLine(res)))
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

// servicesVariants reports whether every variant is a service graph's run.
func servicesVariants(variants []Variant) bool {
	if len(variants) == 0 {
		return false
	}
	for _, v := range variants {
		if v.Results == nil || len(v.Results.Services.ServiceStats) == 0 {
			return false
		}
	}
	return true
}

// ServicesCharts are a service graph's plots: the edge's goodput (and
// failures) over time with the faults marked, the edge's p99 latency, and
// a utilisation heat map per variant (service × time), so a reader sees a
// cascade travel up the graph.
func ServicesCharts(title string, variants []Variant, markers []Marker) []Chart {
	zero, one := 0.0, 1.0
	const simTime = "simulated time (s)"
	good := Chart{Title: title + ": edge goodput", XLabel: simTime, YLabel: "requests/s", Markers: markers, YMin: &zero}
	lat := Chart{Title: title + ": edge response time", XLabel: simTime, YLabel: "latency", Markers: markers, YMin: &zero, AutoLogY: true, YMillis: true}
	backlog := Chart{Title: title + ": async backlog", XLabel: simTime, YLabel: "messages in broker queues", Markers: markers, YMin: &zero}
	breakers := Chart{Title: title + ": open circuit breakers", XLabel: simTime, YLabel: "breakers open or half-open", Markers: markers, YMin: &zero}
	many := len(variants) > 1
	var heats []Chart
	for vi, v := range variants {
		gapped := *v.Results
		gapped.Series = *WithGaps(&v.Results.Series)
		v.Results = &gapped
		good.addLine(line(v, vi, many, "goodput_per_s", "goodput"))
		sr, ok := line(v, vi, many, "failed_per_s", "failed")
		sr.Dashed = true
		good.addLine(sr, ok)
		lat.addLine(line(v, vi, many, "e2e_p99_ms", "p99"))
		s := &v.Results.Series
		for _, name := range groupsOf(s, "backlog/") {
			backlog.addLine(line(v, vi, many, "backlog/"+name, "backlog "+name))
		}
		for _, name := range groupsOf(s, "breaker_open/") {
			breakers.addLine(line(v, vi, many, "breaker_open/"+name, "calls of "+name))
		}
		h := Chart{Title: title + ": thread pool utilisation", XLabel: simTime, YLabel: "service", Markers: markers, YMin: &zero, YMax: &one}
		if many {
			h.Title += " (" + v.Label + ")"
		}
		grid := &HeatGrid{X: s.Time}
		stats := v.Results.Services.ServiceStats
		for i := len(stats) - 1; i >= 0; i-- { // the entry on top
			grid.Rows = append(grid.Rows, stats[i].Name)
			grid.Z = append(grid.Z, s.Column("util/"+stats[i].Name))
		}
		h.Heat = grid
		heats = append(heats, h)
	}
	charts := []Chart{good, lat}
	if len(backlog.Series) > 0 {
		charts = append(charts, backlog)
	}
	if len(breakers.Series) > 0 {
		charts = append(charts, breakers)
	}
	return append(charts, heats...)
}

// HeatGrid is a heat map's data: one row per name (bottom to top), one
// column per time in X, values Z[row][column] from 0 to 1.
type HeatGrid struct {
	X    []float64
	Rows []string
	Z    [][]float64
}

// heatXYZ adapts HeatGrid to plotter.GridXYZ.
type heatXYZ struct{ g *HeatGrid }

func (h heatXYZ) Dims() (c, r int) { return len(h.g.X), len(h.g.Rows) }
func (h heatXYZ) X(c int) float64  { return h.g.X[c] }
func (h heatXYZ) Y(r int) float64  { return float64(r) }
func (h heatXYZ) Z(c, r int) float64 {
	if c >= len(h.g.Z[r]) {
		return 0
	}
	v := h.g.Z[r][c]
	if math.IsNaN(v) {
		return 0
	}
	return min(max(v, 0), 1)
}

// heatPalette runs from white (idle) through amber to dark red (every
// thread busy).
type heatPalette struct{}

func (heatPalette) Colors() []color.Color {
	const n = 64
	out := make([]color.Color, n)
	for i := range out {
		t := float64(i) / (n - 1)
		var r, g, b float64
		if t < 0.5 {
			u := t / 0.5
			r, g, b = 255, 255-u*(255-176), 255-u*255
		} else {
			u := (t - 0.5) / 0.5
			r, g, b = 255-u*(255-153), 176-u*176, 0
		}
		out[i] = color.RGBA{uint8(r), uint8(g), uint8(b), 255}
	}
	return out
}

// buildHeat draws a heat map chart.
func (c Chart) buildHeat() (*plot.Plot, *legend, error) {
	p := plot.New()
	sansFont(p)
	p.Title.Text = Clean(c.Title)
	p.X.Label.Text = Clean(c.XLabel)
	p.X.Tick.Marker = humanTicks{}
	g := c.Heat
	if len(g.X) == 0 || len(g.Rows) == 0 {
		return p, &legend{Legend: plot.NewLegend()}, nil
	}
	hm := plotter.NewHeatMap(heatXYZ{g}, heatPalette{})
	hm.Min, hm.Max = 0, 1
	p.Add(hm)
	ticks := make([]plot.Tick, len(g.Rows))
	for i, n := range g.Rows {
		ticks[i] = plot.Tick{Value: float64(i), Label: Clean(n)}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.5, float64(len(g.Rows))-0.5
	for _, m := range c.Markers {
		l, err := plotter.NewLine(plotter.XYs{{X: m.X, Y: -0.5}, {X: m.X, Y: float64(len(g.Rows)) - 0.5}})
		if err != nil {
			return nil, nil, err
		}
		l.Color = color.Black
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
	leg := &legend{Legend: plot.NewLegend()}
	return p, leg, nil
}

// servicesRuns reports whether every run is a service graph's.
func servicesRuns(runs []*Run) bool {
	for _, r := range runs {
		if !isServices(r) {
			return false
		}
	}
	return len(runs) > 0
}

// servicesCompareRows are the rows of a comparison of service-graph
// runs: a header of labels, then sections (a name and empty cells) and
// indented rows, one column per run.
func servicesCompareRows(runs []*Run) [][]string {
	head := []string{""}
	for _, r := range runs {
		head = append(head, r.Label)
	}
	rows := [][]string{head}
	section := func(name string) { rows = append(rows, append([]string{name}, make([]string, len(runs))...)) }
	add := func(name string, cell func(res *model.Results) string) {
		row := []string{"  " + name}
		for _, r := range runs {
			row = append(row, cell(r.Results))
		}
		rows = append(rows, row)
	}
	ms := func(v float64, n int64) string {
		if n == 0 {
			return "–"
		}
		return fmtMillis(v)
	}
	section("EDGE")
	add("requests", func(res *model.Results) string { return humanize.Comma(res.Produced) })
	add("succeeded", func(res *model.Results) string { return humanize.Comma(res.Acked) })
	add("failed", func(res *model.Results) string { return humanize.Comma(res.Failed) })
	add("availability", func(res *model.Results) string { return pct(res.Services.Availability) })
	add("goodput (/s)", func(res *model.Results) string { return units.FormatSI(res.Services.Goodput) })
	add("worst goodput (/s)", func(res *model.Results) string { return units.FormatSI(res.Services.MinGoodput) })
	add("last-quarter goodput (/s)", func(res *model.Results) string { return units.FormatSI(res.LateGoodput) })
	section("LATENCY")
	add("edge p50", func(res *model.Results) string { return ms(res.E2ELatency.P50, res.E2ELatency.Count) })
	add("edge p99", func(res *model.Results) string { return ms(res.E2ELatency.P99, res.E2ELatency.Count) })
	add("async work done p50", func(res *model.Results) string {
		return ms(res.Services.AsyncLatency.P50, res.Services.AsyncLatency.Count)
	})
	add("async work done p99", func(res *model.Results) string {
		return ms(res.Services.AsyncLatency.P99, res.Services.AsyncLatency.Count)
	})
	add("max backlog", func(res *model.Results) string { return humanize.Comma(res.Services.AsyncBacklog) })
	section("CALLS")
	add("timeouts", func(res *model.Results) string { return humanize.Comma(res.Services.CallTimeouts) })
	add("rejections", func(res *model.Results) string { return humanize.Comma(res.Services.Rejections) })
	add("retries", func(res *model.Results) string { return humanize.Comma(res.Services.CallRetries) })
	add("short-circuited", func(res *model.Results) string { return humanize.Comma(res.Services.ShortCircuited) })
	add("services out of threads", func(res *model.Results) string { return humanize.Comma(res.Services.ExhaustedServices) })
	return rows
}

// servicesCompareText is CompareText for service graphs: the edge, its
// latency, the asynchronous work and the calls, one column per variant.
func servicesCompareText(w io.Writer, runs []*Run, st TextStyle) error {
	var b bytes.Buffer
	width := st.width()
	first := runs[0].Results
	writeWrapped(&b, fmt.Sprintf("Scenario: %s (seed %d), %d variants", first.Scenario, first.Seed, len(runs)), width, "", "")
	b.WriteString("\n")
	rows := servicesCompareRows(runs)
	exp := []string{"EXPECTATIONS MET"}
	for _, r := range runs {
		failed := len(scenarios.Failed(r.Expectations))
		exp = append(exp, fmt.Sprintf("%d of %d", len(r.Expectations)-failed, len(r.Expectations)))
	}
	rows = append(rows, exp)
	for i, group := range columnGroups(rows, width) {
		if i > 0 {
			b.WriteString("\n")
		}
		part := make([][]string, len(rows))
		for ri, r := range rows {
			part[ri] = []string{r[0]}
			for _, c := range group {
				part[ri] = append(part[ri], r[c])
			}
		}
		writeTableFit(&b, part, "l"+strings.Repeat("r", len(group)), nil, width, false)
	}
	_, err := io.WriteString(w, terminalText(b.String()))
	return err
}

// servicesHeadline is the review's lead for service graphs: each run's
// availability and worst goodput; bad when a run lost more than 1% of its
// requests.
func servicesHeadline(runs []*Run) (string, bool) {
	var parts []string
	bad := false
	for _, r := range runs {
		x := &r.Results.Services
		subject := r.Label
		if subject == "" {
			subject = "The edge"
		}
		parts = append(parts, fmt.Sprintf("%s: availability %s, goodput %s/s at worst, %d services out of threads",
			subject, pct(x.Availability), units.FormatSI(x.MinGoodput), x.ExhaustedServices))
		bad = bad || x.Availability < 0.99
	}
	return strings.Join(parts, "; ") + ".", bad
}

// servicesPage is Review.Page for service graphs: the edge, the services
// and the calls instead of a broker's ledger.
func (rv Review) servicesPage(p Page, figures []Figure) Page {
	first := rv.Runs[0]
	p.Lead, p.LeadBad = servicesHeadline(rv.Runs)
	if first.Scenario.Description != "" {
		p.Sections = append(p.Sections, Section{Heading: "The lesson", Paragraphs: []string{first.Scenario.Description}})
	}
	p.Sections = append(p.Sections, Section{Heading: "Setup", Paragraphs: []string{servicesSetupLine(first.Scenario) + "."}})
	rows := servicesCompareRows(rv.Runs)
	cmp := Table{Header: append([]string{"Edge"}, rows[0][1:]...)}
	if len(rv.Runs) == 1 {
		cmp.Header[1] = "Value"
	}
	for i := range cmp.Header {
		cmp.Numeric = append(cmp.Numeric, i > 0)
	}
	for _, r := range rows[1:] {
		cmp.Rows = append(cmp.Rows, append([]string{strings.TrimSpace(r[0])}, r[1:]...))
	}
	p.Sections = append(p.Sections, Section{Heading: "The edge", Tables: []Table{cmp}})
	if s, ok := rv.expectSection(); ok {
		p.Sections = append(p.Sections, s)
	}
	var tables []Table
	var paras []string
	for _, r := range rv.Runs {
		sr := servicesRows(r.Results, "")
		t := Table{Header: sr[0], Rows: sr[1:]}
		if r.Label != "" {
			t.Header[0] = "Services (" + r.Label + ")"
		}
		for i := range t.Header {
			t.Numeric = append(t.Numeric, i > 0)
		}
		tables = append(tables, t)
		paras = append(paras, strings.TrimSpace(r.Label+" "+servicesCallsLine(r.Results)+"."))
	}
	p.Sections = append(p.Sections, Section{Heading: "Services", Paragraphs: paras, Tables: tables})
	if len(figures) > 0 {
		p.Sections = append(p.Sections, Section{Heading: "Plots", Figures: figures})
	}
	if len(rv.Runs) > 1 {
		var cmds []string
		for _, r := range rv.Runs {
			if r.Command != "" {
				cmds = append(cmds, r.Label+": "+r.Command)
			}
		}
		if len(cmds) > 0 {
			p.Sections = append(p.Sections, Section{Heading: "Each variant alone", Bullets: cmds})
		}
	}
	return p
}

// servicesCaption is a service graph's chart caption (each: the variant
// and marker notes), or the name when the chart is not one of them.
func servicesCaption(name, each string) string {
	switch name {
	case "edge-goodput":
		return "Requests per second answered OK at the edge (solid) and failed (dashed)." + each
	case "edge-response-time":
		return "The edge's 99th percentile response time of the requests answered in each interval." + each
	case "async-backlog":
		return "Messages in the broker queue before each service called asynchronously: it grows by arrival − service rate while the consumer is slow." + each
	case "open-circuit-breakers":
		return "Caller instances whose circuit breaker on a call is open or half-open." + each
	case "thread-pool-utilisation":
		return "Share of each service's threads busy per interval, white (idle) to dark red (every thread busy), the entry on top: a cascade climbs the graph." + each
	}
	return name
}

// ServicesProofLine sums up a service graph's run in one line, for an
// interview follow-up's proof.
func ServicesProofLine(name string, s *scenarios.Scenario, res *model.Results, verdicts []scenarios.Verdict) string {
	x := &res.Services
	met := len(verdicts) - len(scenarios.Failed(verdicts))
	p99 := "none answered"
	if res.E2ELatency.Count > 0 {
		p99 = FormatMetric(res.E2ELatency.P99/1000, scenarios.KindDuration)
	}
	line := fmt.Sprintf("%s in %v simulated: availability %s, goodput %s/s (worst %s/s), edge p99 %s, %d services ran out of threads",
		name, s.Duration, pct(x.Availability), units.FormatSI(x.Goodput), units.FormatSI(x.MinGoodput), p99, x.ExhaustedServices)
	if x.AsyncLatency.Count > 0 {
		line += fmt.Sprintf(", async work done p50 %s, largest backlog %s", FormatMetric(x.AsyncLatency.P50/1000, scenarios.KindDuration), humanize.Comma(x.AsyncBacklog))
	}
	return line + fmt.Sprintf("; %d of %d expectations met", met, len(verdicts))
}
