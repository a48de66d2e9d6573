package units

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"
)

// Error is a value that does not parse as the expected quantity.
// Line and Column are set (1-based) when the value came from a YAML node.
type Error struct {
	Kind   string // "count", "rate", "size", "duration", "bandwidth", "ratio"
	Value  string
	Msg    string
	Line   int
	Column int
}

func (e *Error) Error() string {
	v := e.Value
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return fmt.Sprintf("%q is not a valid %s: %s", v, e.Kind, e.Msg)
}

func errorf(kind, value, format string, args ...any) *Error {
	return &Error{Kind: kind, Value: value, Msg: fmt.Sprintf(format, args...)}
}

// maxInput bounds the length of any unit string; nothing legitimate is longer.
const maxInput = 64

// scalar extracts the text of a YAML scalar node, refusing mappings and sequences.
func scalar(kind string, n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", &Error{Kind: kind, Value: nodeKind(n), Msg: "expected a single value", Line: n.Line, Column: n.Column}
	}
	return n.Value, nil
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

// atNode attaches the node's position to a parse error.
func atNode(err error, n *yaml.Node) error {
	var ue *Error
	if errors.As(err, &ue) {
		ue.Line, ue.Column = n.Line, n.Column
	}
	return err
}

// parseNumber parses a finite, non-negative decimal number that may contain
// underscores between digits (100_000) and an exponent (1e6).
func parseNumber(kind, whole, s string) (float64, error) {
	if s == "" {
		return 0, errorf(kind, whole, "missing number")
	}
	if strings.Contains(s, "_") {
		if strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") {
			return 0, errorf(kind, whole, "misplaced underscore")
		}
		s = strings.ReplaceAll(s, "_", "")
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, errorf(kind, whole, "unexpected character %q", c)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errorf(kind, whole, "not a number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errorf(kind, whole, "not a finite number")
	}
	if f < 0 {
		return 0, errorf(kind, whole, "must not be negative")
	}
	return f, nil
}

// splitNumber splits "1.5GB" into "1.5" and "GB" (spaces between are allowed).
func splitNumber(s string) (num, unit string) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-' {
			i++
			continue
		}
		// An exponent: e or E followed by a digit or sign.
		if (c == 'e' || c == 'E') && i > 0 && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-' || s[i+1] == '+') {
			i += 2
			continue
		}
		break
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func clean(kind, s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxInput {
		return "", errorf(kind, s, "longer than %d characters", maxInput)
	}
	if s == "" {
		return "", errorf(kind, s, "empty")
	}
	return s, nil
}

var countSuffix = map[string]float64{
	"": 1, "K": 1e3, "k": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12,
}

// Count is a dimensionless quantity such as users, messages or events per user.
type Count float64

// ParseCount parses 500M, 10B (billion), 1.15M, 20, 100_000.
func ParseCount(s string) (Count, error) {
	f, err := parseScaled("count", s)
	return Count(f), err
}

func parseScaled(kind, s string) (float64, error) {
	s, err := clean(kind, s)
	if err != nil {
		return 0, err
	}
	num, suf := splitNumber(s)
	mult, ok := countSuffix[suf]
	if !ok {
		return 0, errorf(kind, s, "unknown suffix %q (want K, M, B or T)", suf)
	}
	f, err := parseNumber(kind, s, num)
	if err != nil {
		return 0, err
	}
	v := f * mult
	if math.IsInf(v, 0) {
		return 0, errorf(kind, s, "too large")
	}
	return v, nil
}

func (c Count) String() string                { return FormatSI(float64(c)) }
func (c Count) MarshalText() ([]byte, error)  { return []byte(c.String()), nil }
func (c *Count) UnmarshalText(b []byte) error { return c.Set(string(b)) }
func (c *Count) Set(s string) error           { v, err := ParseCount(s); *c = v; return err }
func (c *Count) Type() string                 { return "count" }
func (c Count) MarshalJSON() ([]byte, error)  { return jsonNumber(float64(c)) }
func (c *Count) UnmarshalYAML(n *yaml.Node) error {
	s, err := scalar("count", n)
	if err == nil {
		err = c.Set(s)
	}
	return atNode(err, n)
}

