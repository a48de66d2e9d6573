package scenarios

import (
	"bytes"
	"embed"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// DefaultScenario is what `mqsim run` plays with no argument.
const DefaultScenario = "baseline"

// Scenarios lists the names of the built-in scenarios, sorted.
func Scenarios() []string { return embeddedNames(builtinFS, "builtin") }

// LoadedScenario is a validated scenario with where it came from.
type LoadedScenario struct {
	Scenario
	Source string // the file path, or "builtin/NAME.yaml"
	Node   *yaml.Node
}

// LoadScenario loads a built-in scenario by name, or a YAML file by path,
// applies --set overrides ("path=value", "producers.*.acks=1"), fills
// defaults and validates. Every error is an *InputError (or several,
// joined) naming the file, line and field.
func LoadScenario(nameOrPath string, sets []string) (*LoadedScenario, error) {
	if isBareName(nameOrPath) && !slices.Contains(Scenarios(), nameOrPath) {
		if _, err := ReadFile(nameOrPath); err != nil {
			return nil, &InputError{File: nameOrPath, Msg: "no built-in scenario by that name and no such file" +
				DidYouMean(nameOrPath, Scenarios()) + NameList("built-in scenarios (see 'mqsim scenarios')", Scenarios())}
		}
	}
	data, source, err := readNamed(builtinFS, "builtin", nameOrPath, Scenarios())
	if err != nil {
		return nil, err
	}
	return ParseScenario(source, data, sets)
}

// isBareName reports whether s names a built-in rather than a path, as
// readNamed decides it.
func isBareName(s string) bool {
	return !strings.ContainsAny(s, `/\`) && !strings.HasSuffix(s, ".yaml") && !strings.HasSuffix(s, ".yml")
}

// ParseScenario is LoadScenario for bytes already read.
func ParseScenario(source string, data []byte, sets []string) (*LoadedScenario, error) {
	var s Scenario
	root, err := DecodeStrict(source, data, &s)
	if err != nil {
		return nil, err
	}
	if err := applySets(&s, sets); err != nil {
		return nil, err
	}
	s.Description = strings.TrimSpace(s.Description)
	s.Defaults()
	if err := Located(source, root, s.Validate()); err != nil {
		return nil, locateExpectKeys(root, err)
	}
	return &LoadedScenario{Scenario: s, Source: source, Node: root}, nil
}

// locateExpectKeys puts errors about expect keys that contain dots
// (group.<name>.<key>) on their own line, which a dotted field path cannot
// address.
func locateExpectKeys(root *yaml.Node, err error) error {
	for _, e := range Errors(err) {
		ie, ok := e.(*InputError)
		if !ok {
			continue
		}
		key, ok := strings.CutPrefix(ie.Field, "expect.")
		if !ok || !strings.Contains(key, ".") {
			continue
		}
		doc := root
		if doc != nil && doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
			doc = doc.Content[0]
		}
		for i := 0; doc != nil && i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value != "expect" {
				continue
			}
			m := doc.Content[i+1]
			for j := 0; j+1 < len(m.Content); j += 2 {
				if m.Content[j].Value == key {
					ie.Line = m.Content[j].Line
				}
			}
		}
	}
	return err
}

// Kinds of input file, as told apart by Detect.
const (
	KindScenario = "scenario"
	KindWorkload = "workload"
)

// scenarioOnly and workloadOnly are top-level fields that only one of the
// two schemas has.
var (
	scenarioOnly = []string{"topics", "producers", "consumer_groups", "cluster", "expect", "duration", "seed", "warmup", "drain", "sample_interval"}
	workloadOnly = []string{"users", "events_per_user_per_day", "messages_per_day", "messages_per_sec", "peak_factor", "message_size",
		"retention", "replication_factor", "disk_per_broker", "partition_throughput", "consumer_throughput", "headroom"}
)

// Detect tells a scenario file from a capacity workload by its top-level
// fields, or returns an *InputError when it is neither. It reads the YAML
// loosely; loading it afterwards checks it strictly.
func Detect(source string, data []byte) (string, error) {
	var top map[string]yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&top); err != nil || len(top) == 0 {
		// Let the strict loader produce its precise message.
		var s Scenario
		if _, err := DecodeStrict(source, data, &s); err != nil {
			return "", err
		}
		return "", &InputError{File: source, Msg: "empty: expected a scenario or a workload"}
	}
	score := func(fields []string) int {
		n := 0
		for _, f := range fields {
			if _, ok := top[f]; ok {
				n++
			}
		}
		return n
	}
	sc, wl := score(scenarioOnly), score(workloadOnly)
	switch {
	case sc > wl:
		return KindScenario, nil
	case wl > sc:
		return KindWorkload, nil
	}
	return "", &InputError{File: source, Line: 1, Msg: "cannot tell whether this is a scenario (topics, producers, consumer_groups…) or a capacity workload (users, messages_per_sec, retention…)"}
}
