package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"mqsim/model"
	"mqsim/model/commitlog"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

func init() {
	extraCommands = append(extraCommands, newRunCmd, newScenariosCmd, newValidateCmd)
}

type runOptions struct {
	seed     uint64
	seedSet  bool
	duration string
	sets     []string
	output   string
	dataDir  string
	out      string          // write a review (results.json, CSV, plots, report.md/html) into DIR
	replay   string          // a results.json to replay
	vary     []string        // path=v1,v2 (repeatable: a grid)
	parallel int             // variants run at once (0: one per CPU)
	color    bool            // stdout is a terminal and NO_COLOR is unset
	force    bool            // replace an earlier review in --out
	resume   bool            // restart the cluster from the logs in --data-dir
	resumed  bool            // --data-dir held logs and the run resumes from them
	stop     <-chan struct{} // closed on Ctrl-C: runs end where they are
	in       inputOptions    // a benchmark workload and Kafka configuration files
	seeds    int             // independent replications (run_seeds.go)
}

func newRunCmd() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run [NAME|SCENARIO.yaml]",
		Short: "Simulate a scenario: lag, latency, and messages lost, duplicated or reordered",
		Long: `Simulate a Kafka-style cluster playing a scenario — producers, replicated
partitions and consumer groups — and report what a user would see: what was
acknowledged, lost, duplicated or reordered, latency percentiles, consumer lag
and throughput, and whether the scenario's expectations held.

With no argument it runs the built-in '` + scenarios.DefaultScenario + `' scenario. A NAME runs a built-in
scenario (see 'mqsim scenarios'); anything else is a YAML file. The same
scenario and seed always give the same numbers.

Exits 3 when an expectation in the scenario's expect block fails.`,
		Example: `  mqsim run
  mqsim run slow-consumer
  mqsim run hot-partition --seed 7 --duration 30s
  mqsim run my-scenario.yaml --set producers.*.acks=1 --output json
  mqsim run baseline --data-dir ./logs   # then: mqsim log dump ./logs/...
  mqsim run baseline --out review/       # report.html, report.md, plots, results.json
  mqsim run --replay review/results.json # the same numbers again
  mqsim run reorder-retries --vary acks=1,all --vary max_in_flight=1,5 --out grid/
  mqsim run slow-consumer --seeds 20 --out replications/`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := scenarios.DefaultScenario
			if len(args) == 1 {
				name = args[0]
			}
			if o.in.ombWorkload != "" && len(args) == 1 {
				return badInput(fmt.Errorf("--omb-workload %s: give the benchmark workload or a scenario, not both", o.in.ombWorkload))
			}
			if o.replay != "" {
				if len(args) == 1 {
					return badInput(fmt.Errorf("--replay %s: give the saved run or a scenario, not both", o.replay))
				}
				name = ""
			}
			o.seedSet = cmd.Flags().Changed("seed")
			o.color = colorOK(cmd.OutOrStdout())
			return runRun(cmd.OutOrStdout(), cmd.ErrOrStderr(), name, o)
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&o.seed, "seed", 0, "master random seed (default: the scenario's seed)")
	f.StringVar(&o.duration, "duration", "", "how long producers run, e.g. 10s (default: the scenario's duration)")
	f.StringArrayVar(&o.sets, "set", nil, "override a scenario field: --set path=value, e.g. producers.*.acks=1 (repeatable)")
	addOutputFlag(cmd, &o.output, runOutputFormats...)
	f.StringVar(&o.dataDir, "data-dir", "", "keep the partition logs as files under DIR (default: in memory)")
	f.StringVar(&o.out, "out", "", "also write a review into DIR: report.html, report.md, plots (PNG and SVG), results.json, timeseries.csv and .ndjson, metrics.prom")
	f.BoolVar(&o.force, "force", false, "replace what is there: an earlier review in --out (atomically: readers see the old review or the new one), and the logs in an mqsim --data-dir (deleted first)")
	f.StringVar(&o.replay, "replay", "", "replay a saved run (DIR/results.json) and check the numbers are identical")
	f.StringArrayVar(&o.vary, "vary", nil, "run variants side by side: --vary path=v1,v2 with --set paths or an alias ("+varyAliasList()+"); repeat for a grid")
	f.IntVar(&o.parallel, "parallel", 0, "variants to run at once (default: one per CPU; 1 runs them one by one)")
	f.BoolVar(&o.resume, "resume", false, "restart the cluster from the logs already in --data-dir (recovery, then the scenario), as after a real restart; a --data-dir holding logs needs --resume, or --force to delete them first")
	addInputFlags(cmd, &o.in)
	f.IntVar(&o.seeds, "seeds", 0, "run N independent replications (seeds S…S+N−1 from the scenario's seed or --seed) in parallel and report each metric as mean ± 95% confidence interval")
	return cmd
}