// Rate is events per second.
type Rate float64

var ratePer = map[string]float64{
	"s": 1, "sec": 1, "second": 1, "min": 60, "minute": 60, "m": 60,
	"h": 3600, "hr": 3600, "hour": 3600, "d": 86400, "day": 86400,
}

// ParseRate parses 10K/s, 600/min, 1.2M/day, 50/h; a bare number is per second.
func ParseRate(s string) (Rate, error) {
	s, err := clean("rate", s)
	if err != nil {
		return 0, err
	}
	count, per := s, "s"
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		count, per = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	div, ok := ratePer[per]
	if !ok {
		return 0, errorf("rate", s, "unknown period %q (want /s, /min, /h or /day)", per)
	}
	f, err := parseScaled("rate", count)
	if err != nil {
		var ue *Error
		if errors.As(err, &ue) {
			ue.Kind, ue.Value = "rate", s
		}
		return 0, err
	}
	return Rate(f / div), nil
}

func (r Rate) String() string                { return FormatSI(float64(r)) + "/s" }
func (r Rate) MarshalText() ([]byte, error)  { return []byte(r.String()), nil }
func (r *Rate) UnmarshalText(b []byte) error { return r.Set(string(b)) }
func (r *Rate) Set(s string) error           { v, err := ParseRate(s); *r = v; return err }
func (r *Rate) Type() string                 { return "rate" }
func (r Rate) MarshalJSON() ([]byte, error)  { return jsonNumber(float64(r)) }
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	s, err := scalar("rate", n)
	if err == nil {
		err = r.Set(s)
	}
	return atNode(err, n)
}

// Bytes is a size in bytes.
type Bytes int64

// ParseBytes parses 500B, 1KB (=1000), 10TB, 1KiB (=1024), 64MiB, 4096.
func ParseBytes(s string) (Bytes, error) {
	s, err := clean("size", s)
	if err != nil {
		return 0, err
	}
	num, unit := splitNumber(s)
	if _, err := parseNumber("size", s, num); err != nil {
		return 0, err
	}
	if strings.ContainsAny(unit, "/") || strings.HasSuffix(strings.ToLower(unit), "ps") {
		return 0, errorf("size", s, "a size has no per-second part")
	}
	v, err := humanize.ParseBytes(strings.ReplaceAll(num, "_", "") + unit)
	if err != nil {
		msg := "unknown unit (want B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
		if strings.Contains(err.Error(), "too large") {
			msg = "too large"
		}
		return 0, errorf("size", s, "%s", msg)
	}
	if v > math.MaxInt64 {
		return 0, errorf("size", s, "too large (more than 9.2 EB)")
	}
	return Bytes(v), nil
}

func (b Bytes) String() string                { return FormatBytes(float64(b)) }
func (b Bytes) MarshalText() ([]byte, error)  { return []byte(b.String()), nil }
func (b *Bytes) UnmarshalText(t []byte) error { return b.Set(string(t)) }
func (b *Bytes) Set(s string) error           { v, err := ParseBytes(s); *b = v; return err }
func (b *Bytes) Type() string                 { return "size" }
func (b Bytes) MarshalJSON() ([]byte, error)  { return []byte(strconv.FormatInt(int64(b), 10)), nil }
func (b *Bytes) UnmarshalYAML(n *yaml.Node) error {
	s, err := scalar("size", n)
	if err == nil {
		err = b.Set(s)
	}
	return atNode(err, n)
}

// Duration is a span of time in nanoseconds.
type Duration int64

// Common durations.
const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
	Minute               = 60 * Second
	Hour                 = 60 * Minute
	Day                  = 24 * Hour
	Week                 = 7 * Day
)

var durationUnit = map[string]Duration{
	"ns": 1, "us": 1000, "µs": 1000, "ms": Millisecond, "s": Second, "sec": Second,
	"m": Minute, "min": Minute, "h": Hour, "hr": Hour, "d": Day, "day": Day, "days": Day,
	"w": Week, "week": Week, "weeks": Week,
}

