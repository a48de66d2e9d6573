package reports

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// PageMarkdown writes a Page as Markdown: the same document as its HTML
// form, with figures as links to their image files (Figure.File). Every
// string is escaped so scenario text cannot break the tables or inject
// markup.
func PageMarkdown(w io.Writer, p Page) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", mdText(p.Title))
	if p.Subtitle != "" {
		fmt.Fprintf(&b, "_%s_\n\n", mdText(p.Subtitle))
	}
	if p.Lead != "" {
		fmt.Fprintf(&b, "**%s**\n\n", mdInline(p.Lead))
	}
	for _, s := range p.Sections {
		fmt.Fprintf(&b, "## %s\n\n", mdText(s.Heading))
		for _, para := range s.Paragraphs {
			fmt.Fprintf(&b, "%s\n\n", mdInline(para))
		}
		for _, t := range s.Tables {
			writeMarkdownTable(&b, t)
			b.WriteString("\n")
		}
		for _, item := range s.Bullets {
			fmt.Fprintf(&b, "- %s\n", mdText(item))
		}
		if len(s.Bullets) > 0 {
			b.WriteString("\n")
		}
		for _, f := range s.Figures {
			if f.File == "" {
				continue
			}
			alt := strings.TrimSuffix(f.File, filepath.Ext(f.File))
			fmt.Fprintf(&b, "![%s](%s)\n\n", mdText(alt), f.File)
			if f.Caption != "" {
				fmt.Fprintf(&b, "_%s_\n\n", mdText(f.Caption))
			}
		}
	}
	if p.Command != "" {
		fmt.Fprintf(&b, "## Reproduce\n\n```sh\n%s\n```\n", strings.ReplaceAll(Clean(p.Command), "`", "'"))
	}
	_, err := w.Write(bytes.TrimRight(b.Bytes(), "\n"))
	if err == nil {
		_, err = io.WriteString(w, "\n")
	}
	return err
}

func writeMarkdownTable(b *bytes.Buffer, t Table) {
	cells := func(row []string) string {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = mdText(c)
		}
		return "| " + strings.Join(out, " | ") + " |\n"
	}
	b.WriteString(cells(t.Header))
	seps := make([]string, len(t.Header))
	for i := range seps {
		seps[i] = "---"
		if i < len(t.Numeric) && t.Numeric[i] {
			seps[i] = "---:"
		}
	}
	b.WriteString("|" + strings.Join(seps, "|") + "|\n")
	for ri, r := range t.Rows {
		row := make([]string, len(r))
		for ci, c := range r {
			row[ci] = mdText(c)
			if t.bad(ri, ci) {
				row[ci] = "**" + row[ci] + "**"
			}
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
}
