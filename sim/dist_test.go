package sim_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"mqsim/sim"
)

func mustParse(t *testing.T, s string) sim.Dist {
	t.Helper()
	d, err := sim.ParseDist(s, nil)
	if err != nil {
		t.Fatalf("ParseDist(%q): %v", s, err)
	}
	return d
}

// TestDistMeans draws 200,000 samples from each distribution and checks the
// sample mean against the mean from theory, written out here by hand.
func TestDistMeans(t *testing.T) {
	for _, c := range []struct {
		spec string
		mean float64 // closed form, computed in the comment
		sd   float64 // standard deviation, for the tolerance
	}{
		{"const(0.002)", 0.002, 0},
		{"exp(2ms)", 0.002, 0.002},
		{"uniform(1ms, 3ms)", 0.002, 0.002 / math.Sqrt(3)}, // (b−a)/√12
		// Truncated at 0 with mean 5, sd 1: truncation is negligible (5σ).
		{"normal(mean=5, stddev=1)", 5, 1},
		// Mean 0, sd 1 truncated at 0 is the half-normal: mean √(2/π), sd √(1−2/π).
		{"normal(mean=0, stddev=1)", math.Sqrt(2 / math.Pi), math.Sqrt(1 - 2/math.Pi)},
		// Far in the tail (mean −3σ): mean = φ(3)/(1−Φ(3)) − 3
		// = 0.00443185/0.00134990 − 3 = 0.283099.
		{"normal(mean=-3, stddev=1)", 0.283099, 0.27},
		// median 1, σ = ln(10)/2.326348 = 0.989785: mean = e^{σ²/2} = e^{0.489837}
		// = 1.632051, sd = mean·√(e^{σ²}−1).
		{"lognormal(median=1, p99=10)", 1.632051, 1.632051 * math.Sqrt(math.Exp(0.979675)-1)},
		{"lognormal(mean=4, stddev=2)", 4, 2},
		// Pareto xm = 1, α = 3: mean α/(α−1) = 1.5, var α/((α−1)²(α−2)) = 0.75.
		{"pareto(scale=1, shape=3)", 1.5, math.Sqrt(0.75)},
		// Weibull k = 2, λ = 1: mean Γ(1.5) = √π/2, var 1 − π/4.
		{"weibull(scale=1, shape=2)", math.Sqrt(math.Pi) / 2, math.Sqrt(1 - math.Pi/4)},
		// Piecewise linear through (0,0) (0.5,1) (1,3): mean ½·½ + ½·2 = 1.25;
		// E[X²] = ½·⅓ + ½·(1+3+9)/3 = 7/3, sd = √(7/3 − 1.5625).
		{"empirical(p50=1, max=3)", 1.25, math.Sqrt(7.0/3 - 1.5625)},
		// Values 1, 2, 4 at P = 0, ½, 1: mean ½·1.5 + ½·3 = 2.25.
		{"empirical(4, 1, 2)", 2.25, 1},
	} {
		d := mustParse(t, c.spec)
		if m := d.Mean(); math.Abs(m-c.mean) > 1e-4*c.mean {
			t.Errorf("%s: Mean() = %.6g, want %.6g", c.spec, m, c.mean)
		}
		r := rand.New(sim.NewSource(1, c.spec))
		const n = 200_000
		var sum float64
		for i := 0; i < n; i++ {
			x := d.Sample(r)
			if x < 0 || math.IsNaN(x) {
				t.Fatalf("%s: drew %g", c.spec, x)
			}
			sum += x
		}
		got := sum / n
		// 5 standard errors (Pareto α=3 has a heavy tail, so allow 8).
		tol := 5*c.sd/math.Sqrt(n) + 1e-12
		if strings.HasPrefix(c.spec, "pareto") {
			tol *= 1.6
		}
		if math.Abs(got-c.mean) > tol {
			t.Errorf("%s: sample mean %.6g, want %.6g ± %.2g", c.spec, got, c.mean, tol)
		}
	}
}

