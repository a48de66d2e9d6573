package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"mqsim/scenarios"
)

// The hostile-input suite: every command that reads a file is given every
// malformed or extreme file in testdata/hostile (and a few special paths:
// a named pipe with no writer, a device, a directory, /dev/zero on
// standard input). Whatever the input, the command exits 0 or 2, never 1
// and never with a panic; exit 2 names the file and a line; a refused
// input is refused within 5 s and under 512 MB.

const (
	hostileTimeout = 5 * time.Second
	hostileMaxRSS  = 512 << 20 // bytes
)

// hostileBin is the mqsim binary TestHostile built for its subtests.
var hostileBin string

// TestHostile builds the binary once, into a directory removed afterwards,
// and runs the suite's parts against it.
func TestHostile(t *testing.T) {
	dir := t.TempDir()
	hostileBin = filepath.Join(dir, "mqsim")
	defer func() { hostileBin = "" }()
	if out, err := exec.Command(goTool(), "build", "-o", hostileBin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("inputs", hostileInputs)
	t.Run("messages", hostileMessages)
	t.Run("data-dir", dataDirReuse)
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

type hostileResult struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
	maxRSS         int64 // bytes
}

// runHostile runs the binary in dir with args, stdin from a file (or
// nothing), and measures its time and peak memory.
func runHostile(t *testing.T, dir, stdinPath string, args ...string) hostileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*hostileTimeout)
	defer cancel()
	if hostileBin == "" {
		t.Fatal("runHostile outside TestHostile")
	}
	cmd := exec.CommandContext(ctx, hostileBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if stdinPath != "" {
		f, err := os.Open(stdinPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		// Through a pipe, as `cat FILE | mqsim …` gives it (the child
		// would see a regular file if given f itself).
		cmd.Stdin = struct{ io.Reader }{f}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := hostileResult{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("mqsim %s: still running after %v", strings.Join(args, " "), 4*hostileTimeout)
	}
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("mqsim %s: %v", strings.Join(args, " "), err)
		}
	}
	r.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
		if runtime.GOOS == "darwin" {
			r.maxRSS = int64(ru.Maxrss)
		}
	}
	return r
}

// hostileCommands are the commands that read a file, by the kind of file.
var hostileCommands = map[string][][]string{
	".yaml": {
		{"validate", "FILE"},
		{"run", "FILE", "--duration", "1s", "-o", "json"},
		{"capacity", "FILE"},
		{"interview", "--answers", "FILE", "--prove=false"},
		{"interview", "FILE", "--model-answer"},
	},
	".json": {
		{"compare", "FILE"},
		{"run", "--replay", "FILE", "-o", "json"},
	},
}

var (
	fileLineRE = regexp.MustCompile(`:[0-9]+(:|$| )`)
	// Messages about a whole file — its kind (a workload given to run)
	// or its size — have no line to name.
	wholeFileRE = regexp.MustCompile(`, not a (scenario|capacity workload)|larger than [0-9]+ [KM]iB`)
)

