package interview

import (
	"fmt"
	"math"
	"strings"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

// factor is one step of the working that a common mistake leaves out or
// applies where it does not belong.
type factor struct {
	value float64
	// omitted and extra name the mistake when the answer is short of
	// the factor, or over by it.
	omitted, extra string
}

const secondsPerDay = 86400

// factors lists the recognisable slips for a quantity of p, each worded
// for that quantity.
func factors(p *capacity.Plan, key string) []factor {
	w := p.Workload
	rf := float64(w.ReplicationFactor)
	peak := float64(w.PeakFactor)
	days := w.Retention.Seconds() / secondsPerDay
	pk := fmt.Sprintf("the peak factor (×%s)", trimNum(peak))
	repl := fmt.Sprintf("replication (×%d, the replication factor)", w.ReplicationFactor)
	bits := factor{8, "divided by 8 once too often: the answer is in bytes", "that looks like bits, not bytes (8 bits to a byte)"}
	twice := func(what string) string { return what + " is applied twice" }
	var out []factor
	switch key {
	case "avg_messages_per_sec":
		out = []factor{
			{secondsPerDay, "divided by 86,400 once too often", "that looks like a per-day figure where a per-second one is asked: a day has 86,400 seconds"},
			{peak, "divided by " + pk + " where no peak applies", "that is the peak rate: " + pk + " is applied where the average is asked"},
		}
	case "peak_messages_per_sec":
		out = []factor{
			{secondsPerDay, "divided by 86,400 once too often", "that looks like a per-day figure where a per-second one is asked: a day has 86,400 seconds"},
			{peak, pk + " is missing: that is the average", twice(pk)},
		}
	case "bytes_per_day":
		out = []factor{
			{secondsPerDay, "that looks like a per-second figure where a day's is asked: a day has 86,400 seconds", "multiplied by 86,400 once too often"},
			bits,
			{peak, "divided by " + pk + " where no peak applies", "that is sized at the peak rate: a day's bytes come from the average, without " + pk},
			{rf, "divided by the replication factor where none applies", repl + " is counted, but a day's data is before replication"},
			{p.BytesPerMessage, fmt.Sprintf("the message size (%s) is missing: that is a message count, not bytes", units.FormatBytes(p.BytesPerMessage)), "the message size is counted twice"},
			binary(p.BytesPerDay),
		}
	case "replicated_bytes":
		out = []factor{
			{rf, repl + " is left out", twice(repl)},
			bits,
			{peak, "divided by " + pk + " where no peak applies", "that is sized at the peak rate: stored bytes come from the average, without " + pk},
			{days, fmt.Sprintf("the retention (%s days) is missing: that is one day's data", trimNum(days)), "the retention is counted twice"},
			binary(p.ReplicatedBytes),
		}
	case "partitions":
		out = []factor{
			{peak, "sized for the average: " + pk + " is missing", twice(pk)},
			{rf, "divided by the replication factor: partitions are counted before replication", "multiplied by the replication factor: that counts partition replicas, not partitions"},
		}
	case "brokers":
		out = []factor{
			{rf, repl + " is left out of the storage", twice(repl)},
			{peak, pk + " is missing", twice(pk)},
		}
	}
	var keep []factor
	for _, f := range out {
		if f.value > 1.001 { // a factor of one changes nothing
			keep = append(keep, f)
		}
	}
	return keep
}

// binary is the slip between decimal and binary units at the scale of v
// (1 TiB = 1.0995 TB).
func binary(v float64) factor {
	k := max(1, min(6, int(math.Floor(math.Log10(v)/3))))
	dec := []string{"", "KB", "MB", "GB", "TB", "PB", "EB"}[k]
	bin := []string{"", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}[k]
	f := math.Pow(1.024, float64(k))
	return factor{f,
		fmt.Sprintf("decimal and binary units are mixed up: that is the figure in %s written as %s (1 %s = %s %s)", bin, dec, bin, trimNum4(f), dec),
		fmt.Sprintf("decimal and binary units are mixed up: 1 %s = %s %s, not the other way round", bin, trimNum4(f), dec)}
}

func trimNum4(v float64) string {
	s := fmt.Sprintf("%.4f", v)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// slipTolerance is how near an answer corrected by a factor must come to
// the plan for the slip to be named: within the right grade, and for
// factors near one (decimal against binary units) within a third of the
// factor's own size, so a plain estimate is not mistaken for a slip.
func slipTolerance(f float64) float64 { return math.Min(RightTolerance, math.Log(f)/3) }

// Mistake names the recognisable slip behind a number answer that is not
// right: an answer off by the replication factor, the peak factor, the
// seconds in a day, 8 bits to a byte, decimal against binary units, the
// message size or the retention — alone or two together. It returns "" when
// no slip explains the answer.
func Mistake(p *capacity.Plan, key string, got float64) string {
	want := planValue(p, key)
	if want <= 0 || got <= 0 || GradeNumber(got, want) == Right {
		return ""
	}
	fs := factors(p, key)
	type slip struct {
		err  float64
		text []string
	}
	var best *slip
	try := func(mult float64, tol float64, text ...string) {
		if e := math.Abs(got*mult/want - 1); e <= tol && (best == nil || e < best.err) {
			best = &slip{e, text}
		}
	}
	for _, f := range fs {
		tol := slipTolerance(f.value)
		try(f.value, tol, f.omitted)
		try(1/f.value, tol, f.extra)
	}
	if best == nil {
		// Two slips together, each a factor well away from one.
		for i, f := range fs {
			for _, g := range fs[i+1:] {
				if f.value < 2 || g.value < 2 {
					continue
				}
				for _, a := range []bool{true, false} {
					for _, b := range []bool{true, false} {
						mult, text := 1.0, []string{}
						for _, x := range []struct {
							f   factor
							out bool
						}{{f, a}, {g, b}} {
							if x.out {
								mult *= x.f.value
								text = append(text, x.f.omitted)
							} else {
								mult /= x.f.value
								text = append(text, x.f.extra)
							}
						}
						if math.Abs(math.Log(mult)) > 0.1 {
							try(mult, RightTolerance, text...)
						}
					}
				}
			}
		}
	}
	if best == nil {
		return ""
	}
	return "Off by a recognisable factor: " + strings.Join(best.text, "; and ") + "."
}
