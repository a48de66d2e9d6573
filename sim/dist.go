package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Dist is a probability distribution of a non-negative quantity (a service
// time in seconds, a size in bytes, a gap between arrivals). Sample draws
// from the given stream only, so a component's draws depend on its own
// stream alone. String returns a form that ParseDist reads back.
type Dist interface {
	Sample(r *rand.Rand) float64
	Mean() float64
	String() string
}

// SampleTime draws from d, read as seconds, and converts to Time.
func SampleTime(d Dist, r *rand.Rand) Time { return Seconds(d.Sample(r)) }

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 15, 64) }

// Constant always returns Value.
type Constant struct{ Value float64 }

// Sample returns c.Value.
func (c Constant) Sample(*rand.Rand) float64 { return c.Value }

// Mean returns c.Value.
func (c Constant) Mean() float64 { return c.Value }

func (c Constant) String() string { return "const(" + fmtNum(c.Value) + ")" }

// Uniform is uniform on [Min, Max).
type Uniform struct{ Min, Max float64 }

// Sample draws from u.
func (u Uniform) Sample(r *rand.Rand) float64 {
	return distuv.Uniform{Min: u.Min, Max: u.Max, Src: r}.Rand()
}

// Mean returns (Min+Max)/2.
func (u Uniform) Mean() float64 { return (u.Min + u.Max) / 2 }

func (u Uniform) String() string { return "uniform(" + fmtNum(u.Min) + ", " + fmtNum(u.Max) + ")" }

// Exponential has mean 1/Rate: memoryless gaps and service times.
type Exponential struct{ Rate float64 }

// Sample draws from e.
func (e Exponential) Sample(r *rand.Rand) float64 {
	return distuv.Exponential{Rate: e.Rate, Src: r}.Rand()
}

// Mean returns 1/Rate.
func (e Exponential) Mean() float64 { return 1 / e.Rate }

func (e Exponential) String() string { return "exp(" + fmtNum(1/e.Rate) + ")" }

// Normal is a normal distribution with parameters Mu and Sigma truncated
// at 0: values below 0 are never drawn (the density is renormalised, not
// piled up at 0), and Mean is the mean of the truncated distribution.
type Normal struct{ Mu, Sigma float64 }

// accept returns P(X > 0) for the untruncated distribution.
func (n Normal) accept() float64 { return distuv.UnitNormal.CDF(n.Mu / n.Sigma) }

// Sample draws from the truncated distribution: by rejection when most of
// the mass is above 0, by inverse CDF otherwise.
func (n Normal) Sample(r *rand.Rand) float64 {
	if n.Sigma <= 0 {
		return max(n.Mu, 0)
	}
	p := n.accept()
	if p >= 0.25 {
		for {
			if x := n.Mu + n.Sigma*r.NormFloat64(); x >= 0 {
				return x
			}
		}
	}
	// X > 0 ⇔ Z > -Mu/Sigma; Z = -Φ⁻¹(V) with V uniform on (0, p).
	v := r.Float64() * p
	if v == 0 {
		v = math.SmallestNonzeroFloat64
	}
	return max(n.Mu-n.Sigma*distuv.UnitNormal.Quantile(v), 0)
}

// Mean returns Mu + Sigma·φ(α)/(1−Φ(α)) with α = −Mu/Sigma.
func (n Normal) Mean() float64 {
	if n.Sigma <= 0 {
		return max(n.Mu, 0)
	}
	a := -n.Mu / n.Sigma
	return n.Mu + n.Sigma*distuv.UnitNormal.Prob(a)/distuv.UnitNormal.Survival(a)
}

func (n Normal) String() string {
	return "normal(mean=" + fmtNum(n.Mu) + ", stddev=" + fmtNum(n.Sigma) + ")"
}

// LogNormal is exp(N(Mu, Sigma²)): Mu and Sigma are in log space, so the
// median is exp(Mu). Build it from observable figures with
// LogNormalFromMedianP99 or LogNormalFromMeanStdDev.
type LogNormal struct{ Mu, Sigma float64 }

