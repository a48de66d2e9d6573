package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// tinyGrid is a 2 variants × 3 seeds sweep of 1 s simulated runs.
const tinyGrid = `scenario: baseline
set: [duration=1s, "producers.*.rate=500/s", drain=2s]
vary: ["acks=1,all"]
seeds: 3
metrics: [p99_e2e, throughput_out, lost]
`

// planTiny writes the grid and its manifest into dir and returns the
// manifest's path and line count.
func planTiny(t *testing.T, dir string) (string, int) {
	t.Helper()
	grid := filepath.Join(dir, "grid.yaml")
	if err := os.WriteFile(grid, []byte(tinyGrid), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "sweep", "plan", grid)
	if code != 0 {
		t.Fatalf("sweep plan: exit %d: %s", code, errs)
	}
	m := filepath.Join(dir, "manifest.jsonl")
	if err := os.WriteFile(m, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return m, strings.Count(out, "\n")
}

// readDir returns every file of dir (not temporaries) by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func sameDirs(t *testing.T, what, a, b string) {
	t.Helper()
	fa, fb := readDir(t, a), readDir(t, b)
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Fatalf("%s: %d files vs %d", what, len(fa), len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s: %s differs between the single-process and the sharded sweep", what, name)
		}
	}
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, _, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("mqsim %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return errs
}

// TestSweepShardsMatchSingleProcess: every shard run in random order, one
// of them twice, then merged, gives the very bytes of one process running
// the whole manifest.
func TestSweepShardsMatchSingleProcess(t *testing.T) {
	dir := t.TempDir()
	m, n := planTiny(t, dir)
	if n != 6 {
		t.Fatalf("manifest has %d lines, want 2 variants × 3 seeds = 6", n)
	}
	single, sharded := filepath.Join(dir, "single"), filepath.Join(dir, "sharded")
	mustRun(t, "sweep", "run", "--manifest", m, "--out", single)
	mustRun(t, "sweep", "merge", single, "--out", single+"-report")

	const shards = 4 // 6 lines over 4 shards: two shards have two lines, two have one
	order := rand.New(rand.NewPCG(uint64(os.Getpid()), 1)).Perm(shards)
	order = append(order, order[1]) // one shard runs again, as a retried job would
	t.Logf("shard order %v", order)
	for k, i := range order {
		errs := mustRun(t, "sweep", "run", "--manifest", m, "--shard", strconv.Itoa(i)+"/"+strconv.Itoa(shards), "--out", sharded, "--parallel", "1")
		if k == len(order)-1 && !strings.Contains(errs, ": 0 run,") {
			t.Errorf("the repeated shard ran again: %s", errs)
		}
	}
	mustRun(t, "sweep", "merge", sharded, "--out", sharded+"-report")
	sameDirs(t, "results", single, sharded)
	sameDirs(t, "report", single+"-report", sharded+"-report")
	rep := readDir(t, single+"-report")
	for _, want := range []string{"summary.csv", "report.md", "report.html", "sweep-p99_e2e.png", "sweep-p99_e2e.svg"} {
		if len(rep[want]) == 0 {
			t.Errorf("merge wrote no %s", want)
		}
	}
	if got := strings.Count(string(rep["summary.csv"]), "\n"); got != 1+2*3 {
		t.Errorf("summary.csv has %d lines, want a header and 2 variants × 3 metrics", got)
	}
}

