package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ValueParser turns one argument of a distribution ("2ms", "64KiB", "0.5")
// into a number in the caller's unit. ParseDist takes one so that the same
// syntax serves durations, sizes and plain counts.
type ValueParser func(string) (float64, error)

// ParseNumber is the default ValueParser: a plain number ("0.25", "1e6"), or
// a Go duration ("1.5ms", "2s") converted to seconds.
func ParseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a number nor a duration", s)
	}
	return d.Seconds(), nil
}

// ParseDist parses a distribution written as name(arguments):
//
//	const(1ms)                          constant
//	exp(2ms)            exp(mean=2ms)   exponential with that mean
//	uniform(1ms, 3ms)   uniform(min=1ms, max=3ms)
//	normal(mean=5ms, stddev=1ms)        normal truncated at 0
//	lognormal(median=5ms, p99=50ms)     also (mean=, stddev=) or (median=, sigma=)
//	pareto(scale=1KiB, shape=1.5)
//	weibull(scale=2ms, shape=0.8)
//	empirical(p50=1ms, p90=5ms, p99=20ms, max=50ms)   min defaults to 0
//	empirical(1ms, 2ms, 2ms, 7ms)       a sample: values equally likely
//
// Quantities go through parseValue (nil means ParseNumber); shape and sigma
// are plain numbers. A bare value ("5ms") is a constant. Errors name the
// distribution and the argument at fault.
func ParseDist(s string, parseValue ValueParser) (Dist, error) {
	if parseValue == nil {
		parseValue = ParseNumber
	}
	src := strings.TrimSpace(s)
	open := strings.IndexByte(src, '(')
	if open < 0 {
		if strings.ContainsAny(src, ")=,") || src == "" {
			return nil, fmt.Errorf("distribution %q: want name(arguments), for example exp(2ms)", s)
		}
		v, err := parseValue(src)
		if err != nil {
			return nil, fmt.Errorf("distribution %q: %w", s, err)
		}
		if err := checkFinite("const", "value", v); err != nil {
			return nil, err
		}
		return Constant{Value: v}, nil
	}
	if !strings.HasSuffix(src, ")") {
		return nil, fmt.Errorf("distribution %q: missing closing parenthesis", s)
	}
	name := strings.ToLower(strings.TrimSpace(src[:open]))
	body := src[open+1 : len(src)-1]
	if strings.ContainsAny(body, "()") {
		return nil, fmt.Errorf("distribution %q: unexpected parenthesis in arguments", s)
	}
	a, err := splitArgs(name, body)
	if err != nil {
		return nil, err
	}
	a.parse = parseValue
	switch name {
	case "const", "constant":
		return parseConst(a)
	case "exp", "exponential":
		return parseExp(a)
	case "uniform":
		return parseUniform(a)
	case "normal":
		return parseNormal(a)
	case "lognormal":
		return parseLogNormal(a)
	case "pareto":
		return parsePareto(a)
	case "weibull":
		return parseWeibull(a)
	case "empirical":
		return parseEmpirical(a)
	}
	return nil, fmt.Errorf("distribution %q: unknown name %q (want const, exp, uniform, normal, lognormal, pareto, weibull or empirical)", s, name)
}

type arg struct{ key, val string }

type args struct {
	dist  string
	list  []arg
	parse ValueParser
}

func splitArgs(name, body string) (*args, error) {
	a := &args{dist: name}
	if strings.TrimSpace(body) == "" {
		return a, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(body, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("%s: empty argument", name)
		}
		var x arg
		if k, v, ok := strings.Cut(part, "="); ok {
			x.key = strings.ToLower(strings.TrimSpace(k))
			x.val = strings.TrimSpace(v)
			if x.key == "" || x.val == "" {
				return nil, fmt.Errorf("%s: malformed argument %q", name, part)
			}
			if seen[x.key] {
				return nil, fmt.Errorf("%s: %s given twice", name, x.key)
			}
			seen[x.key] = true
		} else {
			x.val = part
		}
		a.list = append(a.list, x)
	}
	return a, nil
}

