package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"mqsim/scenarios/units"
)

// InputError is bad input in a file or on the command line. It names the
// file (or flag), the line and the field, and says what was expected.
type InputError struct {
	File  string // a path, an embedded name such as "workloads/social-media.yaml", or "--set"
	Line  int    // 1-based; 0 when not known
	Field string // a dotted path such as "producers[0].acks"; empty when not known
	Msg   string
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// FieldError is a validation failure on one field, before its line is known.
// Validation passes return these; the loader turns them into InputErrors.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// fieldPather is any validation error that names the field it is about, so
// packages that cannot import this one (capacity) can still report fields.
type fieldPather interface {
	error
	FieldPath() string
}

// Limits that keep hostile files from hanging or exhausting memory.
const (
	maxDepth     = 64      // nesting levels
	maxNodes     = 200_000 // nodes after alias expansion
	maxScalarLen = 64 << 10
)

// DecodeStrict decodes one YAML document into v, refusing unknown fields,
// wrong types and hostile input, and returns the parsed node tree so callers
// can find the line of any field for later validation errors. Every problem
// in the document is reported at once (joined *InputErrors).
func DecodeStrict(file string, data []byte, v any) (*yaml.Node, error) {
	root, _, _, err := decodeChecked(file, data, v)
	return root, err
}

// decodeChecked is DecodeStrict that also returns the paths of the fields
// the document sets explicitly and of those it reported. When the document
// parses, v holds every field that was not reported (with a nil error or
// not), so validation can report the file's other problems in the same run.
func decodeChecked(file string, data []byte, v any) (root *yaml.Node, explicit, bad map[string]bool, err error) {
	root, err = parseDocument(file, data)
	if err != nil {
		return nil, nil, nil, err
	}
	explicit, bad = map[string]bool{}, map[string]bool{}
	errs := checkTree(file, root, reflect.TypeOf(v), explicit, bad)
	if err := root.Decode(v); err != nil {
		errs = append(errs, decodeError(file, root, v, err))
	}
	return root, explicit, bad, errors.Join(capErrors(errs)...)
}

// parseDocument parses one YAML document whose top level is a mapping,
// refusing binary data and hostile shapes.
func parseDocument(file string, data []byte) (*yaml.Node, error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(file, MaxFileSize, "a scenario, workload or answers file")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 || !utf8.Valid(data) {
		if i < 0 {
			i = firstInvalidUTF8(data)
		}
		return nil, &InputError{File: file, Line: 1 + bytes.Count(data[:i], []byte{'\n'}), Msg: "not a YAML text file (binary data)"}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &InputError{File: file, Line: 1, Msg: "empty file: expected a YAML mapping"}
		}
		return nil, yamlSyntaxError(file, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &InputError{File: file, Line: extra.Line, Msg: "more than one YAML document; expected one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlSyntaxError(file, data, err)
	}
	if err := checkShape(file, &root); err != nil {
		return nil, err
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, &InputError{File: file, Line: doc.Line, Msg: "expected a mapping of field: value at the top level"}
	}
	return &root, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

var (
	lineRE   = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	anchorRE = regexp.MustCompile(`unknown anchor '(.*)' referenced`)
)

// yamlSyntaxError turns a parser error into an InputError with a line. The
// parser leaves the line out of a few messages (an unknown anchor, too deep
// a nesting); those are found in the text.
func yamlSyntaxError(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &InputError{File: file, Line: line, Msg: "not valid YAML: " + m[2]}
	}
	line := 1
	switch {
	case anchorRE.MatchString(msg):
		name := anchorRE.FindStringSubmatch(msg)[1]
		if i := bytes.Index(data, []byte("*"+name)); i >= 0 {
			line = 1 + bytes.Count(data[:i], []byte{'\n'})
		}
	case strings.Contains(msg, "max depth"):
		line = deepLine(data)
	}
	return &InputError{File: file, Line: line, Msg: "not valid YAML: " + msg}
}

// deepLine returns the line where flow brackets or indentation first nest
// deeper than maxDepth, or the last line.
func deepLine(data []byte) int {
	depth, line := 0, 1
	for _, c := range data {
		switch c {
		case '[', '{':
			depth++
			if depth > maxDepth {
				return line
			}
		case ']', '}':
			depth--
		case '\n':
			line++
		}
	}
	return line
}

// checkShape refuses documents that are too deep, too large after alias
// expansion, or carry enormous scalars — before any typed decoding happens.
func checkShape(file string, root *yaml.Node) error {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return &InputError{File: file, Msg: "empty file: expected a YAML mapping"}
	}
	expanded := map[*yaml.Node]int{}
	var walk func(n *yaml.Node, depth int) (int, error)
	walk = func(n *yaml.Node, depth int) (int, error) {
		if depth > maxDepth {
			return 0, &InputError{File: file, Line: n.Line, Msg: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
		}
		if n.Kind == yaml.ScalarNode && len(n.Value) > maxScalarLen {
			return 0, &InputError{File: file, Line: n.Line, Msg: fmt.Sprintf("a value longer than %d KiB", maxScalarLen>>10)}
		}
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1, nil
			}
			if c, ok := expanded[n.Alias]; ok {
				return c, nil
			}
			c, err := walk(n.Alias, depth+1)
			expanded[n.Alias] = c
			return c, err
		}
		total := 1
		for _, c := range n.Content {
			k, err := walk(c, depth+1)
			if err != nil {
				return 0, err
			}
			total += k
			if total > maxNodes {
				return 0, &InputError{File: file, Line: n.Line, Msg: fmt.Sprintf("more than %d values after expanding aliases (an alias bomb?)", maxNodes)}
			}
		}
		return total, nil
	}
	_, err := walk(root, 0)
	return err
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)
	typeErrRE      = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// decodeError turns the decoder's error into an InputError with a line and a field.
