package reports

import (
	"bytes"
	"fmt"

	"mqsim/scenarios"
)

// writeNotApplied lists, per variant, the scenario's settings its system
// does not have (model.Results.NotApplied), so that comparing systems with
// --vary system=… never drops a setting silently. A lone run (no label)
// lists them without one.
func writeNotApplied(b *bytes.Buffer, runs []*Run, width int) {
	head := false
	for _, r := range runs {
		for _, na := range r.Results.NotApplied {
			if !head {
				b.WriteString("\nNOT APPLIED (settings this system does not have)\n")
				head = true
			}
			line := na
			if r.Label != "" {
				line = fmt.Sprintf("%s — %s", r.Label, na)
			}
			writeWrapped(b, line, width, "  ", "    ")
		}
	}
}

// notAppliedSection is the same list for Markdown and HTML pages.
func notAppliedSection(runs []*Run) (Section, bool) {
	var items []string
	for _, r := range runs {
		for _, na := range r.Results.NotApplied {
			if r.Label != "" && len(runs) > 1 {
				na = r.Label + " — " + na
			}
			items = append(items, na)
		}
	}
	if len(items) == 0 {
		return Section{}, false
	}
	return Section{Heading: "Not applied",
		Paragraphs: []string{"Settings of the scenario that the system of the run does not have: they were not simulated."},
		Bullets:    items}, true
}

// notMeasured reports whether a comparison row does not exist for the
// run's system: a managed queue (SQS) has no brokers, replicas or producer
// retries to count; a RabbitMQ cluster has no ISR to shrink.
func notMeasured(row string, r *Run) bool {
	if r.Scenario == nil {
		return false
	}
	switch r.Scenario.SystemName() {
	case scenarios.SystemSQS:
		switch row {
		case "min ISR", "max under-replicated", "ISR shrinks / expands", "busiest broker resource", "producer retries":
			return true
		}
	case scenarios.SystemRabbitMQ:
		switch row {
		case "max under-replicated", "ISR shrinks / expands", "producer retries":
			return true
		}
	}
	return false
}
