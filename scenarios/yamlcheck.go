package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"mqsim/scenarios/units"
)

// checkTree walks a parsed document against the Go type it decodes into and
// returns every problem at once, each an *InputError with its line and field:
// unknown fields (with the closest known name), keys that are empty or null,
// fields given twice, custom tags (!foo, !!python/object), fractional or
// overflowing whole numbers, values of the wrong shape, and leaf values
// (sizes, durations, rates…) that do not parse. Kafka's own property names
// (linger.ms, batch.size…) are rewritten in place to the fields they alias,
// so the decoder that runs afterwards sees the schema's names.
//
// explicit receives the path of every leaf the document sets, so a later
// pass can tell a value the user wrote from a zero the defaults fill in.
//
// Each bad value is replaced by null and each bad key removed, so the rest
// of the document still decodes and validates; bad receives the path of
// every field reported, so validation does not report it again.
func checkTree(file string, doc *yaml.Node, t reflect.Type, explicit, bad map[string]bool) []error {
	c := treeChecker{file: file, explicit: explicit, bad: bad, seen: map[string]bool{}}
	c.walk(doc, t, "")
	return c.errs
}

type treeChecker struct {
	file     string
	errs     []error
	explicit map[string]bool
	bad      map[string]bool
	seen     map[string]bool // messages already reported (aliases repeat nodes)
	listed   map[reflect.Type]bool
}

// add reports a problem with node n (a value, which is then nulled).
func (c *treeChecker) add(n *yaml.Node, field, format string, a ...any) {
	c.report(n, field, format, a...)
	*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
}

// report records a problem at n without changing the tree.
func (c *treeChecker) report(n *yaml.Node, field, format string, a ...any) {
	if c.bad != nil {
		c.bad[field] = true
	}
	e := &InputError{File: c.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, a...)}
	if key := e.Error(); !c.seen[key] {
		c.seen[key] = true
		c.errs = append(c.errs, e)
	}
}

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	nodeType        = reflect.TypeFor[yaml.Node]()
)

// standardTags are the tags the YAML core schema resolves plain values to;
// any other tag on a node was written by hand and means nothing here.
var standardTags = []string{"", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!!timestamp", "!!merge", "!!binary", "!"}

func (c *treeChecker) walk(n *yaml.Node, t reflect.Type, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, d := range n.Content {
			c.walk(d, t, path)
		}
		return
	case yaml.AliasNode:
		if n.Alias != nil {
			c.walk(n.Alias, t, path)
		}
		return
	}
	if !slices.Contains(standardTags, n.ShortTag()) {
		c.add(n, path, "custom tag %s is not supported: write the plain value", n.Tag)
		return
	}
	t = derefType(t)
	if t == nodeType {
		return // decoding into a node keeps the YAML as it is: no schema
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		c.leaf(n, t, path)
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// An explicit ~ or empty value: for a single value, one the
		// defaults must not silently replace; for a section (cluster:
		// with everything under it commented out), nothing.
		switch t.Kind() {
		case reflect.Struct, reflect.Slice, reflect.Map:
		default:
			c.explicit[path] = true
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(n, path, "%s, expected a mapping of field: value", describeNode(n))
			return
		}
		c.structFields(n, t, path, map[string]*yaml.Node{})
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(n, path, "%s, expected a list", describeNode(n))
			return
		}
		for i, e := range n.Content {
			c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(n, path, "%s, expected a mapping", describeNode(n))
			return
		}
		keys := map[string]*yaml.Node{}
		kept := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !c.key(k, path) {
				continue
			}
			if prev, dup := keys[k.Value]; dup {
				c.report(k, joinPath(path, k.Value), "given twice (first at line %d)", prev.Line)
				continue
			}
			keys[k.Value] = k
			c.walk(v, t.Elem(), joinPath(path, k.Value))
			kept = append(kept, k, v)
		}
		n.Content = kept
	case reflect.Interface:
	default:
		c.scalarValue(n, t, path)
	}
}

// key checks a mapping key is a plain, non-empty name.
func (c *treeChecker) key(k *yaml.Node, path string) bool {
	switch {
	case k.Kind != yaml.ScalarNode:
		c.report(k, path, "a key is %s: keys must be field names", describeNode(k))
	case !slices.Contains(standardTags, k.ShortTag()):
		c.report(k, path, "custom tag %s on a key is not supported", k.Tag)
	case k.ShortTag() == "!!null" || strings.TrimSpace(k.Value) == "":
		c.report(k, path, "an empty or null (~) key: every key must be a field name")
	default:
		return true
	}
	return false
}

