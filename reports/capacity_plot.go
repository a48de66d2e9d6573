package reports

import (
	"fmt"

	"gonum.org/v1/plot/vg"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

// CapacityCharts builds the sensitivity charts for a design review: brokers
// needed by each constraint as retention grows from 1 to 30 days, and
// partitions as the peak factor grows from 1× to 20×.
func CapacityCharts(w capacity.Workload) []Chart {
	name := w.Name
	if name == "" {
		name = "workload"
	}
	days := make([]float64, 30)
	for i := range days {
		days[i] = float64(i + 1)
	}
	byRetention := capacity.Sweep(w, days, func(w *capacity.Workload, d float64) {
		w.Retention = units.Duration(d * float64(units.Day))
	})
	brokers := Chart{
		Title:  fmt.Sprintf("%s: brokers needed vs retention", name),
		XLabel: "retention (days)",
		YLabel: "brokers",
	}
	zero := 0.0
	brokers.YMin = &zero
	if len(byRetention) > 0 {
		for ci, c := range byRetention[0].Plan.Constraints {
			s := Series{Name: c.Name}
			for _, pt := range byRetention {
				s.X = append(s.X, pt.X)
				s.Y = append(s.Y, pt.Plan.Constraints[ci].Exact)
			}
			brokers.Series = append(brokers.Series, s)
		}
		total := Series{Name: "brokers (max, rounded up)", Thick: true}
		rec := Series{Name: "recommended (with margins)", Thick: true}
		for _, pt := range byRetention {
			total.X = append(total.X, pt.X)
			total.Y = append(total.Y, float64(pt.Plan.Brokers))
			rec.X = append(rec.X, pt.X)
			rec.Y = append(rec.Y, float64(pt.Plan.Recommended.Brokers))
		}
		brokers.Series = append(brokers.Series, total, rec)
	}
	if w.Retention > 0 {
		brokers.Markers = []Marker{{X: w.Retention.Seconds() / capacity.SecondsPerDay, Label: "this workload"}}
	}

	factors := make([]float64, 0, 39)
	for f := 1.0; f <= 20; f += 0.5 {
		factors = append(factors, f)
	}
	byPeak := capacity.Sweep(w, factors, func(w *capacity.Workload, f float64) { w.PeakFactor = units.Ratio(f) })
	parts := Chart{
		Title:  fmt.Sprintf("%s: partitions vs peak factor", name),
		XLabel: "peak ÷ average (×)",
		YLabel: "partitions",
		YMin:   &zero,
	}
	minS := Series{Name: "minimum (carry the peak)"}
	planS := Series{Name: fmt.Sprintf("plan (× %s headroom)", w.Headroom)}
	recS := Series{Name: fmt.Sprintf("recommended (× %s headroom)", max(w.Headroom, w.RecommendedHeadroom)), Thick: true}
	for _, pt := range byPeak {
		minS.X = append(minS.X, pt.X)
		minS.Y = append(minS.Y, float64(pt.Plan.PartitionsMinimum))
		planS.X = append(planS.X, pt.X)
		planS.Y = append(planS.Y, float64(pt.Plan.Partitions))
		recS.X = append(recS.X, pt.X)
		recS.Y = append(recS.Y, float64(pt.Plan.Recommended.Partitions))
	}
	parts.Series = []Series{minS, planS, recS}
	if w.PeakFactor > 0 {
		parts.Markers = []Marker{{X: float64(w.PeakFactor), Label: "this workload"}}
	}
	return []Chart{brokers, parts}
}

// SaveCapacityPlot writes the sensitivity charts side by side to path.
func SaveCapacityPlot(path string, w capacity.Workload) error {
	return SaveCharts(path, CapacityCharts(w), 2, 12*vg.Inch, 5*vg.Inch)
}
