package interview

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dustin/go-humanize"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

// printedForms lists the ways a figure gets printed — raw, with thousands
// separators, humanized, in SI and in decimal and binary byte units — for
// the figure itself and for it rounded to one, two and three significant
// digits.
func printedForms(v float64) []string {
	var out []string
	vals := []float64{v}
	for sig := 1; sig <= 3; sig++ {
		p := math.Pow(10, float64(sig)-math.Ceil(math.Log10(v)))
		vals = append(vals, math.Round(v*p)/p, math.Floor(v*p)/p, math.Ceil(v*p)/p)
	}
	for _, x := range vals {
		out = append(out,
			strconv.FormatFloat(x, 'f', 0, 64), strconv.FormatFloat(x, 'f', 1, 64), strconv.FormatFloat(x, 'f', 2, 64),
			strconv.FormatFloat(x, 'g', 3, 64), strconv.FormatFloat(x, 'g', -1, 64),
			humanize.Comma(int64(math.Round(x))), humanize.Commaf(x),
			humanize.SI(x, ""), humanize.SIWithDigits(x, 0, ""), humanize.SIWithDigits(x, 1, ""), humanize.SIWithDigits(x, 2, ""),
			units.FormatSI(x), units.FormatBytes(x),
			humanize.Bytes(uint64(x)), humanize.IBytes(uint64(x)))
		for _, base := range []float64{1000, 1024} {
			for m := x; m >= 0.01; m /= base {
				out = append(out, strconv.FormatFloat(m, 'f', -1, 64), strconv.FormatFloat(m, 'f', 0, 64), strconv.FormatFloat(m, 'g', 4, 64),
					strconv.FormatFloat(m, 'f', 1, 64), strconv.FormatFloat(m, 'f', 2, 64))
			}
		}
	}
	return out
}

var numTokenRE = regexp.MustCompile(`\d+(?:,\d{3})*(?:\.\d+)?`)

// numTokens returns the numbers written in s, separators removed and
// trailing decimal zeros trimmed, so "1,157,407" and "1157407.0" compare equal.
func numTokens(s string) []string {
	var out []string
	for _, tok := range numTokenRE.FindAllString(s, -1) {
		tok = strings.ReplaceAll(tok, ",", "")
		if strings.Contains(tok, ".") {
			tok = strings.TrimRight(strings.TrimRight(tok, "0"), ".")
		}
		out = append(out, tok)
	}
	return out
}

// answerNumbers is every number string the prompt's six answers print as.
func answerNumbers(p *Prompt) map[string]string {
	pl := p.Plan
	out := map[string]string{}
	for key, v := range map[string]float64{
		"avg_messages_per_sec": pl.AvgMessagesPerSec, "peak_messages_per_sec": pl.PeakMessagesPerSec,
		"bytes_per_day": pl.BytesPerDay, "replicated_bytes": pl.ReplicatedBytes,
		"partitions": float64(pl.Partitions), "brokers": float64(pl.Brokers),
	} {
		for _, f := range printedForms(v) {
			for _, tok := range numTokens(f) {
				out[tok] = key
			}
		}
	}
	return out
}

// assertNoAnswer fails when text holds a number that one of p's answers
// prints as.
func assertNoAnswer(t *testing.T, p *Prompt, where, text string, answers map[string]string) {
	t.Helper()
	for _, tok := range numTokens(text) {
		if key, ok := answers[tok]; ok {
			t.Errorf("%s: %s holds %q, a printed form of the answer to %s:\n%s", p.Name, where, tok, key, text)
		}
	}
}

// The forms check itself: the seed's figures in the ways they get printed.
func TestPrintedFormsCoverTheSeedsFigures(t *testing.T) {
	p := load(t, "social-media")
	ans := answerNumbers(p)
	for _, s := range []string{"115741", "115.7", "116", "115", "1157407", "1.16", "1.2", "1.157", "5", "105", "95.5", "95", "0.105", "11", "10"} {
		if _, ok := ans[s]; !ok {
			t.Errorf("the forms of the social-media answers lack %q", s)
		}
	}
}

// No hint and no error text of a number question holds any of the
// prompt's answers in any printed form, and typing the example back is not
// graded right.
func TestHintsGiveNothingAway(t *testing.T) {
	for _, p := range mustBank(t) {
		ans := answerNumbers(p)
		for _, q := range Questions(p) {
			if q.Kind != KindNumber {
				continue
			}
			if q.Example == "" {
				t.Errorf("%s %s: no example", p.Name, q.ID)
			}
			assertNoAnswer(t, p, q.ID+" question", QuestionText(q), ans)
			// The errors for answers that cannot be read.
			for _, bad := range []string{"lots", "5 parsecs", "12 per fortnight", "1,2", "eleventy", ""} {
				_, err := Grade1(p, q, bad+" x")
				if err == nil {
					t.Errorf("%s %s: %q read as a number", p.Name, q.ID, bad+" x")
					continue
				}
				// The error quotes what was typed; the rest is the tool's.
				asked := q
				asked.Problem = strings.ReplaceAll(err.Error(), strconv.Quote(bad+" x"), "")
				assertNoAnswer(t, p, q.ID+" error", QuestionText(asked), ans)
			}
			// Each form of the example, typed back, is graded wrong.
			for _, form := range exampleForms(q.Example) {
				it, err := Grade1(p, q, form)
				if err != nil {
					t.Errorf("%s %s: the example's form %q does not parse: %v", p.Name, q.ID, form, err)
					continue
				}
				if it.Grade != Wrong {
					t.Errorf("%s %s: the example %q typed back is graded %s, want wrong", p.Name, q.ID, form, it.Grade)
				}
			}
		}
	}
}

