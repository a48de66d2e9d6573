package interview

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"mqsim/scenarios"
)

// Answers is an answers file: what a person would type in the drill,
// written down, graded without prompting. Every field is optional; a
// missing answer is graded unanswered.
//
//	prompt: social-media
//	communication: async — the notifier need not answer in real time
//	delivery: at-least-once
//	peak_messages_per_sec: 1.16M/s
//	replicated_bytes: 105TB
//	follow_ups:
//	  consumers-fall-behind: b
type Answers struct {
	Prompt string `yaml:"prompt"`

	Communication string `yaml:"communication"`
	Model         string `yaml:"model"`
	Delivery      string `yaml:"delivery"`
	Idempotency   string `yaml:"idempotency"`
	System        string `yaml:"system"`
	Ordering      string `yaml:"ordering"`
	PartitionKey  string `yaml:"partition_key"`
	Failure       string `yaml:"failure"`
	Backpressure  string `yaml:"backpressure"`

	AvgMessagesPerSec  string `yaml:"avg_messages_per_sec"`
	PeakMessagesPerSec string `yaml:"peak_messages_per_sec"`
	BytesPerDay        string `yaml:"bytes_per_day"`
	ReplicatedBytes    string `yaml:"replicated_bytes"`
	Partitions         string `yaml:"partitions"`
	Brokers            string `yaml:"brokers"`

	FollowUps map[string]string `yaml:"follow_ups"`

	Source string     `yaml:"-"`
	node   *yaml.Node // for the lines of later errors
}

// Get returns the answer to the question with the given ID.
func (a *Answers) Get(id string) string {
	switch id {
	case "communication":
		return a.Communication
	case "model":
		return a.Model
	case "delivery":
		return a.Delivery
	case "idempotency":
		return a.Idempotency
	case "system":
		return a.System
	case "ordering":
		return a.Ordering
	case "partition_key":
		return a.PartitionKey
	case "failure":
		return a.Failure
	case "backpressure":
		return a.Backpressure
	case "avg_messages_per_sec":
		return a.AvgMessagesPerSec
	case "peak_messages_per_sec":
		return a.PeakMessagesPerSec
	case "bytes_per_day":
		return a.BytesPerDay
	case "replicated_bytes":
		return a.ReplicatedBytes
	case "partitions":
		return a.Partitions
	case "brokers":
		return a.Brokers
	}
	return a.FollowUps[id]
}

// ParseAnswers decodes an answers file strictly (unknown fields are errors
// with their line).
func ParseAnswers(source string, data []byte) (*Answers, error) {
	var a Answers
	root, err := scenarios.DecodeStrict(source, data, &a)
	if err != nil {
		return nil, err
	}
	a.Source, a.node = source, root
	return &a, nil
}

// LoadAnswers reads and decodes an answers file.
func LoadAnswers(path string) (*Answers, error) {
	data, err := scenarios.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseAnswers(path, data)
}

// Check reports every answer that cannot be read as an answer to p's
// questions, and follow-ups p does not ask, with file and line.
func (a *Answers) Check(p *Prompt) error {
	var errs []error
	bad := func(field, msg string) {
		errs = append(errs, &scenarios.FieldError{Field: field, Msg: msg})
	}
	if a.Prompt != "" && a.Prompt != p.Name {
		bad("prompt", fmt.Sprintf("these answers are for %q, not %q", a.Prompt, p.Name))
	}
	asked := map[string]bool{}
	for _, q := range Questions(p) {
		text := a.Get(q.ID)
		field := q.ID
		if q.Kind == KindFollowUp {
			asked[q.ID] = true
			field = "follow_ups." + q.ID
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if _, err := Grade1(p, q, text); err != nil {
			bad(field, err.Error())
		}
	}
	for _, id := range sortedKeys(a.FollowUps) {
		if !asked[id] {
			bad("follow_ups."+id, fmt.Sprintf("prompt %s does not ask this follow-up (it asks: %s)", p.Name, strings.Join(p.FollowUps, ", ")))
		}
	}
	return scenarios.Located(a.Source, a.node, errors.Join(errs...))
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// Asker returns an Asker that answers from the file and shows nothing.
func (a *Answers) Asker() Asker { return fileAsker{a} }

type fileAsker struct{ a *Answers }

func (f fileAsker) Ask(q Question) (string, error) {
	if q.Problem != "" {
		// Check accepts only readable answers; an unreadable one here is a bug.
		return "", fmt.Errorf("answers file %s: %s: %s", f.a.Source, q.ID, q.Problem)
	}
	return f.a.Get(q.ID), nil
}

func (fileAsker) Tell(Event) {}

// GradeAnswers checks a against p and grades it. run is as for Drill.
func GradeAnswers(p *Prompt, a *Answers, run ScenarioRunner) (*ScoreCard, error) {
	if err := a.Check(p); err != nil {
		return nil, err
	}
	return Drill(p, a.Asker(), run)
}
