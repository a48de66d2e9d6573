package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileCorpus adds the YAML files of the command-line hostile-input
// corpus (cmd/mqsim/testdata/hostile) to a fuzz target's seeds.
// extra are the target's other arguments.
func hostileCorpus(f *testing.F, ext string, extra ...any) {
	paths, _ := filepath.Glob(filepath.Join("..", "cmd", "mqsim", "testdata", "hostile", "*"+ext))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(append([]any{data}, extra...)...)
		}
	}
}

// checkInputErrors fails unless every part of err is an *InputError naming
// file (or --set) with a line for file errors.
func checkInputErrors(t *testing.T, file string, err error) {
	t.Helper()
	for _, e := range Errors(err) {
		var ie *InputError
		if !errors.As(e, &ie) {
			t.Fatalf("error %v (%T) is not an *InputError", e, e)
		}
		if ie.File != file && ie.File != "--set" {
			t.Fatalf("error %v names %q, want %q", e, ie.File, file)
		}
		if ie.File == file && ie.Line < 1 {
			t.Fatalf("error %v names no line", e)
		}
	}
}

// Any bytes and any --set: a valid scenario or *InputErrors naming the
// file and a line, never a panic; what loads is valid and loads the same
// way twice.
func FuzzHostileScenario(f *testing.F) {
	f.Add([]byte(minimal), "seed=1")
	for _, n := range Scenarios() {
		data, _ := builtinFS.ReadFile("builtin/" + n + ".yaml")
		f.Add(data, "producers.*.linger.ms=5")
	}
	hostileCorpus(f, ".yaml", "")
	for _, s := range []string{"seed=1.9", "topics.0.partitions=6.9", "seed=18446744073709551616", "a.b.=1", ".name=x",
		"cluster.brokers=0", "producers.0.acks=", "producers.*.batch.size=1KiB", "expect.lost=0", "producers.0.lingr=1ms", "=", "x"} {
		f.Add([]byte(minimal), s)
	}
	f.Fuzz(func(t *testing.T, data []byte, set string) {
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		ls, err := ParseScenario("f.yaml", data, sets)
		if err != nil {
			checkInputErrors(t, "f.yaml", err)
			return
		}
		if err := ls.Validate(); err != nil {
			t.Fatalf("accepted scenario fails validation: %v", err)
		}
		again, err := ParseScenario("f.yaml", data, sets)
		if err != nil || again.Seed != ls.Seed || again.Duration != ls.Duration || len(again.Producers) != len(ls.Producers) {
			t.Fatalf("loading twice differs: %v", err)
		}
	})
}

// Workload files: the same contract as scenarios.
func FuzzHostileWorkload(f *testing.F) {
	for _, n := range Workloads() {
		data, _ := workloadFS.ReadFile("workloads/" + n + ".yaml")
		f.Add(data, "retention=30d")
	}
	hostileCorpus(f, ".yaml", "")
	f.Add([]byte("name: w\nmessages_per_sec: 1K/s\nmessage_size: 1KB\nretention: 7d\n"), "peak_factor=1e300x")
	f.Fuzz(func(t *testing.T, data []byte, set string) {
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		if _, err := ParseWorkload("w.yaml", data, sets); err != nil {
			checkInputErrors(t, "w.yaml", err)
		}
	})
}

// Detect tells the two kinds apart or says why not, with a line.
func FuzzDetect(f *testing.F) {
	f.Add([]byte(minimal))
	hostileCorpus(f, ".yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, err := Detect("d.yaml", data)
		if err != nil {
			checkInputErrors(t, "d.yaml", err)
			return
		}
		if kind != KindScenario && kind != KindWorkload {
			t.Fatalf("Detect = %q", kind)
		}
	})
}

// A resolved scenario as a results.json stores it: any JSON gives a
// scenario or *InputErrors, and LocateJSON gives each a line.
func FuzzParseResolved(f *testing.F) {
	f.Add([]byte(`{"name":"t","duration":"1s","topics":[{"name":"a","partitions":2}],"producers":[{"topic":"a","rate":1000}]}`))
	f.Add([]byte(`{"name":"t","seed":1e999}`))
	hostileCorpus(f, ".json")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseResolved("r.json", data)
		if err == nil {
			return
		}
		err = LocateJSON(data, err)
		for _, e := range Errors(err) {
			var ie *InputError
			if !errors.As(e, &ie) || ie.Line < 1 || !strings.HasPrefix(ie.Error(), "r.json:") {
				t.Fatalf("error %v: want an *InputError naming r.json and a line", e)
			}
		}
	})
}
