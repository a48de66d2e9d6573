package reports

import (
	"bytes"
	"fmt"
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
