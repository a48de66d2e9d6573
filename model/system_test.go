package model

import (
	"strings"
	"testing"

	"mqsim/scenarios"
)

// TestRunWithoutSystem: this package's tests link no system in, so Run
// must refuse with an error naming the missing system rather than return
// empty Results.
func TestRunWithoutSystem(t *testing.T) {
	if len(Systems()) != 0 {
		t.Fatalf("systems registered in package model's own tests: %v", Systems())
	}
	res, err := Run(&scenarios.Scenario{Name: "x"}, Options{})
	if err == nil || res != nil {
		t.Fatalf("Run without a system = %v, %v; want an error", res, err)
	}
	if !strings.Contains(err.Error(), `"kafka"`) || !strings.Contains(err.Error(), "mqsim/model/systems") {
		t.Errorf("error %q should name the system and the package that links it", err)
	}
}

// TestRunDispatches: Run hands the scenario to the default system's
// RunFunc and returns what it returns; a kind registered twice panics.
func TestRunDispatches(t *testing.T) {
	var got *scenarios.Scenario
	Register(DefaultSystem, func(sc *scenarios.Scenario, _ Options) (*Results, error) {
		got = sc
		return &Results{Scenario: sc.Name}, nil
	})
	defer delete(systems, DefaultSystem)
	sc := &scenarios.Scenario{Name: "x"}
	res, err := Run(sc, Options{})
	if err != nil || got != sc || res.Scenario != "x" {
		t.Fatalf("Run = %+v, %v; the system saw %p, want %p", res, err, got, sc)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a kind twice did not panic")
		}
	}()
	Register(DefaultSystem, func(*scenarios.Scenario, Options) (*Results, error) { return nil, nil })
}
