package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"

	"mqsim/model"
	"mqsim/scenarios"
)

// OpenMessaging Benchmark results: OMBResult is the benchmark's result JSON
// (its field names and units: rates per second, latencies in
// milliseconds, publish delay in microseconds, quantile keys in percent).
// OMB writes a simulated run in that shape, so the benchmark's own chart
// scripts plot it; ReadOMBResult reads a measured one so compare can put
// it beside simulated runs.

// OMBResult is one benchmark result file.
type OMBResult struct {
	Workload          string `json:"workload"`
	Driver            string `json:"driver"`
	MessageSize       int64  `json:"messageSize"`
	Topics            int    `json:"topics"`
	Partitions        int    `json:"partitions"`
	ProducersPerTopic int    `json:"producersPerTopic"`
	ConsumersPerTopic int    `json:"consumersPerTopic"`

	PublishRate      []float64 `json:"publishRate"`
	PublishErrorRate []float64 `json:"publishErrorRate"`
	ConsumeRate      []float64 `json:"consumeRate"`
	Backlog          []int64   `json:"backlog"`

	PublishLatencyAvg      []float64 `json:"publishLatencyAvg"`
	PublishLatency50pct    []float64 `json:"publishLatency50pct"`
	PublishLatency75pct    []float64 `json:"publishLatency75pct"`
	PublishLatency95pct    []float64 `json:"publishLatency95pct"`
	PublishLatency99pct    []float64 `json:"publishLatency99pct"`
	PublishLatency999pct   []float64 `json:"publishLatency999pct"`
	PublishLatency9999pct  []float64 `json:"publishLatency9999pct"`
	PublishLatency99999pct []float64 `json:"publishLatency99999pct"`
	PublishLatencyMax      []float64 `json:"publishLatencyMax"`

	PublishDelayLatencyAvg      []float64 `json:"publishDelayLatencyAvg"`
	PublishDelayLatency50pct    []int64   `json:"publishDelayLatency50pct"`
	PublishDelayLatency75pct    []int64   `json:"publishDelayLatency75pct"`
	PublishDelayLatency95pct    []int64   `json:"publishDelayLatency95pct"`
	PublishDelayLatency99pct    []int64   `json:"publishDelayLatency99pct"`
	PublishDelayLatency999pct   []int64   `json:"publishDelayLatency999pct"`
	PublishDelayLatency9999pct  []int64   `json:"publishDelayLatency9999pct"`
	PublishDelayLatency99999pct []int64   `json:"publishDelayLatency99999pct"`
	PublishDelayLatencyMax      []int64   `json:"publishDelayLatencyMax"`

	AggregatedPublishLatencyAvg      float64 `json:"aggregatedPublishLatencyAvg"`
	AggregatedPublishLatency50pct    float64 `json:"aggregatedPublishLatency50pct"`
	AggregatedPublishLatency75pct    float64 `json:"aggregatedPublishLatency75pct"`
	AggregatedPublishLatency95pct    float64 `json:"aggregatedPublishLatency95pct"`
	AggregatedPublishLatency99pct    float64 `json:"aggregatedPublishLatency99pct"`
	AggregatedPublishLatency999pct   float64 `json:"aggregatedPublishLatency999pct"`
	AggregatedPublishLatency9999pct  float64 `json:"aggregatedPublishLatency9999pct"`
	AggregatedPublishLatency99999pct float64 `json:"aggregatedPublishLatency99999pct"`
	AggregatedPublishLatencyMax      float64 `json:"aggregatedPublishLatencyMax"`

	AggregatedPublishDelayLatencyAvg      float64 `json:"aggregatedPublishDelayLatencyAvg"`
	AggregatedPublishDelayLatency50pct    int64   `json:"aggregatedPublishDelayLatency50pct"`
	AggregatedPublishDelayLatency75pct    int64   `json:"aggregatedPublishDelayLatency75pct"`
	AggregatedPublishDelayLatency95pct    int64   `json:"aggregatedPublishDelayLatency95pct"`
	AggregatedPublishDelayLatency99pct    int64   `json:"aggregatedPublishDelayLatency99pct"`
	AggregatedPublishDelayLatency999pct   int64   `json:"aggregatedPublishDelayLatency999pct"`
	AggregatedPublishDelayLatency9999pct  int64   `json:"aggregatedPublishDelayLatency9999pct"`
	AggregatedPublishDelayLatency99999pct int64   `json:"aggregatedPublishDelayLatency99999pct"`
	AggregatedPublishDelayLatencyMax      int64   `json:"aggregatedPublishDelayLatencyMax"`

	AggregatedPublishLatencyQuantiles      OMBQuantiles `json:"aggregatedPublishLatencyQuantiles"`
	AggregatedPublishDelayLatencyQuantiles OMBQuantiles `json:"aggregatedPublishDelayLatencyQuantiles"`

	EndToEndLatencyAvg      []float64 `json:"endToEndLatencyAvg"`
	EndToEndLatency50pct    []float64 `json:"endToEndLatency50pct"`
	EndToEndLatency75pct    []float64 `json:"endToEndLatency75pct"`
	EndToEndLatency95pct    []float64 `json:"endToEndLatency95pct"`
	EndToEndLatency99pct    []float64 `json:"endToEndLatency99pct"`
	EndToEndLatency999pct   []float64 `json:"endToEndLatency999pct"`
	EndToEndLatency9999pct  []float64 `json:"endToEndLatency9999pct"`
	EndToEndLatency99999pct []float64 `json:"endToEndLatency99999pct"`
	EndToEndLatencyMax      []float64 `json:"endToEndLatencyMax"`

	AggregatedEndToEndLatencyQuantiles OMBQuantiles `json:"aggregatedEndToEndLatencyQuantiles"`

	AggregatedEndToEndLatencyAvg      float64 `json:"aggregatedEndToEndLatencyAvg"`
	AggregatedEndToEndLatency50pct    float64 `json:"aggregatedEndToEndLatency50pct"`
	AggregatedEndToEndLatency75pct    float64 `json:"aggregatedEndToEndLatency75pct"`
	AggregatedEndToEndLatency95pct    float64 `json:"aggregatedEndToEndLatency95pct"`
	AggregatedEndToEndLatency99pct    float64 `json:"aggregatedEndToEndLatency99pct"`
	AggregatedEndToEndLatency999pct   float64 `json:"aggregatedEndToEndLatency999pct"`
	AggregatedEndToEndLatency9999pct  float64 `json:"aggregatedEndToEndLatency9999pct"`
	AggregatedEndToEndLatency99999pct float64 `json:"aggregatedEndToEndLatency99999pct"`
	AggregatedEndToEndLatencyMax      float64 `json:"aggregatedEndToEndLatencyMax"`
}

