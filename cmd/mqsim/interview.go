package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/peterh/liner"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"mqsim/model"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/scenarios/interview"
	"mqsim/scenarios/units"
)

func init() { extraCommands = append(extraCommands, newInterviewCmd, newRecallCmd) }

// interviewScenarioRunner runs a built-in scenario for a follow-up's proof.
// With --prove=false it is not used and the drill prints the command to run
// instead.
var interviewScenarioRunner interview.ScenarioRunner = proveWithScenario

// proofDuration caps how long a follow-up's proof simulates, so each proof
// takes a second or two.
const proofDuration = 30 * units.Second

// proveWithScenario runs a built-in scenario (capped at proofDuration of
// simulated time) and summarises what it showed in one line.
func proveWithScenario(name string) (string, error) {
	ls, err := scenarios.LoadScenario(name, nil)
	if err != nil {
		return "", err
	}
	s := ls.Scenario
	if s.SystemName() == scenarios.SystemServices {
		return proveServices(name, &s) // interview_services.go: a service graph runs in full
	}
	// An event-sourcing proof replays the history its log holds: the whole run.
	if s.Duration > proofDuration && s.EventSourcing == nil {
		s.Duration = proofDuration
		for i := range s.Faults {
			if s.Faults[i].At >= s.Duration {
				return "", fmt.Errorf("scenario %s: its faults start after the first %v; run it in full", name, proofDuration)
			}
		}
	}
	res, err := model.Run(&s, model.Options{})
	if err != nil {
		return "", err
	}
	verdicts := scenarios.Evaluate(s.Expect, res)
	met := len(verdicts) - len(scenarios.Failed(verdicts))
	count := func(n int64) string { return reports.FormatMetric(float64(n), scenarios.KindCount) }
	p99 := "none processed"
	if res.E2ELatency.Count > 0 {
		p99 = reports.FormatMetric(res.E2ELatency.P99/1000, scenarios.KindDuration)
	}
	if es := res.EventSourcing; es != nil && len(es.Replays) > 0 {
		r := es.Replays[0]
		sec := func(v float64) string { return reports.FormatMetric(v, scenarios.KindDuration) }
		return fmt.Sprintf("%s in %v simulated: %s events; rebuild from offset 0 %s (events ÷ min(fetch, apply) = %s), view equals the fold: %v; %d of %d expectations met",
			name, s.Duration, count(es.Events), sec(r.Seconds), sec(r.Formula), r.Matches, met, len(verdicts)), nil
	}
	return fmt.Sprintf("%s in %v simulated: %s acked, lost %s, duplicates %s, reordered %s; max lag %s, p99 end-to-end %s; %d of %d expectations met",
		name, s.Duration, count(res.Acked), count(res.Lost), count(res.Duplicates), count(res.Reordered), count(res.MaxLag), p99, met, len(verdicts)), nil
}

type interviewOptions struct {
	list        bool
	modelAnswer bool
	answers     string
	output      string
	prove       bool
}

