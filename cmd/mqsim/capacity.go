package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"mqsim/capacity"
	"mqsim/reports"
	"mqsim/scenarios"
)

type capacityOptions struct {
	output string
	sets   []string
	plot   string
	out    string
	list   bool
	// scenario writes the plan as a runnable scenario to stdout instead
	// of the table; recommended picks the recommended plan for it.
	scenario    bool
	recommended bool
	args        []string // the command line, for "reproduce" in reports
	check       verifyOptions
	system      string // kafka (default), rabbitmq or sqs (capacity/queues.go)
}

func newCapacityCmd() *cobra.Command {
	var o capacityOptions
	cmd := &cobra.Command{
		Use:   "capacity [WORKLOAD.yaml|NAME]",
		Short: "Size a cluster from a workload: partitions, storage, brokers, every formula shown",
		Long: `Size a Kafka-style cluster from a workload: messages per second, bytes per
day, retained and replicated storage, partitions, consumers and brokers.
Every row shows the formula with the numbers substituted and why it matters,
and beside the exact arithmetic a recommended value with operating margins
(disk fill target, partition headroom, NIC utilisation; see the workload's
recommended_* fields).

--scenario writes the plan as a scenario that 'mqsim run' plays at the peak
(the exact plan, or the recommended one with --recommended).

--verify plays the plan at its peak and says whether it holds: lag bounded,
nothing lost, p99 end-to-end within the workload's slo, and every resource
within the plan's target, measured beside the plan's arithmetic. --headroom
also searches for the rate at which the plan stops holding, names what gives
out first, and plays the peak with one broker down. Exits 3 when the plan
does not hold.

With no argument it sizes the seed's worked example (` + scenarios.DefaultWorkload + `).
A NAME loads a built-in workload (see --list); anything else is a YAML file.`,
		Example: `  mqsim capacity
  mqsim capacity iot-telemetry --output markdown
  mqsim capacity my-workload.yaml --set retention=30d --set peak_factor=5x
  mqsim capacity --plot sizing.svg
  mqsim capacity social-media --scenario > plan.yaml && mqsim run plan.yaml --duration 2s
  mqsim capacity social-media --verify --duration 1s
  mqsim capacity social-media --verify --brokers 4
  mqsim capacity social-media --headroom --out review/`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := scenarios.DefaultWorkload
			if len(args) == 1 {
				name = args[0]
			}
			o.args = append([]string{"mqsim", "capacity"}, args...)
			for _, s := range o.sets {
				o.args = append(o.args, "--set", s)
			}
			if o.scenario {
				o.args = append(o.args, "--scenario")
			}
			if o.recommended {
				o.args = append(o.args, "--recommended")
			}
			o.args = append(o.args, o.check.args()...)
			if o.system != "" && o.system != "kafka" {
				o.args = append(o.args, "--system", o.system)
			}
			return runCapacity(cmd.OutOrStdout(), cmd.ErrOrStderr(), name, o)
		},
	}
	f := cmd.Flags()
	addOutputFlag(cmd, &o.output)
	f.StringArrayVar(&o.sets, "set", nil, "override a workload field: --set field=value (repeatable)")
	f.StringVar(&o.plot, "plot", "", "also draw the sensitivity chart to FILE.png or FILE.svg")
	f.StringVar(&o.out, "out", "", "also write a sizing report into DIR (report.md, report.html, plan.json, sizing.png/svg)")
	f.BoolVar(&o.list, "list", false, "list the built-in workloads and exit")
	f.BoolVar(&o.scenario, "scenario", false, "write the plan as a runnable scenario (YAML) to stdout instead of the table")
	f.BoolVar(&o.recommended, "recommended", false, "with --scenario or --verify: play the recommended plan rather than the exact one")
	f.StringVar(&o.system, "system", "kafka", "size for kafka, rabbitmq (quorum queues and nodes) or sqs (requests, consumers, visibility timeout); the workload's queue: section holds their settings")
	addVerifyFlags(cmd, &o.check)
	return cmd
}

