package units

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// Interface checks: files and flags share one parser.
var (
	_ pflag.Value = (*Count)(nil)
	_ pflag.Value = (*Rate)(nil)
	_ pflag.Value = (*Bytes)(nil)
	_ pflag.Value = (*Duration)(nil)
	_ pflag.Value = (*Bandwidth)(nil)
	_ pflag.Value = (*Ratio)(nil)
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestParseCount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"500M", 500e6}, {"10B", 10e9}, {"1.15M", 1.15e6}, {"20", 20}, {"100_000", 100000},
		{"2.5K", 2500}, {"1T", 1e12}, {"1e6", 1e6}, {" 7 ", 7}, {"0", 0}, {"3 M", 3e6},
	} {
		got, err := ParseCount(tc.in)
		if err != nil || !near(float64(got), tc.want) {
			t.Errorf("ParseCount(%q) = %v, %v, want %v", tc.in, float64(got), err, tc.want)
		}
	}
	for _, in := range []string{"", "abc", "10X", "-5", "NaN", "Inf", "1__0", "_1", "1e400", "5MB", strings.Repeat("9", 100)} {
		if _, err := ParseCount(in); err == nil {
			t.Errorf("ParseCount(%q) succeeded, want an error", in)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"10K/s", 10000}, {"115K/s", 115000}, {"600/min", 10}, {"1.2M/day", 1.2e6 / 86400},
		{"3600/h", 1}, {"1000", 1000}, {"5 / s", 5}, {"10B/day", 10e9 / 86400},
	} {
		got, err := ParseRate(tc.in)
		if err != nil || !near(float64(got), tc.want) {
			t.Errorf("ParseRate(%q) = %v, %v, want %v", tc.in, float64(got), err, tc.want)
		}
	}
	for _, in := range []string{"10K/fortnight", "/s", "x/s", "-1/s", "10K/"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) succeeded, want an error", in)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"500B", 500}, {"1KB", 1000}, {"10TB", 10e12}, {"1KiB", 1024}, {"64MiB", 64 << 20},
		{"4096", 4096}, {"1.5 GB", 1.5e9}, {"1kb", 1000}, {"1_000B", 1000}, {"8EB", 8e18},
	} {
		got, err := ParseBytes(tc.in)
		if err != nil || int64(got) != tc.want {
			t.Errorf("ParseBytes(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "10XB", "10MB/s", "10Gbps", "-1KB", "10EB", "100000PB", "NaN", "1e30B"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) succeeded, want an error", in)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Duration
	}{
		{"500ms", 500 * Millisecond}, {"36h", 36 * Hour}, {"7d", 7 * Day}, {"2w", 14 * Day},
		{"1h30m", 90 * Minute}, {"2.5d", 60 * Hour}, {"0", 0}, {"90s", 90 * Second}, {"1.5s", 1500 * Millisecond},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "7", "7y", "-5s", "1e300d", "ms"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) succeeded, want an error", in)
		}
	}
}

func TestParseBandwidth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"10Gbps", 1.25e9}, {"800Mbps", 1e8}, {"1.25GB/s", 1.25e9}, {"100MB/s", 1e8},
		{"100MiB/s", 100 << 20}, {"1gbit/s", 1.25e8},
	} {
		got, err := ParseBandwidth(tc.in)
		if err != nil || !near(float64(got), tc.want) {
			t.Errorf("ParseBandwidth(%q) = %v, %v, want %v", tc.in, float64(got), err, tc.want)
		}
	}
	for _, in := range []string{"10G", "100MB", "fast", "-1Gbps", "/s"} {
		if _, err := ParseBandwidth(in); err == nil {
			t.Errorf("ParseBandwidth(%q) succeeded, want an error", in)
		}
	}
}

func TestParseRatio(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{{"2x", 2}, {"1.5x", 1.5}, {"30%", 0.3}, {"0.3", 0.3}, {"100%", 1}} {
		got, err := ParseRatio(tc.in)
		if err != nil || !near(float64(got), tc.want) {
			t.Errorf("ParseRatio(%q) = %v, %v, want %v", tc.in, float64(got), err, tc.want)
		}
	}
	for _, in := range []string{"2y", "x", "-30%"} {
		if _, err := ParseRatio(in); err == nil {
			t.Errorf("ParseRatio(%q) succeeded, want an error", in)
		}
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Rate(1157407.4).String(), "1.16M/s"},
		{Rate(115740.7).String(), "116K/s"},
		{Count(10e9).String(), "10B"},
		{Count(20).String(), "20"},
		{Bytes(105e12).String(), "105 TB"},
		{Bytes(5e12).String(), "5 TB"},
		{Bytes(500).String(), "500 B"},
		{Duration(7 * Day).String(), "7d"}, {Duration(Day + Hour).String(), "25h"},
		{Duration(36 * Hour).String(), "36h"},
		{Duration(500 * Millisecond).String(), "500ms"},
		{Duration(1500 * Millisecond).String(), "1500ms"}, {Duration(2500 * Microsecond).String(), "2500us"},
		{Bandwidth(1.25e9).String(), "1.25 GB/s"},
		{Ratio(2).String(), "2x"},
		{Ratio(0.3).String(), "30%"},
	} {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
}

