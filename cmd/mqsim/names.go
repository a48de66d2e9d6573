package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"mqsim/reports"
	"mqsim/scenarios"
)

// checkKind catches the wrong kind of input before loading it strictly:
// a capacity workload given to run (by built-in name or by file), or a
// scenario given to capacity, with the command that takes it. Anything
// else, including files that cannot be read or told apart, is left to the
// loader, whose messages are precise.
func checkKind(want, nameOrPath string) error {
	cmdFor := map[string]string{scenarios.KindScenario: "run", scenarios.KindWorkload: "capacity"}
	noun := map[string]string{scenarios.KindScenario: "scenario", scenarios.KindWorkload: "capacity workload"}
	other := scenarios.KindWorkload
	if want == scenarios.KindWorkload {
		other = scenarios.KindScenario
	}
	verb := map[string]string{"run": "simulate", "capacity": "size"}[cmdFor[other]]
	wrong := func(what, builtin string) error {
		msg := fmt.Sprintf("%s is a %s%s, not a %s: %s it with 'mqsim %s %s'", what, builtin, noun[other], noun[want],
			verb, cmdFor[other], reports.ShellQuote(nameOrPath))
		if builtin != "" {
			if near := scenarios.Suggest(nameOrPath, builtinNames(want)); len(near) > 0 {
				msg += fmt.Sprintf("; or did you mean 'mqsim %s %s'?", cmdFor[want], near[0])
			}
		}
		return badInput(errors.New(msg))
	}
	if bareName(nameOrPath) {
		if slices.Contains(builtinNames(want), nameOrPath) {
			return nil
		}
		if _, err := os.Stat(nameOrPath); err != nil && slices.Contains(builtinNames(other), nameOrPath) {
			return wrong(nameOrPath, "built-in ")
		}
		return nil
	}
	data, err := scenarios.ReadFile(nameOrPath)
	if err != nil {
		return nil
	}
	if kind, err := scenarios.Detect(nameOrPath, data); err == nil && kind == other {
		return wrong(nameOrPath, "")
	}
	return nil
}

// bareName reports whether s names a built-in rather than a path, as the
// loaders decide it.
func bareName(s string) bool {
	return !strings.ContainsAny(s, `/\`) && !strings.HasSuffix(s, ".yaml") && !strings.HasSuffix(s, ".yml")
}

func builtinNames(kind string) []string {
	if kind == scenarios.KindWorkload {
		return scenarios.Workloads()
	}
	return scenarios.Scenarios()
}

// unknownBuiltin is the error for a bare name that is neither a built-in
// scenario or workload nor a file: the nearest names, then both lists.
func unknownBuiltin(name string) error {
	all := append(scenarios.Scenarios(), scenarios.Workloads()...)
	return &scenarios.InputError{File: name, Msg: "no built-in scenario or workload by that name and no such file" +
		scenarios.DidYouMean(name, all) + scenarios.NameList("built-in scenarios", scenarios.Scenarios()) +
		scenarios.NameList("built-in workloads", scenarios.Workloads())}
}
