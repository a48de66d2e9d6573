// Package txncost measures what exactly-once costs a pipeline at its
// maximum throughput: for each commit interval × record size, the
// transaction-cost scenario's stage is fed more than it can process (so
// it runs flat out, a closed loop) once with transactions and once
// without (guarantee: at-least-once, the same pipeline), and the cell
// reports the throughput the stage keeps and the end-to-end latency the
// transactions add. Both come from the mechanism the runs play —
// AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn round
// trips, replicated __transaction_state writes, markers on every
// partition, the poll loop waiting for them, and read_committed readers
// waiting for the commit — not from a stated percentage.
package txncost

import (
	"fmt"
	"runtime"
	"sync"

	"mqsim/model"
	_ "mqsim/model/systems" // every simulated system, for model.Run
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// Scenario is the built-in the grid runs.
const Scenario = "transaction-cost"

// The grid of the issue: commit intervals × record sizes.
var (
	Intervals = []units.Duration{10 * units.Millisecond, 100 * units.Millisecond, units.Second, 30 * units.Second}
	Sizes     = []units.Bytes{100, 1000}
)

// Overload is how far past the stage's capacity the source offers (its
// rate in the scenario is the stage's capacity, 1 / processing time).
const Overload = 1.2

// Loader loads the scenario with extra --set entries applied last.
type Loader func(sets []string) (*scenarios.LoadedScenario, error)

// Side is one run of a cell: the pipeline with or without transactions.
type Side struct {
	// Throughput is the stage's processed records per second over the
	// last quarter of the run (it runs flat out: its maximum).
	Throughput float64 `json:"throughput_per_s"`
	// StageP50 and ReaderP50 are the median end-to-end latencies (source
	// send → processed) at the stage and at the reader of its output, in
	// ms; their difference is what the output waits after processing.
	StageP50  float64 `json:"stage_e2e_p50_ms"`
	ReaderP50 float64 `json:"reader_e2e_p50_ms"`
	Commits   int64   `json:"transactions_committed"`
	Markers   int64   `json:"txn_markers"`
	LogWrites int64   `json:"txn_log_writes"`
	Requests  int64   `json:"txn_requests"`
	Seconds   float64 `json:"duration_seconds"`
	Lost      int64   `json:"lost"`
	Dups      int64   `json:"duplicates"`
}

// OutputWait is how long an output waits after its input was processed
// until the reader has it (ms, medians).
func (s Side) OutputWait() float64 { return s.ReaderP50 - s.StageP50 }

// Cell is one commit interval × record size.
type Cell struct {
	Interval units.Duration `json:"commit_interval"`
	Size     units.Bytes    `json:"record_size"`
	Txn      Side           `json:"exactly_once"`
	// ThroughputLoss is 1 − exactly-once's throughput / the pipeline's
	// without transactions (same size).
	ThroughputLoss float64 `json:"throughput_loss"`
	// AddedLatency is the output wait exactly-once adds (ms): its
	// OutputWait minus the pipeline's without transactions.
	AddedLatency float64 `json:"added_e2e_ms"`
}

// Result is the whole grid.
type Result struct {
	Scenario string `json:"scenario"`
	// Base is the pipeline without transactions, per size (Sizes' order).
	Base  []Side        `json:"at_least_once"`
	Sizes []units.Bytes `json:"record_sizes"`
	Cells []Cell        `json:"cells"`
}

// duration is how long a cell runs: long enough for several
// transactions and a steady last quarter.
func duration(interval units.Duration) units.Duration {
	return max(5*units.Second, 3*interval)
}

// Run plays the grid: one run per size without transactions, one per
// cell with them, as many at once as there are CPUs (each run is
// deterministic on its own).
func Run(load Loader, intervals []units.Duration, sizes []units.Bytes) (*Result, error) {
	res := &Result{Scenario: Scenario, Sizes: sizes, Base: make([]Side, len(sizes))}
	base0, err := load(nil)
	if err != nil {
		return nil, err
	}
	if len(base0.Producers) == 0 || len(base0.ConsumerGroups) < 2 || base0.ConsumerGroups[0].Pipeline == nil {
		return nil, fmt.Errorf("scenario %s: want a producer, a pipeline stage (consumer_groups[0]) and a reader of its output", base0.Name)
	}
	work := base0.ConsumerGroups[0].Processing.Mean() // seconds per record
	if work <= 0 {
		return nil, fmt.Errorf("scenario %s: the stage's processing time sets its capacity: give it one", base0.Name)
	}
	rate := Overload / work
	type job struct {
		cell int // -1 - size index for a base run
		sets []string
	}
	var jobs []job
	common := func(size units.Bytes, d units.Duration) []string {
		return []string{
			"producers.0.message_size=" + size.String(),
			fmt.Sprintf("producers.0.rate=%.0f/s", rate),
			"duration=" + d.String(),
			"drain=" + (d / 2).String(),
		}
	}
	for si, size := range sizes {
		jobs = append(jobs, job{cell: -1 - si, sets: append(common(size, duration(0)), "guarantee=at-least-once")})
	}
	for _, iv := range intervals {
		for _, size := range sizes {
			res.Cells = append(res.Cells, Cell{Interval: iv, Size: size})
			jobs = append(jobs, job{cell: len(res.Cells) - 1, sets: append(common(size, duration(iv)),
				"guarantee=exactly-once", "consumer_groups.0.pipeline.commit_interval="+iv.String())})
		}
	}
	sides := make([]Side, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, max(1, runtime.NumCPU()))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			sides[i], errs[i] = play(load, j.sets)
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if j.cell < 0 {
			res.Base[-1-j.cell] = sides[i]
		}
	}
	for i, j := range jobs {
		if j.cell < 0 {
			continue
		}
		c := &res.Cells[j.cell]
		c.Txn = sides[i]
		for si, size := range sizes {
			if size == c.Size {
				b := res.Base[si]
				if b.Throughput > 0 {
					c.ThroughputLoss = 1 - c.Txn.Throughput/b.Throughput
				}
				c.AddedLatency = c.Txn.OutputWait() - b.OutputWait()
			}
		}
	}
	return res, nil
}

// play runs one side.
func play(load Loader, sets []string) (Side, error) {
	ls, err := load(sets)
	if err != nil {
		return Side{}, err
	}
	r, err := model.Run(&ls.Scenario, model.Options{})
	if err != nil {
		return Side{}, fmt.Errorf("scenario %s: %w", ls.Name, err)
	}
	if len(r.Groups) < 2 {
		return Side{}, fmt.Errorf("scenario %s: want the stage and its reader", ls.Name)
	}
	st, rd := r.Groups[0], r.Groups[1]
	return Side{Throughput: st.LateGoodput, StageP50: st.E2ELatency.P50, ReaderP50: rd.E2ELatency.P50,
		Commits: r.Transactions.Committed, Markers: r.Transactions.Markers, LogWrites: r.Transactions.LogWrites,
		Requests: r.Transactions.Requests, Seconds: ls.Duration.Seconds(), Lost: r.Lost, Dups: rd.Duplicates}, nil
}
