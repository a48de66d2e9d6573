package pulsar

import (
	"fmt"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/sim"
)

// series holds the sampled columns while the run goes on.
type series struct {
	time                  []float64
	produced, acked       []float64
	lag, consumed         [][]float64
	held                  []float64
	underRep              []float64 // entries under-replicated (auto-recovery)
	lastProduced, lastAck int64
	lastProcessed         []int64
}

func (w *world) sample(uint64) {
	ser := &w.ser
	if ser.lag == nil {
		ser.lag = make([][]float64, len(w.subs))
		ser.consumed = make([][]float64, len(w.subs))
		ser.lastProcessed = make([]int64, len(w.subs))
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
	var held int64
	for gi, sb := range w.subs {
		ser.lag[gi] = append(ser.lag[gi], float64(sb.lag()))
		ser.consumed[gi] = append(ser.consumed[gi], float64(sb.processed-ser.lastProcessed[gi])/iv)
		ser.lastProcessed[gi] = sb.processed
		for _, c := range sb.cursors {
			held += c.heldN
		}
	}
	ser.held = append(ser.held, float64(held))
	ser.underRep = append(ser.underRep, float64(w.rec.under))
	w.s.AfterCall(sim.Time(w.sc.SampleInterval), w.sample, 0)
}

// results fills model.Results: the checker's ledger settled against what
// each subscription has not acknowledged, latencies, throughput, and
// Pulsar's own counts.
func (w *world) results() *model.Results {
	now := w.s.Now()
	r := w.res
	r.Scenario, r.Seed = w.sc.Name, w.sc.Seed
	r.SimSeconds = now.Seconds()
	r.Events = w.s.Events()
	producing := min(now, w.end).Seconds()
	var bytesAcked int64
	for _, p := range w.pubs {
		r.Produced += p.produced
		r.Acked += p.acked
		r.Failed += p.failed
		open := int64(0)
		for _, c := range p.conns {
			for _, op := range c.pending {
				open += int64(len(op.mids))
			}
			open += int64(len(c.batch))
		}
		r.Indeterminate += p.indeterminate + open
		bytesAcked += p.bytesAcked
		r.ProduceRequests += p.batches
	}
	for pi := range w.sc.Producers {
		ps := &w.sc.Producers[pi]
		pr := model.ProducerResult{Name: ps.Name, Topic: ps.Topic}
		h := sim.NewLatencyHistogram()
		for _, p := range w.pubs {
			if p.spec != ps {
				continue
			}
			pr.Produced += p.produced
			pr.Acked += p.acked
			pr.Failed += p.failed
			pr.Indeterminate += p.indeterminate
			for _, c := range p.conns {
				for _, op := range c.pending {
					pr.Indeterminate += int64(len(op.mids))
				}
				pr.Indeterminate += int64(len(c.batch))
			}
			pr.Batches += p.batches
			h.Merge(p.ackHist)
		}
		if pr.Batches > 0 {
			pr.MeanBatch = float64(pr.Produced) / float64(pr.Batches)
		}
		pr.AckLatency = model.LatencyOf(h)
		r.Producers = append(r.Producers, pr)
	}
	for _, sb := range w.subs {
		// Messages of other topics, and those written before the
		// subscription existed, are not its concern.
		pending := check.NewLedger()
		w.chk.Acked().Each(func(prod, _ int, seq int32) {
			m := &w.msgs[w.pubs[prod].ids[seq]]
			if w.parts[m.part].topic != sb.group.Topic {
				w.chk.Handled(sb.idx, prod, 0, seq)
			}
		})
		for _, c := range sb.cursors {
			for q := int64(0); q < c.start; q++ {
				m := &w.msgs[c.p.pos[q].mid]
				w.chk.Handled(sb.idx, int(m.prod), 0, m.seq)
			}
			for q := c.markDelete; q < int64(len(c.p.pos)); q++ {
				// Still readable: a live bookie or the object store has it.
				if !c.isAcked(q) && !c.p.gone(q) && !c.p.unreachable(q) {
					m := &w.msgs[c.p.pos[q].mid]
					pending.Set(int(m.prod), 0, m.seq)
				}
			}
		}
		if !sb.started {
			w.chk.Acked().Each(func(prod, _ int, seq int32) { w.chk.Handled(sb.idx, prod, 0, seq) })
		}
		lost, unseen := w.chk.Settle(sb.idx, pending)
		final := sb.lag()
		var finalPart int64
		for _, c := range sb.cursors {
			finalPart = max(finalPart, c.span())
		}
		maxPart := max(finalPart, sb.maxPartLag)
		live := 0
		for _, cons := range sb.cons {
			if cons.alive {
				live++
			}
		}
		gr := model.GroupResult{Name: sb.group.Name, Topic: sb.group.Topic, Consumers: len(sb.cons),
			Processed: sb.processed, Lost: lost, Unseen: unseen,
			Duplicates: w.chk.Duplicates(sb.idx), Reordered: w.chk.Reordered(sb.idx),
			MaxLag: max(sb.maxLag, final), FinalLag: final, MaxPartLag: maxPart, FinalPart: finalPart,
			E2ELatency: model.LatencyOf(sb.e2e), DeadLettered: sb.deadLettered, Redelivered: sb.redelivered,
			LiveConsumers: live, Assignment: [][]int{}}
		r.AddGroup(gr)
		r.Redelivered += sb.redelivered
		r.Dropped += sb.evicted
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
	busiest := ""
	addRow := func(id int, res [5]*sim.RateServer, name string, leaders int) {
		br := model.BrokerResult{ID: id, Leaders: leaders}
		util := func(i int) float64 { return res[i].Stats().Utilisation }
		br.NICIn, br.NICOut, br.DiskWrite, br.DiskRead, br.CPU = util(0), util(1), util(2), util(3), util(4)
		for i, u := range []float64{br.NICIn, br.NICOut, br.DiskWrite, br.DiskRead, br.CPU} {
			if u > maxUtil {
				maxUtil = u
				busiest = fmt.Sprintf("%s/%s", name, []string{"nic-in", "nic-out", "disk-write", "disk-read", "cpu"}[i])
			}
		}
		r.Brokers = append(r.Brokers, br)
	}
	for _, b := range w.brokers {
		n := 0
		for _, p := range w.parts {
			if p.owner == b {
				n++
			}
		}
		addRow(b.id, b.Resources(), fmt.Sprintf("broker-%d", b.id), n)
	}
	for _, bk := range w.bookies {
		r.JournalFsyncs += bk.Cache.Stats.Fsyncs
		addRow(len(w.brokers)+bk.id, bk.Resources(), fmt.Sprintf("bookie-%d", bk.id), 0)
	}
	r.MaxBrokerUtilisation = maxUtil
	r.BusiestResource, r.BusiestUtilisation = busiest, maxUtil
	live := 0
	for _, bk := range w.bookies {
		if bk.up {
			live++
		}
	}
	r.MinISR = min(live, w.pc.WriteQuorum)
	for _, p := range w.parts {
		row := model.PulsarTopic{Name: p.name, Owner: -1, Entries: p.entries, Messages: int64(len(p.pos)), MaxBytes: p.maxBacklogB}
		if p.owner != nil {
			row.Owner = p.owner.id
		}
		if p.policy != nil {
			row.Namespace = p.policy.Namespace
		}
		row.Region = p.reg.name
		for _, l := range p.ledgers {
			if !l.deletedAll() {
				row.Ledgers++
				if l.offloaded {
					row.Offloaded++
				}
			}
		}
		row.Backlog, _, _ = p.backlog()
		if len(p.ledgers) > 0 {
			row.Ensembles = p.ledgers[len(p.ledgers)-1].ensembles()
		}
		r.PulsarTopics = append(r.PulsarTopics, row)
	}
	for _, rp := range w.repls {
		r.GeoUnreplicated += rp.unreplicated()
	}
	r.Series = w.ser.columns(w)
	return &r
}

func (ser *series) columns(w *world) model.Series {
	s := model.Series{IntervalSeconds: sim.Time(w.sc.SampleInterval).Seconds(), Time: ser.time}
	s.Columns = append(s.Columns, model.Column{Name: "produced_per_s", Values: ser.produced},
		model.Column{Name: "acked_per_s", Values: ser.acked}, model.Column{Name: "key_shared_held", Values: ser.held},
		model.Column{Name: "under_replicated_entries", Values: ser.underRep})
	for gi, sb := range w.subs {
		if gi < len(ser.lag) {
			s.Columns = append(s.Columns, model.Column{Name: fmt.Sprintf("consumed_per_s/%s", sb.group.Name), Values: ser.consumed[gi]},
				model.Column{Name: fmt.Sprintf("lag/%s", sb.group.Name), Values: ser.lag[gi]})
		}
	}
	return s
}
