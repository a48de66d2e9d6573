package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// omSample is one parsed sample line of an OpenMetrics exposition.
type omSample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	omName      = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	omLabelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// checkOpenMetrics parses text strictly by the OpenMetrics text format
// rules this project relies on and returns the samples keyed by name:
//   - every line ends in \n, the last line is exactly "# EOF", nothing follows;
//   - metadata lines are # TYPE, # UNIT or # HELP, each at most once per family
//     and before its samples, TYPE one of counter, gauge, summary;
//   - a UNIT is a suffix of its family name;
//   - a family's samples are contiguous; counter samples end in _total,
//     summary samples are the family name with a quantile label, _count or _sum;
//   - label names are valid, values are quoted with only \\ \" \n escapes,
//     no label repeats; a value parses as a float (or NaN, +Inf, -Inf);
//   - no two samples have the same name and labels.
func checkOpenMetrics(t *testing.T, text string) map[string][]omSample {
	t.Helper()
	if !strings.HasSuffix(text, "# EOF\n") {
		t.Fatalf("exposition does not end with \"# EOF\\n\"")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	types := map[string]string{}
	units := map[string]bool{}
	helps := map[string]bool{}
	done := map[string]bool{} // families whose samples are over
	seen := map[string]bool{}
	out := map[string][]omSample{}
	cur := ""
	for i, line := range lines {
		n := i + 1
		if i == len(lines)-1 {
			if line != "# EOF" {
				t.Fatalf("line %d: last line %q, want # EOF", n, line)
			}
			break
		}
		if line == "# EOF" {
			t.Fatalf("line %d: # EOF before the end", n)
		}
		if strings.HasPrefix(line, "#") {
			f := strings.SplitN(line, " ", 4)
			if len(f) < 4 || f[0] != "#" || !omName.MatchString(f[2]) {
				t.Fatalf("line %d: malformed metadata %q", n, line)
			}
			fam := f[2]
			if done[fam] || (cur != "" && cur != fam && types[fam] != "") {
				t.Fatalf("line %d: metadata for %s after its samples or interleaved", n, fam)
			}
			if fam != cur {
				if cur != "" {
					done[cur] = true
				}
				cur = fam
			}
			switch f[1] {
			case "TYPE":
				if types[fam] != "" {
					t.Fatalf("line %d: second TYPE for %s", n, fam)
				}
				if f[3] != "counter" && f[3] != "gauge" && f[3] != "summary" {
					t.Fatalf("line %d: type %q", n, f[3])
				}
				if f[3] == "counter" && strings.HasSuffix(fam, "_total") {
					t.Fatalf("line %d: counter family %s must be named without _total", n, fam)
				}
				types[fam] = f[3]
			case "UNIT":
				if units[fam] || !strings.HasSuffix(fam, "_"+f[3]) {
					t.Fatalf("line %d: UNIT %q repeated or not a suffix of %s", n, f[3], fam)
				}
				units[fam] = true
			case "HELP":
				if helps[fam] || strings.ContainsAny(f[3], "\\\"") {
					t.Fatalf("line %d: HELP repeated or unescaped", n)
				}
				helps[fam] = true
			default:
				t.Fatalf("line %d: unknown metadata %q", n, f[1])
			}
			continue
		}
		s, key := parseOMSample(t, n, line)
		if types[cur] == "" {
			t.Fatalf("line %d: sample %s before any TYPE", n, s.name)
		}
		ok := false
		switch types[cur] {
		case "counter":
			ok = s.name == cur+"_total" && s.value >= 0
		case "gauge":
			ok = s.name == cur
		case "summary":
			_, hasQ := s.labels["quantile"]
			ok = (s.name == cur && hasQ) || ((s.name == cur+"_count" || s.name == cur+"_sum") && !hasQ && s.value >= 0)
		}
		if !ok {
			t.Fatalf("line %d: sample %s does not belong to %s family %s", n, s.name, types[cur], cur)
		}
		if seen[key] {
			t.Fatalf("line %d: duplicate sample %s", n, key)
		}
		seen[key] = true
		out[s.name] = append(out[s.name], s)
	}
	return out
}

func parseOMSample(t *testing.T, n int, line string) (omSample, string) {
	t.Helper()
	s := omSample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 || !omName.MatchString(line[:i]) {
		t.Fatalf("line %d: bad sample name in %q", n, line)
	}
	s.name = line[:i]
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			eq := strings.IndexByte(rest, '=')
			if eq <= 0 || !omLabelName.MatchString(rest[:eq]) || len(rest) < eq+2 || rest[eq+1] != '"' {
				t.Fatalf("line %d: bad label in %q", n, line)
			}
			name := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			for {
				if rest == "" {
					t.Fatalf("line %d: unterminated label value", n)
				}
				c := rest[0]
				rest = rest[1:]
				if c == '"' {
					break
				}
				if c == '\\' {
					switch rest[0] {
					case '\\', '"':
						v.WriteByte(rest[0])
					case 'n':
						v.WriteByte('\n')
					default:
						t.Fatalf("line %d: bad escape", n)
					}
					rest = rest[1:]
					continue
				}
				v.WriteByte(c)
			}
			if _, dup := s.labels[name]; dup {
				t.Fatalf("line %d: label %s repeated", n, name)
			}
			s.labels[name] = v.String()
			if rest[0] == '}' {
				rest = rest[1:]
				break
			}
			if rest[0] != ',' {
				t.Fatalf("line %d: expected , or } in %q", n, line)
			}
			rest = rest[1:]
		}
	}
	val, ok := strings.CutPrefix(rest, " ")
	if !ok || strings.Contains(val, " ") {
		t.Fatalf("line %d: want exactly one space then the value (no timestamps) in %q", n, line)
	}
	v, err := strconv.ParseFloat(val, 64)
	if err != nil && val != "NaN" && val != "+Inf" && val != "-Inf" {
		t.Fatalf("line %d: value %q: %v", n, val, err)
	}
	s.value = v
	return s, s.name + "{" + strings.SplitN(line[len(s.name):], " ", 2)[0] + "}"
}

