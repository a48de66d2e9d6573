package services

import (
	"mqsim/model"
	"mqsim/sim"
)

// Series columns: goodput_per_s and failed_per_s at the edge, e2e_p99_ms
// (the edge's 99th percentile per interval), and per service
// util/<name> (busy threads over threads, mean over the interval),
// queue/<name> (accept queues), timeouts_per_s/<name> (its calls'),
// breaker_open/<name> (caller instances with an open breaker on any of
// its calls) and backlog/<name> (its broker queue, asynchronous callees).
func (w *world) buildSampler() error {
	sp, err := sim.NewSampler(w.s, sim.Time(w.sc.SampleInterval))
	if err != nil {
		return err
	}
	w.sampler = sp
	iv := sim.Time(w.sc.SampleInterval).Seconds()
	adds := []struct {
		name string
		rate bool
		fn   func() float64
	}{
		{"goodput_per_s", true, func() float64 { return float64(w.edge.succeeded) }},
		{"failed_per_s", true, func() float64 { return float64(w.edge.failed) }},
	}
	for _, sv := range w.svcs {
		sv := sv
		prev := 0.0
		adds = append(adds,
			struct {
				name string
				rate bool
				fn   func() float64
			}{"util/" + sv.spec.Name, false, func() float64 {
				a := sv.area()
				u := (a - prev) / iv / float64(sv.threads)
				prev = a
				if w.s.Now() > 0 {
					sv.maxUtil = max(sv.maxUtil, u)
				}
				return u
			}},
			struct {
				name string
				rate bool
				fn   func() float64
			}{"queue/" + sv.spec.Name, false, func() float64 { return float64(sv.queued) }},
			struct {
				name string
				rate bool
				fn   func() float64
			}{"timeouts_per_s/" + sv.spec.Name, true, func() float64 { return float64(sv.timeouts) }},
		)
		if sv.hasBreaker() {
			adds = append(adds, struct {
				name string
				rate bool
				fn   func() float64
			}{"breaker_open/" + sv.spec.Name, false, func() float64 { return float64(sv.openBreakers()) }})
		}
		if b := sv.inbox; b != nil {
			adds = append(adds, struct {
				name string
				rate bool
				fn   func() float64
			}{"backlog/" + sv.spec.Name, false, func() float64 { return float64(b.stored()) }})
		}
	}
	for _, a := range adds {
		var err error
		if a.rate {
			err = sp.AddRate(a.name, a.fn)
		} else {
			err = sp.Add(a.name, a.fn)
		}
		if err != nil {
			return err
		}
	}
	var p99 float64
	if err := sp.Add("e2e_p99_ms", func() float64 {
		p99 = 0
		if w.intervalE2E.Count() > 0 {
			p99 = float64(w.intervalE2E.Quantile(0.99)) / 1e6
		}
		w.intervalE2E.Reset()
		return p99
	}); err != nil {
		return err
	}
	sp.Start()
	return nil
}

func (sv *service) hasBreaker() bool {
	for _, in := range sv.insts {
		for _, b := range in.breakers {
			if b != nil {
				return true
			}
		}
	}
	return false
}

// openBreakers counts the breakers of its instances' calls that are open
// or half-open now.
func (sv *service) openBreakers() int {
	now := sv.w.s.Now()
	n := 0
	for _, in := range sv.insts {
		for _, b := range in.breakers {
			if b != nil && b.State(now) != Closed {
				n++
			}
		}
	}
	return n
}

