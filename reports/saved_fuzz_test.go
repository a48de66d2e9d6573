package reports

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"mqsim/scenarios"
)

// Any bytes as a results.json: a saved run or *InputErrors naming the file
// and a line, never a panic.
func FuzzParseSaved(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "cmd", "mqsim", "testdata", "hostile", "*.json"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"scenario":"t","seed":1,"resolved_scenario":{"name":"t","duration":"1s","topics":[{"name":"a","partitions":2}],"producers":[{"topic":"a","rate":1000}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := ParseSaved("s.json", data)
		if err == nil {
			return
		}
		for _, e := range scenarios.Errors(scenarios.LocateJSON(data, err)) {
			var ie *scenarios.InputError
			if !errors.As(e, &ie) || ie.File != "s.json" || ie.Line < 1 {
				t.Fatalf("error %v (%T): want an *InputError naming s.json and a line", e, e)
			}
		}
	})
}
