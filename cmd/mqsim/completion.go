package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"mqsim/scenarios"
	"mqsim/scenarios/interview"
	"mqsim/scenarios/recall"
)

// addCompletions teaches the shell completion (cobra's 'completion'
// command) the names mqsim knows: scenarios, workloads and prompts as
// arguments (files still complete when no name matches), the --vary and
// --set aliases and fields, hardware profile names after
// cluster.profile=, and recall topics. -o values are registered with the
// flag itself (addOutputFlag).
func addCompletions(root *cobra.Command) {
	for _, c := range root.Commands() {
		switch c.Name() {
		case "run":
			c.ValidArgsFunction = complete(scenarios.Scenarios)
			_ = c.RegisterFlagCompletionFunc("vary", completeSetPath)
			_ = c.RegisterFlagCompletionFunc("set", completeSetPath)
		case "capacity":
			c.ValidArgsFunction = complete(scenarios.Workloads)
		case "validate":
			c.ValidArgsFunction = complete(func() []string { return append(scenarios.Scenarios(), scenarios.Workloads()...) })
			_ = c.RegisterFlagCompletionFunc("set", completeSetPath)
		case "interview":
			c.ValidArgsFunction = complete(interview.Names)
		case "recall":
			_ = c.RegisterFlagCompletionFunc("topic", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return recall.TopicNames(), cobra.ShellCompDirectiveNoFileComp
			})
		}
	}
}

// complete offers the names for a command's one argument; when none
// starts with what was typed, the shell completes file names instead.
func complete(names func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, n := range names() {
			if strings.HasPrefix(n, toComplete) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveDefault
	}
}

// completeSetPath offers "alias=" and "field=" for --set and --vary (no
// space after, the value comes next), and the profile names after
// "cluster.profile=".
func completeSetPath(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if v, ok := strings.CutPrefix(toComplete, "cluster.profile="); ok {
		var out []cobra.Completion
		for _, p := range scenarios.Profiles() {
			if strings.HasPrefix(p.Name, v) {
				out = append(out, "cluster.profile="+p.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	keys := append(slices.Sorted(maps.Keys(varyAliases)), "cluster.profile")
	keys = append(keys, scenarioFields()...)
	for _, k := range keys {
		if strings.HasPrefix(k, toComplete) {
			out = append(out, k+"=")
		}
	}
	return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}
