package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// LocateJSON gives a line to every *InputError in err that lacks one, for
// errors about a JSON file (a saved run): a syntax error's line from its
// offset, a field's from where its key first appears (searched path
// segment by segment, so "resolved_scenario.producers[0].acks" finds the
// acks under the resolved scenario's producers). Errors that are not
// *InputErrors pass through.
func LocateJSON(data []byte, err error) error {
	if err == nil {
		return nil
	}
	var syntaxLine int
	var probe any
	var se *json.SyntaxError
	if e := json.Unmarshal(data, &probe); errors.As(e, &se) {
		syntaxLine = lineAt(data, int(se.Offset))
	}
	parts := Errors(err)
	out := make([]error, 0, len(parts))
	for _, e := range parts {
		var ie *InputError
		if !errors.As(e, &ie) || ie.Line > 0 {
			out = append(out, e)
			continue
		}
		c := *ie
		if c.Field == "" {
			c.Field = goStructField(c.Msg)
		}
		switch {
		case syntaxLine > 0:
			c.Line = syntaxLine
		case c.Field != "":
			c.Line = jsonKeyLine(data, c.Field)
		default:
			c.Line = 1
		}
		out = append(out, &c)
	}
	return errors.Join(out...)
}

func lineAt(data []byte, offset int) int {
	offset = min(max(offset, 0), len(data))
	return 1 + bytes.Count(data[:offset], []byte{'\n'})
}

var goFieldRE = regexp.MustCompile(`Go struct field \w+\.(\S+) of type`)

// goStructField extracts the JSON path from encoding/json's type errors
// ("cannot unmarshal string into Go struct field savedDoc.produced").
func goStructField(msg string) string {
	m := goFieldRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	// Embedded structs appear by their Go name (Results.produced), which
	// the JSON does not have.
	var keep []string
	for _, seg := range strings.Split(m[1], ".") {
		if seg != "" && !(seg[0] >= 'A' && seg[0] <= 'Z') {
			keep = append(keep, seg)
		}
	}
	return strings.Join(keep, ".")
}

// jsonKeyLine finds the line of the key path in JSON text, segment by
// segment; list indexes are skipped. It returns the line of the deepest
// segment found, or 1.
func jsonKeyLine(data []byte, path string) int {
	pos, line := 0, 1
	for _, seg := range splitPath(path) {
		if strings.Trim(seg, "0123456789") == "" || seg == "*" {
			continue
		}
		i := bytes.Index(data[pos:], []byte(`"`+seg+`"`))
		if i < 0 {
			continue
		}
		pos += i
		line = lineAt(data, pos)
	}
	return line
}
