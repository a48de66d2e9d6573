package interview

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"mqsim/capacity"
	"mqsim/scenarios"
)

func load(t *testing.T, name string) *Prompt {
	t.Helper()
	p, err := Load(name)
	if err != nil {
		t.Fatalf("Load(%q): %v", name, err)
	}
	return p
}

func TestBankLoadsAndValidates(t *testing.T) {
	names := Names()
	if len(names) < 12 {
		t.Fatalf("the bank has %d prompts, want at least 12: %v", len(names), names)
	}
	bank, err := Bank()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, p := range bank {
		if p.Plan == nil || p.Plan.Partitions < 1 || p.Plan.Brokers < 1 {
			t.Errorf("%s: plan not computed: %+v", p.Name, p.Plan)
		}
		for _, f := range p.FollowUps {
			used[f] = true
		}
		// The rubric's own answers score full marks, and every answer is
		// one of the options offered.
		card := gradeScript(t, p, rubricScript(p))
		if card.Points != card.Max || card.Max != MaxPoints*len(Questions(p)) {
			t.Errorf("%s: the rubric's answers score %d/%d, want %d", p.Name, card.Points, card.Max, MaxPoints*len(Questions(p)))
		}
	}
	for _, f := range FollowUps {
		if !used[f.ID] {
			t.Errorf("follow-up %s is used by no prompt", f.ID)
		}
	}
}

