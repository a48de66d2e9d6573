package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"mqsim/scenarios/units"
)

// Arrival is a parsed arrival process (Producer.Arrival). Rate is always the
// producer's long-run average; the process shapes it in time.
//
//	poisson                     exponential gaps (the default)
//	constant                    evenly spaced messages
//	bursts(on=1s, off=4s)       Poisson at Rate×(on+off)/on during each on-phase,
//	                            silence during each off-phase, starting with on
//	daily(peak=10x)             a Poisson process whose rate follows a daily curve
//	daily(peak=10x, period=1m)  with its maximum at peak×Rate half-way through
//	                            each period (default 24h) and its mean at Rate
//	daily(peak=10x, phase=12h)  the producers start phase into the period: at
//	                            12h of a day, the peak (default 0: midnight,
//	                            the trough)
//	trace(rates.csv, scale=2x,  a Poisson process whose rate follows a recorded
//	  time_offset=1h)           series (trace.go)
type Arrival struct {
	Kind   string         `json:"kind"`             // "poisson", "constant", "bursts" or "daily"
	On     units.Duration `json:"on,omitempty"`     // bursts
	Off    units.Duration `json:"off,omitempty"`    // bursts
	Peak   units.Ratio    `json:"peak,omitempty"`   // daily: maximum rate over mean rate, ≥ 1
	Period units.Duration `json:"period,omitempty"` // daily
	Phase  units.Duration `json:"phase,omitempty"`  // daily: where in the period the producers start, < Period
	// trace (trace.go): a recorded rate series, its scale and where in it
	// the producers start.
	File   string         `json:"file,omitempty"`
	Scale  units.Ratio    `json:"scale,omitempty"`
	Offset units.Duration `json:"time_offset,omitempty"`
	trace  *rateTrace
	// exponent of the daily curve, chosen so its mean is 1/Peak of its maximum.
	shape float64
}

// ParseArrival parses an arrival process; "" means poisson.
func ParseArrival(s string) (Arrival, error) {
	name, args, err := splitCall("arrival process", s)
	if err != nil {
		return Arrival{}, err
	}
	bad := func(format string, a ...any) (Arrival, error) {
		return Arrival{}, &units.Error{Kind: "arrival process", Value: s, Msg: fmt.Sprintf(format, a...)}
	}
	switch name {
	case "", "poisson":
		if len(args) > 0 {
			return bad("poisson takes no arguments")
		}
		return Arrival{Kind: "poisson"}, nil
	case "constant", "const":
		if len(args) > 0 {
			return bad("constant takes no arguments")
		}
		return Arrival{Kind: "constant"}, nil
	case "bursts":
		m, err := bindArgs(args, "on", "off")
		if err != nil {
			return bad("%v (want bursts(on=1s, off=4s))", err)
		}
		a := Arrival{Kind: "bursts"}
		for _, f := range []struct {
			key string
			dst *units.Duration
		}{{"on", &a.On}, {"off", &a.Off}} {
			v, ok := m[f.key]
			if !ok {
				return bad("missing %s= (want bursts(on=1s, off=4s))", f.key)
			}
			d, err := units.ParseDuration(v)
			if err != nil {
				return bad("%s: %v", f.key, err)
			}
			*f.dst = d
		}
		if a.On <= 0 {
			return bad("on must be longer than 0")
		}
		return a, nil
	case "daily":
		m, err := bindArgs(args, "peak", "period", "phase")
		if err != nil {
			return bad("%v (want daily(peak=10x), daily(peak=3x, period=1m) or daily(peak=10x, phase=12h))", err)
		}
		a := Arrival{Kind: "daily", Period: units.Day}
		v, ok := m["peak"]
		if !ok {
			return bad("missing peak= (want daily(peak=10x))")
		}
		if a.Peak, err = units.ParseRatio(v); err != nil {
			return bad("peak: %v", err)
		}
		if a.Peak < 1 || a.Peak > 1000 {
			return bad("peak must be between 1x and 1000x (the maximum over the mean rate)")
		}
		if v, ok := m["period"]; ok {
			if a.Period, err = units.ParseDuration(v); err != nil {
				return bad("period: %v", err)
			}
			if a.Period < units.Millisecond {
				return bad("period must be at least 1ms")
			}
		}
		if v, ok := m["phase"]; ok {
			if a.Phase, err = units.ParseDuration(v); err != nil {
				return bad("phase: %v", err)
			}
			if a.Phase >= a.Period {
				return bad("phase must be less than the period (%v): it is the time of day the producers start at", a.Period)
			}
		}
		a.shape = dailyShape(float64(a.Peak))
		return a, nil
	case "trace":
		return parseTraceArrival(s, args)
	}
	return bad("unknown arrival process %q (want poisson, constant, bursts(on=, off=), daily(peak=) or trace(FILE.csv))", name)
}

