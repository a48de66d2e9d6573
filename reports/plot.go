package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is one line of a chart.
type Series struct {
	Name string
	X, Y []float64
	// Thick draws the line wider (for the series the chart is about).
	Thick bool
	// Color picks palette colour Color-1; 0 colours lines by position.
	// Dashed draws a dashed line. Variants on one chart share a colour,
	// and their secondary lines (p50 beside p99) are dashed.
	Color  int
	Dashed bool
}

// Marker is a labelled vertical line, such as a fault or a recovery.
type Marker struct {
	X     float64
	Label string
}

// Chart is one plot: a title, axes with units, lines and markers.
type Chart struct {
	Title, XLabel, YLabel string
	Series                []Series
	Markers               []Marker
	LogX                  bool // log-scale x axis (values ≤ 0 are clamped)
	YMin                  *float64
	YMax                  *float64 // a fixed top (no headroom is added)
}

// MaxPoints is how many points a series keeps when drawn; longer series are
// downsampled so a one-hour run still draws quickly.
const MaxPoints = 2000

// palette is a colour-blind-safe set (Okabe–Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 0, 0, 255}, color.RGBA{240, 228, 66, 255},
}

// Downsample reduces a series to at most max points, keeping each bucket's
// minimum and maximum so spikes survive.
func Downsample(x, y []float64, max int) ([]float64, []float64) {
	n := min(len(x), len(y))
	if n <= max || max < 4 {
		return x[:n], y[:n]
	}
	buckets := max / 2
	xs := make([]float64, 0, max)
	ys := make([]float64, 0, max)
	for b := 0; b < buckets; b++ {
		lo, hi := b*n/buckets, (b+1)*n/buckets
		if lo >= hi {
			continue
		}
		iMin, iMax := lo, lo
		for i := lo; i < hi; i++ {
			if y[i] < y[iMin] {
				iMin = i
			}
			if y[i] > y[iMax] {
				iMax = i
			}
		}
		first, second := iMin, iMax
		if first > second {
			first, second = second, first
		}
		xs = append(xs, x[first])
		ys = append(ys, y[first])
		if second != first {
			xs = append(xs, x[second])
			ys = append(ys, y[second])
		}
	}
	return xs, ys
}

func (c Chart) build() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = Clean(c.Title)
	p.X.Label.Text = Clean(c.XLabel)
	p.Y.Label.Text = Clean(c.YLabel)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	p.Y.Tick.Marker = cleanTicks{plot.DefaultTicks{}}
	p.X.Tick.Marker = cleanTicks{plot.DefaultTicks{}}
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	ymax := math.Inf(-1)
	for i, s := range c.Series {
		xs, ys := Downsample(s.X, s.Y, MaxPoints)
		pts := make(plotter.XYs, 0, len(xs))
		for j := range xs {
			x, y := xs[j], ys[j]
			if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(y, 0) {
				continue
			}
			if c.LogX && x <= 0 {
				continue
			}
			pts = append(pts, plotter.XY{X: x, Y: y})
			ymax = math.Max(ymax, y)
		}
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("series %q: %w", s.Name, err)
		}
		l.Color = palette[i%len(palette)]
		if s.Color > 0 {
			l.Color = palette[(s.Color-1)%len(palette)]
		}
		l.Width = vg.Points(1.5)
		if s.Thick {
			l.Width = vg.Points(3)
		}
		if s.Dashed || (s.Color == 0 && i >= len(palette)) {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(Clean(s.Name), l)
	}
	if c.YMin != nil {
		p.Y.Min = *c.YMin
	}
	if c.YMax != nil {
		p.Y.Max = *c.YMax
	} else if !math.IsInf(ymax, -1) {
		// Headroom above the data for the legend: each entry takes about
		// 6.5% of the plot's height.
		legend := math.Min(0.65, 0.1+0.065*float64(len(c.Series)))
		top := ymax * math.Max(1.3, 1/(1-legend))
		if top <= p.Y.Min {
			top = p.Y.Min + 1
		}
		p.Y.Max = math.Max(p.Y.Max, top)
	}
	for mi, m := range c.Markers {
		x := m.X
		if c.LogX && x <= 0 {
			continue
		}
		line, err := plotter.NewLine(plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		line.Color = color.RGBA{100, 100, 100, 255}
		line.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(line)
		if m.Label != "" {
			// Alternate heights so labels of nearby markers do not collide.
			y := p.Y.Min + (0.62-0.08*float64(mi%2))*(p.Y.Max-p.Y.Min)
			lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{" " + Clean(m.Label)}})
			if err == nil {
				lbl.TextStyle[0].XAlign = draw.XLeft
				lbl.TextStyle[0].Font.Size = vg.Points(9)
				lbl.TextStyle[0].Color = line.Color
				p.Add(lbl)
			}
		}
	}
	return p, nil
}

// RenderCharts draws charts tiled in cols columns and returns the encoded
// image; format is "png" or "svg" (SVG embeds its fonts).
func RenderCharts(format string, charts []Chart, cols int, width, height vg.Length) ([]byte, error) {
	if len(charts) == 0 {
		return nil, fmt.Errorf("no charts to draw")
	}
	cols = max(1, min(cols, len(charts)))
	rows := (len(charts) + cols - 1) / cols
	var canvas vg.CanvasWriterTo
	switch format {
	case "png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96))}
	case "svg":
		canvas = vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(true))
	default:
		return nil, fmt.Errorf("unknown image format %q (want png or svg)", format)
	}
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for i, c := range charts {
		p, err := c.build()
		if err != nil {
			return nil, err
		}
		plots[i/cols][i%cols] = p
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c := range plots[r] {
			if plots[r][c] != nil {
				plots[r][c].Draw(canvases[r][c])
			}
		}
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ImageFormat returns "png" or "svg" from a file name, or an error.
func ImageFormat(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "png", nil
	case ".svg":
		return "svg", nil
	}
	return "", fmt.Errorf("%s: unknown image type %q (want .png or .svg)", path, filepath.Ext(path))
}

// SaveCharts draws charts into path (.png or .svg) atomically.
func SaveCharts(path string, charts []Chart, cols int, width, height vg.Length) error {
	format, err := ImageFormat(path)
	if err != nil {
		return err
	}
	data, err := RenderCharts(format, charts, cols, width, height)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// cleanTicks prints tick labels without trailing zeros (50, not 50.00).
type cleanTicks struct{ plot.Ticker }

func (t cleanTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := t.Ticker.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 6, 64)
		}
	}
	return ticks
}

// logTicks labels a log axis at 1, 2 and 5 times each power of ten (so a
// range within one decade still has labels), with unlabelled minor ticks
// at the other integers.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 6, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
