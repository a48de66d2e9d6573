package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"mqsim/model"
	"mqsim/scenarios"
)

// Grid is a sweep file: a scenario, the settings every run shares, the
// axes to vary (the --vary syntax) and the seeds to replicate each
// variant over.
//
//	scenario: baseline          # a built-in name, or a file beside the grid
//	set: [duration=2s]
//	vary: [acks=1,all, "partitions=3,6"]
//	seeds: 5                    # seeds 1..5, or a list: [7, 11, 13]
//	metrics: [p99_e2e, lost]    # merged with confidence intervals
type Grid struct {
	Scenario string    `yaml:"scenario"`
	Set      []string  `yaml:"set"`
	Vary     []string  `yaml:"vary"`
	RawSeeds yaml.Node `yaml:"seeds"` // a count n (seeds 1..n) or a list
	Metrics  []string  `yaml:"metrics"`

	Seeds []uint64 `yaml:"-"` // from RawSeeds
}

// Limits on a grid: each line of a manifest is a whole simulation.
const (
	MaxSeeds    = 1000
	MaxVariants = 1000
	MaxLines    = 100_000
)

// DefaultMetrics are merged when a grid names none: the delivery
// counts, the latencies and the throughput a review looks at first.
var DefaultMetrics = []string{"lost", "duplicates", "reordered", "p99_e2e", "p99_ack", "throughput_out", "max_lag", "max_broker_utilisation"}

// Line is one run of a sweep: one line of manifest.jsonl.
type Line struct {
	Index int `json:"index"` // 0-based position in the manifest
	Of    int `json:"of"`    // lines in the manifest
	// Hash identifies the resolved scenario (seed included): a run's
	// result file is named by it, and a run refuses a line whose scenario
	// no longer resolves to it (a different build or scenario file).
	Hash         string   `json:"hash"`
	Grid         string   `json:"grid"` // identifies the manifest, so results of two sweeps never mix
	Variant      string   `json:"variant"`
	VariantIndex int      `json:"variant_index"`
	Seed         uint64   `json:"seed"`
	Scenario     string   `json:"scenario"`         // a built-in name or the file's name
	Source       string   `json:"source,omitempty"` // the scenario file's text, for a file (so any machine can run the line)
	Sets         []string `json:"sets"`
	Metrics      []string `json:"metrics"`
}

// ReadGrid loads and checks a grid file.
func ReadGrid(path string) (*Grid, error) {
	data, err := scenarios.ReadFile(path)
	if err != nil {
		return nil, &scenarios.InputError{File: path, Msg: err.Error()}
	}
	return ParseGrid(path, data)
}

// ParseGrid is ReadGrid for bytes already read.
func ParseGrid(path string, data []byte) (*Grid, error) {
	var g Grid
	root, err := scenarios.DecodeStrict(path, data, &g)
	if err != nil {
		return nil, err
	}
	bad := func(field, msg string) error {
		return &scenarios.InputError{File: path, Line: fieldLine(root, field), Field: field, Msg: msg}
	}
	if g.Scenario == "" {
		return nil, bad("scenario", "missing: name a built-in scenario or a scenario file")
	}
	switch n := &g.RawSeeds; {
	case n.Kind == 0:
		g.Seeds = []uint64{1}
	case n.Kind == yaml.ScalarNode:
		c, err := strconv.Atoi(n.Value)
		if err != nil || c < 1 || c > MaxSeeds {
			return nil, bad("seeds", fmt.Sprintf("want a count from 1 to %d or a list of seeds, got %q", MaxSeeds, n.Value))
		}
		for i := range c {
			g.Seeds = append(g.Seeds, uint64(i+1))
		}
	default:
		if err := n.Decode(&g.Seeds); err != nil || len(g.Seeds) == 0 || len(g.Seeds) > MaxSeeds {
			return nil, bad("seeds", fmt.Sprintf("want a count or a list of 1 to %d non-negative integers", MaxSeeds))
		}
	}
	seen := map[uint64]bool{}
	for _, s := range g.Seeds {
		if seen[s] {
			return nil, bad("seeds", fmt.Sprintf("seed %d given twice", s))
		}
		seen[s] = true
	}
	if len(g.Metrics) == 0 {
		g.Metrics = DefaultMetrics
	}
	var zero model.Results
	for _, m := range g.Metrics {
		if _, _, ok := zero.Metric(m); !ok {
			return nil, bad("metrics", fmt.Sprintf("unknown metric %q (the names `expect` accepts, such as lost, p99_e2e, throughput_out)", m))
		}
	}
	for _, s := range g.Vary {
		if _, err := ParseAxis("vary:", s); err != nil {
			return nil, bad("vary", err.Error())
		}
	}
	for _, s := range g.Set {
		key, _, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, bad("set", fmt.Sprintf("%q: expected path=value", s))
		}
		if key == "seed" {
			return nil, bad("set", "seed is set per run by seeds:, not by set:")
		}
		if _, err := AliasPath("set:", key); err != nil {
			return nil, bad("set", err.Error())
		}
	}
	return &g, nil
}

// fieldLine is the line of a top-level key in a decoded document, or 0.
func fieldLine(root *yaml.Node, key string) int {
	if root == nil || len(root.Content) == 0 {
		return 0
	}
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == key {
			return doc.Content[i].Line
		}
	}
	return 0
}

