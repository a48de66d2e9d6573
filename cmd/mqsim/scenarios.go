package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"mqsim/scenarios"
)

func newScenariosCmd() *cobra.Command {
	var profiles bool
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in scenarios and the lesson each one teaches",
		Long: `List the built-in scenarios, each with the lesson it teaches in one line.
Run one with 'mqsim run NAME'. With --profiles, list the named hardware
profiles a scenario's cluster.profile can pick instead.`,
		Example: `  mqsim scenarios
  mqsim scenarios --profiles`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if profiles {
				return listProfiles(cmd.OutOrStdout())
			}
			return listScenarios(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&profiles, "profiles", false, "list the hardware profiles instead")
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
