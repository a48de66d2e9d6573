package interview

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"mqsim/scenarios/units"
)

// Grade is the verdict on one answer.
type Grade string

// The grades. Numbers are right within 10% of the plan and close within
// half an order of magnitude (a factor of √10 ≈ 3.16 either way: the answer
// rounds to the same power of ten). Decisions are right when they match the
// rubric's answer or an accepted alternative, close when the rubric lists
// them as defensible but not best.
const (
	Right      Grade = "right"
	Close      Grade = "close"
	Wrong      Grade = "wrong"
	Unanswered Grade = "unanswered"
)

// Tolerances of the number grades.
const (
	RightTolerance = 0.10 // |answer/plan − 1| at most this is right
	CloseDecades   = 0.5  // |log10(answer/plan)| at most this is close
)

// Points of a grade; every question is worth MaxPoints.
func (g Grade) Points() int {
	switch g {
	case Right:
		return 2
	case Close:
		return 1
	}
	return 0
}

// MaxPoints is what one question is worth.
const MaxPoints = 2

// GradeNumber grades an answer against the plan's value.
func GradeNumber(got, want float64) Grade {
	if want == 0 {
		if got == 0 {
			return Right
		}
		return Wrong
	}
	if got <= 0 || math.IsNaN(got) || math.IsInf(got, 0) {
		return Wrong
	}
	r := got / want
	switch {
	case math.Abs(r-1) <= RightTolerance+1e-12:
		return Right
	case math.Abs(math.Log10(r)) <= CloseDecades:
		return Close
	}
	return Wrong
}

// GradeDecision grades a chosen key against a rubric entry.
func GradeDecision(key string, e *Expect) Grade {
	switch {
	case key == "":
		return Unanswered
	case key == e.Answer || slices.Contains(e.Accept, key):
		return Right
	case slices.Contains(e.Partial, key):
		return Close
	}
	return Wrong
}

// ParseChoice reads a multiple-choice answer: the option's key, its number
// in the list (1, 2, …) or, for lettered options, its letter, optionally
// followed by a reason ("at-least-once: consumers dedupe by message ID").
// It returns the key and the reason.
func ParseChoice(text string, choices []Choice) (key, why string, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", "", nil
	}
	head, rest := text, ""
	if i := strings.IndexAny(text, " \t:,;"); i >= 0 {
		head, rest = text[:i], text[i:]
	}
	why = strings.TrimSpace(strings.TrimLeft(rest, " \t:,;-—–"))
	head = strings.TrimSuffix(strings.TrimSuffix(head, "."), ")")
	for _, c := range choices {
		if strings.EqualFold(head, c.Key) {
			return c.Key, why, nil
		}
	}
	if n, err := strconv.Atoi(head); err == nil && n >= 1 && n <= len(choices) {
		return choices[n-1].Key, why, nil
	}
	return "", "", fmt.Errorf("%q is not an option: answer with one of %s (or its number), optionally followed by your reason", head, strings.Join(choiceKeys(choices), ", "))
}

// unitWords are trailing words an answer may carry, by kind of number;
// they say nothing the question did not.
var unitWords = map[string][]string{
	"rate": {"messages per second", "messages/second", "messages/sec", "messages/s", "msgs/s", "msg/sec", "msg/s",
		"per second", "a second", "/sec", "/s", "messages", "msgs", "msg"},
	"bytes": {"per day", "a day", "/day", "/d"},
	"count": {"partitions", "brokers"},
}

var byteUnits = map[string]float64{
	"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15, "eb": 1e18,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "pib": 1 << 50,
}

// ParseNumber reads a numeric answer of the given kind ("rate", "bytes" or
// "count"): 1.16M, 1,157,407, 115K/s, ~1.2M msg/s, 105TB, 5 TB/day, 1.05e14,
// 116.
func ParseNumber(text, kind string) (float64, error) {
	s := strings.TrimSpace(text)
	s = strings.TrimLeft(s, "~≈ ")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "about "), "around ")
	s = strings.ReplaceAll(s, ",", "")
	for changed := true; changed; {
		changed = false
		for _, w := range unitWords[kind] {
			if len(s) > len(w) && strings.EqualFold(s[len(s)-len(w):], w) {
				s = strings.TrimSpace(s[:len(s)-len(w)])
				changed = true
			}
		}
	}
	if kind == "bytes" {
		i := strings.IndexFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
		if i > 0 && (s[i] == 'e' || s[i] == 'E') && i+1 < len(s) && strings.ContainsRune("0123456789+-", rune(s[i+1])) {
			// An exponent, not a unit: look for the unit after it.
			if j := strings.IndexFunc(s[i+1:], func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }); j >= 0 {
				i += 1 + j
			} else {
				i = -1
			}
		}
		num, unit := s, ""
		if i >= 0 {
			num, unit = strings.TrimSpace(s[:i]), strings.ToLower(strings.TrimSpace(s[i:]))
		}
		mult, ok := byteUnits[unit]
		v, err := strconv.ParseFloat(num, 64)
		if !ok || err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return 0, fmt.Errorf("%q is not a size: write it like 105TB, 5 TB or 1.05e14", text)
		}
		return v * mult, nil
	}
	if s == "" {
		return 0, fmt.Errorf("%q has no number in it", text)
	}
	c, err := units.ParseCount(strings.ToUpper(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a number: write it like 1.16M, 1,157,407 or 116", text)
	}
	return float64(c), nil
}
