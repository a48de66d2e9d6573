package reports

import (
	"bytes"
	"html/template"
)

// Page is a self-contained HTML document: inline CSS, figures as inline SVG,
// no scripts and nothing fetched from the network. Every string is escaped by
// html/template, so text from scenario or workload files cannot inject markup.
type Page struct {
	Title    string
	Subtitle string
	// Lead is the verdict in one sentence, shown first; LeadBad marks it
	// as reporting a loss (highlighted).
	Lead     string
	LeadBad  bool
	Sections []Section
	Command  string // the command that reproduces the page
}

// Section is a heading with paragraphs, tables, a bulleted list and
// figures, in that order.
type Section struct {
	Heading    string
	Paragraphs []string
	Tables     []Table
	Bullets    []string
	Figures    []Figure
}

// Table is a header row and body rows of plain text cells.
type Table struct {
	Header []string
	Rows   [][]string
	// Numeric marks columns to right-align.
	Numeric []bool
	// Bad marks cells to highlight as a problem (a message lost,
	// duplicated or reordered): Bad[row][col], any shape.
	Bad [][]bool
}

// bad reports whether cell (row, col) is marked bad.
func (t Table) bad(row, col int) bool {
	return row < len(t.Bad) && col < len(t.Bad[row]) && t.Bad[row][col]
}

// Figure is an SVG image inlined into the page, with a caption. File is
// the image's file beside the page, for the Markdown form.
type Figure struct {
	SVG     []byte
	Caption string
	File    string
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"svg":    func(b []byte) template.HTML { return template.HTML(sanitizeSVG(b)) },
	"num":    func(t Table, i int) bool { return i < len(t.Numeric) && t.Numeric[i] },
	"inline": htmlInline,
	"bad":    func(t Table, r, c int) bool { return t.bad(r, c) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{{.Title}}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { border: 1px solid #d8d8d8; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: .9rem; }
pre { background: #f6f6f6; padding: .6rem .8rem; overflow-x: auto; }
code { background: #f1f1f1; padding: 0 .2rem; border-radius: 3px; font-size: .92em; }
.lead { font-size: 1.15rem; padding: .7rem 1rem; border-left: 5px solid #0a7d45; background: #eef8f2; }
.lead.bad { border-left-color: #b3261e; background: #fdeeee; }
td.bad { background: #fdd8d5; color: #8c1d18; font-weight: 600; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Subtitle}}<p class="sub">{{.Subtitle}}</p>{{end}}
{{if .Lead}}<p class="lead{{if .LeadBad}} bad{{end}}">{{inline .Lead}}</p>{{end}}
{{range .Sections}}
<h2>{{.Heading}}</h2>
{{range .Paragraphs}}<p>{{inline .}}</p>
{{end}}{{range $t := .Tables}}<table>
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range $r, $row := .Rows}}<tr>{{range $i, $c := $row}}<td{{if or (num $t $i) (bad $t $r $i)}} class="{{if num $t $i}}n{{end}}{{if bad $t $r $i}} bad{{end}}"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}{{if .Bullets}}<ul>
{{range .Bullets}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{range .Figures}}<figure>{{svg .SVG}}{{if .Caption}}<figcaption>{{.Caption}}</figcaption>{{end}}</figure>
{{end}}{{end}}
{{if .Command}}<h2>Reproduce</h2>
<pre>{{.Command}}</pre>{{end}}
</body>
</html>
`))

// HTML renders a page.
func HTML(p Page) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, cleanPage(shareFonts(p))); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// cleanPage returns p with control characters in every string made
// visible (CleanText): html/template escapes markup, not control bytes.
func cleanPage(p Page) Page {
	list := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = Clean(s)
		}
		return out
	}
	p.Title, p.Subtitle, p.Command, p.Lead = Clean(p.Title), Clean(p.Subtitle), Clean(p.Command), Clean(p.Lead)
	secs := make([]Section, len(p.Sections))
	for i, s := range p.Sections {
		s.Heading = Clean(s.Heading)
		s.Paragraphs = list(s.Paragraphs)
		s.Bullets = list(s.Bullets)
		ts := make([]Table, len(s.Tables))
		for j, t := range s.Tables {
			t.Header = list(t.Header)
			t.Rows = cleanRows(t.Rows)
			ts[j] = t
		}
		s.Tables = ts
		figs := make([]Figure, len(s.Figures))
		for j, f := range s.Figures {
			f.Caption = Clean(f.Caption)
			figs[j] = f
		}
		s.Figures = figs
		secs[i] = s
	}
	p.Sections = secs
	return p
}

// sanitizeSVG strips the XML prolog and doctype from an SVG produced by our
// own plotter so it can be inlined. The SVG's text comes from gonum/plot,
// which escapes it; scripts never appear in it, and we refuse any that do.
func sanitizeSVG(b []byte) []byte {
	if i := bytes.Index(b, []byte("<svg")); i > 0 {
		b = b[i:]
	}
	lower := bytes.ToLower(b)
	if bytes.Contains(lower, []byte("<script")) || bytes.Contains(lower, []byte("javascript:")) || bytes.Contains(lower, []byte("<foreignobject")) {
		return []byte("<p>(figure omitted: it contained active content)</p>")
	}
	return b
}

// shareFonts keeps each embedded font's style block in the first figure
// that has it only: inline SVGs share the page's styles, so later figures
// use the same @font-face and the page stays small.
func shareFonts(p Page) Page {
	seen := map[string]bool{}
	secs := make([]Section, len(p.Sections))
	for i, s := range p.Sections {
		figs := make([]Figure, len(s.Figures))
		for j, f := range s.Figures {
			svg := f.SVG
			if lo := bytes.Index(svg, []byte("<style>")); lo >= 0 {
				if n := bytes.Index(svg[lo:], []byte("</style>")); n >= 0 {
					block := svg[lo : lo+n+len("</style>")]
					if bytes.Contains(block, []byte("@font-face")) {
						if seen[string(block)] {
							svg = append(append([]byte(nil), svg[:lo]...), svg[lo+len(block):]...)
						}
						seen[string(block)] = true
					}
				}
			}
			f.SVG = svg
			figs[j] = f
		}
		s.Figures = figs
		secs[i] = s
	}
	p.Sections = secs
	return p
}