// OMBQuantile is one point of a quantiles map: percent (0–100) → value.
type OMBQuantile struct {
	Percent float64
	Value   float64
}

// OMBQuantiles is a quantiles map kept in ascending order of percent: JSON
// objects written by Go would sort "100.0" before "50.0".
type OMBQuantiles []OMBQuantile

// MarshalJSON writes {"50.0": v, ...} with keys as the benchmark writes
// them (a Java double: always a decimal point) in ascending order.
func (q OMBQuantiles) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range q {
		if i > 0 {
			b.WriteByte(',')
		}
		k := strconv.FormatFloat(p.Percent, 'f', -1, 64)
		if !strings.ContainsAny(k, ".eE") {
			k += ".0"
		}
		v, err := json.Marshal(p.Value)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", k, v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a quantiles map in any key order and sorts it.
func (q *OMBQuantiles) UnmarshalJSON(data []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*q = (*q)[:0]
	for k, v := range m {
		p, err := strconv.ParseFloat(k, 64)
		if err != nil {
			return fmt.Errorf("quantile key %q is not a percentage", k)
		}
		*q = append(*q, OMBQuantile{p, v})
	}
	slices.SortFunc(*q, func(a, b OMBQuantile) int {
		switch {
		case a.Percent < b.Percent:
			return -1
		case a.Percent > b.Percent:
			return 1
		}
		return 0
	})
	return nil
}

// OMBDriverName is what a simulated run writes as its driver.
const OMBDriverName = "mqsim (simulated Kafka)"

// cdfAt is the latency at quantile q of a CDF, interpolating linearly
// between its two nearest points where q is not one of them.
func cdfAt(cdf []model.QuantilePoint, q float64) float64 {
	if len(cdf) == 0 {
		return 0
	}
	for i, p := range cdf {
		if p.Q == q {
			return p.Ms
		}
		if p.Q > q {
			if i == 0 {
				return p.Ms
			}
			a := cdf[i-1]
			return a.Ms + (p.Ms-a.Ms)*(q-a.Q)/(p.Q-a.Q)
		}
	}
	return cdf[len(cdf)-1].Ms
}

func quantiles(cdf []model.QuantilePoint) OMBQuantiles {
	q := OMBQuantiles{}
	for _, p := range cdf {
		q = append(q, OMBQuantile{Percent: math.Round(p.Q*100*1e4) / 1e4, Value: p.Ms})
	}
	return q
}

// NewOMBResult turns a simulated run into the benchmark's result shape.
// Aggregated quantiles come from the run's latency distributions (exact
// at the quantiles the run keeps; 75%, 99.999% are interpolated between
// its neighbours). Per-interval series are the run's samples, one a
// sample_interval (the benchmark reports every 10s: set sample_interval to
// 10s for like-for-like charts): publish, error and consume rates, backlog
// (total lag), publish latency (the acks of the interval: mean, 50, 75,
// 95, 99, 99.9, 99.99 percent and max; 99.999 is left empty, as a second's
// acks rarely tell it apart from the max) and end-to-end p50/p99. The run
// samples no publish delay (a simulated producer sends when it means to;
// time blocked on a full buffer is inside publish latency), so those lists
// are empty and the delay figures 0.
func NewOMBResult(r *Run) *OMBResult {
	res := r.Results
	o := &OMBResult{Workload: res.Scenario, Driver: OMBDriverName}
	if r.Label != "" {
		o.Workload += " " + r.Label
	}
	if res.ThroughputIn > 0 {
		o.MessageSize = int64(math.Round(res.ThroughputInBytes / res.ThroughputIn))
	}
	if s := r.Scenario; s != nil {
		o.Topics = len(s.Topics)
		if len(s.Topics) > 0 {
			o.Partitions = s.Topics[0].Partitions
		}
		if len(s.Producers) > 0 {
			o.ProducersPerTopic = s.Producers[0].Instances
		}
		if len(s.ConsumerGroups) > 0 {
			o.ConsumersPerTopic = s.ConsumerGroups[0].Consumers
		}
	}
	empty := func() []float64 { return []float64{} }
	emptyInt := func() []int64 { return []int64{} }
	o.PublishLatency99999pct = empty()
	o.PublishDelayLatencyAvg = empty()
	o.PublishDelayLatency50pct, o.PublishDelayLatency75pct, o.PublishDelayLatency95pct, o.PublishDelayLatency99pct = emptyInt(), emptyInt(), emptyInt(), emptyInt()
	o.PublishDelayLatency999pct, o.PublishDelayLatency9999pct, o.PublishDelayLatency99999pct, o.PublishDelayLatencyMax = emptyInt(), emptyInt(), emptyInt(), emptyInt()
	o.EndToEndLatencyAvg, o.EndToEndLatency75pct, o.EndToEndLatency95pct = empty(), empty(), empty()
	o.EndToEndLatency999pct, o.EndToEndLatency9999pct, o.EndToEndLatency99999pct, o.EndToEndLatencyMax = empty(), empty(), empty(), empty()
	o.AggregatedPublishDelayLatencyQuantiles = OMBQuantiles{}

	// Series.
	col := func(name string) []float64 {
		v := res.Series.Column(name)
		return append([]float64{}, v...)
	}
	o.PublishRate = col("acked_per_s")
	o.PublishErrorRate = col("producer_errors_per_s")
	n := len(res.Series.Time)
	o.ConsumeRate = make([]float64, n)
	backlog := make([]float64, n)
	for _, c := range res.Series.Columns {
		switch {
		case strings.HasPrefix(c.Name, "consumed_per_s/"):
			for i := 0; i < n && i < len(c.Values); i++ {
				o.ConsumeRate[i] += c.Values[i]
			}
		case strings.HasPrefix(c.Name, "lag/"):
			for i := 0; i < n && i < len(c.Values); i++ {
				backlog[i] += c.Values[i]
			}
		}
	}
	o.Backlog = make([]int64, n)
	for i, v := range backlog {
		o.Backlog[i] = int64(math.Round(v))
	}
	o.EndToEndLatency50pct = col("e2e_p50_ms")
	o.EndToEndLatency99pct = col("e2e_p99_ms")
	for _, c := range ombPublishColumns(o) {
		*c.dst = col(c.name)
	}

	// Aggregates.
	ack, e2e := res.AckCDF, res.E2ECDF
	o.AggregatedPublishLatencyAvg = res.AckLatency.Mean
	o.AggregatedPublishLatency50pct = cdfAt(ack, 0.5)
	o.AggregatedPublishLatency75pct = cdfAt(ack, 0.75)
	o.AggregatedPublishLatency95pct = cdfAt(ack, 0.95)
	o.AggregatedPublishLatency99pct = cdfAt(ack, 0.99)
	o.AggregatedPublishLatency999pct = cdfAt(ack, 0.999)
	o.AggregatedPublishLatency9999pct = cdfAt(ack, 0.9999)
	o.AggregatedPublishLatency99999pct = cdfAt(ack, 0.99999)
	o.AggregatedPublishLatencyMax = res.AckLatency.Max
	o.AggregatedPublishLatencyQuantiles = quantiles(ack)
	o.AggregatedEndToEndLatencyAvg = res.E2ELatency.Mean
	o.AggregatedEndToEndLatency50pct = cdfAt(e2e, 0.5)
	o.AggregatedEndToEndLatency75pct = cdfAt(e2e, 0.75)
	o.AggregatedEndToEndLatency95pct = cdfAt(e2e, 0.95)
	o.AggregatedEndToEndLatency99pct = cdfAt(e2e, 0.99)
	o.AggregatedEndToEndLatency999pct = cdfAt(e2e, 0.999)
	o.AggregatedEndToEndLatency9999pct = cdfAt(e2e, 0.9999)
	o.AggregatedEndToEndLatency99999pct = cdfAt(e2e, 0.99999)
	o.AggregatedEndToEndLatencyMax = res.E2ELatency.Max
	o.AggregatedEndToEndLatencyQuantiles = quantiles(e2e)
	finiteFields(reflect.ValueOf(o).Elem())
	return o
}

// finiteFields replaces NaN and infinities (an empty distribution's
// figures) with 0 in every float field and list, which JSON cannot carry.
func finiteFields(v reflect.Value) {
	fix := func(f reflect.Value) {
		if x := f.Float(); math.IsNaN(x) || math.IsInf(x, 0) {
			f.SetFloat(0)
		}
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Float64:
			fix(f)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Float64:
			for j := 0; j < f.Len(); j++ {
				fix(f.Index(j))
			}
		case f.Type() == reflect.TypeOf(OMBQuantiles(nil)):
			for j := 0; j < f.Len(); j++ {
				fix(f.Index(j).Field(1))
			}
		}
	}
}

