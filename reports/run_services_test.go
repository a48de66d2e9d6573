package reports

import (
	"bytes"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

func servicesRun(t *testing.T, sets ...string) *Run {
	t.Helper()
	ls, err := scenarios.ParseScenario("g.yaml", []byte(`name: g
description: a small graph
system: services
duration: 20s
services:
  call: async
  client: {rate: 200/s}
  graph:
    - {name: api, threads: 4, service_time: exp(2ms), calls: [{to: db, mode: sync, breaker: {}}, {to: mail}]}
    - {name: db, threads: 2, service_time: exp(5ms)}
    - {name: mail, service_time: exp(5ms)}
  faults:
    - {type: slow, service: db, at: 5s, duration: 5s, slowdown: 100x}
expect:
  availability: "> 10%"
`), sets)
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.Run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &Run{Results: res, Scenario: &ls.Scenario, Expectations: scenarios.Evaluate(ls.Expect, res), Label: strings.Join(sets, " ")}
}

// A service graph's report shows the edge, each service and the calls, not
// a broker's delivery ledger, and fits 80 columns.
func TestServicesText(t *testing.T) {
	r := servicesRun(t)
	var b bytes.Buffer
	if err := RunText(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"EDGE", "availability", "goodput", "SERVICES", "  api ", "  db ", "  mail ", "full at", "Calls:", "Broker:", "request → async work done", "EXPECTATIONS: 1 of 1 met"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DELIVERY") || strings.Contains(out, "Replication:") {
		t.Errorf("a service graph's report shows a broker's sections:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
	b.Reset()
	if err := RunMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| api | 1x4 |") {
		t.Errorf("Markdown lacks the services table:\n%s", b.String())
	}
}

// The plots: goodput with the fault marked, latency, backlog, breakers and
// a utilisation heat map with one row per service, the entry on top.
func TestServicesCharts(t *testing.T) {
	r := servicesRun(t)
	charts := RunCharts("g", []Variant{{Results: r.Results}}, FaultMarkers([]Variant{{Results: r.Results}}))
	var names []string
	for _, c := range charts {
		names = append(names, ChartFile(c))
	}
	if got := strings.Join(names, " "); got != "edge-goodput edge-response-time async-backlog open-circuit-breakers thread-pool-utilisation" {
		t.Errorf("charts %s", got)
	}
	heat := charts[len(charts)-1].Heat
	if heat == nil || strings.Join(heat.Rows, " ") != "mail db api" || len(heat.Z[0]) != len(heat.X) {
		t.Fatalf("heat map %+v", heat)
	}
	// db is slowed 100×: its row is saturated during the fault.
	var peak float64
	for _, v := range heat.Z[1] {
		peak = max(peak, v)
	}
	if peak < 0.99 {
		t.Errorf("db's utilisation peaks at %v during a 100× slowdown, want 1", peak)
	}
	if len(charts[0].Markers) != 2 || charts[0].Markers[0].X != 5 || charts[0].Markers[1].X != 10 {
		t.Errorf("fault markers %+v, want the slowdown's start (5 s) and end (10 s)", charts[0].Markers)
	}
	for _, c := range charts {
		img, err := RenderCharts("png", []Chart{c}, 1, chartWidth, chartHeight)
		if err != nil || len(img) < 1000 {
			t.Errorf("%s: %d bytes, %v", c.Title, len(img), err)
		}
	}
}

// Variants side by side: the edge and the asynchronous work per variant.
func TestServicesCompare(t *testing.T) {
	runs := []*Run{servicesRun(t, "services.call=sync"), servicesRun(t, "services.call=async")}
	var b bytes.Buffer
	if err := CompareText(&b, runs, TextStyle{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"availability", "async work done p50", "services out of threads", "EXPECTATIONS MET"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("comparison lacks %q:\n%s", want, b.String())
		}
	}
}