// RateFactor is the instantaneous rate over the mean rate at time t since
// the producers started: 1 for poisson and constant, 0 or (on+off)/on for
// bursts, and the daily curve ((1−cos(2π(t+phase)/period))/2)^k × peak, whose
// mean over a period is 1 and maximum is peak, reached when t+phase is half a
// period. Its maximum over all t is MaxRateFactor.
func (a Arrival) RateFactor(t units.Duration) float64 {
	switch a.Kind {
	case "bursts":
		cycle := a.On + a.Off
		if cycle <= 0 || t%cycle < a.On {
			return float64(cycle) / float64(a.On)
		}
		return 0
	case "daily":
		if a.Period <= 0 || a.Peak <= 1 {
			return 1
		}
		theta := 2 * math.Pi * float64((t+a.Phase)%a.Period) / float64(a.Period)
		return float64(a.Peak) * math.Pow((1-math.Cos(theta))/2, a.shape)
	case "trace":
		if a.trace != nil {
			return a.trace.at(int64(t+a.Offset)) / a.trace.mean
		}
	}
	return 1
}

// MaxRateFactor bounds RateFactor, for thinning a Poisson process.
func (a Arrival) MaxRateFactor() float64 {
	switch a.Kind {
	case "bursts":
		return float64(a.On+a.Off) / float64(a.On)
	case "daily":
		return math.Max(1, float64(a.Peak))
	case "trace":
		if a.trace != nil {
			return math.Max(1, a.trace.max/a.trace.mean)
		}
	}
	return 1
}

