package sweep

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// K8sOptions describe a Kubernetes Indexed Job that runs a sweep: one
// pod per shard, each reading its index from JOB_COMPLETION_INDEX.
type K8sOptions struct {
	Name        string // the Job's name; the ConfigMap is Name-manifest
	Image       string // an image whose PATH has mqsim
	Shards      int    // completions: one index per shard
	Parallelism int    // pods at once (0: all shards)
	// BackoffPerIndex is how often one shard is retried before it counts
	// as failed; the other shards go on (backoffLimitPerIndex).
	BackoffPerIndex int
	Claim           string // the PersistentVolumeClaim the results go to
	Manifest        []byte // manifest.jsonl, shipped in the ConfigMap
}

var k8sName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// K8sManifest is the YAML of a ConfigMap holding the manifest and an
// Indexed Job (completionMode: Indexed) running `mqsim sweep run` once per
// shard; a failed pod is retried for its own index only.
func K8sManifest(o K8sOptions) ([]byte, error) {
	switch {
	case !k8sName.MatchString(o.Name) || len(o.Name) > 52:
		return nil, fmt.Errorf("--name %q: want a DNS label of at most 52 lowercase letters, digits and '-'", o.Name)
	case o.Image == "":
		return nil, fmt.Errorf("--image: required (an image with mqsim on its PATH)")
	case o.Shards < 1:
		return nil, fmt.Errorf("--shards %d: want at least 1", o.Shards)
	case o.Parallelism < 0 || o.BackoffPerIndex < 0:
		return nil, fmt.Errorf("--parallelism and --backoff-per-index must not be negative")
	case !k8sName.MatchString(o.Claim):
		return nil, fmt.Errorf("--claim %q: want the name of a PersistentVolumeClaim", o.Claim)
	case len(o.Manifest) > 900<<10:
		return nil, fmt.Errorf("the manifest is %d KiB; a ConfigMap holds at most 1 MiB: split the grid", len(o.Manifest)>>10)
	}
	par := o.Parallelism
	if par == 0 || par > o.Shards {
		par = o.Shards
	}
	cm := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": o.Name + "-manifest"},
		"data":     map[string]any{"manifest.jsonl": string(o.Manifest)},
	}
	job := map[string]any{
		"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"name": o.Name},
		"spec": map[string]any{
			"completionMode":       "Indexed",
			"completions":          o.Shards,
			"parallelism":          par,
			"backoffLimitPerIndex": o.BackoffPerIndex,
			"template": map[string]any{
				"spec": map[string]any{
					"restartPolicy": "Never", // required with backoffLimitPerIndex
					"containers": []any{map[string]any{
						"name": "mqsim", "image": o.Image, "command": []string{"mqsim"},
						"args": []string{"sweep", "run", "--manifest", "/sweep/manifest.jsonl",
							"--shards", strconv.Itoa(o.Shards), "--out", "/results"},
						"volumeMounts": []any{
							map[string]any{"name": "manifest", "mountPath": "/sweep", "readOnly": true},
							map[string]any{"name": "results", "mountPath": "/results"},
						},
					}},
					"volumes": []any{
						map[string]any{"name": "manifest", "configMap": map[string]any{"name": o.Name + "-manifest"}},
						map[string]any{"name": "results", "persistentVolumeClaim": map[string]any{"claimName": o.Claim}},
					},
				},
			},
		},
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	for _, doc := range []any{cm, job} {
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
