package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"mqsim/scenarios/units"
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
	// Lo and Hi, when set (one value per X), bound a band drawn under
	// the line in its colour: a confidence interval around a mean.
	Lo, Hi []float64
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
	// XMillis and YMillis label an axis whose values are milliseconds as
	// durations: 500ms, 2s, 1m30s.
	XMillis, YMillis bool
	// AutoLogY draws the y axis on a log scale when the data span a
	// factor of 10 or more (see LogY).
	AutoLogY bool
	YMin     *float64
	YMax     *float64 // a fixed top (no headroom is added)
	// Heat, if set, makes the chart a heat map of it (run_services.go).
	Heat *HeatGrid
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
// minimum and maximum so spikes survive, and a NaN where the bucket has
// one, so gaps (intervals without data) survive too.
func Downsample(x, y []float64, max int) ([]float64, []float64) {
	n := min(len(x), len(y))
	if n <= max || max < 6 {
		return x[:n], y[:n]
	}
	buckets := max / 3
	xs := make([]float64, 0, max)
	ys := make([]float64, 0, max)
	for b := 0; b < buckets; b++ {
		lo, hi := b*n/buckets, (b+1)*n/buckets
		if lo >= hi {
			continue
		}
		iMin, iMax, iNaN := -1, -1, -1
		for i := lo; i < hi; i++ {
			if math.IsNaN(y[i]) {
				if iNaN < 0 {
					iNaN = i
				}
				continue
			}
			if iMin < 0 || y[i] < y[iMin] {
				iMin = i
			}
			if iMax < 0 || y[i] > y[iMax] {
				iMax = i
			}
		}
		keep := []int{iMin, iMax, iNaN}
		sort.Ints(keep)
		last := -1
		for _, i := range keep {
			if i >= 0 && i != last {
				xs = append(xs, x[i])
				ys = append(ys, y[i])
				last = i
			}
		}
	}
	return xs, ys
}

// sansFont sets the plot's text in a sans-serif face, which reads better
// on slides and screens than the serif default.
func sansFont(p *plot.Plot) {
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.Title.TextStyle.Font.Size = vg.Points(14)
}

// segments splits a series' points at NaN (no data in that interval), so
// a gap is drawn as a gap. Points with x or y outside a log axis's domain
// are left out.
func segments(xs, ys []float64, logX, logY bool) []plotter.XYs {
	var segs []plotter.XYs
	var cur plotter.XYs
	for j := range min(len(xs), len(ys)) {
		x, y := xs[j], ys[j]
		if math.IsNaN(y) || math.IsInf(y, 0) || math.IsNaN(x) {
			if len(cur) > 0 {
				segs = append(segs, cur)
				cur = nil
			}
			continue
		}
		if logX && x <= 0 || logY && y <= 0 {
			continue
		}
		cur = append(cur, plotter.XY{X: x, Y: y})
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

// span returns the smallest positive and the largest finite y of the
// chart's series.
func (c Chart) span() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, y := range s.Y {
			if math.IsNaN(y) || math.IsInf(y, 0) {
				continue
			}
			hi = math.Max(hi, y)
			if y > 0 {
				lo = math.Min(lo, y)
			}
		}
	}
	return lo, hi
}

// LogY reports whether the chart draws its y axis on a log scale: asked
// for (AutoLogY) and the positive values span a factor of 10 or more, so
// 11.7 ms and 199 ms are both readable.
func (c Chart) LogY() bool {
	if !c.AutoLogY {
		return false
	}
	lo, hi := c.span()
	return lo > 0 && !math.IsInf(hi, 0) && hi/lo >= 10
}

// sameData reports whether two series draw the same line.
func sameData(a, b Series) bool {
	if len(a.X) != len(b.X) || len(a.Y) != len(b.Y) || len(a.Y) == 0 {
		return false
	}
	for i := range a.X {
		if a.X[i] != b.X[i] {
			return false
		}
	}
	for i := range a.Y {
		if a.Y[i] != b.Y[i] && !(math.IsNaN(a.Y[i]) && math.IsNaN(b.Y[i])) {
			return false
		}
	}
	return true
}

