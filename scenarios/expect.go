package scenarios

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"mqsim/scenarios/units"
)

// Metric kinds: how a metric's value is measured and how a condition on it
// is written.
const (
	KindCount    = "count"    // messages or events: "0", "< 1K", ">= 1"
	KindDuration = "duration" // seconds: "< 50ms", "<= 2s"
	KindRate     = "rate"     // per second: "> 90K/s", ">= 1M"
	KindRatio    = "ratio"    // a share: "<= 5%", "> 0.5"
)

// MetricInfo describes one metric a scenario's expect block may test.
type MetricInfo struct {
	Name string
	Kind string
	Doc  string
}

// Metrics is the catalogue of names an expect block may use, besides the
// per-group form group.<name>.<key> (GroupMetrics). The model's results
// answer every one of them (a test in cmd/mqsim checks model.Results.Metric
// knows each name with the same kind); this package cannot import the model,
// which imports it.
var Metrics = []MetricInfo{
	{"produced", KindCount, "messages handed to producers"},
	{"acked", KindCount, "messages the brokers acknowledged"},
	{"failed", KindCount, "messages definitely not written (rejected, or retries exhausted before any append)"},
	{"indeterminate", KindCount, "messages reported failed that may have been written (timed out in flight)"},
	{"lost", KindCount, "acknowledged messages never processed and no longer reachable by a group"},
	{"unseen", KindCount, "acknowledged messages still ahead of a group when the drain ended"},
	{"duplicates", KindCount, "processings beyond the first of one message, summed over groups"},
	{"reordered", KindCount, "messages processed after a later message of the same producer and key"},
	{"max_lag", KindCount, "largest total lag of any group at any sample, in messages"},
	{"final_lag", KindCount, "total lag summed over groups at the end of the run (after the drain)"},
	{"max_partition_lag", KindCount, "largest lag of any single partition at any sample"},
	{"final_partition_lag", KindCount, "worst single partition's lag at the end of the run"},
	{"min_isr", KindCount, "smallest ISR of any partition at any sample"},
	{"max_under_replicated", KindCount, "most partitions with ISR below RF at any sample"},
	{"final_under_replicated", KindCount, "partitions with ISR below RF at the end"},
	{"isr_shrinks", KindCount, "followers removed from an ISR"},
	{"isr_expands", KindCount, "followers added back to an ISR"},
	{"produce_requests", KindCount, "produce requests sent, retries included"},
	{"retries", KindCount, "batch resends after a retriable error or a timeout"},
	{"replica_fetches", KindCount, "follower fetch requests"},
	{"consumer_fetches", KindCount, "consumer fetch requests"},
	{"offset_commits", KindCount, "commits written to __consumer_offsets"},
	{"high_watermark_violations", KindCount, "records a consumer read above the high watermark (must be 0)"},
	{"events", KindCount, "simulation events executed"},
	{"sim_seconds", KindDuration, "simulated time, drain included"},
	{"throughput_in", KindRate, "acknowledged messages per second while producers ran"},
	{"throughput_out", KindRate, "processed messages per second over the run, summed over groups"},
	{"throughput_in_bytes", KindRate, "acknowledged payload bytes per second while producers ran"},
	{"throughput_out_bytes", KindRate, "processed payload bytes per second, summed over groups"},
	{"max_broker_utilisation", KindRatio, "busiest resource of any broker, mean over the run"},
}

// GroupMetrics are the keys of group.<name>.<key>: one consumer group's
// share of the totals above.
var GroupMetrics = []MetricInfo{
	{"processed", KindCount, "processings, duplicates included"},
	{"skipped", KindCount, "redeliveries dropped by idempotent processing"},
	{"lost", KindCount, ""}, {"unseen", KindCount, ""}, {"duplicates", KindCount, ""}, {"reordered", KindCount, ""},
	{"max_lag", KindCount, ""}, {"final_lag", KindCount, ""},
	{"max_partition_lag", KindCount, ""}, {"final_partition_lag", KindCount, ""},
}