func hostileInputs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses named pipes and /dev")
	}
	corpus, err := filepath.Abs("testdata/hostile")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	// Inputs too large to keep in the repository are made here.
	big := filepath.Join(work, "over-1MiB.yaml")
	longValue := filepath.Join(work, "long-value.yaml")
	writeFile(t, big, "name: t\ndescription: "+strings.Repeat("x", 1<<20)+"\n")
	writeFile(t, longValue, "name: \""+strings.Repeat("y", 100<<10)+"\"\n")
	// A file refused whole (too large) has no line to name.
	wholeFile := map[string]bool{big: true}
	files := []string{big, longValue}
	for _, e := range entries {
		files = append(files, filepath.Join(corpus, e.Name()))
	}

	check := func(t *testing.T, name string, r hostileResult, needLine bool) {
		t.Helper()
		if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") {
			t.Fatalf("panicked:\n%s", r.stderr)
		}
		switch r.code {
		case 0:
		case 2:
			if !strings.Contains(r.stderr, name) {
				t.Errorf("exit 2 without naming %s:\n%s", name, r.stderr)
			} else if needLine && !wholeFileRE.MatchString(r.stderr) && !fileLineRE.MatchString(r.stderr[strings.Index(r.stderr, name)+len(name):]) {
				t.Errorf("exit 2 without a line after %s:\n%s", name, r.stderr)
			}
			if r.elapsed > hostileTimeout {
				t.Errorf("refused after %v, want within %v", r.elapsed, hostileTimeout)
			}
			if r.maxRSS > hostileMaxRSS {
				t.Errorf("refused using %d MB, want under %d MB", r.maxRSS>>20, hostileMaxRSS>>20)
			}
		default:
			t.Errorf("exit %d, want 0 or 2:\n%s", r.code, r.stderr)
		}
	}

	for _, f := range files {
		for _, tmpl := range hostileCommands[filepath.Ext(f)] {
			args := make([]string, len(tmpl))
			for i, a := range tmpl {
				if a == "FILE" {
					a = f
				}
				args[i] = a
			}
			t.Run(filepath.Base(f)+"/"+tmpl[0]+"-"+tmpl[1], func(t *testing.T) {
				r := runHostile(t, work, "", args...)
				check(t, f, r, !wholeFile[f])
			})
		}
	}

	// Special paths: no line to name, but the file, quickly.
	fifo := filepath.Join(work, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		file  string
		code  int
	}{
		{"named pipe, no writer", "", []string{"validate", fifo}, fifo, 2},
		{"named pipe run", "", []string{"run", fifo}, fifo, 2},
		{"named pipe capacity", "", []string{"capacity", fifo}, fifo, 2},
		{"dev zero compare", "", []string{"compare", "/dev/zero"}, "/dev/zero", 2},
		{"dev zero replay", "", []string{"run", "--replay", "/dev/zero"}, "/dev/zero", 2},
		{"dev zero validate", "", []string{"validate", "/dev/zero"}, "/dev/zero", 2},
		{"directory", "", []string{"validate", work}, work, 2},
		{"missing file", "", []string{"validate", filepath.Join(work, "nope.yaml")}, "nope.yaml", 2},
		{"dev zero on stdin", "/dev/zero", []string{"validate", "-"}, "-", 2},
		{"dev zero on stdin replay", "/dev/zero", []string{"run", "--replay", "-"}, "-", 2},
		{"dev zero on stdin compare", "/dev/zero", []string{"compare", "-"}, "-", 2},
		{"scenario on stdin", filepath.Join(corpus, "brokers-zero.yaml"), []string{"validate", "-"}, "cluster.brokers", 2},
		{"scenario on /dev/stdin", filepath.Join(corpus, "brokers-zero.yaml"), []string{"validate", "/dev/stdin"}, "cluster.brokers", 2},
		{"valid scenario piped to /dev/stdin", filepath.Join("..", "..", "scenarios", "builtin", "baseline.yaml"), []string{"validate", "/dev/stdin"}, "-", 0},
		{"workload on stdin", filepath.Join("..", "..", "scenarios", "workloads", "social-media.yaml"), []string{"capacity", "-"}, "-", 0},
		{"prompt on stdin", filepath.Join("..", "..", "scenarios", "interview", "prompts", "payments.yaml"), []string{"interview", "-", "--model-answer"}, "-", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runHostile(t, work, c.stdin, c.args...)
			check(t, c.file, r, false)
			if r.code != c.code {
				t.Errorf("exit %d, want %d:\n%s", r.code, c.code, r.stderr)
			}
		})
	}
}

