package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"mqsim/capacity"
)

//go:embed workloads/*.yaml
var workloadFS embed.FS

// DefaultWorkload is what `mqsim capacity` sizes with no argument.
const DefaultWorkload = "social-media"

// Workloads lists the names of the built-in workloads, sorted.
func Workloads() []string { return embeddedNames(workloadFS, "workloads") }

func embeddedNames(fsys fs.FS, dir string) []string {
	entries, _ := fs.ReadDir(fsys, dir)
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// LoadedWorkload is a workload with where it came from, for error messages.
type LoadedWorkload struct {
	capacity.Workload
	Source string // the file path or "workloads/NAME.yaml" for built-ins
	Node   *yaml.Node
}

// LoadWorkload loads a built-in workload by name, or a YAML file by path,
// applies --set overrides ("field=value"), fills defaults and validates.
// Every error is an *InputError (or several joined) naming file, line and field.
func LoadWorkload(nameOrPath string, sets []string) (*LoadedWorkload, error) {
	data, source, err := readNamed(workloadFS, "workloads", nameOrPath, Workloads())
	if err != nil {
		return nil, err
	}
	return ParseWorkload(source, data, sets)
}

// ParseWorkload is LoadWorkload for bytes already read. It reports every
// problem at once — unknown fields, values that do not parse, fields given
// as zero, --set errors and validation — each naming file, line and field.
func ParseWorkload(source string, data []byte, sets []string) (*LoadedWorkload, error) {
	// The shape checks (size, binary, syntax, depth, aliases, one mapping)
	// stop at the first problem: past one, nothing else can be read.
	var doc yaml.Node
	root, err := DecodeStrict(source, data, &doc)
	if err != nil {
		return nil, err
	}
	var w capacity.Workload
	var errs []error
	given := map[string]bool{}
	failed := map[string]bool{} // fields already reported, so validation does not repeat them
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!null" || k.Tag == "!!merge" {
			errs = append(errs, &InputError{File: source, Line: k.Line, Msg: fmt.Sprintf("%q is not a field name: a workload is a plain mapping of field: value", k.Value)})
			continue
		}
		if tag := workloadTag(k, v); tag != "" {
			errs = append(errs, &InputError{File: source, Line: k.Line, Field: k.Value,
				Msg: fmt.Sprintf("the YAML tag %s is not supported; write the value plainly", tag)})
			continue
		}
		f, ok := structField(reflect.TypeOf(w), k.Value)
		if !ok {
			errs = append(errs, &InputError{File: source, Line: k.Line, Field: k.Value,
				Msg: fmt.Sprintf("unknown field %q%s", k.Value, knownFieldsHint(&w, k.Value))})
			continue
		}
		if given[k.Value] {
			errs = append(errs, &InputError{File: source, Line: k.Line, Field: k.Value, Msg: "given twice; keep one"})
			continue
		}
		given[k.Value] = true
		if k.Value == "slo" {
			errs = append(errs, decodeSLO(source, root, &w, v, given, failed)...)
			continue
		}
		if err := v.Decode(reflect.ValueOf(&w).Elem().FieldByIndex(f.Index).Addr().Interface()); err != nil {
			failed[k.Value] = true
			errs = append(errs, fieldDecodeError(source, root, &w, k.Value, v, err))
		}
	}
	for _, s := range sets {
		field, value, ok := strings.Cut(s, "=")
		field = strings.TrimSpace(field)
		if !ok || field == "" {
			errs = append(errs, &InputError{File: "--set", Field: s, Msg: "expected field=value, e.g. retention=30d"})
			continue
		}
		if err := SetPath(&w, field, strings.TrimSpace(value)); err != nil {
			failed[field] = true
			errs = append(errs, err)
			continue
		}
		given[field] = true
		delete(failed, field) // --set replaces a bad value from the file
	}
	var checks []error
	if err := w.GivenZero(func(f string) bool { return given[f] && !failed[f] }); err != nil {
		checks = Errors(err)
	}
	w = w.Defaults()
	w.Description = strings.TrimSpace(w.Description)
	if err := w.Validate(); err != nil {
		for _, e := range Errors(err) {
			if fp, ok := e.(interface{ FieldPath() string }); ok && (failed[fp.FieldPath()] || zeroReported(checks, fp.FieldPath())) {
				continue
			}
			checks = append(checks, e)
		}
	}
	for _, e := range checks {
		errs = append(errs, Errors(Located(source, root, e))...)
	}
	if len(errs) > 0 {
		// In file order, the --set problems after the file's.
		sort.SliceStable(errs, func(i, j int) bool { return errOrder(errs[i]) < errOrder(errs[j]) })
		return nil, errors.Join(errs...)
	}
	return &LoadedWorkload{Workload: w, Source: source, Node: root}, nil
}

