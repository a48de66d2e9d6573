package model

import "mqsim/sim"

// QuantilePoint is one point of a latency CDF: a share Q (0–1) of the
// messages took at most Ms milliseconds.
type QuantilePoint struct {
	Q  float64 `json:"q"`
	Ms float64 `json:"ms"`
}

// cdfQuantiles are the points a CDF keeps: dense in the tail, where
// design reviews look, and both ends (q 0 is the fastest message, q 1 the
// slowest).
var cdfQuantiles = []float64{0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
	0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999, 1}

// LatencyCDF digests a latency histogram (nanoseconds) into quantile
// points; nil when it is empty.
func LatencyCDF(h *sim.Histogram) []QuantilePoint {
	if h.Count() == 0 {
		return nil
	}
	pts := make([]QuantilePoint, len(cdfQuantiles))
	for i, q := range cdfQuantiles {
		pts[i] = QuantilePoint{Q: q, Ms: ms(h.Quantile(q))}
	}
	return pts
}

// LatencyOf summarises a latency histogram (nanoseconds) in milliseconds;
// the zero Latency when it is empty.
func LatencyOf(h *sim.Histogram) Latency {
	if h.Count() == 0 {
		return Latency{}
	}
	s := h.Summary()
	return Latency{Count: s.Count, Mean: s.Mean / 1e6, P50: ms(s.P50), P90: ms(s.P90), P99: ms(s.P99), P999: ms(s.P999), Max: ms(s.Max)}
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }
