package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dustin/go-humanize"

	"mqsim/scenarios/interview"
	"mqsim/scenarios/units"
)

// interviewRun executes the command line in-process with stdin.
func interviewRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInterviewList(t *testing.T) {
	code, out, errs := interviewRun(t, "", "interview", "--list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(out, "\n"); n < 12 {
		t.Errorf("--list shows %d prompts, want at least 12:\n%s", n, out)
	}
	for _, name := range []string{"social-media", "payments", "ride-hailing", "bank-ledger", "event-bus"} {
		if !strings.Contains(out, name) {
			t.Errorf("--list lacks %s", name)
		}
	}
}

// The seed's table: 1,157,407 msg/s peak, 105 TB with RF 3, 11 brokers,
// 116 partitions — inside a five-step answer.
func TestInterviewModelAnswer(t *testing.T) {
	code, out, errs := interviewRun(t, "", "interview", "social-media", "--model-answer")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"Step 1 — ", "Step 2 — ", "Step 3 — ", "Step 4 — ", "Step 5 — ",
		"1,157,407/s", "1.16M", "105 TB", "11 brokers", "116 partitions", "mqsim run slow-consumer"} {
		if !strings.Contains(out, s) {
			t.Errorf("model answer lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "Score") || strings.Contains(out, "?\n  1)") {
		t.Error("--model-answer should print only the model answer")
	}
	code, out, _ = interviewRun(t, "", "interview", "payments", "--model-answer", "-o", "json")
	var m interview.ModelAnswer
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || len(m.Steps) != 5 || m.Prompt != "payments" {
		t.Errorf("--model-answer -o json: exit %d, %+v", code, m)
	}
}