// z99 is Φ⁻¹(0.99).
var z99 = distuv.UnitNormal.Quantile(0.99)

// LogNormalFromMedianP99 returns the log-normal with the given median and
// 99th percentile: Mu = ln median, Sigma = (ln p99 − ln median)/Φ⁻¹(0.99).
func LogNormalFromMedianP99(median, p99 float64) (LogNormal, error) {
	if !(median > 0) || math.IsInf(median, 0) {
		return LogNormal{}, fmt.Errorf("lognormal: median (%s) must be positive and finite", fmtNum(median))
	}
	if !(p99 > median) || math.IsInf(p99, 0) {
		return LogNormal{}, fmt.Errorf("lognormal: p99 (%s) must be greater than median (%s)", fmtNum(p99), fmtNum(median))
	}
	mu := math.Log(median)
	return LogNormal{Mu: mu, Sigma: (math.Log(p99) - mu) / z99}, nil
}

// LogNormalFromMeanStdDev returns the log-normal with the given mean and
// standard deviation: Sigma² = ln(1 + sd²/mean²), Mu = ln mean − Sigma²/2.
func LogNormalFromMeanStdDev(mean, stddev float64) (LogNormal, error) {
	if !(mean > 0) || math.IsInf(mean, 0) {
		return LogNormal{}, fmt.Errorf("lognormal: mean (%s) must be positive and finite", fmtNum(mean))
	}
	if !(stddev >= 0) || math.IsInf(stddev, 0) {
		return LogNormal{}, fmt.Errorf("lognormal: stddev (%s) must be non-negative and finite", fmtNum(stddev))
	}
	s2 := math.Log1p(stddev * stddev / (mean * mean))
	return LogNormal{Mu: math.Log(mean) - s2/2, Sigma: math.Sqrt(s2)}, nil
}

// Sample draws from l.
func (l LogNormal) Sample(r *rand.Rand) float64 {
	return distuv.LogNormal{Mu: l.Mu, Sigma: l.Sigma, Src: r}.Rand()
}

// Mean returns exp(Mu + Sigma²/2).
func (l LogNormal) Mean() float64 { return math.Exp(l.Mu + l.Sigma*l.Sigma/2) }

// Quantile returns the p-quantile.
func (l LogNormal) Quantile(p float64) float64 {
	return distuv.LogNormal{Mu: l.Mu, Sigma: l.Sigma}.Quantile(p)
}

func (l LogNormal) String() string {
	return "lognormal(median=" + fmtNum(math.Exp(l.Mu)) + ", sigma=" + fmtNum(l.Sigma) + ")"
}

// Pareto is the type I Pareto distribution: values ≥ Scale with tail index
// Shape. Its mean is infinite when Shape ≤ 1.
type Pareto struct{ Scale, Shape float64 }

// Sample draws from p.
func (p Pareto) Sample(r *rand.Rand) float64 {
	return distuv.Pareto{Xm: p.Scale, Alpha: p.Shape, Src: r}.Rand()
}

// Mean returns Scale·Shape/(Shape−1), or +Inf when Shape ≤ 1.
func (p Pareto) Mean() float64 {
	if p.Shape <= 1 {
		return math.Inf(1)
	}
	return p.Scale * p.Shape / (p.Shape - 1)
}

func (p Pareto) String() string {
	return "pareto(scale=" + fmtNum(p.Scale) + ", shape=" + fmtNum(p.Shape) + ")"
}

// Weibull has CDF 1 − exp(−(x/Scale)^Shape).
type Weibull struct{ Scale, Shape float64 }

// Sample draws from w.
func (w Weibull) Sample(r *rand.Rand) float64 {
	return distuv.Weibull{K: w.Shape, Lambda: w.Scale, Src: r}.Rand()
}

// Mean returns Scale·Γ(1 + 1/Shape).
func (w Weibull) Mean() float64 { return w.Scale * math.Gamma(1+1/w.Shape) }

func (w Weibull) String() string {
	return "weibull(scale=" + fmtNum(w.Scale) + ", shape=" + fmtNum(w.Shape) + ")"
}