// runSets turns the flags that override scenario fields into --set
// entries, applied after the user's own so the flags win.
func (o runOptions) runSets() []string {
	sets := make([]string, 0, len(o.sets)+2)
	for _, s := range o.sets {
		// An alias (acks=1) stands for its path (producers.*.acks=1); a
		// mistaken one was refused by checkSets before.
		if key, val, ok := strings.Cut(s, "="); ok {
			if p, err := aliasPath("--set", strings.TrimSpace(key)); err == nil {
				s = p + "=" + val
			}
		}
		sets = append(sets, s)
	}
	if o.seedSet {
		sets = append(sets, "seed="+strconv.FormatUint(o.seed, 10))
	}
	if o.duration != "" {
		sets = append(sets, "duration="+o.duration)
	}
	return sets
}

func runRun(stdout, stderr io.Writer, name string, o runOptions) error {
	if err := checkOutput(&o.output, runOutputFormats...); err != nil {
		return err
	}
	if err := checkSets(o.sets); err != nil {
		return badInput(err)
	}
	if o.duration != "" {
		if _, err := units.ParseDuration(o.duration); err != nil {
			return badInput(fmt.Errorf("--duration: %w", err))
		}
	}
	if o.parallel < 0 {
		return badInput(fmt.Errorf("--parallel: %d: want 1 or more (0 for one per CPU)", o.parallel))
	}
	if err := o.checkSeeds(); err != nil {
		return badInput(err)
	}
	if o.replay != "" && o.in.active() {
		return badInput(errors.New("--replay replays a saved run exactly: it takes no benchmark workload or configuration files"))
	}
	if err := o.in.load(stderr); err != nil {
		return err
	}
	if o.replay != "" && (len(o.sets) > 0 || len(o.vary) > 0 || o.seedSet || o.duration != "") {
		return badInput(errors.New("--replay replays a saved run exactly: it takes no --set, --vary, --seed or --duration (run the scenario with those instead)"))
	}
	// Everything the user can get wrong is checked before any simulation.
	if o.out != "" {
		if err := reports.CheckReviewDir(o.out, o.force); err != nil {
			return badInput(fmt.Errorf("--out: %w", err))
		}
	}
	resumed, err := prepareDataDir(o.dataDir, o.resume, o.force)
	if err != nil {
		return badInput(err)
	}
	o.resumed = resumed
	jobs, err := planJobs(name, o)
	if err != nil {
		return err
	}
	// What validate warns about (a cycle of synchronous calls, a size past a
	// limit), said once before the run, on stderr.
	warned := map[string]bool{}
	for _, j := range jobs {
		for _, w := range j.ls.Warnings() {
			if s := w.Error(); !warned[s] {
				warned[s] = true
				fmt.Fprintf(stderr, "warning: %s\n", escapeControl(s))
			}
		}
	}
	if jobs[0].ls.MaxRate {
		return runMaxRate(stdout, stderr, name, jobs, o)
	}
	if o.seeds != 0 {
		return runReplications(stdout, stderr, name, jobs, o)
	}
	stop, interrupted, release := onInterrupt(stderr)
	defer release()
	o.stop = stop
	for i := range jobs {
		jobs[i].o.stop = stop
	}
	if err := warnLarge(stderr, jobs, o.parallel); err != nil {
		return err
	}
	runs, err := runJobs(jobs, o, stderr)
	if err != nil {
		return err
	}
	// A Ctrl-C that came after every simulation ended changes nothing.
	partial := interrupted() && len(runs) < len(jobs)
	for _, r := range runs {
		partial = partial || r.Results.Partial
	}
	if partial {
		if len(runs) == 0 {
			return withExit(exitInterrupted, errors.New("interrupted before any simulation started"))
		}
		if err := partialNote(stdout, o.output, runs, len(jobs)); err != nil {
			return err
		}
	}
	st := reports.TextStyle{Color: o.color, Width: termWidth(stdout)}
	switch {
	case o.output == outOMB:
		err = writeOMB(stdout, runs)
	case len(runs) > 1 && o.output == outJSON:
		err = reports.RunsJSON(stdout, runs)
	case len(runs) > 1 && o.output == outYAML:
		err = writeYAML(stdout, func(w io.Writer) error { return reports.RunsJSON(w, runs) })
	case len(runs) > 1 && o.output == "markdown":
		err = reports.PageMarkdown(stdout, reports.Review{Runs: runs, Command: jobs[0].reviewCmd}.Page(nil))
	case len(runs) > 1:
		err = reports.CompareText(stdout, runs, st)
	case o.output == outJSON:
		err = reports.JSON(stdout, runs[0])
	case o.output == outYAML:
		err = reports.YAML(stdout, runs[0])
	case o.output == "markdown":
		err = reports.RunMarkdown(stdout, runs[0])
	default:
		err = reports.RunTextStyled(stdout, runs[0], st)
	}
	if err != nil {
		return err
	}
	if o.out != "" {
		paths, err := reports.WriteReview(o.out, reports.Review{Runs: runs, Command: jobs[0].reviewCmd})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files; open %s\n", len(paths), filepath.Join(o.out, "report.html"))
	}
	if partial {
		return withExit(exitInterrupted, fmt.Errorf("interrupted: the results are partial, up to simulated %s", simulatedUpTo(runs)))
	}
	if o.replay != "" {
		got, err := replayedInMemory(jobs[0].saved, runs[0])
		if err != nil {
			return badInput(err)
		}
		return checkReplay(jobs[0].saved, got, stderr)
	}
	if len(runs) > 1 {
		// Variants change the configuration the expectations were
		// written for: failing them is a finding shown in the table,
		// not an error.
		return nil
	}
	run := runs[0]
	if failed := scenarios.Failed(run.Expectations); len(failed) > 0 {
		var parts []string
		for _, v := range failed {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", v.Metric, v.Condition, failedDetail(v)))
		}
		return withExit(exitCheck, fmt.Errorf("%d of %d expectations failed: %s; replay with: %s",
			len(failed), len(run.Expectations), strings.Join(parts, "; "), run.Command))
	}
	return nil
}

