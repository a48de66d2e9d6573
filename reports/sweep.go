package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"

	"mqsim/model"
	"mqsim/model/sweep"
)

// SweepFiles renders a merged sweep: summary.csv (one row per variant and
// metric: mean, 95% confidence interval over seeds, min, max), a chart
// per metric (PNG and SVG: each variant's mean with its interval as an
// error bar), report.md and report.html with one table of every
// variant × metric. The bytes depend only on the summary.
func SweepFiles(s *sweep.Summary) ([]File, error) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write([]string{"variant_index", "variant", "seeds", "metric", "unit", "mean", "ci95_low", "ci95_high", "min", "max"})
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	for vi, v := range s.Variants {
		for mi, m := range s.Metrics {
			st := v.Stats[mi]
			lo, hi := "", ""
			if !math.IsNaN(st.HalfWidth) {
				lo, hi = num(st.Low), num(st.High)
			}
			_ = cw.Write([]string{strconv.Itoa(vi + 1), Clean(v.Label), strconv.Itoa(st.N), m, kindUnit(s.Kinds[mi]),
				num(st.Mean), lo, hi, num(st.Min), num(st.Max)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, fmt.Errorf("summary.csv: %w", err)
	}
	files := []File{{"summary.csv", b.Bytes()}}

	labels := make([]string, len(s.Variants))
	for vi, v := range s.Variants {
		labels[vi] = Clean(v.Label)
		if labels[vi] == "" {
			labels[vi] = VariantBase
		}
	}
	var figures []Figure
	for mi, m := range s.Metrics {
		scale := 1.0
		if s.Kinds[mi] == model.KindDuration {
			scale = 1000 // seconds → ms, labelled as durations
		}
		c := intervalChart{Title: fmt.Sprintf("%s: %s (mean over seeds, 95%% confidence interval)", Clean(s.Scenario), m),
			YLabel: m, Labels: labels, YMillis: s.Kinds[mi] == model.KindDuration}
		for _, v := range s.Variants {
			st := v.Stats[mi]
			c.Mean, c.Low, c.High = append(c.Mean, st.Mean*scale), append(c.Low, st.Low*scale), append(c.High, st.High*scale)
		}
		png, err := c.render("png")
		if err != nil {
			return nil, err
		}
		svg, err := c.render("svg")
		if err != nil {
			return nil, err
		}
		name := "sweep-" + strings.ReplaceAll(m, ".", "-")
		files = append(files, File{name + ".png", png}, File{name + ".svg", svg})
		figures = append(figures, Figure{SVG: svg, File: name + ".png", Caption: fmt.Sprintf("%s: the mean over seeds of each variant, with its 95%% confidence interval (Student t) as an error bar.", m)})
	}

	header := []string{"#", "variant", "seeds"}
	header = append(header, s.Metrics...)
	t := Table{Header: header, Numeric: numeric(len(header))}
	t.Numeric[1] = false
	for vi, v := range s.Variants {
		row := []string{strconv.Itoa(vi + 1), labels[vi], strconv.Itoa(len(v.Seeds))}
		for mi := range s.Metrics {
			row = append(row, sweepCell(s.Kinds[mi], v.Stats[mi]))
		}
		t.Rows = append(t.Rows, row)
	}
	seeds := 0
	if len(s.Variants) > 0 {
		seeds = len(s.Variants[0].Seeds)
	}
	page := Page{
		Title:    fmt.Sprintf("Sweep of %s: %d variants × %d seeds", s.Scenario, len(s.Variants), seeds),
		Subtitle: "grid " + s.Grid,
		Sections: []Section{{
			Heading: "Results",
			Paragraphs: []string{"Each cell is the mean over seeds ± the half-width of its 95% confidence interval " +
				"(Student t with seeds − 1 degrees of freedom); one seed gives no interval."},
			Tables:  []Table{t},
			Figures: figures,
		}},
	}
	return appendPage(files, page)
}

func kindUnit(kind string) string {
	switch kind {
	case model.KindDuration:
		return "s"
	case model.KindRate:
		return "1/s"
	case model.KindRatio:
		return "ratio"
	}
	return "count"
}

// sweepCell is "mean ± half-width" in the metric's human unit.
func sweepCell(kind string, st sweep.Stat) string {
	f := func(v float64) string {
		switch kind {
		case model.KindDuration:
			return strconv.FormatFloat(v*1000, 'g', 4, 64) + " ms"
		case model.KindRatio:
			return strconv.FormatFloat(v*100, 'g', 3, 64) + "%"
		}
		return strconv.FormatFloat(v, 'g', 5, 64)
	}
	if math.IsNaN(st.HalfWidth) {
		return f(st.Mean)
	}
	return f(st.Mean) + " ± " + f(st.HalfWidth)
}
