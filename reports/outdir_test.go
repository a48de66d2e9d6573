package reports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckReviewDir(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, files ...string) string {
		d := filepath.Join(root, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			p := filepath.Join(d, f)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	review := mk("review", "results.json", "report.html", "lag.png", "acks=1/results.json", "acks=1/timeseries.csv")
	foreign := mk("mine", "results.json", "notes.txt")
	empty := mk("empty")
	link := filepath.Join(root, "link")
	if err := os.Symlink(review, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir     string
		replace bool
		want    string // "" for no error
	}{
		{filepath.Join(root, "new", "sub"), false, ""},
		{empty, false, ""},
		{review, false, "earlier review"},
		{review, true, ""},
		{foreign, true, "notes.txt"},
		{link, true, "symbolic link"},
	} {
		err := CheckReviewDir(c.dir, c.replace)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckReviewDir(%s, %v) = %v, want nil", filepath.Base(c.dir), c.replace, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckReviewDir(%s, %v) = %v, want an error saying %q", filepath.Base(c.dir), c.replace, err, c.want)
		}
	}
	if err := CheckReviewDir(review, false); !errors.Is(err, ErrEarlierReview) {
		t.Errorf("err = %v, want ErrEarlierReview", err)
	}
}

// A write interrupted between the two renames of the fallback swap left
// the old review aside and the new one in a temporary: the next write
// restores the old review first, then removes every temporary.
func TestInterruptedSwapIsRecovered(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "review")
	old := filepath.Join(root, ".review"+tmpOld+"123")
	half := filepath.Join(root, ".review"+tmpNew+"123")
	for _, d := range []string{old, half} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(old, "results.json"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckReviewDir(dir, false); !errors.Is(err, ErrEarlierReview) {
		t.Fatalf("after recovery the old review should be back and protected: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "results.json")); string(b) != "old" {
		t.Errorf("old review not restored: %q", b)
	}
	if _, err := writeDirAtomic(dir, []File{{"results.json", []byte("new")}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "results.json")); string(b) != "new" {
		t.Errorf("new review not written: %q", b)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("temporaries left: %v", entries)
	}
}
