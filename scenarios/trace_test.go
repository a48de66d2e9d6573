package scenarios

import (
	"errors"
	"math"
	"strings"
	"testing"

	"mqsim/scenarios/units"
)

func TestParseTrace(t *testing.T) {
	// 100 → 300 → 100 msg/s over 20 s: linear between samples, so the
	// area is (100+300)/2×10 twice = 4000 messages and the mean 200/s.
	tr, err := ParseTrace("t.csv", []byte("time,rate\n1700000000,100\n1700000010,300\n1700000020,100\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.mean != 200 || tr.max != 300 {
		t.Errorf("mean %v max %v; want 200 and 300", tr.mean, tr.max)
	}
	sec := int64(units.Second)
	for _, c := range []struct {
		at   int64
		want float64
	}{
		{0, 100}, {5 * sec, 200}, {10 * sec, 300}, {15 * sec, 200},
		{20 * sec, 100}, // the period ends where it began
		{25 * sec, 200}, // wraps: 5 s into the series again
	} {
		if got := tr.at(c.at); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("at(%ds) = %v, want %v", c.at/sec, got, c.want)
		}
	}
	// The other timestamp forms give the same series.
	for _, text := range []string{
		"1700000000000,100\n1700000010000,300\n1700000020000,100\n", // milliseconds
		"2023-11-14T22:13:20Z,100\n2023-11-14T22:13:30Z,300\n2023-11-14 22:13:40,100\n",
	} {
		other, err := ParseTrace("t.csv", []byte(text))
		if err != nil || other.mean != 200 || other.t[2] != 20*sec {
			t.Errorf("ParseTrace(%q) = %+v, %v; want the same 20 s series", text, other, err)
		}
	}
}

func TestParseTraceErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		line int
		want string
	}{
		{"t,r\n1,5\n2,five\n", 3, "rate \"five\""},
		{"1,5\n2,6\n2,7\n", 3, "not after"},
		{"1,5\nyesterday,6\n", 2, "timestamp"},
		{"1,5,6\n", 1, "3 columns"},
		{"1,5\n2,-1\n", 2, "0 or more"},
		{"1,5\n", 0, "at least two rows"},
		{"1,0\n2,0\n", 0, "every rate is 0"},
	} {
		_, err := ParseTrace("t.csv", []byte(c.text))
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != c.line || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseTrace(%q) = %v; want an error on line %d mentioning %q", c.text, err, c.line, c.want)
		}
	}
}

func TestTraceArrival(t *testing.T) {
	a, err := ParseArrival("trace(testdata/trace/triangle.csv, scale=2x, time_offset=5s)")
	if err != nil {
		t.Fatal(err)
	}
	// 5 s into the series the rate is 200, its mean: factor 1; at 5 s of
	// the run (10 s into the series) 300/200.
	if f := a.RateFactor(0); math.Abs(f-1) > 1e-9 {
		t.Errorf("RateFactor(0) = %v, want 1", f)
	}
	if f := a.RateFactor(5 * units.Second); math.Abs(f-1.5) > 1e-9 {
		t.Errorf("RateFactor(5s) = %v, want 1.5", f)
	}
	if m := a.MaxRateFactor(); m != 1.5 {
		t.Errorf("MaxRateFactor = %v, want 300/200", m)
	}
	// No rate given: scale × the series' mean, 2 × 200.
	if r := TraceMean("trace(testdata/trace/triangle.csv, scale=2x)"); r != 400 {
		t.Errorf("TraceMean = %v, want 400", r)
	}
	for _, bad := range []string{"trace()", "trace(testdata/trace/triangle.csv, scale=0x)", "trace(testdata/trace/none.csv)", "trace(testdata/trace/triangle.csv, speed=2)"} {
		if _, err := ParseArrival(bad); err == nil {
			t.Errorf("ParseArrival(%q) accepted", bad)
		}
	}
}

func TestTraceRateAndScale(t *testing.T) {
	base := "name: t\nduration: 10s\ntopics:\n  - name: t\n    partitions: 1\nproducers:\n  - name: p\n    topic: t\n    arrival: trace(testdata/trace/triangle.csv, scale=3x)\n"
	ls, err := ParseScenario("t.yaml", []byte(base), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ls.Producers[0].Rate != 600 {
		t.Errorf("rate %v; want 3 × 200", ls.Producers[0].Rate)
	}
	if _, err := ParseScenario("t.yaml", []byte(base+"    rate: 1K/s\n"), nil); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("rate with a scale: %v; want refused", err)
	}
}

func FuzzParseTrace(f *testing.F) {
	f.Add("time,rate\n1700000000,100\n1700000010,300\n")
	f.Add("2023-11-14T22:13:20Z,1\n2023-11-14 22:13:21,2\n")
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseTrace("fuzz", []byte(s))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		if !(tr.mean > 0) || tr.max < tr.mean-1e-9*tr.mean {
			t.Fatalf("mean %v max %v", tr.mean, tr.max)
		}
		for _, d := range []int64{0, tr.t[len(tr.t)-1] / 2, tr.t[len(tr.t)-1] * 3} {
			if v := tr.at(d); v < 0 || math.IsNaN(v) {
				t.Fatalf("at(%d) = %v", d, v)
			}
		}
	})
}
