package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"mqsim/model/sweep"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/sim"
)

// varyAliases are the knobs people vary most (shared with sweeps).
var varyAliases = sweep.Aliases

func varyAliasList() string { return strings.Join(sweep.AliasNames(), ", ") }

// aliasPath is the --set path an alias stands for (see sweep.AliasPath).
func aliasPath(flag, key string) (string, error) { return sweep.AliasPath(flag, key) }

// checkSets refuses a --set whose path is a single word that is neither
// an alias nor a top-level field, with the nearest names.
func checkSets(sets []string) error {
	for _, s := range sets {
		if key, _, ok := strings.Cut(s, "="); ok {
			if _, err := aliasPath("--set", strings.TrimSpace(key)); err != nil {
				return err
			}
		}
	}
	return nil
}

// scenarioFields are the top-level field names of a scenario file.
func scenarioFields() []string { return sweep.ScenarioFields() }

// maxVariants bounds a grid: each variant is a whole simulation.
const maxVariants = 64

// job is one simulation to run: a variant of the scenario, or a replay.
type job struct {
	label     string
	ls        *scenarios.LoadedScenario
	o         runOptions // with the variant's --set entries and data dir
	command   string     // overrides the reproduce command (a replay)
	reviewCmd string     // reproduces every job together
	saved     *reports.Run
}

// planJobs loads every variant (or the saved run), so that any mistake in
// a --vary or --set is reported before the first simulation starts.
func planJobs(name string, o runOptions) ([]job, error) {
	if o.replay != "" {
		saved, ls, err := reports.LoadSaved(o.replay)
		if err != nil {
			return nil, badInput(fmt.Errorf("--replay: %w", err))
		}
		cmd := "mqsim run --replay " + reports.ShellQuote(o.replay)
		return []job{{ls: ls, o: o, command: cmd, reviewCmd: cmd, saved: saved}}, nil
	}
	var axes []sweep.Axis
	for _, s := range o.vary {
		a, err := sweep.ParseAxis("--vary", s)
		if err != nil {
			return nil, badInput(err)
		}
		axes = append(axes, a)
	}
	variants, err := sweep.Variants("--vary", axes, maxVariants)
	if err != nil {
		return nil, badInput(err)
	}
	var jobs []job
	dirs := map[string]string{}
	for _, v := range variants {
		vo := o
		vo.sets = append(append([]string(nil), o.sets...), v.Sets...)
		label := v.Label
		if label != "" && o.dataDir != "" {
			vo.dataDir = filepath.Join(o.dataDir, reports.VariantDir(label))
		}
		ls, err := o.in.loadScenario(name, vo.runSets())
		if err != nil {
			if label != "" {
				return nil, badInput(fmt.Errorf("variant %s: %w", label, err))
			}
			return nil, badInput(err)
		}
		if d := reports.VariantDir(label); label != "" {
			if other, ok := dirs[d]; ok {
				return nil, badInput(fmt.Errorf("variants %q and %q would share the directory %q", other, label, d))
			}
			dirs[d] = label
		}
		jobs = append(jobs, job{label: label, ls: ls, o: vo})
	}
	review := reproduceCommand(jobs[0].ls, o)
	for _, s := range o.vary {
		review += " --vary " + reports.ShellQuote(s)
	}
	for i := range jobs {
		jobs[i].reviewCmd = review
	}
	return jobs, nil
}

