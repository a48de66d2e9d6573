package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"mqsim/scenarios"
)

func newScenariosCmd() *cobra.Command {
	var profiles, faults bool
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in scenarios and the lesson each one teaches",
		Long: `List the built-in scenarios, each with the lesson it teaches in one line.
Run one with 'mqsim run NAME'. With --profiles, list the named hardware
profiles a scenario's cluster.profile can pick instead; with --faults, the
fault types a scenario's faults list can use.`,
		Example: `  mqsim scenarios
  mqsim scenarios --profiles
  mqsim scenarios --faults`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case profiles && faults:
				return badInput(fmt.Errorf("--profiles and --faults are separate lists; give one"))
			case profiles:
				return listProfiles(cmd.OutOrStdout())
			case faults:
				return listFaults(cmd.OutOrStdout())
			}
			return listScenarios(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&profiles, "profiles", false, "list the hardware profiles instead")
	cmd.Flags().BoolVar(&faults, "faults", false, "list the fault types instead")
	return cmd
}

func listScenarios(w io.Writer) error {
	names := scenarios.Scenarios()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		ls, err := scenarios.LoadScenario(n, nil)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%-*s  %s\n", width, n, firstSentence(ls.Description)); err != nil {
			return err
		}
	}
	return nil
}

func listProfiles(w io.Writer) error {
	for _, p := range scenarios.Profiles() {
		h := p.Hardware
		if _, err := fmt.Fprintf(w, "%-15s %s\n%-15s NIC %v in / %v out, disk %v write / %v read, %d request threads, latency %v ± %v\n",
			p.Name, p.Doc, "", h.NICIn, h.NICOut, h.DiskWrite, h.DiskRead, h.CPUThreads, h.NetworkLatency, h.NetworkJitter); err != nil {
			return err
		}
	}
	return nil
}

// listFaults prints each fault type with its target, parameters and what it does.
func listFaults(w io.Writer) error {
	names := scenarios.FaultTypeNames()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		r := scenarios.FaultTypes[n]
		target := r.Target
		if target == "" {
			target = "cluster"
		}
		params := "no parameters"
		if len(r.Params) > 0 {
			params = "takes " + strings.Join(r.Params, ", ")
		}
		if _, err := fmt.Fprintf(w, "%-*s  target: %s; %s\n%-*s  %s\n", width, n, target, params, width, "", r.Doc); err != nil {
			return err
		}
	}
	return nil
}
