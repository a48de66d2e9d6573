package sweep

import (
	"fmt"
	"math"
	"slices"

	"mqsim/model"
	"mqsim/scenarios"
)

// MaxReplications bounds `mqsim run --seeds`: each replication is a whole
// simulation.
const MaxReplications = 1000

// ReplicaSeeds are the seeds of n independent replications of a scenario
// whose seed is base: base, base+1, …, base+n−1. Every random stream of a
// run is derived from its seed and a stable name, so neighbouring seeds
// give independent draws; the first replication is the run `mqsim run`
// makes alone, and each replication can be rerun with --seed.
func ReplicaSeeds(base uint64, n int) []uint64 {
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = base + uint64(i)
	}
	return seeds
}

// StatOf summarises values: the mean, its 95% Student t interval (none
// for fewer than two values), the minimum and maximum.
func StatOf(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{Mean: math.NaN(), HalfWidth: math.NaN(), Low: math.NaN(), High: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	mean, half := MeanCI(xs)
	st := Stat{N: len(xs), Mean: mean, HalfWidth: half, Low: mean, High: mean, Min: slices.Min(xs), Max: slices.Max(xs)}
	if !math.IsNaN(half) {
		st.Low, st.High = mean-half, mean+half
	}
	return st
}

// Summarise is each metric over the replications' results: its kind
// (model.KindCount, …) and statistics. An unknown metric is an error.
func Summarise(runs []*model.Results, metrics []string) (kinds []string, stats []Stat, err error) {
	for _, m := range metrics {
		xs := make([]float64, 0, len(runs))
		kind := ""
		for _, r := range runs {
			x, k, ok := r.Metric(m)
			if !ok {
				return nil, nil, fmt.Errorf("no metric %s", m)
			}
			xs, kind = append(xs, x), k
		}
		kinds = append(kinds, kind)
		stats = append(stats, StatOf(xs))
	}
	return kinds, stats, nil
}

// Outcomes of an expectation judged on an interval.
const (
	Pass         = "pass"
	Fail         = "fail"
	Inconclusive = "inconclusive"
)

// IntervalVerdict is one expectation judged on the 95% interval of its
// metric's mean over the replications.
type IntervalVerdict struct {
	Metric    string `json:"metric"`
	Condition string `json:"condition"`
	Kind      string `json:"kind"`
	Stat      Stat   `json:"stat"`
	// Outcome is Pass when the whole interval meets the condition, Fail
	// when none of it does, Inconclusive when it straddles the threshold
	// (more replications may decide it).
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"` // why it could not be judged (counts as Fail)
}

// JudgeIntervals judges every expectation, in metric-name order, on the
// interval of the mean over runs. A metric every replication measured the
// same has a zero-width interval, so "lost: 0" passes exactly when every
// replication lost nothing.
func JudgeIntervals(expect map[string]string, runs []*model.Results) []IntervalVerdict {
	names := make([]string, 0, len(expect))
	for n := range expect {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []IntervalVerdict
	for _, name := range names {
		v := IntervalVerdict{Metric: name, Condition: expect[name]}
		c, err := scenarios.ParseCondition(expect[name])
		if err != nil {
			v.Outcome, v.Error = Fail, err.Error()
			out = append(out, v)
			continue
		}
		kinds, stats, err := Summarise(runs, []string{name})
		if err != nil {
			v.Outcome, v.Error = Fail, err.Error()
			out = append(out, v)
			continue
		}
		v.Kind, v.Stat = kinds[0], stats[0]
		v.Outcome = judgeInterval(c, v.Stat.Low, v.Stat.High)
		out = append(out, v)
	}
	return out
}

// judgeInterval is Pass when every value in [lo, hi] meets c, Fail when
// none does, else Inconclusive.
func judgeInterval(c scenarios.Condition, lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return Fail
	}
	all, none := false, false
	switch c.Op {
	case "<":
		all, none = hi < c.Value, lo >= c.Value
	case "<=":
		all, none = hi <= c.Value, lo > c.Value
	case ">":
		all, none = lo > c.Value, hi <= c.Value
	case ">=":
		all, none = lo >= c.Value, hi < c.Value
	case "!=":
		all, none = c.Value < lo || c.Value > hi, lo == c.Value && hi == c.Value
	default: // ==
		all, none = lo == c.Value && hi == c.Value, c.Value < lo || c.Value > hi
	}
	switch {
	case all:
		return Pass
	case none:
		return Fail
	}
	return Inconclusive
}

// Band is a time series across replications: at each sample time of the
// first run, the mean of the column over the runs that have that sample
// and its 95% interval (Low = High = Mean with one run). NaN samples (an
// interval without data) are left out of that time's statistics.
func Band(runs []*model.Results, column string) (t, mean, lo, hi []float64) {
	if len(runs) == 0 {
		return nil, nil, nil, nil
	}
	cols := make([][]float64, len(runs))
	for i, r := range runs {
		cols[i] = r.Series.Column(column)
	}
	for k, tk := range runs[0].Series.Time {
		var xs []float64
		for i, r := range runs {
			if k < len(cols[i]) && k < len(r.Series.Time) && r.Series.Time[k] == tk && !math.IsNaN(cols[i][k]) {
				xs = append(xs, cols[i][k])
			}
		}
		t = append(t, tk)
		if len(xs) == 0 {
			mean, lo, hi = append(mean, math.NaN()), append(lo, math.NaN()), append(hi, math.NaN())
			continue
		}
		st := StatOf(xs)
		mean, lo, hi = append(mean, st.Mean), append(lo, st.Low), append(hi, st.High)
	}
	return t, mean, lo, hi
}
