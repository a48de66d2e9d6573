package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"mqsim/model"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

func init() { extraCommands = append(extraCommands, newReplayCmd) }

type replayOptions struct {
	sets       []string
	projection string
	from       string
	until      string
	tolerance  float64
	output     string
}

func newReplayCmd() *cobra.Command {
	var o replayOptions
	cmd := &cobra.Command{
		Use:   "replay SCENARIO",
		Short: "Rebuild a projection of an event-sourced scenario from its log",
		Long: `Run a scenario with an event_sourcing section, then rebuild one projection's
view from the event log the run wrote: from offset 0 (--from start), from its
latest snapshot (--from snapshot), up to the log end or to the offset of a time
(--until, from the log's time index). The rebuild is simulated fetch by fetch
and event by event; its time is shown beside events ÷ min(fetch rate, apply
rate). Exit 3 when they differ by more than --tolerance, or when the rebuilt
view differs from a fold of the log.`,
		Example: `  mqsim replay event-sourcing-replay
  mqsim replay event-sourcing-replay --from snapshot
  mqsim replay audit-point-in-time --until 10m -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.sets, "set", nil, "override a field of the scenario: --set path=value (repeatable)")
	f.StringVar(&o.projection, "projection", "", "the projection to rebuild (default: the first)")
	f.StringVar(&o.from, "from", scenarios.ReplayFromStart, "where the rebuild starts: start (offset 0) or snapshot (the latest)")
	f.StringVar(&o.until, "until", "", "rebuild the view as of this time into the run (default: the log end)")
	f.Float64Var(&o.tolerance, "tolerance", 0.10, "the largest relative difference from events ÷ min(fetch rate, apply rate) that passes")
	addOutputFlag(cmd, &o.output, outTable, outJSON)
	return cmd
}

func runReplay(stdout io.Writer, name string, o replayOptions) error {
	if err := checkOutput(&o.output, outTable, outJSON); err != nil {
		return err
	}
	ls, err := scenarios.LoadScenario(name, o.sets)
	if err != nil {
		return badInput(err)
	}
	s := ls.Scenario
	es := s.EventSourcing
	if es == nil {
		return badInput(fmt.Errorf("scenario %s has no event_sourcing section: nothing to replay", s.Name))
	}
	p := &es.Projections[0]
	if o.projection != "" {
		p = nil
		var names []string
		for i := range es.Projections {
			names = append(names, es.Projections[i].Name)
			if es.Projections[i].Name == o.projection {
				p = &es.Projections[i]
			}
		}
		if p == nil {
			return badInput(fmt.Errorf("--projection: %q is not a projection of %s (want %s)", o.projection, s.Name, strings.Join(names, ", ")))
		}
	}
	r := scenarios.Replay{Projection: p.Name, From: o.from}
	switch o.from {
	case scenarios.ReplayFromStart:
	case scenarios.ReplayFromSnapshot:
		if p.SnapshotEvery == 0 {
			return badInput(fmt.Errorf("--from snapshot: projection %s takes no snapshots (set event_sourcing.projections[].snapshot_every)", p.Name))
		}
	default:
		return badInput(fmt.Errorf("--from: %q is not start or snapshot", o.from))
	}
	if o.until != "" {
		d, err := units.ParseDuration(o.until)
		if err != nil || d <= 0 || d > s.Duration {
			return badInput(fmt.Errorf("--until: %q: want a time within the run (above 0, at most %v)", o.until, s.Duration))
		}
		r.Until = d
	}
	if o.tolerance <= 0 {
		return badInput(fmt.Errorf("--tolerance: %v: want a share above 0 (0.1 is 10%%)", o.tolerance))
	}
	// Only the replay: the rest of the section is the scenario's own run.
	es.Replays, es.SnapshotIntervals, es.Audit, es.Changelog = []scenarios.Replay{r}, nil, nil, nil
	res, err := model.Run(&s, model.Options{})
	if err != nil {
		return err
	}
	got := res.EventSourcing.Replays[0]
	if o.output == outJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			return err
		}
	} else {
		fmt.Fprint(stdout, reports.EventSourcingText(res, termWidth(stdout)))
	}
	switch {
	case !got.Matches:
		return withExit(exitCheck, fmt.Errorf("the rebuilt view differs from a fold of the log"))
	case got.Formula > 0 && got.Error > o.tolerance:
		return withExit(exitCheck, fmt.Errorf("the rebuild took %.3fs, %.1f%% off events ÷ min(fetch rate, apply rate) = %.3fs (tolerance %.0f%%)",
			got.Seconds, 100*got.Error, got.Formula, 100*o.tolerance))
	}
	return nil
}
