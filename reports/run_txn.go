package reports

import (
	"bytes"
	"fmt"

	"github.com/dustin/go-humanize"

	"mqsim/model"
)

// writeTransactions adds the Transactions line of a run whose pipeline
// stages or producers used transactions (nothing otherwise).
func writeTransactions(b *bytes.Buffer, res *model.Results, width int) {
	t := res.Transactions
	if t.Committed == 0 && t.Aborted == 0 && t.Open == 0 && t.StageOutputs == 0 {
		return
	}
	const hang = "             "
	if t.Committed == 0 && t.Aborted == 0 && t.Open == 0 {
		writeWrapped(b, fmt.Sprintf("pipeline stages wrote %s outputs in %s produce requests, without transactions",
			humanize.Comma(t.StageOutputs), humanize.Comma(t.StageRequests)), width, "Pipeline:    ", hang)
		return
	}
	line := fmt.Sprintf("%s committed, %s aborted (%s by the timeout), %s open at the end; %s markers, %s __transaction_state writes, %s coordinator requests (%s sent by clients); %s fenced; aborted records read %s; the last stable offset held at most %.2fs",
		humanize.Comma(t.Committed), humanize.Comma(t.Aborted), humanize.Comma(t.TimedOut), humanize.Comma(t.Open),
		humanize.Comma(t.Markers), humanize.Comma(t.LogWrites), humanize.Comma(t.Requests), humanize.Comma(t.ClientRequests), humanize.Comma(t.FencedProducers),
		humanize.Comma(t.AbortedRecordsRead), t.LSOStallSeconds)
	writeWrapped(b, line, width, "Transactions: ", " "+hang)
}