// results reads the run's Results from the world's own state.
func (w *world) results() *model.Results {
	now := w.s.Now()
	e := w.edge
	r := &model.Results{Scenario: w.sc.Name, Seed: w.sc.Seed, Produced: e.requests, Acked: e.succeeded, Failed: e.failed,
		E2ELatency: model.LatencyOf(w.e2e), E2ECDF: model.LatencyCDF(w.e2e), SimSeconds: now.Seconds(), Events: w.s.Events(),
		Groups: []model.GroupResult{}, Producers: []model.ProducerResult{}, Brokers: []model.BrokerResult{}, Faults: w.faults}
	x := &r.Services
	x.EdgeTimeouts = e.timeouts
	if e.requests > 0 {
		x.Availability = float64(e.succeeded) / float64(e.requests)
	}
	quarter := (w.end - w.end*3/4).Seconds()
	if dur := w.end.Seconds(); dur > 0 {
		x.Goodput = float64(e.succeeded) / dur
		r.ThroughputIn = float64(e.requests) / dur
		r.LateGoodput = float64(w.late1-w.late0) / quarter
	}
	x.AsyncLatency = model.LatencyOf(w.asyncDone)
	deepest := 0
	for _, sv := range w.svcs {
		deepest = max(deepest, sv.depth)
	}
	var leaf int64
	for _, sv := range w.svcs {
		sr := model.ServiceResult{Name: sv.spec.Name, Instances: sv.spec.Instances, Threads: sv.spec.Threads, Depth: sv.depth,
			Arrived: sv.arrived, Completed: sv.completed, Failed: sv.failed, Rejected: sv.rejected,
			Timeouts: sv.timeouts, Retries: sv.retries, BudgetDenied: sv.budgetDenied, ShortCircuited: sv.shortCircuits,
			BreakerOpens: sv.breakerOpens, AsyncProcessed: sv.asyncProcessed, DeadLettered: sv.deadLettered,
			MaxUtilisation: sv.maxUtil, MaxQueue: int64(sv.maxQueued), ExhaustedAt: -1}
		if quarter > 0 {
			sr.LateGoodput = float64(sv.late1-sv.late0) / quarter
		}
		if e.requests > 0 {
			sr.Amplification = float64(sv.attempts) / float64(e.requests)
		}
		if now > 0 {
			sr.Throughput = float64(sv.completed) / now.Seconds()
			sr.MeanUtilisation = sv.area() / now.Seconds() / float64(sv.threads)
		}
		if sv.waitN > 0 {
			sr.MeanQueueWait = sv.waitSum / float64(sv.waitN) * 1000
		}
		if sv.exhaustedAt >= 0 {
			sr.ExhaustedAt = sv.exhaustedAt.Seconds()
			x.ExhaustedServices++
		}
		if b := sv.inbox; b != nil {
			n := b.stored()
			st := b.ch.Stats()
			sv.deadLettered = st.DeadLettered
			sr.DeadLettered = sv.deadLettered
			sr.MaxBacklog = int64(b.maxStored)
			x.AsyncBacklog = max(x.AsyncBacklog, sr.MaxBacklog)
			sr.Via = b.sys
			x.AsyncFinalBacklog += int64(n)
			r.Receives += st.Delivered
			r.Redelivered += st.Redelivered
			r.DeadLettered += sv.deadLettered
			r.QueueService.APIRequests += st.Requests
			r.QueueService.EmptyReceives += st.EmptyReceives
		}
		x.CallTimeouts += sv.timeouts
		x.Rejections += sv.rejected
		x.CallRetries += sv.retries
		x.BudgetDenied += sv.budgetDenied
		x.ShortCircuited += sv.shortCircuits
		x.BreakerOpens += sv.breakerOpens
		if sv.depth == deepest && deepest > 0 {
			leaf += sv.attempts
		}
		x.ServiceStats = append(x.ServiceStats, sr)
	}
	if e.requests > 0 {
		x.LeafAmplification = float64(leaf) / float64(e.requests)
	}
	r.Retries = x.CallRetries
	r.Series = model.Series{IntervalSeconds: w.sampler.Interval().Seconds()}
	for _, t := range w.sampler.Times() {
		r.Series.Time = append(r.Series.Time, t.Seconds())
	}
	for _, name := range w.sampler.Names() {
		col := append([]float64(nil), w.sampler.Column(name)...)
		r.Series.Columns = append(r.Series.Columns, model.Column{Name: name, Values: col})
		switch {
		case name == "goodput_per_s":
			x.MinGoodput = -1
			for i, t := range r.Series.Time {
				if t > w.warm.Seconds() && t <= w.end.Seconds() && (x.MinGoodput < 0 || col[i] < x.MinGoodput) {
					x.MinGoodput = col[i]
				}
			}
			x.MinGoodput = max(x.MinGoodput, 0)
		}
	}
	r.MaxLag = x.AsyncBacklog
	r.FinalLag = x.AsyncFinalBacklog
	return r
}
