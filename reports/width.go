package reports

import (
	"bytes"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/text"
)

// DefaultWidth is the width text output fits when the output is not a
// terminal (a pipe, a file), as a terminal's own width is unknown there.
const DefaultWidth = 80

// width is the number of columns the output may use.
func (st TextStyle) width() int {
	if st.Width > 0 {
		return st.Width
	}
	return DefaultWidth
}

// textWidth is the number of terminal columns s takes (wide characters
// count two).
func textWidth(s string) int { return text.StringWidthWithoutEscSequences(s) }

// wrapLines wraps prose to lines of at most w columns, breaking between
// words (and inside a word only when it alone is wider than w). Runs of
// white space become one space.
func wrapLines(s string, w int) []string {
	s = strings.Join(strings.Fields(Clean(s)), " ")
	if s == "" {
		return nil
	}
	w = max(w, 8)
	var out []string
	for _, l := range strings.Split(text.WrapSoft(s, w), "\n") {
		l = strings.TrimRight(l, " ")
		if textWidth(l) > w {
			for _, h := range strings.Split(text.WrapHard(l, w), "\n") {
				out = append(out, strings.TrimRight(h, " "))
			}
			continue
		}
		out = append(out, l)
	}
	return out
}

// writeWrapped writes prose wrapped to width w: the first line after
// first, the others after rest (a hanging indent), each ending in a
// newline.
func writeWrapped(b *bytes.Buffer, s string, w int, first, rest string) {
	lines := wrapLines(s, w-max(textWidth(first), textWidth(rest)))
	if len(lines) == 0 {
		b.WriteString(strings.TrimRight(first, " ") + "\n")
		return
	}
	for i, l := range lines {
		if i == 0 {
			b.WriteString(first + l + "\n")
		} else {
			b.WriteString(rest + l + "\n")
		}
	}
}

// writeCommand writes a shell command of the form "mqsim run x --flag v"
// on lines of at most w columns, breaking between arguments with a
// backslash continuation, so it can still be pasted into a shell.
func writeCommand(b *bytes.Buffer, cmd string, w int, first string) {
	cmd = Clean(cmd)
	if textWidth(first+cmd) <= w {
		b.WriteString(first + cmd + "\n")
		return
	}
	// Split at spaces outside single quotes, keeping "--flag value" together.
	var args []string
	var cur strings.Builder
	quoted := false
	for _, r := range cmd {
		switch {
		case r == '\'':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			args = append(args, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	args = append(args, cur.String())
	var groups []string
	for i := 0; i < len(args); i++ {
		g := args[i]
		if strings.HasPrefix(g, "--") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			g += " " + args[i+1]
			i++
		}
		groups = append(groups, g)
	}
	indent := strings.Repeat(" ", textWidth(first)+2)
	line := first
	for i, g := range groups {
		switch {
		case i == 0:
			line += g
		case textWidth(line+" "+g+" \\") <= w:
			line += " " + g
		case textWidth(indent+g+" \\") <= w:
			b.WriteString(line + " \\\n")
			line = indent + g
		default:
			// One argument wider than a line: break inside it. A
			// backslash-newline joins the pieces back into one word, so the
			// next piece starts at column 0; a quote open at the break is
			// closed before it and reopened after.
			b.WriteString(line + " \\\n")
			line = indent
			quoted := false
			for _, r := range g {
				room := w - 1
				if quoted {
					room-- // the closing quote
				}
				if textWidth(line)+1 > room {
					if quoted {
						line += "'"
					}
					b.WriteString(line + "\\\n")
					line = ""
					if quoted {
						line = "'"
					}
				}
				if r == '\'' {
					quoted = !quoted
				}
				line += string(r)
			}
		}
	}
	b.WriteString(line + "\n")
}

// fitColumns chooses column widths for rows so that a table with gap
// columns between cells fits w: natural widths when they fit, else the
// columns with the most room give way down to their longest word (ok),
// and only then do words break (not ok: the caller may prefer another
// layout).
func fitColumns(rows [][]string, gap, w int) (widths []int, ok bool) {
	n := 0
	for _, r := range rows {
		n = max(n, len(r))
	}
	widths = make([]int, n)
	minW := make([]int, n)
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], textWidth(c))
			for _, word := range strings.Fields(c) {
				minW[i] = max(minW[i], textWidth(word))
			}
		}
	}
	total := func() int {
		t := gap * max(0, n-1)
		for _, x := range widths {
			t += x
		}
		return t
	}
	if w <= 0 {
		return widths, true
	}
	// Narrow the column with the most room to give; the first column (the
	// row names) only when the others cannot give any more.
	for _, from := range []int{1, 0} {
		for total() > w {
			best := -1
			for i := from; i < n; i++ {
				if widths[i] > minW[i] && (best < 0 || widths[i]-minW[i] > widths[best]-minW[best]) {
					best = i
				}
			}
			if best < 0 {
				break
			}
			widths[best] = max(minW[best], widths[best]-(total()-w))
		}
	}
	if total() <= w {
		return widths, true
	}
	// Words wider than their share: break inside them, widest column
	// first, down to 6 columns each.
	for total() > w {
		best := 0
		for i := range widths {
			if widths[i] > widths[best] {
				best = i
			}
		}
		if widths[best] <= 6 {
			return widths, false
		}
		widths[best]--
	}
	return widths, false
}