func newInterviewCmd() *cobra.Command {
	var o interviewOptions
	cmd := &cobra.Command{
		Use:   "interview [PROMPT|PROMPT.yaml]",
		Short: "Practise a system-design interview: the five-step framework, graded",
		Long: `Drill a system-design prompt through the five steps of the interview framework:
sync or async; system, model and delivery guarantee; ordering and partition
key; failures and backpressure; and the back-of-envelope numbers. Decisions
are graded against the prompt's rubric, numbers against mqsim's capacity
plan (right within 10%, close within half an order of magnitude), each with
the reasoning or the worked formula. Follow-up questions come last, each
with the built-in scenario that proves the answer.

Answer a multiple-choice question with the option, in plain words or by its
number, optionally followed by your reason ("exactly once: it moves money").
Numbers may be written as people say them: 1.16M, 1,157,407, 1.2 million/s,
105 terabytes. The example under a number question shows only the form of
an answer. An answer off by a recognisable factor (replication, the peak,
seconds in a day, bits, binary units) is graded with the slip named. An
answer that cannot be read is asked again with the reason; an empty line or
"skip" skips. On a terminal the arrow keys edit and recall answers. Ctrl-C,
Ctrl-D or the end of input stops and prints the score so far.

With no PROMPT it drills ` + interview.DefaultPrompt + `, the seed's worked example.`,
		Example: `  mqsim interview --list
  mqsim interview payments
  mqsim interview social-media --model-answer
  mqsim interview --answers my-answers.yaml --output json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			run := interviewScenarioRunner
			if !o.prove {
				run = nil
			}
			out, finish, err := textJSON(cmd.OutOrStdout(), &o.output, "mqsim interview")
			if err != nil {
				return err
			}
			return finish(runInterview(ctx, cmd.InOrStdin(), out, cmd.ErrOrStderr(), args, o, run))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.list, "list", false, "list the prompts and exit")
	f.BoolVar(&o.modelAnswer, "model-answer", false, "print only the model answer: the five steps filled in with the prompt's numbers")
	f.StringVar(&o.answers, "answers", "", "grade the answers in FILE.yaml without prompting")
	addOutputFlag(cmd, &o.output)
	f.BoolVar(&o.prove, "prove", true, "run the built-in scenario behind each follow-up answer and show its numbers; with --model-answer, also play the prompt's plan at its peak (step 5: and does it hold?)")
	return cmd
}

func runInterview(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, args []string, o interviewOptions, run interview.ScenarioRunner) error {
	switch o.output {
	case "text", "json":
	default:
		return badInput(fmt.Errorf("--output: unknown format %q (want text or json)", o.output))
	}
	switch {
	case o.list && (len(args) > 0 || o.modelAnswer || o.answers != ""):
		return badInput(errors.New("--list takes no prompt and no other mode flag"))
	case o.modelAnswer && o.answers != "":
		return badInput(errors.New("--model-answer and --answers are separate modes; use one"))
	}
	if o.list {
		return listPrompts(stdout, o.output)
	}

	var answers *interview.Answers
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	if o.answers != "" {
		a, err := interview.LoadAnswers(o.answers)
		if err != nil {
			return badInput(err)
		}
		answers = a
		if name == "" {
			name = a.Prompt
		}
	}
	if name == "" {
		name = interview.DefaultPrompt
	}
	p, err := interview.Load(name)
	if err != nil {
		return badInput(err)
	}

	switch {
	case o.modelAnswer:
		m := interview.Model(p)
		if o.prove {
			m.DoesItHold(provePlan(p.Plan))
		}
		if o.output == "json" {
			return reports.JSON(stdout, m)
		}
		_, err := io.WriteString(stdout, m.Text())
		return err
	case answers != nil:
		card, err := interview.GradeAnswers(p, answers, run)
		if err != nil {
			return badInput(err)
		}
		return writeScoreCard(stdout, card, o.output)
	}

	transcript := stdout
	if o.output == "json" {
		transcript = stderr
	}
	in := newAnswerReader(ctx, stdin, transcript)
	defer in.close()
	a := &lineAsker{in: in, out: transcript}
	io.WriteString(transcript, interview.Wrap(fmt.Sprintf("Interview: %s — %s", p.Name, p.Title), "", interview.Width)+"\n")
	io.WriteString(transcript, interview.Wrap("Interviewer: "+p.Brief, "", interview.Width))
	if in.echoes() {
		fmt.Fprintln(transcript, "(Ctrl-C stops and shows the score so far; an empty line or skip skips a question.)")
	}
	card, err := interview.Drill(p, a, run)
	if err != nil {
		return err
	}
	if !card.Complete {
		fmt.Fprintln(transcript, "\nStopped.")
	}
	fmt.Fprintln(transcript)
	return writeScoreCard(stdout, card, o.output)
}

func writeScoreCard(w io.Writer, card *interview.ScoreCard, output string) error {
	if output == "json" {
		return reports.JSON(w, card)
	}
	_, err := io.WriteString(w, card.Text())
	return err
}

func listPrompts(w io.Writer, output string) error {
	bank, err := interview.Bank()
	if err != nil {
		return err
	}
	type entry struct {
		Name     string `json:"name"`
		Title    string `json:"title"`
		Workload string `json:"workload"`
	}
	var list []entry
	for _, p := range bank {
		list = append(list, entry{p.Name, p.Title, p.Plan.Workload.Name})
	}
	if output == "json" {
		return reports.JSON(w, list)
	}
	for _, e := range list {
		io.WriteString(w, interview.WrapHanging(fmt.Sprintf("%-18s ", e.Name), e.Title, interview.Width))
	}
	return nil
}

// answerReader reads what the person types, one line at a time.
type answerReader interface {
	// readLine shows prompt and returns the line typed, or
	// interview.ErrStopped when the person stops: Ctrl-C, Ctrl-D, the end
	// of input.
	readLine(prompt string) (string, error)
	// echoes reports whether the terminal shows what is typed; when it
	// does not (a pipe), the reader echoes each line itself so the
	// transcript reads like a session.
	echoes() bool
	close() error
}

// newAnswerReader reads from a line editor with history when both in and
// out are the terminal (arrow keys move the cursor, up recalls earlier
// answers), and plain lines otherwise.
func newAnswerReader(ctx context.Context, in io.Reader, out io.Writer) answerReader {
	if isTerminal(in) && isTerminal(out) {
		// The editor writes its prompt to the process's standard output.
		if f, ok := out.(*os.File); ok && f == os.Stdout {
			if f, ok := in.(*os.File); ok && f == os.Stdin {
				return newEditorReader(ctx)
			}
		}
	}
	return &plainReader{lines: newLineReader(ctx, in), out: out}
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// editorReader is a line editor on the terminal.
type editorReader struct {
	ctx context.Context
	st  *liner.State
}

func newEditorReader(ctx context.Context) *editorReader {
	st := liner.NewLiner()
	// Ctrl-C at a prompt stops the drill with the score so far; between
	// prompts the terminal sends SIGINT, which ends ctx.
	st.SetCtrlCAborts(true)
	return &editorReader{ctx: ctx, st: st}
}

func (r *editorReader) readLine(prompt string) (string, error) {
	if r.ctx.Err() != nil {
		return "", interview.ErrStopped
	}
	line, err := r.st.Prompt(prompt)
	switch {
	case errors.Is(err, liner.ErrPromptAborted) || errors.Is(err, io.EOF):
		return "", interview.ErrStopped
	case err != nil:
		return "", err
	}
	if strings.TrimSpace(line) != "" {
		r.st.AppendHistory(line)
	}
	return line, nil
}

func (r *editorReader) echoes() bool { return true }
func (r *editorReader) close() error { return r.st.Close() }

// plainReader reads lines from a pipe, a file, or a terminal whose output
// goes elsewhere.
type plainReader struct {
	lines *lineReader
	out   io.Writer
}

func (r *plainReader) readLine(prompt string) (string, error) {
	io.WriteString(r.out, prompt)
	line, err := r.lines.next()
	switch {
	case err != nil:
		fmt.Fprintln(r.out)
	case !r.lines.tty:
		fmt.Fprintln(r.out, line)
	}
	return line, err
}

func (r *plainReader) echoes() bool { return r.lines.tty }
func (r *plainReader) close() error { return nil }

// lineReader reads lines from a terminal or a pipe. A goroutine reads, so
// that Ctrl-C (the context ending) can interrupt a question that waits.
type lineReader struct {
	ctx   context.Context
	lines chan string
	done  chan error // receives once, when input ends
	tty   bool
}

func newLineReader(ctx context.Context, in io.Reader) *lineReader {
	r := &lineReader{ctx: ctx, lines: make(chan string), done: make(chan error, 1), tty: isTerminal(in)}
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 4096), 64<<10)
		for sc.Scan() {
			select {
			case r.lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		err := sc.Err()
		if err == nil {
			err = io.EOF
		}
		r.done <- err
	}()
	return r
}

// next returns the next line; interview.ErrStopped when the context ends or
// the input does.
func (r *lineReader) next() (string, error) {
	select {
	case <-r.ctx.Done():
		return "", interview.ErrStopped
	case line := <-r.lines:
		return line, nil
	case err := <-r.done:
		r.done <- err // input stays ended for later calls
		if errors.Is(err, io.EOF) {
			return "", interview.ErrStopped
		}
		return "", err
	}
}

// lineAsker asks the drill's questions over an answerReader.
type lineAsker struct {
	in  answerReader
	out io.Writer
}

func (a *lineAsker) Ask(q interview.Question) (string, error) {
	io.WriteString(a.out, "\n"+interview.QuestionText(q))
	return a.in.readLine("> ")
}

func (a *lineAsker) Tell(e interview.Event) { io.WriteString(a.out, interview.EventText(e)) }
