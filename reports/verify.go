package reports

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"gonum.org/v1/plot/vg"

	"mqsim/capacity"
	"mqsim/model/verify"
	"mqsim/scenarios/units"
)

// VerifyText writes a plan's verification (and its headroom search, when
// h is not nil) as text tables.
func VerifyText(w io.Writer, v *verify.Verification, h *verify.HeadroomResult) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\n", verifySetup(v))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tMEASURED\tLIMIT\t")
	for _, c := range v.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Measured, c.Limit, okText(c.Pass))
	}
	tw.Flush()
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE (busiest broker)\tPLAN\tMEASURED\tTARGET\t\t")
	for _, r := range v.Resources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", r.Name, pctText(r.Plan), pctText(r.Measured), pctText(r.Target), okText(r.Pass))
	}
	tw.Flush()
	for _, r := range v.Resources {
		if r.Note != "" && (r.Key == "storage" || r.Key == "replicas" || r.Key == "consumers") {
			fmt.Fprintf(&b, "  %s: %s\n", r.Name, r.Note)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", v.Verdict())
	if h != nil {
		b.WriteString("\n" + headroomText(h))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func headroomText(h *verify.HeadroomResult) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Headroom: bisection on the offered rate, %d runs (%s).\n\n", len(h.Probes), h.Budget)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "OFFERED\tDELIVERED\tP99 E2E\tSIMULATED\tSUSTAINS\t")
	for _, p := range h.Curve() {
		sus := "yes"
		if !p.Sustains {
			sus = "no: " + p.GaveOut
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", units.Rate(p.Rate), units.Rate(p.Delivered), p99Text(p.P99), p.Duration, sus)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\n%s\n", h.Summary())
	for i, t := range h.Targets {
		if i == 0 {
			fmt.Fprintf(&b, "By proportion from the peak run, %s reaches its %s target first, at %s.\n", t.Resource, pctText(t.Target), units.Rate(t.Rate))
		}
	}
	if h.NMinus1 != nil {
		fmt.Fprintf(&b, "One broker down (N−1): %s\n", h.NMinus1.Verdict())
	}
	return b.String()
}

func verifySetup(v *verify.Verification) string {
	groups := "1 consumer group"
	if v.Groups != 1 {
		groups = strconv.Itoa(v.Groups) + " consumer groups"
	}
	capped := ""
	if v.Capped {
		capped = fmt.Sprintf(" (shortened to offer at most %s messages)", units.FormatSI(verify.MaxMessages))
	}
	return fmt.Sprintf("Verifying the %s plan for %s: %s, %s, %s of %s, at %s with Poisson arrivals for %s simulated%s, seed %d.",
		v.Which, v.Workload, countOf(v.Brokers, "broker"), countOf(v.Partitions, "partition"), groups, countOf(v.ConsumersPerGroup, "consumer"), units.Rate(v.Rate), v.Duration, capped, v.Seed)
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

func pctText(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
}

// HeadroomCharts draws the headroom curve: delivered against offered rate
// (with the line delivered = offered), and p99 end-to-end against rate.
func HeadroomCharts(title string, h *verify.HeadroomResult) []Chart {
	zero := 0.0
	var x, del, p99 []float64
	for _, p := range h.Curve() {
		x = append(x, p.Rate)
		del = append(del, p.Delivered)
		p99 = append(p99, p.P99*1e3)
	}
	var marks []Marker
	if h.HoldsTo > 0 {
		marks = append(marks, Marker{X: h.HoldsTo, Label: "holds to " + units.Rate(h.HoldsTo).String()})
	}
	ideal := Series{Name: "delivered = offered", X: []float64{0, x[len(x)-1]}, Y: []float64{0, x[len(x)-1]}, Dashed: true, Color: 7}
	return []Chart{
		{Title: title + ": offered vs delivered", XLabel: "offered (messages/s)", YLabel: "delivered (messages/s)", YMin: &zero, Markers: marks,
			Series: []Series{{Name: "delivered, slowest group", X: x, Y: del, Thick: true, Color: 1}, ideal}},
		{Title: title + ": p99 end-to-end vs rate", XLabel: "offered (messages/s)", YLabel: "p99 end-to-end", YMin: &zero, AutoLogY: true, YMillis: true, Markers: marks,
			Series: []Series{{Name: "p99 end-to-end", X: x, Y: p99, Thick: true, Color: 2}}},
	}
}

// VerifyReport writes a design-review page for a verified plan into dir:
// plan.json, verification.json, scenario.yaml (the plan as played),
// results.json of the verifying run, its charts, the headroom curve when
// h is not nil (headroom.png/svg), report.md and report.html.
func VerifyReport(dir string, p *capacity.Plan, v *verify.Verification, h *verify.HeadroomResult, run *Run, command string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", dir, err)
	}
	var files []File
	var js bytes.Buffer
	if err := JSON(&js, p); err != nil {
		return nil, err
	}
	files = append(files, File{"plan.json", js.Bytes()})
	js.Reset()
	if err := JSON(&js, struct {
		Verification *verify.Verification   `json:"verification"`
		Headroom     *verify.HeadroomResult `json:"headroom,omitempty"`
	}{v, h}); err != nil {
		return nil, err
	}
	files = append(files, File{"verification.json", js.Bytes()}, File{"scenario.yaml", v.ScenarioYAML})
	saved, err := SavedJSON(run)
	if err != nil {
		return nil, err
	}
	files = append(files, File{"results.json", saved})

	name := v.Workload
	charts := RunCharts(name, []Variant{{Results: run.Results}}, nil)
	images, err := renderEach(charts)
	if err != nil {
		return nil, err
	}
	var runFigs, headFigs []Figure
	for i, c := range charts {
		f := ChartFile(c)
		files = append(files, File{f + ".png", images[i].png}, File{f + ".svg", images[i].svg})
		runFigs = append(runFigs, Figure{SVG: images[i].svg, File: f + ".png", Caption: chartCaption(f, false, false, c.LogY())})
	}
	if h != nil {
		hc := HeadroomCharts(name, h)
		svg, err := RenderCharts("svg", hc, 2, 12*vg.Inch, 4.5*vg.Inch)
		if err != nil {
			return nil, err
		}
		png, err := RenderCharts("png", hc, 2, 12*vg.Inch, 4.5*vg.Inch)
		if err != nil {
			return nil, err
		}
		files = append(files, File{"headroom.svg", svg}, File{"headroom.png", png})
		headFigs = append(headFigs, Figure{SVG: svg, File: "headroom.png",
			Caption: "The headroom search's runs: the slowest group's delivered rate against the offered rate (dashed: delivered = offered), and p99 end-to-end latency against the offered rate."})
	}
	files, err = appendPage(files, VerifyPage(p, v, h, runFigs, headFigs, command))
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := WriteFileAtomic(path, f.Data); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// VerifyPage is the design-review page of a verified plan.
func VerifyPage(p *capacity.Plan, v *verify.Verification, h *verify.HeadroomResult, runFigs, headFigs []Figure, command string) Page {
	checks := Table{Header: []string{"Check", "Measured", "Limit", ""}}
	for i, c := range v.Checks {
		checks.Rows = append(checks.Rows, []string{c.Name, c.Measured, c.Limit, okText(c.Pass)})
		checks.Bad = append(checks.Bad, nil)
		if !c.Pass {
			checks.Bad[i] = []bool{false, true, false, true}
		}
	}
	res := Table{Header: []string{"Resource (busiest broker)", "Plan", "Measured", "Target", "", "How measured"}, Numeric: []bool{false, true, true, true, false, false}}
	for i, r := range v.Resources {
		res.Rows = append(res.Rows, []string{r.Name, pctText(r.Plan), pctText(r.Measured), pctText(r.Target), okText(r.Pass), r.Note})
		res.Bad = append(res.Bad, nil)
		if !r.Pass {
			res.Bad[i] = []bool{false, false, true, false, true}
		}
	}
	page := Page{
		Title:    "Design review: " + v.Workload,
		Subtitle: p.Workload.Description,
		Lead:     v.Verdict(),
		LeadBad:  !v.Holds,
		Command:  command,
		Sections: []Section{
			planSection(p),
			{Heading: "Does it hold at the peak?", Paragraphs: []string{verifySetup(v),
				"Utilisations are fractions of capacity: the plan's arithmetic at the same rate beside what the busiest broker measured while producing. The verdict needs every check to pass and every resource at or below its target."},
				Tables: []Table{checks, res}},
		},
	}
	if v.Results != nil && v.Scenario != nil {
		// The verifying run as `mqsim run` reviews it: its setup, its
		// numbers and its plots.
		rv := Review{Runs: []*Run{{Results: v.Results, Scenario: &v.Scenario.Scenario}}}
		sec := Section{Heading: "The verifying run", Figures: runFigs}
		for _, t := range rv.setupTables() {
			sec.Tables = append(sec.Tables, t)
		}
		sec.Tables = append(sec.Tables, rv.metricsTable())
		page.Sections = append(page.Sections, sec)
	} else if len(runFigs) > 0 {
		page.Sections = append(page.Sections, Section{Heading: "The verifying run", Figures: runFigs})
	}
	if h != nil {
		curve := Table{Header: []string{"Offered", "Delivered", "p99 end-to-end", "Simulated", "Sustains"}, Numeric: []bool{true, true, true, true, false}}
		for _, pr := range h.Curve() {
			sus := "yes"
			if !pr.Sustains {
				sus = "no: " + pr.GaveOut
			}
			curve.Rows = append(curve.Rows, []string{units.Rate(pr.Rate).String(), units.Rate(pr.Delivered).String(), p99Text(pr.P99), pr.Duration.String(), sus})
		}
		paras := []string{h.Summary(), "Budget: " + h.Budget + "."}
		if len(h.Targets) > 0 {
			t := h.Targets[0]
			paras = append(paras, fmt.Sprintf("By proportion from the peak run, %s reaches its %s target first, at %s.", t.Resource, pctText(t.Target), units.Rate(t.Rate)))
		}
		if h.NMinus1 != nil {
			paras = append(paras, "One broker down (N−1): "+h.NMinus1.Verdict())
		}
		page.Sections = append(page.Sections, Section{Heading: "Headroom", Paragraphs: paras, Tables: []Table{curve}, Figures: headFigs})
	}
	// The plan's own rows, as the sizing report shows them.
	for _, sec := range capacityPage(p, nil, "").Sections {
		if sec.Heading == "The back-of-envelope" {
			page.Sections = append(page.Sections, sec)
		}
	}
	return page
}

// planSection is the sizing report's verdict and constraint table.
func planSection(p *capacity.Plan) Section {
	sec := capacityPage(p, nil, "").Sections[0]
	sec.Heading = "The plan"
	return sec
}

func countOf(n int, word string) string { return fmt.Sprintf("%d %s", n, plural(int64(n), word)) }

// MaxRateText writes the search for a benchmark workload's highest
// sustainable rate (producerRate 0) in the benchmark's terms: the rate in
// messages and bytes per second, and the probes.
func MaxRateText(w io.Writer, name string, h *verify.HeadroomResult, messageBytes float64) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: producerRate 0 — the highest publish rate the cluster sustains, found by bisection on the offered rate, %d runs (%s).\n\n", name, len(h.Probes), h.Budget)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PUBLISH RATE\tCONSUME RATE\tP99 E2E\tSIMULATED\tSUSTAINS\t")
	for _, p := range h.Curve() {
		sus := "yes"
		if !p.Sustains {
			sus = "no: " + p.GaveOut
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", units.Rate(p.Rate), units.Rate(p.Delivered), p99Text(p.P99), p.Duration, sus)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nMaximum sustainable rate: %s msg/s (%s)", units.FormatSI(h.HoldsTo), units.Bandwidth(h.HoldsTo*messageBytes))
	switch {
	case h.FailsAt == 0:
		b.WriteString(", the most a probe offers within its work budget.\n")
	case h.FirstOut != "" && h.Saturated:
		fmt.Fprintf(&b, "; at %s msg/s %s gives out.\n", units.FormatSI(h.FailsAt), h.FirstOut)
	case h.FirstOut != "":
		fmt.Fprintf(&b, "; at %s msg/s the check %q fails with no broker resource nearly full (the clients' pipeline limits it).\n", units.FormatSI(h.FailsAt), h.FirstOut)
	default:
		fmt.Fprintf(&b, "; at %s msg/s it does not hold.\n", units.FormatSI(h.FailsAt))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// p99Text is a probe's p99, or "—" when nothing was processed after the
// warm-up.
func p99Text(s float64) string {
	if s <= 0 {
		return "—"
	}
	return fmtSeconds(s)
}
