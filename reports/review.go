package reports

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/dustin/go-humanize"
	"gonum.org/v1/plot/vg"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// Review is a report for a design review on one run, or on several
// variants of one scenario (each Run's Label names its variant). Command
// reproduces the whole review.
type Review struct {
	Runs    []*Run
	Command string
}

// File is one output of a review: a path relative to the review's
// directory and its bytes.
type File struct {
	Name string
	Data []byte
}

// Chart size: one chart per image, 1200 × 600 at 96 dpi, for a slide;
// PNGs are drawn at twice that density (2400 × 1200 pixels).
const (
	chartWidth  = 12.5 * vg.Inch
	chartHeight = 6.25 * vg.Inch
)

type chartImages struct{ png, svg []byte }

// renderEach draws each chart as PNG and SVG, several at once (one per
// CPU): drawing is most of a review's cost, and each chart is drawn on
// its own canvas, so the bytes are the same as drawn one by one.
func renderEach(charts []Chart) ([]chartImages, error) {
	out := make([]chartImages, len(charts))
	errs := make([]error, len(charts))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, c := range charts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			name := ChartFile(c)
			svg, err := RenderCharts("svg", []Chart{c}, 1, chartWidth, chartHeight)
			if err != nil {
				errs[i] = fmt.Errorf("%s.svg: %w", name, err)
				return
			}
			png, err := RenderCharts("png", []Chart{c}, 1, chartWidth, chartHeight)
			if err != nil {
				errs[i] = fmt.Errorf("%s.png: %w", name, err)
				return
			}
			out[i] = chartImages{png: png, svg: svg}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// VariantDir is the sub-directory a variant's own files go to: its label
// with anything but letters, digits and ._=- turned into '_'.
func VariantDir(label string) string {
	var b strings.Builder
	for _, r := range label {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._=-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), ".")
	if s == "" {
		s = "variant"
	}
	return s
}

// variantDirs names each run's sub-directory: VariantDir of its label,
// with "-2", "-3"… added to any name an earlier run took.
func (rv Review) variantDirs() []string {
	return uniqueNames(len(rv.Runs), func(i int) string { return VariantDir(rv.Runs[i].Label) }, "-%d")
}

// uniqueNames returns name(i) for each of n items, with the counter format
// (e.g. " (%d)") added, from 2, to any name an earlier item took.
func uniqueNames(n int, name func(int) string, counter string) []string {
	taken := map[string]bool{}
	out := make([]string, n)
	for i := range out {
		base := name(i)
		cand := base
		for k := 2; taken[cand]; k++ {
			cand = base + fmt.Sprintf(counter, k)
		}
		taken[cand] = true
		out[i] = cand
	}
	return out
}

// LabelSaved labels runs loaded from the given results.json paths so that
// no two share a label or a sub-directory: each keeps its variant label,
// else takes its directory's name (for a results.json) or its file name;
// labels still shared become the path, and then get a counter.
func LabelSaved(runs []*Run, paths []string) {
	base := func(i int) string {
		if runs[i].Label != "" {
			return runs[i].Label
		}
		p := paths[i]
		if filepath.Base(p) == "results.json" {
			return filepath.Base(filepath.Dir(p))
		}
		return strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
	}
	count := map[string]int{}
	for i := range runs {
		count[VariantDir(base(i))]++
	}
	label := func(i int) string {
		b := base(i)
		if count[VariantDir(b)] < 2 {
			return b
		}
		p := paths[i]
		if filepath.Base(p) == "results.json" {
			p = filepath.Dir(p)
		} else {
			p = strings.TrimSuffix(p, filepath.Ext(p))
		}
		if runs[i].Label != "" {
			return filepath.ToSlash(p) + " " + runs[i].Label
		}
		return filepath.ToSlash(p)
	}
	// Labels are unique once their directories are.
	dirs := uniqueNames(len(runs), func(i int) string { return VariantDir(label(i)) }, "-%d")
	for i := range runs {
		l := label(i)
		if d := VariantDir(l); d != dirs[i] {
			l += strings.TrimPrefix(dirs[i], d)
		}
		runs[i].Label = l
	}
}

func (rv Review) variants() []Variant {
	vs := make([]Variant, len(rv.Runs))
	for i, r := range rv.Runs {
		vs[i] = Variant{Label: r.Label, Results: r.Results}
	}
	return vs
}

func (rv Review) title() string {
	if len(rv.Runs) == 0 {
		return "mqsim"
	}
	return rv.Runs[0].Results.Scenario
}

// Files renders every file of the review, in a fixed order: for each run
// its results.json and timeseries.csv (in a sub-directory per variant when
// there are several), each chart as PNG and SVG, report.md and
// report.html. Everything but results.json's wall_seconds is a function of
// the results alone.
func (rv Review) Files() ([]File, error) {
	if len(rv.Runs) == 0 {
		return nil, fmt.Errorf("a review needs at least one run")
	}
	var files []File
	many := len(rv.Runs) > 1
	dirs := rv.variantDirs()
	for i, r := range rv.Runs {
		prefix := ""
		if many {
			prefix = dirs[i] + "/"
		}
		var csv bytes.Buffer
		if err := TimeseriesCSV(&csv, &r.Results.Series); err != nil {
			return nil, err
		}
		if r.Measured { // a benchmark result: its own file is the record
			files = append(files, File{prefix + "timeseries.csv", csv.Bytes()})
			continue
		}
		js, err := SavedJSON(r)
		if err != nil {
			return nil, err
		}
		files = append(files, File{prefix + "results.json", js}, File{prefix + "timeseries.csv", csv.Bytes()})
		if files, err = appendNDJSON(files, prefix, &r.Results.Series); err != nil {
			return nil, err
		}
		files = append(files, ombFile(prefix, r)...)
	}
	var prom bytes.Buffer
	if err := OpenMetrics(&prom, rv.Runs); err != nil {
		return nil, err
	}
	files = append(files, File{"metrics.prom", prom.Bytes()})
	charts := RunCharts(rv.title(), rv.variants(), FaultMarkers(rv.variants()))
	images, err := renderEach(charts)
	if err != nil {
		return nil, err
	}
	var figures []Figure
	for i, c := range charts {
		name := ChartFile(c)
		files = append(files, File{name + ".png", images[i].png}, File{name + ".svg", images[i].svg})
		figures = append(figures, Figure{SVG: images[i].svg, File: name + ".png", Caption: chartCaption(name, many, len(c.Markers) > 0, c.LogY())})
	}
	return appendPage(files, rv.Page(figures))
}

// appendPage adds a page's report.md and report.html to files.
func appendPage(files []File, page Page) ([]File, error) {
	var md bytes.Buffer
	if err := PageMarkdown(&md, page); err != nil {
		return nil, err
	}
	html, err := HTML(page)
	if err != nil {
		return nil, err
	}
	return append(files, File{"report.md", md.Bytes()}, File{"report.html", html}), nil
}

func chartCaption(name string, many, markers, logY bool) string {
	each := ""
	if many {
		each = " One colour per variant."
	}
	if markers && name != "latency-cdf" {
		each += " Dashed verticals mark faults and recoveries."
	}
	switch name {
	case "lag":
		return "Consumer lag over time: messages written but not yet processed, per group." + each
	case "throughput":
		return "Messages per second acknowledged to producers (in) and processed by each group (out)." + each
	case "latency":
		scale := ""
		if logY {
			scale = " The y axis is logarithmic: the values span more than 10×."
		}
		return "End-to-end latency (produce → processed) of the messages processed in each interval: p99 solid, p50 dashed. A gap is an interval in which nothing was processed." + scale + each
	case "latency-cdf":
		return "Latency CDF over the whole run, log-scale x: how many messages (y) took at most x milliseconds." + each
	case "isr":
		return "Replication health: partitions whose ISR is below the replication factor, and the smallest ISR (dashed)." + each
	case "dlq":
		return "Dead-letter queue depth and retries over time." + each
	case "snapshot-trade-off", "changelog-size":
		return eventSourcingCaption(name)
	}
	return servicesCaption(name, each) // run_services.go
}