// workloadTag returns the first tag among nodes that plain YAML would not
// give a scalar (a custom !foo or !!python/object), or "".
func workloadTag(nodes ...*yaml.Node) string {
	for _, n := range nodes {
		switch n.Tag {
		case "", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!seq", "!!map":
		default:
			return n.Tag
		}
	}
	return ""
}

// errOrder sorts a file's errors by line, --set errors last.
func errOrder(err error) int {
	var ie *InputError
	if !errors.As(err, &ie) {
		return math.MaxInt
	}
	if ie.File == "--set" {
		return math.MaxInt - 1
	}
	return ie.Line
}

// zeroReported reports whether field already has a "given as zero" error.
func zeroReported(errs []error, field string) bool {
	for _, e := range errs {
		if fp, ok := e.(interface{ FieldPath() string }); ok && fp.FieldPath() == field {
			return true
		}
	}
	return false
}

// fieldDecodeError turns the error from decoding one field's value into an
// *InputError on that field's line.
func fieldDecodeError(source string, root *yaml.Node, v any, field string, n *yaml.Node, err error) error {
	var ie *InputError
	if errors.As(decodeError(source, root, v, err), &ie) {
		ie.Field = field
		if ie.Line == 0 {
			ie.Line = n.Line
		}
		return ie
	}
	return &InputError{File: source, Line: n.Line, Field: field, Msg: err.Error()}
}

func applySets(v any, sets []string) error {
	for _, s := range sets {
		field, value, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(field) == "" {
			return &InputError{File: "--set", Field: s, Msg: "expected field=value, e.g. retention=30d"}
		}
		if err := SetPath(v, strings.TrimSpace(field), strings.TrimSpace(value)); err != nil {
			return err
		}
	}
	return nil
}

// readNamed reads a built-in file by name, or a file from disk by path. A
// name with no path separator and no .yaml suffix is looked up among the
// built-ins first.
func readNamed(fsys embed.FS, dir, nameOrPath string, builtins []string) ([]byte, string, error) {
	isName := !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".yaml") && !strings.HasSuffix(nameOrPath, ".yml")
	if isName {
		p := path.Join(dir, nameOrPath+".yaml")
		data, err := fsys.ReadFile(p)
		if err == nil {
			return data, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
		if _, statErr := ReadFile(nameOrPath); statErr != nil {
			return nil, "", &InputError{File: nameOrPath, Msg: fmt.Sprintf("no built-in %s by that name and no such file%s%s",
				strings.TrimSuffix(dir, "s"), DidYouMean(nameOrPath, builtins), NameList("built-in "+dir, builtins))}
		}
	}
	data, err := ReadFile(nameOrPath)
	if err != nil {
		return nil, "", err
	}
	return data, nameOrPath, nil
}

// decodeSLO reads the workload's slo mapping field by field, as strictly
// as the top level: an unknown or repeated key, or a value that does not
// parse, is an error naming slo.<key> and its line.
func decodeSLO(source string, root *yaml.Node, w *capacity.Workload, v *yaml.Node, given, failed map[string]bool) []error {
	if v.Kind != yaml.MappingNode {
		failed["slo"] = true
		return []error{&InputError{File: source, Line: v.Line, Field: "slo",
			Msg: "want a mapping such as {p99_e2e: 50ms, max_lag: 10s}"}}
	}
	var errs []error
	t := reflect.TypeOf(w.SLO)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		field := "slo." + k.Value
		f, ok := structField(t, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode || !ok:
			errs = append(errs, &InputError{File: source, Line: k.Line, Field: field,
				Msg: fmt.Sprintf("unknown field %q (known fields: %s)", k.Value, strings.Join(yamlFieldNames(t), ", "))})
			continue
		case given[field]:
			errs = append(errs, &InputError{File: source, Line: k.Line, Field: field, Msg: "given twice; keep one"})
			continue
		case workloadTag(val) != "":
			errs = append(errs, &InputError{File: source, Line: k.Line, Field: field,
				Msg: fmt.Sprintf("the YAML tag %s is not supported; write the value plainly", workloadTag(val))})
			continue
		}
		given[field] = true
		if err := val.Decode(reflect.ValueOf(&w.SLO).Elem().FieldByIndex(f.Index).Addr().Interface()); err != nil {
			failed[field] = true
			errs = append(errs, fieldDecodeError(source, root, &w.SLO, field, val, err))
		}
	}
	return errs
}