// wrapCell wraps one cell to width w (one line when it fits), keeping its
// indentation on every line.
func wrapCell(c string, w int) []string {
	if textWidth(c) <= w {
		return []string{c}
	}
	body := strings.TrimLeft(c, " ")
	lead := c[:len(c)-len(body)]
	if len(lead) >= w/2 {
		lead = ""
	}
	lines := wrapLines(body, w-len(lead))
	for i := range lines {
		lines[i] = lead + lines[i]
	}
	return lines
}

// writeTableFit writes rows as aligned columns, two spaces apart, in at
// most w columns (no limit when w is 0); align has one letter per column,
// l (left) or r (right). Cells too wide for their column wrap onto
// further lines of the row. With spill, when the columns cannot fit
// without breaking words, the last column moves to indented lines under
// each row instead. paint decorates each line of a cell after padding, so
// styles never upset the alignment; nil leaves cells plain.
func writeTableFit(b *bytes.Buffer, rows [][]string, align string, paint painter, w int, spill bool) {
	rows = cleanRows(rows)
	widths, ok := fitColumns(rows, 2, w)
	if !ok && spill && len(align) > 1 {
		last := len(align) - 1
		head := make([][]string, len(rows))
		for i, r := range rows {
			head[i] = r[:min(len(r), last)]
		}
		widths, _ = fitColumns(head, 2, w)
		for ri, r := range head {
			writeRow(b, ri, r, widths, align, paint)
			if len(rows[ri]) > last && rows[ri][last] != "" {
				writeWrapped(b, rows[ri][last], w, "      ", "      ")
			}
		}
		return
	}
	for ri, r := range rows {
		writeRow(b, ri, r, widths, align, paint)
	}
}

// writeRow writes one table row, its cells wrapped to widths.
func writeRow(b *bytes.Buffer, ri int, r []string, widths []int, align string, paint painter) {
	cells := make([][]string, len(r))
	height := 1
	for i, c := range r {
		cells[i] = wrapCell(c, widths[i])
		height = max(height, len(cells[i]))
	}
	for k := 0; k < height; k++ {
		var line strings.Builder
		for i := range r {
			piece := ""
			if k < len(cells[i]) {
				piece = cells[i][k]
			}
			pad := strings.Repeat(" ", max(0, widths[i]-textWidth(piece)))
			if i > 0 {
				line.WriteString("  ")
			}
			cell := piece
			if paint != nil && piece != "" {
				cell = paint(ri, i, piece)
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

// ListEntry is one item of a list: a name and paragraphs about it.
type ListEntry struct {
	Name  string
	Lines []string
}

// ListText writes entries as a two-column list fitting the style's width:
// names padded to one column, each paragraph wrapped beside them with a
// hanging indent (under the name, indented, when names are too wide to
// leave room).
func ListText(w io.Writer, entries []ListEntry, st TextStyle) error {
	width := st.width()
	nameW := 0
	for _, e := range entries {
		nameW = max(nameW, textWidth(Clean(e.Name)))
	}
	var b bytes.Buffer
	beside := nameW+2 <= width*2/5
	for _, e := range entries {
		name := Clean(e.Name)
		if !beside {
			b.WriteString(name + "\n")
			for _, l := range e.Lines {
				writeWrapped(&b, l, width, "    ", "    ")
			}
			continue
		}
		indent := strings.Repeat(" ", nameW+2)
		first := name + strings.Repeat(" ", nameW+2-textWidth(name))
		if len(e.Lines) == 0 {
			b.WriteString(name + "\n")
		}
		for i, l := range e.Lines {
			if i > 0 {
				first = indent
			}
			writeWrapped(&b, l, width, first, indent)
		}
	}
	_, err := io.WriteString(w, terminalText(b.String()))
	return err
}
