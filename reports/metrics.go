package reports

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"mqsim/model"
)

// OpenMetrics text exposition of a run's final results (metrics.prom in a
// review), for a node exporter's textfile collector or a push gateway.
//
// Names follow the Prometheus conventions: an mqsim_ prefix, base units
// (seconds, bytes, ratios 0–1) as a suffix declared by # UNIT, _total on
// counters (and only on counters), and one # TYPE and # HELP per family.
// Every sample carries the labels scenario, variant (the --vary label, or
// "base" for a lone run) and seed, so the runs of a grid sit side by side
// in one query. The exposition ends with # EOF.

// metricFamily is one OpenMetrics family and how to read it from results.
type metricFamily struct {
	name string // without the _total suffix of a counter
	typ  string // counter, gauge or summary
	unit string // the name's unit suffix, or "" for a count of things
	help string
	// value reads a counter or gauge; latency reads a summary.
	value   func(r *model.Results) float64
	latency func(r *model.Results) model.Latency
}

func count(v func(r *model.Results) int64) func(r *model.Results) float64 {
	return func(r *model.Results) float64 { return float64(v(r)) }
}

// metricFamilies is the metrics.prom schema. docs/grafana-dashboard.json
// queries these names; a test keeps the two in step.
var metricFamilies = []metricFamily{
	{name: "mqsim_produced_messages", typ: "counter", help: "Messages handed to producers.", value: count(func(r *model.Results) int64 { return r.Produced })},
	{name: "mqsim_acked_messages", typ: "counter", help: "Messages acknowledged as written.", value: count(func(r *model.Results) int64 { return r.Acked })},
	{name: "mqsim_failed_messages", typ: "counter", help: "Messages definitely not written.", value: count(func(r *model.Results) int64 { return r.Failed })},
	{name: "mqsim_indeterminate_messages", typ: "counter", help: "Messages reported failed that may have been written.", value: count(func(r *model.Results) int64 { return r.Indeterminate })},
	{name: "mqsim_lost_messages", typ: "counter", help: "Acknowledged messages never processed and no longer reachable.", value: count(func(r *model.Results) int64 { return r.Lost })},
	{name: "mqsim_duplicate_messages", typ: "counter", help: "Processings beyond the first of one message.", value: count(func(r *model.Results) int64 { return r.Duplicates })},
	{name: "mqsim_reordered_messages", typ: "counter", help: "Messages processed after a later message of the same producer and key.", value: count(func(r *model.Results) int64 { return r.Reordered })},
	{name: "mqsim_produce_requests", typ: "counter", help: "Produce requests sent.", value: count(func(r *model.Results) int64 { return r.ProduceRequests })},
	{name: "mqsim_producer_retries", typ: "counter", help: "Batch resends after a retriable error or timeout.", value: count(func(r *model.Results) int64 { return r.Retries })},
	{name: "mqsim_isr_shrinks", typ: "counter", help: "Followers removed from an in-sync replica set.", value: count(func(r *model.Results) int64 { return r.ISRShrinks })},
	{name: "mqsim_isr_expands", typ: "counter", help: "Followers added back to an in-sync replica set.", value: count(func(r *model.Results) int64 { return r.ISRExpands })},
	{name: "mqsim_rebalances", typ: "counter", help: "Consumer group rebalances after the groups formed.", value: count(func(r *model.Results) int64 { return r.Rebalances })},
	{name: "mqsim_redelivered_messages", typ: "counter", help: "Records processed again after a rebalance or crash.", value: count(func(r *model.Results) int64 { return r.Redelivered })},
	{name: "mqsim_dead_lettered_messages", typ: "counter", help: "Messages written to a dead-letter topic.", value: count(func(r *model.Results) int64 { return r.DeadLettered })},
	{name: "mqsim_unseen_messages", typ: "gauge", help: "Acknowledged messages not processed when the drain ended.", value: count(func(r *model.Results) int64 { return r.Unseen })},
	{name: "mqsim_max_lag_messages", typ: "gauge", help: "Largest total lag of any group at any sample.", value: count(func(r *model.Results) int64 { return r.MaxLag })},
	{name: "mqsim_final_lag_messages", typ: "gauge", help: "Total lag summed over groups at the end of the run.", value: count(func(r *model.Results) int64 { return r.FinalLag })},
	{name: "mqsim_min_isr_replicas", typ: "gauge", help: "Smallest in-sync replica set of any partition at any sample.", value: func(r *model.Results) float64 { return float64(r.MinISR) }},
	{name: "mqsim_max_under_replicated_partitions", typ: "gauge", help: "Most partitions with ISR below RF at any sample.", value: func(r *model.Results) float64 { return float64(r.MaxUnderReplicated) }},
	{name: "mqsim_acked_messages_per_second", typ: "gauge", help: "Acknowledged messages per second while producers ran.", value: func(r *model.Results) float64 { return r.ThroughputIn }},
	{name: "mqsim_processed_messages_per_second", typ: "gauge", help: "Processed messages per second over the run, summed over groups.", value: func(r *model.Results) float64 { return r.ThroughputOut }},
	{name: "mqsim_acked_bytes_per_second", typ: "gauge", help: "Acknowledged payload bytes per second while producers ran.", value: func(r *model.Results) float64 { return r.ThroughputInBytes }},
	{name: "mqsim_processed_bytes_per_second", typ: "gauge", help: "Processed payload bytes per second, summed over groups.", value: func(r *model.Results) float64 { return r.ThroughputOutBytes }},
	{name: "mqsim_max_broker_utilisation_ratio", typ: "gauge", unit: "ratio", help: "Busiest resource of any broker, mean over the run (0-1).", value: func(r *model.Results) float64 { return r.MaxBrokerUtilisation }},
	{name: "mqsim_rebalance_seconds", typ: "counter", unit: "seconds", help: "Time consumer groups spent rebalancing.", value: func(r *model.Results) float64 { return r.RebalanceSeconds }},
	{name: "mqsim_simulated_seconds", typ: "gauge", unit: "seconds", help: "Simulated time the run covered, drain included.", value: func(r *model.Results) float64 { return r.SimSeconds }},
	{name: "mqsim_e2e_latency_seconds", typ: "summary", unit: "seconds", help: "Produce to processed latency after warm-up.", latency: func(r *model.Results) model.Latency { return r.E2ELatency }},
	{name: "mqsim_ack_latency_seconds", typ: "summary", unit: "seconds", help: "Produce to acknowledged latency after warm-up.", latency: func(r *model.Results) model.Latency { return r.AckLatency }},
	{name: "mqsim_e2e_latency_max_seconds", typ: "gauge", unit: "seconds", help: "Largest produce to processed latency after warm-up.", value: func(r *model.Results) float64 { return r.E2ELatency.Max / 1000 }},
	{name: "mqsim_ack_latency_max_seconds", typ: "gauge", unit: "seconds", help: "Largest produce to acknowledged latency after warm-up.", value: func(r *model.Results) float64 { return r.AckLatency.Max / 1000 }},
}

