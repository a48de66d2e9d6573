package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"mqsim/model/compare"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

func init() { extraCommands = append(extraCommands, newCompareSystemsCmd) }

// DefaultCompareWorkload is the workload compare-systems plays when none
// is named: modest volume, strict durability and a replay window — every
// row of the seed's table has something to say about it.
const DefaultCompareWorkload = "payments"

type compareSystemsOptions struct {
	sets     []string
	needs    string
	out      string
	systems  string
	duration string
	maxRate  string
	seed     uint64
	parallel int
}

func newCompareSystemsCmd() *cobra.Command {
	var o compareSystemsOptions
	cmd := &cobra.Command{
		Use:   "compare-systems [WORKLOAD.yaml|NAME]",
		Short: "Run one workload on every system and measure the seed's comparison table",
		Long: `compare-systems sizes a capacity workload (default: ` + DefaultCompareWorkload + `), builds the same
load on every simulated system — Kafka, RabbitMQ (quorum and classic queues),
SQS (standard and FIFO), Pulsar when it is part of the build, SNS fanning out
to SQS, Google Pub/Sub — and plays four trials on each: steady state, a
consumer crash, a node failure (not applicable to managed services) and a
replay of the history. It prints the seed's comparison table with measured
cells; a cell that contradicts the seed is marked ✗ with the reason.

--need answers the seed's decision framework: it keeps the systems that meet
every need, ranked by nodes to run then p99 latency, and says why each other
one is excluded. Needs: ` + strings.Join(compare.NeedNames(), ", ") + `.`,
		Example: `  mqsim compare-systems
  mqsim compare-systems payments --need replay,per-key-order
  mqsim compare-systems clickstream --need managed,fan-out --out review/`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := DefaultCompareWorkload
			if len(args) == 1 {
				name = args[0]
			}
			return runCompareSystems(cmd.OutOrStdout(), cmd.ErrOrStderr(), name, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.sets, "set", nil, "override a workload field: --set field=value (repeatable)")
	f.StringVar(&o.needs, "need", "", "comma-separated needs to filter and rank the systems by ("+strings.Join(compare.NeedNames(), ", ")+")")
	f.StringVar(&o.out, "out", "", "also write the comparison into DIR (report.md, report.html)")
	f.StringVar(&o.systems, "systems", "", "compare only these columns (comma-separated ids: kafka, rabbitmq-quorum, rabbitmq-classic, sqs-standard, sqs-fifo, pulsar, sns-sqs, pubsub)")
	f.StringVar(&o.duration, "duration", "20s", "producing time of each trial")
	f.StringVar(&o.maxRate, "max-rate", "5K", "cap on the simulated rate (messages/s), so every trial runs in seconds")
	f.Uint64Var(&o.seed, "seed", 1, "seed of every trial")
	f.IntVar(&o.parallel, "parallel", runtime.NumCPU(), "trials run at once (results do not depend on it)")
	return cmd
}

func runCompareSystems(stdout, stderr io.Writer, name string, o compareSystemsOptions) error {
	lw, err := scenarios.LoadWorkload(name, o.sets)
	if err != nil {
		return badInput(err)
	}
	d, err := units.ParseDuration(o.duration)
	if err != nil || d < 4*units.Second || d > 10*units.Minute {
		return badInput(fmt.Errorf("--duration %q: want a duration from 4s to 10m", o.duration))
	}
	rate, err := units.ParseCount(strings.TrimSuffix(o.maxRate, "/s"))
	if err != nil || rate < 1 || rate > 1e6 {
		return badInput(fmt.Errorf("--max-rate %q: want a rate from 1 to 1M messages/s", o.maxRate))
	}
	var needs []string
	for _, n := range strings.Split(o.needs, ",") {
		if n = strings.TrimSpace(n); n != "" {
			if _, ok := compare.Needs[n]; !ok {
				return badInput(fmt.Errorf("--need %q: unknown; want one of %s", n, strings.Join(compare.NeedNames(), ", ")))
			}
			needs = append(needs, n)
		}
	}
	var systems []string
	for _, s := range strings.Split(o.systems, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		known := false
		for _, c := range compare.Candidates {
			known = known || c.ID == s
		}
		if !known {
			return badInput(fmt.Errorf("--systems %q: unknown column", s))
		}
		systems = append(systems, s)
	}
	if o.parallel < 1 {
		return badInput(fmt.Errorf("--parallel %d: want 1 or more", o.parallel))
	}
	c, err := compare.Compare(lw.Workload, compare.Options{Duration: d, MaxRate: float64(rate), Seed: o.seed, Parallel: o.parallel, Systems: systems})
	if err != nil {
		return badInput(err)
	}
	verdicts, err := c.Decide(needs)
	if err != nil {
		return badInput(err)
	}
	if err := reports.CompareSystemsText(stdout, c, verdicts, needs, termWidth(stdout)); err != nil {
		return err
	}
	if o.out != "" {
		files, err := reports.WriteCompareSystems(o.out, c, verdicts, needs)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", strings.Join(files, ", "))
	}
	return nil
}
