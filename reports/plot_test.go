package reports

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// A run whose consumers processed nothing from 3s to 6s (an outage): the
// model writes 0 ms latency there; the chart has a gap and the CSV empty
// cells.
func TestLatencyGapsWhereNothingWasProcessed(t *testing.T) {
	r := syntheticRun(t, "", "all", 0)
	for i := range r.Results.Series.Columns {
		c := &r.Results.Series.Columns[i]
		if c.Name == "consumed_per_s/analytics" || isLatencyColumn(c.Name) {
			c.Values = append([]float64(nil), c.Values...)
			for j := 2; j < 5; j++ { // the intervals ending at 3s, 4s and 5s
				c.Values[j] = 0
			}
		}
	}
	var lat Chart
	for _, c := range RunCharts("t", []Variant{{Results: r.Results}}, nil) {
		if ChartFile(c) == "latency" {
			lat = c
		}
	}
	if len(lat.Series) == 0 {
		t.Fatal("no latency chart")
	}
	for _, s := range lat.Series {
		for j, y := range s.Y {
			gap := j >= 2 && j < 5
			if gap != math.IsNaN(y) {
				t.Errorf("%s at %gs = %v; want NaN exactly where nothing was processed", s.Name, s.X[j], y)
			}
		}
		if segs := segments(s.X, s.Y, false, false); len(segs) != 2 || len(segs[0]) != 2 || len(segs[1]) != 5 {
			t.Errorf("%s is drawn as %d pieces, want 2 (2 and 5 points) around the gap", s.Name, len(segs))
		}
	}
	// The model's own series is untouched (its JSON has no NaN).
	if v := r.Results.Series.Column("e2e_p99_ms")[3]; v != 0 {
		t.Errorf("WithGaps changed the results: %v", v)
	}
	var csv bytes.Buffer
	if err := TimeseriesCSV(&csv, &r.Results.Series); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(csv.String(), "\n")
	header := strings.Split(lines[0], ",")
	col := -1
	for i, h := range header {
		if h == "e2e_p99_ms" {
			col = i
		}
	}
	for j := 1; j <= 6; j++ {
		cell := strings.Split(lines[j], ",")[col]
		if gap := j-1 >= 2 && j-1 < 5; gap != (cell == "") {
			t.Errorf("timeseries.csv row %d e2e_p99_ms = %q; want empty exactly in the gap", j, cell)
		}
	}
	// Downsampling keeps the gap.
	x := make([]float64, 10000)
	y := make([]float64, 10000)
	for i := range x {
		x[i], y[i] = float64(i), 5
		if i >= 5000 && i < 5100 {
			y[i] = math.NaN()
		}
	}
	xs, ys := Downsample(x, y, 600)
	nan := 0
	for _, v := range ys {
		if math.IsNaN(v) {
			nan++
		}
	}
	if nan == 0 || len(segments(xs, ys, false, false)) != 2 {
		t.Errorf("Downsample dropped the gap")
	}
}

// The latency axis is logarithmic when values span 10× or more (11.7 ms
// and 199 ms both readable) and linear otherwise.
func TestLatencyLogAxisWhenSpanIsTenfold(t *testing.T) {
	mk := func(ys ...float64) Chart {
		xs := make([]float64, len(ys))
		for i := range xs {
			xs[i] = float64(i)
		}
		return Chart{Title: "t: end-to-end latency", AutoLogY: true, Series: []Series{{Name: "p99", X: xs, Y: ys}}}
	}
	for _, c := range []struct {
		ys  []float64
		log bool
	}{
		{[]float64{11.7, 12, 199, 13}, true},
		{[]float64{5, 9, 20, 49}, false}, // 9.8×
		{[]float64{5, 50}, true},         // exactly 10×
		{[]float64{math.NaN(), 3, math.NaN(), 300}, true},
	} {
		ch := mk(c.ys...)
		if ch.LogY() != c.log {
			t.Errorf("LogY(%v) = %v, want %v", c.ys, ch.LogY(), c.log)
		}
		p, _, err := ch.build()
		if err != nil {
			t.Fatal(err)
		}
		_, isLog := p.Y.Scale.(plot.LogScale)
		if isLog != c.log {
			t.Errorf("%v: y scale log = %v, want %v", c.ys, isLog, c.log)
		}
	}
	linear := mk(11.7, 199)
	linear.AutoLogY = false
	if linear.LogY() {
		t.Error("a chart that did not ask for a log axis got one")
	}
}

// Ticks read as people write numbers, and a time axis has enough of them.
func TestHumanTicks(t *testing.T) {
	for v, want := range map[float64]string{4e6: "4M", 1500: "1.5K", 250: "250", 0.5: "0.5", 0: "0", 2.5e9: "2.5B"} {
		if got := tickLabel(v, false); got != want {
			t.Errorf("tickLabel(%g) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{10000: "10s", 500: "500ms", 0.5: "500µs", 0: "0", 90000: "90s"} {
		if got := tickLabel(v, true); got != want {
			t.Errorf("tickLabel(%g ms) = %q, want %q", v, got, want)
		}
	}
	labelled := 0
	for _, tk := range (humanTicks{}).Ticks(0, 60) {
		if tk.Label != "" {
			labelled++
		}
	}
	if labelled < 6 || labelled > 13 {
		t.Errorf("%d labelled ticks on a 0–60 s axis, want 6 to 13", labelled)
	}
}

// Two identical lines (acks=1 and acks=all with the same latency) are
// told apart: the second is dotted with markers and the legend says so.
func TestIdenticalSeriesAreMarked(t *testing.T) {
	xs, ys := []float64{1, 2, 3}, []float64{4, 5, 6}
	c := Chart{Title: "t", Series: []Series{{Name: "acks=1: p99", X: xs, Y: ys, Color: 1}, {Name: "acks=all: p99", X: xs, Y: ys, Color: 2}}}
	_, leg, err := c.build()
	if err != nil {
		t.Fatal(err)
	}
	if len(leg.names) != 2 || leg.names[1] != "acks=all: p99 (same as acks=1: p99)" || leg.names[0] != "acks=1: p99" {
		t.Errorf("legend %q, want the second marked as the same as the first", leg.names)
	}
}
