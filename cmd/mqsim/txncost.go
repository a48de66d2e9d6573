package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"mqsim/model/txncost"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

func init() { extraCommands = append(extraCommands, newTxnCostCmd) }

type txnCostOptions struct {
	intervals []string
	sizes     []string
	sets      []string
	output    string
	out       string
}

func newTxnCostCmd() *cobra.Command {
	var o txnCostOptions
	cmd := &cobra.Command{
		Use:   "transaction-cost",
		Short: "What exactly-once costs at the maximum: throughput and latency per commit interval × record size",
		Long: `Plays the transaction-cost built-in as a grid: for each commit interval ×
record size, its pipeline stage is fed past its capacity (so it runs flat
out) with transactions, and once per size without (guarantee:
at-least-once, the same pipeline). One table and, with --out, one plot:
the throughput exactly-once keeps and the end-to-end latency it adds —
about half the interval plus the commit's round trips — both from the
protocol the runs play (round trips, replicated coordinator writes,
markers), not from a stated percentage.`,
		Example: `  mqsim transaction-cost
  mqsim transaction-cost --interval 10ms,100ms --size 1KB
  mqsim transaction-cost --out review/ -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTxnCost(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.intervals, "interval", []string{"10ms", "100ms", "1s", "30s"}, "commit intervals (Kafka Streams' commit.interval.ms)")
	f.StringSliceVar(&o.sizes, "size", []string{"100B", "1KB"}, "record sizes")
	f.StringArrayVar(&o.sets, "set", nil, "override a field of the scenario: --set path=value (repeatable)")
	f.StringVar(&o.out, "out", "", "also write the table, the plot (PNG and SVG) and the JSON into DIR")
	addOutputFlag(cmd, &o.output, outTable, outJSON)
	return cmd
}

func runTxnCost(stdout, stderr io.Writer, o txnCostOptions) error {
	if err := checkOutput(&o.output, outTable, outJSON); err != nil {
		return err
	}
	var intervals []units.Duration
	for _, s := range o.intervals {
		d, err := units.ParseDuration(s)
		if err != nil || d <= 0 {
			return badInput(fmt.Errorf("--interval %q: want a positive duration such as 100ms", s))
		}
		intervals = append(intervals, d)
	}
	var sizes []units.Bytes
	for _, s := range o.sizes {
		b, err := units.ParseBytes(s)
		if err != nil || b <= 0 {
			return badInput(fmt.Errorf("--size %q: want a positive size such as 1KB", s))
		}
		sizes = append(sizes, b)
	}
	load := func(extra []string) (*scenarios.LoadedScenario, error) {
		return scenarios.LoadScenario(txncost.Scenario, append(append([]string(nil), o.sets...), extra...))
	}
	if _, err := load(nil); err != nil {
		return badInput(err)
	}
	res, err := txncost.Run(load, intervals, sizes)
	if err != nil {
		return err
	}
	if o.output == outJSON {
		err = reports.JSON(stdout, res)
	} else {
		err = reports.TxnCostText(stdout, res)
	}
	if err != nil {
		return err
	}
	if o.out != "" {
		paths, err := reports.WriteTxnCost(o.out, res)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files; the plot is %s\n", len(paths), filepath.Join(o.out, "transaction-cost.png"))
	}
	return nil
}
