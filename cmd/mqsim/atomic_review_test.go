package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test re-run this binary as mqsim itself: with
// MQSIM_TEST_CHILD set, the process is the command line in os.Args.
// reviewFiles reads every file under dir (relative path → bytes, wall
// time masked).
func reviewFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = wallJSON.ReplaceAll(b, []byte(`"wall_seconds": 0`))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

func names(m map[string][]byte) []string {
	var ns []string
	for k := range m {
		ns = append(ns, k)
	}
	sort.Strings(ns)
	return ns
}

// An --out that holds an earlier review is refused unless --force, which
// replaces it as a whole: a later --vary with fewer variants leaves none
// of the earlier variant directories behind. A directory holding other
// files is never replaced.
func TestOutRefusesAnEarlierReviewUnlessForced(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "review")
	args := []string{"run", "reorder-retries", "--duration", "1s", "--vary", "acks=0,1,all", "--out", dir}
	if code, _, errs := run(t, args...); code != 0 {
		t.Fatalf("first review: exit %d: %s", code, errs)
	}
	before := reviewFiles(t, dir)
	code, _, errs := run(t, "run", "reorder-retries", "--duration", "1s", "--out", dir)
	if code != exitBadInput || !strings.Contains(errs, "holds an earlier review") || !strings.Contains(errs, "--force") {
		t.Fatalf("second review without --force: exit %d, %q; want exit 2 saying why and naming --force", code, errs)
	}
	if !sameFiles(before, reviewFiles(t, dir)) {
		t.Fatal("a refused --out changed the earlier review")
	}
	if code, _, errs := run(t, "run", "reorder-retries", "--duration", "1s", "--vary", "acks=1,all", "--out", dir, "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errs)
	}
	after := reviewFiles(t, dir)
	for _, n := range names(after) {
		if strings.HasPrefix(n, "acks=0/") {
			t.Errorf("the replaced review still holds %s from the earlier, larger grid", n)
		}
	}
	if _, ok := after["acks=all/results.json"]; !ok {
		t.Errorf("the new review lacks acks=all/results.json: %v", names(after))
	}
	parent, _ := os.ReadDir(filepath.Dir(dir))
	if len(parent) != 1 {
		t.Errorf("temporaries left beside the review: %v", parent)
	}
	// compare --out follows the same rule.
	cmp := filepath.Join(filepath.Dir(dir), "cmp")
	if code, _, errs := run(t, "compare", dir, "--out", cmp); code != 0 {
		t.Fatalf("compare --out: exit %d: %s", code, errs)
	}
	if code, _, _ := run(t, "compare", dir, "--out", cmp); code != exitBadInput {
		t.Errorf("compare --out over an earlier report: exit %d, want 2", code)
	}
	if code, _, errs := run(t, "compare", dir, "--out", cmp, "--force"); code != 0 {
		t.Errorf("compare --out --force: exit %d: %s", code, errs)
	}
	// A directory with the user's own files is not a review to replace.
	own := t.TempDir()
	if err := os.WriteFile(filepath.Join(own, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "run", "reorder-retries", "--duration", "1s", "--out", own, "--force")
	if code != exitBadInput || !strings.Contains(errs, "notes.txt") {
		t.Errorf("--out over the user's files: exit %d, %q; want exit 2 naming notes.txt", code, errs)
	}
}

// A run --out --force killed with SIGKILL at any moment leaves the review
// directory entirely the old review or entirely the new one; the next run
// removes whatever temporaries the killed one left. The kill times are a
// fixed schedule spread over one uninterrupted run's wall time. The full
// 120 kills run with MQSIM_KILL_TESTS=1; by default 10.
func TestKillDuringOutLeavesOldOrNewReview(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	tries := 10
	if os.Getenv("MQSIM_KILL_TESTS") != "" {
		tries = 120
	}
	root := t.TempDir()
	args := func(seed int, out string) []string {
		return []string{"run", "reorder-retries", "--duration", "1s", "--vary", "acks=1,all", "--seed", strconv.Itoa(seed), "--out", out, "--force"}
	}
	child := func(a []string) *exec.Cmd {
		c := exec.Command(os.Args[0], a...)
		c.Env = append(os.Environ(), "MQSIM_TEST_CHILD=1")
		return c
	}
	// The two reviews the directory may hold: seed 1 and seed 2.
	refs := make([]map[string][]byte, 2)
	var wall time.Duration
	for i := range refs {
		d := filepath.Join(root, fmt.Sprintf("ref%d", i+1))
		start := time.Now()
		if out, err := child(args(i+1, d)).CombinedOutput(); err != nil {
			t.Fatalf("reference run: %v\n%s", err, out)
		}
		wall = max(wall, time.Since(start))
		refs[i] = reviewFiles(t, d)
	}
	if sameFiles(refs[0], refs[1]) {
		t.Fatal("the two seeds give the same review; the test could not tell them apart")
	}
	parent := filepath.Join(root, "work")
	dir := filepath.Join(parent, "review")
	if out, err := child(args(1, dir)).CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	holds, swaps := 0, 0 // refs index the directory holds; completed writes
	for i := 0; i < tries; i++ {
		next := 1 - holds
		c := child(args(next+1, dir))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill times sweep from the start to 10% past the reference wall time.
		delay := time.Duration(float64(wall) * 1.1 * (float64(i) + 0.5) / float64(tries))
		time.Sleep(delay)
		c.Process.Kill()
		c.Wait()
		got := reviewFiles(t, dir)
		switch {
		case sameFiles(got, refs[holds]):
		case sameFiles(got, refs[next]):
			holds = next
			swaps++
		default:
			t.Fatalf("kill %d after %v: the review is neither the old nor the new one: %v", i, delay, names(got))
		}
	}
	t.Logf("%d kills over %v: %d runs finished their review first", tries, wall, swaps)
	// The next run cleans up whatever the kills left.
	if out, err := child(args(1-holds+1, dir)).CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	if !sameFiles(reviewFiles(t, dir), refs[1-holds]) {
		t.Error("the final run did not write its review")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		var ns []string
		for _, e := range entries {
			ns = append(ns, e.Name())
		}
		t.Errorf("temporaries left after the next run: %v", ns)
	}
}