// ParseDuration parses 500ms, 36h, 7d, 2w, 2.5d, and Go's compound form 1h30m.
// A bare 0 is accepted; any other bare number is an error (the unit matters).
func ParseDuration(s string) (Duration, error) {
	s, err := clean("duration", s)
	if err != nil {
		return 0, err
	}
	if s == "0" {
		return 0, nil
	}
	num, unit := splitNumber(s)
	if mult, ok := durationUnit[unit]; ok {
		f, err := parseNumber("duration", s, num)
		if err != nil {
			return 0, err
		}
		v := f * float64(mult)
		if v >= math.MaxInt64 {
			return 0, errorf("duration", s, "too long")
		}
		return Duration(math.Round(v)), nil
	}
	if unit == "" {
		return 0, errorf("duration", s, "missing unit (want ms, s, m, h, d or w)")
	}
	if strings.HasPrefix(s, "-") {
		return 0, errorf("duration", s, "must not be negative")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errorf("duration", s, "unknown unit (want ns, us, ms, s, m, h, d or w)")
	}
	if d < 0 {
		return 0, errorf("duration", s, "must not be negative")
	}
	return Duration(d), nil
}

// Seconds returns the duration in seconds.
func (d Duration) Seconds() float64 { return float64(d) / float64(Second) }

