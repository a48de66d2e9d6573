package model

import (
	"mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// PublisherResults sums the instances of each of sc's producers into its
// result, for systems whose producers are load.Publishers.
func PublisherResults[P interface{ Instance() *load.Publisher }](sc *scenarios.Scenario, instances []P) []ProducerResult {
	var out []ProducerResult
	for pi := range sc.Producers {
		p := &sc.Producers[pi]
		pr := ProducerResult{Name: p.Name, Topic: p.Topic}
		for _, x := range instances {
			pub := x.Instance()
			if pub.Result != pi {
				continue
			}
			pr.Produced += pub.Produced
			pr.Acked += pub.Acked
			pr.Failed += pub.Failed
			pr.Batches += pub.Calls
			pr.AckLatency = LatencyOf(pub.AckHist)
		}
		if pr.Batches > 0 {
			pr.MeanBatch = float64(pr.Acked) / float64(pr.Batches)
		}
		out = append(out, pr)
	}
	return out
}

// SeriesOf copies a sampler's columns into a run's time series.
func SeriesOf(sp *sim.Sampler) Series {
	s := Series{IntervalSeconds: sp.Interval().Seconds()}
	for _, t := range sp.Times() {
		s.Time = append(s.Time, t.Seconds())
	}
	for _, name := range sp.Names() {
		s.Columns = append(s.Columns, Column{Name: name, Values: append([]float64(nil), sp.Column(name)...)})
	}
	return s
}
