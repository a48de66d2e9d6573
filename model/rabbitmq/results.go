package rabbitmq

import (
	"fmt"
	"math"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/sim"
)

// series holds the sampled columns while the run goes on.
type series struct {
	time                  []float64
	produced, acked       []float64
	lag, consumed         [][]float64
	lastProduced, lastAck int64
	lastProcessed         []int64
	alarm                 []float64
}

// sample records one interval's values: rates, each group's queue depth
// (its lag) and whether the memory alarm is on.
func (w *world) sample(uint64) {
	ser := &w.ser
	if ser.lag == nil {
		ser.lag = make([][]float64, len(w.groups))
		ser.consumed = make([][]float64, len(w.groups))
		ser.lastProcessed = make([]int64, len(w.groups))
	}
	iv := sim.Time(w.sc.SampleInterval).Seconds()
	var produced, acked int64
	for _, p := range w.pubs {
		produced += p.produced
		acked += p.acked
	}
	ser.time = append(ser.time, w.s.Now().Seconds())
	ser.produced = append(ser.produced, float64(produced-ser.lastProduced)/iv)
	ser.acked = append(ser.acked, float64(acked-ser.lastAck)/iv)
	ser.lastProduced, ser.lastAck = produced, acked
	for gi, g := range w.groups {
		ser.lag[gi] = append(ser.lag[gi], float64(g.q.depth()))
		ser.consumed[gi] = append(ser.consumed[gi], float64(g.processed-ser.lastProcessed[gi])/iv)
		ser.lastProcessed[gi] = g.processed
	}
	for _, q := range w.queues {
		w.minLive = min(w.minLive, q.liveMembers())
	}
	a := 0.0
	if w.memAlarm {
		a = 1
	}
	ser.alarm = append(ser.alarm, a)
	w.s.AfterCall(sim.Time(w.sc.SampleInterval), w.sample, 0)
}

