package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/review")

var wallJSON = regexp.MustCompile(`"wall_seconds": [0-9.e+-]+`)

// toolJSON is the writer's version, which depends on the build.
var toolJSON = regexp.MustCompile(`"tool_version": "[^"]*"`)

// The files of a short fixed-seed run match the reviewed golden copies
// (wall time masked). Regenerate with: go test ./cmd/mqsim -run Golden -update
func TestReviewGolden(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := run(t, "run", "baseline", "--duration", "2s", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, name := range []string{"results.json", "timeseries.csv", "report.md"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got = wallJSON.ReplaceAll(got, []byte(`"wall_seconds": 0`))
		got = toolJSON.ReplaceAll(got, []byte(`"tool_version": "devel"`))
		golden := filepath.Join("testdata", "review", name)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (review the diff, then -update):\n%s", name, golden, firstDiff(string(want), string(got)))
		}
	}
}

// firstDiff shows the first line that differs.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n want " + w + "\n  got " + g
		}
	}
	return "(same lines)"
}

// A saved run replays to identical results; an edited one is caught.
func TestReplayReproducesTheRun(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := run(t, "run", "reorder-retries", "--duration", "2s", "--set", "producers.*.linger=2ms", "--out", dir)
	if code != 0 && code != exitCheck {
		t.Fatalf("exit %d: %s", code, errs)
	}
	saved := filepath.Join(dir, "results.json")
	again := filepath.Join(dir, "again")
	code, _, errs = run(t, "run", "--replay", saved, "--out", again)
	if code != 0 || !strings.Contains(errs, "replay: identical to the saved run") {
		t.Fatalf("replay: exit %d: %s", code, errs)
	}
	a, _ := os.ReadFile(saved)
	b, _ := os.ReadFile(filepath.Join(again, "results.json"))
	a, b = wallJSON.ReplaceAll(a, []byte(`"wall_seconds": 0`)), wallJSON.ReplaceAll(b, []byte(`"wall_seconds": 0`))
	// The replay's own command differs (it replays); everything else is equal.
	cmdRE := regexp.MustCompile(`"command": "[^"]*"`)
	if !bytes.Equal(cmdRE.ReplaceAll(a, nil), cmdRE.ReplaceAll(b, nil)) {
		t.Errorf("replayed results.json differs from the saved one:\n%s", firstDiff(string(a), string(b)))
	}
	if !strings.Contains(string(b), `"command": "mqsim run --replay `) {
		t.Error("the replay's results.json does not say how to replay it")
	}

	// Tamper with one number: the replay notices and names it.
	edited := regexp.MustCompile(`(?m)^  "retries": [0-9]+`).ReplaceAll(a, []byte(`  "retries": 999999999`))
	tampered := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tampered, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "run", "--replay", tampered)
	if code != exitCheck || !strings.Contains(errs, "differs from the saved run in: retries") {
		t.Errorf("tampered replay: exit %d, %s; want exit 3 naming retries", code, errs)
	}

	// So does one whose expectations' verdicts were edited.
	edited = regexp.MustCompile(`"pass": (true|false)`).ReplaceAllFunc(a, func(m []byte) []byte {
		if strings.HasSuffix(string(m), "true") {
			return []byte(`"pass": false`)
		}
		return []byte(`"pass": true`)
	})
	if err := os.WriteFile(tampered, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "run", "--replay", tampered)
	if code != exitCheck || !strings.Contains(errs, "expectations[0].pass") {
		t.Errorf("replay with edited verdicts: exit %d, %s; want exit 3 naming expectations[0].pass", code, errs)
	}
	// And a key the run never wrote.
	edited = bytes.Replace(a, []byte("{\n"), []byte("{\n  \"lost_but_fine\": 0,\n"), 1)
	if err := os.WriteFile(tampered, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "run", "--replay", tampered)
	if code != exitCheck || !strings.Contains(errs, "lost_but_fine") {
		t.Errorf("replay with an extra key: exit %d, %s; want exit 3 naming it", code, errs)
	}

	// --replay takes the saved run as it is.
	if code, _, errs := run(t, "run", "--replay", saved, "--set", "producers.*.acks=1"); code != exitBadInput {
		t.Errorf("--replay with --set: exit %d (%s), want 2", code, errs)
	}
	if code, _, errs := run(t, "run", "--replay", filepath.Join(dir, "timeseries.csv")); code != exitBadInput {
		t.Errorf("--replay of a CSV: exit %d (%s), want 2", code, errs)
	}
}

