package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"mqsim/model/sweep"
	"mqsim/reports"
)

// checkSeeds refuses --seeds where replications cannot run.
func (o runOptions) checkSeeds() error {
	switch {
	case o.seeds == 0:
		return nil
	case o.seeds < 2 || o.seeds > sweep.MaxReplications:
		return fmt.Errorf("--seeds %d: want 2 to %d replications (one run needs no --seeds)", o.seeds, sweep.MaxReplications)
	case o.replay != "":
		return errors.New("--seeds with --replay: a saved run is one seed; replay it alone")
	case o.dataDir != "" || o.resume:
		return errors.New("--seeds runs every replication in memory: drop --data-dir and --resume")
	case o.output == outOMB:
		return errors.New("--seeds: the benchmark's result format holds one run; use -o json for the replications")
	}
	return nil
}

// runReplications runs every variant of jobs over o.seeds seeds, in
// parallel, and reports each metric as mean ± 95% interval; the
// expectations are judged on the interval. Exits 3 when an expectation
// fails on its whole interval (a single variant only, as with one run).
func runReplications(stdout, stderr io.Writer, name string, variants []job, o runOptions) error {
	var jobs []job
	for _, v := range variants {
		for _, seed := range sweep.ReplicaSeeds(v.ls.Seed, o.seeds) {
			ro := v.o
			ro.seed, ro.seedSet = seed, true
			ls, err := o.in.loadScenario(name, ro.runSets())
			if err != nil {
				return badInput(err)
			}
			jobs = append(jobs, job{label: v.label, ls: ls, o: ro})
		}
	}
	stop, interrupted, release := onInterrupt(stderr)
	defer release()
	for i := range jobs {
		jobs[i].o.stop = stop
	}
	if err := warnLarge(stderr, jobs, o.parallel); err != nil {
		return err
	}
	// runJobs labels a run with its variant; a lone run (one seed, no
	// variant) never happens here, so runs come back in job order.
	runs, err := runJobs(jobs, o, stderr)
	if err != nil {
		return err
	}
	if interrupted() || len(runs) < len(jobs) {
		return withExit(exitInterrupted, errors.New("interrupted: replications are summarised only when every seed has run"))
	}
	command := reproduceCommand(variants[0].ls, o) + " --seeds " + strconv.Itoa(o.seeds)
	for _, s := range o.vary {
		command += " --vary " + reports.ShellQuote(s)
	}
	var reps []*reports.Replicated
	for vi, v := range variants {
		mine := runs[vi*o.seeds : (vi+1)*o.seeds]
		metrics := slices.Clone(sweep.DefaultMetrics)
		rp, err := reports.NewReplicated(v.label, mine, metrics, v.ls.Expect, command)
		if err != nil {
			return err
		}
		reps = append(reps, rp)
	}
	switch o.output {
	case outJSON:
		err = reports.JSON(stdout, reports.ReplicationDocs(reps))
	case outYAML:
		err = reports.YAML(stdout, reports.ReplicationDocs(reps))
	case "markdown":
		err = reports.PageMarkdown(stdout, reports.ReplicationsPage(reps, nil, command))
	default:
		err = reports.ReplicationsText(stdout, reps)
	}
	if err != nil {
		return err
	}
	if o.out != "" {
		paths, err := reports.WriteReplications(o.out, reps, command)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files; open %s\n", len(paths), filepath.Join(o.out, "report.html"))
	}
	if len(reps) > 1 {
		return nil // variants change what the expectations were written for
	}
	if failed := reps[0].Failed(); len(failed) > 0 {
		var parts []string
		for _, v := range failed {
			parts = append(parts, fmt.Sprintf("%s %s (95%% interval [%s, %s])", v.Metric, v.Condition,
				reports.FormatMetric(v.Stat.Low, v.Kind), reports.FormatMetric(v.Stat.High, v.Kind)))
		}
		return withExit(exitCheck, fmt.Errorf("%d of %d expectations fail on the whole interval over %d seeds: %s",
			len(failed), len(reps[0].Verdicts), o.seeds, strings.Join(parts, "; ")))
	}
	if inc := reps[0].Inconclusive(); len(inc) > 0 {
		fmt.Fprintf(stderr, "%d expectations inconclusive over %d seeds (the interval straddles the threshold): run more seeds\n", len(inc), o.seeds)
	}
	return nil
}