func init() {
	// Latency percentiles, in seconds: p50_e2e … mean_ack.
	for _, which := range []struct{ name, doc string }{{"e2e", "end-to-end latency, produce to processed"}, {"ack", "produce-to-acknowledgement latency"}} {
		for _, q := range []struct{ name, doc string }{{"p50", "median"}, {"p90", "90th percentile"}, {"p99", "99th percentile"},
			{"p999", "99.9th percentile"}, {"max", "largest"}, {"mean", "mean"}} {
			m := MetricInfo{q.name + "_" + which.name, KindDuration, q.doc + " " + which.doc}
			Metrics = append(Metrics, m)
			if which.name == "e2e" {
				GroupMetrics = append(GroupMetrics, m)
			}
		}
	}
}

// LookupMetric returns the catalogue entry for name.
func LookupMetric(name string) (MetricInfo, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return MetricInfo{}, false
}

func metricNames(ms []MetricInfo) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// lookupExpectMetric resolves an expect key: a catalogued metric, or
// group.<name>.<key> for one of the scenario's groups.
func lookupExpectMetric(name string, groups []ConsumerGroup) (MetricInfo, error) {
	if m, ok := LookupMetric(name); ok {
		return m, nil
	}
	rest, ok := strings.CutPrefix(name, "group.")
	if !ok {
		return MetricInfo{}, fmt.Errorf("unknown metric %q (known: %s, and group.<name>.<key>)", name, metricNames(Metrics))
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 {
		return MetricInfo{}, fmt.Errorf("%q: want group.<group name>.<key>, e.g. group.%s.final_lag", name, firstGroup(groups))
	}
	group, key := rest[:i], rest[i+1:]
	found := false
	for _, g := range groups {
		found = found || g.Name == group
	}
	if !found {
		return MetricInfo{}, fmt.Errorf("%q names no consumer group of this scenario (groups: %s)", name, groupNames(groups))
	}
	for _, m := range GroupMetrics {
		if m.Name == key {
			return m, nil
		}
	}
	return MetricInfo{}, fmt.Errorf("unknown group metric %q (known: %s)", key, metricNames(GroupMetrics))
}

func firstGroup(groups []ConsumerGroup) string {
	if len(groups) == 0 {
		return "NAME"
	}
	return groups[0].Name
}

func groupNames(groups []ConsumerGroup) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Condition is a parsed expectation such as "< 50ms": an operator and a
// threshold in the metric's unit (seconds for durations).
type Condition struct {
	Op    string  // "<", "<=", ">", ">=", "==", "!="
	Value float64 // the threshold, in seconds for durations and as a fraction for ratios
	Kind  string  // the kind of quantity written: count, duration, rate or ratio
}

// ParseCondition parses "0", "< 50ms", ">= 1", "> 0", "< 1K", "<= 5%",
// "> 90K/s". A bare value means equality.
func ParseCondition(s string) (Condition, error) {
	src := strings.TrimSpace(s)
	bad := func(format string, a ...any) (Condition, error) {
		return Condition{}, &units.Error{Kind: "condition", Value: s, Msg: fmt.Sprintf(format, a...)}
	}
	if src == "" {
		return bad("empty (want a value such as 0, or an operator and a value such as < 50ms)")
	}
	c := Condition{Op: "=="}
	for _, op := range []string{"<=", ">=", "==", "!=", "<", ">", "="} {
		if rest, ok := strings.CutPrefix(src, op); ok {
			c.Op, src = op, strings.TrimSpace(rest)
			if op == "=" {
				c.Op = "=="
			}
			break
		}
	}
	if src == "" {
		return bad("missing the value after %s", c.Op)
	}
	if strings.ContainsAny(src[:1], "<>=!") {
		return bad("unknown operator (want <, <=, >, >=, == or !=)")
	}
	if v, err := units.ParseCount(src); err == nil {
		c.Value, c.Kind = float64(v), KindCount
		return c, nil
	}
	if v, err := units.ParseDuration(src); err == nil {
		c.Value, c.Kind = v.Seconds(), KindDuration
		return c, nil
	}
	if strings.HasSuffix(src, "%") || strings.HasSuffix(src, "x") {
		v, err := units.ParseRatio(src)
		if err != nil {
			return bad("%v", err)
		}
		c.Value, c.Kind = float64(v), KindRatio
		return c, nil
	}
	if strings.Contains(src, "/") {
		v, err := units.ParseRate(src)
		if err != nil {
			return bad("%v", err)
		}
		c.Value, c.Kind = float64(v), KindRate
		return c, nil
	}
	return bad("not a count (1K), duration (50ms), share (5%%) or rate (10K/s)")
}

// fits reports whether a condition written as c.Kind can test a metric of
// kind metric. A bare number tests counts, rates and ratios; durations need a
// unit (except 0), so "< 50" is never read as seconds by accident.
func (c Condition) fits(metric string) error {
	switch {
	case c.Kind == metric:
		return nil
	case c.Kind == KindCount && (metric == KindRate || metric == KindRatio):
		return nil
	case c.Kind == KindCount && metric == KindDuration && c.Value == 0:
		return nil
	}
	example := map[string]string{KindCount: "< 1K", KindDuration: "< 50ms", KindRate: "> 10K/s", KindRatio: "<= 5%"}[metric]
	return fmt.Errorf("is a %s and the metric is a %s: write it like %q", c.Kind, metric, example)
}

// Holds reports whether v meets the condition.
func (c Condition) Holds(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	switch c.Op {
	case "<":
		return v < c.Value
	case "<=":
		return v <= c.Value
	case ">":
		return v > c.Value
	case ">=":
		return v >= c.Value
	case "!=":
		return v != c.Value
	}
	return v == c.Value
}

// validateExpect checks every expect entry names a metric and parses as a
// condition of the right kind.
func validateExpect(expect map[string]string, groups []ConsumerGroup) []error {
	var errs []error
	for _, name := range sortedKeys(expect) {
		field := "expect." + name
		m, err := lookupExpectMetric(name, groups)
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Msg: err.Error()})
			continue
		}
		c, err := ParseCondition(expect[name])
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Msg: err.Error()})
			continue
		}
		if err := c.fits(m.Kind); err != nil {
			errs = append(errs, &FieldError{Field: field, Msg: fmt.Sprintf("%q %v", expect[name], err)})
		}
	}
	return errs
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MetricSource answers metric values by name; model.Results is one.
type MetricSource interface {
	Metric(name string) (value float64, kind string, ok bool)
}

