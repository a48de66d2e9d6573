package reports

import (
	"math"
	"testing"

	"gonum.org/v1/plot/vg"

	"mqsim/model"
)

// longRun is a synthetic run of seconds simulated seconds sampled every
// 100ms, with the columns a real run has.
func longRun(seconds int) *model.Results {
	n := seconds * 10
	col := func(f func(i int) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	r := &model.Results{Scenario: "long", Series: model.Series{IntervalSeconds: 0.1,
		Time: col(func(i int) float64 { return float64(i+1) / 10 })}}
	for _, name := range []string{"acked_per_s", "consumed_per_s/g", "lag/g", "max_partition_lag/g", "e2e_p50_ms", "e2e_p99_ms", "under_replicated", "min_isr"} {
		phase := float64(len(name))
		r.Series.Columns = append(r.Series.Columns, model.Column{Name: name,
			Values: col(func(i int) float64 { return 100 + 50*math.Sin(float64(i)/300+phase) })})
	}
	r.E2ECDF = []model.QuantilePoint{{Q: 0, Ms: 1}, {Q: 0.5, Ms: 5}, {Q: 1, Ms: 50}}
	return r
}

func renderAll(b *testing.B, r *model.Results) {
	charts := RunCharts("long", []Variant{{Results: r}}, nil)
	for _, c := range charts {
		if _, err := RenderCharts("png", []Chart{c}, 1, 8*vg.Inch, 4*vg.Inch); err != nil {
			b.Fatal(err)
		}
	}
}

// Drawing the charts of a one-hour run (36,000 samples a series) costs
// about what a one-minute run (600 samples) does, because series are
// downsampled to MaxPoints: compare the two.
func BenchmarkRunCharts(b *testing.B) {
	for _, c := range []struct {
		name    string
		seconds int
	}{{"1min", 60}, {"1h", 3600}} {
		r := longRun(c.seconds)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				renderAll(b, r)
			}
		})
	}
}

// Every series of a long run is drawn with at most MaxPoints points.
func TestLongRunsAreDownsampled(t *testing.T) {
	r := longRun(3600)
	for _, c := range RunCharts("long", []Variant{{Results: r}}, nil) {
		for _, s := range c.Series {
			xs, _ := Downsample(s.X, s.Y, MaxPoints)
			if len(xs) > MaxPoints {
				t.Errorf("%s / %s draws %d points, want at most %d", c.Title, s.Name, len(xs), MaxPoints)
			}
		}
	}
}