// runJobs runs every job and returns the runs in job order. Several jobs
// run at once, o.parallel at a time (one per CPU by default): each is its
// own deterministic simulation sharing nothing with the others, so the
// results equal those of running them one by one.
func runJobs(jobs []job, o runOptions, stderr io.Writer) ([]*reports.Run, error) {
	finish := func(j job, r *reports.Run) *reports.Run {
		r.Label = j.label
		if j.command != "" {
			r.Command = j.command
		}
		return r
	}
	if len(jobs) == 1 {
		bar := newProgress(stderr, o.output, sim.Time(jobs[0].ls.Duration))
		r, err := simulate(jobs[0].ls, jobs[0].o, bar.update)
		bar.done()
		if err != nil {
			return nil, err
		}
		return []*reports.Run{finish(jobs[0], r)}, nil
	}
	workers := o.parallel
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(jobs)))
	runs := make([]*reports.Run, len(jobs))
	errs := make([]error, len(jobs))
	bar := newVariantBar(stderr, o.output, jobs)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				select {
				case <-o.stop:
					bar.finish(i)
					continue // interrupted: variants not started are skipped
				default:
				}
				r, err := simulate(jobs[i].ls, jobs[i].o, bar.progress(i))
				if err == nil {
					runs[i] = finish(jobs[i], r)
				} else if jobs[i].label != "" {
					err = fmt.Errorf("variant %s: %w", jobs[i].label, err)
				}
				errs[i] = err
				bar.finish(i)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	bar.done()
	if err := errors.Join(errs...); err != nil {
		// Keep the exit code of the first failure (bad input or internal).
		for _, e := range errs {
			if e != nil {
				return nil, withExit(exitCode(e), err)
			}
		}
	}
	return slices.DeleteFunc(runs, func(r *reports.Run) bool { return r == nil }), nil
}

// variantBar draws one bar for all the variants on stderr, only on a
// terminal and never for JSON or YAML: it is drawn before the first
// variant starts and advances with the simulated time of every running
// variant (each weighs its producing duration), so a grid whose first
// variant takes a minute does not leave the terminal blank.
type variantBar struct {
	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	at       []int64 // simulated ms reached, per variant
	length   []int64 // producing ms, per variant
	finished int
}

func newVariantBar(stderr io.Writer, output string, jobs []job) *variantBar {
	f, ok := stderr.(*os.File)
	if !ok || output == outJSON || output == outYAML || !term.IsTerminal(int(f.Fd())) {
		return &variantBar{}
	}
	return startVariantBar(stderr, jobs, 100*time.Millisecond)
}

// startVariantBar draws the bar on w at once; redraws come at most every
// throttle.
func startVariantBar(w io.Writer, jobs []job, throttle time.Duration) *variantBar {
	b := &variantBar{at: make([]int64, len(jobs)), length: make([]int64, len(jobs))}
	var total int64
	for i, j := range jobs {
		b.length[i] = max(1, int64(sim.Time(j.ls.Duration)/sim.Millisecond))
		total += b.length[i]
	}
	b.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(b.describe()), progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(throttle),
		progressbar.OptionSetRenderBlankState(true), progressbar.OptionClearOnFinish())
	return b
}

func (b *variantBar) describe() string {
	return fmt.Sprintf("%d variants, %d done", len(b.at), b.finished)
}

// progress is variant i's model.Options.Progress (nil without a bar).
// Variants run on several goroutines, so updates take the lock.
func (b *variantBar) progress(i int) func(now, end sim.Time) {
	if b.bar == nil {
		return nil
	}
	return func(now, end sim.Time) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.at[i] = min(int64(now/sim.Millisecond), b.length[i])
		b.update()
	}
}

// finish marks variant i done (or failed, or skipped).
func (b *variantBar) finish(i int) {
	if b.bar == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.at[i] = b.length[i]
	b.finished++
	b.update()
}

func (b *variantBar) update() {
	var sum int64
	for _, v := range b.at {
		sum += v
	}
	b.bar.Describe(b.describe())
	b.bar.Set64(sum)
}

func (b *variantBar) done() {
	if b.bar != nil {
		b.bar.Finish()
	}
}

// colorOK reports whether w may be coloured: a terminal, and NO_COLOR not
// set (to anything).
func colorOK(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// checkReplay compares a replayed run with everything the saved one
// claims (wall time and labels aside).
func checkReplay(saved, got *reports.Run, stderr io.Writer) error {
	diff, err := reports.ReplayDiff(saved, got)
	if err != nil {
		return err
	}
	if len(diff) == 0 {
		fmt.Fprintln(stderr, "replay: identical to the saved run")
		return nil
	}
	return withExit(exitCheck, fmt.Errorf("replay differs from the saved run in: %s (the model changed since it was saved, or the file was edited)", strings.Join(diff, ", ")))
}