// OMBJSON writes a run as the benchmark's result JSON.
func OMBJSON(w io.Writer, r *Run) error {
	data, err := json.MarshalIndent(NewOMBResult(r), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// IsOMBResult reports whether data looks like a benchmark result file: a
// JSON object with the benchmark's publishRate and aggregated latency keys.
func IsOMBResult(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	_, a := top["publishRate"]
	_, b := top["aggregatedPublishLatency99pct"]
	return a && b
}

// OMBIntervalSeconds is the benchmark's reporting period: each entry of a
// result's per-interval lists covers 10 seconds.
const OMBIntervalSeconds = 10

// ReadOMBResult reads a measured benchmark result as a run for compare:
// rates are the means of the per-interval lists, latency percentiles the
// aggregated ones, lag the backlog, and its series the per-interval lists
// at the benchmark's 10-second period. The benchmark does not count lost,
// duplicated or reordered messages: those rows are 0 for a measured run.
func ReadOMBResult(path string) (*Run, error) {
	data, err := scenarios.ReadInput(path, scenarios.MaxJSONSize, "a benchmark result")
	if err != nil {
		return nil, err
	}
	return ParseOMBResult(path, data)
}

// ParseOMBResult is ReadOMBResult for bytes already read.
func ParseOMBResult(path string, data []byte) (*Run, error) {
	var o OMBResult
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&o); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%d: not benchmark result JSON: %v", path, 1+bytes.Count(data[:min(int(se.Offset), len(data))], []byte{'\n'}), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%d: %s: %v", path, 1+bytes.Count(data[:min(int(te.Offset), len(data))], []byte{'\n'}), te.Field, err)
		}
		return nil, fmt.Errorf("%s: not benchmark result JSON: %v", path, err)
	}
	mean := func(v []float64) float64 {
		if len(v) == 0 {
			return 0
		}
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	res := &model.Results{Scenario: o.Workload}
	res.ThroughputIn = mean(o.PublishRate)
	res.ThroughputOut = mean(o.ConsumeRate)
	res.ThroughputInBytes = res.ThroughputIn * float64(o.MessageSize)
	res.ThroughputOutBytes = res.ThroughputOut * float64(o.MessageSize)
	for _, b := range o.Backlog {
		res.MaxLag = max(res.MaxLag, b)
	}
	if len(o.Backlog) > 0 {
		res.FinalLag = o.Backlog[len(o.Backlog)-1]
	}
	res.AckLatency = model.Latency{Mean: o.AggregatedPublishLatencyAvg, P50: o.AggregatedPublishLatency50pct,
		P90: quantileAt(o.AggregatedPublishLatencyQuantiles, 90), P99: o.AggregatedPublishLatency99pct,
		P999: o.AggregatedPublishLatency999pct, Max: o.AggregatedPublishLatencyMax}
	res.E2ELatency = model.Latency{Mean: o.AggregatedEndToEndLatencyAvg, P50: o.AggregatedEndToEndLatency50pct,
		P90: quantileAt(o.AggregatedEndToEndLatencyQuantiles, 90), P99: o.AggregatedEndToEndLatency99pct,
		P999: o.AggregatedEndToEndLatency999pct, Max: o.AggregatedEndToEndLatencyMax}
	for _, q := range o.AggregatedPublishLatencyQuantiles {
		res.AckCDF = append(res.AckCDF, model.QuantilePoint{Q: q.Percent / 100, Ms: q.Value})
	}
	for _, q := range o.AggregatedEndToEndLatencyQuantiles {
		res.E2ECDF = append(res.E2ECDF, model.QuantilePoint{Q: q.Percent / 100, Ms: q.Value})
	}
	n := len(o.PublishRate)
	res.Series = model.Series{IntervalSeconds: OMBIntervalSeconds}
	for i := 0; i < n; i++ {
		res.Series.Time = append(res.Series.Time, float64((i+1)*OMBIntervalSeconds))
	}
	add := func(name string, v []float64) {
		if len(v) == n && n > 0 {
			res.Series.Columns = append(res.Series.Columns, model.Column{Name: name, Values: v})
		}
	}
	add("acked_per_s", o.PublishRate)
	add("producer_errors_per_s", o.PublishErrorRate)
	add("consumed_per_s/measured", o.ConsumeRate)
	lag := make([]float64, len(o.Backlog))
	for i, b := range o.Backlog {
		lag[i] = float64(b)
	}
	add("lag/measured", lag)
	add("e2e_p50_ms", o.EndToEndLatency50pct)
	add("e2e_p99_ms", o.EndToEndLatency99pct)
	for _, c := range ombPublishColumns(&o) {
		add(c.name, *c.dst)
	}
	res.SimSeconds = float64(n * OMBIntervalSeconds)
	return &Run{Results: res, Command: "measured: " + o.Driver, Measured: true}, nil
}

