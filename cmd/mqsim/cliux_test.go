package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"mqsim/scenarios"
	"mqsim/sim"
)

// Every command that prints results takes the same -o set, text being
// the table; the machine formats parse.
func TestOutputFormatsEverywhere(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := run(t, "run", "baseline", "--duration", "1s", "--data-dir", data, "-o", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	logDir := filepath.Join(data, "broker-0", "events-0")
	for _, c := range []struct {
		args    []string
		formats []string
	}{
		{[]string{"scenarios"}, outputFormats},
		{[]string{"scenarios", "--faults"}, outputFormats},
		{[]string{"scenarios", "--profiles"}, outputFormats},
		{[]string{"capacity"}, outputFormats},
		{[]string{"capacity", "--list"}, outputFormats},
		{[]string{"run", "baseline", "--duration", "1s"}, outputFormats},
		{[]string{"interview", "--list"}, outputFormats},
		{[]string{"interview", "social-media", "--model-answer"}, outputFormats},
		{[]string{"recall", "--topics"}, outputFormats},
		{[]string{"recall", "--print", "-n", "3", "--seed", "1"}, outputFormats},
		{[]string{"log", "dump", logDir}, outputFormats},
		{[]string{"validate", "baseline"}, outputFormats},
		{[]string{"validate", "social-media"}, outputFormats},
	} {
		var table string
		for _, f := range append(slices.Clone(c.formats), "text") {
			args := append(slices.Clone(c.args), "-o", f)
			code, out, errs := run(t, args...)
			if code != 0 {
				t.Errorf("%v: exit %d: %s", args, code, errs)
				continue
			}
			var v any
			switch f {
			case "table":
				table = out
			case "text":
				if withoutWallTime(out) != withoutWallTime(table) {
					t.Errorf("%v: text differs from table", args)
				}
			case "json":
				// One document, or one per line (log dump: per batch).
				dec := json.NewDecoder(strings.NewReader(out))
				for n := 0; n == 0 || dec.More(); n++ {
					if err := dec.Decode(&v); err != nil {
						t.Errorf("%v: not JSON: %v", args, err)
						break
					}
				}
			case "yaml":
				if err := yaml.Unmarshal([]byte(out), &v); err != nil || v == nil {
					t.Errorf("%v: not YAML: %v", args, err)
				}
			case "markdown":
				if !strings.HasPrefix(out, "#") || !strings.Contains(out, "|---") {
					t.Errorf("%v: not a Markdown page with a table:\n%.300s", args, out)
				}
			}
		}
	}
	// The same run in JSON and YAML holds the same document.
	_, js, _ := run(t, "run", "baseline", "--duration", "1s", "-o", "json")
	_, ys, _ := run(t, "run", "baseline", "--duration", "1s", "-o", "yaml")
	var a, b map[string]any
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(ys), &b); err != nil {
		t.Fatal(err)
	}
	if a["produced"] == nil || a["produced"] != float64(b["produced"].(int)) {
		t.Errorf("produced: JSON %v, YAML %v", a["produced"], b["produced"])
	}
	code, _, errs := run(t, "run", "-o", "jsn")
	if code != exitBadInput || !strings.Contains(errs, `unknown format "jsn"; did you mean json?`) {
		t.Errorf("-o jsn: exit %d, %s", code, errs)
	}
}

