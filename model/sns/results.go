package sns

import (
	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/sqs"
	"mqsim/sim"
)

func (w *world) buildSampler() error {
	var groups []model.GroupColumns
	for _, g := range w.groups {
		groups = append(groups, model.GroupColumns{Name: g.spec.Name,
			Processed: func() float64 { return float64(g.processed) },
			Lag:       func() float64 { return float64(g.u.backlog()) }})
	}
	sp, err := model.NewRunSampler(w.s, w.sc, func() float64 { return float64(w.produced) }, func() float64 { return float64(w.acked) },
		groups, nil, w.interval)
	w.sampler = sp
	return err
}

func (w *world) results() *model.Results {
	now := w.s.Now()
	r := &model.Results{Scenario: w.sc.Name, Seed: w.sc.Seed, Produced: w.produced, Acked: w.acked,
		E2ELatency: model.LatencyOf(w.e2e), AckLatency: model.LatencyOf(w.ack),
		E2ECDF: model.LatencyCDF(w.e2e), AckCDF: model.LatencyCDF(w.ack),
		ProcessingRetries: w.processingRetries, DeadLettered: w.deadLettered, Redelivered: w.redelivered,
		SimSeconds: now.Seconds(), Events: w.s.Events(), SNSService: w.svc, Brokers: []model.BrokerResult{}}
	if dur := sim.Time(w.sc.Duration).Seconds(); dur > 0 {
		r.ThroughputIn = float64(w.acked) / dur
		r.ThroughputInBytes = float64(w.ackedBytes) / dur
	}
	if now > 0 {
		r.ThroughputOutBytes = float64(w.processedBytes) / now.Seconds()
	}
	for _, u := range w.subs {
		pending := check.NewLedger()
		for id := range u.pending {
			pending.Set(id.prod, 0, id.seq)
		}
		if u.q != nil {
			var stillExpired int64
			u.q.Each(now, func(m *sqs.Message, expired bool) {
				if expired {
					stillExpired++
				} else {
					pending.Set(m.Prod, 0, m.Seq)
				}
			})
			r.LostToRetention += u.q.LostToRetention + stillExpired
			r.Receives += u.q.Received
		}
		g := u.group
		if g == nil {
			continue
		}
		lost, unseen := u.t.chk.Settle(u.gi, pending)
		gr := model.GroupResult{Name: g.spec.Name, Topic: g.spec.Topic, Consumers: len(g.consumers), Processed: g.processed,
			Lost: lost, Unseen: unseen, Duplicates: u.t.chk.Duplicates(u.gi), Reordered: u.t.chk.Reordered(u.gi),
			MaxLag: int64(u.maxStore), FinalLag: int64(u.backlog()), MaxPartLag: int64(u.maxStore),
			FinalPart: int64(u.backlog()), E2ELatency: model.LatencyOf(g.e2e), Assignment: [][]int{}}
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
	r.Series = model.SeriesOf(w.sampler)
	return r
}
