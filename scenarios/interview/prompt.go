package interview

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"mqsim/capacity"
	"mqsim/scenarios"
)

//go:embed prompts/*.yaml
var promptFS embed.FS

// Expect is the rubric for one decision: the answer the seed's reasoning
// leads to, and why, for this prompt.
type Expect struct {
	Answer  string   `yaml:"answer" json:"answer"`
	Accept  []string `yaml:"accept" json:"accept,omitempty"`   // also full marks
	Partial []string `yaml:"partial" json:"partial,omitempty"` // half marks: defensible, not best
	Options []string `yaml:"options" json:"options,omitempty"` // partition_key only: the choices offered
	Why     string   `yaml:"why" json:"why"`
}

// Rubric holds the expected decisions of a prompt, one per entry of Decisions.
type Rubric struct {
	Communication Expect `yaml:"communication"`
	Model         Expect `yaml:"model"`
	Delivery      Expect `yaml:"delivery"`
	Idempotency   Expect `yaml:"idempotency"`
	System        Expect `yaml:"system"`
	Ordering      Expect `yaml:"ordering"`
	PartitionKey  Expect `yaml:"partition_key"`
	Failure       Expect `yaml:"failure"`
	Backpressure  Expect `yaml:"backpressure"`
}

// Get returns the expectation for a decision ID, or nil.
func (r *Rubric) Get(id string) *Expect {
	switch id {
	case "communication":
		return &r.Communication
	case "model":
		return &r.Model
	case "delivery":
		return &r.Delivery
	case "idempotency":
		return &r.Idempotency
	case "system":
		return &r.System
	case "ordering":
		return &r.Ordering
	case "partition_key":
		return &r.PartitionKey
	case "failure":
		return &r.Failure
	case "backpressure":
		return &r.Backpressure
	}
	return nil
}

// Prompt is one design question of the bank. Its numbers are never written
// in the file: the workload is sized by capacity.Compute when it loads.
type Prompt struct {
	Name   string `yaml:"name"`
	Title  string `yaml:"title"`
	Brief  string `yaml:"brief"`  // the question as an interviewer states it
	Entity string `yaml:"entity"` // what one partition key stands for, e.g. "user"

	// Exactly one of these gives the traffic.
	BuiltinWorkload string             `yaml:"builtin_workload"` // a built-in workload's name
	Workload        *capacity.Workload `yaml:"workload"`

	Rubric    Rubric   `yaml:"rubric"`
	FollowUps []string `yaml:"follow_ups"`

	// Resolved when loaded.
	Source string         `yaml:"-"` // file path, or "prompts/NAME.yaml" for the bank
	Plan   *capacity.Plan `yaml:"-"` // the sizing every number is graded against
}

// Choices returns the options offered for a decision of this prompt.
func (p *Prompt) Choices(id string) []Choice {
	if id == "partition_key" {
		out := make([]Choice, len(p.Rubric.PartitionKey.Options))
		for i, o := range p.Rubric.PartitionKey.Options {
			label := o
			if o == "none" {
				label = "none: no key, spread messages evenly"
			}
			out[i] = Choice{Key: o, Label: label}
		}
		return out
	}
	d, _ := decision(id)
	return d.Choices
}