func TestLogNormalQuantiles(t *testing.T) {
	d, err := sim.LogNormalFromMedianP99(0.005, 0.050)
	if err != nil {
		t.Fatal(err)
	}
	if q := d.Quantile(0.5); math.Abs(q-0.005) > 1e-12 {
		t.Errorf("median = %g, want 0.005", q)
	}
	if q := d.Quantile(0.99); math.Abs(q-0.050) > 1e-9 {
		t.Errorf("p99 = %g, want 0.05", q)
	}
	r := rand.New(sim.NewSource(2, "ln"))
	xs := make([]float64, 100_000)
	for i := range xs {
		xs[i] = d.Sample(r)
	}
	slices.Sort(xs)
	if p50 := xs[50_000]; math.Abs(p50-0.005)/0.005 > 0.02 {
		t.Errorf("sample p50 = %g, want 0.005 ± 2%%", p50)
	}
	if p99 := xs[99_000]; math.Abs(p99-0.050)/0.050 > 0.05 {
		t.Errorf("sample p99 = %g, want 0.05 ± 5%%", p99)
	}
}

func TestEmpiricalQuantile(t *testing.T) {
	d := mustParse(t, "empirical(p50=1ms, p90=5ms, p99=20ms, max=50ms)").(*sim.Empirical)
	for _, c := range []struct{ p, want float64 }{
		{0, 0}, {0.25, 0.0005}, {0.5, 0.001}, {0.7, 0.003}, {0.9, 0.005}, {0.995, 0.035}, {1, 0.05},
	} {
		if got := d.Quantile(c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%g) = %g, want %g", c.p, got, c.want)
		}
	}
}

func TestParseDistForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want sim.Dist
	}{
		{"const(1ms)", sim.Constant{Value: 0.001}},
		{"5ms", sim.Constant{Value: 0.005}},
		{"constant(value=3)", sim.Constant{Value: 3}},
		{"exp(2ms)", sim.Exponential{Rate: 500}},
		{" Exponential( mean = 0.5 ) ", sim.Exponential{Rate: 2}},
		{"uniform(1ms,3ms)", sim.Uniform{Min: 0.001, Max: 0.003}},
		{"uniform(max=3, min=1)", sim.Uniform{Min: 1, Max: 3}},
		{"normal(mean=5ms, stddev=1ms)", sim.Normal{Mu: 0.005, Sigma: 0.001}},
		{"pareto(scale=100, shape=1.5)", sim.Pareto{Scale: 100, Shape: 1.5}},
		{"weibull(2ms, 0.8)", sim.Weibull{Scale: 0.002, Shape: 0.8}},
		{"lognormal(median=1, sigma=0.5)", sim.LogNormal{Mu: 0, Sigma: 0.5}},
	} {
		got, err := sim.ParseDist(c.in, nil)
		if err != nil {
			t.Errorf("ParseDist(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseDist(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
	// A caller-supplied parser: sizes in KiB.
	kib := func(s string) (float64, error) {
		v, err := sim.ParseNumber(strings.TrimSuffix(s, "KiB"))
		return v * 1024, err
	}
	got, err := sim.ParseDist("uniform(1KiB, 4KiB)", kib)
	if err != nil || got != (sim.Uniform{Min: 1024, Max: 4096}) {
		t.Errorf("ParseDist with KiB parser = %v, %v; want uniform(1024, 4096)", got, err)
	}
}

func TestParseDistErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"lognormal(median=5ms, p99=1ms)", "lognormal: p99 (1ms) must be greater than median (5ms)"},
		{"exp(0)", "exp: mean (0) must be positive"},
		{"exp(-1ms)", "exp: mean (-1ms) must be positive"},
		{"exp(fast)", `exp: mean: "fast" is neither a number nor a duration`},
		{"exp(1, 2)", "exp: too many arguments"},
		{"uniform(3, 1)", "uniform: max (1) must not be less than min (3)"},
		{"normal(mean=5)", "normal: missing stddev"},
		{"normal(mean=5, sd=1)", `normal: unknown argument "sd"`},
		{"normal(mean=5, mean=1, stddev=1)", "normal: mean given twice"},
		{"pareto(scale=1, shape=0)", "pareto: shape (0) must be positive"},
		{"weibull(scale=1, shape=x)", `weibull: shape: "x" is not a number`},
		{"lognormal(5ms, 50ms)", "lognormal: name the arguments"},
		{"lognormal(median=5ms)", "lognormal: want (median=, p99=)"},
		{"empirical(p50=1, p90=5)", "empirical: max is required"},
		{"empirical(p50=5, p90=1, max=9)", "empirical: p90 (1) is less than p50 (5)"},
		{"empirical(p150=5, max=9)", `empirical: "p150" is not a percentile`},
		{"gamma(1, 2)", `unknown name "gamma"`},
		{"exp(2ms", "missing closing parenthesis"},
		{"", "want name(arguments)"},
		{"exp(1e400)", "exp: mean"},
		{"normal(mean=-100, stddev=1)", "normal: mean (-100) is too far below 0"},
	} {
		_, err := sim.ParseDist(c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseDist(%q) error = %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

// TestDistStringRoundTrip: String is a form ParseDist reads back to the
// same distribution.
func TestDistStringRoundTrip(t *testing.T) {
	for _, in := range []string{
		"const(1ms)", "exp(2ms)", "uniform(1ms, 3ms)", "normal(mean=5ms, stddev=1ms)",
		"lognormal(median=5ms, p99=50ms)", "pareto(scale=100, shape=1.5)",
		"weibull(scale=2ms, shape=0.8)", "empirical(p50=1ms, p90=5ms, p99=20ms, max=50ms)",
	} {
		d := mustParse(t, in)
		back := mustParse(t, d.String())
		if math.Abs(back.Mean()-d.Mean()) > 1e-9*d.Mean() {
			t.Errorf("%s → %s: mean %g, want %g", in, d.String(), back.Mean(), d.Mean())
		}
	}
}

func TestDistValueText(t *testing.T) {
	var v sim.DistValue
	if err := v.UnmarshalText([]byte("exp(250ms)")); err != nil {
		t.Fatal(err)
	}
	if v.Dist != (sim.Exponential{Rate: 4}) {
		t.Fatalf("UnmarshalText = %#v, want exp with rate 4", v.Dist)
	}
	b, _ := v.MarshalText()
	if string(b) != "exp(0.25)" {
		t.Fatalf("MarshalText = %q, want exp(0.25)", b)
	}
	if err := v.UnmarshalText([]byte("exp()")); err == nil {
		t.Fatal("UnmarshalText(exp()) succeeded")
	}
}

func TestSampleDoesNotAllocate(t *testing.T) {
	r := rand.New(sim.NewSource(1, "alloc"))
	for _, spec := range []string{"exp(1)", "uniform(1,2)", "normal(mean=1, stddev=1)", "normal(mean=-2, stddev=1)",
		"lognormal(median=1, p99=3)", "pareto(scale=1, shape=2)", "weibull(scale=1, shape=2)", "empirical(p50=1, max=2)"} {
		d := mustParse(t, spec)
		if a := testing.AllocsPerRun(100, func() { d.Sample(r) }); a != 0 {
			t.Errorf("%s: %.1f allocations per sample, want 0", spec, a)
		}
	}
}

func FuzzParseDist(f *testing.F) {
	for _, s := range []string{"exp(2ms)", "lognormal(median=5ms, p99=50ms)", "empirical(p50=1, max=3)",
		"uniform(1, 2)", "normal(mean=1, stddev=2)", "pareto(1, 2)", "weibull(scale=1, shape=2)", "1", "const(x)", "(,=)"} {
		f.Add(s)
	}
	r := rand.New(sim.NewSource(1, "fuzz"))
	f.Fuzz(func(t *testing.T, s string) {
		d, err := sim.ParseDist(s, nil)
		if err != nil {
			return
		}
		for i := 0; i < 10; i++ {
			if x := d.Sample(r); x < 0 || math.IsNaN(x) {
				t.Fatalf("ParseDist(%q) = %s drew %g", s, d, x)
			}
		}
		back, err := sim.ParseDist(d.String(), nil)
		if err != nil {
			t.Fatalf("ParseDist(%q).String() = %q does not parse: %v", s, d, err)
		}
		if m, b := d.Mean(), back.Mean(); !(math.Abs(m-b) <= 1e-6*math.Abs(m)) && !(math.IsInf(m, 1) && math.IsInf(b, 1)) {
			t.Fatalf("%q → %q: mean %g became %g", s, d, m, b)
		}
	})
}