// results fills model.Results: the checker's ledger settled against what
// each queue still holds, latencies, throughput, and the queues' counts.
func (w *world) results() *model.Results {
	now := w.s.Now()
	if w.memAlarm {
		w.res.AlarmSeconds += (now - w.alarmSince).Seconds()
	}
	if w.diskAlarm {
		w.res.DiskAlarmSeconds += (now - w.diskSince).Seconds()
	}
	for _, p := range w.pubs {
		if p.blocked {
			w.res.PublisherBlockedSeconds += (now - p.blockedAt).Seconds()
		}
		if p.inFlow {
			w.res.FlowSeconds += (now - p.flowAt).Seconds()
		}
	}
	r := w.res
	for _, q := range w.queues {
		r.MaxQueueDepth = max(r.MaxQueueDepth, q.maxDepth)
	}
	r.Scenario, r.Seed = w.sc.Name, w.sc.Seed
	r.SimSeconds = now.Seconds()
	r.Events = w.s.Events()
	producing := min(now, w.end).Seconds()
	var bytesAcked int64
	for _, p := range w.pubs {
		r.Produced += p.produced
		r.Acked += p.acked
		r.Failed += p.fail
		r.Indeterminate += p.indeterminate + int64(len(p.open))
		bytesAcked += p.bytesAcked
	}
	// Producer rows, one per producer spec.
	for pi := range w.sc.Producers {
		ps := &w.sc.Producers[pi]
		pr := model.ProducerResult{Name: ps.Name, Topic: ps.Topic}
		h := sim.NewLatencyHistogram()
		for _, p := range w.pubs {
			if p.spec == ps {
				pr.Produced += p.produced
				pr.Acked += p.acked
				pr.Failed += p.fail
				pr.Indeterminate += p.indeterminate + int64(len(p.open))
				h.Merge(p.ackHist)
			}
		}
		pr.Batches, pr.MeanBatch = pr.Produced, 1
		pr.AckLatency = model.LatencyOf(h)
		r.Producers = append(r.Producers, pr)
	}
	// Each group: messages never routed to its queue are not its concern;
	// what its queue still holds is unseen; the rest not processed is lost.
	acked := w.chk.Acked()
	for _, g := range w.groups {
		bit := uint64(1) << uint(g.idx)
		acked.Each(func(prod, _ int, seq int32) {
			if w.msgs[w.pubs[prod].ids[seq]].groups&bit == 0 {
				w.chk.Handled(g.idx, prod, 0, seq)
			}
		})
		pending := check.NewLedger()
		q := g.q
		add := func(e entry) {
			m := &w.msgs[e.m]
			pending.Set(int(m.prod), 0, m.seq)
		}
		q.eachReady(add)
		if q.isStream {
			q.streamPending(func(mid int32) {
				m := &w.msgs[mid]
				pending.Set(int(m.prod), 0, m.seq)
			})
		}
		for _, c := range g.cons {
			for _, e := range c.out {
				add(e)
			}
		}
		if q.quorum {
			for mid := range q.r.pending {
				m := &w.msgs[mid]
				pending.Set(int(m.prod), 0, m.seq)
			}
		}
		lost, unseen := w.chk.Settle(g.idx, pending)
		live := 0
		for _, c := range g.cons {
			if c.alive {
				live++
			}
		}
		final := int64(q.depth())
		gr := model.GroupResult{Name: g.spec.Name, Topic: g.spec.Topic, Consumers: len(g.cons),
			Processed: g.processed, Lost: lost, Unseen: unseen,
			Duplicates: w.chk.Duplicates(g.idx), Reordered: w.chk.Reordered(g.idx),
			MaxLag: max(q.maxDepth, final), FinalLag: final, MaxPartLag: max(q.maxDepth, final), FinalPart: final,
			E2ELatency: model.LatencyOf(g.e2e), DeadLettered: g.deadLettered, Redelivered: g.redelivered,
			LiveConsumers: live, Assignment: [][]int{}}
		r.AddGroup(gr)
		r.Redelivered += g.redelivered
	}
	r.E2ELatency, r.AckLatency = model.LatencyOf(w.e2e), model.LatencyOf(w.ack)
	r.E2ECDF, r.AckCDF = model.LatencyCDF(w.e2e), model.LatencyCDF(w.ack)
	if producing > 0 {
		r.ThroughputIn = float64(r.Acked) / producing
		r.ThroughputInBytes = float64(bytesAcked) / producing
	}
	if s := now.Seconds(); s > 0 {
		r.ThroughputOut = float64(w.processed) / s
		r.ThroughputOutBytes = float64(w.bytesOut) / s
	}
	var maxUtil float64
	for _, n := range w.nodes {
		br := model.BrokerResult{ID: n.id, BytesIn: w.bytesIn / int64(len(w.nodes)), BytesOut: w.bytesOut / int64(len(w.nodes))}
		res := n.Resources()
		util := func(i int) float64 {
			st := res[i].Stats()
			return st.Utilisation
		}
		br.NICIn, br.NICOut, br.DiskWrite, br.DiskRead, br.CPU = util(0), util(1), util(2), util(3), util(4)
		for _, u := range []float64{br.NICIn, br.NICOut, br.DiskWrite, br.DiskRead, br.CPU} {
			maxUtil = max(maxUtil, u)
		}
		for _, q := range w.queues {
			if q.home == n {
				br.Leaders++
			}
			if q.quorum {
				for _, mb := range q.r.members {
					if mb.n == n {
						br.Replicas++
					}
				}
			} else if q.home == n {
				br.Replicas++
			}
		}
		r.Brokers = append(r.Brokers, br)
	}
	r.MaxBrokerUtilisation = maxUtil
	// The ISR's counterpart: the fewest live members of any queue at a
	// sample (a classic queue has one).
	if w.minLive < math.MaxInt {
		r.MinISR = w.minLive
	}
	r.Series = w.ser.columns(w)
	return &r
}

func (ser *series) columns(w *world) model.Series {
	s := model.Series{IntervalSeconds: sim.Time(w.sc.SampleInterval).Seconds(), Time: ser.time}
	s.Columns = append(s.Columns, model.Column{Name: "produced_per_s", Values: ser.produced},
		model.Column{Name: "acked_per_s", Values: ser.acked}, model.Column{Name: "memory_alarm", Values: ser.alarm})
	for gi, g := range w.groups {
		if gi < len(ser.lag) {
			s.Columns = append(s.Columns, model.Column{Name: fmt.Sprintf("consumed_per_s/%s", g.spec.Name), Values: ser.consumed[gi]},
				model.Column{Name: fmt.Sprintf("lag/%s", g.spec.Name), Values: ser.lag[gi]})
		}
	}
	return s
}

// liveMembers is how many of the queue's replicas are on live nodes.
func (q *queue) liveMembers() int {
	if !q.quorum {
		if q.home.up {
			return 1
		}
		return 0
	}
	n := 0
	for _, mb := range q.r.members {
		if mb.n.up {
			n++
		}
	}
	return n
}