// Specific refusals the suite's corpus holds, with the line and field each
// must name.
func hostileMessages(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix paths")
	}
	corpus, _ := filepath.Abs("testdata/hostile")
	for _, c := range []struct {
		file string
		want []string
	}{
		{"fractional-partitions.yaml", []string{"fractional-partitions.yaml:5: topics[0].partitions:"}},
		{"seed-overflow.yaml", []string{"seed-overflow.yaml:11: seed:"}},
		{"brokers-zero.yaml", []string{"brokers-zero.yaml:12: cluster.brokers:"}},
		{"empty-acks.yaml", []string{"empty-acks.yaml:9: producers[0].acks:"}},
		{"null-key.yaml", []string{"null-key.yaml:11:"}},
		{"custom-tag.yaml", []string{"custom-tag.yaml:1: name: custom tag !foo"}},
		{"python-tag.yaml", []string{"python-tag.yaml:11: cluster: custom tag"}},
		{"unknown-anchor.yaml", []string{"unknown-anchor.yaml:11:"}},
		{"yaml-2.0.yaml", []string{"yaml-2.0.yaml:1:"}},
		{"deep-flow.yaml", []string{"deep-flow.yaml:1:"}},
		{"nine-mistakes.yaml", []string{":2: duration:", ":5: topics[0].partitions:", ":6: topics[0].retention:",
			":10: producers[0].lingr:", ":11: producers[0].acks:", ":12: producers[0].batch_size:",
			":15: consumer_groups[0].consumers:", ":16: consumer_groups[0].commit:", ":18: cluster.brokers:", ":19: colour:"}},
	} {
		r := runHostile(t, corpus, "", "validate", c.file)
		if r.code != 2 {
			t.Errorf("validate %s: exit %d, want 2", c.file, r.code)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("validate %s: missing %q in\n%s", c.file, w, r.stderr)
			}
		}
	}
	// --set refuses what it used to coerce, as --seed does.
	for _, c := range []struct{ set, want string }{
		{"seed=1.9", "--set: seed:"},
		{"topics.0.partitions=6.9", "--set: topics[0].partitions:"},
		{"seed=18446744073709551616", "--set: seed:"},
		{"a.b.=1", "--set: a.b.:"},
		{".name=x", "--set: .name:"},
		{"producers.0.acks=", "producers[0].acks:"},
		{"cluster.brokers=0", "cluster.brokers:"},
		{"producers.0.lingr=5ms", `did you mean "linger"`},
	} {
		r := runHostile(t, corpus, "", "validate", "baseline", "--set", c.set)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("--set %s: exit %d, want 2 naming %q:\n%s", c.set, r.code, c.want, r.stderr)
		}
	}
}

