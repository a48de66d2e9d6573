package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"mqsim/scenarios/units"
)

func init() { extraCommands = append(extraCommands, newBenchCmd) }

type benchOptions struct {
	long         bool
	against      string
	againstHeavy bool
	sweeps       []string
	format       string
}

func newBenchCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure how the simulator scales: wall time, events/s and peak memory",
		Long: `Run the scaling benchmark: each point is one 'mqsim run' in a child process,
timed on the wall clock, with its CPU time (user and system: steadier than the
wall clock on a busy machine) and its peak resident memory. Four sweeps:

  partitions  the baseline (5K msg/s, 100K messages, 3 brokers) with 6, 60,
              600 and 3,000 partitions, then 10,000 and 100,000 partitions
              on 100 brokers at 1K msg/s for 10 s
  rate        the seed's peak (social-media-peak) for 10 s at 1K, 10K,
              100K and 1.16M msg/s
  duration    the seed's peak at 1.16M msg/s for 10 s and 60 s (and, with
              --long, 10 minutes)
  faults      broker-failure (5K msg/s, a broker crash and restart) for
              60 s and 5 minutes (and, with --long, 20 minutes): memory
              follows the backlog with faults too, the history going to
              spill files

With --against OLD, each point is also run with the binary OLD, the two
alternating, and the table gives the ratios old / new measured in the same
run (the machine's load changes both alike); the heaviest points only with
--against-heavy.`,
		Example: `  mqsim bench
  mqsim bench --sweep partitions -o markdown
  mqsim bench --long --against ./mqsim-before`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.long, "long", false, "also run the 10-minute point of the duration sweep")
	f.StringVar(&o.against, "against", "", "also run every point with this mqsim binary and report old/new ratios")
	f.BoolVar(&o.againstHeavy, "against-heavy", false, "with --against, also run the old binary on the heaviest points (100K partitions, 60 s and 10 min of the peak), which can need tens of GB")
	f.StringSliceVar(&o.sweeps, "sweep", []string{"partitions", "rate", "duration", "faults"}, "sweeps to run: partitions, rate, duration, faults")
	f.StringVarP(&o.format, "output", "o", "table", "output format: table or markdown")
	return cmd
}

// benchPoint is one run of the benchmark: a scenario and its overrides.
type benchPoint struct {
	sweep, label string
	args         []string // after "run"
	heavy        bool     // too large to run --against by default
}

func benchPoints(o benchOptions) ([]benchPoint, error) {
	var pts []benchPoint
	for _, s := range o.sweeps {
		switch s {
		case "partitions":
			for _, n := range []int{6, 60, 600, 3000} {
				pts = append(pts, benchPoint{s, fmt.Sprintf("%d partitions, 3 brokers, 5K msg/s, 20 s", n),
					[]string{"baseline", "--set", fmt.Sprintf("topics.0.partitions=%d", n)}, false})
			}
			for _, n := range []int{10_000, 100_000} {
				pts = append(pts, benchPoint{s, fmt.Sprintf("%s partitions, 100 brokers, 1K msg/s, 10 s", units.FormatSI(float64(n))),
					[]string{"baseline", "--set", fmt.Sprintf("topics.0.partitions=%d", n), "--set", "cluster.brokers=100",
						"--set", "producers.0.rate=1000/s", "--duration", "10s"}, n > 10_000})
			}
		case "rate":
			for _, r := range []string{"1000", "10000", "100000", "1157407"} {
				pts = append(pts, benchPoint{s, "seed's peak at " + units.FormatSI(mustFloat(r)) + " msg/s, 10 s",
					[]string{"social-media-peak", "--set", "producers.0.rate=" + r + "/s", "--duration", "10s"}, false})
			}
		case "duration":
			durs := []string{"10s", "60s"}
			if o.long {
				durs = append(durs, "10m")
			}
			for _, d := range durs {
				pts = append(pts, benchPoint{s, "seed's peak, " + d, []string{"social-media-peak", "--duration", d}, d != "10s"})
			}
		case "faults":
			durs := []string{"60s", "5m"}
			if o.long {
				durs = append(durs, "20m")
			}
			for _, d := range durs {
				pts = append(pts, benchPoint{s, "broker-failure, " + d, []string{"broker-failure", "--duration", d}, false})
			}
		default:
			return nil, badInput(fmt.Errorf("--sweep %q: want partitions, rate, duration or faults", s))
		}
	}
	return pts, nil
}

