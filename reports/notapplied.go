package reports

import (
	"bytes"
	"fmt"
)

// writeNotApplied lists, per variant, the scenario's settings its system
// does not have (model.Results.NotApplied), so that comparing systems with
// --vary system=… never drops a setting silently.
func writeNotApplied(b *bytes.Buffer, runs []*Run, width int) {
	head := false
	for _, r := range runs {
		for _, na := range r.NotApplied {
			if !head {
				b.WriteString("\nNOT APPLIED (settings this variant's system does not have)\n")
				head = true
			}
			writeWrapped(b, fmt.Sprintf("%s — %s", r.Label, na), width, "  ", "    ")
		}
	}
}