// A --data-dir that holds logs is never reused silently (issue 21 item 1).
func dataDirReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulation four times")
	}
	dir := t.TempDir()
	dd := filepath.Join(dir, "logs")
	run := func(args ...string) hostileResult {
		return runHostile(t, dir, "", append([]string{"run", "baseline", "--duration", "1s", "--data-dir", dd}, args...)...)
	}
	first := run("--out", filepath.Join(dir, "r1"))
	if first.code != 0 || !strings.Contains(first.stdout, "Logs:      written to "+dd) {
		t.Fatalf("fresh run: exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	// A fresh run over a data directory replays in memory to the same numbers.
	if r := runHostile(t, dir, "", "run", "--replay", filepath.Join(dir, "r1", "results.json")); r.code != 0 {
		t.Errorf("replay of a --data-dir run: exit %d\n%s", r.code, r.stderr)
	}
	again := run()
	if again.code != 2 || !strings.Contains(again.stderr, "already holds logs") {
		t.Errorf("second run over the same logs: exit %d, want 2 (refused):\n%s", again.code, again.stderr)
	}
	forced := run("--force")
	if forced.code != 0 {
		t.Fatalf("--force: exit %d\n%s", forced.code, forced.stderr)
	}
	// A fresh run over wiped logs gives the first run's numbers.
	if withoutWallTime(forced.stdout) != withoutWallTime(first.stdout) {
		t.Errorf("--force run differs from the first run:\n%s\n---\n%s", first.stdout, forced.stdout)
	}
	resumed := run("--resume", "-o", "json", "--out", filepath.Join(dir, "r2"))
	if !strings.Contains(resumed.stdout, `"resumed": true`) || !strings.Contains(resumed.stdout, `"data_dir": `) {
		t.Errorf("--resume: the results do not say so:\n%s", resumed.stdout)
	}
	if resumed.code == 3 && !strings.Contains(resumed.stderr, "--data-dir "+dd+" --resume") {
		t.Errorf("--resume: the replay line drops --data-dir/--resume:\n%s", resumed.stderr)
	}
	// A resumed run cannot be replayed from empty logs: refused, not "differs".
	if r := runHostile(t, dir, "", "run", "--replay", filepath.Join(dir, "r2", "results.json")); r.code != 2 || !strings.Contains(r.stderr, "cannot reproduce it") {
		t.Errorf("replay of a resumed run: exit %d, want 2\n%s", r.code, r.stderr)
	}
	// --force never deletes a directory that is not mqsim's.
	mine := filepath.Join(dir, "mine")
	writeFile(t, filepath.Join(mine, "thesis.tex"), "precious")
	r := runHostile(t, dir, "", "run", "baseline", "--duration", "1s", "--data-dir", mine, "--force")
	if r.code != 2 || !fileExists(filepath.Join(mine, "thesis.tex")) {
		t.Errorf("--force on a user's directory: exit %d, file kept %v:\n%s", r.code, fileExists(filepath.Join(mine, "thesis.tex")), r.stderr)
	}
	if r := runHostile(t, dir, "", "run", "baseline", "--data-dir", filepath.Join(dir, "empty"), "--resume"); r.code != 2 {
		t.Errorf("--resume from nothing: exit %d, want 2", r.code)
	}
}

// simulatedLine is the report's Simulated line with the lines it wraps onto
// (indented): it carries the wall time, whose width decides the wrap.
var simulatedLine = regexp.MustCompile(`(?m)^Simulated: .*(\n[ \t]+\S.*)*`)

// withoutWallTime drops the wall-clock parts of an output, which differ run
// to run: the Simulated line, however it wraps, and any other line naming
// the wall time.
func withoutWallTime(s string) string {
	var keep []string
	for _, l := range strings.Split(simulatedLine.ReplaceAllString(s, ""), "\n") {
		if !strings.Contains(l, " wall") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The reproduce line carries every flag that changes the result, quoted
// for a shell: a fresh run over --data-dir is reproduced by deleting the
// logs first, a resumed one only by resuming.
func TestReproduceCommandCarriesDataDir(t *testing.T) {
	ls := &scenarios.LoadedScenario{Source: "builtin/baseline.yaml"}
	ls.Seed = 7
	for _, c := range []struct {
		o    runOptions
		want string
	}{
		{runOptions{}, "mqsim run baseline --seed 7"},
		{runOptions{dataDir: "my logs", sets: []string{"producers.*.acks=1"}}, "mqsim run baseline --seed 7 --set 'producers.*.acks=1' --data-dir 'my logs' --force"},
		{runOptions{dataDir: "dd", resume: true, resumed: true}, "mqsim run baseline --seed 7 --data-dir dd --resume"},
	} {
		if got := reproduceCommand(ls, c.o); got != c.want {
			t.Errorf("reproduceCommand(%+v) = %q, want %q", c.o, got, c.want)
		}
	}
}

// "-" reads the scenario from standard input (in-process, through execute).
func TestValidateStdin(t *testing.T) {
	var out, errb bytes.Buffer
	scenario := "name: t\nduration: 1s\ntopics: [{name: a, partitions: 1}]\nproducers: [{topic: a, rate: 1/s}]\n"
	if code := execute([]string{"validate", "-"}, strings.NewReader(scenario), &out, &errb); code != 0 || !strings.Contains(out.String(), "a valid scenario (t)") {
		t.Errorf("validate -: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := execute([]string{"validate", "-"}, strings.NewReader(scenario+"seed: 1.5\n"), &out, &errb); code != 2 || !strings.Contains(errb.String(), "-:5: seed:") {
		t.Errorf("validate - with a bad seed: exit %d\n%s", code, errb.String())
	}
}

// withoutWallTime drops the Simulated line however the wall time wraps it,
// and keeps everything else.
func TestWithoutWallTime(t *testing.T) {
	short := "Setup: x\nSimulated: 1s in 37ms wall (9 events, 33× real time)\n\nDELIVERY\n  produced 1\n"
	long := "Setup: x\nSimulated: 1s in 1.234s wall (9 events,\n           1.0× real time)\n\nDELIVERY\n  produced 1\n"
	if a, b := withoutWallTime(short), withoutWallTime(long); a != b || !strings.Contains(a, "  produced 1") || strings.Contains(a, "real time") {
		t.Errorf("short:\n%s\nlong:\n%s", a, b)
	}
}