// bind matches the arguments against names: positional arguments fill the
// first names in order; keyed arguments must be among names. The result
// holds the raw text per name ("" when absent).
func (a *args) bind(names ...string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	pos := 0
	keyed := false
	for _, x := range a.list {
		if x.key == "" {
			if keyed {
				return nil, fmt.Errorf("%s: positional argument %q after a named one", a.dist, x.val)
			}
			if pos >= len(names) {
				return nil, fmt.Errorf("%s: too many arguments (want %s)", a.dist, strings.Join(names, ", "))
			}
			out[names[pos]] = x.val
			pos++
			continue
		}
		keyed = true
		known := false
		for _, n := range names {
			if n == x.key {
				known = true
			}
		}
		if !known {
			return nil, fmt.Errorf("%s: unknown argument %q (want %s)", a.dist, x.key, strings.Join(names, ", "))
		}
		if _, dup := out[x.key]; dup {
			return nil, fmt.Errorf("%s: %s given twice", a.dist, x.key)
		}
		out[x.key] = x.val
	}
	return out, nil
}

func checkFinite(dist, name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s: %s (%s) must be a finite number", dist, name, fmtNum(v))
	}
	return nil
}

// value parses the named quantity with the caller's parser.
func (a *args) value(m map[string]string, name string) (float64, error) {
	raw, ok := m[name]
	if !ok {
		return 0, fmt.Errorf("%s: missing %s", a.dist, name)
	}
	v, err := a.parse(raw)
	if err != nil {
		return 0, fmt.Errorf("%s: %s: %w", a.dist, name, err)
	}
	return v, checkFinite(a.dist, name, v)
}

// number parses a dimensionless argument (shape, sigma).
func (a *args) number(m map[string]string, name string) (float64, error) {
	raw, ok := m[name]
	if !ok {
		return 0, fmt.Errorf("%s: missing %s", a.dist, name)
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %s: %q is not a number", a.dist, name, raw)
	}
	return v, checkFinite(a.dist, name, v)
}

func (a *args) only(m map[string]string, names ...string) error {
	if len(m) != len(names) {
		return fmt.Errorf("%s: want exactly %s", a.dist, strings.Join(names, " and "))
	}
	for _, n := range names {
		if _, ok := m[n]; !ok {
			return fmt.Errorf("%s: missing %s", a.dist, n)
		}
	}
	return nil
}

func parseConst(a *args) (Dist, error) {
	m, err := a.bind("value")
	if err != nil {
		return nil, err
	}
	v, err := a.value(m, "value")
	if err != nil {
		return nil, err
	}
	if v < 0 {
		return nil, fmt.Errorf("const: value (%s) must not be negative", m["value"])
	}
	return Constant{Value: v}, nil
}

func parseExp(a *args) (Dist, error) {
	m, err := a.bind("mean")
	if err != nil {
		return nil, err
	}
	v, err := a.value(m, "mean")
	if err != nil {
		return nil, err
	}
	if !(v > 0) {
		return nil, fmt.Errorf("exp: mean (%s) must be positive", m["mean"])
	}
	return Exponential{Rate: 1 / v}, nil
}

func parseUniform(a *args) (Dist, error) {
	m, err := a.bind("min", "max")
	if err != nil {
		return nil, err
	}
	lo, err := a.value(m, "min")
	if err != nil {
		return nil, err
	}
	hi, err := a.value(m, "max")
	if err != nil {
		return nil, err
	}
	if lo < 0 {
		return nil, fmt.Errorf("uniform: min (%s) must not be negative", m["min"])
	}
	if hi < lo {
		return nil, fmt.Errorf("uniform: max (%s) must not be less than min (%s)", m["max"], m["min"])
	}
	return Uniform{Min: lo, Max: hi}, nil
}

