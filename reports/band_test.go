package reports

import (
	"bytes"
	"testing"

	"gonum.org/v1/plot/vg"
)

// A series with Lo and Hi draws its band as one filled polygon under the
// line; without them nothing is filled.
func TestSeriesBandIsFilled(t *testing.T) {
	x := []float64{0, 1, 2, 3}
	line := Series{Name: "mean", X: x, Y: []float64{1, 2, 3, 4}}
	banded := line
	banded.Lo, banded.Hi = []float64{0.5, 1.5, 2.5, 3.5}, []float64{1.5, 2.5, 3.5, 4.5}
	render := func(s Series) []byte {
		b, err := RenderCharts("svg", []Chart{{Title: "t", XLabel: "x", YLabel: "y", Series: []Series{s}}}, 1, 4*vg.Inch, 3*vg.Inch)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	plain, withBand := render(line), render(banded)
	// The band's colour is the line's with alpha 60/255.
	if bytes.Count(withBand, []byte("fill-opacity")) <= bytes.Count(plain, []byte("fill-opacity")) {
		t.Error("the banded chart has no more translucent fills than the plain one")
	}
	if p := bandPolygon(banded, false, false); p == nil || len(p.XYs[0]) != 8 {
		t.Errorf("band polygon: %v; want the 4 upper then 4 lower points", p)
	}
	short := banded
	short.Lo = short.Lo[:2]
	if bandPolygon(short, false, false) != nil {
		t.Error("a band of the wrong length was drawn")
	}
}
