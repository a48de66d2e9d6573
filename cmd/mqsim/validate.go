package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"mqsim/capacity"
	"mqsim/scenarios"
)

func newValidateCmd() *cobra.Command {
	var sets []string
	var output string
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
			scenarios.SetStdin(cmd.InOrStdin()) // for "-"
			return runValidate(cmd.OutOrStdout(), args[0], sets, output)
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a field before checking: --set path=value (repeatable)")
	addOutputFlag(cmd, &output)
	return cmd
}

// validity is what validate reports of a valid file (-o json, yaml or
// markdown); problems go to standard error with exit 2, as for every
// command.
type validity struct {
	File         string `json:"file"`
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Valid        bool   `json:"valid"`
	Topics       *int   `json:"topics,omitempty"`
	Producers    *int   `json:"producers,omitempty"`
	Groups       *int   `json:"consumer_groups,omitempty"`
	Expectations *int   `json:"expectations,omitempty"`
	// Warnings are what Kafka accepts but the run will refuse or count
	// (a message size past max_request_size).
	Warnings []string `json:"warnings,omitempty"`
}

func runValidate(stdout io.Writer, nameOrPath string, sets []string, output string) error {
	if err := checkOutput(&output); err != nil {
		return err
	}
	kind, source, err := detectKind(nameOrPath)
	if err != nil {
		return badInput(err)
	}
	v := validity{File: source, Kind: kind, Valid: true}
	switch kind {
	case scenarios.KindScenario:
		ls, err := scenarios.LoadScenario(nameOrPath, sets)
		if err != nil {
			return badInput(err)
		}
		v.Name = ls.Name
		n := []int{len(ls.Topics), len(ls.Producers), len(ls.ConsumerGroups), len(ls.Expect)}
		v.Topics, v.Producers, v.Groups, v.Expectations = &n[0], &n[1], &n[2], &n[3]
		for _, w := range ls.Warnings() {
			v.Warnings = append(v.Warnings, w.Error())
		}
		if output == outTable {
			_, err = fmt.Fprintf(stdout, "%s: a valid scenario (%s): %s, %s, %s, %s\n", escapeControl(source), escapeControl(ls.Name),
				plural(n[0], "topic"), plural(n[1], "producer"), plural(n[2], "consumer group"), plural(n[3], "expectation"))
			for _, w := range v.Warnings {
				if err == nil {
					_, err = fmt.Fprintf(stdout, "warning: %s\n", escapeControl(w))
				}
			}
			return err
		}
	default:
		lw, err := scenarios.LoadWorkload(nameOrPath, sets)
		if err != nil {
			return badInput(err)
		}
		if _, err := capacity.Compute(lw.Workload); err != nil {
			return badInput(scenarios.Located(lw.Source, lw.Node, err))
		}
		v.Name = lw.Name
		if output == outTable {
			_, err = fmt.Fprintf(stdout, "%s: a valid capacity workload (%s)\n", escapeControl(source), escapeControl(lw.Name))
			return err
		}
	}
	doc, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if output == outJSON {
		_, err = fmt.Fprintf(stdout, "%s\n", doc)
		return err
	}
	if output == outMarkdown {
		// A one-row table, as the other commands' Markdown pages have.
		if doc, err = json.Marshal([]validity{v}); err != nil {
			return err
		}
	}
	return convertJSON(stdout, output, "validate", []json.RawMessage{doc})
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
	if err != nil && bareName(nameOrPath) {
		return "", "", unknownBuiltin(nameOrPath)
	}
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

// escapeControl shows control characters in user text as escapes (\x1b), so a
// name cannot retitle or recolour the user's terminal.
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
