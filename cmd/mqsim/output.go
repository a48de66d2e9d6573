package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

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
// shared -o set: table (or text) becomes "text"; for yaml the command
// writes JSON into the returned writer and finish converts each JSON value
// into a YAML document on w. finish passes the command's error through.
func textJSON(w io.Writer, output *string) (out io.Writer, finish func(error) error, err error) {
	if err := checkOutput(output, outTable, outJSON, outYAML); err != nil {
		return nil, nil, err
	}
	switch *output {
	case outTable:
		*output = "text"
	case outYAML:
		*output = outJSON
		var b bytes.Buffer
		return &b, func(err error) error {
			dec := json.NewDecoder(&b)
			for first := true; dec.More(); first = false {
				var v json.RawMessage
				if derr := dec.Decode(&v); derr != nil {
					return errors.Join(err, derr)
				}
				if !first {
					if _, werr := io.WriteString(w, "---\n"); werr != nil {
						return errors.Join(err, werr)
					}
				}
				if yerr := reports.YAML(w, v); yerr != nil {
					return errors.Join(err, yerr)
				}
			}
			return err
		}, nil
	}
	return w, func(err error) error { return err }, nil
}