// Every printed form parses back to (nearly) the same value.
func TestRoundTrip(t *testing.T) {
	for _, r := range []Rate{1157407.4, 10, 0.5, 3e6} {
		back, err := ParseRate(r.String())
		if err != nil || math.Abs(float64(back-r)) > 0.005*float64(r) {
			t.Errorf("ParseRate(%q) = %v, %v, want about %v", r.String(), back, err, r)
		}
	}
	for _, d := range []Duration{7 * Day, 36 * Hour, 500 * Millisecond, 90 * Second, 0} {
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Errorf("ParseDuration(%q) = %v, %v, want %v", d.String(), back, err, d)
		}
	}
}

func TestJSONExact(t *testing.T) {
	v := struct {
		R Rate
		B Bytes
		D Duration
	}{1157407.4074074074, 105e12, 7 * Day}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"R":1157407.4074074074,"B":105000000000000,"D":604800}`; string(out) != want {
		t.Errorf("json = %s, want %s", out, want)
	}
}

func TestYAMLErrorsCarryLine(t *testing.T) {
	var v struct {
		Size Bytes    `yaml:"size"`
		Wait Duration `yaml:"wait"`
	}
	err := yaml.Unmarshal([]byte("size: 1KB\nwait: 7y\n"), &v)
	var ue *Error
	if !errors.As(err, &ue) || ue.Line != 2 || ue.Kind != "duration" {
		t.Fatalf("Unmarshal = %v, want a duration error on line 2", err)
	}
	err = yaml.Unmarshal([]byte("size: [1, 2]\n"), &v)
	if !errors.As(err, &ue) || ue.Line != 1 {
		t.Fatalf("Unmarshal(list) = %v, want an error on line 1", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"500M", "10K/s", "1.2M/day", "64MiB", "7d", "1h30m", "10Gbps", "30%", "1e308", "_", "9223372036854775807B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := ParseCount(s); err == nil && (math.IsNaN(float64(c)) || c < 0) {
			t.Errorf("ParseCount(%q) = %v", s, c)
		}
		if r, err := ParseRate(s); err == nil && (math.IsNaN(float64(r)) || math.IsInf(float64(r), 0) || r < 0) {
			t.Errorf("ParseRate(%q) = %v", s, r)
		}
		if b, err := ParseBytes(s); err == nil && b < 0 {
			t.Errorf("ParseBytes(%q) = %v", s, b)
		}
		if d, err := ParseDuration(s); err == nil && d < 0 {
			t.Errorf("ParseDuration(%q) = %v", s, d)
		}
		if b, err := ParseBandwidth(s); err == nil && (math.IsNaN(float64(b)) || b < 0) {
			t.Errorf("ParseBandwidth(%q) = %v", s, b)
		}
		if r, err := ParseRatio(s); err == nil && (math.IsNaN(float64(r)) || r < 0) {
			t.Errorf("ParseRatio(%q) = %v", s, r)
		}
	})
}

// JSON written by MarshalJSON reads back exactly, and the human form is accepted too.
func TestJSONRoundTrip(t *testing.T) {
	type all struct {
		C Count
		R Rate
		B Bytes
		D Duration
		W Bandwidth
		X Ratio
	}
	in := all{C: 500e6, R: 1157407.4074074074, B: 105e12, D: 7*Day + 3*Millisecond, W: 1.25e9, X: 0.7}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out all
	if err := json.Unmarshal(data, &out); err != nil || out != in {
		t.Fatalf("round trip of %s = %+v, %v; want %+v", data, out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"D":"36h","B":"1KiB","X":"30%"}`), &out); err != nil || out.D != 36*Hour || out.B != 1024 || out.X != 0.3 {
		t.Errorf("human forms: %+v, %v", out, err)
	}
	for _, bad := range []string{`{"D":-1}`, `{"B":1.5}`, `{"R":"fast"}`, `{"C":true}`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want an error", bad)
		}
	}
}
