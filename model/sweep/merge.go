package sweep

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"mqsim/scenarios"
)

// Summary is a whole sweep merged: per variant and metric, the mean over
// seeds with a 95% confidence interval.
type Summary struct {
	Grid     string
	Scenario string
	Metrics  []string
	Kinds    []string // each metric's kind (model.KindCount, …)
	Variants []VariantSummary
}

// VariantSummary is one variant's statistics, one per metric.
type VariantSummary struct {
	Label string
	Seeds []uint64
	Stats []Stat
}

// Stat summarises one metric of one variant over its N seeds. Low and
// High bound the 95% confidence interval of the mean, Student's t with
// N−1 degrees of freedom: mean ± t(0.975, N−1)·s/√N. With one seed there
// is no interval: HalfWidth is NaN and Low = High = Mean.
type Stat struct {
	N                   int
	Mean, HalfWidth     float64
	Low, High, Min, Max float64
}

// MeanCI is the mean of xs and the half-width of its 95% confidence
// interval (NaN for fewer than two values).
func MeanCI(xs []float64) (mean, half float64) {
	mean = stat.Mean(xs, nil)
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	sd := stat.StdDev(xs, nil) // n−1 denominator
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}.Quantile(0.975)
	return mean, t * sd / math.Sqrt(float64(len(xs)))
}

// Merge reads every result file in dir and summarises the sweep. It needs
// every line of one manifest exactly once: a missing or foreign result is
// an error naming it. The summary depends only on the results, never on
// the order files were written or which machine wrote them.
func Merge(dir string) (*Summary, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &scenarios.InputError{File: dir, Msg: err.Error()}
	}
	var results []*Result
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		r, err := decodeResult(data)
		if err != nil {
			return nil, &scenarios.InputError{File: path, Msg: "not a sweep result: " + err.Error()}
		}
		if ResultFile(r.Line) != name {
			return nil, &scenarios.InputError{File: path, Msg: fmt.Sprintf("holds the result of %s (renamed?)", ResultFile(r.Line))}
		}
		results = append(results, r)
	}
	if len(results) == 0 {
		return nil, &scenarios.InputError{File: dir, Msg: "no sweep results (*.json written by 'mqsim sweep run')"}
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Line.Index < results[j].Line.Index })
	first := results[0].Line
	byIndex := make([]*Result, first.Of)
	for _, r := range results {
		l := r.Line
		if l.Grid != first.Grid || l.Of != first.Of {
			return nil, &scenarios.InputError{File: filepath.Join(dir, ResultFile(l)), Msg: fmt.Sprintf("belongs to another sweep (grid %s of %d runs, not %s of %d)", l.Grid, l.Of, first.Grid, first.Of)}
		}
		if l.Index < 0 || l.Index >= l.Of || byIndex[l.Index] != nil {
			return nil, &scenarios.InputError{File: filepath.Join(dir, ResultFile(l)), Msg: fmt.Sprintf("line %d appears twice or is out of range", l.Index)}
		}
		byIndex[l.Index] = r
	}
	var missing []string
	for i, r := range byIndex {
		if r == nil {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		shown := missing[:min(len(missing), 10)]
		more := ""
		if len(missing) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(missing)-len(shown))
		}
		return nil, &scenarios.InputError{File: dir, Msg: fmt.Sprintf("%d of %d runs have no result (manifest lines %s%s): run their shards again", len(missing), first.Of, strings.Join(shown, ", "), more)}
	}
	sum := &Summary{Grid: first.Grid, Scenario: first.Scenario, Metrics: first.Metrics}
	for _, m := range first.Metrics {
		_, kind, _ := byIndex[0].Results.Metric(m)
		sum.Kinds = append(sum.Kinds, kind)
	}
	for _, r := range byIndex {
		vi := r.Line.VariantIndex
		for len(sum.Variants) <= vi {
			sum.Variants = append(sum.Variants, VariantSummary{})
		}
		v := &sum.Variants[vi]
		v.Label = r.Line.Variant
		v.Seeds = append(v.Seeds, r.Line.Seed)
	}
	for vi := range sum.Variants {
		v := &sum.Variants[vi]
		for _, m := range first.Metrics {
			var xs []float64
			for _, r := range byIndex {
				if r.Line.VariantIndex != vi {
					continue
				}
				x, _, ok := r.Results.Metric(m)
				if !ok {
					return nil, fmt.Errorf("line %d: no metric %s", r.Line.Index, m)
				}
				xs = append(xs, x)
			}
			v.Stats = append(v.Stats, StatOf(xs))
		}
	}
	return sum, nil
}