// dailyShape returns k with mean(((1−cos θ)/2)^k) = 1/peak over a period.
// That mean is Γ(k+½)/(√π·Γ(k+1)), which falls from 1 at k = 0 towards 0.
func dailyShape(peak float64) float64 {
	if peak <= 1 {
		return 0
	}
	mean := func(k float64) float64 {
		a, _ := math.Lgamma(k + 0.5)
		b, _ := math.Lgamma(k + 1)
		return math.Exp(a-b) / math.Sqrt(math.Pi)
	}
	lo, hi := 0.0, 1.0
	for mean(hi) > 1/peak {
		hi *= 2
	}
	for i := 0; i < 100; i++ {
		mid := (lo + hi) / 2
		if mean(mid) > 1/peak {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// Keys is a parsed key distribution (Producer.Keys).
//
//	none                     no key: the sticky partitioner fills a batch for one
//	                         partition, then moves on (the default)
//	uniform(10000)           keys 0…n−1, equally likely
//	zipf(n=10000, s=1.1)     key of rank i (1…n) with probability ∝ 1/i^s, s > 1
//	hot(share=70%, n=1000)   key 0 takes share of the messages; the rest spread
//	                         evenly over keys 1…n−1
//
// A key is hashed to its partition as Kafka's default partitioner does.
type Keys struct {
	Kind  string      `json:"kind"` // "none", "uniform", "zipf" or "hot"
	N     int         `json:"n,omitempty"`
	S     float64     `json:"s,omitempty"`     // zipf exponent
	Share units.Ratio `json:"share,omitempty"` // hot: the hot key's share
}

// MaxKeys bounds the key space so per-key state stays small.
const MaxKeys = 10_000_000

// ParseKeys parses a key distribution; "" means none.
func ParseKeys(s string) (Keys, error) {
	name, args, err := splitCall("key distribution", s)
	if err != nil {
		return Keys{}, err
	}
	bad := func(format string, a ...any) (Keys, error) {
		return Keys{}, &units.Error{Kind: "key distribution", Value: s, Msg: fmt.Sprintf(format, a...)}
	}
	count := func(m map[string]string, key string) (int, error) {
		v, ok := m[key]
		if !ok {
			return 0, fmt.Errorf("missing %s=", key)
		}
		c, err := units.ParseCount(v)
		if err != nil {
			return 0, err
		}
		if c < 1 || c > MaxKeys || c != units.Count(math.Trunc(float64(c))) {
			return 0, fmt.Errorf("%s must be a whole number from 1 to %d", key, MaxKeys)
		}
		return int(c), nil
	}
	switch name {
	case "", "none":
		if len(args) > 0 {
			return bad("none takes no arguments")
		}
		return Keys{Kind: "none"}, nil
	case "uniform":
		m, err := bindArgs(args, "n")
		if err == nil {
			var n int
			if n, err = count(m, "n"); err == nil {
				return Keys{Kind: "uniform", N: n}, nil
			}
		}
		return bad("%v (want uniform(10000))", err)
	case "zipf":
		m, err := bindArgs(args, "n", "s")
		if err != nil {
			return bad("%v (want zipf(n=10000, s=1.1))", err)
		}
		k := Keys{Kind: "zipf", S: 1.1}
		if k.N, err = count(m, "n"); err != nil {
			return bad("%v (want zipf(n=10000, s=1.1))", err)
		}
		if v, ok := m["s"]; ok {
			if k.S, err = strconv.ParseFloat(v, 64); err != nil || math.IsNaN(k.S) || math.IsInf(k.S, 0) {
				return bad("s: %q is not a number", v)
			}
		}
		if k.S <= 1 || k.S > 10 {
			return bad("s must be above 1 and at most 10 (the skew; 1.1 is mild, 2 is steep)")
		}
		return k, nil
	case "hot":
		m, err := bindArgs(args, "share", "n")
		if err != nil {
			return bad("%v (want hot(share=70%%, n=1000))", err)
		}
		k := Keys{Kind: "hot"}
		v, ok := m["share"]
		if !ok {
			return bad("missing share= (want hot(share=70%%, n=1000))")
		}
		if k.Share, err = units.ParseRatio(v); err != nil {
			return bad("share: %v", err)
		}
		if k.Share <= 0 || k.Share > 1 {
			return bad("share must be above 0%% and at most 100%%")
		}
		if k.N, err = count(m, "n"); err != nil {
			return bad("%v (want hot(share=70%%, n=1000))", err)
		}
		if k.N < 2 && k.Share < 1 {
			return bad("n must be at least 2 when the hot key's share is below 100%%")
		}
		return k, nil
	}
	if s := closestName(name, []string{"none", "uniform", "zipf", "hot"}); s != "" {
		return bad("unknown key distribution %q; did you mean %s?", name, s)
	}
	return bad("unknown key distribution %q (want none, uniform(n), zipf(n=, s=) or hot(share=, n=))", name)
}

// splitCall splits "name(a=1, b)" into its lower-case name and arguments.
func splitCall(kind, s string) (string, []string, error) {
	src := strings.TrimSpace(s)
	if len(src) > 200 {
		return "", nil, &units.Error{Kind: kind, Value: s, Msg: "longer than 200 characters"}
	}
	open := strings.IndexByte(src, '(')
	if open < 0 {
		if strings.ContainsAny(src, ")=,") {
			return "", nil, &units.Error{Kind: kind, Value: s, Msg: "want name(arguments)"}
		}
		return strings.ToLower(src), nil, nil
	}
	if !strings.HasSuffix(src, ")") || strings.Count(src, "(") != 1 || strings.Count(src, ")") != 1 {
		return "", nil, &units.Error{Kind: kind, Value: s, Msg: "unbalanced parentheses"}
	}
	name := strings.ToLower(strings.TrimSpace(src[:open]))
	body := strings.TrimSpace(src[open+1 : len(src)-1])
	var args []string
	if body != "" {
		for _, a := range strings.Split(body, ",") {
			args = append(args, strings.TrimSpace(a))
		}
	}
	return name, args, nil
}

// bindArgs maps arguments to names: key=value pairs by key, bare values by
// position in names. Unknown keys, repeats and extra values are errors.
func bindArgs(args []string, names ...string) (map[string]string, error) {
	m := map[string]string{}
	for i, a := range args {
		key, val, named := strings.Cut(a, "=")
		if named {
			key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		} else {
			if i >= len(names) {
				return nil, fmt.Errorf("too many arguments")
			}
			key, val = names[i], a
		}
		known := false
		for _, n := range names {
			known = known || n == key
		}
		if !known {
			if s := closestName(key, names); s != "" {
				return nil, fmt.Errorf("unknown argument %q; did you mean %q?", key, s)
			}
			return nil, fmt.Errorf("unknown argument %q (want %s)", key, strings.Join(names, ", "))
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("%s given twice", key)
		}
		if val == "" {
			return nil, fmt.Errorf("%s has no value", key)
		}
		m[key] = val
	}
	return m, nil
}
