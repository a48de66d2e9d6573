package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"mqsim/model"
	"mqsim/scenarios"
)

// SchemaVersion is the version of the results.json layout. It grows when a
// key changes meaning or goes away (new keys alone do not change it); a
// file of a newer version is refused rather than misread.
const SchemaVersion = 1

// A saved run (results.json) is the document `mqsim run --output json`
// prints, plus what it takes to reproduce and compare the run: the scenario
// as resolved (every default filled in, so its seed is there too), the
// command line, the variant's label, the schema version and the version of
// the tool that wrote it.
type savedRun struct {
	SchemaVersion int    `json:"schema_version"`
	ToolVersion   string `json:"tool_version"`
	*Run
	Variant  string              `json:"variant,omitempty"`
	Command  string              `json:"command"`
	Resolved *scenarios.Scenario `json:"resolved_scenario"`
}

// savedDoc is savedRun as it decodes.
type savedDoc struct {
	SchemaVersion *int `json:"schema_version"`
	model.Results
	WallSeconds  float64             `json:"wall_seconds"`
	Expectations []scenarios.Verdict `json:"expectations"`
	Variant      string              `json:"variant"`
	Resolved     json.RawMessage     `json:"resolved_scenario"`
}

// ReleaseVersion, when set (by the command, from a version stamped in at
// link time), is the tool version results.json records.
var ReleaseVersion string

// ToolVersion is the version of this program: ReleaseVersion, or as its
// build recorded it, the module version (or "devel") and, when built from
// a checkout, the VCS revision, marked "+dirty" for uncommitted changes.
func ToolVersion() string {
	if ReleaseVersion != "" {
		return ReleaseVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v
}

// SavedJSON encodes a run as results.json. The run must carry its resolved
// scenario.
func SavedJSON(r *Run) ([]byte, error) {
	if r.Scenario == nil {
		return nil, errors.New("results.json: the run has no resolved scenario")
	}
	var b bytes.Buffer
	doc := savedRun{SchemaVersion: SchemaVersion, ToolVersion: ToolVersion(), Run: r, Variant: r.Label, Command: r.Command, Resolved: r.Scenario}
	if err := JSON(&b, doc); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return b.Bytes(), nil
}

// ParseSaved decodes a results.json: the run, and its resolved scenario
// ready to run again (validated as a scenario file would be). source names
// the file in errors, which are *scenarios.InputError for a document that
// is not a saved run or is of a newer schema.
//
// The file's own command line is never trusted (the file may have been
// edited): the run's Command is rebuilt as the replay of source.
func ParseSaved(source string, data []byte) (*Run, *scenarios.LoadedScenario, error) {
	var doc savedDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, &scenarios.InputError{File: source, Msg: fmt.Sprintf("not a saved run (results.json): %v", err)}
	}
	if v := doc.SchemaVersion; v != nil && (*v < 0 || *v > SchemaVersion) {
		return nil, nil, &scenarios.InputError{File: source, Field: "schema_version",
			Msg: fmt.Sprintf("%d: this file was written by a newer mqsim (this one reads schema versions up to %d); use that version, or re-run the scenario", *v, SchemaVersion)}
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
		Scenario: &ls.Scenario, Command: "mqsim run --replay " + ShellQuote(source), Label: doc.Variant, saved: data}
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

// replayIgnored are the keys of a results.json that say how a run was made
// or labelled, not what it found.
var replayIgnored = map[string]bool{"wall_seconds": true, "command": true, "variant": true, "schema_version": true, "tool_version": true}

// ReplayDiff compares a replayed run with the saved run it replays: every
// key the saved file holds — results, expectations with their verdicts,
// the resolved scenario — against the replay's own results.json. It
// returns the paths that differ ("retries", "expectations[1].pass"), in
// order; none means identical. saved must come from ParseSaved.
func ReplayDiff(saved, got *Run) ([]string, error) {
	if saved.saved == nil {
		return nil, errors.New("replay: the saved run was not read from a file")
	}
	mine, err := SavedJSON(got)
	if err != nil {
		return nil, err
	}
	var a, b map[string]any
	if err := decodeNumbers(saved.saved, &a); err != nil {
		return nil, err
	}
	if err := decodeNumbers(mine, &b); err != nil {
		return nil, err
	}
	for k := range replayIgnored {
		delete(a, k)
		delete(b, k)
	}
	var diffs []string
	diffJSON("", a, b, &diffs)
	return diffs, nil
}

func decodeNumbers(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

// diffJSON appends the paths under which a and b (decoded JSON) differ.
// Lists of equal length are compared element by element; a list of
// another length, or values of different kinds, differ as a whole.
func diffJSON(path string, a, b any, out *[]string) {
	const most = 20
	if len(*out) >= most {
		return
	}
	key := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, path)
			return
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			x, inA := av[k]
			y, inB := bv[k]
			if inA != inB {
				*out = append(*out, key(k))
				continue
			}
			diffJSON(key(k), x, y, out)
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			*out = append(*out, path)
			return
		}
		for i := range av {
			diffJSON(path+"["+strconv.Itoa(i)+"]", av[i], bv[i], out)
		}
	default:
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, path)
		}
	}
}

// ShellQuote quotes s for a POSIX shell when it holds anything but plain
// word characters.
func ShellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		plain = plain && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
