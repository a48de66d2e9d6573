package reports

import (
	"math"
	"sort"
	"strings"

	"mqsim/model"
)

// Variant is one run among several drawn on the same charts (a single run
// is one variant with an empty label).
type Variant struct {
	Label   string
	Results *model.Results
}

// seriesName names a line: the variant's label, then what it shows.
func seriesName(v Variant, what string) string {
	if v.Label == "" {
		return what
	}
	if what == "" {
		return v.Label
	}
	return v.Label + ": " + what
}

// groupsOf returns the consumer-group names that have a column with prefix.
func groupsOf(s *model.Series, prefix string) []string {
	var gs []string
	for _, c := range s.Columns {
		if g, ok := strings.CutPrefix(c.Name, prefix); ok {
			gs = append(gs, g)
		}
	}
	sort.Strings(gs)
	return gs
}

// line is one column of a variant as a chart line, coloured by variant
// when several variants share the chart.
func line(v Variant, vi int, many bool, name, what string) (Series, bool) {
	vals := v.Results.Series.Column(name)
	if vals == nil {
		return Series{}, false
	}
	s := Series{Name: seriesName(v, what), X: v.Results.Series.Time, Y: vals}
	if many {
		s.Color = vi + 1
	}
	return s, true
}

// isDLQColumn reports whether a time-series column is about dead letters or
// consumer-side retries (the columns the consumer-stress faults add).
func isDLQColumn(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "dlq") || strings.Contains(n, "dead_letter") ||
		(strings.Contains(n, "retr") && !strings.HasPrefix(n, "producer_"))
}

// isLatencyColumn reports whether a column is a per-interval latency
// quantile (e2e_p50_ms, e2e_p99_ms, ack_p99_ms, …).
func isLatencyColumn(name string) bool {
	return (strings.HasPrefix(name, "e2e_") || strings.HasPrefix(name, "ack_")) && strings.HasSuffix(name, "_ms")
}

// WithGaps returns the series with NaN, meaning "no data", in each
// latency column for every interval in which no message was measured: an
// end-to-end column where no message was processed (every group's
// consumed_per_s is 0), and any latency column whose value is not positive
// (a real latency is never 0 ms). The model writes 0
// there, which a chart would draw as a perfect latency exactly during an
// outage. Other columns are shared with s, not copied.
func WithGaps(s *model.Series) *model.Series {
	var consumed [][]float64
	for _, c := range s.Columns {
		if strings.HasPrefix(c.Name, "consumed_per_s/") {
			consumed = append(consumed, c.Values)
		}
	}
	idle := func(i int) bool {
		if len(consumed) == 0 {
			return false
		}
		for _, v := range consumed {
			if i < len(v) && v[i] > 0 {
				return false
			}
		}
		return true
	}
	out := *s
	out.Columns = make([]model.Column, len(s.Columns))
	for ci, c := range s.Columns {
		if !isLatencyColumn(c.Name) {
			out.Columns[ci] = c
			continue
		}
		vals := make([]float64, len(c.Values))
		for i, v := range c.Values {
			if (idle(i) && strings.HasPrefix(c.Name, "e2e_")) || !(v > 0) {
				v = math.NaN()
			}
			vals[i] = v
		}
		out.Columns[ci] = model.Column{Name: c.Name, Values: vals}
	}
	return &out
}

// FaultMarkers turns the faults of one or more runs into chart markers, one
// per distinct (time, label), in time order.
func FaultMarkers(variants []Variant) []Marker {
	type key struct {
		t float64
		l string
	}
	seen := map[key]bool{}
	var ms []Marker
	for _, v := range variants {
		for _, e := range v.Results.Faults {
			k := key{e.Time, e.Label}
			if seen[k] {
				continue
			}
			seen[k] = true
			ms = append(ms, Marker{X: e.Time, Label: e.Label})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].X < ms[j].X })
	return ms
}

