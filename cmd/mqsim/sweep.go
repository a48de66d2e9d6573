package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"mqsim/model/sweep"
	"mqsim/reports"
	"mqsim/scenarios"
)

func init() { extraCommands = append(extraCommands, newSweepCmd) }

func newSweepCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Plan a grid of variants × seeds, run it in shards on any machines, merge it",
		Long: `A sweep runs a grid of scenario variants × seeds too big for one run, on
as many machines as you have: plan writes one line per run, each shard runs
the lines whose index ≡ I (mod N) and writes one result file per line
(named by the resolved scenario's hash; an existing result is skipped, so
a retried or duplicated shard is harmless), and merge turns the results
into one table and plots with 95% confidence intervals over seeds. See
docs/sweeps.md for GNU parallel, Slurm and Kubernetes recipes.`,
		Example: `  mqsim sweep plan grid.yaml > manifest.jsonl
  mqsim sweep run --manifest manifest.jsonl --shard 0/4 --out results/
  mqsim sweep merge results/ --out report/
  mqsim sweep k8s --image registry.example/mqsim:1 --shards 8 --manifest manifest.jsonl`,
	}
	cmd.AddCommand(newSweepPlanCmd(), newSweepRunCmd(), newSweepMergeCmd(), newSweepK8sCmd())
	return cmd
}

// sweepErr gives bad input (a grid, manifest or result named with its
// file) exit code 2.
func sweepErr(err error) error {
	var ie *scenarios.InputError
	if errors.As(err, &ie) {
		return badInput(err)
	}
	return err
}

func newSweepPlanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "plan GRID.yaml",
		Short: "Write the manifest of a grid (one JSON line per run) to stdout",
		Long: `Reads a grid file and writes manifest.jsonl: one line per variant × seed
with the resolved scenario's content hash. A grid file:

  scenario: baseline            # a built-in, or a scenario file beside the grid
  set: [duration=10s]           # settings every run shares (--set syntax)
  vary: ["acks=1,all", "max_in_flight=1,5"]   # --vary axes and aliases
  seeds: 10                     # seeds 1..10, or a list [3, 7, 11]
  metrics: [p99_e2e, lost]      # what merge summarises (expect's names)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSweepPlan(cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0])
		},
	}
}

func runSweepPlan(stdout, stderr io.Writer, path string) error {
	g, err := sweep.ReadGrid(path)
	if err != nil {
		return sweepErr(err)
	}
	lines, err := sweep.Plan(g, path)
	if err != nil {
		return sweepErr(err)
	}
	if err := sweep.WriteManifest(stdout, lines); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d runs: %d variants × %d seeds (grid %s)\n", len(lines), len(lines)/len(g.Seeds), len(g.Seeds), lines[0].Grid)
	return nil
}

type sweepRunOptions struct {
	manifest, shard, out string
	shards, parallel     int
}

func newSweepRunCmd() *cobra.Command {
	var o sweepRunOptions
	cmd := &cobra.Command{
		Use:   "run --manifest manifest.jsonl --out DIR [--shard I/N | --shards N]",
		Short: "Run one shard of a manifest, one result file per line",
		Long: `Runs the manifest lines whose index ≡ I (mod N) and writes DIR/<hash>.json
for each, atomically. A line whose complete result is already in DIR is
skipped. Without --shard, the index comes from JOB_COMPLETION_INDEX
(Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID or PARALLEL_SEQ (GNU
parallel, counted from 1), and the count from --shards (or
SLURM_ARRAY_TASK_COUNT); with neither, every line runs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSweepRun(cmd.ErrOrStderr(), o, os.Getenv)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.manifest, "manifest", "", "the manifest written by 'mqsim sweep plan' (required)")
	f.StringVar(&o.out, "out", "", "directory for the result files (required; shared by every shard)")
	f.StringVar(&o.shard, "shard", "", "run shard I of N, written I/N (0 ≤ I < N)")
	f.IntVar(&o.shards, "shards", 0, "the number of shards, when the index comes from the environment")
	f.IntVar(&o.parallel, "parallel", 0, "simulations at once in this process (default: one per CPU)")
	return cmd
}

