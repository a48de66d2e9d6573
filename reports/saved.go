package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"mqsim/model"
	"mqsim/scenarios"
)

// A saved run (results.json) is the document `mqsim run --output json`
// prints, plus what it takes to reproduce and compare the run: the scenario
// as resolved (every default filled in, so its seed is there too), the
// command line, and the variant's label.
type savedRun struct {
	*Run
	Variant  string              `json:"variant,omitempty"`
	Command  string              `json:"command"`
	Resolved *scenarios.Scenario `json:"resolved_scenario"`
}

// savedDoc is savedRun as it decodes.
type savedDoc struct {
	model.Results
	WallSeconds  float64             `json:"wall_seconds"`
	Expectations []scenarios.Verdict `json:"expectations"`
	Variant      string              `json:"variant"`
	Command      string              `json:"command"`
	Resolved     json.RawMessage     `json:"resolved_scenario"`
}

// SavedJSON encodes a run as results.json. The run must carry its resolved
// scenario.
func SavedJSON(r *Run) ([]byte, error) {
	if r.Scenario == nil {
		return nil, errors.New("results.json: the run has no resolved scenario")
	}
	var b bytes.Buffer
	if err := JSON(&b, savedRun{Run: r, Variant: r.Label, Command: r.Command, Resolved: r.Scenario}); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return b.Bytes(), nil
}

// ParseSaved decodes a results.json: the run, and its resolved scenario
// ready to run again (validated as a scenario file would be). source names
// the file in errors, which are *scenarios.InputError for a document that
// is not a saved run.
func ParseSaved(source string, data []byte) (*Run, *scenarios.LoadedScenario, error) {
	var doc savedDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, &scenarios.InputError{File: source, Msg: fmt.Sprintf("not a saved run (results.json): %v", err)}
	}
	if len(doc.Resolved) == 0 || string(doc.Resolved) == "null" {
		return nil, nil, &scenarios.InputError{File: source, Field: "resolved_scenario",
			Msg: "missing: this is not a results.json written by 'mqsim run --out' (the --output json summary alone cannot be replayed)"}
	}
	ls, err := scenarios.ParseResolved(source, doc.Resolved)
	if err != nil {
		return nil, nil, err
	}
	res := doc.Results
	run := &Run{Results: &res, WallSeconds: doc.WallSeconds, Expectations: doc.Expectations,
		Scenario: &ls.Scenario, Command: doc.Command, Label: doc.Variant}
	return run, ls, nil
}

// LoadSaved reads a results.json file (see ParseSaved).
func LoadSaved(path string) (*Run, *scenarios.LoadedScenario, error) {
	data, err := scenarios.ReadInput(path, scenarios.MaxJSONSize, "a saved run (results.json)")
	if err != nil {
		return nil, nil, err
	}
	run, ls, err := ParseSaved(path, data)
	return run, ls, scenarios.LocateJSON(data, err)
}

// RunsJSON writes several runs (variants) as a JSON list: each element is
// the run's --output json document with its "variant" label.
func RunsJSON(w io.Writer, runs []*Run) error {
	type labelled struct {
		Variant string `json:"variant"`
		*Run
	}
	list := make([]labelled, len(runs))
	for i, r := range runs {
		list[i] = labelled{Variant: r.Label, Run: r}
	}
	return JSON(w, list)
}