// A drill piped line by line: right, nearly right and wrong answers.
func TestInterviewPipedDrill(t *testing.T) {
	script := strings.Join([]string{
		"2 B may be down", "consumer-groups", "exactly-once", "message-id", "rabbitmq",
		"per-entity", "user_id", "retry-dlq", "retention",
		"115741", "1M", "5TB", "105 TB", "116", "11",
		"b", "c", "c", "b",
	}, "\n") + "\n"
	code, out, errs := interviewRun(t, script, "interview", "social-media", "--prove=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{
		"== Step 1 of 5: Sync or async ==", "== Follow-ups ==",
		"> 2 B may be down",                 // answers are echoed
		"CLOSE right order of magnitude",    // 1M against 1,157,407
		"115,741/s × 10x = 1,157,407/s",     // the working after a number
		"Prove it: mqsim run hot-partition", // no simulator: the command
		// 16 right, 2 close (exactly-once is partial here; 1M is 13.6%
		// off the peak), 1 wrong (RabbitMQ): 16×2 + 2 = 34 of 19×2 = 38.
		"Score: 34/38 (89%) — 16 right, 2 close, 1 wrong, 0 skipped",
	} {
		// Compare with the line wrapping undone.
		if !strings.Contains(strings.Join(strings.Fields(out), " "), s) {
			t.Errorf("transcript lacks %q", s)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

func TestInterviewAnswersFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "answers.yaml")
	os.WriteFile(path, []byte("prompt: payments\ndelivery: exactly-once\nsystem: sqs\nbrokers: 60\nfollow_ups:\n  consumer-crash: c\n"), 0o644)
	code, out, errs := interviewRun(t, "", "interview", "--answers", path, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var card interview.ScoreCard
	if err := json.Unmarshal([]byte(out), &card); err != nil {
		t.Fatal(err)
	}
	grades := map[string]interview.Grade{}
	for _, it := range card.Items {
		grades[it.ID] = it.Grade
	}
	// payments: exactly-once is the answer, SQS is partial, and the plan's 6
	// brokers against 60 is a factor of 10: wrong.
	want := map[string]interview.Grade{"delivery": interview.Right, "system": interview.Close, "brokers": interview.Wrong,
		"consumer-crash": interview.Right, "communication": interview.Unanswered}
	for id, g := range want {
		if grades[id] != g {
			t.Errorf("%s graded %s, want %s", id, grades[id], g)
		}
	}
	if card.Prompt != "payments" || !card.Complete || card.Points != 2+1+2 {
		t.Errorf("card: prompt %s complete %v points %d; want payments, true, 5", card.Prompt, card.Complete, card.Points)
	}
}

func TestInterviewBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	answers := filepath.Join(dir, "a.yaml")
	os.WriteFile(answers, []byte("prompt: social-media\ndelivery: at-least-once\nbrokers: eleven\n"), 0o644)
	prompt := filepath.Join(dir, "p.yaml")
	os.WriteFile(prompt, []byte("name: mine\ntitle: t\nbrief: b\nbuiltin_workload: nope\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"interview", "--answers", answers}, answers + ":3: brokers:"},
		{[]string{"interview", prompt}, prompt + ":4: builtin_workload:"},
		{[]string{"interview", "no-such-prompt"}, "no such prompt"},
		{[]string{"interview", "--answers", filepath.Join(dir, "missing.yaml")}, "cannot open"},
		{[]string{"interview", "-o", "xml"}, "unknown format"},
		{[]string{"interview", "--list", "payments"}, "--list"},
		{[]string{"interview", "--model-answer", "--answers", answers}, "separate modes"},
	} {
		code, _, errs := interviewRun(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// Ctrl-C (the context ending) stops a waiting question and prints the
// partial score card; so does the end of input.
func TestInterviewInterrupt(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.WriteString(pw, "async\n")
		cancel()
	}()
	var out bytes.Buffer
	err := runInterview(ctx, pr, &out, io.Discard, []string{"chat-delivery"}, interviewOptions{output: "text"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "Stopped.") || !strings.Contains(s, "Stopped after") || !strings.Contains(s, "Score:") {
		t.Errorf("no partial score card after the interrupt:\n%s", s)
	}

	code, out2, _ := interviewRun(t, "async\n", "interview", "chat-delivery", "-o", "json")
	var card interview.ScoreCard
	if code != 0 || json.Unmarshal([]byte(out2), &card) != nil || card.Complete || card.Asked != 1 || card.Points != 2 {
		t.Errorf("end of input: exit %d, card %+v; want a partial card of 1 right answer", code, card)
	}
}

// A scenario runner, when the simulator supplies one, proves follow-ups.
func TestInterviewScenarioRunner(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "answers.yaml")
	os.WriteFile(path, []byte("follow_ups:\n  hot-key: b\n"), 0o644)
	run := func(name string) (string, error) { return "max lag 12K on partition 3 of " + name, nil }
	var out bytes.Buffer
	err := runInterview(context.Background(), strings.NewReader(""), &out, io.Discard, []string{"event-bus"},
		interviewOptions{answers: path, output: "json"}, run)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"summary": "max lag 12K on partition 3 of hot-partition"`) {
		t.Errorf("the runner's summary is missing:\n%s", out.String())
	}
}

// With the simulator, a follow-up's proof is a real run of its scenario.
func TestInterviewProofRunsScenario(t *testing.T) {
	sum, err := proveWithScenario("hot-partition")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hot-partition in ", "lost 0", "expectations met"} {
		if !strings.Contains(sum, want) {
			t.Errorf("proof summary %q lacks %q", sum, want)
		}
	}
	// Human units, as everywhere else: counts with separators, latency in
	// the unit that keeps three digits ("10.5s", not "10510.9 ms").
	human := regexp.MustCompile(`: \d{1,3}(,\d{3})* acked, .*max lag \d{1,3}(,\d{3})*, p99 end-to-end \d{1,3}(\.\d+)?(µs|ms|s|m|h);`)
	if !human.MatchString(sum) {
		t.Errorf("proof summary %q is not in human units", sum)
	}
	if _, err := proveWithScenario("no-such-scenario"); err == nil {
		t.Error("a missing scenario gave no error")
	}
}

// transcriptScript is what a candidate types in the golden transcripts:
// natural answers, an unreadable one asked again until it is skipped on
// purpose, the example typed back, and slips a grader should name.
func transcriptScript(p *interview.Prompt) []string {
	pl := p.Plan
	example := map[string]string{}
	for _, q := range interview.Questions(p) {
		first, _, _ := strings.Cut(q.Example, ", ")
		example[q.ID], _, _ = strings.Cut(first, " or ")
	}
	script := []string{
		"asynchronous, nobody should wait on this", // communication
		"maybe", "consumer groups", // model: unreadable, then natural
		"exactly once",                  // delivery
		"1",                             // idempotency
		"kafka",                         // system
		"per entity",                    // ordering
		"2",                             // partition_key
		"retry dlq",                     // failure
		"",                              // backpressure: skipped
		"lots", "a few", "many", "skip", // avg: three unreadable, then skipped on purpose
		strings.TrimSpace(example["peak_messages_per_sec"]), // the hint typed back
		strconv.FormatFloat(pl.BytesPerDay/1e12, 'f', -1, 64) + " terabytes a day",
		units.FormatBytes(pl.RetainedBytes), // replication left out
		fmt.Sprintf("%d partitions", pl.Partitions),
		fmt.Sprintf("about %d", pl.Brokers+1),
	}
	for range p.FollowUps {
		script = append(script, "b")
	}
	return script
}

// A scripted interview of every built-in prompt matches its reviewed
// transcript. Regenerate with: go test ./cmd/mqsim -run TestInterviewTranscripts -update
func TestInterviewTranscripts(t *testing.T) {
	for _, name := range interview.Names() {
		t.Run(name, func(t *testing.T) {
			p, err := interview.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			stdin := strings.Join(transcriptScript(p), "\n") + "\n"
			code, out, errs := interviewRun(t, stdin, "interview", name, "--prove=false")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			assertHintsHoldNoAnswer(t, p, out)
			assertFits(t, name+" transcript", out, 80)
			golden := filepath.Join("testdata", "interview", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (create it with -update)", err)
			}
			if out != string(want) {
				t.Errorf("transcript differs from %s (rewrite with -update and review the diff):\n%s", golden, out)
			}
		})
	}
}

var numberToken = regexp.MustCompile(`\d+(?:,\d{3})*(?:\.\d+)?`)

// assertHintsHoldNoAnswer checks every number question as printed in a
// transcript — its example and any error above it — against the prompt's
// six answers as they get printed: raw, with separators, humanized, and in
// SI and byte units, each also rounded to one to three significant digits.
func assertHintsHoldNoAnswer(t *testing.T, p *interview.Prompt, transcript string) {
	t.Helper()
	pl := p.Plan
	forbidden := map[string]bool{}
	for _, v := range []float64{pl.AvgMessagesPerSec, pl.PeakMessagesPerSec, pl.BytesPerDay, pl.ReplicatedBytes, float64(pl.Partitions), float64(pl.Brokers)} {
		for sig := 1; sig <= 4; sig++ {
			r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', sig, 64), 64)
			for _, s := range []string{humanize.Comma(int64(math.Round(r))), units.FormatSI(r), units.FormatBytes(r),
				humanize.Bytes(uint64(r)), humanize.IBytes(uint64(r)), strconv.FormatFloat(r, 'f', -1, 64)} {
				for _, tok := range numberToken.FindAllString(s, -1) {
					forbidden[strings.ReplaceAll(tok, ",", "")] = true
				}
			}
		}
	}
	blocks := strings.Split(transcript, "\n> ")
	checked := 0
	for _, b := range blocks[:len(blocks)-1] {
		// A question is printed after a blank line; what follows is its
		// text, any problem with the previous answer, and the example.
		q := b[strings.LastIndex(b, "\n\n")+2:]
		if !strings.Contains(q, "(your estimate") {
			continue
		}
		checked++
		// The problem quotes what was typed; the rest is the tool's.
		q = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(q, `""`)
		for _, tok := range numberToken.FindAllString(q, -1) {
			if forbidden[strings.ReplaceAll(tok, ",", "")] {
				t.Errorf("%s: a number question shows %q, a printed form of an answer:\n%s", p.Name, tok, q)
			}
		}
	}
	// Six number questions, the average asked four times.
	if checked != 9 {
		t.Errorf("%s: %d number questions found in the transcript, want 9", p.Name, checked)
	}
}

// Answers as people say them are read: the seed's figures in words.
func TestInterviewNaturalAnswers(t *testing.T) {
	script := strings.Repeat("\n", 9) + strings.Join([]string{
		"1.16 million", "1.2 million/s", "5 TB a day", "105 terabytes", "116 partitions", "11 brokers",
	}, "\n") + "\n"
	code, out, errs := interviewRun(t, script, "interview", "social-media", "--prove=false", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var card interview.ScoreCard
	if err := json.Unmarshal([]byte(out), &card); err != nil {
		t.Fatal(err)
	}
	// 1.16M against 115,741/s is the peak given for the average: ×10.
	want := map[string]interview.Grade{"avg_messages_per_sec": interview.Wrong, "peak_messages_per_sec": interview.Right,
		"bytes_per_day": interview.Right, "replicated_bytes": interview.Right, "partitions": interview.Right, "brokers": interview.Right}
	for _, it := range card.Items {
		if g, ok := want[it.ID]; ok && it.Grade != g {
			t.Errorf("%s: %q graded %s, want %s", it.ID, it.Answer, it.Grade, g)
		}
		if it.ID == "avg_messages_per_sec" && !strings.Contains(it.Mistake, "peak factor (×10) is applied") {
			t.Errorf("the slip is not named: %q", it.Mistake)
		}
	}
	if card.Asked != 15 {
		t.Errorf("%d questions graded, want 15 (9 skipped, 6 numbers)", card.Asked)
	}
}

// assertFits fails for each line of text wider than width columns.
func assertFits(t *testing.T, what, text string, width int) {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(l); n > width {
			t.Errorf("%s: line %d is %d columns, over %d:\n%s", what, i+1, n, width, l)
		}
	}
}

// Every text the interview and recall commands print fits 80 columns.
func TestInterviewAndRecallFit80Columns(t *testing.T) {
	cmds := [][]string{{"interview", "--list"}, {"recall", "--topics"}, {"recall", "--print", "--count", "0", "--seed", "1"}}
	for _, name := range interview.Names() {
		cmds = append(cmds, []string{"interview", name, "--model-answer"})
	}
	for _, args := range cmds {
		code, out, errs := interviewRun(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		assertFits(t, strings.Join(args, " "), out, 80)
	}
	// A recall session, with an answer that is neither yes nor no.
	_, out, _ := interviewRun(t, "\nmaybe not quite sure about this one at all\ny\n", "recall", "--count", "1", "--seed", "2")
	assertFits(t, "recall session", out, 80)
}
