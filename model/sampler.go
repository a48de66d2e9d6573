package model

import "mqsim/sim"

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