// exampleForms splits "3.7M/s, 3,700,000 or 3.7 million a second" into its
// forms.
func exampleForms(ex string) []string {
	var out []string
	for _, part := range strings.Split(ex, " or ") {
		// Thousands separators are followed by digits; list commas by a space.
		for _, f := range strings.Split(part, ", ") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

func mustBank(t *testing.T) []*Prompt {
	t.Helper()
	bank, err := Bank()
	if err != nil {
		t.Fatal(err)
	}
	return bank
}

// An answer off by a recognisable factor names the slip; one off by an
// unrecognisable factor names none.
func TestMistakesAreNamed(t *testing.T) {
	p := load(t, "social-media")
	for _, c := range []struct {
		id, answer string
		grade      Grade
		want       string
	}{
		// 35 TB is the retained data before replication: × RF 3 = 105 TB.
		{"replicated_bytes", "35 TB", Close, "replication (×3, the replication factor) is left out"},
		// 5 TB is one day's data: × 7 days × 3 = 105 TB.
		{"replicated_bytes", "5 TB", Wrong, "retention (7 days) is missing"},
		// 115,741/s is the average: × 10 = the peak.
		{"peak_messages_per_sec", "115741", Wrong, "peak factor (×10) is missing"},
		{"avg_messages_per_sec", "1.16M/s", Wrong, "peak factor (×10) is applied"},
		// 10B is messages per day, not per second (÷ 86,400).
		{"avg_messages_per_sec", "10B", Wrong, "per-day figure"},
		// 5 TB a day is 57.9 MB a second.
		{"bytes_per_day", "57.9 MB", Wrong, "per-second figure"},
		// 40 T is 5 TB in bits.
		{"bytes_per_day", "40 TB", Wrong, "bits, not bytes"},
		// 10B messages a day, without the 500 B each.
		{"bytes_per_day", "10 GB", Wrong, "message size (500 B) is missing"},
		// 35 TB / 10 TB = 3.5 → 4 brokers; × 3 = 12, within 10% of 11.
		{"brokers", "4", Close, "replication"},
		// Sized for the average: 115,741 / 10,000 = 11.6 → 12 partitions.
		{"partitions", "12", Wrong, "peak factor (×10) is missing"},
		// 200 TB is 1.9× 105 TB: no slip explains it.
		{"replicated_bytes", "200 TB", Close, ""},
		{"replicated_bytes", "105 TB", Right, ""},
	} {
		q := question(t, p, c.id)
		it, err := Grade1(p, q, c.answer)
		if err != nil {
			t.Fatalf("%s %q: %v", c.id, c.answer, err)
		}
		if it.Grade != c.grade || (c.want == "") != (it.Mistake == "") || !strings.Contains(it.Mistake, c.want) {
			t.Errorf("%s %q: %s, mistake %q; want %s and %q", c.id, c.answer, it.Grade, it.Mistake, c.grade, c.want)
		}
	}
	// Decimal against binary units: at petabytes 1 PiB = 1.1259 PB, so
	// 0.93 "PB" that is really PiB is 11% short of 1.05 PB. Seventy days of
	// the seed's 5 TB a day, × 3, is 1.05 PB.
	w := p.Plan.Workload
	w.Retention = 70 * units.Day
	pl, err := capacity.Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	if got := Mistake(pl, "replicated_bytes", 0.93e15); !strings.Contains(got, "PiB written as PB") {
		t.Errorf("0.93 PB against 1.05 PB: %q, want decimal against binary named", got)
	}
	// The mistake is shown with the grade.
	it, _ := Grade1(p, question(t, p, "replicated_bytes"), "35TB")
	if text := EventText(Event{Item: it}); !strings.Contains(strings.Join(strings.Fields(text), " "), "replication (×3, the replication factor) is left out") {
		t.Errorf("the mistake is not shown:\n%s", text)
	}
}

func question(t *testing.T, p *Prompt, id string) Question {
	t.Helper()
	for _, q := range Questions(p) {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("no question %s", id)
	return Question{}
}

// ParseNumber and ParseChoice read what a person types: never a panic, and a
// number read is finite and not negative.
func FuzzParseTypedAnswer(f *testing.F) {
	for _, s := range []string{"1.16 million", "1.2 million/s", "105 terabytes", "10B a day", "1,157,407", "95.5 TiB", "40 Tbit",
		"exactly once", "user id, because", "~", "1e400", "1,2", "5 TB/", ".5k", "about about 3"} {
		f.Add(s)
	}
	d, _ := decision("delivery")
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range []string{"rate", "bytes", "count"} {
			v, err := ParseNumber(s, kind)
			if err == nil && (v < 0 || math.IsNaN(v) || math.IsInf(v, 0)) {
				t.Errorf("ParseNumber(%q, %s) = %v", s, kind, v)
			}
		}
		if key, _, err := ParseChoice(s, d.Choices); err == nil && key == "" && strings.TrimSpace(s) != "" {
			t.Errorf("ParseChoice(%q) read no key and no error", s)
		}
	})
}
