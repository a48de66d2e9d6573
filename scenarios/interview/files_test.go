package interview

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func bankFile(t *testing.T, name string) string {
	t.Helper()
	data, err := promptFS.ReadFile("prompts/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Each malformed prompt names the file, the line and the field.
func TestMalformedPromptErrors(t *testing.T) {
	good := bankFile(t, "ride-hailing")
	line := func(s string) int {
		for i, l := range strings.Split(good, "\n") {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		t.Fatalf("no line with %q", s)
		return 0
	}
	for _, c := range []struct {
		name, old, new string
		wantLine       int
		want           string
	}{
		{"unknown field", "entity: driver", "entity: driver\nflavour: vanilla", line("entity: driver") + 1, `unknown field "flavour"`},
		{"bad answer", "answer: at-most-once", "answer: at-most-twice", line("answer: at-most-once"), "rubric.delivery.answer"},
		{"partial is the answer", "partial: [at-least-once]", "partial: [at-most-once]", line("partial: [at-least-once]"), "is already the answer"},
		{"key not offered", "answer: driver_id", "answer: car_id", line("answer: driver_id"), "rubric.partition_key.answer"},
		{"unknown follow-up", "follow_ups: [hot-key,", "follow_ups: [lukewarm-key,", line("follow_ups:"), `unknown follow-up "lukewarm-key"`},
		{"bad workload value", "retention: 1d", "retention: forever", line("retention: 1d"), "workload.retention"},
		{"invalid workload", "peak_factor: 3x", "peak_factor: 0.5x", line("peak_factor: 3x"), "workload.peak_factor"},
		{"both workloads", "entity: driver", "entity: driver\nbuiltin_workload: payments", line("entity: driver") + 1, "not both"},
		{"missing why", "    why: >\n      The phone fires and forgets: it never waits for matching or ETA\n      services, and a slow consumer must not slow the drivers' apps.\n", "    why: \"\"\n", line("The phone fires") - 1, "rubric.communication.why"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.old) {
				t.Fatalf("the prompt has no %q", c.old)
			}
			bad := strings.Replace(good, c.old, c.new, 1)
			_, err := Parse("my-prompt.yaml", []byte(bad))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			wantLoc := "my-prompt.yaml:" + strconv.Itoa(c.wantLine) + ":"
			if !strings.Contains(msg, wantLoc) || !strings.Contains(msg, c.want) {
				t.Errorf("error %q, want %q and %q", msg, wantLoc, c.want)
			}
		})
	}
}

func TestLoadPromptErrors(t *testing.T) {
	if _, err := Load("no-such-prompt"); err == nil || !strings.Contains(err.Error(), "social-media") {
		t.Errorf("Load(unknown) = %v, want the list of prompts", err)
	}
	if _, err := Load("/nonexistent/prompt.yaml"); err == nil || !strings.Contains(err.Error(), "/nonexistent/prompt.yaml") {
		t.Errorf("Load(missing file) = %v, want the path", err)
	}
	dir := t.TempDir()
	path := dir + "/mine.yaml"
	if err := os.WriteFile(path, []byte(strings.Replace(bankFile(t, "payments"), "name: payments", "name: mine", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil || p.Name != "mine" || p.Plan.Brokers < 1 {
		t.Errorf("Load(own file) = %v, %v", p, err)
	}
}

const goodAnswers = `prompt: social-media
communication: async — nobody waits for the feed
model: consumer-groups
delivery: at-least-once
idempotency: message-id
system: kafka
ordering: per-entity
partition_key: user_id
failure: retry-dlq
backpressure: autoscale
avg_messages_per_sec: 115K/s
peak_messages_per_sec: 1.2M/s
bytes_per_day: 5 TB
replicated_bytes: 35TB
partitions: 120
brokers: 4
follow_ups:
  consumers-fall-behind: b
  poison-message: a
`

func TestGradeAnswersFile(t *testing.T) {
	p := load(t, "social-media")
	a, err := ParseAnswers("mine.yaml", []byte(goodAnswers))
	if err != nil {
		t.Fatal(err)
	}
	card, err := GradeAnswers(p, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Grade{
		"communication": Right, "backpressure": Right, // autoscale is accepted for this prompt
		"peak_messages_per_sec": Right, // 1.2M against 1,157,407: 3.7% off
		"replicated_bytes":      Close, // forgot replication: a third of 105 TB
		"partitions":            Right, // 120 against 116: 3.4% off
		"brokers":               Close, // 4 against 11: a factor of 2.75 < √10 = 3.16
		"consumers-fall-behind": Right, "poison-message": Wrong,
		"broker-dies-acks1": Unanswered, "hot-key": Unanswered,
	}
	for id, g := range want {
		if it := item(t, card, id); it.Grade != g {
			t.Errorf("%s: %q graded %s, want %s", id, it.Answer, it.Grade, g)
		}
	}
	if !card.Complete || card.Asked != card.Questions {
		t.Errorf("an answers file is graded whole: %d of %d", card.Asked, card.Questions)
	}
}

func TestAnswersFileErrors(t *testing.T) {
	p := load(t, "social-media")
	lineOf := func(s string) string {
		for i, l := range strings.Split(goodAnswers, "\n") {
			if strings.HasPrefix(l, s) || strings.HasPrefix(strings.TrimSpace(l), s) {
				return "mine.yaml:" + strconv.Itoa(i+1) + ":"
			}
		}
		t.Fatalf("no line %q", s)
		return ""
	}
	for _, c := range []struct {
		old, new, loc, want string
	}{
		{"delivery: at-least-once", "delivery: at-least-twice", lineOf("delivery:"), "not an option"},
		{"brokers: 4", "brokers: lots", lineOf("brokers:"), "has no number at its start: write a whole number"},
		{"bytes_per_day: 5 TB", "bytes_per_day: 5 parsecs", lineOf("bytes_per_day:"), "has an unknown unit: write a number with a unit"},
		{"poison-message: a", "lukewarm-key: a", lineOf("poison-message:"), "does not ask this follow-up"},
		{"consumers-fall-behind: b", "consumers-fall-behind: e", lineOf("consumers-fall-behind:"), "not an option"},
		{"prompt: social-media", "prompt: payments", lineOf("prompt:"), `for "payments", not "social-media"`},
		{"brokers: 4", "brokers: 4\nbrokerz: 5", "mine.yaml:" + strconv.Itoa(strings.Count(goodAnswers[:strings.Index(goodAnswers, "brokers:")], "\n")+2) + ":", `unknown field "brokerz"`},
	} {
		bad := strings.Replace(goodAnswers, c.old, c.new, 1)
		a, err := ParseAnswers("mine.yaml", []byte(bad))
		if err == nil {
			_, err = GradeAnswers(p, a, nil)
		}
		if err == nil || !strings.Contains(err.Error(), c.loc) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %v, want %q and %q", c.new, err, c.loc, c.want)
		}
	}
}

func FuzzParsePrompt(f *testing.F) {
	for _, n := range Names() {
		data, _ := promptFS.ReadFile("prompts/" + n + ".yaml")
		f.Add(data)
	}
	f.Add([]byte("name: x\nworkload: {retention: 1d}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err == nil {
			_ = Model(p).Text()
		}
	})
}

func FuzzParseAnswers(f *testing.F) {
	f.Add([]byte(goodAnswers))
	f.Add([]byte("brokers: [1, 2]\n"))
	p, err := Load("social-media")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAnswers("fuzz.yaml", data)
		if err == nil {
			_, _ = GradeAnswers(p, a, nil)
		}
	})
}
