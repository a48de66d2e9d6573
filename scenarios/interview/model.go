package interview

import (
	"fmt"
	"strings"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

// ModelStep is one step of the model answer, as it would be said aloud.
type ModelStep struct {
	Step  int    `json:"step"`
	Title string `json:"title"`
	Say   string `json:"say"`
}

// ModelNumber is one back-of-envelope figure of the model answer, straight
// from the capacity plan.
type ModelNumber struct {
	Key     string  `json:"key"`
	Formula string  `json:"formula"`
	Value   float64 `json:"value"`
	Human   string  `json:"human"`
}

// ModelFollowUp is a follow-up with its answer and the scenarios behind it.
type ModelFollowUp struct {
	Question  string   `json:"question"`
	Answer    string   `json:"answer"`
	Scenarios []string `json:"scenarios"`
}

// ModelAnswer is the five-step interview framework filled in for a prompt.
type ModelAnswer struct {
	Prompt    string          `json:"prompt"`
	Title     string          `json:"title"`
	Brief     string          `json:"brief"`
	Steps     []ModelStep     `json:"steps"`
	Numbers   []ModelNumber   `json:"numbers"`
	FollowUps []ModelFollowUp `json:"follow_ups"`
	// Holds is step 5's "and does it hold?": the plan played at its peak
	// in the simulator, judged (set by the caller, who runs it; empty when
	// not run).
	Holds string `json:"holds,omitempty"`
}

// DoesItHold adds the verification's verdict to step 5, as the answer to
// "and does it hold?".
func (m *ModelAnswer) DoesItHold(verdict string) {
	m.Holds = verdict
	for i := range m.Steps {
		if m.Steps[i].Step == 5 {
			m.Steps[i].Say += " And does it hold? " + strings.Join(strings.Fields(verdict), " ")
		}
	}
}

func label(p *Prompt, id, key string) string {
	for _, c := range p.Choices(id) {
		if c.Key == key {
			return c.Label
		}
	}
	return key
}

var systemNames = map[string]string{"kafka": "Kafka", "rabbitmq": "RabbitMQ", "sqs": "SQS", "pulsar": "Pulsar"}

// Model builds the model answer for p. Every number in it is the plan's.
func Model(p *Prompt) *ModelAnswer {
	pl := p.Plan
	r := &p.Rubric
	m := &ModelAnswer{Prompt: p.Name, Title: p.Title, Brief: p.Brief}
	row := func(k string) (string, string) {
		rr, _ := pl.Row(k)
		return rr.Formula, rr.Human
	}
	say := func(step int, format string, args ...any) {
		m.Steps = append(m.Steps, ModelStep{Step: step, Title: StepTitles[step], Say: strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")})
	}

	// Step 1.
	verdict := "So I'd use asynchronous messaging."
	if r.Communication.Answer == "sync" {
		verdict = "So this call stays synchronous, and everything downstream of it goes through messaging."
	}
	say(1, "For this interaction I need to decide sync versus async. %s %s", sentence(r.Communication.Why), verdict)

	// Step 2.
	say(2, "I'd use %s with %s delivery, as %s. %s %s Idempotency: %s. %s",
		systemNames[r.System.Answer], r.Delivery.Answer, lowerFirst(label(p, "model", r.Model.Answer)),
		sentence(r.System.Why), sentence(r.Delivery.Why),
		lowerFirst(label(p, "idempotency", r.Idempotency.Answer)), sentence(r.Idempotency.Why))

	// Step 3.
	n := pl.Partitions
	switch {
	case r.PartitionKey.Answer == "none":
		say(3, "For ordering: %s No partition key, so messages spread evenly over %d partitions and up to %d consumers per group share the work. %s",
			sentence(r.Ordering.Why), n, n, sentence(r.PartitionKey.Why))
	case r.Ordering.Answer == "per-entity":
		say(3, "For ordering, I'd partition by %s so all events for one %s are strictly ordered. %s %s With %d partitions I can parallelize to %d consumers per group.",
			r.PartitionKey.Answer, p.Entity, sentence(r.Ordering.Why), sentence(r.PartitionKey.Why), n, n)
	default:
		say(3, "For ordering: %s I'd key by %s. %s With %d partitions I can parallelize to %d consumers per group.",
			sentence(r.Ordering.Why), r.PartitionKey.Answer, sentence(r.PartitionKey.Why), n, n)
	}

	// Step 4.
	say(4, "For failures: %s. %s When producers outrun consumers, %s",
		lowerFirst(label(p, "failure", r.Failure.Answer)), sentence(r.Failure.Why), lowerFirst(sentence(r.Backpressure.Why)))

	// Step 5.
	_, avg := row("avg_messages_per_sec")
	_, peak := row("peak_messages_per_sec")
	_, size := row("bytes_per_message")
	perDay := units.FormatBytes(pl.BytesPerDay)
	retForm, retained := row("retained_bytes")
	_, replicated := row("replicated_bytes")
	retention := retForm
	if i := strings.LastIndex(retForm, "× "); i >= 0 {
		retention = retForm[i+len("× "):]
	}
	binding := ""
	for _, c := range pl.Constraints {
		if c.Name == pl.BindingConstraint {
			f, h := row("brokers_" + strings.ReplaceAll(c.Name, " ", "_"))
			binding = fmt.Sprintf("%s binds — %s = %s", c.Name, f, h)
		}
	}
	partForm := strings.Join(workingRows(pl, "partitions_producer", "partitions_consumer", "partitions"), "; ")
	say(5, `Back-of-envelope: %s messages a day is %s on average and %s at a %s peak — about %s messages a second.
		At %s each that is %s a day; %s of retention keeps %s, and with replication factor %d that is %s of storage.
		Partitions: %s. Brokers: %s, so %d brokers.`,
		units.FormatSI(pl.MessagesPerDay), avg, peak, pl.Workload.PeakFactor, units.FormatSI(pl.PeakMessagesPerSec),
		size, perDay, retention, retained, pl.Workload.ReplicationFactor, replicated,
		partForm, binding, pl.Brokers)

	for _, q := range Quantities {
		rr, _ := pl.Row(q.Key)
		m.Numbers = append(m.Numbers, ModelNumber{Key: q.Key, Formula: rr.Formula, Value: planValue(pl, q.Key), Human: rr.Human})
	}
	for _, id := range p.FollowUps {
		f, _ := followUp(id)
		m.FollowUps = append(m.FollowUps, ModelFollowUp{Question: f.Question, Answer: f.Explanation, Scenarios: f.Scenarios})
	}
	return m
}

// sentence makes s a sentence: trimmed, one line, ending in a full stop.
func sentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// lowerFirst lower-cases the first letter of s, unless it starts an
// acronym (SQS, ID).
func lowerFirst(s string) string {
	word, _, _ := strings.Cut(s, " ")
	if s == "" || (len(word) > 1 && strings.ToUpper(word) == word) {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// workingRows renders the plan rows with the given keys (those present) as
// "formula = value".
func workingRows(pl *capacity.Plan, keys ...string) []string {
	var out []string
	for _, k := range keys {
		if r, ok := pl.Row(k); ok {
			out = append(out, r.Formula+" = "+r.Human)
		}
	}
	return out
}