// structFields checks the fields of one mapping decoded into struct t.
// keys holds the fields already given (merge keys add to them).
func (c *treeChecker) structFields(n *yaml.Node, t reflect.Type, path string, keys map[string]*yaml.Node) {
	kept := n.Content[:0:0]
	defer func() { n.Content = kept }()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			c.merge(v, t, path, keys)
			kept = append(kept, k, v)
			continue
		}
		if !c.key(k, path) {
			continue
		}
		name := k.Value
		if _, ok := structField(t, name); !ok {
			if a, ok := lookupAlias(t, name); ok {
				if !c.applyAlias(k, v, a, path) {
					continue
				}
			} else {
				hint := ""
				if len(c.errs) < MaxErrors { // past it, messages are only counted
					hint = fieldHint(t, name)
				}
				if strings.HasPrefix(hint, "\n") {
					// List a mapping's fields once, not under every stray key.
					if c.listed == nil {
						c.listed = map[reflect.Type]bool{}
					}
					if c.listed[t] {
						hint = ""
					}
					c.listed[t] = true
				}
				c.report(k, joinPath(path, name), "unknown field %q%s", name, hint)
				continue
			}
		}
		f := joinPath(path, k.Value)
		if prev, dup := keys[k.Value]; dup {
			c.report(k, f, "given twice (first at line %d)", prev.Line)
			continue
		}
		keys[k.Value] = k
		sf, _ := structField(t, k.Value)
		c.walk(v, sf.Type, f)
		kept = append(kept, k, v)
	}
}

// merge follows a YAML merge key (<<: *base, or a list of them).
func (c *treeChecker) merge(v *yaml.Node, t reflect.Type, path string, keys map[string]*yaml.Node) {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		c.structFields(v, t, path, keys)
	case yaml.SequenceNode:
		for _, e := range v.Content {
			c.merge(e, t, path, keys)
		}
	default:
		c.report(v, path, "a merge key (<<) needs a mapping or a list of them")
	}
}

// applyAlias rewrites a Kafka property name to the field it aliases, and a
// value in milliseconds to a duration. It reports false after an error.
func (c *treeChecker) applyAlias(k, v *yaml.Node, a alias, path string) bool {
	if a.millis {
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
			c.add(v, joinPath(path, k.Value), "%s takes a whole number of milliseconds, as in Kafka (or write %s: 5ms)", k.Value, a.field)
			return false
		}
		v.Value += "ms"
		v.Tag = "!!str"
	}
	k.Value = a.field
	return true
}

// leaf decodes a value with its own parser (sizes, durations, rates,
// distributions) and reports why it does not parse.
func (c *treeChecker) leaf(n *yaml.Node, t reflect.Type, path string) {
	c.explicit[path] = true
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	var ue *units.Error
	var ie *InputError
	switch {
	case errors.As(err, &ue):
		c.add(n, path, "%s", ue.Error())
	case errors.As(err, &ie):
		c.add(n, path, "%s", ie.Msg)
	default:
		c.add(n, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
}

// scalarValue checks a plain value against a Go scalar type, refusing what
// the decoder would silently coerce: 6.9 into a whole number (6), 2^64 into
// a uint64, text into a number.
func (c *treeChecker) scalarValue(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		c.add(n, path, "%s, expected %s", describeNode(n), goKind(t.Kind().String()))
		return
	}
	c.explicit[path] = true
	tag := n.ShortTag()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.wholeNumber(n, t, path)
	case reflect.Float32, reflect.Float64:
		if tag != "!!int" && tag != "!!float" {
			c.add(n, path, "%q is %s, expected a number", n.Value, describeScalar(tag))
		}
	case reflect.Bool:
		// The decoder also reads YAML 1.1's yes/no/on/off into a bool.
		if tag != "!!bool" && !slices.Contains(yaml11Bools, n.Value) {
			c.add(n, path, "%q is %s, expected true or false", n.Value, describeScalar(tag))
		}
	case reflect.String:
		// Any plain scalar reads as its text.
	default:
		c.add(n, path, "cannot be set from a file")
	}
}

var yaml11Bools = []string{"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"}

