package sqs

import (
	"mqsim/model"
	"mqsim/model/check"
	"mqsim/sim"
)

// secondsPerMonth is the 30-day month of the monthly request estimate.
const secondsPerMonth = 30 * 86400

func (w *world) buildSampler() error {
	var groups []model.GroupColumns
	for _, g := range w.groups {
		groups = append(groups, model.GroupColumns{Name: g.spec.Name,
			Processed: func() float64 { return float64(g.processed) },
			Lag: func() float64 {
				n := g.qs.q.Stored()
				g.qs.maxStore = max(g.qs.maxStore, n)
				return float64(n)
			}})
	}
	sp, err := model.NewRunSampler(w.s, w.sc, func() float64 { return float64(w.produced) }, func() float64 { return float64(w.acked) },
		groups, func(sp *sim.Sampler) error {
			for _, qs := range w.queues {
				if err := sp.Add("in_flight/"+qs.spec.Name, func() float64 { return float64(qs.q.InFlight()) }); err != nil {
					return err
				}
			}
			return nil
		}, w.chk.Interval)
	w.sampler = sp
	return err
}

// results reads the run's Results from the world's own state.
func (w *world) results() *model.Results {
	now := w.s.Now()
	r := &model.Results{Scenario: w.sc.Name, Seed: w.sc.Seed, Produced: w.produced, Acked: w.acked, Failed: w.failed,
		RecordTooLarge: w.tooLarge, E2ELatency: model.LatencyOf(w.e2e), AckLatency: model.LatencyOf(w.ack),
		E2ECDF: model.LatencyCDF(w.e2e), AckCDF: model.LatencyCDF(w.ack),
		ProcessingRetries: w.processingRetries, Discarded: w.discarded, DeadLettered: w.deadLettered,
		Redelivered: w.redelivered, SimSeconds: now.Seconds(), Events: w.s.Events()}
	dur := sim.Time(w.sc.Duration).Seconds()
	if dur > 0 {
		r.ThroughputIn = float64(w.acked) / dur
		r.ThroughputInBytes = float64(w.ackedBytes) / dur
	}
	var lost int64
	for _, qs := range w.queues {
		var stillExpired int64
		pending := check.NewLedger()
		qs.q.Each(now, func(m *Message, expired bool) {
			if expired {
				stillExpired++
			} else {
				pending.Set(m.Prod, m.Part, m.Seq)
			}
		})
		r.LostToRetention += qs.q.LostToRetention + stillExpired
		r.Receives += qs.q.Received
		r.DedupDropped += qs.q.DedupDropped
		g := qs.group
		if g == nil {
			continue
		}
		gl, gu := w.chk.Settle(g.idx, pending)
		lost += gl
		gr := model.GroupResult{Name: g.spec.Name, Topic: g.spec.Topic, Consumers: len(g.consumers), Processed: g.processed,
			Lost: gl, Unseen: gu, Duplicates: w.chk.Duplicates(g.idx), Reordered: w.chk.Reordered(g.idx),
			MaxLag: int64(qs.maxStore), FinalLag: int64(qs.q.Stored()), MaxPartLag: int64(qs.maxStore),
			FinalPart: int64(qs.q.Stored()), E2ELatency: model.LatencyOf(g.e2e), Assignment: [][]int{}}
		for _, c := range g.consumers {
			if c.alive {
				gr.LiveConsumers++
			}
		}
		if now > 0 {
			r.ThroughputOut += float64(g.processed) / now.Seconds()
		}
		r.AddGroup(gr)
	}
	r.Producers = model.PublisherResults(w.sc, w.prods)
	r.Brokers = []model.BrokerResult{}
	q := &r.QueueService
	q.APIRequests, q.BilledRequests, q.EmptyReceives = w.apiRequests, w.billed, w.emptyReceives
	q.ThrottledCalls, q.VisibilityChanges = w.throttled, w.visChanges
	if now > 0 {
		q.RequestsPerSecond = float64(w.billed) / now.Seconds()
		q.MonthlyRequests = q.RequestsPerSecond * secondsPerMonth
		q.MonthlyCost = q.MonthlyRequests / 1e6 * w.cfg.PricePerMillion
	}
	r.Series = model.SeriesOf(w.sampler)
	return r
}