func runSweepRun(stderr io.Writer, o sweepRunOptions, getenv func(string) string) error {
	if o.manifest == "" || o.out == "" {
		return badInput(fmt.Errorf("sweep run: --manifest and --out are required"))
	}
	if o.parallel < 0 {
		return badInput(fmt.Errorf("--parallel %d: want 0 (one per CPU) or more", o.parallel))
	}
	shard, err := sweep.ParseShard(o.shard, o.shards, getenv)
	if err != nil {
		return badInput(err)
	}
	lines, err := sweep.ReadManifest(o.manifest)
	if err != nil {
		return sweepErr(err)
	}
	st, err := sweep.Run(lines, shard, o.out, o.parallel, stderr)
	fmt.Fprintf(stderr, "shard %s: %d run, %d already done\n", shard, st.Ran, st.Skipped)
	return sweepErr(err)
}

func newSweepMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge RESULTS_DIR --out DIR",
		Short: "Merge a sweep's results into one table and plots with confidence intervals",
		Long: `Reads every result of a sweep (all lines of its manifest, exactly once)
and writes summary.csv, report.md, report.html and a chart per metric:
each metric's mean over seeds with its 95% confidence interval (Student
t). The output depends only on the results, not on which machine ran what.
merged-files.sha256 lists what it wrote: merging again into the same
directory removes the charts of metrics no longer merged, never a file it
did not write or one changed since.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSweepMerge(cmd.ErrOrStderr(), args[0], out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the merged report (required)")
	return cmd
}

func runSweepMerge(stderr io.Writer, dir, out string) error {
	if out == "" {
		return badInput(fmt.Errorf("sweep merge: --out is required"))
	}
	sum, err := sweep.Merge(dir)
	if err != nil {
		return sweepErr(err)
	}
	files, err := reports.SweepFiles(sum)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	rf := make([]sweep.ReportFile, len(files))
	for i, f := range files {
		rf[i] = sweep.ReportFile{Name: f.Name, Data: f.Data}
	}
	done, err := sweep.WriteReport(out, rf, reports.WriteFileAtomic)
	if err != nil {
		return sweepErr(err)
	}
	for _, name := range done.Removed {
		fmt.Fprintf(stderr, "removed %s: an earlier merge wrote it, this one does not\n", filepath.Join(out, name))
	}
	for _, name := range done.Kept {
		fmt.Fprintf(stderr, "kept %s: an earlier merge wrote it, but it has changed since\n", filepath.Join(out, name))
	}
	fmt.Fprintf(stderr, "merged %d variants; wrote %d files; open %s\n", len(sum.Variants), len(files), filepath.Join(out, "report.html"))
	return nil
}

func newSweepK8sCmd() *cobra.Command {
	o := sweep.K8sOptions{Name: "mqsim-sweep", Claim: "mqsim-results", BackoffPerIndex: 2}
	var manifest string
	cmd := &cobra.Command{
		Use:   "k8s --image IMAGE --shards N --manifest manifest.jsonl",
		Short: "Print a Kubernetes Indexed Job (and a ConfigMap with the manifest) that runs a sweep",
		Long: `Prints YAML for 'kubectl apply -f -': a ConfigMap holding the manifest and
a batch/v1 Job with completionMode: Indexed and one completion per shard.
Each pod runs 'mqsim sweep run --shards N' and takes its index from
JOB_COMPLETION_INDEX; backoffLimitPerIndex retries a failed shard alone.
Results go to the PersistentVolumeClaim --claim; merge them from there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if manifest == "" {
				return badInput(fmt.Errorf("sweep k8s: --manifest is required"))
			}
			if _, err := sweep.ReadManifest(manifest); err != nil {
				return sweepErr(err)
			}
			data, err := os.ReadFile(manifest)
			if err != nil {
				return badInput(err)
			}
			o.Manifest = data
			y, err := sweep.K8sManifest(o)
			if err != nil {
				return badInput(err)
			}
			_, err = cmd.OutOrStdout().Write(y)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Image, "image", "", "container image with mqsim on its PATH (required)")
	f.IntVar(&o.Shards, "shards", 0, "number of shards: the Job's completions (required)")
	f.StringVar(&manifest, "manifest", "", "the manifest written by 'mqsim sweep plan' (required)")
	f.StringVar(&o.Name, "name", o.Name, "the Job's name")
	f.IntVar(&o.Parallelism, "parallelism", 0, "pods at once (default: every shard)")
	f.IntVar(&o.BackoffPerIndex, "backoff-per-index", o.BackoffPerIndex, "retries of one shard before it counts as failed")
	f.StringVar(&o.Claim, "claim", o.Claim, "PersistentVolumeClaim for the results")
	return cmd
}
