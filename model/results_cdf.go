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

// latencyCDF digests a latency histogram (nanoseconds) into quantile
// points; nil when it is empty.
func latencyCDF(h *sim.Histogram) []QuantilePoint {
	if h.Count() == 0 {
		return nil
	}
	pts := make([]QuantilePoint, len(cdfQuantiles))
	for i, q := range cdfQuantiles {
		pts[i] = QuantilePoint{Q: q, Ms: ms(h.Quantile(q))}
	}
	return pts
}
