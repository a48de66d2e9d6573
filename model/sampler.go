package model

import (
	"fmt"
	"mqsim/scenarios"
	"mqsim/sim"
)

// AddLatencyColumns adds the e2e_p50_ms and e2e_p99_ms columns to sp: the
// median and p99 of the end-to-end latencies h collected since the last
// sample (h is reset at each sample; 0 when it is empty).
func AddLatencyColumns(sp *sim.Sampler, h *sim.Histogram) error {
	var p99 float64
	if err := sp.Add("e2e_p50_ms", func() float64 {
		p50 := 0.0
		p99 = 0
		if h.Count() > 0 {
			p50, p99 = float64(h.Quantile(0.5))/1e6, float64(h.Quantile(0.99))/1e6
		}
		h.Reset()
		return p50
	}); err != nil {
		return err
	}
	return sp.Add("e2e_p99_ms", func() float64 { return p99 })
}

// GroupColumns is what a run samples of one consumer group: its processed
// count (sampled as a rate) and its lag.
type GroupColumns struct {
	Name      string
	Processed func() float64
	Lag       func() float64
}

// NewRunSampler makes the sampler of a run every sc.SampleInterval with
// the columns every managed service's run has — produced_per_s,
// acked_per_s, each group's consumed_per_s/NAME and lag/NAME — then the
// system's own (extra, may be nil), then the interval's end-to-end p50 and
// p99 (AddLatencyColumns over interval), and starts it.
func NewRunSampler(s *sim.Sim, sc *scenarios.Scenario, produced, acked func() float64, groups []GroupColumns,
	extra func(*sim.Sampler) error, interval *sim.Histogram) (*sim.Sampler, error) {
	iv := sim.Time(sc.SampleInterval)
	if iv <= 0 {
		return nil, fmt.Errorf("scenario %s: sample_interval is not resolved: call Defaults", sc.Name)
	}
	sp, err := sim.NewSampler(s, iv)
	if err != nil {
		return nil, err
	}
	if err := sp.AddRate("produced_per_s", produced); err != nil {
		return nil, err
	}
	if err := sp.AddRate("acked_per_s", acked); err != nil {
		return nil, err
	}
	for _, g := range groups {
		if err := sp.AddRate("consumed_per_s/"+g.Name, g.Processed); err != nil {
			return nil, err
		}
		if err := sp.Add("lag/"+g.Name, g.Lag); err != nil {
			return nil, err
		}
	}
	if extra != nil {
		if err := extra(sp); err != nil {
			return nil, err
		}
	}
	if err := AddLatencyColumns(sp, interval); err != nil {
		return nil, err
	}
	sp.Start()
	return sp, nil
}
