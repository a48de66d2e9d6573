package scenarios

import (
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Suggest returns the names a misspelling of s most likely meant, nearest
// first (at most three): names within a third of s's length in edits (at
// least 2), or that contain s or are contained in it, ignoring case,
// hyphens and underscores.
func Suggest(s string, names []string) []string {
	norm := func(x string) string {
		return strings.NewReplacer("-", "", "_", "", ".", "", " ", "").Replace(strings.ToLower(x))
	}
	key := norm(s)
	if key == "" {
		return nil
	}
	limit := max(2, len(key)/3)
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	for _, n := range names {
		k := norm(n)
		d := levenshtein.ComputeDistance(key, k)
		switch {
		case d <= limit:
		case len(key) >= 3 && (strings.Contains(k, key) || strings.Contains(key, k)):
			d = limit + 1 // after every near spelling
		default:
			continue
		}
		cands = append(cands, cand{n, d})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].d < cands[j].d })
	var out []string
	for _, c := range cands[:min(3, len(cands))] {
		out = append(out, c.name)
	}
	return out
}

// DidYouMean is "; did you mean X?" (or "X or Y?") for the names nearest
// to s, or "" when none is near.
func DidYouMean(s string, names []string) string {
	near := Suggest(s, names)
	if len(near) == 0 {
		return ""
	}
	if len(near) == 1 {
		return "; did you mean " + near[0] + "?"
	}
	return "; did you mean " + strings.Join(near[:len(near)-1], ", ") + " or " + near[len(near)-1] + "?"
}

// NameList lays names out on lines of their own under a title, indented
// and filled to at most 78 columns, for error messages:
//
//	built-in scenarios:
//	  add-partitions, at-most-once, backpressure-autoscale, …
func NameList(title string, names []string) string {
	var b strings.Builder
	b.WriteString("\n  " + title + ":")
	col := 78
	for i, n := range names {
		item := n
		if i < len(names)-1 {
			item += ","
		}
		if col+1+len(item) > 78 {
			b.WriteString("\n    " + item)
			col = 4 + len(item)
			continue
		}
		b.WriteString(" " + item)
		col += 1 + len(item)
	}
	return b.String()
}
