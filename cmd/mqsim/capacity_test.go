package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the command line in-process and returns exit code, stdout, stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCapacityDefaultJSON(t *testing.T) {
	code, out, errs := run(t, "capacity", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// The seed's table: 1,157,407 msg/s peak, 105 TB replicated, 11 brokers, 116 partitions.
	want := map[string]float64{
		"messages_per_day": 1e10, "avg_messages_per_sec": 1e10 / 86400, "peak_messages_per_sec": 1157407,
		"bytes_per_day": 5e12, "retained_bytes": 35e12, "replicated_bytes": 1.05e14, "partitions": 116, "brokers": 11,
	}
	for k, v := range want {
		f, ok := got[k].(float64)
		if !ok || math.Abs(f-v) > 1 {
			t.Errorf("%s = %v, want %v (±1)", k, got[k], v)
		}
	}
	if got["binding_constraint"] != "storage" {
		t.Errorf("binding_constraint = %v, want storage", got["binding_constraint"])
	}
	if rows, ok := got["rows"].([]any); !ok || len(rows) < 10 {
		t.Errorf("rows = %v, want an array of the plan's rows", got["rows"])
	}
}

func TestCapacityFormats(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"capacity"}, []string{"1,157,407/s", "105 TB", "Brokers: 11 — storage binds", "Partitions: 116"}},
		{[]string{"capacity", "-o", "markdown"}, []string{"| Quantity | Formula | Value | Why |", "| Brokers | max over constraints", "### Inputs"}},
		{[]string{"capacity", "-o", "yaml"}, []string{"peak_messages_per_sec: 1157407", "binding_constraint: storage"}},
		{[]string{"capacity", "partitions-100k"}, []string{"Partitions: 40 (minimum 20"}},
		{[]string{"capacity", "--set", "retention=14d"}, []string{"210 TB", "Brokers: 21"}},
		{[]string{"capacity", "--list"}, []string{"social-media", "iot-telemetry", "payments"}},
		{[]string{"version"}, []string{"mqsim "}},
		{[]string{"--help"}, []string{"Exit codes:", "mqsim capacity"}},
	} {
		code, out, errs := run(t, c.args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", c.args, code, errs)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
}

func TestCapacityBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nmessages_per_sec: 10K/s\nmessage_size: 500B\nretention: 7y\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"capacity", bad}, "bad.yaml:4: retention:"},
		{[]string{"capacity", filepath.Join(dir, "none.yaml")}, "cannot open"},
		{[]string{"capacity", "--output", "xml"}, "unknown format"},
		{[]string{"capacity", "--set", "retention=-1d"}, "--set: retention"},
		{[]string{"capacity", "--plot", "chart.gif"}, "unknown image type"},
		{[]string{"capacity", "--nosuchflag"}, "unknown flag"},
		{[]string{"capacity", "a", "b"}, "accepts at most 1 arg"},
		{[]string{"nosuchcommand"}, "unknown command"},
	} {
		code, _, errs := run(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
}

func TestCapacityPlot(t *testing.T) {
	dir := t.TempDir()
	pngPath, svgPath := filepath.Join(dir, "s.png"), filepath.Join(dir, "s.svg")
	for _, p := range []string{pngPath, svgPath} {
		if code, _, errs := run(t, "capacity", "--plot", p); code != 0 {
			t.Fatalf("plot %s: exit %d: %s", p, code, errs)
		}
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
		t.Errorf("PNG is %dx%d, want a readable chart", b.Dx(), b.Dy())
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "brokers needed vs retention", "retention (days)", "storage", "network egress", "partitions vs peak factor", "@font-face"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestCapacityOutReport(t *testing.T) {
	dir := t.TempDir()
	wl := filepath.Join(dir, "evil.yaml")
	os.WriteFile(wl, []byte(`name: "<script>alert(1)</script>"
description: "</p><script>document.cookie</script> | pipes"
messages_per_sec: 10K/s
message_size: 1KB
retention: 2d
`), 0o644)
	out := filepath.Join(dir, "review")
	if code, _, errs := run(t, "capacity", wl, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"plan.json", "report.md", "report.html", "sizing.png", "sizing.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if bytes.Contains(bytes.ToLower(page), []byte("<script")) {
		t.Errorf("report.html contains an unescaped <script> from the workload file")
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "<svg", "Brokers for storage", "mqsim capacity"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if bytes.Contains(md, []byte("<script>")) || !bytes.Contains(md, []byte(`\| pipes`)) {
		t.Errorf("report.md does not escape the workload's text:\n%s", md[:300])
	}
	// An unwritable --out is refused before any work, as bad input.
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	if code, _, errs := run(t, "capacity", "--out", filepath.Join(blocker, "sub")); code != 2 || !strings.Contains(errs, "--out") {
		t.Errorf("unwritable --out: exit %d, %q; want exit 2 naming --out", code, errs)
	}
}