// one returns the value of name for the run with the given variant and
// quantile label ("" for none).
func one(t *testing.T, samples map[string][]omSample, name, variant, quantile string) float64 {
	t.Helper()
	for _, s := range samples[name] {
		if s.labels["variant"] == variant && s.labels["quantile"] == quantile {
			return s.value
		}
	}
	t.Fatalf("no sample %s{variant=%q,quantile=%q}", name, variant, quantile)
	return 0
}

func TestOpenMetricsValues(t *testing.T) {
	a := sampleRun(t)
	b := sampleRun(t)
	b.Label = `acks="1"` // a label value that needs escaping
	b.Results = &model.Results{Scenario: "baseline", Seed: 1, Lost: 7}
	var buf bytes.Buffer
	if err := OpenMetrics(&buf, []*Run{a, b}); err != nil {
		t.Fatal(err)
	}
	got := checkOpenMetrics(t, buf.String())
	// sampleRun's numbers, converted by hand: latencies ms → s, rates as given.
	for _, c := range []struct {
		name, variant, q string
		want             float64
	}{
		{"mqsim_produced_messages_total", "base", "", 100_000},
		{"mqsim_acked_messages_total", "base", "", 99_990},
		{"mqsim_lost_messages_total", "base", "", 2},
		{"mqsim_lost_messages_total", `acks="1"`, "", 7},
		{"mqsim_duplicate_messages_total", "base", "", 3},
		{"mqsim_reordered_messages_total", "base", "", 5},
		{"mqsim_unseen_messages", "base", "", 1},
		{"mqsim_max_lag_messages", "base", "", 1234},
		{"mqsim_acked_messages_per_second", "base", "", 5000},
		{"mqsim_acked_bytes_per_second", "base", "", 2.5e6},
		{"mqsim_max_broker_utilisation_ratio", "base", "", 0.125},
		{"mqsim_simulated_seconds", "base", "", 20.5},
		{"mqsim_e2e_latency_seconds", "base", "0.5", 0.0042},
		{"mqsim_e2e_latency_seconds", "base", "0.99", 0.0125},
		{"mqsim_e2e_latency_seconds", "base", "0.999", 0.048},
		{"mqsim_e2e_latency_seconds_count", "base", "", 99_000},
		{"mqsim_e2e_latency_max_seconds", "base", "", 1.35},
		{"mqsim_ack_latency_seconds", "base", "0.5", 0.00085},
	} {
		if v := one(t, got, c.name, c.variant, c.q); math.Abs(v-c.want) > 1e-12*math.Max(1, c.want) {
			t.Errorf("%s{variant=%q,quantile=%q} = %v, want %v", c.name, c.variant, c.q, v, c.want)
		}
	}
	for _, s := range got["mqsim_lost_messages_total"] {
		if s.labels["scenario"] != "baseline" || s.labels["seed"] != "1" {
			t.Errorf("labels %v, want scenario baseline and seed 1", s.labels)
		}
	}
	for _, name := range MetricNames() {
		if len(got[name]) == 0 {
			t.Errorf("MetricNames lists %s, which the exposition lacks", name)
		}
	}
}