func failedDetail(v scenarios.Verdict) string {
	if v.Error != "" {
		return v.Error
	}
	return "was " + reports.FormatMetric(v.Value, v.Kind)
}

// simulate runs a loaded scenario and judges its expectations. It is the
// one place a run happens, so variants and saved reports reuse it.
// progress may be nil.
func simulate(ls *scenarios.LoadedScenario, o runOptions, progress func(now, end sim.Time)) (*reports.Run, error) {
	s := ls.Scenario
	start := time.Now()
	res, err := model.Run(&s, model.Options{DataDir: o.dataDir, Progress: progress, Stop: o.stop})
	wall := time.Since(start).Seconds()
	if err != nil {
		var ie *scenarios.InputError
		if errors.As(err, &ie) {
			return nil, badInput(err)
		}
		var ce *commitlog.CorruptionError
		if errors.As(err, &ce) {
			// Logs the restart refuses to trust are bad input: the
			// data directory, not mqsim, is at fault.
			return nil, badInput(corruptDataDir(o.dataDir, ce, err))
		}
		return nil, fmt.Errorf("scenario %s (seed %d): %w", s.Name, s.Seed, err)
	}
	res.DataDir, res.Resumed = o.dataDir, o.resumed
	return &reports.Run{
		Results:      res,
		WallSeconds:  wall,
		Expectations: scenarios.Evaluate(s.Expect, res),
		Scenario:     &s,
		Command:      reproduceCommand(ls, o),
	}, nil
}

// progress draws a bar on stderr for runs longer than about a second, and
// only when stderr is a terminal and the output is for people: never in
// JSON mode or when piped.
// The bar spans the producing time; the drain that follows (usually short)
// is shown as such.
type progress struct {
	w        io.Writer
	start    time.Time
	duration sim.Time
	on       bool
	bar      *progressbar.ProgressBar
}

func newProgress(stderr io.Writer, output string, duration sim.Time) *progress {
	f, ok := stderr.(*os.File)
	return &progress{w: stderr, start: time.Now(), duration: duration,
		on: ok && output != outJSON && output != outYAML && duration > 0 && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(now, end sim.Time) {
	if !p.on {
		return
	}
	if p.bar == nil {
		if time.Since(p.start) < time.Second {
			return
		}
		p.bar = progressbar.NewOptions64(int64(p.duration/sim.Millisecond),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	if now <= p.duration {
		p.bar.Describe(fmt.Sprintf("simulated %.1fs of %.1fs", now.Seconds(), p.duration.Seconds()))
	} else {
		p.bar.Describe(fmt.Sprintf("draining, at most until %.1fs", end.Seconds()))
	}
	p.bar.Set64(int64(min(now, p.duration) / sim.Millisecond))
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// reproduceCommand is the command line that replays this run exactly.
func reproduceCommand(ls *scenarios.LoadedScenario, o runOptions) string {
	arg := ls.Source
	if n, ok := strings.CutPrefix(ls.Source, "builtin/"); ok {
		arg = strings.TrimSuffix(n, ".yaml")
	}
	parts := append([]string{"mqsim", "run"}, o.in.args()...)
	if o.in.ombWorkload == "" {
		parts = append(parts, reports.ShellQuote(arg))
	}
	parts = append(parts, "--seed", strconv.FormatUint(ls.Seed, 10))
	if o.duration != "" {
		parts = append(parts, "--duration", reports.ShellQuote(o.duration))
	}
	for _, s := range o.sets {
		parts = append(parts, "--set", reports.ShellQuote(s))
	}
	// The logs a run leaves change what a later run over them does: a
	// fresh run is reproduced by deleting them first, a resumed one only
	// from the same logs.
	if o.dataDir != "" {
		parts = append(parts, "--data-dir", reports.ShellQuote(o.dataDir))
		if o.resumed {
			parts = append(parts, "--resume")
		} else {
			parts = append(parts, "--force")
		}
	}
	return strings.Join(parts, " ")
}
