// Package fieldeffect checks, for a system's tests, that every setting of
// its scenario section acts: each leaf field (found by reflection, so a
// new one cannot be forgotten) has a pair of runs — a built-in scenario,
// and the same with one more --set — that give different results, or is
// set aside with the reason (a name, or the behaviour test that shows it).
package fieldeffect

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// Base is a built-in scenario (or, with Text, a scenario written in the
// test, Name being its file name) and the --set overrides a pair starts
// from.
type Base struct {
	Name string
	Text string
	Sets []string
}

// Pair is one field's pair of runs: Base, then Base with Set as well.
type Pair struct {
	Base Base
	Set  string
}

// Spec is one section's fields and how each is shown to act.
type Spec struct {
	Sections map[string]reflect.Type // YAML prefix → section type, e.g. "sqs" → scenarios.SQS
	Pairs    map[string]Pair         // field path → its pair of runs
	Aside    map[string]string       // field path → why it has no pair here
	Run      func(*scenarios.Scenario, model.Options) (*model.Results, error)
	// Key is the part of the results a pair compares; nil compares them
	// all.
	Key func(*model.Results) (string, error)
	// Always runs the pairs in every go test; otherwise only with
	// MQSIM_FIELD_EFFECTS=1 (and never with -short).
	Always bool
}

// Fields lists the leaf fields of a section type by YAML path under
// prefix, sorted: a slice or pointer counts as its element, a struct of
// package scenarios as its YAML fields (one with none, such as a
// distribution that parses itself, is a leaf).
func Fields(section reflect.Type, prefix string) []string {
	var out []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		var tagged []int
		if t.Kind() == reflect.Struct && t.PkgPath() == "mqsim/scenarios" {
			for i := range t.NumField() {
				if tag := yamlName(t.Field(i)); tag != "" && tag != "-" {
					tagged = append(tagged, i)
				}
			}
		}
		if len(tagged) == 0 { // a value, or a type that parses itself (a distribution)
			out = append(out, path)
			return
		}
		for _, i := range tagged {
			walk(t.Field(i).Type, path+"."+yamlName(t.Field(i)))
		}
	}
	walk(section, prefix)
	slices.Sort(out)
	return out
}

func yamlName(f reflect.StructField) string { return strings.Split(f.Tag.Get("yaml"), ",")[0] }

// T is the part of *testing.T that Check uses.
type T interface {
	Helper()
	Errorf(format string, args ...any)
}

// Check fails t for a field with neither a pair nor a reason, for a pair
// or reason naming no field, and (when the pairs run) for a pair whose
// two runs give the same results.
func Check(t T, s Spec) {
	t.Helper()
	runPairs := (s.Always || os.Getenv("MQSIM_FIELD_EFFECTS") == "1") && !testing.Short()
	memo := map[string]string{}
	runOf := func(b Base, sets []string) (string, error) {
		key := b.Name + b.Text + fmt.Sprint(sets)
		if out, ok := memo[key]; ok {
			return out, nil
		}
		var ls *scenarios.LoadedScenario
		var err error
		if b.Text != "" {
			ls, err = scenarios.ParseScenario(b.Name, []byte(b.Text), sets)
		} else {
			ls, err = scenarios.LoadScenario(b.Name, sets)
		}
		if err != nil {
			return "", err
		}
		r, err := s.Run(&ls.Scenario, model.Options{})
		if err != nil {
			return "", err
		}
		out := fmt.Sprintf("%+v", *r)
		if s.Key != nil {
			if out, err = s.Key(r); err != nil {
				return "", err
			}
		}
		memo[key] = out
		return out, nil
	}
	var fields []string
	for prefix, typ := range s.Sections {
		fields = append(fields, Fields(typ, prefix)...)
	}
	slices.Sort(fields)
	for _, f := range fields {
		if _, ok := s.Aside[f]; ok {
			continue
		}
		p, ok := s.Pairs[f]
		if !ok {
			t.Errorf("%s: a setting with no pair of runs showing its effect", f)
			continue
		}
		if !runPairs {
			continue
		}
		base, err := runOf(p.Base, p.Base.Sets)
		if err != nil {
			t.Errorf("%s: %s %v: %v", f, p.Base.Name, p.Base.Sets, err)
			continue
		}
		got, err := runOf(p.Base, append(slices.Clone(p.Base.Sets), p.Set))
		if err != nil {
			t.Errorf("%s: %s with --set %s: %v", f, p.Base.Name, p.Set, err)
			continue
		}
		if got == base {
			t.Errorf("%s: %s with --set %s gives the same results as without: the setting is ignored", f, p.Base.Name, p.Set)
		}
	}
	for f := range s.Pairs {
		if !slices.Contains(fields, f) {
			t.Errorf("a pair names %s, not a field of the schema", f)
		}
	}
	for f := range s.Aside {
		if !slices.Contains(fields, f) {
			t.Errorf("a reason names %s, not a field of the schema", f)
		}
	}
}

// Union joins maps of reasons, for a section that keeps several kinds.
func Union(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// On is a pair's base: a built-in scenario with the given --set overrides.
func On(name string, sets ...string) Base { return Base{Name: name, Sets: sets} }

// Inline is a pair's base written in the test: YAML text named file.
func Inline(file, text string, sets ...string) Base { return Base{Name: file, Text: text, Sets: sets} }

// With is the pair of runs b, and b with set as well.
func (b Base) With(set string) Pair { return Pair{Base: b, Set: set} }