// Variants run in parallel give byte-identical files to variants run one
// by one; only results.json's wall time may differ.
func TestVaryParallelEqualsSequential(t *testing.T) {
	par, seq := t.TempDir(), t.TempDir()
	args := []string{"run", "reorder-retries", "--duration", "2s", "--vary", "acks=1,all", "--vary", "max_in_flight=1,5"}
	code, outPar, errs := run(t, append(args, "--parallel", "4", "--out", par)...)
	if code != 0 {
		t.Fatalf("parallel: exit %d: %s", code, errs)
	}
	code, outSeq, errs := run(t, append(args, "--parallel", "1", "--out", seq)...)
	if code != 0 {
		t.Fatalf("sequential: exit %d: %s", code, errs)
	}
	if outPar != outSeq {
		t.Errorf("the variant tables differ:\n%s\n---\n%s", outPar, outSeq)
	}
	files := func(root string) []string {
		var fs []string
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				fs = append(fs, rel)
			}
			return nil
		})
		sort.Strings(fs)
		return fs
	}
	fp, fs := files(par), files(seq)
	if strings.Join(fp, " ") != strings.Join(fs, " ") {
		t.Fatalf("different files:\n%v\n%v", fp, fs)
	}
	for _, want := range []string{"acks=1_max_in_flight=5/results.json", "acks=all_max_in_flight=1/timeseries.csv", "report.html", "lag.png"} {
		found := false
		for _, f := range fp {
			found = found || filepath.ToSlash(f) == want
		}
		if !found {
			t.Errorf("no %s among %v", want, fp)
		}
	}
	for _, f := range fp {
		a, _ := os.ReadFile(filepath.Join(par, f))
		b, _ := os.ReadFile(filepath.Join(seq, f))
		if strings.HasSuffix(f, "results.json") {
			a, b = wallJSON.ReplaceAll(a, nil), wallJSON.ReplaceAll(b, nil)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between parallel and sequential runs", f)
		}
	}
	// One column per variant, labelled as given.
	for _, want := range []string{"acks=1 max_in_flight=1", "acks=all max_in_flight=5", "DELIVERY", "EXPECTATIONS MET"} {
		if !strings.Contains(outPar, want) {
			t.Errorf("variant table lacks %q:\n%s", want, outPar)
		}
	}

	// compare reads the saved variants back and prints the same columns.
	code, cmp, errs := run(t, "compare", par)
	if code != 0 {
		t.Fatalf("compare: exit %d: %s", code, errs)
	}
	for _, want := range []string{"acks=1 max_in_flight=1", "acks=all max_in_flight=5", "4 variants"} {
		if !strings.Contains(cmp, want) {
			t.Errorf("compare output lacks %q:\n%s", want, cmp)
		}
	}
	cdir := t.TempDir()
	code, _, errs = run(t, "compare", filepath.Join(par, "acks=1_max_in_flight=5"), filepath.Join(par, "acks=all_max_in_flight=5"), "--out", cdir)
	if code != 0 {
		t.Fatalf("compare --out: exit %d: %s", code, errs)
	}
	md, _ := os.ReadFile(filepath.Join(cdir, "report.md"))
	if !strings.Contains(string(md), "| Delivery | acks=1 max_in_flight=5 | acks=all max_in_flight=5 | Meaning |") {
		t.Errorf("compare report lacks the side-by-side delivery table:\n%s", md)
	}
}

// Mistakes are reported before any simulation runs, with exit code 2.
func TestRunOutAndVaryErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "baseline", "--out", filepath.Join(file, "sub")}, "--out"},
		{[]string{"run", "baseline", "--vary", "acks"}, "expected path=v1,v2"},
		{[]string{"run", "baseline", "--vary", "acks=1,,all"}, "empty value"},
		{[]string{"run", "baseline", "--vary", "acks=1,1"}, "given twice"},
		{[]string{"run", "baseline", "--vary", "seed=1,2"}, "share one seed"},
		{[]string{"run", "baseline", "--vary", "acks=1,2"}, "variant acks=2"},
		{[]string{"run", "baseline", "--vary", "producers.*.nope=1,2"}, "nope"},
		{[]string{"run", "baseline", "--vary", "acks=1,all", "--vary", "producers.*.acks=0"}, "the same field"},
		{[]string{"run", "baseline", "--parallel", "-1"}, "--parallel"},
		{[]string{"compare", t.TempDir()}, "no results.json"},
	} {
		code, _, errs := run(t, c.args...)
		if code != exitBadInput || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 mentioning %q", c.args, code, errs, c.want)
		}
	}
}

