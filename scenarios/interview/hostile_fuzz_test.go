package interview

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"mqsim/scenarios"
)

// Answers files, seeded with the hostile corpus: an answers document or
// *InputErrors naming the file and a line, never a panic; what parses is
// checked and graded without a panic either.
func FuzzHostileAnswers(f *testing.F) {
	f.Add([]byte(goodAnswers))
	paths, _ := filepath.Glob(filepath.Join("..", "..", "cmd", "mqsim", "testdata", "hostile", "*.yaml"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	p, err := Load("social-media")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAnswers("a.yaml", data)
		if err != nil {
			for _, e := range scenarios.Errors(err) {
				var ie *scenarios.InputError
				if !errors.As(e, &ie) || ie.File != "a.yaml" || ie.Line < 1 {
					t.Fatalf("error %v (%T): want an *InputError naming a.yaml and a line", e, e)
				}
			}
			return
		}
		if err := a.Check(p); err == nil {
			_, _ = GradeAnswers(p, a, nil)
		}
	})
}
