package interview

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// A number question's example shows the form of an answer, never the
// answer: its figure is drawn from exampleFigures, the first that is at
// least a factor of exampleDistance away from the question's own answer
// (so typing it back is graded wrong) and that shares no printed digits
// with any of the prompt's answers (raw, rounded, or in decimal or binary
// units), so the hint gives nothing away.
var exampleFigures = map[string][]float64{
	"rate":  {42e3, 3.7e6, 680, 27, 460e6, 8.3e3},
	"bytes": {840e9, 3.2e15, 6.4e9, 73e6, 27e18},
	"count": {48, 730, 17, 2400, 9600, 290},
}

// exampleDistance is how far an example's figure stays from the answer: a
// decade, beyond the close grade's half decade.
const exampleDistance = 10

// quantityKind is how an answer to the quantity is parsed.
func quantityKind(key string) string {
	for _, q := range Quantities {
		if q.Key == key {
			return q.Kind
		}
	}
	return "count"
}

// Example returns the example shown with a number question of p: the form
// of an answer, with a figure unrelated to p's answers.
func Example(p *Prompt, key string) string {
	kind := quantityKind(key)
	want := planValue(p.Plan, key)
	taken := map[string]bool{}
	for _, q := range Quantities {
		for d := range printedDigits(planValue(p.Plan, q.Key), q.Kind == "bytes") {
			taken[d] = true
		}
	}
	cands := exampleFigures[kind]
	for _, v := range cands {
		if want > 0 && math.Abs(math.Log10(v/want)) < math.Log10(exampleDistance) {
			continue
		}
		text := exampleText(v, kind)
		clash := false
		for _, d := range digitsIn(text) {
			clash = clash || taken[d]
		}
		if !clash {
			return text
		}
	}
	// Every candidate clashes: show the form with letters only.
	switch kind {
	case "rate":
		return "N/s, NK/s or N million a second (N your figure)"
	case "bytes":
		return "N GB, N TB or N terabytes (N your figure)"
	}
	return "N (a whole number)"
}

// exampleText renders a figure in the forms an answer of its kind may take.
func exampleText(v float64, kind string) string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	comma := humanize.Comma(int64(v))
	switch kind {
	case "rate":
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%sM/s, %s or %s million a second", g(v/1e6), comma, g(v/1e6))
		case v >= 1e3:
			return fmt.Sprintf("%sK/s, %s or %s thousand a second", g(v/1e3), comma, g(v/1e3))
		}
		return fmt.Sprintf("%s/s or %s a second", g(v), g(v))
	case "bytes":
		units := []string{"B", "KB", "MB", "GB", "TB", "PB", "EB"}
		words := []string{"bytes", "kilobytes", "megabytes", "gigabytes", "terabytes", "petabytes", "exabytes"}
		i := 0
		m := v
		for m >= 1000 && i < len(units)-1 {
			m /= 1000
			i++
		}
		m = math.Round(m*1000) / 1000
		if m >= 100 && i+1 < len(units) {
			return fmt.Sprintf("%s %s, %s %s or %s %s", g(m), units[i], g(m/1000), units[i+1], g(m), words[i])
		}
		if i > 0 {
			return fmt.Sprintf("%s %s, %s %s or %s %s", g(m), units[i], humanize.Comma(int64(m*1000)), units[i-1], g(m), words[i])
		}
		return fmt.Sprintf("%s %s", g(m), units[i])
	}
	if v >= 1000 {
		return fmt.Sprintf("%s or %sK", comma, g(v/1000))
	}
	return comma
}

var digitsRE = regexp.MustCompile(`\d[\d,]*(?:\.\d+)?`)

// digitsIn returns the numbers written in s, without separators or
// trailing zeros after a decimal point.
func digitsIn(s string) []string {
	var out []string
	for _, d := range digitsRE.FindAllString(s, -1) {
		out = append(out, normDigits(strings.TrimRight(d, ",")))
	}
	return out
}

func normDigits(d string) string {
	d = strings.ReplaceAll(d, ",", "")
	if strings.Contains(d, ".") {
		d = strings.TrimRight(strings.TrimRight(d, "0"), ".")
	}
	return d
}

// printedDigits returns the digit strings v may be printed with: raw, and
// as a mantissa scaled by thousands (and, for bytes, by 1024s) or by its
// power of ten, rounded up, down or to nearest at one to four significant
// digits.
func printedDigits(v float64, bytes bool) map[string]bool {
	out := map[string]bool{}
	out[normDigits(strconv.FormatFloat(v, 'f', 0, 64))] = true
	out[normDigits(strconv.FormatFloat(v, 'f', 1, 64))] = true
	if v <= 0 {
		return out
	}
	scaled := []float64{v / math.Pow(10, math.Floor(math.Log10(v)))}
	bases := []float64{1000}
	if bytes {
		bases = append(bases, 1024)
	}
	for _, base := range bases {
		for m := v; m >= 0.01; m /= base {
			scaled = append(scaled, m)
		}
	}
	for _, m := range scaled {
		for sig := 1; sig <= 4; sig++ {
			p := math.Pow(10, float64(sig)-math.Ceil(math.Log10(m)))
			for _, r := range []float64{math.Round(m*p) / p, math.Floor(m*p) / p, math.Ceil(m*p) / p} {
				out[normDigits(strconv.FormatFloat(r, 'f', -1, 64))] = true
			}
		}
	}
	return out
}