func decodeError(file string, root *yaml.Node, v any, err error) error {
	var ue *units.Error
	if errors.As(err, &ue) {
		return &InputError{File: file, Line: ue.Line, Field: FieldAt(root, ue.Line, ue.Column), Msg: ue.Error()}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			field := FieldAt(root, line, 0)
			if field == "" {
				field = m[2]
			}
			return &InputError{File: file, Line: line, Field: field, Msg: fmt.Sprintf("unknown field %q%s", m[2], knownFieldsHint(v, field))}
		}
		if m := typeErrRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &InputError{File: file, Line: line, Field: FieldAt(root, line, 0),
				Msg: fmt.Sprintf("%q is %s, expected %s", m[3], yamlKind(m[2]), goKind(m[4]))}
		}
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &InputError{File: file, Line: line, Field: FieldAt(root, line, 0), Msg: m[2]}
		}
		return &InputError{File: file, Msg: msg}
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return ie
	}
	return &InputError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
}

func yamlKind(tag string) string {
	switch tag {
	case "str":
		return "text"
	case "int", "float":
		return "a number"
	case "bool":
		return "true/false"
	case "map":
		return "a mapping"
	case "seq":
		return "a list"
	case "null":
		return "empty"
	}
	return "!!" + tag
}

func goKind(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "text"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	}
	return "a " + t
}

// knownFieldsHint lists the fields valid at the parent of path.
func knownFieldsHint(v any, path string) string {
	parent := ""
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		parent = path[:i]
	}
	t := typeAtPath(reflect.TypeOf(v), parent)
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	names := yamlFieldNames(t)
	sort.Strings(names)
	return " (known fields: " + strings.Join(names, ", ") + ")"
}

func yamlFieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := yamlName(f)
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == ",inline" {
			names = append(names, yamlFieldNames(derefType(f.Type))...)
			continue
		}
		names = append(names, name)
	}
	return names
}

