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
	// Width is the number of columns every line fits: the terminal's
	// width, or 0 for DefaultWidth (80) when the output is not a terminal.
	Width int
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
	writeTableFit(b, rows, align, paint, 0, false)
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
	if servicesRuns(runs) {
		return servicesCompareText(w, runs, st) // run_services.go
	}
	var b bytes.Buffer
	width := st.width()
	first := runs[0].Results
	writeWrapped(&b, fmt.Sprintf("Scenario: %s (seed %d), %d variants", first.Scenario, first.Seed, len(runs)), width, "", "")
	b.WriteString("\n")
	head := []string{""}
	for _, r := range runs {
		head = append(head, r.Label)
	}
	rows := [][]string{head, append([]string{"DELIVERY"}, make([]string, len(runs))...)}
	names := []string{"", ""}
	for _, row := range deliveryRows {
		cells := []string{"  " + row.name}
		for _, r := range runs {
			cells = append(cells, deliveryCell(r, row.value(r.Results)))
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
	paint := func(ri, ci int, cell string) string {
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
	}
	// Too many variants for the width: the variant columns are shown a
	// group at a time, each group beside the row names.
	for i, group := range columnGroups(rows, width) {
		if i > 0 {
			b.WriteString("\n")
		}
		part := make([][]string, len(rows))
		for ri, r := range rows {
			part[ri] = []string{r[0]}
			for _, c := range group {
				part[ri] = append(part[ri], r[c])
			}
		}
		writeTableFit(&b, part, "l"+strings.Repeat("r", len(group)), paint, width, false)
	}
	b.WriteString("\nWHY\n")
	for _, r := range runs {
		for _, y := range Whys(r) {
			writeWrapped(&b, fmt.Sprintf("%s — %s %s: %s.", r.Label, y.What, humanize.Comma(y.Count), y.Why), width, "  ", "    ")
		}
	}
	writeNotApplied(&b, runs, width)
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

// columnGroups splits the columns after the first (the row names) into
// groups that fit width beside the first column, each column as narrow as
// its longest word; in order, at least one column a group.
func columnGroups(rows [][]string, width int) [][]int {
	cleaned := cleanRows(rows)
	first := 0
	n := 0
	for _, r := range cleaned {
		first = max(first, textWidth(r[0]))
		n = max(n, len(r))
	}
	colMin := func(c int) int {
		w := 0
		for _, r := range cleaned {
			if c < len(r) {
				for _, word := range strings.Fields(r[c]) {
					w = max(w, textWidth(word))
				}
			}
		}
		return w
	}
	var groups [][]int
	var cur []int
	used := first
	for c := 1; c < n; c++ {
		w := colMin(c) + 2
		if len(cur) > 0 && used+w > width {
			groups = append(groups, cur)
			cur, used = nil, first
		}
		cur = append(cur, c)
		used += w
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	if len(groups) < 2 {
		return groups
	}
	// Balance the groups (2 + 2, not 3 + 1) when the even ones fit too.
	per := (n - 1 + len(groups) - 1) / len(groups)
	var even [][]int
	for c := 1; c < n; c += per {
		var g []int
		used := first
		for k := c; k < min(n, c+per); k++ {
			g = append(g, k)
			used += colMin(k) + 2
		}
		if used > width {
			return groups
		}
		even = append(even, g)
	}
	return even
}

// sameCount reports whether "N of M" has N == M.
func sameCount(s string) bool {
	a, b, ok := strings.Cut(s, " of ")
	return ok && a == b
}
