package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// notebookCode reads docs/pandas_example.ipynb: the code of its first
// cell (imports and the review directory) and of the cells after it.
func notebookCode(t *testing.T) (setup, body string) {
	t.Helper()
	data, err := os.ReadFile("../../docs/pandas_example.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			Type   string   `json:"cell_type"`
			Source []string `json:"source"`
		} `json:"cells"`
		Format int `json:"nbformat"`
	}
	if err := json.Unmarshal(data, &nb); err != nil || nb.Format != 4 {
		t.Fatalf("docs/pandas_example.ipynb is not an nbformat 4 notebook: %v", err)
	}
	var code []string
	for _, c := range nb.Cells {
		if c.Type == "code" {
			code = append(code, strings.Join(c.Source, ""))
		}
	}
	if len(code) < 2 {
		t.Fatalf("the notebook has %d code cells; want the setup and the rest", len(code))
	}
	return code[0], strings.Join(code[1:], "\n")
}

// The notebook is the script's code in cells: the same loading and
// plotting, with the review directory set in its first cell instead of
// read from the command line, and the figure shown instead of only saved.
func TestPandasNotebookMatchesScript(t *testing.T) {
	setup, body := notebookCode(t)
	data, err := os.ReadFile("../../docs/pandas_example.py")
	if err != nil {
		t.Fatal(err)
	}
	script := string(data)
	const argv = `review = Path(sys.argv[1] if len(sys.argv) > 1 else "review")` + "\n"
	head, rest, ok := strings.Cut(script, argv)
	if !ok {
		t.Fatal("docs/pandas_example.py no longer reads the review directory from argv")
	}
	norm := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimRight(l, " "); l != "" && l != "plt.show()" {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	if norm(body) != norm(rest) {
		t.Errorf("the notebook's cells differ from the script after its review line:\n--- notebook\n%s\n--- script\n%s", norm(body), norm(rest))
	}
	for _, l := range strings.Split(norm(setup), "\n") {
		if !strings.HasPrefix(l, "review = ") && !strings.Contains(head, l+"\n") {
			t.Errorf("notebook line %q is not in the script's imports", l)
		}
	}
}

// With pandas and matplotlib installed, the notebook's code runs on a
// fresh run and draws its chart.
func TestPandasNotebookRuns(t *testing.T) {
	py := pythonWithPandas()
	if py == "" {
		t.Skip("no python3 with pandas and matplotlib")
	}
	setup, body := notebookCode(t)
	dir := filepath.Join(t.TempDir(), "review")
	mustRun(t, "run", "baseline", "--set", "duration=2s", "--out", dir)
	prog := filepath.Join(t.TempDir(), "notebook.py")
	if err := os.WriteFile(prog, []byte(setup+"\n"+body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(py, prog)
	c.Dir = filepath.Dir(dir) // the first cell reads "review"
	c.Env = append(os.Environ(), "MPLCONFIGDIR="+t.TempDir(), "MPLBACKEND=Agg")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("the notebook's code: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "pandas-lag.png")); err != nil || fi.Size() < 1000 {
		t.Errorf("the notebook drew no chart: %v", err)
	}
}

func pythonWithPandas() string {
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(cand); err == nil && exec.Command(p, "-c", "import pandas, matplotlib").Run() == nil {
			return p
		}
	}
	return ""
}
