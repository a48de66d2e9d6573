package reports

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// syntheticRun is a small run built by hand: 10 one-second samples, a
// broker crash at 3s that ends at 6s, and a latency CDF.
func syntheticRun(t *testing.T, label, acks string, lost int64) *Run {
	t.Helper()
	ls, err := scenarios.LoadScenario("baseline", []string{"producers.*.acks=" + acks})
	if err != nil {
		t.Fatal(err)
	}
	b := 1
	ls.Scenario.Faults = []scenarios.Fault{{Type: "broker-crash", At: 3e9, Duration: 3e9, Broker: &b}}
	n := 10
	col := func(f func(i int) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	times := col(func(i int) float64 { return float64(i + 1) })
	res := &model.Results{
		Scenario: "baseline", Seed: 1, Produced: 50_000, Acked: 50_000, Lost: lost, SimSeconds: 10, Events: 12345,
		E2ELatency: model.Latency{Count: 50_000, P50: 4, P99: 9, P999: 12, Max: 20},
		AckLatency: model.Latency{Count: 50_000, P50: 2, P99: 5},
		E2ECDF:     []model.QuantilePoint{{Q: 0, Ms: 0.5}, {Q: 0.5, Ms: 4}, {Q: 0.99, Ms: 9}, {Q: 1, Ms: 20}},
		Groups:     []model.GroupResult{{Name: "analytics", Consumers: 3}},
		Series: model.Series{IntervalSeconds: 1, Time: times, Columns: []model.Column{
			{Name: "acked_per_s", Values: col(func(i int) float64 { return 5000 })},
			{Name: "consumed_per_s/analytics", Values: col(func(i int) float64 { return 4990 })},
			{Name: "lag/analytics", Values: col(func(i int) float64 { return float64(i * 10) })},
			{Name: "e2e_p50_ms", Values: col(func(i int) float64 { return 4 })},
			{Name: "e2e_p99_ms", Values: col(func(i int) float64 { return 9 })},
			{Name: "under_replicated", Values: col(func(i int) float64 {
				if i >= 2 && i < 6 {
					return 2
				}
				return 0
			})},
			{Name: "min_isr", Values: col(func(i int) float64 { return 2 })},
		}},
		Faults: []model.FaultEvent{{Time: 3, Type: "broker-crash", Phase: "start", Label: "broker-crash b1"},
			{Time: 6, Type: "broker-crash", Phase: "end", Label: "broker-crash b1 ends"}},
	}
	return &Run{Results: res, Scenario: &ls.Scenario, Command: "mqsim run baseline --seed 1", Label: label,
		Expectations: scenarios.Evaluate(map[string]string{"lost": "0"}, res)}
}

// svgText returns the text of every element of an SVG, failing the test
// unless it is well-formed XML.
func svgText(t *testing.T, data []byte) (width, height string, text string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if tk.Name.Local == "svg" && width == "" {
				for _, a := range tk.Attr {
					switch a.Name.Local {
					case "width":
						width = a.Value
					case "height":
						height = a.Value
					}
				}
			}
		case xml.CharData:
			b.Write(tk)
			b.WriteString("\n")
		}
	}
	return width, height, b.String()
}