// Boolean flags read --flag in every command's help, never
// --flag[=true|false].
func TestHelpShowsBooleanFlagsPlain(t *testing.T) {
	var walk func(c *cobra.Command)
	root := newRootCmd(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	walk = func(c *cobra.Command) {
		args := append(strings.Fields(c.CommandPath())[1:], "--help")
		code, out, errs := run(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
		if strings.Contains(out, "[=true|false]") {
			t.Errorf("%v shows [=true|false]:\n%s", args, out)
		}
		if !strings.Contains(out, "  -h, --help ") {
			t.Errorf("%v: no plain -h, --help line:\n%s", args, out)
		}
		for _, sub := range c.Commands() {
			if !sub.Hidden && sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(root)
}

// Misspelt names get the nearest names and the list on lines of their
// own; every message line fits 80 columns.
func TestDidYouMean(t *testing.T) {
	dir := t.TempDir()
	faulty := filepath.Join(dir, "faulty.yaml")
	if err := os.WriteFile(faulty, []byte("name: x\nduration: 5s\ntopics: [{name: t, partitions: 1}]\n"+
		"producers: [{topic: t, rate: 10}]\nfaults: [{type: broker-crsh, at: 1s, broker: 0}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "slow-consumr"}, []string{"did you mean slow-consumer?", "\n  built-in scenarios (see 'mqsim scenarios'):\n    add-partitions,"}},
		{[]string{"capacity", "socialmedia"}, []string{"did you mean social-media?", "\n  built-in workloads:\n    clickstream,"}},
		{[]string{"validate", "paymnts"}, []string{"did you mean payments?", "\n  built-in workloads:\n"}},
		{[]string{"interview", "social-medai"}, []string{"did you mean social-media?", "\n  prompts (see --list):\n"}},
		{[]string{"run", "--set", "cluster.profile=cloud-nvme-25"}, []string{"did you mean cloud-nvme-25g?", "\n  built-in profiles (see 'mqsim scenarios --profiles'):\n"}},
		{[]string{"run", faulty}, []string{`unknown fault type "broker-crsh"; did you mean broker-crash?`, "\n  fault types (see 'mqsim scenarios --faults'):\n"}},
		{[]string{"run", "--vary", "ack=1,all"}, []string{"--vary ack: not an alias or a scenario field; did you mean acks?", "\n  aliases:\n    acks,"}},
		{[]string{"run", "--set", "ack=1"}, []string{"--set ack: not an alias or a scenario field; did you mean acks?"}},
	} {
		code, _, errs := run(t, c.args...)
		if code != exitBadInput {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, code, exitBadInput, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args, w, errs)
			}
		}
		for _, l := range strings.Split(errs, "\n") {
			if strings.HasPrefix(l, "  ") && len(l) > 80 {
				t.Errorf("%v: a list line is %d columns: %q", c.args, len(l), l)
			}
		}
	}
	// An alias in --set stands for its path.
	code, out, errs := run(t, "run", "baseline", "--duration", "1s", "--set", "acks=1")
	if code != 0 || !strings.Contains(out, "500B, acks=1;") {
		t.Errorf("--set acks=1: exit %d, acks=1 not in the scenario\n%s", code, errs)
	}
}

// The wrong kind of input names the command that takes it.
func TestWrongKindSuggestsCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "social-media"}, "social-media is a built-in capacity workload, not a scenario: size it with 'mqsim capacity social-media'; or did you mean 'mqsim run social-media-peak'?"},
		{[]string{"capacity", "baseline"}, "baseline is a built-in scenario, not a capacity workload: simulate it with 'mqsim run baseline'"},
		{[]string{"run", "../../scenarios/workloads/payments.yaml"}, "../../scenarios/workloads/payments.yaml is a capacity workload, not a scenario: size it with 'mqsim capacity ../../scenarios/workloads/payments.yaml'"},
		{[]string{"capacity", "../../scenarios/builtin/baseline.yaml"}, "is a scenario, not a capacity workload: simulate it with 'mqsim run ../../scenarios/builtin/baseline.yaml'"},
	} {
		code, _, errs := run(t, c.args...)
		if code != exitBadInput || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// Shell completion, through cobra's hidden __complete command.
func TestCompletion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string // exactly these, in order
	}{
		{[]string{"run", "slow-c"}, []string{"slow-consumer", "slow-consumer-scaled"}},
		{[]string{"capacity", "pay"}, []string{"payments"}},
		{[]string{"validate", "io"}, []string{"iot-telemetry"}},
		{[]string{"interview", "ride"}, []string{"ride-hailing"}},
		{[]string{"run", "--vary", "max_"}, []string{"max_in_flight="}},
		{[]string{"run", "--set", "cluster.profile=hdd"}, []string{"cluster.profile=hdd-1g"}},
		{[]string{"run", "-o", "m"}, []string{"markdown"}},
		{[]string{"scenarios", "--output", ""}, []string{"table", "json", "yaml", "markdown"}},
		{[]string{"interview", "-o", ""}, []string{"table", "json", "yaml", "markdown"}},
	} {
		code, out, errs := run(t, append([]string{"__complete"}, c.args...)...)
		if code != 0 {
			t.Errorf("__complete %v: exit %d: %s", c.args, code, errs)
			continue
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		got := lines[:len(lines)-1] // the last line is the directive, ":N"
		if !slices.Equal(got, c.want) {
			t.Errorf("__complete %v = %q, want %q", c.args, got, c.want)
		}
	}
	// Every profile completes.
	_, out, _ := run(t, "__complete", "run", "--set", "cluster.profile=")
	for _, p := range scenarios.Profiles() {
		if !strings.Contains(out, "cluster.profile="+p.Name+"\n") {
			t.Errorf("profile %s not offered:\n%s", p.Name, out)
		}
	}
}

// The --vary bar is drawn before any variant finishes and advances with
// the running variants' simulated time.
func TestVariantBarFromTheStart(t *testing.T) {
	var jobs []job
	for _, d := range []string{"duration=10s", "duration=30s"} {
		ls, err := scenarios.LoadScenario("baseline", []string{d})
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{ls: ls})
	}
	var buf bytes.Buffer
	b := startVariantBar(&buf, jobs, 0)
	if !strings.Contains(buf.String(), "2 variants, 0 done") || !strings.Contains(buf.String(), "0%") {
		t.Fatalf("nothing drawn at the start: %q", buf.String())
	}
	// Variant 1 (30s of 40s in all) at 10s: a quarter.
	b.progress(1)(10*sim.Second, 40*sim.Second)
	time.Sleep(time.Millisecond)
	if !strings.Contains(buf.String(), "25%") {
		t.Errorf("after 10s of 40s: %q, want 25%%", buf.String())
	}
	b.finish(0)
	if !strings.Contains(buf.String(), "2 variants, 1 done") {
		t.Errorf("after one variant: %q", buf.String())
	}
	b.done()
}

// stripWall drops the lines that carry wall-clock time.
// The Markdown form of a JSON document: plain fields as a list, a list of
// flat objects as a table, nested values under headings; text that would
// break a table is escaped.
func TestJSONMarkdown(t *testing.T) {
	var b bytes.Buffer
	doc := `{"name": "x|y", "tags": ["a", "b"], "rows": [{"k": "1", "v": 2}, {"k": "3", "v": 4}], "deep": {"z": true}}`
	if err := jsonMarkdown(&b, []byte(doc), "T"); err != nil {
		t.Fatal(err)
	}
	want := "# T\n\n- **name**: x\\|y\n- **tags**: a, b\n\n## rows\n\n| k | v |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\n## deep\n\n- **z**: true\n"
	if b.String() != want {
		t.Errorf("jsonMarkdown =\n%s\nwant\n%s", b.String(), want)
	}
}
