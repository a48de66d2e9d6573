package sweep

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mqsim/scenarios"
)

func writePlain(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }

func files(names ...string) []ReportFile {
	var fs []ReportFile
	for _, n := range names {
		fs = append(fs, ReportFile{Name: n, Data: []byte("chart " + n)})
	}
	return fs
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A second merge with fewer metrics removes the first one's charts of the
// metrics it dropped, and nothing else: not the user's files, not a chart
// the user changed since, not a file the list names that no merge writes.
func TestWriteReportRemovesOnlyItsOwnStaleFiles(t *testing.T) {
	dir := t.TempDir()
	first := files("summary.csv", "report.md", "report.html", "sweep-lost.png", "sweep-lost.svg", "sweep-p99_e2e.png", "sweep-p99_e2e.svg", "sweep-throughput_out.png", "sweep-throughput_out.svg")
	if out, err := WriteReport(dir, first, writePlain); err != nil || len(out.Removed)+len(out.Kept) != 0 {
		t.Fatalf("first merge: %+v, %v; want nothing removed", out, err)
	}
	// The user adds notes and a chart of their own, and edits one of the
	// merge's charts.
	for name, text := range map[string]string{"notes.md": "mine", "sweep-mine.png": "mine"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sweep-throughput_out.svg"), []byte("annotated by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := files("summary.csv", "report.md", "report.html", "sweep-lost.png", "sweep-lost.svg")
	out, err := WriteReport(dir, second, writePlain)
	if err != nil {
		t.Fatal(err)
	}
	wantRemoved := []string{"sweep-p99_e2e.png", "sweep-p99_e2e.svg", "sweep-throughput_out.png"}
	if !slices.Equal(out.Removed, wantRemoved) || !slices.Equal(out.Kept, []string{"sweep-throughput_out.svg"}) {
		t.Errorf("second merge removed %v, kept %v; want removed %v and the edited chart kept", out.Removed, out.Kept, wantRemoved)
	}
	want := []string{MergedFiles, "notes.md", "report.html", "report.md", "summary.csv", "sweep-lost.png", "sweep-lost.svg", "sweep-mine.png", "sweep-throughput_out.svg"}
	if got := listDir(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %v; want %v", got, want)
	}
	// The list names what this merge wrote, in sha256sum's form.
	list, err := os.ReadFile(filepath.Join(dir, MergedFiles))
	if err != nil {
		t.Fatal(err)
	}
	// sha256("chart summary.csv"), computed with sha256sum.
	const sumLine = "867bfabeb41993c42430a718e088460cdee4239758c2f8c64e448db53837b52c  summary.csv\n"
	if !strings.HasPrefix(string(list), sumLine) || strings.Count(string(list), "\n") != len(second) || !strings.Contains(string(list), "  sweep-lost.svg\n") {
		t.Errorf("list:\n%s\nwant one line per file written", list)
	}
	// A merge with the same files again removes nothing.
	if out, err := WriteReport(dir, second, writePlain); err != nil || len(out.Removed) != 0 {
		t.Errorf("same merge again: %+v, %v; want nothing removed", out, err)
	}
}

// A list edited to name files no merge writes (or paths outside the
// directory) removes none of them, even with the right hash.
func TestWriteReportIgnoresForeignNames(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "sweep-x.png")
	for _, p := range []string{filepath.Join(dir, "notes.md"), filepath.Join(dir, ".sweep-hidden.png"), outside} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// sha256("x") = 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881
	const hx = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
	list := hx + "  notes.md\n" + hx + "  .sweep-hidden.png\n" + hx + "  ../" + filepath.Base(filepath.Dir(outside)) + "/sweep-x.png\n" + hx + "  " + outside + "\n"
	if err := os.WriteFile(filepath.Join(dir, MergedFiles), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := WriteReport(dir, files("summary.csv"), writePlain)
	if err != nil || len(out.Removed) != 0 {
		t.Fatalf("WriteReport = %+v, %v; want nothing removed", out, err)
	}
	for _, p := range []string{filepath.Join(dir, "notes.md"), filepath.Join(dir, ".sweep-hidden.png"), outside} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v; want it kept", p, err)
		}
	}
}

func TestWriteReportBadList(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, MergedFiles), []byte("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  summary.csv\nnot a hash  sweep-a.png\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := WriteReport(dir, files("summary.csv"), writePlain)
	var ie *scenarios.InputError
	if !errors.As(err, &ie) || ie.Line != 2 || !strings.HasSuffix(ie.File, MergedFiles) {
		t.Errorf("WriteReport with a bad list = %v; want an error naming %s line 2", err, MergedFiles)
	}
}
