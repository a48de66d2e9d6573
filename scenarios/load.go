package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
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
	// MaxRate marks a benchmark workload with producerRate 0: run it at
	// the highest rate it sustains, found by search (its producers' rates
	// are only shares of the total).
	MaxRate bool
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

// ParseScenario is LoadScenario for bytes already read. Every problem is
// reported in one go: YAML and unit errors, --set errors, values the
// defaults would silently replace, and every validation rule.
func ParseScenario(source string, data []byte, sets []string) (*LoadedScenario, error) {
	var s Scenario
	root, explicit, bad, err := decodeChecked(source, data, &s)
	if root == nil {
		return nil, err
	}
	errs := Errors(err)
	if err == nil {
		errs = nil
	}
	for _, set := range sets {
		field, value, ok := strings.Cut(set, "=")
		if !ok || strings.TrimSpace(field) == "" {
			errs = append(errs, &InputError{File: "--set", Field: set, Msg: "expected field=value, e.g. producers.*.acks=1"})
			continue
		}
		if err := setPathExplicit(&s, strings.TrimSpace(field), strings.TrimSpace(value), explicit); err != nil {
			errs = append(errs, err)
		}
	}
	s.Description = strings.TrimSpace(s.Description)
	s.systemSet = setsSystem(sets) // rabbitmq.go
	before := snapshot(&s, explicit)
	s.Defaults()
	rules := append(replacedByDefaults(&s, before), Errors(s.Validate())...)
	rules = append(rules, s.checkForeignFields(explicit)...) // systemfields.go
	if vErr := Located(source, root, dropReported(rules, bad)); vErr != nil {
		errs = append(errs, Errors(locateExpectKeys(root, vErr))...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(capErrors(errs)...)
	}
	return &LoadedScenario{Scenario: s, Source: source, Node: root}, nil
}

// MaxErrors is how many problems one file reports; past it the rest are
// counted, so a file of thousands of mistakes does not flood the terminal.
const MaxErrors = 100

func capErrors(errs []error) []error {
	if len(errs) <= MaxErrors {
		return errs
	}
	rest := &InputError{File: "--set", Msg: fmt.Sprintf("and %d more problems: fix these first", len(errs)-MaxErrors)}
	var ie *InputError
	if errors.As(errs[MaxErrors], &ie) {
		rest.File, rest.Line = ie.File, ie.Line
	}
	return append(errs[:MaxErrors:MaxErrors], rest)
}

// dropReported removes validation errors about fields already reported as
// unparseable (their value was discarded, so "missing" would mislead).
func dropReported(errs []error, bad map[string]bool) error {
	var out []error
	for _, e := range errs {
		if e == nil {
			continue
		}
		var fe *FieldError
		if errors.As(e, &fe) && bad[fe.Field] {
			continue
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

// snapshot copies the value of every explicitly set field, before Defaults.
func snapshot(s *Scenario, explicit map[string]bool) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	for path := range explicit {
		v, ok := valueAt(reflect.ValueOf(s).Elem(), path)
		if !ok {
			continue
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		out[path] = c
	}
	return out
}

// replacedByDefaults reports every explicitly given value that Defaults
// replaced: a zero or empty value the user wrote (brokers: 0, acks: "")
// would otherwise run as the default without a word.
func replacedByDefaults(s *Scenario, before map[string]reflect.Value) []error {
	paths := make([]string, 0, len(before))
	for p := range before {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var errs []error
	for _, p := range paths {
		old := before[p]
		now, ok := valueAt(reflect.ValueOf(s).Elem(), p)
		if !ok || reflect.DeepEqual(old.Interface(), now.Interface()) {
			continue
		}
		if strings.HasSuffix(p, ".acks") && old.String() == "-1" {
			continue // Kafka's synonym for all
		}
		errs = append(errs, &FieldError{Field: p, Msg: fmt.Sprintf("%s is not a value here: an empty or zero field means the default (%s); give a value, or leave the field out",
			showValue(old), showValue(now))})
	}
	return errs
}

func showValue(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "null"
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.String {
		if v.String() == "" {
			return `""`
		}
		return v.String()
	}
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok && z.IsZero() {
		return "empty"
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(v.Interface())
}

// valueAt finds the field at a path such as "producers[0].acks".
func valueAt(v reflect.Value, path string) (reflect.Value, bool) {
	for _, seg := range splitPath(path) {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Struct:
			f, ok := structField(v.Type(), seg)
			if !ok {
				return reflect.Value{}, false
			}
			v = v.FieldByIndex(f.Index)
		case reflect.Slice:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= v.Len() {
				return reflect.Value{}, false
			}
			v = v.Index(i)
		default:
			return reflect.Value{}, false
		}
	}
	return v, true
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
	// Hostile shapes (too deep, alias bombs) and syntax errors first.
	if _, err := parseDocument(source, data); err != nil {
		return "", err
	}
	var top map[string]yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&top); err != nil || len(top) == 0 {
		// Let the strict loader produce its precise message.
		var s Scenario
		if _, err := DecodeStrict(source, data, &s); err != nil {
			return "", err
		}
		return "", &InputError{File: source, Line: 1, Msg: "empty: expected a scenario or a workload"}
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
