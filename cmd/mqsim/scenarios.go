package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"mqsim/reports"
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
	var entries []reports.ListEntry
	for _, n := range scenarios.Scenarios() {
		ls, err := scenarios.LoadScenario(n, nil)
		if err != nil {
			return err
		}
		entries = append(entries, reports.ListEntry{Name: n, Lines: []string{firstSentence(ls.Description)}})
	}
	return reports.ListText(w, entries, reports.TextStyle{Width: termWidth(w)})
}

func listProfiles(w io.Writer) error {
	var entries []reports.ListEntry
	for _, p := range scenarios.Profiles() {
		h := p.Hardware
		entries = append(entries, reports.ListEntry{Name: p.Name, Lines: []string{p.Doc,
			fmt.Sprintf("NIC %v in / %v out, disk %v write / %v read, %d request threads, latency %v ± %v",
				h.NICIn, h.NICOut, h.DiskWrite, h.DiskRead, h.CPUThreads, h.NetworkLatency, h.NetworkJitter)}})
	}
	return reports.ListText(w, entries, reports.TextStyle{Width: termWidth(w)})
}

// listFaults prints each fault type with its target, parameters and what it does.
func listFaults(w io.Writer) error {
	var entries []reports.ListEntry
	for _, n := range scenarios.FaultTypeNames() {
		r := scenarios.FaultTypes[n]
		target := r.Target
		if target == "" {
			target = "cluster"
		}
		params := "no parameters"
		if len(r.Params) > 0 {
			params = "takes " + strings.Join(r.Params, ", ")
		}
		entries = append(entries, reports.ListEntry{Name: n, Lines: []string{"target: " + target + "; " + params, r.Doc}})
	}
	return reports.ListText(w, entries, reports.TextStyle{Width: termWidth(w)})
}
