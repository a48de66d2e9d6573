package reports

import (
	"fmt"

	"github.com/dustin/go-humanize"

	"mqsim/model"
)

// logsLine says where a run kept its logs and whether it resumed from an
// earlier run's, or "" for logs in memory.
func logsLine(res *model.Results) string {
	switch {
	case res.DataDir == "":
		return ""
	case res.Resumed:
		var earlier int64
		for _, g := range res.Groups {
			earlier += g.EarlierRun
		}
		s := "resumed from the logs an earlier run left in " + res.DataDir + " (a restart: recovery, then the scenario; groups resume from their committed offsets, and the earlier run's records are outside these counts"
		if earlier > 0 {
			s += fmt.Sprintf("; %s of them were left unconsumed and read again", humanize.Comma(earlier))
		}
		return s + ")"
	}
	return "written to " + res.DataDir + " (a fresh directory)"
}