func TestReviewPlotsArePicturesWithTitlesAxesAndLegends(t *testing.T) {
	rv := Review{Runs: []*Run{syntheticRun(t, "", "all", 0)}, Command: "mqsim run baseline --seed 1 --out r"}
	files, err := rv.Files()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, f := range files {
		got[f.Name] = f.Data
	}
	// Each chart as one 12.5 × 6.25 inch image (1200 × 600 at 96 dpi): a
	// PNG at twice that density, 2400 × 1200 pixels; an SVG of 900 × 450
	// points (72 per inch).
	want := map[string][]string{
		"lag":         {"baseline: consumer lag", "simulated time (s)", "lag (messages)", "lag analytics", "broker-crash b1", "broker-crash b1 ends"},
		"throughput":  {"baseline: throughput in vs out", "messages/s", "in (acked)", "out analytics"},
		"latency":     {"baseline: end-to-end latency", "latency", "p99", "p50"},
		"latency-cdf": {"baseline: latency CDF", "latency (log scale)", "share of messages", "end-to-end"},
		"isr":         {"baseline: replication health", "partitions / replicas", "under-replicated partitions", "smallest ISR"},
	}
	for name, texts := range want {
		p, ok := got[name+".png"]
		if !ok {
			t.Fatalf("no %s.png among %d files", name, len(files))
		}
		img, err := png.Decode(bytes.NewReader(p))
		if err != nil {
			t.Fatalf("%s.png: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != 2400 || b.Dy() != 1200 {
			t.Errorf("%s.png is %d×%d, want 2400×1200", name, b.Dx(), b.Dy())
		}
		w, h, text := svgText(t, got[name+".svg"])
		if w != "900pt" || h != "450pt" {
			t.Errorf("%s.svg is %s × %s, want 900pt × 450pt", name, w, h)
		}
		for _, s := range texts {
			if !strings.Contains(text, s) {
				t.Errorf("%s.svg lacks the text %q", name, s)
			}
		}
	}
	if _, ok := got["dlq.png"]; ok {
		t.Error("a run without dead letters got a DLQ chart")
	}
	for _, name := range []string{"results.json", "timeseries.csv", "report.md", "report.html"} {
		if len(got[name]) == 0 {
			t.Errorf("no %s", name)
		}
	}
}

// A hostile scenario name and description stay text: the page has no
// script element, the strings appear escaped, and the whole page (inline
// SVG included) is well-formed, so every tag is balanced.
func TestReviewHTMLEscapesScenarioText(t *testing.T) {
	r := syntheticRun(t, "", "all", 0)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r.Results.Scenario = "crafted" + evil
	r.Scenario.Name = r.Results.Scenario
	r.Scenario.Description = "lesson " + evil
	r.Scenario.Producers[0].Name = "p" + evil
	rv := Review{Runs: []*Run{r}, Command: "mqsim run x.yaml"}
	files, err := rv.Files()
	if err != nil {
		t.Fatal(err)
	}
	var page, md []byte
	for _, f := range files {
		switch f.Name {
		case "report.html":
			page = f.Data
		case "report.md":
			md = f.Data
		}
	}
	lower := bytes.ToLower(page)
	if bytes.Contains(lower, []byte("<script")) || bytes.Contains(lower, []byte("<img")) {
		t.Fatalf("report.html contains an unescaped tag from the scenario")
	}
	if !bytes.Contains(page, []byte("&lt;script&gt;")) {
		t.Error("report.html lost the scenario's text instead of escaping it")
	}
	// The page is XHTML-compatible: a strict XML parse checks that every
	// element is closed and nested properly.
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = true
	elems := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("report.html does not parse: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			elems[se.Name.Local]++
		}
	}
	for _, want := range []string{"html", "head", "body", "h1", "table", "figure", "svg", "pre"} {
		if elems[want] == 0 {
			t.Errorf("report.html has no <%s>", want)
		}
	}
	if elems["script"] != 0 {
		t.Error("report.html has a script element")
	}
	if bytes.Contains(bytes.ToLower(md), []byte("<script")) {
		t.Error("report.md contains an unescaped <script>")
	}
}

// The embedded font is shipped once per page, not once per figure.
func TestHTMLSharesFonts(t *testing.T) {
	rv := Review{Runs: []*Run{syntheticRun(t, "", "all", 0)}}
	files, err := rv.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == "report.html" {
			if n := bytes.Count(f.Data, []byte("@font-face")); n != 1 {
				t.Errorf("report.html embeds the font %d times, want once", n)
			}
		}
	}
}

