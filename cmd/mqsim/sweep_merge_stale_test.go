package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Merging into a report directory that an earlier merge with other
// metrics wrote removes that merge's charts of the metrics no longer
// merged, and keeps the user's own files.
func TestSweepMergeRemovesStaleCharts(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report")
	merge := func(name, metrics string) string {
		grid := filepath.Join(dir, name+".yaml")
		text := "scenario: baseline\nset: [duration=1s, \"producers.*.rate=200/s\"]\nseeds: 1\nmetrics: [" + metrics + "]\n"
		if err := os.WriteFile(grid, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, manifest, errs := run(t, "sweep", "plan", grid)
		if code != 0 {
			t.Fatalf("sweep plan: exit %d: %s", code, errs)
		}
		m := filepath.Join(dir, name+".jsonl")
		if err := os.WriteFile(m, []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		res := filepath.Join(dir, name+"-results")
		mustRun(t, "sweep", "run", "--manifest", m, "--out", res)
		return mustRun(t, "sweep", "merge", res, "--out", report)
	}
	merge("wide", "p99_e2e, lost")
	if err := os.WriteFile(filepath.Join(report, "notes.md"), []byte("my notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	errs := merge("narrow", "lost")
	files := readDir(t, report)
	for _, gone := range []string{"sweep-p99_e2e.png", "sweep-p99_e2e.svg"} {
		if _, ok := files[gone]; ok {
			t.Errorf("%s is still there after a merge without p99_e2e", gone)
		}
		if !strings.Contains(errs, "removed "+filepath.Join(report, gone)) {
			t.Errorf("stderr does not say %s was removed:\n%s", gone, errs)
		}
	}
	for _, kept := range []string{"notes.md", "sweep-lost.png", "sweep-lost.svg", "summary.csv", "report.html"} {
		if _, ok := files[kept]; !ok {
			t.Errorf("%s is gone", kept)
		}
	}
	// The list of written files checks with sha256sum where it exists.
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "--check", "--quiet", "merged-files.sha256")
		cmd.Dir = report
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum --check: %v\n%s", err, out)
		}
	}
}
