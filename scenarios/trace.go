package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"mqsim/scenarios/units"
)

// Recorded traffic as an arrival process: trace(FILE.csv, scale=2x,
// time_offset=1h) replays a rate series (timestamp, messages/s — as
// exported from Prometheus or Grafana) as a non-homogeneous Poisson
// process. The rate between two samples is interpolated linearly; past the
// last sample the series starts again from its first (a day's export
// replays day after day). time_offset is where in the series the producers
// start, counted from its first timestamp.
//
// The producer's rate is the long-run mean, as for every arrival process:
// left out, it is scale × the series' own mean (so the run sends
// scale × the recorded rate at every moment); given, it sets the level and
// the series only the shape (scale must then be left at 1x).

// rateTrace is a parsed rate series, times in nanoseconds from its first
// sample.
type rateTrace struct {
	t    []int64
	v    []float64
	mean float64 // time-weighted over one period
	max  float64
	// digest is the SHA-256 of the file's bytes: a run's identity covers
	// the series, not only its file name (see Scenario.InputDigest).
	digest [32]byte
}

// maxTracePoints bounds a series (a day at 1-second resolution and more).
const maxTracePoints = 200_000

// ParseTrace reads a rate series: two columns, a timestamp and a rate in
// messages/s, with an optional header row. A timestamp is a Unix time in
// seconds (milliseconds when above 10¹¹, as Grafana exports), RFC 3339, or
// "2006-01-02 15:04:05" (UTC). Timestamps must increase. Errors name the
// file and line.
func ParseTrace(source string, data []byte) (*rateTrace, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	tr := &rateTrace{digest: sha256.Sum256(data)}
	var t0 int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &InputError{File: source, Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, &InputError{File: source, Msg: err.Error()}
		}
		line, _ := r.FieldPos(0)
		bad := func(format string, a ...any) error {
			return &InputError{File: source, Line: line, Msg: fmt.Sprintf(format, a...)}
		}
		if len(rec) != 2 {
			return nil, bad("%d columns: want two, a timestamp and messages/s", len(rec))
		}
		ts, tsErr := parseTraceTime(strings.TrimSpace(rec[0]))
		v, vErr := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if len(tr.t) == 0 && tsErr != nil && vErr != nil {
			continue // a header row
		}
		if tsErr != nil {
			return nil, bad("timestamp %q: want Unix seconds or milliseconds, RFC 3339, or 2006-01-02 15:04:05", rec[0])
		}
		if vErr != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, bad("rate %q: want messages/s, 0 or more", rec[1])
		}
		if len(tr.t) == 0 {
			t0 = ts
		}
		ts -= t0
		if n := len(tr.t); n > 0 && ts <= tr.t[n-1] {
			return nil, bad("timestamp %q is not after the previous row's", rec[0])
		}
		if len(tr.t) >= maxTracePoints {
			return nil, bad("more than %d rows", maxTracePoints)
		}
		tr.t = append(tr.t, ts)
		tr.v = append(tr.v, v)
	}
	if len(tr.t) < 2 {
		return nil, &InputError{File: source, Msg: "a rate series needs at least two rows (timestamp, messages/s)"}
	}
	area := 0.0
	for i := 1; i < len(tr.t); i++ {
		area += (tr.v[i-1] + tr.v[i]) / 2 * float64(tr.t[i]-tr.t[i-1])
	}
	tr.mean = area / float64(tr.t[len(tr.t)-1])
	for _, v := range tr.v {
		tr.max = math.Max(tr.max, v)
	}
	if !(tr.mean > 0) {
		return nil, &InputError{File: source, Msg: "every rate is 0: nothing to replay"}
	}
	return tr, nil
}

func parseTraceTime(s string) (int64, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return 0, fmt.Errorf("bad time")
		}
		ns := f * 1e9
		if f > 1e11 {
			ns = f * 1e6 // milliseconds
		}
		if ns > 4e18 { // past the year 2096, or past what int64 nanoseconds hold
			return 0, fmt.Errorf("bad time")
		}
		return int64(math.Round(ns)), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixNano(), nil
		}
	}
	return 0, fmt.Errorf("bad time")
}

// at is the series' rate at offset d from its first sample, wrapping.
func (tr *rateTrace) at(d int64) float64 {
	period := tr.t[len(tr.t)-1]
	d %= period
	if d < 0 {
		d += period
	}
	i := sort.Search(len(tr.t), func(i int) bool { return tr.t[i] > d }) // tr.t[i-1] <= d < tr.t[i]
	a, b := i-1, i
	f := float64(d-tr.t[a]) / float64(tr.t[b]-tr.t[a])
	return tr.v[a] + (tr.v[b]-tr.v[a])*f
}

// parseTraceArrival parses the arguments of trace(FILE, scale=, time_offset=).
func parseTraceArrival(s string, args []string) (Arrival, error) {
	bad := func(format string, a ...any) (Arrival, error) {
		return Arrival{}, &units.Error{Kind: "arrival process", Value: s, Msg: fmt.Sprintf(format, a...)}
	}
	m, err := bindArgs(args, "file", "scale", "time_offset")
	if err != nil {
		return bad("%v (want trace(rates.csv, scale=1x, time_offset=0s))", err)
	}
	a := Arrival{Kind: "trace", File: m["file"], Scale: 1}
	if a.File == "" {
		return bad("missing the file (want trace(rates.csv))")
	}
	if v, ok := m["scale"]; ok {
		if a.Scale, err = units.ParseRatio(v); err != nil {
			return bad("scale: %v", err)
		}
		if !(a.Scale > 0) {
			return bad("scale must be above 0")
		}
	}
	if v, ok := m["time_offset"]; ok {
		if a.Offset, err = units.ParseDuration(v); err != nil {
			return bad("time_offset: %v", err)
		}
		if a.Offset < 0 {
			return bad("time_offset must not be negative")
		}
	}
	data, err := ReadFile(a.File)
	if err != nil {
		return Arrival{}, err
	}
	if a.trace, err = ParseTrace(a.File, data); err != nil {
		return Arrival{}, err
	}
	return a, nil
}

// TraceMean is the mean rate of a trace arrival's series times its scale:
// the producer's rate when none is given. 0 for any other process (or a
// trace that does not parse: validation reports it).
func TraceMean(arrival string) units.Rate {
	a, err := ParseArrival(arrival)
	if err != nil || a.trace == nil {
		return 0
	}
	return units.Rate(float64(a.Scale) * a.trace.mean)
}

// checkTraceRate refuses a producer that gives both a rate and a scale:
// the rate sets the level, so the scale would be ignored.
func checkTraceRate(p *Producer) error {
	a, err := ParseArrival(p.Arrival)
	if err != nil || a.trace == nil || a.Scale == 1 {
		return nil
	}
	if want := float64(a.Scale) * a.trace.mean; math.Abs(float64(p.Rate)-want) > 1e-9*want {
		return fmt.Errorf("give a rate or a trace scale, not both: the rate sets the level (leave it out to send %gx the recorded rates)", float64(a.Scale))
	}
	return nil
}
