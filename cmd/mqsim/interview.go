package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

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
	if s.Duration > proofDuration {
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
	return fmt.Sprintf("%s in %v simulated: %d acked, lost %d, duplicates %d, reordered %d; max lag %d, p99 end-to-end %.1f ms; %d of %d expectations met",
		name, s.Duration, res.Acked, res.Lost, res.Duplicates, res.Reordered, res.MaxLag, res.E2ELatency.P99, met, len(verdicts)), nil
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

Answer a multiple-choice question with the option or its number, optionally
followed by your reason ("2 consumers dedupe by message ID"); an empty line
skips. Ctrl-C or end of input stops and prints the score so far.

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
	f.BoolVar(&o.prove, "prove", true, "run the built-in scenario behind each follow-up answer and show its numbers")
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
	a := &lineAsker{in: newLineReader(ctx, stdin), out: transcript}
	fmt.Fprintf(transcript, "Interview: %s — %s\n\n", p.Name, p.Title)
	io.WriteString(transcript, interview.Wrap("Interviewer: "+p.Brief, "", interview.Width))
	if a.in.tty {
		fmt.Fprintln(transcript, "(Ctrl-C stops and shows the score so far.)")
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
		fmt.Fprintf(w, "%-18s %s\n", e.Name, e.Title)
	}
	return nil
}

// lineReader reads lines from a terminal or a pipe. A goroutine reads, so
// that Ctrl-C (the context ending) can interrupt a question that waits.
type lineReader struct {
	ctx   context.Context
	lines chan string
	done  chan error // receives once, when input ends
	tty   bool
}

func newLineReader(ctx context.Context, in io.Reader) *lineReader {
	r := &lineReader{ctx: ctx, lines: make(chan string), done: make(chan error, 1)}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.tty = true
	}
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

// lineAsker asks the drill's questions over a lineReader.
type lineAsker struct {
	in  *lineReader
	out io.Writer
}

func (a *lineAsker) Ask(q interview.Question) (string, error) {
	fmt.Fprint(a.out, "\n"+interview.QuestionText(q)+"> ")
	line, err := a.in.next()
	switch {
	case err != nil:
		fmt.Fprintln(a.out)
	case !a.in.tty:
		// Echo piped answers so the transcript reads like a session.
		fmt.Fprintln(a.out, line)
	}
	return line, err
}

func (a *lineAsker) Tell(e interview.Event) { io.WriteString(a.out, interview.EventText(e)) }