// String prints the duration with the largest unit that keeps it short: 7d, 36h, 500ms.
func (d Duration) String() string {
	if d == 0 {
		return "0s"
	}
	for _, u := range []struct {
		name string
		d    Duration
	}{{"d", Day}, {"h", Hour}, {"m", Minute}, {"s", Second}, {"ms", Millisecond}, {"us", 1000}} {
		if d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	for _, u := range []struct {
		name string
		d    Duration
	}{{"d", Day}, {"h", Hour}, {"m", Minute}, {"s", Second}, {"ms", Millisecond}, {"us", 1000}} {
		if d >= u.d {
			return trimFloat(float64(d)/float64(u.d), 3) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}
func (d Duration) MarshalText() ([]byte, error)  { return []byte(d.String()), nil }
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }
func (d *Duration) Set(s string) error           { v, err := ParseDuration(s); *d = v; return err }
func (d *Duration) Type() string                 { return "duration" }

// MarshalJSON writes the duration in seconds.
func (d Duration) MarshalJSON() ([]byte, error) { return jsonNumber(d.Seconds()) }
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	s, err := scalar("duration", n)
	if err == nil {
		err = d.Set(s)
	}
	return atNode(err, n)
}

// Bandwidth is bytes per second.
type Bandwidth float64

var bitUnit = map[string]float64{
	"bps": 1, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9, "tbps": 1e12,
	"bit/s": 1, "kbit/s": 1e3, "mbit/s": 1e6, "gbit/s": 1e9, "tbit/s": 1e12,
}

// ParseBandwidth parses 10Gbps, 800Mbps (bits per second) and 1.25GB/s,
// 100MB/s, 100MiB/s (bytes per second).
func ParseBandwidth(s string) (Bandwidth, error) {
	s, err := clean("bandwidth", s)
	if err != nil {
		return 0, err
	}
	num, unit := splitNumber(s)
	f, err := parseNumber("bandwidth", s, num)
	if err != nil {
		return 0, err
	}
	if mult, ok := bitUnit[strings.ToLower(unit)]; ok {
		return Bandwidth(f * mult / 8), nil
	}
	size, ok := strings.CutSuffix(unit, "/s")
	if !ok {
		return 0, errorf("bandwidth", s, "unknown unit (want Gbps, Mbps or a size per second such as 100MB/s)")
	}
	b, err := humanize.ParseBytes("1" + size)
	if err != nil || size == "" {
		return 0, errorf("bandwidth", s, "unknown unit %q (want Gbps, Mbps or a size per second such as 100MB/s)", unit)
	}
	v := f * float64(b)
	if math.IsInf(v, 0) {
		return 0, errorf("bandwidth", s, "too large")
	}
	return Bandwidth(v), nil
}

func (b Bandwidth) String() string                { return FormatBytes(float64(b)) + "/s" }
func (b Bandwidth) MarshalText() ([]byte, error)  { return []byte(b.String()), nil }
func (b *Bandwidth) UnmarshalText(t []byte) error { return b.Set(string(t)) }
func (b *Bandwidth) Set(s string) error           { v, err := ParseBandwidth(s); *b = v; return err }
func (b *Bandwidth) Type() string                 { return "bandwidth" }
func (b Bandwidth) MarshalJSON() ([]byte, error)  { return jsonNumber(float64(b)) }
func (b *Bandwidth) UnmarshalYAML(n *yaml.Node) error {
	s, err := scalar("bandwidth", n)
	if err == nil {
		err = b.Set(s)
	}
	return atNode(err, n)
}

// Ratio is a plain factor: 2x = 2, 30% = 0.3.
type Ratio float64

// ParseRatio parses 2x, 1.5x, 30%, 0.3.
func ParseRatio(s string) (Ratio, error) {
	s, err := clean("ratio", s)
	if err != nil {
		return 0, err
	}
	num, unit := splitNumber(s)
	var div float64
	switch unit {
	case "x", "X", "×", "":
		div = 1
	case "%":
		div = 100
	default:
		return 0, errorf("ratio", s, "unknown suffix %q (want x or %%)", unit)
	}
	f, err := parseNumber("ratio", s, num)
	if err != nil {
		return 0, err
	}
	return Ratio(f / div), nil
}

// String prints factors of at least 1 as 2x and smaller ones as percentages.
func (r Ratio) String() string {
	if r >= 1 {
		return trimFloat(float64(r), 3) + "x"
	}
	return trimFloat(float64(r)*100, 3) + "%"
}

// Percent prints the ratio as a percentage: 70%, 100%.
func (r Ratio) Percent() string { return trimFloat(float64(r)*100, 3) + "%" }

func (r Ratio) MarshalText() ([]byte, error)  { return []byte(r.String()), nil }
func (r *Ratio) UnmarshalText(b []byte) error { return r.Set(string(b)) }
func (r *Ratio) Set(s string) error           { v, err := ParseRatio(s); *r = v; return err }
func (r *Ratio) Type() string                 { return "ratio" }
func (r Ratio) MarshalJSON() ([]byte, error)  { return jsonNumber(float64(r)) }
func (r *Ratio) UnmarshalYAML(n *yaml.Node) error {
	s, err := scalar("ratio", n)
	if err == nil {
		err = r.Set(s)
	}
	return atNode(err, n)
}

func jsonNumber(f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("cannot encode %v as JSON", f)
	}
	return json.Marshal(f)
}

// FormatSI prints a count with three significant digits and the suffixes
// people use for counts (K, M, B for billions, T): 1.16M, 10B, 500, 0.25.
func FormatSI(v float64) string { return scaled(v, countSuffixes) }

// FormatBytes prints a byte quantity with three significant digits and a
// decimal unit: 500 B, 5 TB, 105 TB.
func FormatBytes(v float64) string { return scaled(v, byteSuffixes) }

var (
	countSuffixes = []string{"", "K", "M", "B", "T", "Q"}
	byteSuffixes  = []string{" B", " KB", " MB", " GB", " TB", " PB", " EB"}
)

func scaled(v float64, suffixes []string) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	i := 0
	for v >= 999.5 && i < len(suffixes)-1 {
		v /= 1000
		i++
	}
	return sign + trimFloat(v, 3) + suffixes[i]
}

// trimFloat formats v with at most sig significant digits (at least the
// integer part) and no trailing zeros.
func trimFloat(v float64, sig int) string {
	if v == 0 {
		return "0"
	}
	digits := int(math.Floor(math.Log10(math.Abs(v)))) + 1
	dec := sig - digits
	if dec < 0 {
		dec = 0
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
