package main

import (
	"mqsim/model"
	"mqsim/reports"
	"mqsim/scenarios"
)

// proveServices runs a service-graph scenario in full (its faults may come
// late, and a graph of a few services runs in a second or two) and
// summarises it in one line.
func proveServices(name string, s *scenarios.Scenario) (string, error) {
	res, err := model.Run(s, model.Options{})
	if err != nil {
		return "", err
	}
	return reports.ServicesProofLine(name, s, res, scenarios.Evaluate(s.Expect, res)), nil
}