func parseNormal(a *args) (Dist, error) {
	m, err := a.bind("mean", "stddev")
	if err != nil {
		return nil, err
	}
	mu, err := a.value(m, "mean")
	if err != nil {
		return nil, err
	}
	sd, err := a.value(m, "stddev")
	if err != nil {
		return nil, err
	}
	if sd < 0 {
		return nil, fmt.Errorf("normal: stddev (%s) must not be negative", m["stddev"])
	}
	if mu < 0 && sd == 0 {
		return nil, fmt.Errorf("normal: mean (%s) is negative with stddev 0, nothing to draw above 0", fmtNum(mu))
	}
	if sd > 0 && distuvNormalAccept(mu, sd) < 1e-12 {
		return nil, fmt.Errorf("normal: mean (%s) is too far below 0 for stddev (%s) to draw from the truncated distribution", fmtNum(mu), fmtNum(sd))
	}
	return Normal{Mu: mu, Sigma: sd}, nil
}

func distuvNormalAccept(mu, sd float64) float64 { return Normal{Mu: mu, Sigma: sd}.accept() }

func parseLogNormal(a *args) (Dist, error) {
	m, err := a.bind("median", "p99", "mean", "stddev", "sigma")
	if err != nil {
		return nil, err
	}
	if len(a.list) > 0 && a.list[0].key == "" {
		return nil, fmt.Errorf("lognormal: name the arguments: (median=, p99=), (mean=, stddev=) or (median=, sigma=)")
	}
	_, hasP99 := m["p99"]
	_, hasMean := m["mean"]
	_, hasSigma := m["sigma"]
	switch {
	case hasP99:
		if err := a.only(m, "median", "p99"); err != nil {
			return nil, err
		}
		med, err := a.value(m, "median")
		if err != nil {
			return nil, err
		}
		p99, err := a.value(m, "p99")
		if err != nil {
			return nil, err
		}
		if !(med > 0) {
			return nil, fmt.Errorf("lognormal: median (%s) must be positive", m["median"])
		}
		if !(p99 > med) {
			return nil, fmt.Errorf("lognormal: p99 (%s) must be greater than median (%s)", m["p99"], m["median"])
		}
		return LogNormalFromMedianP99(med, p99)
	case hasMean:
		if err := a.only(m, "mean", "stddev"); err != nil {
			return nil, err
		}
		mean, err := a.value(m, "mean")
		if err != nil {
			return nil, err
		}
		sd, err := a.value(m, "stddev")
		if err != nil {
			return nil, err
		}
		return LogNormalFromMeanStdDev(mean, sd)
	case hasSigma:
		if err := a.only(m, "median", "sigma"); err != nil {
			return nil, err
		}
		med, err := a.value(m, "median")
		if err != nil {
			return nil, err
		}
		sig, err := a.number(m, "sigma")
		if err != nil {
			return nil, err
		}
		if !(med > 0) {
			return nil, fmt.Errorf("lognormal: median (%s) must be positive", fmtNum(med))
		}
		if sig < 0 {
			return nil, fmt.Errorf("lognormal: sigma (%s) must not be negative", fmtNum(sig))
		}
		return LogNormal{Mu: math.Log(med), Sigma: sig}, nil
	}
	return nil, fmt.Errorf("lognormal: want (median=, p99=), (mean=, stddev=) or (median=, sigma=)")
}

func parseScaleShape(a *args) (scale, shape float64, err error) {
	m, err := a.bind("scale", "shape")
	if err != nil {
		return 0, 0, err
	}
	if scale, err = a.value(m, "scale"); err != nil {
		return 0, 0, err
	}
	if shape, err = a.number(m, "shape"); err != nil {
		return 0, 0, err
	}
	if !(scale > 0) {
		return 0, 0, fmt.Errorf("%s: scale (%s) must be positive", a.dist, m["scale"])
	}
	if !(shape > 0) {
		return 0, 0, fmt.Errorf("%s: shape (%s) must be positive", a.dist, m["shape"])
	}
	return scale, shape, nil
}