// TestOpenMetricsRealRun checks a simulated run end to end: the exposition
// is valid and its numbers are the run's.
func TestOpenMetricsRealRun(t *testing.T) {
	ls, err := scenarios.LoadScenario("baseline", []string{"duration=1s", "producers.*.rate=500/s"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.Run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := OpenMetrics(&buf, []*Run{{Results: res, Scenario: &ls.Scenario}}); err != nil {
		t.Fatal(err)
	}
	got := checkOpenMetrics(t, buf.String())
	if v := one(t, got, "mqsim_acked_messages_total", "base", ""); v != float64(res.Acked) || v == 0 {
		t.Errorf("acked = %v, want the run's %d (non-zero)", v, res.Acked)
	}
	if v := one(t, got, "mqsim_e2e_latency_seconds", "base", "0.99"); v != res.E2ELatency.P99/1000 {
		t.Errorf("p99 = %v s, want %v ms / 1000", v, res.E2ELatency.P99)
	}
	// _sum / _count is the mean.
	sum, n := one(t, got, "mqsim_e2e_latency_seconds_sum", "base", ""), one(t, got, "mqsim_e2e_latency_seconds_count", "base", "")
	if math.Abs(sum/n*1000-res.E2ELatency.Mean) > 1e-9 {
		t.Errorf("sum/count = %v ms, want mean %v ms", sum/n*1000, res.E2ELatency.Mean)
	}
}

// TestNDJSON checks timeseries.ndjson against the CSV of the same series:
// same rows and values, gaps as null, no "/" in names, and a unit for
// every column in the schema.
func TestNDJSON(t *testing.T) {
	r := syntheticRun(t, "", "all", 0)
	var nd, csv bytes.Buffer
	if err := TimeseriesNDJSON(&nd, &r.Results.Series); err != nil {
		t.Fatal(err)
	}
	if err := TimeseriesCSV(&csv, &r.Results.Series); err != nil {
		t.Fatal(err)
	}
	csvLines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	header := strings.Split(csvLines[0], ",")
	sc := bufio.NewScanner(&nd)
	row := 0
	for sc.Scan() {
		row++
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		var obj map[string]*float64
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		cells := strings.Split(csvLines[row], ",")
		for j, h := range header {
			k := NDJSONColumn(h)
			if strings.Contains(k, "/") {
				t.Fatalf("column %q contains /", k)
			}
			v, ok := obj[k]
			if !ok {
				t.Fatalf("row %d: no %s", row, k)
			}
			switch {
			case cells[j] == "" && v != nil:
				t.Errorf("row %d %s = %v, want null (a gap)", row, k, *v)
			case cells[j] != "":
				want, _ := strconv.ParseFloat(cells[j], 64)
				if v == nil || *v != want {
					t.Errorf("row %d %s = %v, want %v", row, k, v, want)
				}
			}
		}
	}
	if row != len(csvLines)-1 {
		t.Errorf("%d NDJSON rows, want %d", row, len(csvLines)-1)
	}
	schema := TimeseriesSchema(&r.Results.Series)
	units := map[string]string{"time_s": "s", "consumed_per_s.analytics": "messages/s", "lag.analytics": "messages", "e2e_p99_ms": "ms", "min_isr": "replicas"}
	for _, f := range schema.Fields {
		if f.Unit == "" {
			t.Errorf("schema: %s has no unit", f.Name)
		}
		if want, ok := units[f.Name]; ok && f.Unit != want {
			t.Errorf("schema: %s unit %q, want %q", f.Name, f.Unit, want)
		}
	}
}

// TestGrafanaDashboard checks the shipped dashboard parses and queries only
// metrics that metrics.prom holds.
func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	known := map[string]bool{}
	for _, n := range MetricNames() {
		known[n] = true
	}
	metric := regexp.MustCompile(`\bmqsim_[a-z0-9_]+`)
	queries := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			names := metric.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: query %q reads no mqsim metric", p.Title, tg.Expr)
			}
			for _, n := range names {
				queries++
				if !known[n] {
					t.Errorf("panel %q queries %s, which metrics.prom does not hold", p.Title, n)
				}
			}
		}
	}
	if queries < 5 {
		t.Errorf("dashboard has %d metric queries; want a useful dashboard", queries)
	}
}
