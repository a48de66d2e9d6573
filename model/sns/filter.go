package sns

import (
	"strings"

	"mqsim/scenarios"
)

// Attr is one message attribute: a String (S has one value), a
// String.Array (S has its elements) or a Number (N).
type Attr struct {
	Name   string
	Number bool
	S      []string
	N      float64
}

// Attrs are a message's attributes.
type Attrs []Attr

func (a Attrs) get(name string) (Attr, bool) {
	for _, x := range a {
		if x.Name == name {
			return x, true
		}
	}
	return Attr{}, false
}

// Match reports whether a filter policy accepts a message with attributes
// a: every key of the policy must match (AND), a key matching when any of
// its conditions does (OR). A nil policy accepts everything.
func Match(p *scenarios.FilterPolicy, a Attrs) bool {
	if p == nil {
		return true
	}
	for _, k := range p.Keys {
		v, present := a.get(k.Name)
		ok := false
		for _, c := range k.Conds {
			if matchCond(c, v, present) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func matchCond(c scenarios.FilterCond, v Attr, present bool) bool {
	if c.Kind == scenarios.FilterExists {
		return present == c.Exists
	}
	if !present {
		return false // every other operator needs the attribute
	}
	switch c.Kind {
	case scenarios.FilterExact, scenarios.FilterPrefix, scenarios.FilterSuffix:
		if v.Number {
			return false
		}
		for _, s := range v.S {
			if c.Kind == scenarios.FilterExact && s == c.S || c.Kind == scenarios.FilterPrefix && strings.HasPrefix(s, c.S) ||
				c.Kind == scenarios.FilterSuffix && strings.HasSuffix(s, c.S) {
				return true
			}
		}
		return false
	case scenarios.FilterNumber:
		return v.Number && v.N == c.N
	case scenarios.FilterNumeric:
		if !v.Number {
			return false
		}
		for _, op := range c.Ops {
			if !compare(v.N, op) {
				return false
			}
		}
		return true
	case scenarios.FilterAnythingBut:
		// The attribute matches unless it equals (or, for a prefix, starts
		// with) one of the excluded values; for an array, unless every
		// element is excluded.
		if v.Number {
			for _, n := range c.Not {
				if n.Kind == scenarios.FilterNumber && n.N == v.N {
					return false
				}
			}
			return true
		}
		for _, s := range v.S {
			excluded := false
			for _, n := range c.Not {
				if n.Kind == scenarios.FilterExact && n.S == s || n.Kind == scenarios.FilterPrefix && strings.HasPrefix(s, n.S) {
					excluded = true
					break
				}
			}
			if !excluded {
				return true
			}
		}
		return false
	}
	return false
}

func compare(x float64, op scenarios.NumericOp) bool {
	switch op.Op {
	case "=":
		return x == op.Bound
	case "<":
		return x < op.Bound
	case "<=":
		return x <= op.Bound
	case ">":
		return x > op.Bound
	case ">=":
		return x >= op.Bound
	}
	return false
}
