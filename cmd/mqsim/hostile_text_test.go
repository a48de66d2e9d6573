package main

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileScenario has a consumer group whose name holds ESC and a
// description that would retitle a terminal (OSC 0 … BEL), hold a live
// Markdown link, and mark code with backticks.
const hostileScenario = "name: \"hostile\\e[31m\"\n" +
	"description: \"\\e]0;pwned\\a Click [x](javascript:alert(1)) and <b>bold</b>; set `acks=all`.\"\n" +
	`seed: 1
duration: 1s
cluster:
  brokers: 3
topics:
  - name: orders
    partitions: 2
    replication_factor: 3
producers:
  - name: p
    topic: orders
    rate: 500/s
consumer_groups:
  - name: "g\e[2J"
    topic: orders
    consumers: 1
`

// No control character reaches any output: the terminal summary, a
// variant table, report.md, report.html, timeseries.csv and every SVG,
// which must also parse as XML. Markdown shows the link as text.
func TestControlCharactersNeverReachOutput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hostile.yaml")
	if err := os.WriteFile(file, []byte(hostileScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := func(where, s string) {
		t.Helper()
		for _, r := range s {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f {
				t.Errorf("%s holds control character %U: %q", where, r, s[:min(len(s), 300)])
				return
			}
		}
	}
	out := filepath.Join(dir, "review")
	code, stdout, errs := run(t, "run", file, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	bad("run's summary", stdout)
	if !strings.Contains(stdout, "␛]0;pwned␇") {
		t.Errorf("the summary does not show the escape as visible symbols:\n%s", stdout)
	}
	for _, args := range [][]string{
		{"run", file, "--vary", "acks=1,all"},
		{"run", file, "-o", "markdown"},
		{"compare", out},
	} {
		code, stdout, errs := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		bad(strings.Join(args, " "), stdout+errs)
	}
	svgs := 0
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".png") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(p, ".json") { // JSON escapes them as \u001b
			bad(filepath.Base(p), string(data))
		}
		if strings.HasSuffix(p, ".svg") {
			svgs++
			dec := xml.NewDecoder(strings.NewReader(string(data)))
			for {
				_, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Errorf("%s is not well-formed XML: %v", filepath.Base(p), err)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if svgs < 4 {
		t.Errorf("only %d SVGs checked", svgs)
	}
	// Error messages quote the input: its control characters are shown, not sent.
	badFile := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badFile, []byte(strings.Replace(hostileScenario, "seed: 1", "\"se\\e]0;x\\aed\": 1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "validate", badFile)
	if code != exitBadInput {
		t.Fatalf("validate of an unknown field: exit %d: %s", code, errs)
	}
	bad("validate's error", errs)

	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if strings.Contains(string(md), "[x](") || !strings.Contains(string(md), `\[x\](javascript:alert(1))`) {
		t.Errorf("report.md keeps the link live or drops it:\n%s", md)
	}
	if !strings.Contains(string(md), "`acks=all`") {
		t.Errorf("report.md lost the lesson's code span:\n%s", md)
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !strings.Contains(string(html), "<code>acks=all</code>") || strings.Contains(string(html), "<b>bold") {
		t.Errorf("report.html: the lesson's code span is not code, or its HTML is live")
	}
}
