package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/sim"
)

// varyAliases are the knobs people vary most, as short names for the
// --set paths they stand for.
var varyAliases = map[string]string{
	"acks":                "producers.*.acks",
	"batch_size":          "producers.*.batch_size",
	"linger":              "producers.*.linger",
	"max_in_flight":       "producers.*.max_in_flight",
	"idempotence":         "producers.*.enable_idempotence",
	"partitions":          "topics.*.partitions",
	"replication_factor":  "topics.*.replication_factor",
	"min_insync_replicas": "topics.*.min_insync_replicas",
	"consumers":           "consumer_groups.*.consumers",
	"brokers":             "cluster.brokers",
}

func varyAliasList() string {
	names := make([]string, 0, len(varyAliases))
	for n := range varyAliases {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// maxVariants bounds a grid: each variant is a whole simulation.
const maxVariants = 64

// varyFlag is one --vary: the name as written, the --set path it stands
// for, and the values to try.
type varyFlag struct {
	key, path string
	values    []string
}

// parseVary reads "path=v1,v2". Commas inside parentheses belong to the
// value, so distributions such as lognormal(median=5ms, p99=50ms) work.
func parseVary(s string) (varyFlag, error) {
	key, rest, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return varyFlag{}, fmt.Errorf("--vary %q: expected path=v1,v2 (e.g. acks=1,all)", s)
	}
	if key == "seed" {
		return varyFlag{}, fmt.Errorf("--vary seed: variants share one seed so that only the varied setting differs; run each seed with --seed")
	}
	f := varyFlag{key: key, path: key}
	if p, ok := varyAliases[key]; ok {
		f.path = p
	}
	depth, start := 0, 0
	for i := 0; i <= len(rest); i++ {
		if i < len(rest) {
			switch rest[i] {
			case '(':
				depth++
				continue
			case ')':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		v := strings.TrimSpace(rest[start:i])
		if v == "" {
			return varyFlag{}, fmt.Errorf("--vary %q: empty value (want path=v1,v2)", s)
		}
		if slices.Contains(f.values, v) {
			return varyFlag{}, fmt.Errorf("--vary %q: value %q given twice", s, v)
		}
		f.values = append(f.values, v)
		start = i + 1
	}
	return f, nil
}

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
		cmd := "mqsim run --replay " + shellQuote(o.replay)
		return []job{{ls: ls, o: o, command: cmd, reviewCmd: cmd, saved: saved}}, nil
	}
	var flags []varyFlag
	for _, s := range o.vary {
		f, err := parseVary(s)
		if err != nil {
			return nil, badInput(err)
		}
		for _, g := range flags {
			if g.path == f.path {
				return nil, badInput(fmt.Errorf("--vary %s and --vary %s set the same field %s", g.key, f.key, f.path))
			}
		}
		flags = append(flags, f)
	}
	n := 1
	for _, f := range flags {
		n *= len(f.values)
		if n > maxVariants {
			return nil, badInput(fmt.Errorf("--vary: the grid has more than %d variants; vary fewer settings at once", maxVariants))
		}
	}
	var jobs []job
	dirs := map[string]string{}
	for i := 0; i < n; i++ {
		var labels, sets []string
		k := i
		for fi := len(flags) - 1; fi >= 0; fi-- {
			f := flags[fi]
			v := f.values[k%len(f.values)]
			k /= len(f.values)
			labels = append([]string{f.key + "=" + v}, labels...)
			sets = append([]string{f.path + "=" + v}, sets...)
		}
		vo := o
		vo.sets = append(append([]string(nil), o.sets...), sets...)
		label := strings.Join(labels, " ")
		if label != "" && o.dataDir != "" {
			vo.dataDir = filepath.Join(o.dataDir, reports.VariantDir(label))
		}
		ls, err := scenarios.LoadScenario(name, vo.runSets())
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
		review += " --vary " + shellQuote(s)
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
	bar := newVariantBar(stderr, o.output, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := simulate(jobs[i].ls, jobs[i].o, nil)
				if err == nil {
					runs[i] = finish(jobs[i], r)
				} else if jobs[i].label != "" {
					err = fmt.Errorf("variant %s: %w", jobs[i].label, err)
				}
				errs[i] = err
				mu.Lock()
				bar.add()
				mu.Unlock()
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
	return runs, nil
}

// variantBar counts finished variants on stderr, only on a terminal and
// never in JSON mode.
type variantBar struct{ bar *progressbar.ProgressBar }

func newVariantBar(stderr io.Writer, output string, n int) *variantBar {
	f, ok := stderr.(*os.File)
	if !ok || output == "json" || !term.IsTerminal(int(f.Fd())) {
		return &variantBar{}
	}
	return &variantBar{bar: progressbar.NewOptions(n, progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("variants"), progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())}
}

func (b *variantBar) add() {
	if b.bar != nil {
		b.bar.Add(1)
	}
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
