package interview

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

// Kind says how a question is answered.
type Kind string

// The kinds of question.
const (
	KindDecision Kind = "decision"  // multiple choice, with an optional reason
	KindNumber   Kind = "number"    // a back-of-envelope figure
	KindFollowUp Kind = "follow-up" // multiple choice, after the design
)

// Question is what the engine asks.
type Question struct {
	ID      string   // decision ID, plan row key, or follow-up ID
	Step    int      // 1–5; 6 for follow-ups
	Kind    Kind     //
	Text    string   //
	Choices []Choice // for decisions and follow-ups
	Example string   // for numbers: the form of an answer, with a figure unrelated to the prompt's
	// Problem is set when the question is asked again: why the previous
	// answer could not be read.
	Problem string
}

// Event is what the engine tells the person between questions.
type Event struct {
	Step  int    // the step that starts (StepStart) or the graded item's step
	Title string // the step's title, for StepStart
	Item  *Item  // the graded answer, for Graded
}

// Asker is how the engine talks to a person (a terminal, a pipe, a test
// script, an answers file). The engine does no I/O of its own.
type Asker interface {
	// Ask poses q and returns the answer as typed; "" skips the question.
	// Returning ErrStopped or io.EOF ends the drill with a partial score
	// card; any other error aborts it.
	Ask(q Question) (string, error)
	// Tell shows an event: a step starting, or an answer graded with its
	// working.
	Tell(e Event)
}

// ErrStopped is what an Asker returns when the person stops (Ctrl-C).
var ErrStopped = errors.New("stopped")

// ScenarioRunner runs a built-in simulator scenario at a small scale and
// returns a short summary of what it showed. The command line supplies one
// when the simulator is available.
type ScenarioRunner func(name string) (summary string, err error)

// Proof is one scenario behind a follow-up's answer.
type Proof struct {
	Scenario string `json:"scenario"`
	Command  string `json:"command"`           // how to run it yourself
	Summary  string `json:"summary,omitempty"` // what the run showed, when a runner was given
	Error    string `json:"error,omitempty"`   // why the run failed, when it did
}

// Item is one graded answer.
type Item struct {
	ID       string `json:"id"`
	Step     int    `json:"step"`
	Kind     Kind   `json:"kind"`
	Question string `json:"question"`
	Answer   string `json:"answer"`        // the chosen key or the number as typed; "" if unanswered
	Why      string `json:"why,omitempty"` // the person's reason, when given
	Expected string `json:"expected"`      // the rubric's answer or the plan's figure
	Grade    Grade  `json:"grade"`
	Points   int    `json:"points"`
	Max      int    `json:"max"`
	// Explanation is the seed's reasoning for a decision, or the worked
	// formula of a number.
	Explanation string `json:"explanation"`
	// Mistake names the recognisable slip behind a number that is not
	// right (replication left out, per day for per second, …), if any.
	Mistake string   `json:"mistake,omitempty"`
	Value   *float64 `json:"value,omitempty"` // the number answered
	Want    *float64 `json:"want,omitempty"`  // the plan's number
	Proofs  []Proof  `json:"proofs,omitempty"`
}

// ScoreCard is the result of a drill.
type ScoreCard struct {
	Prompt     string `json:"prompt"`
	Title      string `json:"title"`
	Complete   bool   `json:"complete"` // false when the drill was stopped early
	Questions  int    `json:"questions"`
	Asked      int    `json:"asked"`
	Points     int    `json:"points"`
	Max        int    `json:"max"` // over the questions asked
	Right      int    `json:"right"`
	Close      int    `json:"close"`
	Wrong      int    `json:"wrong"`
	Unanswered int    `json:"unanswered"`
	Items      []Item `json:"items"`
}

// Percent is the score over the questions asked.
func (c *ScoreCard) Percent() float64 {
	if c.Max == 0 {
		return 0
	}
	return 100 * float64(c.Points) / float64(c.Max)
}

func (c *ScoreCard) add(it Item) {
	c.Items = append(c.Items, it)
	c.Asked++
	c.Points += it.Points
	c.Max += it.Max
	switch it.Grade {
	case Right:
		c.Right++
	case Close:
		c.Close++
	case Wrong:
		c.Wrong++
	default:
		c.Unanswered++
	}
}

// MaxAttempts bounds how often one question is asked again when its
// answer cannot be read. Each time the person is told why and how to skip;
// the bound only stops a script that never gives a readable answer.
const MaxAttempts = 20