// independentPlan sizes the prompt's workload without going through the
// package: the built-in workload loaded by scenarios, or the inline one.
func independentPlan(t *testing.T, p *Prompt) *capacity.Plan {
	t.Helper()
	var w capacity.Workload
	if p.BuiltinWorkload != "" {
		lw, err := scenarios.LoadWorkload(p.BuiltinWorkload, nil)
		if err != nil {
			t.Fatal(err)
		}
		w = lw.Workload
	} else {
		w = *p.Workload
	}
	plan, err := capacity.Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestModelAnswerNumbersEqualCapacityPlan(t *testing.T) {
	for _, name := range Names() {
		p := load(t, name)
		plan := independentPlan(t, p)
		m := Model(p)
		want := map[string]float64{
			"avg_messages_per_sec":  plan.AvgMessagesPerSec,
			"peak_messages_per_sec": plan.PeakMessagesPerSec,
			"bytes_per_day":         plan.BytesPerDay,
			"replicated_bytes":      plan.ReplicatedBytes,
			"partitions":            float64(plan.Partitions),
			"brokers":               float64(plan.Brokers),
		}
		if len(m.Numbers) != len(want) {
			t.Errorf("%s: %d numbers, want %d", name, len(m.Numbers), len(want))
		}
		for _, n := range m.Numbers {
			if w, ok := want[n.Key]; !ok || n.Value != w {
				t.Errorf("%s: model answer %s = %v, capacity.Compute says %v", name, n.Key, n.Value, w)
			}
		}
		if len(m.Steps) != 5 {
			t.Fatalf("%s: %d steps, want the framework's 5", name, len(m.Steps))
		}
		step5 := m.Steps[4].Say
		peak, _ := plan.Row("peak_messages_per_sec")
		repl, _ := plan.Row("replicated_bytes")
		for _, s := range []string{peak.Human, repl.Human, fmt.Sprintf("= %d.", plan.Partitions), fmt.Sprintf("so %d brokers", plan.Brokers)} {
			if !strings.Contains(step5, s) {
				t.Errorf("%s: step 5 lacks %q:\n%s", name, s, step5)
			}
		}
		if !strings.Contains(m.Steps[2].Say, fmt.Sprintf("%d partitions", plan.Partitions)) {
			t.Errorf("%s: step 3 does not name the %d partitions: %s", name, plan.Partitions, m.Steps[2].Say)
		}
	}
}

// The seed's worked example, by hand: 500M users × 20 events = 10B a day;
// 10B / 86,400 s = 115,740.7/s; × 10 = 1,157,407/s; × 500 B = 5 TB/day;
// × 7 days = 35 TB; × RF 3 = 105 TB; 105 TB / 10 TB = 10.5 → 11 brokers;
// 1,157,407 / 10,000 = 115.7 → 116 partitions.
func TestSocialMediaModelAnswerHasTheSeedsNumbers(t *testing.T) {
	m := Model(load(t, "social-media"))
	text := m.Text()
	for _, s := range []string{"Step 1 — Sync or async", "Step 5 — Back-of-envelope",
		"1,157,407/s", "1.16M", "105 TB", "11 brokers", "= 116.", "5 TB a day", "35 TB", "I'd partition by user_id"} {
		if !strings.Contains(text, s) {
			t.Errorf("model answer lacks %q", s)
		}
	}
	want := map[string]float64{"peak_messages_per_sec": 1e10 / 86400 * 10, "replicated_bytes": 105e12, "partitions": 116, "brokers": 11}
	for _, n := range m.Numbers {
		if w, ok := want[n.Key]; ok && math.Abs(n.Value-w) > 1e-6*w {
			t.Errorf("%s = %v, want %v", n.Key, n.Value, w)
		}
	}
}

func TestGradeNumber(t *testing.T) {
	for _, c := range []struct {
		got, want float64
		grade     Grade
	}{
		{100, 100, Right}, {110, 100, Right}, {90, 100, Right}, {110.5, 100, Close}, {89, 100, Close},
		// Half an order of magnitude: 10^0.5 = 3.162…
		{316, 100, Close}, {317, 100, Wrong}, {31.7, 100, Close}, {31.6, 100, Wrong},
		{0, 100, Wrong}, {0, 0, Right}, {1, 0, Wrong},
		// The seed rounds 1,157,407/s to 1.15M: within 10%.
		{1.15e6, 1157407, Right}, {1e6, 1157407, Close}, {115e3, 1157407, Wrong},
	} {
		if g := GradeNumber(c.got, c.want); g != c.grade {
			t.Errorf("GradeNumber(%v, %v) = %s, want %s", c.got, c.want, g, c.grade)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in, kind string
		want     float64
	}{
		{"1.16M", "rate", 1.16e6}, {"1,157,407", "rate", 1157407}, {"115K/s", "rate", 115e3},
		{"~1.2M msg/s", "rate", 1.2e6}, {"115k per second", "rate", 115e3}, {"about 2.5m", "rate", 2.5e6},
		{"105TB", "bytes", 105e12}, {"5 TB/day", "bytes", 5e12}, {"5e12", "bytes", 5e12}, {"1.05 PB", "bytes", 1.05e15},
		{"116", "count", 116}, {"116 partitions", "count", 116}, {"11 brokers", "count", 11}, {"10B", "count", 1e10},
		// Natural answers.
		{"1.16 million", "rate", 1.16e6}, {"1.2 million/s", "rate", 1.2e6}, {"1.2 million messages per second", "rate", 1.2e6},
		{"roughly 1.2M msg/sec at peak", "rate", 1.2e6}, {"115 thousand a second", "rate", 115e3},
		// A rate per day or per hour is converted: 10B / 86,400 s; 3.6M / 3,600 s.
		{"10B a day", "rate", 1e10 / 86400}, {"3.6M/hour", "rate", 1000},
		{"105 terabytes", "bytes", 105e12}, {"105 TB of storage", "bytes", 105e12}, {"5 TB a day", "bytes", 5e12},
		// Binary units are 1024s; bits are eighths of a byte.
		{"95.5 TiB", "bytes", 95.5 * (1 << 40)}, {"40 Tbit", "bytes", 5e12}, {"40 terabits", "bytes", 5e12},
		{"1.5 gibibytes", "bytes", 1.5 * (1 << 30)}, {"11 brokers.", "count", 11}, {"about 120 partitions in total", "count", 120},
	} {
		got, err := ParseNumber(c.in, c.kind)
		if err != nil || math.Abs(got-c.want) > 1e-9*c.want {
			t.Errorf("ParseNumber(%q, %s) = %v, %v; want %v", c.in, c.kind, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, kind string }{{"banana", "rate"}, {"", "count"}, {"msg/s", "rate"}, {"-5", "count"}, {"5 TB/s/s", "bytes"}, {"12 parsecs", "bytes"},
		{"1,2", "rate"}, {"5 TB per second", "bytes"}, {"116 per second", "count"}, {"1.2 million per fortnight", "rate"}, {"5 TB/", "bytes"}, {"11 brokers and a cat", "count"}} {
		v, err := ParseNumber(c.in, c.kind)
		if err == nil {
			t.Errorf("ParseNumber(%q, %s) = %v, want an error", c.in, c.kind, v)
			continue
		}
		// The error names the forms accepted.
		if !strings.Contains(err.Error(), "write ") {
			t.Errorf("ParseNumber(%q, %s): error %q does not say how to write one", c.in, c.kind, err)
		}
	}
}

func TestParseChoice(t *testing.T) {
	d, _ := decision("delivery")
	for _, c := range []struct{ in, key, why string }{
		{"2", "at-least-once", ""},
		{"at-least-once: consumers dedupe by ID", "at-least-once", "consumers dedupe by ID"},
		{"AT-MOST-ONCE", "at-most-once", ""},
		{"3 - money", "exactly-once", "money"},
		{"  ", "", ""},
		{"exactly once", "exactly-once", ""},
		{"Exactly Once because it moves money", "exactly-once", "because it moves money"},
		{"at least once, with idempotent consumers", "at-least-once", "with idempotent consumers"},
		{"at_most_once", "at-most-once", ""},
	} {
		key, why, err := ParseChoice(c.in, d.Choices)
		if err != nil || key != c.key || why != c.why {
			t.Errorf("ParseChoice(%q) = %q, %q, %v; want %q, %q", c.in, key, why, err, c.key, c.why)
		}
	}
	f, _ := followUp("poison-message")
	if key, _, err := ParseChoice("c) retry then DLQ", f.Choices); err != nil || key != "c" {
		t.Errorf("ParseChoice(c)) = %q, %v; want c", key, err)
	}
	for _, in := range []string{"4", "0", "maybe", "at-least", "exactly", "at least twice", "23"} {
		if key, _, err := ParseChoice(in, d.Choices); err == nil {
			t.Errorf("ParseChoice(%q) = %q, want an error", in, key)
		}
	}
	// Other names, and keys spelt with spaces.
	for _, c := range []struct{ id, in, key string }{
		{"communication", "asynchronous: the notifier may be down", "async"},
		{"communication", "Synchronous", "sync"},
		{"model", "consumer groups", "consumer-groups"},
		{"model", "pub/sub", "pubsub"},
		{"model", "publish-subscribe", "pubsub"},
		{"backpressure", "scale consumers on lag", "autoscale"},
		{"failure", "retry dlq", "retry-dlq"},
	} {
		d, _ := decision(c.id)
		if key, _, err := ParseChoice(c.in, d.Choices); err != nil || key != c.key {
			t.Errorf("ParseChoice(%q) = %q, %v; want %q", c.in, key, err, c.key)
		}
	}
	p := load(t, "social-media")
	if key, why, err := ParseChoice("user id, so one user's events stay in order", p.Choices("partition_key")); err != nil || key != "user_id" || why != "so one user's events stay in order" {
		t.Errorf("ParseChoice(user id, …) = %q, %q, %v; want user_id", key, why, err)
	}
}

// script is an Asker that answers from a list and records what it was told.
type script struct {
	answers []string
	asked   []Question
	told    []Event
}

func (s *script) Ask(q Question) (string, error) {
	s.asked = append(s.asked, q)
	if len(s.answers) == 0 {
		return "", io.EOF
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}

func (s *script) Tell(e Event) { s.told = append(s.told, e) }

// rubricScript answers every question as the rubric and the plan do.
func rubricScript(p *Prompt) []string {
	var out []string
	for _, q := range Questions(p) {
		switch q.Kind {
		case KindDecision:
			out = append(out, p.Rubric.Get(q.ID).Answer)
		case KindNumber:
			out = append(out, fmt.Sprint(planValue(p.Plan, q.ID)))
		case KindFollowUp:
			f, _ := followUp(q.ID)
			out = append(out, f.Answer)
		}
	}
	return out
}

func gradeScript(t *testing.T, p *Prompt, answers []string) *ScoreCard {
	t.Helper()
	card, err := Drill(p, &script{answers: answers}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return card
}

func item(t *testing.T, c *ScoreCard, id string) Item {
	t.Helper()
	for _, it := range c.Items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("no item %s", id)
	return Item{}
}

func TestScriptedDrillGrades(t *testing.T) {
	p := load(t, "social-media")
	// Question order: communication, model, delivery, idempotency, system,
	// ordering, partition_key, failure, backpressure, six numbers, follow-ups.
	answers := []string{
		"async: B may be down",   // right
		"pubsub",                 // partial → close
		"at-most-once",           // wrong
		"1",                      // message-id: right
		"pulsar",                 // accepted → right
		"per-entity", "event_id", // right, wrong
		"retry-dlq", "", // right, skipped
		"115,741",    // right
		"1M/s",       // 1M against 1,157,407: 13.6% off → close
		"500GB",      // 500 GB against 5 TB: a factor of 10 → wrong
		"not a size", // unreadable: asked again
		"100TB",      // 105 TB: 4.8% off → right
		"116", "10",  // right; 10 against 11 is 9.1% off → right
		"b", "a", // right, wrong
	}
	s := &script{answers: answers}
	card, err := Drill(p, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Grade{
		"communication": Right, "model": Close, "delivery": Wrong, "idempotency": Right, "system": Right,
		"ordering": Right, "partition_key": Wrong, "failure": Right, "backpressure": Unanswered,
		"avg_messages_per_sec": Right, "peak_messages_per_sec": Close, "bytes_per_day": Wrong,
		"replicated_bytes": Right, "partitions": Right, "brokers": Right,
		"consumers-fall-behind": Right, "broker-dies-acks1": Wrong,
	}
	for id, g := range want {
		if it := item(t, card, id); it.Grade != g {
			t.Errorf("%s: answer %q graded %s, want %s", id, it.Answer, it.Grade, g)
		}
	}
	if it := item(t, card, "communication"); it.Why != "B may be down" {
		t.Errorf("reason = %q, want it kept", it.Why)
	}
	if it := item(t, card, "delivery"); !strings.Contains(it.Explanation, "On at-most-once:") {
		t.Errorf("a wrong decision's explanation should give the seed's view of the choice: %s", it.Explanation)
	}
	if it := item(t, card, "peak_messages_per_sec"); !strings.Contains(it.Explanation, "115,741/s × 10x = 1,157,407/s") {
		t.Errorf("the peak's working lacks the formula: %s", it.Explanation)
	}
	// The unreadable answer was asked again, with the problem.
	var again *Question
	for i := range s.asked {
		if s.asked[i].Problem != "" {
			again = &s.asked[i]
		}
	}
	if again == nil || again.ID != "replicated_bytes" {
		t.Errorf("expected replicated_bytes to be asked again, got %+v", again)
	}
	// The script ran out before the last follow-ups: a partial card.
	if card.Complete || card.Asked != len(want) || card.Questions != len(Questions(p)) {
		t.Errorf("card: complete %v, asked %d of %d; want partial, %d asked", card.Complete, card.Asked, card.Questions, len(want))
	}
	// Counting the table above: 10 right, 2 close, 4 wrong, 1 skipped, so
	// 10×2 + 2×1 = 22 points of 17×2 = 34.
	if card.Right != 10 || card.Close != 2 || card.Wrong != 4 || card.Unanswered != 1 || card.Points != 22 || card.Max != 34 {
		t.Errorf("card totals: %d right, %d close, %d wrong, %d skipped, %d/%d points; want 10, 2, 4, 1, 22/34",
			card.Right, card.Close, card.Wrong, card.Unanswered, card.Points, card.Max)
	}
	// The five steps were announced in order, then the follow-ups.
	var steps []int
	for _, e := range s.told {
		if e.Item == nil {
			steps = append(steps, e.Step)
		}
	}
	if fmt.Sprint(steps) != "[1 2 3 4 5 6]" {
		t.Errorf("steps announced: %v", steps)
	}
}

// An answer that cannot be read is never skipped silently: the question is
// asked again with the reason and the way to skip, however often that
// takes, and "skip" skips it.
func TestUnreadableAnswersAreAskedAgain(t *testing.T) {
	p := load(t, "payments")
	s := &script{answers: []string{"maybe", "perhaps", "dunno", "skip", "consumer-groups"}}
	card, err := Drill(p, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Items) != 2 || card.Items[0].ID != "communication" || card.Items[0].Grade != Unanswered || card.Items[1].Grade != Right {
		t.Fatalf("want communication skipped on request and model answered right: %+v", card.Items)
	}
	// The sixth ask (delivery) met the end of the script.
	if len(s.asked) != 6 || s.asked[4].ID != "model" {
		t.Fatalf("asked %d times, want communication 4 times, then model, then delivery", len(s.asked))
	}
	for i, q := range s.asked[:4] {
		if q.ID != "communication" {
			t.Fatalf("ask %d was %s, want communication again", i+1, q.ID)
		}
		if i == 0 {
			continue
		}
		if !strings.Contains(q.Problem, "is not an option") || !strings.Contains(q.Problem, "type skip") {
			t.Errorf("ask %d: problem %q should say why and how to skip", i+1, q.Problem)
		}
	}
	if !strings.Contains(s.asked[3].Problem, "Three answers in a row could not be read") {
		t.Errorf("after three unreadable answers the problem should say so: %q", s.asked[3].Problem)
	}
	// A script that never answers readably ends the drill with an error
	// instead of asking forever.
	endless := &script{}
	for range MaxAttempts {
		endless.answers = append(endless.answers, "maybe")
	}
	if _, err := Drill(p, endless, nil); err == nil || !strings.Contains(err.Error(), "could not be read") {
		t.Errorf("endless unreadable answers: %v, want an error", err)
	}
}

func TestStopEndsWithPartialCard(t *testing.T) {
	p := load(t, "email-jobs")
	stopAfter := &stopper{n: 2}
	card, err := Drill(p, stopAfter, nil)
	if err != nil || card.Complete || card.Asked != 2 {
		t.Fatalf("Drill = %+v, %v; want a partial card of 2", card, err)
	}
	failing := &stopper{n: 1, err: errors.New("disk on fire")}
	if _, err := Drill(p, failing, nil); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("an Asker's own error should abort the drill, got %v", err)
	}
}

type stopper struct {
	n   int
	err error
}

func (s *stopper) Ask(q Question) (string, error) {
	if s.n == 0 {
		if s.err != nil {
			return "", s.err
		}
		return "", ErrStopped
	}
	s.n--
	return "1", nil
}
func (*stopper) Tell(Event) {}

func TestFollowUpProofs(t *testing.T) {
	p := load(t, "social-media")
	// Without a runner: the commands to run.
	card := gradeScript(t, p, rubricScript(p))
	it := item(t, card, "broker-dies-acks1")
	if len(it.Proofs) != 2 || it.Proofs[0].Command != "mqsim run broker-failure-acks1" || it.Proofs[0].Summary != "" {
		t.Errorf("proofs without a runner: %+v", it.Proofs)
	}
	// With a runner: its summaries, and its failures, per scenario.
	var ran []string
	run := func(name string) (string, error) {
		ran = append(ran, name)
		if name == "broker-failure" {
			return "", errors.New("no such scenario")
		}
		return "lost: 1234\n", nil
	}
	card, err := Drill(p, &script{answers: rubricScript(p)}, run)
	if err != nil {
		t.Fatal(err)
	}
	it = item(t, card, "broker-dies-acks1")
	if it.Proofs[0].Summary != "lost: 1234" || it.Proofs[1].Error != "no such scenario" {
		t.Errorf("proofs with a runner: %+v", it.Proofs)
	}
	if !strings.Contains(EventText(Event{Item: &it}), "Proof, mqsim run broker-failure-acks1:") {
		t.Errorf("the proof is not shown: %s", EventText(Event{Item: &it}))
	}
	// The communication and delivery decisions' scenarios (sync-cascade,
	// delivery-guarantees), then social-media's follow-ups: two
	// slow-consumer scenarios, two broker-failure ones, poison-message,
	// hot-partition.
	if len(ran) != 8 || ran[0] != "sync-cascade" || ran[1] != "delivery-guarantees" {
		t.Errorf("ran %v, want the 2 decisions' scenarios, then the 6 of the 4 follow-ups", ran)
	}
	if it = item(t, card, "communication"); len(it.Proofs) != 1 || it.Proofs[0].Summary != "lost: 1234" {
		t.Errorf("the communication decision's proof: %+v", it.Proofs)
	}
}

func TestFollowUpScenarioNames(t *testing.T) {
	// The built-in scenarios promised by the simulator's issues.
	known := map[string]bool{}
	for _, s := range strings.Fields(`slow-consumer slow-consumer-scaled hot-partition reorder-retries reorder-idempotent
		broker-failure broker-failure-acks1 unclean-election min-isr-unavailable lost-response consumer-crash
		at-most-once poison-message retention-loss retry-storm sync-cascade sync-vs-async-latency
		event-sourcing-replay audit-point-in-time sns-http-endpoint-outage pubsub-ack-deadline sns-fanout-filter
		delivery-guarantees transaction-cost zombie-fencing exactly-once-pipeline hanging-transaction transactional-producer
		noisy-tenant geo-replication-region-loss`) {
		known[s] = true
	}
	for _, f := range FollowUps {
		if len(f.Scenarios) == 0 {
			t.Errorf("%s: no scenario proves it", f.ID)
		}
		for _, s := range f.Scenarios {
			if !known[s] {
				t.Errorf("%s: scenario %q is not one of the built-ins", f.ID, s)
			}
		}
		n := 0
		for _, c := range f.Choices {
			if c.Key == f.Answer {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: answer %q is not exactly one of its choices", f.ID, f.Answer)
		}
	}
}
