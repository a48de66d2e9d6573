package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

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
	args   []string // the command line, for "reproduce" in reports
}

func newCapacityCmd() *cobra.Command {
	var o capacityOptions
	cmd := &cobra.Command{
		Use:   "capacity [WORKLOAD.yaml|NAME]",
		Short: "Size a cluster from a workload: partitions, storage, brokers, every formula shown",
		Long: `Size a Kafka-style cluster from a workload: messages per second, bytes per
day, retained and replicated storage, partitions, consumers and brokers.
Every row shows the formula with the numbers substituted and why it matters.

With no argument it sizes the seed's worked example (` + scenarios.DefaultWorkload + `).
A NAME loads a built-in workload (see --list); anything else is a YAML file.`,
		Example: `  mqsim capacity
  mqsim capacity iot-telemetry --output markdown
  mqsim capacity my-workload.yaml --set retention=30d --set peak_factor=5x
  mqsim capacity --plot sizing.svg`,
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
			return runCapacity(cmd.OutOrStdout(), cmd.ErrOrStderr(), name, o)
		},
	}
	f := cmd.Flags()
	addOutputFlag(cmd, &o.output)
	f.StringArrayVar(&o.sets, "set", nil, "override a workload field: --set field=value (repeatable)")
	f.StringVar(&o.plot, "plot", "", "also draw the sensitivity chart to FILE.png or FILE.svg")
	f.StringVar(&o.out, "out", "", "also write a sizing report into DIR (report.md, report.html, plan.json, sizing.png/svg)")
	f.BoolVar(&o.list, "list", false, "list the built-in workloads and exit")
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
		for _, n := range scenarios.Workloads() {
			lw, err := scenarios.LoadWorkload(n, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%-18s %s\n", n, firstSentence(lw.Description))
		}
		return nil
	}
	if o.plot != "" {
		if _, err := reports.ImageFormat(o.plot); err != nil {
			return badInput(fmt.Errorf("--plot: %w", err))
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
	switch o.output {
	case "table":
		err = reports.CapacityText(stdout, plan)
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

// firstSentence returns the first sentence of a description, on one line.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