// With -o json, variants are a list of run documents, each labelled.
func TestVaryJSON(t *testing.T) {
	code, out, errs := run(t, "run", "reorder-retries", "--duration", "1s", "--vary", "acks=1,all", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var docs []struct {
		Variant  string `json:"variant"`
		Produced int64  `json:"produced"`
	}
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatalf("not a JSON list: %v\n%s", err, out)
	}
	if len(docs) != 2 || docs[0].Variant != "acks=1" || docs[1].Variant != "acks=all" || docs[0].Produced == 0 {
		t.Errorf("variants %+v, want acks=1 then acks=all with messages", docs)
	}
}

// Colour never reaches a pipe or a buffer.
func TestNoColourWhenNotATerminal(t *testing.T) {
	code, out, _ := run(t, "run", "reorder-retries", "--duration", "1s", "--vary", "acks=1,all")
	if code != 0 || strings.Contains(out, "\x1b[") {
		t.Errorf("exit %d; output has escape codes: %q", code, out)
	}
	t.Setenv("NO_COLOR", "")
	if colorOK(os.Stdout) {
		t.Error("colour allowed with NO_COLOR set")
	}
}

// Saved runs that share a directory, or the same file given twice, are
// told apart by file name and then a counter; compare --out writes each
// into its own sub-directory instead of failing.
func TestCompareNamesRunsOfOneDirectoryUniquely(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "one")
	if code, _, errs := run(t, "run", "reorder-retries", "--duration", "1s", "--out", saved); code != 0 && code != exitCheck {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(filepath.Join(saved, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(saved, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := filepath.Join(saved, "results.json")
	out := filepath.Join(dir, "cmp")
	code, _, errs := run(t, "compare", res, res, filepath.Join(saved, "a.json"), filepath.Join(saved, "b.json"), "--out", out)
	if code != 0 {
		t.Fatalf("compare --out: exit %d: %s", code, errs)
	}
	subs, _ := filepath.Glob(filepath.Join(out, "*", "results.json"))
	if len(subs) != 4 {
		t.Errorf("%d sub-directories with a results.json, want 4: %v", len(subs), subs)
	}
	for _, sub := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(out, sub, "results.json")); err != nil {
			t.Errorf("no sub-directory %s named after its file: %v", sub, err)
		}
	}
}

// A saved run's command field is never shown: compare prints how to
// replay the file instead, shell-quoted. A file of a newer schema is
// refused.
func TestCompareNeverPrintsTheSavedCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "saved runs")
	if code, _, errs := run(t, "run", "reorder-retries", "--duration", "1s", "--out", dir); code != 0 && code != exitCheck {
		t.Fatalf("exit %d: %s", code, errs)
	}
	p := filepath.Join(dir, "results.json")
	data, _ := os.ReadFile(p)
	evil := regexp.MustCompile(`"command": "[^"]*"`).ReplaceAll(data, []byte(`"command": "rm -rf / ; mqsim run"`))
	if err := os.WriteFile(p, evil, 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(t.TempDir(), "cmp")
	for _, args := range [][]string{{"compare", dir}, {"compare", dir, dir, "-o", "markdown"}, {"compare", dir, dir, "--out", outDir}} {
		code, out, errs := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		if strings.Contains(out+errs, "rm -rf") {
			t.Errorf("%v prints the file's command:\n%s", args, out)
		}
		if args[len(args)-1] == "markdown" && !strings.Contains(out, "mqsim run --replay '"+p+"'") {
			t.Errorf("%v: no shell-quoted replay line:\n%s", args, out)
		}
	}
	html, _ := os.ReadFile(filepath.Join(outDir, "report.html"))
	if strings.Contains(string(html), "rm -rf") {
		t.Error("compare --out's report shows the file's command")
	}

	future := bytes.Replace(data, []byte(`"schema_version": 1`), []byte(`"schema_version": 99`), 1)
	if err := os.WriteFile(p, future, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"compare", dir}, {"run", "--replay", p}} {
		code, _, errs := run(t, args...)
		if code != exitBadInput || !strings.Contains(errs, "schema_version") || !strings.Contains(errs, "newer mqsim") {
			t.Errorf("%v of schema 99: exit %d, %q; want exit 2 naming schema_version", args, code, errs)
		}
	}
}
