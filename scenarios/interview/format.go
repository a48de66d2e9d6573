package interview

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Width is the column the text renderings wrap at.
const Width = 78

// Wrap breaks s into lines of at most width columns, each starting with indent.
func Wrap(s, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(s) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// WrapHanging wraps s after head: the first line starts with head, the
// lines after it with as many spaces, so a list item's text lines up.
func WrapHanging(head, s string, width int) string {
	pad := strings.Repeat(" ", utf8.RuneCountInString(head))
	out := Wrap(s, pad, width)
	if out == "" {
		return strings.TrimRight(head, " ") + "\n"
	}
	return head + strings.TrimPrefix(out, pad)
}

// ModelText renders the model answer to be read aloud.
func (m *ModelAnswer) Text() string {
	var b strings.Builder
	b.WriteString(Wrap(fmt.Sprintf("Model answer: %s — %s", m.Prompt, m.Title), "", Width) + "\n")
	b.WriteString(Wrap("Interviewer: "+m.Brief, "", Width))
	for _, s := range m.Steps {
		fmt.Fprintf(&b, "\nStep %d — %s\n", s.Step, s.Title)
		b.WriteString(Wrap(`"`+s.Say+`"`, "  ", Width))
	}
	b.WriteString("\nThe numbers (from mqsim capacity)\n")
	for _, n := range m.Numbers {
		b.WriteString(WrapHanging(fmt.Sprintf("  %-22s %-14s ", n.Key, n.Human), n.Formula, Width))
	}
	if len(m.FollowUps) > 0 {
		b.WriteString("\nFollow-ups they will ask\n")
		for _, f := range m.FollowUps {
			b.WriteString("\n" + Wrap("Q: "+f.Question, "  ", Width))
			b.WriteString(Wrap("A: "+f.Answer, "  ", Width))
			cmds := make([]string, len(f.Scenarios))
			for i, s := range f.Scenarios {
				cmds[i] = "mqsim run " + s
			}
			b.WriteString(Wrap("Prove it: "+strings.Join(cmds, "; "), "  ", Width))
		}
	}
	return b.String()
}

// QuestionText renders a question with its options.
func QuestionText(q Question) string {
	var b strings.Builder
	if q.Problem != "" {
		b.WriteString(Wrap("! "+q.Problem, "  ", Width))
	}
	b.WriteString(Wrap(q.Text, "", Width))
	for i, c := range q.Choices {
		if q.Kind == KindFollowUp {
			b.WriteString(WrapHanging("  "+c.Key+") ", c.Label, Width))
			continue
		}
		b.WriteString(WrapHanging(fmt.Sprintf("  %d) %-16s ", i+1, c.Key), c.Label, Width))
	}
	switch q.Kind {
	case KindDecision:
		b.WriteString("  (answer with the option or its number, then your reason if you like)\n")
	case KindNumber:
		b.WriteString(Wrap("(your estimate, written like "+q.Example+" — those figures only show the form)", "  ", Width))
	}
	return b.String()
}

var marks = map[Grade]string{Right: "RIGHT", Close: "CLOSE", Wrong: "WRONG", Unanswered: "SKIPPED"}

// EventText renders what the engine tells between questions.
func EventText(e Event) string {
	if e.Item == nil {
		if e.Step > 5 {
			return fmt.Sprintf("\n== %s ==\n", e.Title)
		}
		return fmt.Sprintf("\n== Step %d of 5: %s ==\n", e.Step, e.Title)
	}
	it := e.Item
	var b strings.Builder
	switch it.Kind {
	case KindNumber:
		b.WriteString(WrapHanging(marks[it.Grade]+" ", strings.TrimSpace(gradeNote(it)+"  (plan: "+it.Expected+")"), Width))
		if it.Mistake != "" {
			b.WriteString(Wrap(it.Mistake, "  ", Width))
		}
		b.WriteString(Wrap(it.Explanation, "  ", Width))
	default:
		b.WriteString(WrapHanging(marks[it.Grade]+"  ", "(expected: "+it.Expected+")", Width))
		if it.Why != "" {
			b.WriteString(Wrap("You said: "+it.Why, "  ", Width))
		}
		b.WriteString(Wrap(it.Explanation, "  ", Width))
		for _, p := range it.Proofs {
			switch {
			case p.Summary != "":
				b.WriteString(Wrap("Proof, "+p.Command+":", "  ", Width))
				for _, l := range strings.Split(p.Summary, "\n") {
					b.WriteString(Wrap(l, "    ", Width))
				}
			case p.Error != "":
				b.WriteString(Wrap(p.Command+" could not run: "+p.Error, "  ", Width))
			default:
				b.WriteString(Wrap("Prove it: "+p.Command, "  ", Width))
			}
		}
	}
	return b.String()
}

func gradeNote(it *Item) string {
	switch it.Grade {
	case Right:
		return "within 10%"
	case Close:
		return "right order of magnitude, more than 10% off"
	case Wrong:
		return "off by more than half an order of magnitude"
	}
	return ""
}

// Text renders the score card.
func (c *ScoreCard) Text() string {
	var b strings.Builder
	b.WriteString(Wrap(fmt.Sprintf("Score card: %s — %s", c.Prompt, c.Title), "", Width))
	// The answers' column is as wide as the longest, within reason.
	ansWidth := 14
	for _, it := range c.Items {
		ansWidth = max(ansWidth, min(utf8.RuneCountInString(it.Answer), 20))
	}
	step := 0
	for _, it := range c.Items {
		if it.Step != step {
			step = it.Step
			if step > 5 {
				b.WriteString("  Follow-ups\n")
			} else {
				fmt.Fprintf(&b, "  Step %d: %s\n", step, StepTitles[step])
			}
		}
		ans := it.Answer
		if ans == "" {
			ans = "—"
		}
		row := fmt.Sprintf("    %-7s %d/%d  %-22s you: %-*s expected: %s", marks[it.Grade], it.Points, it.Max, it.ID, ansWidth, ans, it.Expected)
		if utf8.RuneCountInString(row) > Width {
			// Too wide: what was expected goes on a line of its own.
			head := fmt.Sprintf("    %-7s %d/%d  %-22s you: ", marks[it.Grade], it.Points, it.Max, it.ID)
			row = strings.TrimRight(WrapHanging(head, ans, Width), "\n") + "\n" + WrapHanging(strings.Repeat(" ", 17)+"expected: ", it.Expected, Width)
		}
		b.WriteString(strings.TrimRight(row, "\n") + "\n")
	}
	if !c.Complete {
		fmt.Fprintf(&b, "  Stopped after %d of %d questions.\n", c.Asked, c.Questions)
	}
	fmt.Fprintf(&b, "Score: %d/%d (%.0f%%) — %d right, %d close, %d wrong, %d skipped\n",
		c.Points, c.Max, c.Percent(), c.Right, c.Close, c.Wrong, c.Unanswered)
	return b.String()
}