// Plan expands a grid into manifest lines: every variant × every seed,
// variant-major. gridPath locates a scenario file named by the grid.
func Plan(g *Grid, gridPath string) ([]Line, error) {
	var axes []Axis
	for _, s := range g.Vary {
		a, err := ParseAxis("vary:", s)
		if err != nil {
			return nil, &scenarios.InputError{File: gridPath, Field: "vary", Msg: err.Error()}
		}
		axes = append(axes, a)
	}
	variants, err := Variants("vary:", axes, MaxVariants)
	if err != nil {
		return nil, &scenarios.InputError{File: gridPath, Field: "vary", Msg: err.Error()}
	}
	if len(variants)*len(g.Seeds) > MaxLines {
		return nil, &scenarios.InputError{File: gridPath, Msg: fmt.Sprintf("%d variants × %d seeds is more than %d runs", len(variants), len(g.Seeds), MaxLines)}
	}
	name, source := g.Scenario, ""
	if !isBuiltin(g.Scenario) {
		p := g.Scenario
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(gridPath), p)
		}
		data, err := scenarios.ReadFile(p)
		if err != nil {
			return nil, &scenarios.InputError{File: gridPath, Field: "scenario", Msg: fmt.Sprintf("%s: %v", p, err)}
		}
		name, source = filepath.Base(p), string(data)
	}
	var lines []Line
	for vi, v := range variants {
		for _, seed := range g.Seeds {
			sets := append(append(append([]string(nil), g.Set...), v.Sets...), "seed="+strconv.FormatUint(seed, 10))
			l := Line{Index: len(lines), Variant: v.Label, VariantIndex: vi, Seed: seed,
				Scenario: name, Source: source, Sets: sets, Metrics: g.Metrics}
			ls, err := l.Resolve()
			if err != nil {
				if v.Label != "" {
					return nil, fmt.Errorf("variant %s: %w", v.Label, err)
				}
				return nil, err
			}
			if l.Hash, err = Hash(&ls.Scenario); err != nil {
				return nil, err
			}
			lines = append(lines, l)
		}
	}
	grid := sha256.New()
	for i := range lines {
		lines[i].Of = len(lines)
		fmt.Fprintf(grid, "%s %s\n", lines[i].Hash, lines[i].Variant)
	}
	id := hex.EncodeToString(grid.Sum(nil))[:16]
	for i := range lines {
		lines[i].Grid = id
	}
	return lines, nil
}

func isBuiltin(name string) bool {
	for _, s := range scenarios.Scenarios() {
		if s == name {
			return true
		}
	}
	return false
}

// Resolve loads the line's scenario with its settings, as Plan did.
func (l *Line) Resolve() (*scenarios.LoadedScenario, error) {
	if l.Source != "" {
		return scenarios.ParseScenario(l.Scenario, []byte(l.Source), l.Sets)
	}
	if !isBuiltin(l.Scenario) {
		return nil, &scenarios.InputError{File: l.Scenario, Msg: "not a built-in scenario of this build, and the manifest line carries no scenario text"}
	}
	return scenarios.LoadScenario(l.Scenario, l.Sets)
}

// Hash is the content hash of a resolved scenario: the first 20 hex
// digits of the SHA-256 of its JSON form, seed included, followed by the
// digest of the trace files it reads (Scenario.InputDigest), if any.
func Hash(s *scenarios.Scenario) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("hash scenario %s: %w", s.Name, err)
	}
	if d := s.InputDigest(); d != "" {
		b = append(append(b, '\n'), d...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:20], nil
}

// WriteManifest writes lines as JSON Lines.
func WriteManifest(w io.Writer, lines []Line) error {
	for _, l := range lines {
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// ReadManifest reads manifest.jsonl and checks that it is whole: lines
// 0..n-1 in order, one grid.
func ReadManifest(path string) ([]Line, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &scenarios.InputError{File: path, Msg: err.Error()}
	}
	return ParseManifest(path, data)
}

// ParseManifest is ReadManifest for bytes already read; path names the
// manifest in errors.
func ParseManifest(path string, data []byte) ([]Line, error) {
	var lines []Line
	for n, text := range splitLines(data) {
		if len(text) == 0 {
			continue
		}
		var l Line
		if err := json.Unmarshal(text, &l); err != nil {
			return nil, &scenarios.InputError{File: path, Line: n + 1, Msg: "not a manifest line: " + err.Error()}
		}
		if l.Index != len(lines) || l.Hash == "" || l.Grid == "" || (len(lines) > 0 && (l.Grid != lines[0].Grid || l.Of != lines[0].Of)) {
			return nil, &scenarios.InputError{File: path, Line: n + 1, Field: "index", Msg: fmt.Sprintf("expected line index %d of one grid (was the manifest edited or two concatenated?)", len(lines))}
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 || len(lines) != lines[0].Of {
		return nil, &scenarios.InputError{File: path, Msg: fmt.Sprintf("%d lines, but the manifest says %d (truncated?)", len(lines), ofOrZero(lines))}
	}
	return lines, nil
}

func ofOrZero(lines []Line) int {
	if len(lines) == 0 {
		return 0
	}
	return lines[0].Of
}
