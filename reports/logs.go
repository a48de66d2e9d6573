package reports

import "mqsim/model"

// logsLine says where a run kept its logs and whether it resumed from an
// earlier run's, or "" for logs in memory.
func logsLine(res *model.Results) string {
	switch {
	case res.DataDir == "":
		return ""
	case res.Resumed:
		return "resumed from the logs an earlier run left in " + res.DataDir + " (a restart: recovery, then the scenario; what consumers read of the earlier run's records counts in these results)"
	}
	return "written to " + res.DataDir + " (a fresh directory)"
}
