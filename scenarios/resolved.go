package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A resolved scenario (every default filled in) travels as JSON inside a
// saved run's results.json, so the run can be replayed from it. The unit
// types decode the numbers they encode (see units/json.go); the two
// distribution types encode as their spec string and decode it here.

// UnmarshalText parses a distribution spec, the form MarshalText writes.
func (d *TimeDist) UnmarshalText(b []byte) error {
	v, err := ParseTimeDist(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalText parses a size distribution spec, the form MarshalText writes.
func (d *SizeDist) UnmarshalText(b []byte) error {
	v, err := ParseSizeDist(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseResolved reads a scenario in its JSON form (as a saved run stores
// it), rejecting unknown fields, then fills any missing defaults and
// validates it, exactly as LoadScenario does for YAML. Errors are
// *InputErrors naming source.
func ParseResolved(source string, data []byte) (*LoadedScenario, error) {
	var s Scenario
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, &InputError{File: source, Msg: fmt.Sprintf("not a resolved scenario: %v", err)}
	}
	s.Defaults()
	if err := Located(source, nil, s.Validate()); err != nil {
		return nil, err
	}
	return &LoadedScenario{Scenario: s, Source: source}, nil
}
