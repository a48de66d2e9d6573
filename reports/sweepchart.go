package reports

import (
	"bytes"
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// intervalChart is one metric of a sweep: a point per variant (the mean
// over seeds) with an error bar spanning its 95% confidence interval, the
// variants named along the x axis. Variants are categories, so no line
// joins them.
type intervalChart struct {
	Title, YLabel   string
	Labels          []string
	Mean, Low, High []float64 // Low = High = Mean where there is no interval
	YMillis         bool
}

type meanWithCI struct {
	plotter.XYs
	plotter.YErrors
}

func (c intervalChart) build() (*plot.Plot, error) {
	p := plot.New()
	sansFont(p)
	p.Title.Text = c.Title
	p.Y.Label.Text = c.YLabel
	p.Y.Tick.Marker = humanTicks{millis: c.YMillis}
	p.Add(plotter.NewGrid())
	d := meanWithCI{XYs: make(plotter.XYs, len(c.Mean)), YErrors: make(plotter.YErrors, len(c.Mean))}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range c.Mean {
		d.XYs[i] = plotter.XY{X: float64(i), Y: c.Mean[i]}
		d.YErrors[i].Low, d.YErrors[i].High = c.Mean[i]-c.Low[i], c.High[i]-c.Mean[i]
		lo, hi = math.Min(lo, c.Low[i]), math.Max(hi, c.High[i])
	}
	bars, err := plotter.NewYErrorBars(d)
	if err != nil {
		return nil, err
	}
	bars.LineStyle.Color, bars.LineStyle.Width = palette[0], vg.Points(1.5)
	bars.CapWidth = vg.Points(10)
	pts, err := plotter.NewScatter(d.XYs)
	if err != nil {
		return nil, err
	}
	pts.GlyphStyle.Color, pts.GlyphStyle.Shape, pts.GlyphStyle.Radius = palette[0], draw.CircleGlyph{}, vg.Points(4)
	p.Add(bars, pts)
	p.NominalX(c.Labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(c.Mean))-0.5
	// Room above and below the bars; a flat metric (all zero) still gets an axis.
	pad := (hi - lo) * 0.1
	if pad == 0 {
		pad = math.Max(1, math.Abs(hi)*0.1)
	}
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	if lo >= 0 && p.Y.Min < 0 {
		p.Y.Min = 0
	}
	return p, nil
}

// render draws the chart as "png" or "svg" (fonts embedded).
func (c intervalChart) render(format string) ([]byte, error) {
	p, err := c.build()
	if err != nil {
		return nil, err
	}
	var canvas vg.CanvasWriterTo
	switch format {
	case "png":
		canvas = fastPNG{vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(PNGDPI))}
	case "svg":
		canvas = vgsvg.NewWith(vgsvg.UseWH(chartWidth, chartHeight), vgsvg.EmbedFonts(true))
	default:
		return nil, fmt.Errorf("unknown image format %q", format)
	}
	// A margin all round, so the title and the last label are not clipped.
	p.Draw(draw.Crop(draw.New(canvas), 4*vg.Millimeter, -6*vg.Millimeter, 4*vg.Millimeter, -4*vg.Millimeter))
	var b bytes.Buffer
	if _, err := canvas.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
