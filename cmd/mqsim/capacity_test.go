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
	"unicode/utf8"

	"mqsim/capacity"
	"mqsim/reports"
	"mqsim/scenarios"
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
		{[]string{"capacity"}, []string{"1,157,407/s", "105 TB", "Brokers: 11 by the arithmetic", "Partitions: 116"}},
		{[]string{"capacity", "-o", "markdown"}, []string{"| Quantity | Formula | Value | Recommended | Why |", "| Brokers | max over constraints", "### Inputs"}},
		{[]string{"capacity", "-o", "yaml"}, []string{"peak_messages_per_sec: 1157407", "binding_constraint: storage"}},
		{[]string{"capacity", "partitions-100k"}, []string{"Partitions: 40 by the arithmetic (minimum 20"}},
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

// Every line of the capacity table fits 80 columns when stdout is not a
// terminal, for every built-in workload (rows used to be 192 characters).
func TestCapacityFitsWidth(t *testing.T) {
	code, list, errs := run(t, "capacity", "--list")
	if code != 0 {
		t.Fatalf("--list: exit %d: %s", code, errs)
	}
	for i, l := range strings.Split(list, "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("--list line %d is %d columns: %q", i+1, n, l)
		}
	}
	names := 0
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		if strings.HasPrefix(line, " ") {
			continue // a wrapped summary
		}
		name := strings.Fields(line)[0]
		names++
		code, out, errs := run(t, "capacity", name)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", name, code, errs)
			continue
		}
		for i, l := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s line %d is %d columns: %q", name, i+1, n, l)
			}
		}
		// The formula and why are on their own indented lines under the row.
		if !strings.Contains(out, "\n    = ") {
			t.Errorf("%s: no indented formula line:\n%s", name, out)
		}
	}
	if names < 5 {
		t.Errorf("only %d built-in workloads listed", names)
	}
	// Narrower terminals wrap too (the width comes from the terminal).
	var b bytes.Buffer
	lw, err := scenarios.LoadWorkload("clickstream", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := capacity.Compute(lw.Workload)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.CapacityText(&b, p, 60); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		// The constraint table cannot shrink below its content (76 columns).
		if n := utf8.RuneCountInString(l); n > 60 && !strings.HasPrefix(l, "  ") {
			t.Errorf("at 60 columns, a %d-column line: %q", n, l)
		}
	}
}