// Questions lists every question of a prompt's drill in order.
func Questions(p *Prompt) []Question {
	var qs []Question
	for step := 1; step <= 5; step++ {
		for _, d := range Decisions {
			if d.Step == step {
				qs = append(qs, Question{ID: d.ID, Step: step, Kind: KindDecision, Text: d.Question, Choices: p.Choices(d.ID)})
			}
		}
	}
	for _, q := range Quantities {
		qs = append(qs, Question{ID: q.Key, Step: 5, Kind: KindNumber, Text: q.Question, Example: Example(p, q.Key)})
	}
	for _, id := range p.FollowUps {
		f, _ := followUp(id)
		qs = append(qs, Question{ID: f.ID, Step: 6, Kind: KindFollowUp, Text: f.Question, Choices: f.Choices})
	}
	return qs
}

// Drill walks the five steps of the interview framework, then the
// follow-ups, asking a through a, grading each answer as it comes. run may
// be nil; then follow-ups name the scenario commands instead of running
// them. When a stops early the score card is partial (Complete false) and
// the error is nil.
func Drill(p *Prompt, a Asker, run ScenarioRunner) (*ScoreCard, error) {
	qs := Questions(p)
	card := &ScoreCard{Prompt: p.Name, Title: p.Title, Questions: len(qs)}
	step := 0
	for _, q := range qs {
		if q.Step != step {
			step = q.Step
			title := "Follow-ups"
			if step <= 5 {
				title = StepTitles[step]
			}
			a.Tell(Event{Step: step, Title: title})
		}
		it, err := askOne(p, a, q)
		if errors.Is(err, ErrStopped) || errors.Is(err, io.EOF) {
			return card, nil
		}
		if err != nil {
			return card, err
		}
		switch q.Kind {
		case KindFollowUp:
			f, _ := followUp(q.ID)
			it.Proofs = proofs(f.Scenarios, run)
		case KindDecision:
			if d, ok := decision(q.ID); ok {
				it.Proofs = proofs(d.Scenarios, run)
			}
		}
		card.add(*it)
		a.Tell(Event{Step: step, Item: it})
	}
	card.Complete = true
	return card, nil
}

func askOne(p *Prompt, a Asker, q Question) (*Item, error) {
	for attempt := 1; ; attempt++ {
		text, err := a.Ask(q)
		if err != nil {
			return nil, err
		}
		it, perr := Grade1(p, q, text)
		if perr == nil {
			return it, nil
		}
		if attempt == MaxAttempts {
			return nil, fmt.Errorf("question %s: %d answers in a row could not be read: %w", q.ID, attempt, perr)
		}
		q.Problem = perr.Error() + ". Try again, or type skip to skip the question."
		if attempt >= 3 {
			// In words: a digit here could read as a hint.
			q.Problem = fmt.Sprintf("%s answers in a row could not be read. %s", countWords[min(attempt, len(countWords)-1)], q.Problem)
		}
	}
}

var countWords = []string{"No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
	"Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen", "Twenty", "Many"}

// Grade1 grades one answer to q as typed; "" (or a skip word: skip, pass,
// don't know) is unanswered. It returns an error only when the text cannot
// be read as an answer to q; for a number the error shows the forms an
// answer may take, never the plan's figure.
func Grade1(p *Prompt, q Question, text string) (*Item, error) {
	it := &Item{ID: q.ID, Step: q.Step, Kind: q.Kind, Question: q.Text, Max: MaxPoints}
	if IsSkip(text) {
		text = ""
	}
	switch q.Kind {
	case KindDecision:
		key, why, err := ParseChoice(text, q.Choices)
		if err != nil {
			return nil, err
		}
		e := p.Rubric.Get(q.ID)
		it.Answer, it.Why = key, why
		it.Grade = GradeDecision(key, e)
		it.Expected = e.Answer
		if len(e.Accept) > 0 {
			it.Expected += " (also right: " + strings.Join(e.Accept, ", ") + ")"
		}
		it.Explanation = decisionExplanation(p, q.ID, key)
	case KindFollowUp:
		key, why, err := ParseChoice(text, q.Choices)
		if err != nil {
			return nil, err
		}
		f, _ := followUp(q.ID)
		it.Answer, it.Why = key, why
		it.Grade = GradeDecision(key, &Expect{Answer: f.Answer})
		it.Expected = f.Answer
		it.Explanation = f.Explanation
	case KindNumber:
		it.Expected = expectedNumber(p.Plan, q.ID)
		it.Explanation = Working(p.Plan, q.ID)
		want := planValue(p.Plan, q.ID)
		it.Want = &want
		it.Grade = Unanswered
		if strings.TrimSpace(text) == "" {
			break
		}
		v, err := ParseNumber(text, quantityKind(q.ID))
		if err != nil {
			if q.Example != "" {
				return nil, fmt.Errorf("%w, like %s", err, q.Example)
			}
			return nil, err
		}
		it.Answer = strings.TrimSpace(text)
		it.Value = &v
		it.Grade = GradeNumber(v, want)
		it.Mistake = Mistake(p.Plan, q.ID, v)
	default:
		return nil, fmt.Errorf("question %q: unknown kind %q", q.ID, q.Kind)
	}
	it.Points = it.Grade.Points()
	return it, nil
}

