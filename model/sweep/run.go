package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"mqsim/model"
	_ "mqsim/model/systems" // every simulated system, for model.Run
	"mqsim/scenarios"
)

// Shard selects the manifest lines whose index ≡ Index (mod Count).
type Shard struct{ Index, Count int }

// Owns reports whether line i belongs to the shard.
func (s Shard) Owns(i int) bool { return i%s.Count == s.Index }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ShardEnv are the variables read, in this order, for the shard index
// when --shard does not give it: a Kubernetes Indexed Job's index, a
// Slurm array task's id, and GNU parallel's job sequence number (which
// counts from 1, so 1 is taken off).
var ShardEnv = []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "PARALLEL_SEQ"}

// ParseShard reads "I/N" (0 ≤ I < N). With flag empty it takes the index
// from the environment (ShardEnv) and the count from shards, or from
// SLURM_ARRAY_TASK_COUNT; with neither, the whole manifest is one shard.
func ParseShard(flag string, shards int, getenv func(string) string) (Shard, error) {
	if flag != "" {
		i, n, ok := strings.Cut(flag, "/")
		idx, err1 := strconv.Atoi(strings.TrimSpace(i))
		cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err1 != nil || err2 != nil || cnt < 1 || idx < 0 || idx >= cnt {
			return Shard{}, fmt.Errorf("--shard %q: want I/N with 0 ≤ I < N (e.g. 0/4)", flag)
		}
		if shards != 0 && shards != cnt {
			return Shard{}, fmt.Errorf("--shard %s and --shards %d disagree", flag, shards)
		}
		return Shard{idx, cnt}, nil
	}
	if shards == 0 {
		if c := getenv("SLURM_ARRAY_TASK_COUNT"); c != "" && getenv("SLURM_ARRAY_TASK_ID") != "" {
			n, err := strconv.Atoi(c)
			if err != nil || n < 1 {
				return Shard{}, fmt.Errorf("SLURM_ARRAY_TASK_COUNT=%q: not a positive count", c)
			}
			shards = n
		}
	}
	if shards < 0 {
		return Shard{}, fmt.Errorf("--shards %d: want a positive count", shards)
	}
	for _, name := range ShardEnv {
		v := getenv(name)
		if v == "" {
			continue
		}
		idx, err := strconv.Atoi(v)
		if name == "PARALLEL_SEQ" {
			idx--
		}
		if err != nil || idx < 0 {
			return Shard{}, fmt.Errorf("%s=%q: not a shard index", name, v)
		}
		if shards == 0 {
			return Shard{}, fmt.Errorf("%s=%s gives the shard index but not the count: add --shards N", name, v)
		}
		if idx >= shards {
			return Shard{}, fmt.Errorf("%s=%s: shard index %d is not below --shards %d", name, v, idx, shards)
		}
		return Shard{idx, shards}, nil
	}
	if shards > 1 {
		return Shard{}, fmt.Errorf("--shards %d without an index: give --shard I/%d, or run under an engine that sets one of %s", shards, shards, strings.Join(ShardEnv, ", "))
	}
	return Shard{0, 1}, nil
}

// Result is one run's result file, <hash>.json: the manifest line and
// the run's results. It holds nothing of the machine that ran it (no
// wall time, no paths), so results are the same bytes wherever they ran.
type Result struct {
	Line    Line           `json:"line"`
	Results *model.Results `json:"results"`
}

// ResultFile is the name of the result file of a line.
func ResultFile(l Line) string { return l.Hash + ".json" }

// RunStats counts what a shard did.
type RunStats struct{ Ran, Skipped int }

// Run runs the lines of the manifest that the shard owns, workers at once
// (0: one per CPU), writing each result atomically into dir. A line whose
// complete result is already there is skipped, so running a shard twice,
// or two machines running one shard, is harmless. Progress lines go to
// log. Each simulation is deterministic and shares nothing with the
// others, so the result files do not depend on workers or machines.
func Run(lines []Line, shard Shard, dir string, workers int, log io.Writer) (RunStats, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return RunStats{}, err
	}
	var todo []Line
	var st RunStats
	for _, l := range lines {
		if !shard.Owns(l.Index) {
			continue
		}
		if complete(filepath.Join(dir, ResultFile(l)), l) {
			st.Skipped++
			continue
		}
		todo = append(todo, l)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(todo)))
	errs := make([]error, len(todo))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = runLine(todo[i], dir)
				mu.Lock()
				if errs[i] == nil {
					fmt.Fprintf(log, "shard %s: line %d (%s seed %d) done\n", shard, todo[i].Index, labelOr(todo[i].Variant), todo[i].Seed)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, e := range errs {
		if e == nil {
			st.Ran++
		}
	}
	return st, errors.Join(errs...)
}

func labelOr(v string) string {
	if v == "" {
		return "base"
	}
	return v
}

// complete reports whether path holds the whole result of line l.
func complete(path string, l Line) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	r, err := decodeResult(data)
	return err == nil && r.Line.Hash == l.Hash && r.Line.Grid == l.Grid && r.Line.Index == l.Index
}

func decodeResult(data []byte) (*Result, error) {
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	if r.Results == nil || r.Line.Hash == "" {
		return nil, errors.New("not a sweep result (no line or results)")
	}
	return &r, nil
}

func runLine(l Line, dir string) error {
	ls, err := l.Resolve()
	if err != nil {
		return fmt.Errorf("line %d: %w", l.Index, err)
	}
	h, err := Hash(&ls.Scenario)
	if err != nil {
		return err
	}
	if h != l.Hash {
		return &scenarios.InputError{File: "manifest", Line: l.Index + 1, Field: "hash",
			Msg: fmt.Sprintf("the scenario resolves to %s here, not %s: this build or the scenario differs from the one that planned the sweep", h, l.Hash)}
	}
	s := ls.Scenario
	res, err := model.Run(&s, model.Options{})
	if err != nil {
		return fmt.Errorf("line %d (%s seed %d): %w", l.Index, labelOr(l.Variant), l.Seed, err)
	}
	stored := l
	stored.Source = "" // the manifest has it; the result need not repeat it
	b, err := json.MarshalIndent(Result{Line: stored, Results: res}, "", " ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, ResultFile(l)), append(b, '\n'))
}
