package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"mqsim/reports"
	"mqsim/scenarios"
)

// The output formats of every command that prints results, by -o. "text"
// is accepted for "table".
const (
	outTable    = "table"
	outJSON     = "json"
	outYAML     = "yaml"
	outMarkdown = "markdown"
)

var outputFormats = []string{outTable, outJSON, outYAML, outMarkdown}

// addOutputFlag registers -o/--output with the formats the command takes
// (all four unless given), the table first, and their shell completion.
func addOutputFlag(cmd *cobra.Command, p *string, formats ...string) {
	if len(formats) == 0 {
		formats = outputFormats
	}
	cmd.Flags().StringVarP(p, "output", "o", outTable, "output format: "+orList(formats)+" (text is table)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, f := range formats {
			if strings.HasPrefix(f, toComplete) {
				out = append(out, f)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// checkOutput normalises *p ("text" becomes "table", case is ignored) and
// refuses a format the command does not take, suggesting the nearest.
func checkOutput(p *string, formats ...string) error {
	if len(formats) == 0 {
		formats = outputFormats
	}
	v := strings.ToLower(strings.TrimSpace(*p))
	switch v {
	case "text", "txt":
		v = outTable
	case "md":
		v = outMarkdown
	case "yml":
		v = outYAML
	}
	for _, f := range formats {
		if f == v {
			*p = v
			return nil
		}
	}
	return badInput(fmt.Errorf("--output: unknown format %q%s (want %s)", *p, scenarios.DidYouMean(*p, formats), orList(formats)))
}

// orList writes "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// writeYAML writes what render writes as JSON as YAML instead, with the
// same keys in the same order.
func writeYAML(w io.Writer, render func(io.Writer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	return reports.YAML(w, json.RawMessage(b.Bytes()))
}

// textJSON adapts a command whose renderers know "text" and "json" to the
// shared -o set: table (or text) becomes "text"; for yaml and markdown
// the command writes JSON into the returned writer and finish converts
// each JSON value into a YAML document, or a Markdown page under title,
// on w. finish passes the command's error through.
func textJSON(w io.Writer, output *string, title string) (out io.Writer, finish func(error) error, err error) {
	if err := checkOutput(output); err != nil {
		return nil, nil, err
	}
	switch *output {
	case outTable:
		*output = "text"
	case outYAML, outMarkdown:
		format := *output
		*output = outJSON
		var b bytes.Buffer
		return &b, func(err error) error {
			var docs []json.RawMessage
			dec := json.NewDecoder(&b)
			for dec.More() {
				var v json.RawMessage
				if derr := dec.Decode(&v); derr != nil {
					return errors.Join(err, derr)
				}
				docs = append(docs, v)
			}
			if cerr := convertJSON(w, format, title, docs); cerr != nil {
				return errors.Join(err, cerr)
			}
			return err
		}, nil
	}
	return w, func(err error) error { return err }, nil
}

// convertJSON writes JSON documents as YAML (one YAML document each) or
// as one Markdown page (several documents become the rows of one list).
func convertJSON(w io.Writer, format, title string, docs []json.RawMessage) error {
	if format == outMarkdown {
		if len(docs) == 0 {
			return nil
		}
		doc := docs[0]
		if len(docs) > 1 {
			all, err := json.Marshal(docs)
			if err != nil {
				return err
			}
			doc = all
		}
		return jsonMarkdown(w, doc, title)
	}
	for i, d := range docs {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if err := reports.YAML(w, d); err != nil {
			return err
		}
	}
	return nil
}

// jsonMarkdown writes a JSON document as Markdown under a title: an
// object's plain fields as a list of "**key**: value", a list of flat
// objects as a table, and nested objects and lists under a heading named
// by their key. Key order is kept.
func jsonMarkdown(w io.Writer, data []byte, title string) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# " + mdText(title) + "\n")
	if len(doc.Content) == 1 {
		mdNode(&b, doc.Content[0], 2)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdNode(b *strings.Builder, n *yaml.Node, depth int) {
	heading := strings.Repeat("#", min(depth, 6)) + " "
	switch n.Kind {
	case yaml.ScalarNode:
		b.WriteString("\n" + mdText(n.Value) + "\n")
	case yaml.SequenceNode:
		if cols := flatColumns(n); cols != nil {
			mdTable(b, n, cols)
			return
		}
		if allScalars(n) {
			b.WriteString("\n")
			for _, c := range n.Content {
				b.WriteString("- " + mdText(c.Value) + "\n")
			}
			return
		}
		for i, c := range n.Content {
			b.WriteString("\n" + heading + fmt.Sprint(i+1) + "\n")
			mdNode(b, c, depth+1)
		}
	case yaml.MappingNode:
		list := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case v.Kind == yaml.ScalarNode:
				if !list {
					b.WriteString("\n")
					list = true
				}
				b.WriteString("- **" + mdText(k.Value) + "**: " + mdText(v.Value) + "\n")
			case v.Kind == yaml.SequenceNode && allScalars(v):
				if !list {
					b.WriteString("\n")
					list = true
				}
				var vals []string
				for _, c := range v.Content {
					vals = append(vals, mdText(c.Value))
				}
				b.WriteString("- **" + mdText(k.Value) + "**: " + strings.Join(vals, ", ") + "\n")
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.ScalarNode || v.Kind == yaml.SequenceNode && allScalars(v) {
				continue
			}
			b.WriteString("\n" + heading + mdText(k.Value) + "\n")
			mdNode(b, v, depth+1)
		}
	}
}

// flatColumns returns the keys of a list of objects whose values are all
// plain (in first-seen order), or nil for any other list.
func flatColumns(n *yaml.Node) []string {
	var cols []string
	if len(n.Content) == 0 {
		return nil
	}
	for _, c := range n.Content {
		if c.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(c.Content); i += 2 {
			if v := c.Content[i+1]; v.Kind != yaml.ScalarNode && !(v.Kind == yaml.SequenceNode && allScalars(v)) {
				return nil
			}
			if k := c.Content[i].Value; !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
	}
	return cols
}

func allScalars(n *yaml.Node) bool {
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return false
		}
	}
	return true
}

func mdTable(b *strings.Builder, n *yaml.Node, cols []string) {
	b.WriteString("\n| " + strings.Join(cols, " | ") + " |\n|" + strings.Repeat("---|", len(cols)) + "\n")
	for _, c := range n.Content {
		row := make([]string, len(cols))
		for i := 0; i+1 < len(c.Content); i += 2 {
			v := c.Content[i+1]
			text := v.Value
			if v.Kind == yaml.SequenceNode {
				var vals []string
				for _, e := range v.Content {
					vals = append(vals, e.Value)
				}
				text = strings.Join(vals, ", ")
			}
			row[slices.Index(cols, c.Content[i].Value)] = mdText(text)
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
}

// mdText keeps text from breaking a Markdown table or list: pipes are
// escaped and line breaks become spaces.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("|", "\\|", "*", "\\*", "_", "\\_", "`", "\\`").Replace(s)
}
