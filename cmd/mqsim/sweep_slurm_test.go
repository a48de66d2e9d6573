package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The Slurm recipe of docs/sweeps.md, run as Slurm would run it: the
// batch script, word for word, once per array task with
// SLURM_ARRAY_TASK_ID and SLURM_CPUS_PER_TASK set, in random order and
// one task twice (a requeued task). Merged, the results are the bytes of
// one process running the whole manifest.
func TestSweepSlurmRecipe(t *testing.T) {
	doc, err := os.ReadFile("../../docs/sweeps.md")
	if err != nil {
		t.Fatal(err)
	}
	script := slurmScript(t, string(doc))
	tasks := 0
	for _, l := range strings.Split(script, "\n") {
		if v, ok := strings.CutPrefix(l, "#SBATCH --array=0-"); ok {
			n, _, _ := strings.Cut(v, "%")
			last, err := strconv.Atoi(strings.Fields(n)[0])
			if err != nil {
				t.Fatalf("--array line %q: %v", l, err)
			}
			tasks = last + 1
		}
	}
	if tasks < 2 || !strings.Contains(script, "--shards "+strconv.Itoa(tasks)) {
		t.Fatalf("the script's array (%d tasks) and its --shards disagree:\n%s", tasks, script)
	}
	dir := t.TempDir()
	m, _ := planTiny(t, dir)
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	if err := os.WriteFile(filepath.Join(bin, "mqsim"), []byte("#!/bin/sh\nMQSIM_TEST_CHILD=1 exec '"+exe+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	batch := filepath.Join(dir, "sweep.sbatch")
	if err := os.WriteFile(batch, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	order := rand.New(rand.NewPCG(uint64(os.Getpid()), 2)).Perm(tasks)
	order = append(order, order[0])
	for _, i := range order {
		c := exec.Command("bash", batch)
		c.Dir = dir
		c.Env = append(slices.Clone(os.Environ()), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
			"SLURM_ARRAY_TASK_ID="+strconv.Itoa(i), "SLURM_CPUS_PER_TASK=1")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("array task %d: %v\n%s", i, err, out)
		}
	}
	mustRun(t, "sweep", "run", "--manifest", m, "--out", filepath.Join(dir, "single"))
	mustRun(t, "sweep", "merge", filepath.Join(dir, "single"), "--out", filepath.Join(dir, "single-report"))
	mustRun(t, "sweep", "merge", filepath.Join(dir, "results"), "--out", filepath.Join(dir, "slurm-report"))
	sameDirs(t, "results", filepath.Join(dir, "single"), filepath.Join(dir, "results"))
	sameDirs(t, "report", filepath.Join(dir, "single-report"), filepath.Join(dir, "slurm-report"))
}

// slurmScript is the batch script under "### Slurm job array": the first
// fenced block there that starts with #!/bin/bash.
func slurmScript(t *testing.T, doc string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "### Slurm job array")
	if !ok {
		t.Fatal("docs/sweeps.md has no Slurm recipe")
	}
	_, rest, ok = strings.Cut(rest, "```sh\n#!/bin/bash\n")
	body, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("the Slurm recipe has no batch script")
	}
	return "#!/bin/bash\n" + body
}
