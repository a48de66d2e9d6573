package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDownsampleKeepsSpikes(t *testing.T) {
	n := 100_000
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = float64(i)
	}
	y[54_321] = 99 // one spike in a flat series
	y[77_777] = -5 // and one dip
	xs, ys := Downsample(x, y, 1000)
	if len(xs) > 1000 || len(xs) != len(ys) {
		t.Fatalf("got %d/%d points, want at most 1000", len(xs), len(ys))
	}
	hasSpike, hasDip := false, false
	for i := range xs {
		hasSpike = hasSpike || (xs[i] == 54_321 && ys[i] == 99)
		hasDip = hasDip || (xs[i] == 77_777 && ys[i] == -5)
		if i > 0 && xs[i] <= xs[i-1] {
			t.Fatalf("x not increasing at %d: %v then %v", i, xs[i-1], xs[i])
		}
	}
	if !hasSpike || !hasDip {
		t.Errorf("spike kept %v, dip kept %v; want both", hasSpike, hasDip)
	}
	// Short series pass through unchanged.
	if xs, _ := Downsample(x[:10], y[:10], 1000); len(xs) != 10 {
		t.Errorf("short series: %d points, want 10", len(xs))
	}
}

func TestYAMLKeepsJSONOrder(t *testing.T) {
	var b bytes.Buffer
	v := struct {
		Zeta  int      `json:"zeta"`
		Alpha []string `json:"alpha"`
	}{3, []string{"a", "b"}}
	if err := YAML(&b, v); err != nil {
		t.Fatal(err)
	}
	if want := "zeta: 3\nalpha:\n  - a\n  - b\n"; b.String() != want {
		t.Errorf("YAML = %q, want %q", b.String(), want)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := WriteFileAtomic(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	entries, _ := os.ReadDir(dir)
	if string(got) != "two" || len(entries) != 1 {
		t.Errorf("content %q with %d files in dir; want \"two\" and no temp files left", got, len(entries))
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), []byte("x")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("unwritable path: %v, want an error naming it", err)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	if got := mdEscape("a|b\n<script>"); got != `a\|b &lt;script&gt;` {
		t.Errorf("mdEscape = %q", got)
	}
}
