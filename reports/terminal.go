package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/dustin/go-humanize"

	"mqsim/scenarios"
)

// TextStyle says how text for a terminal may decorate itself. Color is
// for the caller to decide: only when the output is a terminal and
// NO_COLOR is not set.
type TextStyle struct {
	Color bool
}

// Styles are written as private-use markers while a text is built and
// turned into ANSI codes by terminalText, after every control character
// the text holds has been made visible: user text can never send the
// terminal an escape sequence, and only ours reach it.
const (
	ansiRed   = "\ue000\ue001"
	ansiGreen = "\ue000\ue002"
	ansiBold  = "\ue000\ue003"
	ansiReset = "\ue000\ue004"
)

var ansiCodes = map[rune]string{0xe001: "\x1b[31m", 0xe002: "\x1b[32m", 0xe003: "\x1b[1m", 0xe004: "\x1b[0m"}

func (st TextStyle) paint(code, s string) string {
	if !st.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

// terminalText makes text built for a terminal safe to print: control
// characters (but newlines) are made visible as CleanText does, then the
// style markers become ANSI codes.
func terminalText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == 0xe000 {
			if c, m := utf8.DecodeRuneInString(s[i:]); ansiCodes[c] != "" {
				b.WriteString(ansiCodes[c])
				i += m
				continue
			}
		}
		cleanRune(&b, r, n, true)
	}
	return b.String()
}

// painter decorates a cell after it has been padded, so colour codes never
// upset the alignment; nil leaves cells plain.
type painter func(row, col int, cell string) string

// writeTableStyled is writeTable with a painter.
func writeTableStyled(b *bytes.Buffer, rows [][]string, align string, paint painter) {
	rows = cleanRows(rows)
	widths := make([]int, len(align))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for ri, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			cell := c
			if paint != nil {
				cell = paint(ri, i, c)
			}
			if i == len(r)-1 && align[i] != 'r' {
				pad = "" // no trailing blanks
			}
			if align[i] == 'r' {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// badCount paints a non-zero lost, duplicates or reordered count red.
func (st TextStyle) badCount(name string) func(cell string) string {
	return func(cell string) string {
		switch name {
		case "lost", "duplicates", "reordered":
			if cell != "0" {
				return st.paint(ansiRed, cell)
			}
		}
		return cell
	}
}

// CompareText writes runs side by side, one column per run: the checker's
// ledger, latency, lag, throughput and replication, then how many
// expectations each met, and why lost, duplicates and reordered are what
// they are.
func CompareText(w io.Writer, runs []*Run, st TextStyle) error {
	if len(runs) == 0 {
		return fmt.Errorf("nothing to compare")
	}
	var b bytes.Buffer
	first := runs[0].Results
	fmt.Fprintf(&b, "Scenario: %s (seed %d), %d variants\n\n", first.Scenario, first.Seed, len(runs))
	align := "l" + strings.Repeat("r", len(runs))
	head := []string{""}
	for _, r := range runs {
		head = append(head, r.Label)
	}
	rows := [][]string{head, append([]string{"DELIVERY"}, make([]string, len(runs))...)}
	names := []string{"", ""}
	for _, row := range deliveryRows {
		cells := []string{"  " + row.name}
		for _, r := range runs {
			cells = append(cells, humanize.Comma(row.value(r.Results)))
		}
		rows = append(rows, cells)
		names = append(names, row.name)
	}
	rows = append(rows, append([]string{"LATENCY, LAG, THROUGHPUT"}, make([]string, len(runs))...))
	names = append(names, "")
	for _, m := range MetricRows(runs) {
		rows = append(rows, append([]string{"  " + m[0]}, m[1:]...))
		names = append(names, m[0])
	}
	exp := []string{"EXPECTATIONS MET"}
	for _, r := range runs {
		failed := len(scenarios.Failed(r.Expectations))
		exp = append(exp, fmt.Sprintf("%d of %d", len(r.Expectations)-failed, len(r.Expectations)))
	}
	rows = append(rows, exp)
	names = append(names, "expectations")
	writeTableStyled(&b, rows, align, func(ri, ci int, cell string) string {
		if ri == 0 || (ci == 0 && !strings.HasPrefix(cell, " ")) {
			return st.paint(ansiBold, cell)
		}
		if ci == 0 {
			return cell
		}
		if names[ri] == "expectations" {
			if !sameCount(cell) {
				return st.paint(ansiRed, cell)
			}
			return st.paint(ansiGreen, cell)
		}
		return st.badCount(names[ri])(cell)
	})
	b.WriteString("\nWHY\n")
	for _, r := range runs {
		for _, y := range Whys(r) {
			fmt.Fprintf(&b, "  %s — %s %s: %s.\n", r.Label, y.What, humanize.Comma(y.Count), y.Why)
		}
	}
	_, err := io.WriteString(w, terminalText(b.String()))
	return err
}

// cleanRows returns rows with every cell cleaned to one line.
func cleanRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			out[i][j] = Clean(c)
		}
	}
	return out
}

// sameCount reports whether "N of M" has N == M.
func sameCount(s string) bool {
	a, b, ok := strings.Cut(s, " of ")
	return ok && a == b
}