// build makes the plot and, separately, its legend, which RenderCharts
// draws beside the data so it never covers a line.
func (c Chart) build() (*plot.Plot, *legend, error) {
	if c.Heat != nil {
		return c.buildHeat() // run_services.go
	}
	p := plot.New()
	sansFont(p)
	p.Title.Text = Clean(c.Title)
	p.X.Label.Text = Clean(c.XLabel)
	p.Y.Label.Text = Clean(c.YLabel)
	p.Add(plotter.NewGrid())
	p.X.Tick.Marker = humanTicks{millis: c.XMillis}
	p.Y.Tick.Marker = humanTicks{millis: c.YMillis}
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{millis: c.XMillis}
	}
	logY := c.LogY()
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{millis: c.YMillis}
	}
	leg := &legend{Legend: plot.NewLegend()}
	leg.TextStyle = p.Legend.TextStyle
	leg.TextStyle.Font.Size = vg.Points(10)
	leg.Top, leg.Left = true, true
	leg.Padding = vg.Points(4)
	leg.ThumbnailWidth = vg.Points(24)
	ymax, ymin := math.Inf(-1), math.Inf(1)
	for i, s := range c.Series {
		xs, ys := Downsample(s.X, s.Y, MaxPoints)
		segs := segments(xs, ys, c.LogX, logY)
		if len(segs) == 0 {
			continue
		}
		name := Clean(s.Name)
		style := draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.5)}
		if s.Color > 0 {
			style.Color = palette[(s.Color-1)%len(palette)]
		}
		if s.Thick {
			style.Width = vg.Points(3)
		}
		if s.Dashed || (s.Color == 0 && i >= len(palette)) {
			style.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		// A line identical to an earlier one would hide under it: draw it
		// dotted, with markers, and say so in the legend.
		var glyphs *plotter.Scatter
		for _, e := range c.Series[:i] {
			if sameData(e, s) {
				style.Dashes = []vg.Length{vg.Points(1), vg.Points(3)}
				name += " (same as " + Clean(e.Name) + ")"
				break
			}
		}
		if strings.Contains(name, " (same as ") {
			var all plotter.XYs
			for _, sg := range segs {
				all = append(all, sg...)
			}
			step := max(1, len(all)/12)
			var marks plotter.XYs
			for k := 0; k < len(all); k += step {
				marks = append(marks, all[k])
			}
			sc, err := plotter.NewScatter(marks)
			if err == nil {
				sc.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(3), Shape: draw.RingGlyph{}}
				glyphs = sc
			}
		}
		if band := bandPolygon(s, c.LogX, logY); band != nil {
			band.Color = withAlpha(style.Color, 60)
			band.LineStyle.Width = 0
			p.Add(band)
			for _, pt := range band.XYs[0] {
				ymax = math.Max(ymax, pt.Y)
				ymin = math.Min(ymin, pt.Y)
			}
		}
		var first *plotter.Line
		for _, sg := range segs {
			for _, pt := range sg {
				ymax = math.Max(ymax, pt.Y)
				ymin = math.Min(ymin, pt.Y)
			}
			l, err := plotter.NewLine(sg)
			if err != nil {
				return nil, nil, fmt.Errorf("series %q: %w", s.Name, err)
			}
			l.LineStyle = style
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		leg.names = append(leg.names, name)
		if glyphs != nil {
			p.Add(glyphs)
			leg.Add(name, first, glyphs)
		} else {
			leg.Add(name, first)
		}
	}
	if logY {
		if !math.IsInf(ymax, -1) {
			p.Y.Min, p.Y.Max = ymin/1.25, ymax*1.25
		}
	} else {
		if c.YMin != nil {
			p.Y.Min = *c.YMin
		}
		if c.YMax != nil {
			p.Y.Max = *c.YMax
		} else if !math.IsInf(ymax, -1) {
			top := ymax * 1.08
			if top <= p.Y.Min {
				top = p.Y.Min + 1
			}
			p.Y.Max = math.Max(p.Y.Max, top)
		}
	}
	for mi, m := range c.Markers {
		x := m.X
		if c.LogX && x <= 0 {
			continue
		}
		line, err := plotter.NewLine(plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}})
		if err != nil {
			return nil, nil, err
		}
		line.Color = color.RGBA{100, 100, 100, 255}
		line.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(line)
		if m.Label != "" {
			// Alternate heights so labels of nearby markers do not collide.
			f := 0.97 - 0.06*float64(mi%2)
			y := p.Y.Min + f*(p.Y.Max-p.Y.Min)
			if logY {
				y = p.Y.Min * math.Pow(p.Y.Max/p.Y.Min, f)
			}
			lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{" " + Clean(m.Label)}})
			if err == nil {
				lbl.TextStyle[0].XAlign = draw.XLeft
				lbl.TextStyle[0].Font.Size = vg.Points(9)
				lbl.TextStyle[0].Font.Variant = "Sans"
				lbl.TextStyle[0].Color = line.Color
				p.Add(lbl)
			}
		}
	}
	return p, leg, nil
}

