package reports

import (
	"encoding/json"
	"strings"
	"testing"

	"mqsim/model"
)

func TestCDFAt(t *testing.T) {
	cdf := []model.QuantilePoint{{Q: 0, Ms: 1}, {Q: 0.7, Ms: 3}, {Q: 0.8, Ms: 5}, {Q: 1, Ms: 9}}
	for _, c := range []struct{ q, want float64 }{
		{0.7, 3},  // a kept point: exact
		{0.75, 4}, // half-way between 3 (q 0.7) and 5 (q 0.8)
		{0.9, 7},  // half-way between 5 and 9
		{1, 9},    // the maximum
		{0.35, 2}, // half-way between 1 and 3
		{1.5, 9},  // past the end: the maximum
	} {
		if got := cdfAt(cdf, c.q); got != c.want {
			t.Errorf("cdfAt(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := cdfAt(nil, 0.5); got != 0 {
		t.Errorf("cdfAt(empty) = %v, want 0", got)
	}
}

func TestOMBQuantilesJSON(t *testing.T) {
	q := OMBQuantiles{{0, 1}, {50, 2.5}, {99.9, 7}, {100, 8}}
	data, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"0.0":1,"50.0":2.5,"99.9":7,"100.0":8}`; string(data) != want {
		t.Errorf("Marshal = %s, want %s", data, want)
	}
	var back OMBQuantiles
	if err := json.Unmarshal([]byte(`{"100.0":8,"0.0":1,"99.9":7,"50.0":2.5}`), &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 4 || back[1] != (OMBQuantile{50, 2.5}) || back[3] != (OMBQuantile{100, 8}) {
		t.Errorf("Unmarshal = %v; want sorted by percent", back)
	}
}

func TestParseOMBResult(t *testing.T) {
	data := []byte(`{"workload":"w","driver":"Kafka","messageSize":100,
"publishRate":[100,200,300],"consumeRate":[100,200,270],"backlog":[0,5,35],
"aggregatedPublishLatency50pct":2,"aggregatedPublishLatency99pct":9,
"aggregatedPublishLatencyQuantiles":{"80.0":4,"100.0":12}}`)
	if !IsOMBResult(data) {
		t.Fatal("IsOMBResult = false")
	}
	r, err := ParseOMBResult("m.json", data)
	if err != nil {
		t.Fatal(err)
	}
	res := r.Results
	// Means: (100+200+300)/3 = 200 in, (100+200+270)/3 = 190 out; bytes
	// ×100; lag peaks at 35 and ends at 35; p90 half-way between the
	// quantiles' 80% (4 ms) and 100% (12 ms): 8 ms.
	if res.ThroughputIn != 200 || res.ThroughputOut != 190 || res.ThroughputInBytes != 20000 ||
		res.MaxLag != 35 || res.FinalLag != 35 || res.AckLatency.P50 != 2 || res.AckLatency.P99 != 9 || res.AckLatency.P90 != 8 {
		t.Errorf("parsed %+v", res)
	}
	if !r.Measured || len(res.Series.Time) != 3 || res.Series.Time[2] != 30 {
		t.Errorf("measured %v, series times %v; want measured, 10 s intervals to 30 s", r.Measured, res.Series.Time)
	}
	if _, err := ParseOMBResult("m.json", []byte("{\n\"publishRate\": [1,\n\"x\"]}")); err == nil || !strings.Contains(err.Error(), "m.json:3") {
		t.Errorf("bad file: %v; want an error naming line 3", err)
	}
}