// decisionExplanation is the rubric's reasoning for this prompt, and the
// seed's reasoning for the option chosen when it is not the answer.
func decisionExplanation(p *Prompt, id, chosen string) string {
	e := p.Rubric.Get(id)
	s := e.Why
	if chosen != "" && chosen != e.Answer {
		for _, c := range p.Choices(id) {
			if c.Key == chosen && c.Reason != "" {
				s += " On " + chosen + ": " + c.Reason
			}
		}
	}
	return s
}

// proofs runs (or, with no runner, names) the scenarios behind an answer.
func proofs(scenarios []string, run ScenarioRunner) []Proof {
	var out []Proof
	for _, s := range scenarios {
		pr := Proof{Scenario: s, Command: "mqsim run " + s}
		if run != nil {
			sum, err := run(s)
			if err != nil {
				pr.Error = err.Error()
			} else {
				pr.Summary = strings.TrimSpace(sum)
			}
		}
		out = append(out, pr)
	}
	return out
}

// planValue is the plan's figure for a quantity key.
func planValue(p *capacity.Plan, key string) float64 {
	switch key {
	case "partitions":
		return float64(p.Partitions)
	case "brokers":
		return float64(p.Brokers)
	}
	r, _ := p.Row(key)
	return r.Value
}

func expectedNumber(p *capacity.Plan, key string) string {
	switch key {
	case "partitions":
		return fmt.Sprint(p.Partitions)
	case "brokers":
		return fmt.Sprint(p.Brokers)
	case "avg_messages_per_sec", "peak_messages_per_sec":
		r, _ := p.Row(key)
		return fmt.Sprintf("%s (%s msg/s)", r.Human, units.FormatSI(r.Value))
	}
	r, _ := p.Row(key)
	return r.Human
}

// Working shows how the plan arrives at a quantity: the formula with the
// numbers substituted and the result.
func Working(p *capacity.Plan, key string) string {
	row := func(k string) string {
		r, ok := p.Row(k)
		if !ok {
			return ""
		}
		return fmt.Sprintf("%s = %s = %s", r.Quantity, r.Formula, r.Human)
	}
	switch key {
	case "avg_messages_per_sec", "peak_messages_per_sec":
		s := row("messages_per_day") + "; " + row("avg_messages_per_sec")
		if key == "peak_messages_per_sec" {
			s += "; " + row("peak_messages_per_sec")
		}
		return s
	case "bytes_per_day":
		return row("bytes_per_message") + "; " + row("bytes_per_day")
	case "replicated_bytes":
		return row("retained_bytes") + "; " + row("replicated_bytes")
	case "partitions":
		s := row("partitions_producer")
		if c := row("partitions_consumer"); c != "" {
			s += "; " + c
		}
		return s + "; " + row("partitions") + ". " + partitionsWhy
	case "brokers":
		var b strings.Builder
		for _, c := range p.Constraints {
			if c.Name == p.BindingConstraint {
				r, _ := p.Row("brokers_" + strings.ReplaceAll(c.Name, " ", "_"))
				fmt.Fprintf(&b, "%s binds: %s = %s → %d brokers", c.Name, r.Formula, r.Human, p.Brokers)
			}
		}
		var others []string
		for _, c := range p.Constraints {
			if c.Name != p.BindingConstraint {
				others = append(others, fmt.Sprintf("%s %s", c.Name, trimNum(c.Exact)))
			}
		}
		fmt.Fprintf(&b, " (the other constraints need: %s)", strings.Join(others, ", "))
		return b.String()
	}
	return row(key)
}

const partitionsWhy = "A partition is the unit of parallelism: one consumer per partition per group, so the count must carry the peak on both sides."

func trimNum(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