// Verdict is the outcome of one expectation.
type Verdict struct {
	Metric    string  `json:"metric"`
	Condition string  `json:"condition"` // as written in the scenario
	Value     float64 `json:"value"`     // the measured value (seconds for durations)
	Kind      string  `json:"kind"`
	Pass      bool    `json:"pass"`
	Error     string  `json:"error,omitempty"` // why it could not be evaluated
}

// Evaluate checks every expectation against the results, in metric-name
// order. An expectation that cannot be evaluated fails with Error set.
func Evaluate(expect map[string]string, results MetricSource) []Verdict {
	out := make([]Verdict, 0, len(expect))
	for _, name := range sortedKeys(expect) {
		v := Verdict{Metric: name, Condition: strings.TrimSpace(expect[name])}
		c, err := ParseCondition(expect[name])
		value, kind, ok := results.Metric(name)
		v.Kind = kind
		switch {
		case err != nil:
			v.Error = err.Error()
		case !ok:
			v.Error = "the results have no metric by this name"
		case c.fits(kind) != nil:
			v.Error = c.fits(kind).Error()
		case math.IsNaN(value) || math.IsInf(value, 0):
			v.Error = "no value was measured"
		default:
			v.Value = value
			v.Pass = c.Holds(value)
		}
		out = append(out, v)
	}
	return out
}

// Failed returns the verdicts that did not pass.
func Failed(vs []Verdict) []Verdict {
	var out []Verdict
	for _, v := range vs {
		if !v.Pass {
			out = append(out, v)
		}
	}
	return out
}
