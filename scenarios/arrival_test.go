package scenarios

import (
	"math"
	"testing"

	"mqsim/scenarios/units"
)

func TestParseArrival(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Arrival
	}{
		{"", Arrival{Kind: "poisson"}},
		{"poisson", Arrival{Kind: "poisson"}},
		{"Constant", Arrival{Kind: "constant"}},
		{"bursts(on=1s, off=4s)", Arrival{Kind: "bursts", On: units.Second, Off: 4 * units.Second}},
		{"bursts(200ms, 0)", Arrival{Kind: "bursts", On: 200 * units.Millisecond}},
		{"daily(peak=10x)", Arrival{Kind: "daily", Peak: 10, Period: units.Day}},
		{"daily(peak=3x, period=1m)", Arrival{Kind: "daily", Peak: 3, Period: units.Minute}},
	} {
		got, err := ParseArrival(c.in)
		if err != nil {
			t.Errorf("ParseArrival(%q): %v", c.in, err)
			continue
		}
		got.shape = 0
		if got != c.want {
			t.Errorf("ParseArrival(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"gaussian", "poisson(5)", "bursts(on=1s)", "bursts(on=0, off=1s)", "bursts(on=1s, off=2s, on=3s)",
		"bursts(on=1s, of=1s)", "daily", "daily(peak=0.5x)", "daily(peak=10x, period=0)", "daily(peak=10x", "bursts((on=1s))", "bursts(on=x, off=1s)"} {
		if a, err := ParseArrival(bad); err == nil {
			t.Errorf("ParseArrival(%q) = %+v, want an error", bad, a)
		}
	}
}

// The rate factor averages 1 over a cycle, so Rate stays the mean, and
// peaks where the documentation says.
func TestArrivalRateFactor(t *testing.T) {
	for _, c := range []struct {
		spec string
		peak float64
	}{
		{"poisson", 1}, {"bursts(on=1s, off=4s)", 5}, {"daily(peak=10x, period=100s)", 10}, {"daily(peak=2x, period=100s)", 2}, {"daily(peak=1x, period=100s)", 1},
	} {
		a, err := ParseArrival(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		const steps = 100_000
		period := 100 * units.Second
		if a.Kind == "bursts" {
			period = 5 * units.Second
		}
		sum, top := 0.0, 0.0
		for i := 0; i < steps; i++ {
			f := a.RateFactor(period * units.Duration(i) / steps)
			sum += f
			top = math.Max(top, f)
		}
		if mean := sum / steps; math.Abs(mean-1) > 1e-3 {
			t.Errorf("%s: mean rate factor %v, want 1", c.spec, mean)
		}
		if math.Abs(top-c.peak) > 1e-3*c.peak || math.Abs(a.MaxRateFactor()-c.peak) > 1e-9 {
			t.Errorf("%s: peak %v (MaxRateFactor %v), want %v", c.spec, top, a.MaxRateFactor(), c.peak)
		}
	}
	a, _ := ParseArrival("daily(peak=10x, period=100s)")
	if f := a.RateFactor(50 * units.Second); math.Abs(f-10) > 1e-9 {
		t.Errorf("daily peak half-way through the period: %v, want 10", f)
	}
	b, _ := ParseArrival("bursts(on=1s, off=4s)")
	if b.RateFactor(500*units.Millisecond) != 5 || b.RateFactor(2*units.Second) != 0 || b.RateFactor(5*units.Second) != 5 {
		t.Error("bursts: want 5× during [0,1s) of each 5 s cycle and silence otherwise")
	}
}

func TestParseKeys(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Keys
	}{
		{"", Keys{Kind: "none"}},
		{"none", Keys{Kind: "none"}},
		{"uniform(10000)", Keys{Kind: "uniform", N: 10000}},
		{"uniform(n=10K)", Keys{Kind: "uniform", N: 10000}},
		{"zipf(n=1000)", Keys{Kind: "zipf", N: 1000, S: 1.1}},
		{"zipf(n=1000, s=1.5)", Keys{Kind: "zipf", N: 1000, S: 1.5}},
		{"hot(share=70%, n=1000)", Keys{Kind: "hot", N: 1000, Share: 0.7}},
		{"hot(share=100%, n=1)", Keys{Kind: "hot", N: 1, Share: 1}},
	} {
		got, err := ParseKeys(c.in)
		if err != nil {
			t.Errorf("ParseKeys(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseKeys(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"random", "uniform", "uniform(0)", "uniform(1.5)", "uniform(100B)", "uniform(20M)", "zipf(s=2)", "zipf(n=10, s=1)",
		"zipf(n=10, s=abc)", "zipf(n=10, s=NaN)", "hot(n=10)", "hot(share=0%, n=10)", "hot(share=150%, n=10)", "hot(share=50%, n=1)", "none(3)", "uniform(1, 2)"} {
		if k, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) = %+v, want an error", bad, k)
		}
	}
}

func FuzzParseArrivalAndKeys(f *testing.F) {
	for _, s := range []string{"poisson", "bursts(on=1s, off=4s)", "daily(peak=10x, period=1m)", "zipf(n=10, s=1.2)", "hot(share=70%, n=1000)", "uniform(5)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ParseArrival(s); err == nil {
			if m := a.MaxRateFactor(); math.IsNaN(m) || m < 1 {
				t.Errorf("ParseArrival(%q): MaxRateFactor %v", s, m)
			}
			_ = a.RateFactor(units.Second)
		}
		if k, err := ParseKeys(s); err == nil && k.Kind != "none" && (k.N < 1 || k.N > MaxKeys) {
			t.Errorf("ParseKeys(%q) = %+v: key count out of range", s, k)
		}
	})
}