func parsePareto(a *args) (Dist, error) {
	scale, shape, err := parseScaleShape(a)
	if err != nil {
		return nil, err
	}
	return Pareto{Scale: scale, Shape: shape}, nil
}

func parseWeibull(a *args) (Dist, error) {
	scale, shape, err := parseScaleShape(a)
	if err != nil {
		return nil, err
	}
	return Weibull{Scale: scale, Shape: shape}, nil
}

func parseEmpirical(a *args) (Dist, error) {
	if len(a.list) == 0 {
		return nil, fmt.Errorf("empirical: no values")
	}
	if a.list[0].key == "" {
		vals := make([]float64, 0, len(a.list))
		for i, x := range a.list {
			if x.key != "" {
				return nil, fmt.Errorf("empirical: mix of plain values and named percentiles")
			}
			v, err := a.parse(x.val)
			if err != nil {
				return nil, fmt.Errorf("empirical: value %d: %w", i+1, err)
			}
			if err := checkFinite("empirical", "value", v); err != nil {
				return nil, err
			}
			if v < 0 {
				return nil, fmt.Errorf("empirical: value %d (%s) must not be negative", i+1, fmtNum(v))
			}
			vals = append(vals, v)
		}
		return NewEmpiricalValues(vals)
	}
	var pts []Point
	hasMin := false
	for _, x := range a.list {
		var p float64
		switch {
		case x.key == "":
			return nil, fmt.Errorf("empirical: mix of plain values and named percentiles")
		case x.key == "min":
			p, hasMin = 0, true
		case x.key == "max":
			p = 1
		case strings.HasPrefix(x.key, "p"):
			pct, err := strconv.ParseFloat(x.key[1:], 64)
			if err != nil || !(pct > 0 && pct < 100) {
				return nil, fmt.Errorf("empirical: %q is not a percentile between p0 and p100 (exclusive); use min and max for the ends", x.key)
			}
			p = pct / 100
		default:
			return nil, fmt.Errorf("empirical: unknown argument %q (want min, pNN or max)", x.key)
		}
		v, err := a.parse(x.val)
		if err != nil {
			return nil, fmt.Errorf("empirical: %s: %w", x.key, err)
		}
		if err := checkFinite("empirical", x.key, v); err != nil {
			return nil, err
		}
		if v < 0 {
			return nil, fmt.Errorf("empirical: %s (%s) must not be negative", x.key, fmtNum(v))
		}
		pts = append(pts, Point{P: p, V: v})
	}
	if !hasMin {
		pts = append([]Point{{P: 0, V: 0}}, pts...)
	}
	sortPoints(pts)
	if pts[len(pts)-1].P != 1 {
		return nil, fmt.Errorf("empirical: max is required (the largest value)")
	}
	return NewEmpirical(pts)
}

// sortPoints orders by P (insertion sort: tables are short, and a stable
// order keeps duplicate-percentile errors deterministic).
func sortPoints(p []Point) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].P < p[j-1].P; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// DistValue wraps a Dist so that it can be decoded from text (YAML, flags)
// with ParseNumber as the value parser: durations become seconds. Packages
// with their own units call ParseDist with their own parser instead.
type DistValue struct{ Dist Dist }

// UnmarshalText parses text with ParseDist and ParseNumber.
func (d *DistValue) UnmarshalText(text []byte) error {
	v, err := ParseDist(string(text), ParseNumber)
	if err != nil {
		return err
	}
	d.Dist = v
	return nil
}

// MarshalText returns the distribution's String form.
func (d DistValue) MarshalText() ([]byte, error) {
	if d.Dist == nil {
		return nil, nil
	}
	return []byte(d.Dist.String()), nil
}
