package kafka

import (
	"slices"
	"testing"

	"mqsim/scenarios"
)

// Every fault type a scenario may list is implemented by the model, and the
// model implements nothing a scenario cannot ask for.
func TestFaultTypesAgree(t *testing.T) {
	if got, want := FaultTypes(), scenarios.FaultTypeNames(); !slices.Equal(got, want) {
		t.Errorf("model implements %v; scenarios accept %v", got, want)
	}
}