func mustFloat(s string) float64 {
	var f float64
	fmt.Sscan(s, &f)
	return f
}

// benchResult is what one child run measured.
type benchResult struct {
	wall       time.Duration
	cpu        time.Duration // user and system time: steadier than wall on a busy machine
	peakRSS    int64         // bytes
	events     float64
	produced   float64
	batches    float64 // record batches the producers sealed
	simSeconds float64
}

// benchRun runs bin with "run ARGS -o json" and measures it.
func benchRun(bin string, args []string) (benchResult, error) {
	var out, errb bytes.Buffer
	c := exec.Command(bin, append(append([]string{"run"}, args...), "-o", "json")...)
	c.Stdout, c.Stderr = &out, &errb
	start := time.Now()
	err := c.Run()
	r := benchResult{wall: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == exitCheck {
		err = nil // an expectation failed: the run itself is complete
	}
	if err != nil {
		return r, fmt.Errorf("%s run %s: %w: %s", bin, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peakRSS = ru.Maxrss << 10 // kilobytes on Linux
	}
	r.cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	var doc struct {
		Events     float64 `json:"events"`
		Produced   float64 `json:"produced"`
		SimSeconds float64 `json:"sim_seconds"`
		Producers  []struct {
			Batches float64 `json:"batches"`
		} `json:"producers"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		return r, fmt.Errorf("%s run %s: results: %w", bin, strings.Join(args, " "), err)
	}
	r.events, r.produced, r.simSeconds = doc.Events, doc.Produced, doc.SimSeconds
	for _, p := range doc.Producers {
		r.batches += p.Batches
	}
	return r, nil
}

// perBatch is the CPU time per record batch: what a batch costs the
// simulator — appended by its leader and each follower, fetched, delivered
// — which is the unit of the simulated cluster's own work (a record batch
// is what Kafka appends, replicates, checks and indexes).
func perBatch(r benchResult) string {
	if r.batches == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f µs", r.cpu.Seconds()/r.batches*1e6)
}

func runBench(stdout, stderr io.Writer, o benchOptions) error {
	if o.format != "table" && o.format != "markdown" {
		return badInput(fmt.Errorf("--output %q: want table or markdown", o.format))
	}
	pts, err := benchPoints(o)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	header := []string{"sweep", "point", "messages", "batches", "events", "wall", "CPU", "CPU/batch", "events/s", "sim/wall", "peak RSS"}
	if o.against != "" {
		header = append(header, "old wall", "old RSS", "wall old/new", "RSS old/new")
	}
	if o.format == "markdown" {
		// Rows as they are measured: a long benchmark shows its progress.
		fmt.Fprintf(stdout, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	}
	var rows [][]string
	for _, p := range pts {
		fmt.Fprintf(stderr, "mqsim bench: %s: %s …\n", p.sweep, p.label)
		var old benchResult
		runOld := o.against != "" && (!p.heavy || o.againstHeavy)
		if runOld {
			if old, err = benchRun(o.against, p.args); err != nil {
				return err
			}
		}
		r, err := benchRun(self, p.args)
		if err != nil {
			return err
		}
		wall := r.wall.Seconds()
		row := []string{p.sweep, p.label, units.FormatSI(r.produced), units.FormatSI(r.batches), units.FormatSI(r.events),
			fmt.Sprintf("%.2f s", wall), fmt.Sprintf("%.2f s", r.cpu.Seconds()), perBatch(r), units.FormatSI(r.events / wall), fmt.Sprintf("%.2f×", r.simSeconds/wall),
			units.FormatBytes(float64(r.peakRSS))}
		if o.against != "" && !runOld {
			row = append(row, "—", "—", "—", "—")
		} else if o.against != "" {
			row = append(row, fmt.Sprintf("%.2f s", old.wall.Seconds()), units.FormatBytes(float64(old.peakRSS)),
				fmt.Sprintf("%.2f×", old.wall.Seconds()/wall), fmt.Sprintf("%.2f×", float64(old.peakRSS)/float64(max(r.peakRSS, 1))))
		}
		if o.format == "markdown" {
			fmt.Fprintf(stdout, "| %s |\n", strings.Join(row, " | "))
			continue
		}
		rows = append(rows, row)
	}
	if o.format == "markdown" {
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