func runCapacity(stdout, stderr io.Writer, name string, o capacityOptions) error {
	if err := checkOutput(&o.output); err != nil {
		return err
	}
	if o.list && o.output != outTable {
		l, err := workloadList()
		if err != nil {
			return err
		}
		return writeList(stdout, o.output, l)
	}
	if o.list {
		var names, summaries []string
		for _, n := range scenarios.Workloads() {
			lw, err := scenarios.LoadWorkload(n, nil)
			if err != nil {
				return err
			}
			names = append(names, n)
			summaries = append(summaries, firstSentence(lw.Description))
		}
		return reports.CapacityList(stdout, names, summaries, capacityWidth(stdout))
	}
	if o.recommended && !o.scenario && !o.check.on() {
		return badInput(fmt.Errorf("--recommended: only with --scenario or --verify (the table shows both plans)"))
	}
	if err := o.check.validate(o.scenario, o.plot); err != nil {
		return badInput(err)
	}
	if o.scenario && o.output != "table" {
		return badInput(fmt.Errorf("--output %s: --scenario writes the plan as a scenario (YAML) instead of a table; use one or the other", o.output))
	}
	if o.plot != "" {
		if _, err := reports.ImageFormat(o.plot); err != nil {
			return badInput(fmt.Errorf("--plot: %w", err))
		}
		// The same rule as --out: a path the user gave that cannot be
		// written is bad input, found before any work.
		if err := checkPlotPath(o.plot); err != nil {
			return badInput(fmt.Errorf("--plot %s: %w", o.plot, err))
		}
	}
	if o.out != "" {
		if err := checkOutDir(o.out); err != nil {
			return badInput(fmt.Errorf("--out: %w", err))
		}
	}
	if err := checkKind(scenarios.KindWorkload, name); err != nil {
		return err
	}
	lw, err := scenarios.LoadWorkload(name, o.sets)
	if err != nil {
		return badInput(err)
	}
	plan, err := capacity.Compute(lw.Workload)
	if err != nil {
		return badInput(scenarios.Located(lw.Source, lw.Node, err))
	}
	plan.ToolVersion = buildVersion()
	if o.system != "" && o.system != "kafka" {
		if o.check.on() || o.scenario || o.plot != "" {
			return badInput(fmt.Errorf("--system %s: --verify, --headroom, --scenario and --plot size Kafka clusters only", o.system))
		}
		if plan, err = capacity.QueuePlan(plan, o.system); err != nil {
			return badInput(scenarios.Located(lw.Source, lw.Node, err))
		}
	}
	if o.check.on() {
		return runVerify(stdout, stderr, plan, o)
	}
	if o.scenario {
		data, s, err := scenarios.FromPlan(plan, scenarios.PlanOptions{Recommended: o.recommended, Command: shellJoin(o.args)})
		if err != nil {
			return badInput(err)
		}
		if _, err := stdout.Write(data); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "scenario %s: %d brokers, %d partitions, %s for %s; run it with: mqsim run FILE\n",
			s.Name, s.Cluster.Brokers, s.Topics[0].Partitions, s.Producers[0].Rate, s.Duration)
	} else {
		switch o.output {
		case "table":
			err = reports.CapacityText(stdout, plan, capacityWidth(stdout))
		case "markdown":
			err = reports.CapacityMarkdown(stdout, plan)
		case "json":
			err = reports.JSON(stdout, plan)
		case "yaml":
			err = reports.YAML(stdout, plan)
		}
		if err != nil {
			return err
		}
	}
	if o.plot != "" {
		if err := reports.SaveCapacityPlot(o.plot, plan.Workload); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", o.plot)
	}
	if o.out != "" {
		if err := reports.CapacityReport(o.out, plan, shellJoin(o.args)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", filepath.Join(o.out, "report.html"))
	}
	return nil
}

// firstSentence returns the first sentence of a description, on one line,
// with control characters (an ESC could retitle the terminal) replaced.
func firstSentence(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return '\uFFFD'
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// capacityWidth is the width of the terminal stdout writes to, or
// reports.CapacityWidth when it is not a terminal.
func capacityWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return reports.CapacityWidth
}

// checkPlotPath makes sure the plot's directory exists and is writable and
// the path itself is not a directory.
func checkPlotPath(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("is a directory; want a file name ending in .png or .svg")
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".mqsim-write-test-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable", dir)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