func TestReviewVariantsSideBySide(t *testing.T) {
	rv := Review{Runs: []*Run{syntheticRun(t, "acks=1", "1", 1234), syntheticRun(t, "acks=all", "all", 0)}}
	files, err := rv.Files()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, f := range files {
		got[f.Name] = f.Data
	}
	for _, name := range []string{"acks=1/results.json", "acks=1/timeseries.csv", "acks=all/results.json", "lag.png", "report.html"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	md := string(got["report.md"])
	for _, want := range []string{
		"| Delivery | acks=1 | acks=all | Meaning |",
		"| lost | **1,234** | 0 | acked but never processed: real data loss |",
		"acks=1 — lost 1,234: acks=1 and a leader failure (broker-crash b1 at 3s): acknowledged writes not yet replicated were truncated",
		"acks=all — lost 0: acks=all with min.insync.replicas=2",
		"Of the messages the producers were told were written: acks=1: lost 1,234",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	_, _, text := svgText(t, got["lag.svg"])
	for _, want := range []string{"acks=1: lag", "acks=all: lag"} {
		if !strings.Contains(text, want) {
			t.Errorf("overlay lag chart lacks the legend entry %q", want)
		}
	}
}

func TestSavedRoundTrip(t *testing.T) {
	r := syntheticRun(t, "acks=1", "1", 7)
	r.WallSeconds = 0.25
	r.Scenario.Faults = nil // fault types are registered by the model's fault families
	data, err := SavedJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	back, ls, err := ParseSaved("results.json", data)
	if err != nil {
		t.Fatal(err)
	}
	// Every key survives but the command, which is rebuilt, never read.
	if diff, err := ReplayDiff(back, back); err != nil || len(diff) != 0 {
		t.Errorf("results.json does not survive a round trip: %v %v", diff, err)
	}
	if back.Command != "mqsim run --replay results.json" {
		t.Errorf("Command = %q, want the replay of the file", back.Command)
	}
	if ls.Scenario.Producers[0].Acks != "1" || back.Label != "acks=1" || back.Results.Lost != 7 {
		t.Errorf("decoded acks %q label %q lost %d, want 1, acks=1, 7", ls.Scenario.Producers[0].Acks, back.Label, back.Results.Lost)
	}
	if _, _, err := ParseSaved("x.json", []byte(`{"produced": 3}`)); err == nil || !strings.Contains(err.Error(), "resolved_scenario") {
		t.Errorf("a summary without the scenario: err = %v, want one naming resolved_scenario", err)
	}
}

func TestVariantDir(t *testing.T) {
	for in, want := range map[string]string{
		"acks=1":               "acks=1",
		"producers.*.acks=all": "producers._.acks=all",
		"acks=1 partitions=12": "acks=1_partitions=12",
		"../etc":               "_etc",
		"processing=exp(2ms)":  "processing=exp_2ms_",
		"":                     "variant",
	} {
		if got := VariantDir(in); got != want {
			t.Errorf("VariantDir(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabelSaved(t *testing.T) {
	for _, c := range []struct {
		labels, paths, want []string
	}{
		{[]string{"", ""}, []string{"x/results.json", "y/results.json"}, []string{"x", "y"}},
		{[]string{"", ""}, []string{"x/a.json", "x/b.json"}, []string{"a", "b"}},
		{[]string{"", ""}, []string{"x/results.json", "x/results.json"}, []string{"x", "x-2"}},
		{[]string{"acks=1", "acks=1"}, []string{"p/acks=1/results.json", "q/acks=1/results.json"}, []string{"p/acks=1 acks=1", "q/acks=1 acks=1"}},
		{[]string{"acks=1", ""}, []string{"p/results.json", "acks=1/results.json"}, []string{"p acks=1", "acks=1"}},
	} {
		runs := make([]*Run, len(c.labels))
		for i, l := range c.labels {
			runs[i] = &Run{Label: l}
		}
		LabelSaved(runs, c.paths)
		var got []string
		for _, r := range runs {
			got = append(got, r.Label)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("LabelSaved(%v, %v) = %q, want %q", c.labels, c.paths, got, c.want)
		}
	}
}

// The report opens with the verdict in one sentence, losses highlighted.
func TestReportOpensWithTheVerdict(t *testing.T) {
	weak, strong := syntheticRun(t, "acks=1", "1", 19), syntheticRun(t, "acks=all", "all", 0)
	got, bad := Headline([]*Run{weak, strong})
	if want := "acks=1 lost 19 acknowledged messages during broker-crash b1 at 3s; acks=all lost none."; got != want || !bad {
		t.Errorf("Headline = %q, %v; want %q, true", got, bad, want)
	}
	one := syntheticRun(t, "", "all", 1)
	if got, _ := Headline([]*Run{one}); got != "The run lost 1 acknowledged message during broker-crash b1 at 3s." {
		t.Errorf("Headline of one run = %q", got)
	}
	one.Results.Lost = 0
	if got, bad := Headline([]*Run{one}); got != "Nothing the producers were told was written was lost, duplicated or reordered." || bad {
		t.Errorf("Headline of a clean run = %q, %v", got, bad)
	}
	html, err := HTML(Review{Runs: []*Run{weak, strong}}.Page(nil))
	if err != nil {
		t.Fatal(err)
	}
	h := string(html)
	lead := strings.Index(h, `<p class="lead bad">acks=1 lost 19 acknowledged messages`)
	if lead < 0 || lead > strings.Index(h, "<h2>") {
		t.Errorf("the verdict is not the first thing after the title")
	}
	if !strings.Contains(h, `<td class="n bad">19</td>`) {
		t.Errorf("the lost count is not highlighted")
	}
}

// A single run's summary explains lost, duplicates and reordered, as the
// variant table does: here a loss to retention with final lag 0.
func TestRunTextExplainsTheCounts(t *testing.T) {
	r := syntheticRun(t, "", "all", 3_200_000)
	r.Results.LostToRetention = 3_200_000
	var b bytes.Buffer
	if err := RunText(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"WHY", "lost 3,200,000", "retention deleted 3,200,000", "final lag is 0", "duplicates 0", "reordered 0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