// wholeNumber checks a value for an integer field: a YAML integer within
// the type's range, or a float that is exactly one (1e3). The decoder would
// truncate 6.9 to 6 and wrap 2^64 to 2^63.
func (c *treeChecker) wholeNumber(n *yaml.Node, t reflect.Type, path string) {
	signed := t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64
	lo, hi := "0", strconv.FormatUint(uint64(math.MaxUint64)>>(64-t.Bits()), 10)
	if signed {
		lo = strconv.FormatInt(-1<<(t.Bits()-1), 10)
		hi = strconv.FormatInt(1<<(t.Bits()-1)-1, 10)
	}
	var err error
	switch tag := n.ShortTag(); tag {
	case "!!int":
		if signed {
			_, err = parseYAMLInt(n.Value, t.Bits())
		} else {
			_, err = parseYAMLUint(n.Value, t.Bits())
		}
	case "!!float":
		f, perr := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		switch {
		case perr != nil && !errors.Is(perr, strconv.ErrRange), math.IsNaN(f):
			c.add(n, path, "%q is not a number, expected a whole number", n.Value)
			return
		case f != math.Trunc(f) && !math.IsInf(f, 0):
			c.add(n, path, "%q is not a whole number", n.Value)
			return
		default:
			// Within what a float holds exactly (2^53) and the type's range.
			half := math.Ldexp(1, t.Bits()-1) // 2^(bits-1)
			inRange := f >= -half && f < half
			if !signed {
				inRange = f >= 0 && f < 2*half
			}
			if math.Abs(f) >= 1<<53 || !inRange {
				err = strconv.ErrRange
			}
		}
	default:
		c.add(n, path, "%q is %s, expected a whole number", n.Value, describeScalar(tag))
		return
	}
	if err != nil {
		c.add(n, path, "%q is out of range: want a whole number from %s to %s", n.Value, lo, hi)
	}
}

// parseYAMLInt parses a YAML 1.1/1.2 integer as the decoder reads it
// (underscores, 0x, 0o, 0b and leading-zero octal).
func parseYAMLInt(s string, bits int) (int64, error) {
	s = strings.ReplaceAll(s, "_", "")
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimLeft(s, "+-")
	u, err := parseYAMLUint(body, 64)
	if err != nil {
		return 0, err
	}
	limit := uint64(1) << (bits - 1)
	if (!neg && u >= limit) || (neg && u > limit) {
		return 0, strconv.ErrRange
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

func parseYAMLUint(s string, bits int) (uint64, error) {
	s = strings.ReplaceAll(s, "_", "")
	if strings.HasPrefix(s, "-") {
		return 0, strconv.ErrRange
	}
	s = strings.TrimPrefix(s, "+")
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "0o"):
		base, s = 8, s[2:]
	case strings.HasPrefix(s, "0b"):
		base, s = 2, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	return strconv.ParseUint(s, base, bits)
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q is %s", n.Value, describeScalar(n.ShortTag()))
	}
	return "an alias"
}

func describeScalar(tag string) string {
	switch tag {
	case "!!float":
		return "a fractional or out-of-range number"
	case "!!timestamp":
		return "a date"
	}
	return yamlKind(strings.TrimPrefix(tag, "!!"))
}

// fieldHint suggests the field a misspelt name most likely meant, or lists
// the known fields on a line of their own when none is close.
func fieldHint(t reflect.Type, name string) string {
	names := yamlFieldNames(t)
	if s := closestName(name, append(names, aliasNames(t)...)); s != "" {
		if a, ok := lookupAlias(t, s); ok {
			return fmt.Sprintf("; did you mean %q (Kafka's name for %s)?", s, a.field)
		}
		return fmt.Sprintf("; did you mean %q?", s)
	}
	slices.Sort(names)
	return "\n    known fields: " + strings.Join(names, ", ")
}

// maxSuggestLen bounds the names closestName compares.
const maxSuggestLen = 100

// closestName returns the candidate closest to name by edit distance, when it
// is close enough to be a likely misspelling, or "".
func closestName(name string, candidates []string) string {
	if len(name) > maxSuggestLen {
		return "" // not a typo of a name; and edit distance is quadratic
	}
	best, bestD := "", 0
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(lname, strings.ToLower(c))
		if best == "" || d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	// A third of the length, at least 1 and at most 3 edits, or the
	// candidate contains the name (or the other way round).
	limit := min(max(len(name)/3, 1), 3)
	if best != "" && (bestD <= limit || (len(name) >= 4 && (strings.Contains(strings.ToLower(best), lname) || strings.Contains(lname, strings.ToLower(best))))) {
		return best
	}
	return ""
}

// editDistance is the Damerau–Levenshtein distance (with adjacent
// transpositions), so "lingre" is one edit from "linger".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows: the one before last (for transpositions), last, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
