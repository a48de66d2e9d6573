package reports

import (
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"

	"mqsim/model"
	"mqsim/scenarios/units"
)

// limitsNote says, in one line each, what the run met at its limits: log
// directories a storage error took offline, sends refused for a full
// buffer, records over the size limits. It is empty when none happened.
// indent starts each line (the text summary lines up with its labels).
func limitsNote(res *model.Results, indent string, md bool) string {
	var b strings.Builder
	esc := func(s string) string { return s }
	if md {
		esc = mdEscape
	}
	for _, f := range res.LogDirFailures {
		if f.AfterRun {
			fmt.Fprintf(&b, "%sStorage:     broker %d's log of %s-%d could not be read from offset %d by the checks after the run (%s); nothing moved\n",
				indent, f.Broker, esc(f.Topic), f.Partition, f.Offset, esc(f.Error))
			continue
		}
		fmt.Fprintf(&b, "%sStorage:     broker %d's log directory went offline at %s (reading %s-%d at offset %d: %s); its partitions moved\n",
			indent, f.Broker, fmtSeconds(f.AtSeconds), esc(f.Topic), f.Partition, f.Offset, esc(f.Error))
	}
	for _, rc := range res.Recovered {
		if rc.Unclean {
			fmt.Fprintf(&b, "%sRecovery:    %s was not shut down cleanly: rescanned on reopening, nothing dropped, log end %d\n",
				indent, esc(rc.Log), rc.LogEndOffset)
			continue
		}
		dropped := units.FormatBytes(float64(rc.BytesDropped))
		if rc.OffsetsDropped > 0 {
			dropped = humanize.Comma(rc.OffsetsDropped) + " offsets and " + dropped
		}
		fmt.Fprintf(&b, "%sRecovery:    %s was cut at offset %d on reopening: %s dropped (%s)\n",
			indent, esc(rc.Log), rc.LogEndOffset, dropped, esc(rc.Reason))
	}
	if res.Rejected > 0 || res.RecordTooLarge > 0 {
		fmt.Fprintf(&b, "%sLimits:      %s sends refused for a full buffer_memory, %s records over max_request_size or max_message_bytes\n",
			indent, humanize.Comma(res.Rejected), humanize.Comma(res.RecordTooLarge))
	}
	if md && b.Len() > 0 {
		return "\n" + strings.ReplaceAll(b.String(), "\n", "  \n")
	}
	return b.String()
}
