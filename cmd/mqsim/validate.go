package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"mqsim/capacity"
	"mqsim/scenarios"
)

func newValidateCmd() *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "validate FILE|NAME",
		Short: "Check a scenario or workload file without running it",
		Long: `Check a scenario or a capacity workload without running or sizing it: strict
YAML (unknown fields are errors), units, every cross-field rule, and for a
scenario its expect block. The kind of file is told by its fields. Every
problem is listed with its file, line and field; the exit code is 2 when
there is any.`,
		Example: `  mqsim validate my-scenario.yaml
  mqsim validate my-workload.yaml
  mqsim validate baseline --set producers.*.acks=2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runValidate(cmd.OutOrStdout(), args[0], sets)
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a field before checking: --set path=value (repeatable)")
	return cmd
}

func runValidate(stdout io.Writer, nameOrPath string, sets []string) error {
	kind, source, err := detectKind(nameOrPath)
	if err != nil {
		return badInput(err)
	}
	switch kind {
	case scenarios.KindScenario:
		ls, err := scenarios.LoadScenario(nameOrPath, sets)
		if err != nil {
			return badInput(err)
		}
		_, err = fmt.Fprintf(stdout, "%s: a valid scenario (%s): %s, %s, %s, %s\n", source, ls.Name,
			plural(len(ls.Topics), "topic"), plural(len(ls.Producers), "producer"),
			plural(len(ls.ConsumerGroups), "consumer group"), plural(len(ls.Expect), "expectation"))
		for _, w := range ls.Warnings() {
			if err == nil {
				_, err = fmt.Fprintf(stdout, "warning: %v\n", w)
			}
		}
		return err
	default:
		lw, err := scenarios.LoadWorkload(nameOrPath, sets)
		if err != nil {
			return badInput(err)
		}
		if _, err := capacity.Compute(lw.Workload); err != nil {
			return badInput(scenarios.Located(lw.Source, lw.Node, err))
		}
		_, err = fmt.Fprintf(stdout, "%s: a valid capacity workload (%s)\n", source, lw.Name)
		return err
	}
}

// detectKind reads a file (or a built-in name: scenarios first, then
// workloads) and tells whether it is a scenario or a workload.
func detectKind(nameOrPath string) (kind, source string, err error) {
	for _, n := range scenarios.Scenarios() {
		if n == nameOrPath {
			return scenarios.KindScenario, "builtin/" + n + ".yaml", nil
		}
	}
	for _, n := range scenarios.Workloads() {
		if n == nameOrPath {
			return scenarios.KindWorkload, "workloads/" + n + ".yaml", nil
		}
	}
	data, err := scenarios.ReadFile(nameOrPath)
	if err != nil {
		return "", "", err
	}
	kind, err = scenarios.Detect(nameOrPath, data)
	return kind, nameOrPath, err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