// MetricNames lists the sample names metrics.prom can hold (counters with
// _total, summaries with their _count and _sum), for checking dashboards.
func MetricNames() []string {
	var names []string
	for _, f := range metricFamilies {
		switch f.typ {
		case "counter":
			names = append(names, f.name+"_total")
		case "summary":
			names = append(names, f.name, f.name+"_count", f.name+"_sum")
		default:
			names = append(names, f.name)
		}
	}
	return names
}

// VariantBase is the variant label of a run that is not one of a grid.
const VariantBase = "base"

// OpenMetrics writes the final results of runs as OpenMetrics text: each
// family once, with a sample per run (labelled scenario, variant, seed).
// Latencies are summaries in seconds with quantiles 0.5, 0.9, 0.99 and
// 0.999, a _count of the latencies measured and their _sum.
func OpenMetrics(w io.Writer, runs []*Run) error {
	var b bytes.Buffer
	for _, f := range metricFamilies {
		fmt.Fprintf(&b, "# TYPE %s %s\n", f.name, f.typ)
		if f.unit != "" {
			fmt.Fprintf(&b, "# UNIT %s %s\n", f.name, f.unit)
		}
		fmt.Fprintf(&b, "# HELP %s %s\n", f.name, f.help)
		for _, r := range runs {
			labels := runLabels(r)
			switch f.typ {
			case "summary":
				l := f.latency(r.Results)
				for _, q := range []struct {
					q string
					v float64
				}{{"0.5", l.P50}, {"0.9", l.P90}, {"0.99", l.P99}, {"0.999", l.P999}} {
					fmt.Fprintf(&b, "%s{%s,quantile=\"%s\"} %s\n", f.name, labels, q.q, metricValue(q.v/1000))
				}
				fmt.Fprintf(&b, "%s_count{%s} %d\n", f.name, labels, l.Count)
				fmt.Fprintf(&b, "%s_sum{%s} %s\n", f.name, labels, metricValue(l.Mean*float64(l.Count)/1000))
			case "counter":
				fmt.Fprintf(&b, "%s_total{%s} %s\n", f.name, labels, metricValue(f.value(r.Results)))
			default:
				fmt.Fprintf(&b, "%s{%s} %s\n", f.name, labels, metricValue(f.value(r.Results)))
			}
		}
	}
	b.WriteString("# EOF\n")
	_, err := w.Write(b.Bytes())
	return err
}

func runLabels(r *Run) string {
	variant := r.Label
	if variant == "" {
		variant = VariantBase
	}
	return fmt.Sprintf(`scenario="%s",variant="%s",seed="%d"`, escapeLabel(Clean(r.Results.Scenario)), escapeLabel(Clean(variant)), r.Seed)
}

// escapeLabel escapes a label value as OpenMetrics requires: backslash,
// double quote and line feed.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// metricValue formats a number as OpenMetrics does: shortest round-trip
// decimal, NaN and ±Inf spelled as the format says.
func metricValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