// RunCharts builds the standard charts of one or more runs: consumer lag,
// throughput in vs out, end-to-end latency over time, the latency CDF,
// replication health, and — where the runs have them — dead letters and
// retries. Markers (faults, recoveries) are drawn on every time chart.
// With several variants each variant keeps one colour on every chart.
func RunCharts(title string, variants []Variant, markers []Marker) []Chart {
	if servicesVariants(variants) {
		return ServicesCharts(title, variants, markers) // run_services.go
	}
	zero, one := 0.0, 1.0
	const simTime = "simulated time (s)"
	lag := Chart{Title: title + ": consumer lag", XLabel: simTime, YLabel: "lag (messages)", Markers: markers, YMin: &zero}
	tput := Chart{Title: title + ": throughput in vs out", XLabel: simTime, YLabel: "messages/s", Markers: markers, YMin: &zero}
	lat := Chart{Title: title + ": end-to-end latency", XLabel: simTime, YLabel: "latency", Markers: markers, YMin: &zero, AutoLogY: true, YMillis: true}
	cdf := Chart{Title: title + ": latency CDF", XLabel: "latency (log scale)", YLabel: "share of messages", LogX: true, YMin: &zero, YMax: &one, XMillis: true}
	isr := Chart{Title: title + ": replication health", XLabel: simTime, YLabel: "partitions / replicas", Markers: markers, YMin: &zero}
	dlq := Chart{Title: title + ": dead letters and retries", XLabel: simTime, YLabel: "messages", Markers: markers, YMin: &zero}
	many := len(variants) > 1
	for vi, v := range variants {
		gapped := *v.Results
		gapped.Series = *WithGaps(&v.Results.Series)
		v.Results = &gapped
		s := &v.Results.Series
		groups := groupsOf(s, "lag/")
		for _, g := range groups {
			what := "lag " + g
			if many && len(groups) == 1 {
				what = "lag"
			}
			lag.addLine(line(v, vi, many, "lag/"+g, what))
			if !many {
				lag.addLine(line(v, vi, many, "max_partition_lag/"+g, "worst partition "+g))
			}
		}
		if sr, ok := line(v, vi, many, "acked_per_s", "in (acked)"); ok {
			tput.addLine(sr, true)
		} else {
			tput.addLine(line(v, vi, many, "produced_per_s", "in (produced)"))
		}
		for _, g := range groupsOf(s, "consumed_per_s/") {
			sr, ok := line(v, vi, many, "consumed_per_s/"+g, "out "+g)
			sr.Dashed = many
			tput.addLine(sr, ok)
		}
		if errs := s.Column("producer_errors_per_s"); anyPositive(errs) {
			sr, ok := line(v, vi, many, "producer_errors_per_s", "producer errors")
			sr.Dashed = true
			tput.addLine(sr, ok)
		}
		for _, q := range []string{"p99", "p50"} {
			if many && len(variants) > 2 && q == "p50" {
				continue
			}
			sr, ok := line(v, vi, many, "e2e_"+q+"_ms", q)
			sr.Dashed = q == "p50"
			lat.addLine(sr, ok)
		}
		for _, which := range []struct {
			what string
			pts  []model.QuantilePoint
		}{{"end-to-end", v.Results.E2ECDF}, {"produce → ack", v.Results.AckCDF}} {
			if len(which.pts) == 0 || (many && which.what != "end-to-end") {
				continue
			}
			sr := Series{Name: seriesName(v, which.what), Dashed: which.what != "end-to-end"}
			if many {
				sr.Color = vi + 1
			}
			for _, p := range which.pts {
				sr.X = append(sr.X, p.Ms)
				sr.Y = append(sr.Y, p.Q)
			}
			cdf.Series = append(cdf.Series, sr)
		}
		isr.addLine(line(v, vi, many, "under_replicated", "under-replicated partitions"))
		sr, ok := line(v, vi, many, "min_isr", "smallest ISR")
		sr.Dashed = true
		isr.addLine(sr, ok)
		for _, c := range s.Columns {
			if isDLQColumn(c.Name) {
				sr, _ := line(v, vi, many, c.Name, strings.ReplaceAll(c.Name, "_", " "))
				dlq.Series = append(dlq.Series, sr)
			}
		}
	}
	charts := []Chart{lag, tput, lat}
	if len(cdf.Series) > 0 {
		charts = append(charts, cdf)
	}
	charts = append(charts, isr)
	if len(dlq.Series) > 0 {
		charts = append(charts, dlq)
	}
	return append(charts, eventSourcingCharts(title, variants)...) // run_eventsource.go
}

// addLine adds s when ok (a column the run has).
func (c *Chart) addLine(s Series, ok bool) {
	if ok {
		c.Series = append(c.Series, s)
	}
}

func anyPositive(v []float64) bool {
	for _, x := range v {
		if x > 0 {
			return true
		}
	}
	return false
}

// ChartFile names the file a chart is saved to (without extension): lag,
// throughput, latency, latency-cdf, isr, dlq.
func ChartFile(c Chart) string {
	t := c.Title
	if i := strings.LastIndex(t, ": "); i >= 0 {
		t = t[i+2:]
	}
	switch {
	case strings.Contains(t, "lag"):
		return "lag"
	case strings.Contains(t, "throughput"):
		return "throughput"
	case strings.Contains(t, "latency CDF"):
		return "latency-cdf"
	case strings.Contains(t, "latency"):
		return "latency"
	case strings.Contains(t, "replication"):
		return "isr"
	case strings.Contains(t, "dead letters"):
		return "dlq"
	}
	return strings.ToLower(strings.ReplaceAll(t, " ", "-"))
}