func yamlName(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	name, opts, _ := strings.Cut(tag, ",")
	if strings.Contains(","+opts+",", ",inline,") {
		return ",inline"
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func derefType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func typeAtPath(t reflect.Type, path string) reflect.Type {
	t = derefType(t)
	if path == "" {
		return t
	}
	for _, seg := range splitPath(path) {
		t = derefType(t)
		switch t.Kind() {
		case reflect.Struct:
			ft, ok := structField(t, seg)
			if !ok {
				return nil
			}
			t = ft.Type
		case reflect.Slice, reflect.Map:
			t = t.Elem()
		default:
			return nil
		}
	}
	return derefType(t)
}

func structField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		n := yamlName(f)
		if n == ",inline" {
			if sf, ok := structField(derefType(f.Type), name); ok {
				sf.Index = append([]int{i}, sf.Index...)
				return sf, true
			}
			continue
		}
		if n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// splitPath splits "producers[0].acks" or "producers.0.acks" into segments.
func splitPath(path string) []string {
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	var segs []string
	for _, s := range strings.Split(path, ".") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// FieldAt returns the dotted path of the field whose key or value sits at
// line (and column, when non-zero) in the document, or "" if none does.
func FieldAt(root *yaml.Node, line, column int) string {
	best := ""
	var walk func(n *yaml.Node, path string) bool
	walk = func(n *yaml.Node, path string) bool {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if walk(c, path) {
					return true
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := joinPath(path, k.Value)
				if v.Line == line && (column == 0 || v.Column == column) && v.Kind == yaml.ScalarNode {
					best = p
					return true
				}
				if k.Line == line && best == "" {
					best = p
					if column == 0 {
						return true
					}
				}
				if walk(v, p) {
					return true
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Kind == yaml.ScalarNode && c.Line == line && (column == 0 || c.Column == column) {
					best = p
					return true
				}
				if walk(c, p) {
					return true
				}
			}
		}
		return false
	}
	walk(root, "")
	return best
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// LineOf returns the line of the field at path ("producers[0].acks"), or of
// its nearest ancestor present in the document, or 0.
func LineOf(root *yaml.Node, path string) int {
	if root == nil {
		return 0
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, seg := range splitPath(path) {
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line
		}
	}
	return line
}

// Located turns validation errors (FieldErrors, or any error with a
// FieldPath method, possibly joined) into InputErrors with lines.
func Located(file string, root *yaml.Node, err error) error {
	if err == nil {
		return nil
	}
	errs := Errors(err)
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		var fe *FieldError
		var fp fieldPather
		switch {
		case errors.As(e, &fe):
			out = append(out, &InputError{File: file, Line: LineOf(root, fe.Field), Field: fe.Field, Msg: fe.Msg})
		case errors.As(e, &fp):
			msg := strings.TrimPrefix(fp.Error(), fp.FieldPath()+": ")
			out = append(out, &InputError{File: file, Line: LineOf(root, fp.FieldPath()), Field: fp.FieldPath(), Msg: msg})
		default:
			out = append(out, &InputError{File: file, Msg: e.Error()})
		}
	}
	return errors.Join(out...)
}

// SetPath overrides the field at a dotted path in v (a pointer to a struct)
// with value, parsed exactly as the same field in a file would be. A path
// segment "*" addresses every element of a list ("producers.*.acks"); Kafka
// property names are accepted where a file accepts them
// ("producers.0.linger.ms=5").
func SetPath(v any, path, value string) error {
	return setPathExplicit(v, path, value, map[string]bool{})
}

// setPathExplicit is SetPath that records the path of every field it sets.
func setPathExplicit(v any, path, value string, explicit map[string]bool) error {
	segs, err := pathSegments(path)
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("SetPath: need a non-nil pointer, got %T", v)
	}
	n, err := setPath(rv.Elem(), segs, "", value, explicit)
	if err != nil {
		return err
	}
	if n == 0 {
		return &InputError{File: "--set", Field: path, Msg: "matches nothing (the list is empty)"}
	}
	return nil
}

// pathSegments splits a --set path, refusing empty segments ("a.b.",
// ".name", "a..b"), which would otherwise address a different field.
func pathSegments(path string) ([]string, error) {
	if strings.TrimSpace(path) == "" {
		return nil, &InputError{File: "--set", Field: path, Msg: "empty field path"}
	}
	flat := strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", "")
	segs := strings.Split(flat, ".")
	for _, s := range segs {
		if s == "" {
			return nil, &InputError{File: "--set", Field: path, Msg: "a field path has an empty part (a leading, trailing or doubled dot): write it as producers.0.acks"}
		}
	}
	return segs, nil
}

func setPath(v reflect.Value, segs []string, done, value string, explicit map[string]bool) (int, error) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if len(segs) == 0 {
		node := &yaml.Node{Kind: yaml.ScalarNode, Value: value, Line: 1, Column: 1}
		c := treeChecker{file: "--set", explicit: explicit, seen: map[string]bool{}}
		c.walk(node, v.Type(), done)
		if len(c.errs) > 0 {
			ie := c.errs[0].(*InputError)
			ie.Line = 0
			return 0, ie
		}
		if err := node.Decode(v.Addr().Interface()); err != nil {
			var ue *units.Error
			msg := err.Error()
			if errors.As(err, &ue) {
				msg = ue.Error()
			} else if m := typeErrRE.FindStringSubmatch(strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")); m != nil {
				msg = fmt.Sprintf("%q is %s, expected %s", m[3], yamlKind(m[2]), goKind(m[4]))
			}
			return 0, &InputError{File: "--set", Field: done, Msg: msg}
		}
		explicit[done] = true
		return 1, nil
	}
	seg, rest := segs[0], segs[1:]
	here := joinPath(done, seg)
	switch v.Kind() {
	case reflect.Struct:
		// A Kafka property name spans several dotted segments
		// (linger.ms), and may start with a field's name (linger).
		for j := len(segs); j >= 2; j-- {
			name := strings.Join(segs[:j], ".")
			a, ok := lookupAlias(v.Type(), name)
			if !ok {
				continue
			}
			if a.millis {
				if _, err := strconv.ParseUint(value, 10, 63); err != nil {
					return 0, &InputError{File: "--set", Field: joinPath(done, name), Msg: fmt.Sprintf("%q: %s takes a whole number of milliseconds, as in Kafka (or --set %s=5ms)", value, name, joinPath(done, a.field))}
				}
				value += "ms"
			}
			f, _ := structField(v.Type(), a.field)
			return setPath(v.FieldByIndex(f.Index), segs[j:], joinPath(done, a.field), value, explicit)
		}
		f, ok := structField(v.Type(), seg)
		if !ok {
			return 0, &InputError{File: "--set", Field: here, Msg: "no such field" + fieldHint(v.Type(), seg)}
		}
		return setPath(v.FieldByIndex(f.Index), rest, here, value, explicit)
	case reflect.Slice:
		if seg == "*" {
			total := 0
			for i := 0; i < v.Len(); i++ {
				n, err := setPath(v.Index(i), rest, fmt.Sprintf("%s[%d]", done, i), value, explicit)
				if err != nil {
					return 0, err
				}
				total += n
			}
			return total, nil
		}
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 || i >= v.Len() {
			return 0, &InputError{File: "--set", Field: here, Msg: fmt.Sprintf("no element %q (the list has %d; use an index 0–%d or *)", seg, v.Len(), v.Len()-1)}
		}
		return setPath(v.Index(i), rest, fmt.Sprintf("%s[%d]", done, i), value, explicit)
	case reflect.Map:
		key := reflect.ValueOf(seg)
		if v.Type().Key().Kind() != reflect.String {
			return 0, &InputError{File: "--set", Field: here, Msg: "cannot address this map by name"}
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(key.Convert(v.Type().Key())); old.IsValid() {
			elem.Set(old)
		}
		n, err := setPath(elem, rest, here, value, explicit)
		if err == nil {
			v.SetMapIndex(key.Convert(v.Type().Key()), elem)
		}
		return n, err
	}
	return 0, &InputError{File: "--set", Field: here, Msg: fmt.Sprintf("%s is a single value and has no field %q", done, seg)}
}

// Errors splits an error made by errors.Join into its parts (any other
// error is one part), so loaders can locate each problem on its own.
func Errors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