// Page builds the review document; figures are the charts, in order.
func (rv Review) Page(figures []Figure) Page {
	first := rv.Runs[0]
	many := len(rv.Runs) > 1
	sub := fmt.Sprintf("seed %d · %s simulated", first.Results.Seed, fmtSeconds(first.Results.SimSeconds))
	if many {
		labels := make([]string, len(rv.Runs))
		for i, r := range rv.Runs {
			labels[i] = r.Label
		}
		sub += " · variants: " + strings.Join(labels, " | ")
	}
	p := Page{Title: "Scenario: " + rv.title(), Subtitle: sub, Command: rv.Command}
	if servicesRuns(rv.Runs) {
		return rv.servicesPage(p, figures) // run_services.go
	}
	p.Lead, p.LeadBad = Headline(rv.Runs)
	if first.Scenario != nil && first.Scenario.Description != "" {
		p.Sections = append(p.Sections, Section{Heading: "The lesson", Paragraphs: []string{first.Scenario.Description}})
	}
	p.Sections = append(p.Sections,
		Section{Heading: "Setup", Tables: rv.setupTables()},
		rv.verdictSection(),
	)
	if s, ok := rv.expectSection(); ok {
		p.Sections = append(p.Sections, s)
	}
	p.Sections = append(p.Sections, Section{Heading: "Latency, lag and throughput", Tables: []Table{rv.metricsTable()}})
	if s, ok := eventSourcingSection(rv.Runs); ok { // run_eventsource.go
		p.Sections = append(p.Sections, s)
	}
	if s, ok := notAppliedSection(rv.Runs); ok { // notapplied.go
		p.Sections = append(p.Sections, s)
	}
	if len(figures) > 0 {
		p.Sections = append(p.Sections, Section{Heading: "Plots", Figures: figures})
	}
	if many {
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

// header is the first header cell, then one per run ("" for a lone run's
// value column).
func (rv Review) header(first, single string) []string {
	h := []string{first}
	if len(rv.Runs) == 1 {
		return append(h, single)
	}
	for _, r := range rv.Runs {
		h = append(h, r.Label)
	}
	return h
}

func numeric(n int) []bool {
	b := make([]bool, n)
	for i := 1; i < n; i++ {
		b[i] = true
	}
	return b
}

// setupTables state what ran: one row per part of the scenario. With
// several variants, the parts they share come first, then a table with a
// column per variant for the parts that differ.
func (rv Review) setupTables() []Table {
	rows := map[string][]string{}
	var order []string
	for ri, r := range rv.Runs {
		for _, kv := range setupRows(r.Scenario) {
			if _, ok := rows[kv[0]]; !ok {
				order = append(order, kv[0])
				rows[kv[0]] = make([]string, len(rv.Runs))
			}
			rows[kv[0]][ri] = kv[1]
		}
	}
	same := Table{Header: []string{"Part", "Setting"}}
	if len(rv.Runs) > 1 {
		same.Header[1] = "Setting (all variants)"
	}
	differ := Table{Header: rv.header("Part", "")}
	for _, k := range order {
		cells := rows[k]
		equal := true
		for _, c := range cells {
			equal = equal && c == cells[0]
		}
		if equal {
			same.Rows = append(same.Rows, []string{k, cells[0]})
		} else {
			differ.Rows = append(differ.Rows, append([]string{k}, cells...))
		}
	}
	var ts []Table
	if len(same.Rows) > 0 {
		ts = append(ts, same)
	}
	if len(differ.Rows) > 0 {
		ts = append(ts, differ)
	}
	return ts
}

// setupRows lists the scenario's shape as (what, how) pairs.
func setupRows(s *scenarios.Scenario) [][2]string {
	if s == nil {
		return nil
	}
	c := s.Cluster
	rows := [][2]string{
		{"Run", fmt.Sprintf("%s of producing (warm-up %s), drain up to %s, seed %d", s.Duration, s.Warmup, s.Drain, s.Seed)},
		{"Cluster", fmt.Sprintf("%d brokers (%s); replica.lag.time.max %s; unclean election %v", c.Brokers, c.Profile, c.ReplicaLagTimeMax, c.UncleanLeaderElection)},
	}
	for _, t := range s.Topics {
		rows = append(rows, [2]string{"Topic " + t.Name, fmt.Sprintf("%d partitions, replication factor %d, min.insync.replicas %d",
			t.Partitions, t.ReplicationFactor, t.MinInsyncReplicas)})
	}
	for _, p := range s.Producers {
		idem := "off"
		if p.EnableIdempotence != nil && *p.EnableIdempotence {
			idem = "on"
		}
		retries := "0"
		if p.Retries != nil {
			retries = fmt.Sprint(*p.Retries)
			if *p.Retries == math.MaxInt32 {
				retries = "unlimited (until delivery.timeout " + p.DeliveryTimeout.String() + ")"
			}
		}
		rows = append(rows, [2]string{"Producer " + p.Name, fmt.Sprintf("%d× → %s: %s msg/s (%s), keys %s, %s each; acks=%s, idempotence %s, batch %s, linger %s, max.in.flight %d, retries %s",
			p.Instances, p.Topic, units.FormatSI(float64(p.Rate)), p.Arrival, p.Keys, p.MessageSize.Spec, p.Acks, idem, p.BatchSize, p.Linger, p.MaxInFlight, retries)})
	}
	for _, g := range s.ConsumerGroups {
		idem := ""
		if g.Idempotent {
			idem = ", idempotent processing"
		}
		proc := g.Processing.Spec + " per message"
		if proc == "0 per message" {
			proc = "no processing time"
		}
		rows = append(rows, [2]string{"Group " + g.Name, fmt.Sprintf("%d consumers ← %s, %s, commit %s, %s assignment%s",
			g.Consumers, g.Topic, proc, g.Commit, g.Assignment, idem)})
	}
	for i, f := range s.Faults {
		d := "to the end"
		if f.Duration > 0 {
			d = "for " + f.Duration.String()
		}
		rows = append(rows, [2]string{fmt.Sprintf("Fault %d", i+1), faultPhrase([]scenarios.Fault{f}) + ", " + d})
	}
	return rows
}

// verdictSection is the checker's ledger with why lost, duplicates and
// reordered are what they are.
func (rv Review) verdictSection() Section {
	s := Section{Heading: "Verdict"}
	many := len(rv.Runs) > 1
	var head []string
	for _, r := range rv.Runs {
		h := fmt.Sprintf("lost %s, duplicated %s, reordered %s", humanize.Comma(r.Results.Lost), humanize.Comma(r.Results.Duplicates), humanize.Comma(r.Results.Reordered))
		if many {
			h = r.Label + ": " + h
		}
		head = append(head, h)
	}
	s.Paragraphs = []string{"Of the messages the producers were told were written: " + strings.Join(head, "; ") + "."}
	if !many {
		r := rv.Runs[0]
		whys := map[string]string{}
		for _, w := range Whys(r) {
			whys[w.What] = w.Why
		}
		t := Table{Header: []string{"Delivery", "Messages", "Why"}, Numeric: []bool{false, true, false}}
		for _, row := range deliveryRows {
			meaning := deliveryMeaning(row.name, row.meaning, r.Scenario) // run_queues.go
			why := meaning
			if w, ok := whys[row.name]; ok {
				why = meaning + ". " + capitalise(w) + "."
			}
			t.Rows = append(t.Rows, []string{row.name, humanize.Comma(row.value(r.Results)), why})
			t.Bad = append(t.Bad, []bool{false, isBadCount(row.name, row.value(r.Results))})
		}
		s.Tables = []Table{t}
		return s
	}
	t := Table{Header: rv.header("Delivery", ""), Numeric: numeric(len(rv.Runs) + 1)}
	t.Header = append(t.Header, "Meaning")
	t.Numeric = append(t.Numeric, false)
	for _, row := range deliveryRows {
		cells := []string{row.name}
		bad := []bool{false}
		for _, r := range rv.Runs {
			cells = append(cells, deliveryCell(r, row.value(r.Results)))
			bad = append(bad, isBadCount(row.name, row.value(r.Results)))
		}
		t.Rows = append(t.Rows, append(cells, row.meaning))
		t.Bad = append(t.Bad, bad)
	}
	s.Tables = []Table{t}
	for _, r := range rv.Runs {
		for _, w := range Whys(r) {
			s.Bullets = append(s.Bullets, fmt.Sprintf("%s — %s %s: %s.", r.Label, w.What, humanize.Comma(w.Count), w.Why))
		}
	}
	return s
}

// isBadCount reports whether a delivery count is a problem to highlight:
// any message lost, duplicated or reordered.
func isBadCount(name string, n int64) bool {
	switch name {
	case "lost", "duplicates", "reordered":
		return n > 0
	}
	return false
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// expectSection lists each expectation with what each run measured.
func (rv Review) expectSection() (Section, bool) {
	type key struct{ metric, cond string }
	var keys []key
	got := map[key][]string{}
	failed := map[key][]int{}
	for ri, r := range rv.Runs {
		for _, v := range r.Expectations {
			k := key{v.Metric, v.Condition}
			if _, ok := got[k]; !ok {
				keys = append(keys, k)
				got[k] = make([]string, len(rv.Runs))
			}
			got[k][ri] = mark(v) + " " + measured(v)
			if !v.Pass {
				failed[k] = append(failed[k], ri)
			}
		}
	}
	if len(keys) == 0 {
		return Section{}, false
	}
	t := Table{Header: append([]string{"Metric", "Condition"}, rv.header("", "Measured")[1:]...)}
	for _, k := range keys {
		t.Rows = append(t.Rows, append([]string{k.metric, k.cond}, got[k]...))
		bad := make([]bool, 2+len(rv.Runs))
		for _, ri := range failed[k] {
			bad[2+ri] = true
		}
		t.Bad = append(t.Bad, bad)
	}
	var summary []string
	for _, r := range rv.Runs {
		failed := len(scenarios.Failed(r.Expectations))
		line := fmt.Sprintf("%d of %d met", len(r.Expectations)-failed, len(r.Expectations))
		if len(rv.Runs) > 1 {
			line = r.Label + ": " + line
		}
		summary = append(summary, line)
	}
	paras := []string{"Expectations: " + strings.Join(summary, "; ") + "."}
	if len(rv.Runs) > 1 {
		paras = append(paras, "The scenario's expectations were written for its own configuration; a variant that changes that configuration may fail them by design — that is often the point of the comparison.")
	}
	return Section{Heading: "Expectations", Paragraphs: paras, Tables: []Table{t}}, true
}

// MetricRows are the numbers compared across runs, as (name, one value
// per run) rows: latency, lag, throughput, replication and load.
func MetricRows(runs []*Run) [][]string {
	type metric struct {
		name string
		f    func(*model.Results) string
	}
	lat := func(l func(*model.Results) model.Latency, q func(model.Latency) float64) func(*model.Results) string {
		return func(r *model.Results) string {
			if l(r).Count == 0 {
				return "–"
			}
			return fmtMillis(q(l(r)))
		}
	}
	e2e := func(r *model.Results) model.Latency { return r.E2ELatency }
	ack := func(r *model.Results) model.Latency { return r.AckLatency }
	count := func(f func(*model.Results) int64) func(*model.Results) string {
		return func(r *model.Results) string { return humanize.Comma(f(r)) }
	}
	ms := []metric{
		{"e2e p50", lat(e2e, func(l model.Latency) float64 { return l.P50 })},
		{"e2e p99", lat(e2e, func(l model.Latency) float64 { return l.P99 })},
		{"e2e p99.9", lat(e2e, func(l model.Latency) float64 { return l.P999 })},
		{"e2e max", lat(e2e, func(l model.Latency) float64 { return l.Max })},
		{"ack p50", lat(ack, func(l model.Latency) float64 { return l.P50 })},
		{"ack p99", lat(ack, func(l model.Latency) float64 { return l.P99 })},
		{"max lag", count(func(r *model.Results) int64 { return r.MaxLag })},
		{"final lag", count(func(r *model.Results) int64 { return r.FinalLag })},
		{"throughput in (msg/s)", func(r *model.Results) string { return units.FormatSI(r.ThroughputIn) }},
		{"throughput out (msg/s)", func(r *model.Results) string { return units.FormatSI(r.ThroughputOut) }},
		{"producer retries", count(func(r *model.Results) int64 { return r.Retries })},
		{"min ISR", func(r *model.Results) string { return fmt.Sprint(r.MinISR) }},
		{"max under-replicated", func(r *model.Results) string { return fmt.Sprint(r.MaxUnderReplicated) }},
		{"ISR shrinks / expands", func(r *model.Results) string { return fmt.Sprintf("%d / %d", r.ISRShrinks, r.ISRExpands) }},
		{"busiest broker resource", func(r *model.Results) string { return pct(r.MaxBrokerUtilisation) }},
		{"simulated", func(r *model.Results) string { return fmtSeconds(r.SimSeconds) }},
		{"events", func(r *model.Results) string { return humanize.Comma(int64(r.Events)) }},
		{"events per message", func(r *model.Results) string {
			if r.EventsPerMessage <= 0 {
				return "–"
			}
			return trimSig(r.EventsPerMessage)
		}},
	}
	rows := make([][]string, 0, len(ms))
	for _, m := range ms {
		row := []string{m.name}
		for _, r := range runs {
			if notMeasured(m.name, r) { // notapplied.go
				row = append(row, "n/a")
				continue
			}
			row = append(row, m.f(r.Results))
		}
		rows = append(rows, row)
	}
	return rows
}

func (rv Review) metricsTable() Table {
	t := Table{Header: rv.header("Measure", "Value"), Numeric: numeric(len(rv.Runs) + 1), Rows: MetricRows(rv.Runs)}
	return t
}