// ombPublishColumns pairs the benchmark's per-interval publish latency
// lists with the run's time-series columns.
func ombPublishColumns(o *OMBResult) []struct {
	name string
	dst  *[]float64
} {
	return []struct {
		name string
		dst  *[]float64
	}{
		{"ack_mean_ms", &o.PublishLatencyAvg}, {"ack_p50_ms", &o.PublishLatency50pct},
		{"ack_p75_ms", &o.PublishLatency75pct}, {"ack_p95_ms", &o.PublishLatency95pct},
		{"ack_p99_ms", &o.PublishLatency99pct}, {"ack_p999_ms", &o.PublishLatency999pct},
		{"ack_p9999_ms", &o.PublishLatency9999pct}, {"ack_max_ms", &o.PublishLatencyMax},
	}
}

// quantileAt is the value at percent p of a quantiles map, interpolated.
func quantileAt(q OMBQuantiles, p float64) float64 {
	cdf := make([]model.QuantilePoint, len(q))
	for i, x := range q {
		cdf[i] = model.QuantilePoint{Q: x.Percent / 100, Ms: x.Value}
	}
	return cdfAt(cdf, p/100)
}

// OMBResultFile is the name of the benchmark-shaped result in a review.
const OMBResultFile = "omb-result.json"

// ombFile is a review's omb-result.json for a run (none for a measured
// run read from a benchmark file: it would only repeat that file).
func ombFile(prefix string, r *Run) []File {
	if r.Scenario == nil || isServices(r) { // a service graph is no broker benchmark

		return nil
	}
	var b bytes.Buffer
	if err := OMBJSON(&b, r); err != nil {
		return nil
	}
	return []File{{prefix + OMBResultFile, b.Bytes()}}
}

// deliveryCell is a delivery count as a table shows it: "–" for a measured
// run, which counts no lost, duplicated or reordered messages.
func deliveryCell(r *Run, v int64) string {
	if r.Measured {
		return "–"
	}
	return humanize.Comma(v)
}
