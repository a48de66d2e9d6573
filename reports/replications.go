package reports

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"mqsim/model"
	"mqsim/model/sweep"
)

// Replicated is one variant of a scenario run over several seeds: the
// runs, each metric's statistics over them, and the expectations judged
// on the intervals.
type Replicated struct {
	Label    string
	Runs     []*Run
	Metrics  []string
	Kinds    []string
	Stats    []sweep.Stat
	Verdicts []sweep.IntervalVerdict
	Command  string // reproduces the replications
}

// Seeds lists the replications' seeds.
func (r *Replicated) Seeds() []uint64 {
	out := make([]uint64, len(r.Runs))
	for i, run := range r.Runs {
		out[i] = run.Results.Seed
	}
	return out
}

func (r *Replicated) results() []*model.Results {
	out := make([]*model.Results, len(r.Runs))
	for i, run := range r.Runs {
		out[i] = run.Results
	}
	return out
}

// NewReplicated summarises the runs of one variant: metrics (the
// expectations' metrics are added) and the expectations on the intervals.
func NewReplicated(label string, runs []*Run, metrics []string, expect map[string]string, command string) (*Replicated, error) {
	rp := &Replicated{Label: label, Runs: runs, Command: command}
	seen := map[string]bool{}
	for _, m := range metrics {
		if !seen[m] {
			seen[m] = true
			rp.Metrics = append(rp.Metrics, m)
		}
	}
	rp.Verdicts = sweep.JudgeIntervals(expect, rp.results())
	for _, v := range rp.Verdicts {
		if !seen[v.Metric] && v.Error == "" {
			seen[v.Metric] = true
			rp.Metrics = append(rp.Metrics, v.Metric)
		}
	}
	var err error
	if rp.Kinds, rp.Stats, err = sweep.Summarise(rp.results(), rp.Metrics); err != nil {
		return nil, err
	}
	return rp, nil
}

// Counts of expectation outcomes.
func (r *Replicated) outcomes() (pass, fail, inconclusive int) {
	for _, v := range r.Verdicts {
		switch v.Outcome {
		case sweep.Pass:
			pass++
		case sweep.Fail:
			fail++
		default:
			inconclusive++
		}
	}
	return
}

// Failed lists the expectations that failed on the interval.
func (r *Replicated) Failed() []sweep.IntervalVerdict {
	var out []sweep.IntervalVerdict
	for _, v := range r.Verdicts {
		if v.Outcome == sweep.Fail {
			out = append(out, v)
		}
	}
	return out
}

// Inconclusive lists the expectations whose interval straddles the
// threshold.
func (r *Replicated) Inconclusive() []sweep.IntervalVerdict {
	var out []sweep.IntervalVerdict
	for _, v := range r.Verdicts {
		if v.Outcome == sweep.Inconclusive {
			out = append(out, v)
		}
	}
	return out
}

func seedRange(seeds []uint64) string {
	if len(seeds) == 0 {
		return ""
	}
	return fmt.Sprintf("seeds %d–%d", seeds[0], seeds[len(seeds)-1])
}

// meanPM is "mean ± half-width" in the metric's unit.
func meanPM(st sweep.Stat, kind string) string {
	if math.IsNaN(st.HalfWidth) {
		return statText(st.Mean, kind)
	}
	return statText(st.Mean, kind) + " ± " + statText(st.HalfWidth, kind)
}

