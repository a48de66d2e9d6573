package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
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

// ParseWorkload is LoadWorkload for bytes already read.
func ParseWorkload(source string, data []byte, sets []string) (*LoadedWorkload, error) {
	var w capacity.Workload
	root, err := DecodeStrict(source, data, &w)
	if err != nil {
		return nil, err
	}
	if err := applySets(&w, sets); err != nil {
		return nil, err
	}
	w = w.Defaults()
	w.Description = strings.TrimSpace(w.Description)
	if err := Located(source, root, w.Validate()); err != nil {
		return nil, err
	}
	return &LoadedWorkload{Workload: w, Source: source, Node: root}, nil
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