// drawWithLegend draws a plot and its legend in area: the title centred
// over the whole area, the legend in a strip right of the data when it
// takes at most 40% of the width, else below the data when it takes at
// most 35% of the height (else beside, as wide as it may be), so it never
// covers a line.
func drawWithLegend(p *plot.Plot, leg *legend, area draw.Canvas) {
	if t := p.Title.Text; t != "" {
		sty := p.Title.TextStyle
		area.FillText(sty, vg.Point{X: area.Center().X, Y: area.Max.Y + sty.FontExtents().Descent}, t)
		area.Max.Y -= sty.Rectangle(t).Size().Y + p.Title.Padding
		p.Title.Text = ""
		defer func() { p.Title.Text = t }()
	}
	w := leg.width()
	if w == 0 {
		p.Draw(area)
		return
	}
	width, height := area.Max.X-area.Min.X, area.Max.Y-area.Min.Y
	h := vg.Length(len(leg.names))*(leg.TextStyle.Rectangle("Xg").Size().Y+leg.Padding) + 3*vg.Millimeter
	if w > width*0.4 && h <= height*0.35 {
		plotArea := area
		plotArea.Min.Y += h
		p.Draw(plotArea)
		legArea := area
		legArea.Max.Y = area.Min.Y + h - 2*vg.Millimeter
		legArea.Min.X += p.Y.Label.TextStyle.Rectangle(p.Y.Label.Text).Size().X + 12*vg.Millimeter
		leg.Draw(legArea)
		return
	}
	w = min(w, width*0.4)
	plotArea := area
	plotArea.Max.X -= w
	p.Draw(plotArea)
	legArea := area
	legArea.Min.X = area.Max.X - w + 2*vg.Millimeter
	leg.Draw(legArea)
}

// legend is a chart's legend with its entries' names, to size it.
type legend struct {
	plot.Legend
	names []string
}

// width is the width the legend takes beside a plot.
func (l *legend) width() vg.Length {
	var w vg.Length
	for _, n := range l.names {
		w = max(w, l.TextStyle.Width(n))
	}
	if w == 0 {
		return 0
	}
	return w + l.ThumbnailWidth + 4*vg.Millimeter
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
		canvas = fastPNG{vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(PNGDPI))}
	case "svg":
		canvas = vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(true))
	default:
		return nil, fmt.Errorf("unknown image format %q (want png or svg)", format)
	}
	plots := make([][]*plot.Plot, rows)
	legends := make([][]*legend, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
		legends[r] = make([]*legend, cols)
	}
	for i, c := range charts {
		p, leg, err := c.build()
		if err != nil {
			return nil, err
		}
		plots[i/cols][i%cols] = p
		legends[i/cols][i%cols] = leg
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c := range plots[r] {
			p := plots[r][c]
			if p == nil {
				continue
			}
			drawWithLegend(p, legends[r][c], canvases[r][c])
		}
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fastPNG encodes a canvas as PNG with the fastest compression: a third
// quicker than the default for files a few percent larger.
type fastPNG struct{ *vgimg.Canvas }

func (c fastPNG) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(cw, c.Image())
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// PNGDPI is the pixel density of PNG charts: twice a screen's 96 dpi,
// sharp on a high-density display or a projected slide.
const PNGDPI = 2 * 96

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

// humanTicks puts about eight ticks on a linear axis at round steps (1, 2
// or 5 times a power of ten), labelled in human units: 4M, not 4e+06.
type humanTicks struct{ millis bool }

func (h humanTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	const want = 8
	raw := (hi - lo) / want
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step := pow
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			step = m * pow
			break
		}
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi*(1+1e-12); k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v, h.millis)})
		// A minor tick half-way.
		if h := v + step/2; h <= hi {
			ticks = append(ticks, plot.Tick{Value: h})
		}
	}
	return ticks
}

// tickLabel prints an axis value in human units: 0.5, 250, 1.5K, 4M; or,
// for milliseconds, as a duration: 500µs, 250ms, 1.5s.
func tickLabel(v float64, millis bool) string {
	if millis && v >= 0 {
		return fmtMillis(v)
	}
	if math.Abs(v) < 1000 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return units.FormatSI(v)
}

// logTicks labels a log axis at 1, 2 and 5 times each power of ten (so a
// range within one decade still has labels), with unlabelled minor ticks
// at the other integers.
type logTicks struct{ millis bool }

func (l logTicks) Ticks(lo, hi float64) []plot.Tick {
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
				t.Label = tickLabel(v, l.millis)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// bandPolygon is the region between a series' Lo and Hi (finite points
// only, positive on log axes, downsampled like the line), or nil.
func bandPolygon(s Series, logX, logY bool) *plotter.Polygon {
	if len(s.Lo) != len(s.X) || len(s.Hi) != len(s.X) || len(s.X) < 2 {
		return nil
	}
	step := max(1, len(s.X)/MaxPoints)
	var upper, lower plotter.XYs
	for i := 0; i < len(s.X); i += step {
		x, lo, hi := s.X[i], s.Lo[i], s.Hi[i]
		if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || (logX && x <= 0) || (logY && lo <= 0) {
			continue
		}
		upper = append(upper, plotter.XY{X: x, Y: hi})
		lower = append(lower, plotter.XY{X: x, Y: lo})
	}
	if len(upper) < 2 {
		return nil
	}
	ring := append(plotter.XYs(nil), upper...)
	for i := len(lower) - 1; i >= 0; i-- {
		ring = append(ring, lower[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil
	}
	return poly
}

// withAlpha is c, translucent.
func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), a}
}