// statText formats a statistic of a metric: a mean of counts is shown to
// the unit from 100 up (20,540 rather than 2.054e+04), to 3 digits below.
func statText(v float64, kind string) string {
	if kind == model.KindCount && v != math.Trunc(v) {
		if math.Abs(v) >= 100 {
			return FormatMetric(math.Round(v), kind)
		}
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return FormatMetric(v, kind)
}

// ReplicationsText writes each variant's statistics and verdicts.
func ReplicationsText(w io.Writer, reps []*Replicated) error {
	var b bytes.Buffer
	for i, r := range reps {
		if i > 0 {
			b.WriteString("\n")
		}
		title := r.Runs[0].Results.Scenario
		if r.Label != "" {
			title += " — " + r.Label
		}
		fmt.Fprintf(&b, "%s: %d replications (%s), mean ± 95%% confidence interval (Student t)\n\n", title, len(r.Runs), seedRange(r.Seeds()))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "METRIC\tMEAN ± 95% CI\tMIN\tMAX\t")
		for k, m := range r.Metrics {
			st := r.Stats[k]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", m, meanPM(st, r.Kinds[k]), FormatMetric(st.Min, r.Kinds[k]), FormatMetric(st.Max, r.Kinds[k]))
		}
		tw.Flush()
		if len(r.Verdicts) > 0 {
			pass, fail, inc := r.outcomes()
			fmt.Fprintf(&b, "\nExpectations on the interval: %d pass, %d fail, %d inconclusive\n", pass, fail, inc)
			tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			for _, v := range r.Verdicts {
				detail := "interval " + intervalText(v)
				if v.Error != "" {
					detail = v.Error
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", strings.ToUpper(v.Outcome), v.Metric, v.Condition, detail)
			}
			tw.Flush()
			if inc > 0 {
				b.WriteString("  inconclusive: the interval straddles the threshold; more seeds narrow it\n")
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func intervalText(v sweep.IntervalVerdict) string {
	return "[" + statText(v.Stat.Low, v.Kind) + ", " + statText(v.Stat.High, v.Kind) + "]"
}

// ReplicationDoc is the JSON form of one replicated variant.
type ReplicationDoc struct {
	Scenario     string           `json:"scenario"`
	Variant      string           `json:"variant,omitempty"`
	Seeds        []uint64         `json:"seeds"`
	Metrics      []ReplicatedStat `json:"metrics"`
	Expectations []ReplicatedExp  `json:"expectations,omitempty"`
	Command      string           `json:"command"`
}

// ReplicatedStat is one metric's statistics over the seeds.
type ReplicatedStat struct {
	Metric    string  `json:"metric"`
	Kind      string  `json:"kind"`
	N         int     `json:"n"`
	Mean      float64 `json:"mean"`
	HalfWidth float64 `json:"ci95_half_width"`
	Low       float64 `json:"ci95_low"`
	High      float64 `json:"ci95_high"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
}

// ReplicatedExp is one expectation judged on the interval.
type ReplicatedExp struct {
	Metric    string  `json:"metric"`
	Condition string  `json:"condition"`
	Outcome   string  `json:"outcome"`
	Low       float64 `json:"ci95_low"`
	High      float64 `json:"ci95_high"`
	Error     string  `json:"error,omitempty"`
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// Docs is the JSON form of the replications.
func ReplicationDocs(reps []*Replicated) []ReplicationDoc {
	var out []ReplicationDoc
	for _, r := range reps {
		d := ReplicationDoc{Scenario: r.Runs[0].Results.Scenario, Variant: r.Label, Seeds: r.Seeds(), Command: r.Command}
		for k, m := range r.Metrics {
			st := r.Stats[k]
			d.Metrics = append(d.Metrics, ReplicatedStat{Metric: m, Kind: r.Kinds[k], N: st.N, Mean: finite(st.Mean), HalfWidth: finite(st.HalfWidth),
				Low: finite(st.Low), High: finite(st.High), Min: finite(st.Min), Max: finite(st.Max)})
		}
		for _, v := range r.Verdicts {
			d.Expectations = append(d.Expectations, ReplicatedExp{Metric: v.Metric, Condition: v.Condition, Outcome: v.Outcome,
				Low: finite(v.Stat.Low), High: finite(v.Stat.High), Error: v.Error})
		}
		out = append(out, d)
	}
	return out
}

// BandCharts draws, for each variant, the mean of the lag, the
// throughput out and the p99 end-to-end latency over time with their 95%
// intervals across seeds as bands.
func BandCharts(title string, reps []*Replicated) []Chart {
	zero := 0.0
	const simTime = "simulated time (s)"
	lag := Chart{Title: title + ": consumer lag", XLabel: simTime, YLabel: "lag (messages)", YMin: &zero}
	tput := Chart{Title: title + ": throughput out", XLabel: simTime, YLabel: "messages/s", YMin: &zero}
	lat := Chart{Title: title + ": end-to-end latency", XLabel: simTime, YLabel: "p99 latency", YMin: &zero, YMillis: true}
	nonNegative := func(xs []float64) []float64 {
		for i, x := range xs {
			xs[i] = max(x, 0) // lags, rates and latencies are never below zero
		}
		return xs
	}
	for i, r := range reps {
		res := r.results()
		name := func(what string) string {
			if r.Label == "" {
				return what
			}
			return r.Label + " " + what
		}
		for _, g := range res[0].Groups {
			tt, m, lo, hi := sweep.Band(res, "lag/"+g.Name)
			lag.Series = append(lag.Series, Series{Name: name(g.Name + " mean lag"), X: tt, Y: m, Lo: nonNegative(lo), Hi: hi, Color: i + 1})
			tt, m, lo, hi = sweep.Band(res, "consumed_per_s/"+g.Name)
			tput.Series = append(tput.Series, Series{Name: name(g.Name + " mean processed/s"), X: tt, Y: m, Lo: nonNegative(lo), Hi: hi, Color: i + 1})
		}
		tt, m, lo, hi := sweep.Band(res, "e2e_p99_ms")
		lat.Series = append(lat.Series, Series{Name: name("mean p99"), X: tt, Y: m, Lo: nonNegative(lo), Hi: hi, Color: i + 1})
	}
	return []Chart{lag, tput, lat}
}

// ReplicationsPage is the review page of replications.
func ReplicationsPage(reps []*Replicated, figures []Figure, command string) Page {
	first := reps[0]
	p := Page{Title: "Replications: " + first.Runs[0].Results.Scenario, Command: command,
		Subtitle: fmt.Sprintf("%d replications per variant (%s) · mean ± 95%% confidence interval (Student t, n−1 degrees of freedom)", len(first.Runs), seedRange(first.Seeds()))}
	fail, inc := 0, 0
	for _, r := range reps {
		_, f, i := r.outcomes()
		fail, inc = fail+f, inc+i
	}
	switch {
	case fail > 0:
		p.Lead, p.LeadBad = fmt.Sprintf("%d expectations fail on the 95%% interval, %d inconclusive.", fail, inc), true
	case inc > 0:
		p.Lead = fmt.Sprintf("No expectation fails on the 95%% interval; %d inconclusive (the interval straddles the threshold).", inc)
	case len(first.Verdicts) > 0:
		p.Lead = "Every expectation passes on the whole 95% interval."
	}
	for _, r := range reps {
		t := Table{Header: []string{"Metric", "Mean ± 95% CI", "Min", "Max"}, Numeric: []bool{false, true, true, true}}
		for k, m := range r.Metrics {
			st := r.Stats[k]
			t.Rows = append(t.Rows, []string{m, meanPM(st, r.Kinds[k]), FormatMetric(st.Min, r.Kinds[k]), FormatMetric(st.Max, r.Kinds[k])})
		}
		sec := Section{Heading: "Metrics", Tables: []Table{t}}
		if r.Label != "" {
			sec.Heading = "Variant " + r.Label
		}
		if len(r.Verdicts) > 0 {
			e := Table{Header: []string{"Expectation", "Condition", "95% interval", "Outcome"}}
			for _, v := range r.Verdicts {
				detail := intervalText(v)
				if v.Error != "" {
					detail = v.Error
				}
				e.Rows = append(e.Rows, []string{v.Metric, v.Condition, detail, v.Outcome})
				e.Bad = append(e.Bad, []bool{false, false, false, v.Outcome == sweep.Fail})
			}
			sec.Tables = append(sec.Tables, e)
		}
		p.Sections = append(p.Sections, sec)
	}
	if len(figures) > 0 {
		p.Sections = append(p.Sections, Section{Heading: "Plots", Figures: figures})
	}
	return p
}

// WriteReplications writes the replications' review into dir, as
// WriteReview does for single runs: replications.json, the band charts
// (PNG and SVG), report.md and report.html.
func WriteReplications(dir string, reps []*Replicated, command string) ([]string, error) {
	var js bytes.Buffer
	if err := JSON(&js, ReplicationDocs(reps)); err != nil {
		return nil, err
	}
	files := []File{{"replications.json", js.Bytes()}}
	charts := BandCharts(reps[0].Runs[0].Results.Scenario, reps)
	images, err := renderEach(charts)
	if err != nil {
		return nil, err
	}
	var figures []Figure
	for i, c := range charts {
		name := ChartFile(c)
		files = append(files, File{name + ".png", images[i].png}, File{name + ".svg", images[i].svg})
		figures = append(figures, Figure{SVG: images[i].svg, File: name + ".png",
			Caption: "The mean over the seeds (line) and its 95% confidence interval at each time (band)."})
	}
	files, err = appendPage(files, ReplicationsPage(reps, figures, command))
	if err != nil {
		return nil, err
	}
	return writeDirAtomic(dir, files)
}
