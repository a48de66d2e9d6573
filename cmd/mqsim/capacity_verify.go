package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"mqsim/capacity"
	"mqsim/model/verify"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// verifyOptions are capacity's flags for proving a plan by simulation.
type verifyOptions struct {
	verify     bool
	headroom   bool
	duration   string
	brokers    int
	partitions int
	seed       uint64
}

func addVerifyFlags(cmd *cobra.Command, o *verifyOptions) {
	f := cmd.Flags()
	f.BoolVar(&o.verify, "verify", false, "play the plan at its peak and say whether it holds (exit 3 when it does not)")
	f.BoolVar(&o.headroom, "headroom", false, "with --verify (implied): search for the rate at which the plan stops holding, and play the peak with one broker down")
	f.StringVar(&o.duration, "duration", "", fmt.Sprintf("with --verify: simulated time at the peak (default %s, shortened to offer at most %s messages)", verify.DefaultDuration, units.FormatSI(verify.MaxMessages)))
	f.IntVar(&o.brokers, "brokers", 0, "with --verify: verify this many brokers instead of the plan's (a proposed plan)")
	f.IntVar(&o.partitions, "partitions", 0, "with --verify: verify this many partitions (and consumers per group) instead of the plan's")
	f.Uint64Var(&o.seed, "seed", 1, "with --verify: the runs' random seed")
}

func (o verifyOptions) on() bool { return o.verify || o.headroom }

// args are the flags that reproduce the verification.
func (o verifyOptions) args() []string {
	var a []string
	if o.headroom {
		a = append(a, "--headroom")
	} else if o.verify {
		a = append(a, "--verify")
	}
	if o.duration != "" {
		a = append(a, "--duration", reports.ShellQuote(o.duration))
	}
	if o.brokers > 0 {
		a = append(a, "--brokers", strconv.Itoa(o.brokers))
	}
	if o.partitions > 0 {
		a = append(a, "--partitions", strconv.Itoa(o.partitions))
	}
	if o.seed != 1 {
		a = append(a, "--seed", strconv.FormatUint(o.seed, 10))
	}
	return a
}

// validate refuses flags that only mean something with --verify, and
// --verify with the modes it replaces.
func (o verifyOptions) validate(scenario bool, plot string) error {
	if !o.on() {
		switch {
		case o.duration != "":
			return errors.New("--duration: only with --verify or --headroom")
		case o.brokers != 0 || o.partitions != 0:
			return errors.New("--brokers and --partitions: only with --verify or --headroom")
		case o.seed != 1:
			return errors.New("--seed: only with --verify or --headroom")
		}
		return nil
	}
	switch {
	case scenario:
		return errors.New("--scenario writes the plan as a scenario; --verify runs it: use one or the other")
	case plot != "":
		return errors.New("--plot draws the sizing chart; with --verify use --out DIR for the review page and its plots")
	case o.brokers < 0 || o.partitions < 0:
		return errors.New("--brokers and --partitions: want a positive count")
	case o.seed == 0:
		return errors.New("--seed: want 1 or more")
	}
	if o.duration != "" {
		d, err := units.ParseDuration(o.duration)
		if err != nil {
			return fmt.Errorf("--duration: %w", err)
		}
		if d < units.Millisecond {
			return fmt.Errorf("--duration %s: want at least 1ms", o.duration)
		}
	}
	return nil
}

// runVerify verifies the plan (and searches its headroom) and renders the
// answer; the exit code is 3 when the plan does not hold at its peak.
func runVerify(stdout, stderr io.Writer, plan *capacity.Plan, o capacityOptions) error {
	opt := verify.Options{Recommended: o.recommended, Brokers: o.check.brokers, Partitions: o.check.partitions,
		Seed: o.check.seed, Command: shellJoin(o.args)}
	if o.check.duration != "" {
		d, _ := units.ParseDuration(o.check.duration)
		opt.Duration = d
		// The run's cost as `mqsim run` estimates it: refused up front
		// when it needs more than twice the machine's memory.
		if _, ls, err := scenarios.FromPlan(plan, scenarios.PlanOptions{Recommended: o.recommended, Duration: d}); err == nil {
			e := estimateWork(&ls.Scenario)
			if total := physicalMemory(); total > 0 && e.memory() > 2*total {
				return badInput(fmt.Errorf("--duration %s: about %s messages at the peak need about %s of memory, more than twice this machine's %s; the default run offers at most %s",
					o.check.duration, units.FormatSI(e.messages), units.FormatBytes(e.memory()), units.FormatBytes(total), units.FormatSI(verify.MaxMessages)))
			}
			if e.memory() >= largeMemory {
				fmt.Fprintf(stderr, "note: --duration %s offers about %s messages at the peak, about %s of memory (the default run offers at most %s)\n",
					o.check.duration, units.FormatSI(e.messages), units.FormatBytes(e.memory()), units.FormatSI(verify.MaxMessages))
			}
		}
	}
	v, err := verify.Verify(plan, opt)
	if err != nil {
		return badInput(err)
	}
	var h *verify.HeadroomResult
	if o.check.headroom {
		if h, err = verify.Headroom(plan, v, opt); err != nil {
			return err
		}
	}
	run := &reports.Run{Results: v.Results, Scenario: &v.Scenario.Scenario, Command: shellJoin(o.args)}
	switch o.output {
	case "table":
		err = reports.VerifyText(stdout, v, h)
	case "markdown":
		err = reports.PageMarkdown(stdout, reports.VerifyPage(plan, v, h, nil, nil, shellJoin(o.args)))
	case "json":
		err = reports.JSON(stdout, verifyDoc{v, h})
	case "yaml":
		err = reports.YAML(stdout, verifyDoc{v, h})
	}
	if err != nil {
		return err
	}
	if o.out != "" {
		paths, err := reports.VerifyReport(o.out, plan, v, h, run, shellJoin(o.args))
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files; open %s\n", len(paths), filepath.Join(o.out, "report.html"))
	}
	if !v.Holds {
		return withExit(exitCheck, fmt.Errorf("the plan does not hold: %s gives out first", v.Binding))
	}
	return nil
}

type verifyDoc struct {
	Verification *verify.Verification   `json:"verification" yaml:"verification"`
	Headroom     *verify.HeadroomResult `json:"headroom,omitempty" yaml:"headroom,omitempty"`
}
