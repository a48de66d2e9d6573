package reports

import (
	"fmt"
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

func col(v Variant, name string) (Series, bool) {
	vals := v.Results.Series.Column(name)
	if vals == nil {
		return Series{}, false
	}
	return Series{X: v.Results.Series.Time, Y: vals}, true
}

// RunCharts builds the standard charts of one or more runs: consumer lag,
// throughput in vs out, end-to-end latency over time, ISR health, and — where
// the runs have them — DLQ depth and retries. Markers (faults, recoveries)
// are drawn on every time chart.
func RunCharts(title string, variants []Variant, markers []Marker) []Chart {
	zero := 0.0
	lag := Chart{Title: title + ": consumer lag", XLabel: "simulated time (s)", YLabel: "lag (messages)", Markers: markers, YMin: &zero}
	tput := Chart{Title: title + ": throughput", XLabel: "simulated time (s)", YLabel: "messages/s", Markers: markers, YMin: &zero}
	lat := Chart{Title: title + ": end-to-end latency", XLabel: "simulated time (s)", YLabel: "latency (ms)", Markers: markers, YMin: &zero}
	isr := Chart{Title: title + ": replication health", XLabel: "simulated time (s)", YLabel: "partitions / replicas", Markers: markers, YMin: &zero}
	dlq := Chart{Title: title + ": dead letters and retries", XLabel: "simulated time (s)", YLabel: "messages", Markers: markers, YMin: &zero}
	many := len(variants) > 1
	for _, v := range variants {
		s := &v.Results.Series
		for _, g := range groupsOf(s, "lag/") {
			what := "lag"
			if len(groupsOf(s, "lag/")) > 1 || !many {
				what = "lag " + g
			}
			if sr, ok := col(v, "lag/"+g); ok {
				sr.Name = seriesName(v, what)
				lag.Series = append(lag.Series, sr)
			}
			if !many {
				if sr, ok := col(v, "max_partition_lag/"+g); ok {
					sr.Name = seriesName(v, "worst partition "+g)
					lag.Series = append(lag.Series, sr)
				}
			}
		}
		if sr, ok := col(v, "acked_per_s"); ok {
			sr.Name = seriesName(v, "in (acked)")
			tput.Series = append(tput.Series, sr)
		} else if sr, ok := col(v, "produced_per_s"); ok {
			sr.Name = seriesName(v, "in (produced)")
			tput.Series = append(tput.Series, sr)
		}
		for _, g := range groupsOf(s, "consumed_per_s/") {
			if sr, ok := col(v, "consumed_per_s/"+g); ok {
				sr.Name = seriesName(v, "out "+g)
				tput.Series = append(tput.Series, sr)
			}
		}
		for _, q := range []string{"p50", "p99"} {
			if many && q == "p50" {
				continue
			}
			if sr, ok := col(v, "e2e_"+q+"_ms"); ok {
				sr.Name = seriesName(v, q)
				lat.Series = append(lat.Series, sr)
			}
		}
		if sr, ok := col(v, "under_replicated"); ok {
			sr.Name = seriesName(v, "under-replicated partitions")
			isr.Series = append(isr.Series, sr)
		}
		if sr, ok := col(v, "min_isr"); ok {
			sr.Name = seriesName(v, "smallest ISR")
			isr.Series = append(isr.Series, sr)
		}
		for _, c := range s.Columns {
			if strings.HasPrefix(c.Name, "dlq_depth") || strings.HasPrefix(c.Name, "retries") {
				dlq.Series = append(dlq.Series, Series{Name: seriesName(v, strings.ReplaceAll(c.Name, "_", " ")), X: s.Time, Y: c.Values})
			}
		}
	}
	charts := []Chart{lag, tput, lat, isr}
	if len(dlq.Series) > 0 {
		charts = append(charts, dlq)
	}
	return charts
}

// chartFile names the file a chart is saved to: lag, throughput, latency, …
func chartFile(c Chart) string {
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

var _ = fmt.Sprintf