// TestSweepMergeChecksCompleteness: a missing result or a stray file is
// bad input naming it, never a silently smaller sample.
func TestSweepMergeChecksCompleteness(t *testing.T) {
	dir := t.TempDir()
	m, _ := planTiny(t, dir)
	res := filepath.Join(dir, "res")
	mustRun(t, "sweep", "run", "--manifest", m, "--shard", "0/3", "--out", res)
	code, _, errs := run(t, "sweep", "merge", res, "--out", filepath.Join(dir, "rep"))
	if code != exitBadInput || !strings.Contains(errs, "4 of 6 runs have no result (manifest lines 1, 2, 4, 5)") {
		t.Errorf("merge of shard 0/3 only: exit %d, %s; want 2 naming lines 1, 2, 4, 5", code, errs)
	}
	mustRun(t, "sweep", "run", "--manifest", m, "--out", res)
	if err := os.WriteFile(filepath.Join(res, "junk.json"), []byte(`{"x":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "sweep", "merge", res, "--out", filepath.Join(dir, "rep")); code != exitBadInput || !strings.Contains(errs, "junk.json") {
		t.Errorf("merge with a stray file: exit %d, %s; want 2 naming junk.json", code, errs)
	}
}

// TestSweepRunRefusesStaleLines: a manifest line whose scenario resolves
// to another hash here (edited, or planned by another build) is refused.
func TestSweepRunRefusesStaleLines(t *testing.T) {
	dir := t.TempDir()
	m, _ := planTiny(t, dir)
	data, _ := os.ReadFile(m)
	edited := strings.Replace(string(data), `"seed=1"`, `"seed=99"`, 1)
	if err := os.WriteFile(m, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "sweep", "run", "--manifest", m, "--out", filepath.Join(dir, "r"))
	if code != exitBadInput || !strings.Contains(errs, "resolves to") {
		t.Errorf("edited manifest: exit %d, %s; want 2 and the hash mismatch", code, errs)
	}
	if code, _, errs := run(t, "sweep", "run", "--manifest", m, "--shards", "3", "--out", filepath.Join(dir, "r")); code != exitBadInput || !strings.Contains(errs, "without an index") {
		t.Errorf("--shards without an index: exit %d, %s", code, errs)
	}
}

// The batch/v1 Job and v1 ConfigMap fields the printed manifest may use,
// mirrored from the Kubernetes API reference; decoding refuses any other
// field, so a misspelt or misplaced key fails the test.
type (
	k8sMeta struct {
		Name string `yaml:"name"`
	}
	k8sConfigMap struct {
		APIVersion string            `yaml:"apiVersion"`
		Kind       string            `yaml:"kind"`
		Metadata   k8sMeta           `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
	}
	k8sJob struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   k8sMeta `yaml:"metadata"`
		Spec       struct {
			CompletionMode       string `yaml:"completionMode"`
			Completions          *int   `yaml:"completions"`
			Parallelism          *int   `yaml:"parallelism"`
			BackoffLimitPerIndex *int   `yaml:"backoffLimitPerIndex"`
			MaxFailedIndexes     *int   `yaml:"maxFailedIndexes"`
			Template             struct {
				Metadata *k8sMeta `yaml:"metadata"`
				Spec     struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []struct {
						Name         string   `yaml:"name"`
						Image        string   `yaml:"image"`
						Command      []string `yaml:"command"`
						Args         []string `yaml:"args"`
						VolumeMounts []struct {
							Name      string `yaml:"name"`
							MountPath string `yaml:"mountPath"`
							ReadOnly  bool   `yaml:"readOnly"`
						} `yaml:"volumeMounts"`
					} `yaml:"containers"`
					Volumes []struct {
						Name      string `yaml:"name"`
						ConfigMap *struct {
							Name string `yaml:"name"`
						} `yaml:"configMap"`
						PersistentVolumeClaim *struct {
							ClaimName string `yaml:"claimName"`
						} `yaml:"persistentVolumeClaim"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func TestSweepK8sManifest(t *testing.T) {
	dir := t.TempDir()
	m, _ := planTiny(t, dir)
	code, out, errs := run(t, "sweep", "k8s", "--image", "registry.example/mqsim:1", "--shards", "3", "--manifest", m)
	if code != 0 {
		t.Fatalf("sweep k8s: exit %d: %s", code, errs)
	}
	dec := yaml.NewDecoder(strings.NewReader(out))
	dec.KnownFields(true)
	var cm k8sConfigMap
	var job k8sJob
	if err := dec.Decode(&cm); err != nil {
		t.Fatalf("ConfigMap: %v", err)
	}
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("Job: %v", err)
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		t.Fatalf("a third document: %v", err)
	}
	manifest, _ := os.ReadFile(m)
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || !dnsLabel.MatchString(cm.Metadata.Name) || cm.Data["manifest.jsonl"] != string(manifest) {
		t.Errorf("ConfigMap %+v does not carry the manifest", cm.Metadata)
	}
	s := job.Spec
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job" || !dnsLabel.MatchString(job.Metadata.Name):
		t.Errorf("Job header %s %s %q", job.APIVersion, job.Kind, job.Metadata.Name)
	case s.CompletionMode != "Indexed" || s.Completions == nil || *s.Completions != 3:
		t.Errorf("want completionMode Indexed with completions 3 (required for Indexed), got %q %v", s.CompletionMode, s.Completions)
	case s.Parallelism == nil || *s.Parallelism < 1 || *s.Parallelism > 3:
		t.Errorf("parallelism %v", s.Parallelism)
	case s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 0:
		t.Errorf("backoffLimitPerIndex %v, want set (per-shard retries)", s.BackoffLimitPerIndex)
	case s.Template.Spec.RestartPolicy != "Never":
		t.Errorf("restartPolicy %q: backoffLimitPerIndex requires Never", s.Template.Spec.RestartPolicy)
	case len(s.Template.Spec.Containers) != 1:
		t.Fatalf("%d containers, want 1", len(s.Template.Spec.Containers))
	}
	c := s.Template.Spec.Containers[0]
	if c.Name == "" || c.Image != "registry.example/mqsim:1" {
		t.Errorf("container name %q image %q", c.Name, c.Image)
	}
	args := strings.Join(c.Args, " ")
	if !strings.HasPrefix(args, "sweep run ") || !strings.Contains(args, "--shards 3") || strings.Contains(args, "--shard ") {
		t.Errorf("args %q: want sweep run with --shards 3 and the index from JOB_COMPLETION_INDEX", args)
	}
	vols := map[string]bool{}
	for _, v := range s.Template.Spec.Volumes {
		vols[v.Name] = (v.ConfigMap != nil) != (v.PersistentVolumeClaim != nil)
		if v.ConfigMap != nil && v.ConfigMap.Name != cm.Metadata.Name {
			t.Errorf("volume %s mounts ConfigMap %q, not the printed %q", v.Name, v.ConfigMap.Name, cm.Metadata.Name)
		}
	}
	for _, vm := range c.VolumeMounts {
		if !vols[vm.Name] {
			t.Errorf("volumeMount %s has no volume with exactly one source", vm.Name)
		}
		if strings.Contains(args, vm.MountPath) {
			delete(vols, vm.Name)
		}
	}
	if len(vols) != 0 {
		t.Errorf("volumes the command never reads: %v", vols)
	}
	for _, bad := range [][]string{
		{"sweep", "k8s", "--shards", "3", "--manifest", m},
		{"sweep", "k8s", "--image", "x", "--shards", "0", "--manifest", m},
		{"sweep", "k8s", "--image", "x", "--shards", "3", "--manifest", m, "--name", "Bad_Name"},
	} {
		if code, _, _ := run(t, bad...); code != exitBadInput {
			t.Errorf("mqsim %s: exit %d, want 2", strings.Join(bad, " "), code)
		}
	}
}

// TestSweepGNUParallelRecipe runs the GNU parallel recipe of
// docs/sweeps.md on this machine (the ":" login is the local computer)
// when parallel is installed, both with {} and with $PARALLEL_SEQ, and
// checks the merged report equals a single-process sweep's.
func TestSweepGNUParallelRecipe(t *testing.T) {
	par, err := exec.LookPath("parallel")
	if err != nil {
		t.Skip("GNU parallel is not installed (Debian: apt-get install -y parallel)")
	}
	dir := t.TempDir()
	m, _ := planTiny(t, dir)
	// An mqsim on PATH: this test binary, acting as the command.
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	script := "#!/bin/sh\nMQSIM_TEST_CHILD=1 exec '" + exe + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "mqsim"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(slices.Clone(os.Environ()), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	sh := func(cmdline string) {
		t.Helper()
		c := exec.Command("sh", "-c", cmdline)
		c.Dir, c.Env = dir, env
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmdline, err, out)
		}
	}
	mustRun(t, "sweep", "run", "--manifest", m, "--out", filepath.Join(dir, "single"))
	mustRun(t, "sweep", "merge", filepath.Join(dir, "single"), "--out", filepath.Join(dir, "single-report"))
	// The recipes, as docs/sweeps.md gives them (with a local login).
	sh(par + " --will-cite --sshlogin : --jobs 2 mqsim sweep run --manifest manifest.jsonl --shard {}/3 --out results-a ::: 0 1 2")
	sh(par + " --will-cite -N0 --jobs 2 mqsim sweep run --manifest manifest.jsonl --shards 3 --out results-b ::: 1 2 3")
	for _, r := range []string{"results-a", "results-b"} {
		mustRun(t, "sweep", "merge", filepath.Join(dir, r), "--out", filepath.Join(dir, r+"-report"))
		sameDirs(t, r, filepath.Join(dir, "single"), filepath.Join(dir, r))
		sameDirs(t, r+" report", filepath.Join(dir, "single-report"), filepath.Join(dir, r+"-report"))
	}
}

// TestOutWritesMetricsAndNDJSON: a review holds metrics.prom whose numbers
// are those of its results.json, and timeseries.ndjson with one line per
// row of timeseries.csv.
func TestOutWritesMetricsAndNDJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "review")
	mustRun(t, "run", "baseline", "--set", "duration=1s", "--out", dir)
	files := readDir(t, dir)
	prom := string(files["metrics.prom"])
	var res struct {
		Acked int64 `json:"acked"`
		Lost  int64 `json:"lost"`
	}
	if err := json.Unmarshal(files["results.json"], &res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`mqsim_acked_messages_total{scenario="baseline",variant="base",seed="1"} ` + strconv.FormatInt(res.Acked, 10) + "\n",
		`mqsim_lost_messages_total{scenario="baseline",variant="base",seed="1"} ` + strconv.FormatInt(res.Lost, 10) + "\n",
	} {
		if !strings.Contains(prom, want) {
			t.Errorf("metrics.prom lacks %q", want)
		}
	}
	if !strings.HasSuffix(prom, "# EOF\n") || res.Acked == 0 {
		t.Errorf("metrics.prom does not end in # EOF, or the run acked nothing")
	}
	if nd, csv := strings.Count(string(files["timeseries.ndjson"]), "\n"), strings.Count(string(files["timeseries.csv"]), "\n"); nd == 0 || nd != csv-1 {
		t.Errorf("timeseries.ndjson has %d lines, timeseries.csv %d rows after its header", nd, csv-1)
	}
	if len(files["timeseries.schema.json"]) == 0 {
		t.Error("no timeseries.schema.json")
	}
}

// TestPandasExample runs docs/pandas_example.py on a fresh review when a
// Python with pandas and matplotlib is at hand (Debian: apt-get install -y
// python3-pandas python3-matplotlib), and checks it drew its chart.
func TestPandasExample(t *testing.T) {
	var py string
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(cand); err == nil && exec.Command(p, "-c", "import pandas, matplotlib").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with pandas and matplotlib")
	}
	dir := filepath.Join(t.TempDir(), "review")
	mustRun(t, "run", "baseline", "--set", "duration=2s", "--out", dir)
	c := exec.Command(py, "../../docs/pandas_example.py", dir)
	c.Env = append(os.Environ(), "MPLCONFIGDIR="+t.TempDir())
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("pandas_example.py: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "pandas-lag.png")); err != nil || fi.Size() < 1000 {
		t.Errorf("pandas_example.py drew no chart: %v", err)
	}
}