// The recommended plan (15 brokers at a 75% disk-fill target — 14.36 by
// the even arithmetic with Kafka's record bytes — and 232 partitions at 2x
// headroom rounded up to 240, a multiple of 15 that Kafka places evenly, as
// computed by hand in the capacity package's tests) appears beside the
// seed's exact 11 and 116 in every format.
func TestCapacityRecommendedEverywhere(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"capacity"}, []string{"RECOMMENDED", "15 recommended", "75% disk-fill target", "240 recommended"}},
		{[]string{"capacity", "-o", "markdown"}, []string{"| Brokers | max over constraints: storage binds (10.5 → 11); recommended: max over constraints with margins (storage binds, 14.36 → 15); 232 partitions rounded up to 240, a multiple of B = 15, which Kafka places evenly | 11 | 15 |", "| `recommended_disk_fill` | 75% |"}},
		{[]string{"capacity", "-o", "yaml"}, []string{"recommended:\n  disk_fill: 0.75\n  headroom: 2\n", "  partitions: 240\n", "  brokers: 15\n", "recommended_human: \"15\""}},
	} {
		code, out, errs := run(t, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
	code, out, errs := run(t, "capacity", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var plan struct {
		SchemaVersion int    `json:"schema_version"`
		ToolVersion   string `json:"tool_version"`
		Brokers       int    `json:"brokers"`
		Partitions    int    `json:"partitions"`
		Recommended   struct {
			Brokers, Partitions, ConsumersPerGroup int
			BindingConstraint                      string `json:"binding_constraint"`
		} `json:"recommended"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Brokers != 11 || plan.Partitions != 116 || plan.Recommended.Brokers != 15 || plan.Recommended.Partitions != 240 || plan.Recommended.BindingConstraint != "storage" {
		t.Errorf("json plan %+v; want 11/116 exact and 15/240 recommended (storage)", plan)
	}
	if plan.SchemaVersion != 1 || plan.ToolVersion == "" {
		t.Errorf("schema_version %d, tool_version %q; want 1 and the build's version", plan.SchemaVersion, plan.ToolVersion)
	}
	// The review written by --out carries them too.
	dir := filepath.Join(t.TempDir(), "review")
	if code, _, errs := run(t, "capacity", "--out", dir); code != 0 {
		t.Fatalf("--out: exit %d: %s", code, errs)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	js, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
	for name, want := range map[string][]string{
		"report.html": {"With margins", "Use at 15 brokers", "15 recommended at a 75% disk-fill target"},
		"report.md":   {"| Recommended |", "15 recommended at a 75% disk-fill target"},
		"plan.json":   {`"schema_version": 1`, `"tool_version": "`, `"recommended": {`},
	} {
		data := map[string][]byte{"report.html": page, "report.md": md, "plan.json": js}[name]
		for _, w := range want {
			if !bytes.Contains(data, []byte(w)) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
}

// --scenario writes the plan as a scenario that validate accepts and run
// plays; it carries the plan's numbers (partitions-100k: 100K/s ÷ 5K/s per
// consumer = 20 partitions × 2x headroom = 40; 8 brokers for storage:
// 100 MB/s × 86,400 s × 3 d × RF 3 = 77.76 TB ÷ 10 TB = 7.78 → 8).
func TestCapacityScenario(t *testing.T) {
	code, out, errs := run(t, "capacity", "partitions-100k", "--scenario")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"brokers: 8\n", "partitions: 40\n", "replication_factor: 3\n", "rate: 100000/s", "arrival: poisson", "message_size: 1000B", "consumers: 40\n", "processing: const(200us)"} {
		if !strings.Contains(out, want) {
			t.Errorf("scenario lacks %q:\n%s", want, out)
		}
	}
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "validate", path); code != 0 {
		t.Fatalf("validate: exit %d: %s", code, errs)
	}
	code, res, errs := run(t, "run", path, "--duration", "1s")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	if !strings.Contains(res, "40 partitions") || !strings.Contains(res, "8 brokers") {
		t.Errorf("run output does not show the plan's cluster:\n%s", res)
	}
	// --recommended plays the recommended plan; alone it is refused.
	if code, out, errs := run(t, "capacity", "--scenario", "--recommended"); code != 0 || !strings.Contains(out, "brokers: 15\n") || !strings.Contains(out, "partitions: 240\n") {
		t.Errorf("--scenario --recommended: exit %d, %s\n%s", code, errs, out)
	}
	if code, _, errs := run(t, "capacity", "--recommended"); code != 2 || !strings.Contains(errs, "--recommended") {
		t.Errorf("--recommended alone: exit %d, %s; want exit 2", code, errs)
	}
	if code, _, errs := run(t, "capacity", "--scenario", "-o", "json"); code != 2 || !strings.Contains(errs, "--scenario") {
		t.Errorf("--scenario -o json: exit %d, %s; want exit 2", code, errs)
	}
	// With --out, the review is written too, not silently skipped.
	dir := filepath.Join(t.TempDir(), "review")
	if code, out, errs := run(t, "capacity", "--scenario", "--out", dir); code != 0 || !strings.Contains(out, "brokers: 11\n") {
		t.Errorf("--scenario --out: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "plan.json")); err != nil {
		t.Errorf("--scenario --out wrote no review: %v", err)
	}
}

// The reported overflows exit 2 naming the file, line and field (they used
// to plan "1 broker, 1 partition" or 9×10¹² brokers with exit 0).
func TestCapacityOverflowExits2(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ extra, want string }{
		{"peak_factor: 1e300x", "w.yaml:5: peak_factor: "},
		{"consumer_throughput: 1e-300/s", "w.yaml:5: consumer_throughput: "},
		{"disk_per_broker: 1B", "w.yaml:5: disk_per_broker: "},
		{"replication_factor: 0", "w.yaml:5: replication_factor: is 0"},
		{"peak_factor: 0x", "w.yaml:5: peak_factor: is 0"},
		{"network_target: 0", "w.yaml:5: network_target: is 0"},
	} {
		path := filepath.Join(dir, "w.yaml")
		os.WriteFile(path, []byte("name: t\nmessages_per_sec: 10K/s\nmessage_size: 500B\nretention: 1d\n"+c.extra+"\n"), 0o644)
		code, out, errs := run(t, "capacity", path)
		if code != 2 || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %d bytes; want exit 2 and %q", c.extra, code, errs, len(out), c.want)
		}
	}
}

// A --plot path that cannot be written is bad input (exit 2, the path
// named), as --out is — found before any work.
func TestCapacityPlotUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	for _, p := range []string{
		filepath.Join(blocker, "s.svg"),        // the directory is a file
		filepath.Join(dir, "missing", "s.png"), // no such directory
	} {
		code, _, errs := run(t, "capacity", "--plot", p)
		if code != 2 || !strings.Contains(errs, "--plot "+p) {
			t.Errorf("--plot %s: exit %d, %q; want exit 2 naming the path", p, code, errs)
		}
	}
	sub := filepath.Join(dir, "d.svg")
	os.Mkdir(sub, 0o755)
	if code, _, errs := run(t, "capacity", "--plot", sub); code != 2 || !strings.Contains(errs, "is a directory") {
		t.Errorf("--plot DIR.svg: exit %d, %q; want exit 2", code, errs)
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		p := filepath.Join(ro, "s.png")
		if code, _, errs := run(t, "capacity", "--plot", p); code != 2 || !strings.Contains(errs, "not writable") {
			t.Errorf("--plot into a read-only directory: exit %d, %q; want exit 2", code, errs)
		}
	}
}

// Control characters from a workload file never reach the terminal: an
// ESC ]0;…BEL in a description would retitle the reader's terminal.
func TestCapacityNoControlCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.yaml")
	os.WriteFile(path, []byte("name: \"evil\\e[31m\"\ndescription: \"hi \\e]0;pwned\\a there\"\nmessages_per_sec: 10K/s\nmessage_size: 500B\nretention: 1d\n"), 0o644)
	code, out, errs := run(t, "capacity", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.ContainsAny(out, "\x1b\a") {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
	if !strings.Contains(out, "hi \uFFFD]0;pwned\uFFFD there") {
		t.Errorf("description not shown with the controls replaced:\n%s", out)
	}
}
