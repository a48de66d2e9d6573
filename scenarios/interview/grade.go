package interview

import (
	"math"
	"slices"
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