// Point is one row of an empirical distribution's table: the value V at
// cumulative probability P (0 ≤ P ≤ 1).
type Point struct{ P, V float64 }

// Empirical is a distribution given by a table of percentiles, linearly
// interpolated between rows (so its CDF is piecewise linear). Build it with
// NewEmpirical or NewEmpiricalValues.
type Empirical struct {
	pts []Point
}

// NewEmpirical returns the distribution through the given points. The table
// must start at P = 0 and end at P = 1, with P strictly increasing and V
// non-decreasing; at least two points.
func NewEmpirical(points []Point) (*Empirical, error) {
	if len(points) < 2 {
		return nil, fmt.Errorf("empirical: need at least two points, got %d", len(points))
	}
	for i, p := range points {
		if math.IsNaN(p.P) || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			return nil, fmt.Errorf("empirical: point %d is not a finite number", i)
		}
		if i > 0 && !(p.P > points[i-1].P) {
			return nil, fmt.Errorf("empirical: percentiles must increase (p%s after p%s)", fmtNum(100*p.P), fmtNum(100*points[i-1].P))
		}
		if i > 0 && p.V < points[i-1].V {
			return nil, fmt.Errorf("empirical: p%s (%s) is less than p%s (%s)", fmtNum(100*p.P), fmtNum(p.V), fmtNum(100*points[i-1].P), fmtNum(points[i-1].V))
		}
	}
	if points[0].P != 0 {
		return nil, fmt.Errorf("empirical: table must start at p0 (min), starts at p%s", fmtNum(100*points[0].P))
	}
	if points[len(points)-1].P != 1 {
		return nil, fmt.Errorf("empirical: table must end at p100 (max), ends at p%s", fmtNum(100*points[len(points)-1].P))
	}
	return &Empirical{pts: append([]Point(nil), points...)}, nil
}

// NewEmpiricalValues returns the distribution of a sample: the values are
// sorted and the i-th of n placed at P = i/(n−1). One value gives a
// constant.
func NewEmpiricalValues(values []float64) (*Empirical, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("empirical: no values")
	}
	v := append([]float64(nil), values...)
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("empirical: value %d is not a finite number", i)
		}
	}
	sort.Float64s(v)
	if len(v) == 1 {
		v = append(v, v[0])
	}
	pts := make([]Point, len(v))
	for i, x := range v {
		pts[i] = Point{P: float64(i) / float64(len(v)-1), V: x}
	}
	pts[len(pts)-1].P = 1
	return &Empirical{pts: pts}, nil
}

// Points returns a copy of the table.
func (e *Empirical) Points() []Point { return append([]Point(nil), e.pts...) }

// Sample draws by inverting the piecewise-linear CDF.
func (e *Empirical) Sample(r *rand.Rand) float64 { return e.Quantile(r.Float64()) }

// Quantile returns the interpolated value at cumulative probability p.
func (e *Empirical) Quantile(p float64) float64 {
	pts := e.pts
	i := sort.Search(len(pts), func(i int) bool { return pts[i].P > p })
	switch {
	case i == 0:
		return pts[0].V
	case i == len(pts):
		return pts[len(pts)-1].V
	}
	a, b := pts[i-1], pts[i]
	return a.V + (b.V-a.V)*(p-a.P)/(b.P-a.P)
}

// Mean is the exact mean of the piecewise-linear distribution.
func (e *Empirical) Mean() float64 {
	var m float64
	for i := 1; i < len(e.pts); i++ {
		a, b := e.pts[i-1], e.pts[i]
		m += (b.P - a.P) * (a.V + b.V) / 2
	}
	return m
}

func (e *Empirical) String() string {
	var b strings.Builder
	b.WriteString("empirical(")
	for i, p := range e.pts {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case i == 0:
			b.WriteString("min")
		case i == len(e.pts)-1:
			b.WriteString("max")
		default:
			b.WriteString("p" + fmtNum(100*p.P))
		}
		b.WriteString("=" + fmtNum(p.V))
	}
	b.WriteString(")")
	return b.String()
}