// Names lists the prompts of the bank, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(promptFS, "prompts")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Bank loads every prompt of the bank, in name order.
func Bank() ([]*Prompt, error) {
	var out []*Prompt
	for _, n := range Names() {
		p, err := Load(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Load loads a prompt of the bank by name, or a prompt file by path. Every
// error is a *scenarios.InputError (or several joined) naming the file,
// line and field.
func Load(nameOrPath string) (*Prompt, error) {
	isName := !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".yaml") && !strings.HasSuffix(nameOrPath, ".yml")
	isName = isName && nameOrPath != "-" // standard input
	if isName {
		src := path.Join("prompts", nameOrPath+".yaml")
		data, err := promptFS.ReadFile(src)
		if err == nil {
			return Parse(src, data)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &scenarios.InputError{File: nameOrPath, Msg: "no such prompt" + scenarios.DidYouMean(nameOrPath, Names()) + scenarios.NameList("prompts (see --list)", Names())}
	}
	data, err := scenarios.ReadFile(nameOrPath)
	if err != nil {
		return nil, err
	}
	return Parse(nameOrPath, data)
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Parse decodes, validates and sizes a prompt.
func Parse(source string, data []byte) (*Prompt, error) {
	var p Prompt
	root, err := scenarios.DecodeStrict(source, data, &p)
	if err != nil {
		return nil, err
	}
	p.Source = source
	p.Title = strings.TrimSpace(p.Title)
	p.Brief = strings.Join(strings.Fields(p.Brief), " ")
	if err := scenarios.Located(source, root, p.validate()); err != nil {
		return nil, err
	}
	if want, ok := strings.CutPrefix(source, "prompts/"); ok && p.Name+".yaml" != want {
		return nil, scenarios.Located(source, root, &scenarios.FieldError{Field: "name", Msg: fmt.Sprintf("is %q but the file is %s", p.Name, want)})
	}
	var w capacity.Workload
	if p.BuiltinWorkload != "" {
		lw, err := scenarios.LoadWorkload(p.BuiltinWorkload, nil)
		if err != nil {
			return nil, scenarios.Located(source, root, &scenarios.FieldError{Field: "builtin_workload", Msg: err.Error()})
		}
		w = lw.Workload
	} else {
		w = *p.Workload
		if w.Name == "" {
			w.Name = p.Name
		}
	}
	plan, err := capacity.Compute(w)
	if err != nil {
		return nil, scenarios.Located(source, root, prefixFields("workload.", err))
	}
	p.Plan = plan
	return &p, nil
}

// prefixFields moves capacity's field errors under the prompt's workload key.
func prefixFields(prefix string, err error) error {
	errs := scenarios.Errors(err)
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		var fe *capacity.FieldError
		if errors.As(e, &fe) {
			out = append(out, &scenarios.FieldError{Field: prefix + fe.Field, Msg: fe.Msg})
			continue
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

// validate checks the prompt's own rules; each problem is a FieldError.
func (p *Prompt) validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &scenarios.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if !nameRE.MatchString(p.Name) {
		bad("name", "%q: want lower-case letters, digits and dashes, e.g. social-media", p.Name)
	}
	if p.Title == "" {
		bad("title", "missing: one line naming the system to design")
	}
	if p.Brief == "" {
		bad("brief", "missing: the question as the interviewer asks it")
	}
	switch {
	case p.BuiltinWorkload != "" && p.Workload != nil:
		bad("builtin_workload", "give either builtin_workload or workload, not both")
	case p.BuiltinWorkload == "" && p.Workload == nil:
		bad("workload", "missing: give the traffic as a workload mapping, or name a built-in with builtin_workload (%s)", strings.Join(scenarios.Workloads(), ", "))
	case p.BuiltinWorkload != "" && !slices.Contains(scenarios.Workloads(), p.BuiltinWorkload):
		bad("builtin_workload", "no built-in workload %q (built-ins: %s)", p.BuiltinWorkload, strings.Join(scenarios.Workloads(), ", "))
	}
	for _, d := range Decisions {
		e := p.Rubric.Get(d.ID)
		field := "rubric." + d.ID
		var keys []string
		if d.ID == "partition_key" {
			if len(e.Options) < 2 {
				bad(field+".options", "want at least two keys to choose from, the right one among them")
			}
			for i, o := range e.Options {
				if !nameRE.MatchString(strings.ReplaceAll(o, "_", "-")) {
					bad(fmt.Sprintf("%s.options[%d]", field, i), "%q: want a short identifier such as user_id", o)
				}
				if slices.Contains(e.Options[:i], o) {
					bad(fmt.Sprintf("%s.options[%d]", field, i), "%q is listed twice", o)
				}
			}
			keys = e.Options
		} else {
			if len(e.Options) > 0 {
				bad(field+".options", "only partition_key takes options; %s's choices are fixed: %s", d.ID, strings.Join(choiceKeys(d.Choices), ", "))
			}
			keys = choiceKeys(d.Choices)
		}
		switch {
		case e.Answer == "":
			bad(field+".answer", "missing: one of %s", strings.Join(keys, ", "))
		case !slices.Contains(keys, e.Answer):
			bad(field+".answer", "%q is not one of %s", e.Answer, strings.Join(keys, ", "))
		}
		for _, list := range []struct {
			name string
			keys []string
		}{{"accept", e.Accept}, {"partial", e.Partial}} {
			for i, k := range list.keys {
				f := fmt.Sprintf("%s.%s[%d]", field, list.name, i)
				switch {
				case !slices.Contains(keys, k):
					bad(f, "%q is not one of %s", k, strings.Join(keys, ", "))
				case k == e.Answer:
					bad(f, "%q is already the answer", k)
				case list.name == "partial" && slices.Contains(e.Accept, k):
					bad(f, "%q is both accepted and partial", k)
				}
			}
		}
		if strings.TrimSpace(e.Why) == "" {
			bad(field+".why", "missing: the reasoning, for this prompt, in a sentence or two")
		}
	}
	if p.Rubric.Ordering.Answer == "per-entity" && strings.TrimSpace(p.Entity) == "" {
		bad("entity", "missing: per-entity ordering needs the entity a key stands for, e.g. user")
	}
	if len(p.FollowUps) == 0 {
		bad("follow_ups", "missing: list at least one of %s", strings.Join(followUpIDs(), ", "))
	}
	for i, id := range p.FollowUps {
		f := fmt.Sprintf("follow_ups[%d]", i)
		if _, ok := followUp(id); !ok {
			bad(f, "unknown follow-up %q (known: %s)", id, strings.Join(followUpIDs(), ", "))
		} else if slices.Contains(p.FollowUps[:i], id) {
			bad(f, "%q is listed twice", id)
		}
	}
	return errors.Join(errs...)
}

func choiceKeys(cs []Choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Key
	}
	return out
}

func followUpIDs() []string {
	out := make([]string, len(FollowUps))
	for i, f := range FollowUps {
		out[i] = f.ID
	}
	return out
}

// DefaultPrompt is the prompt drilled when none is named: the seed's own
// worked example.
const DefaultPrompt = "social-media"
