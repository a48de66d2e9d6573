package kafka

import (
	"mqsim/scenarios"
	"mqsim/sim"
)

// downstream is a dependency every processing attempt of a group calls: a
// FIFO queue bounded at Queue in front of Concurrency servers completing
// Capacity calls per second in all. A caller waits up to Timeout; when it
// gives up the call stays queued and is still served: wasted work. Failed
// calls are retried by Layers nested callers, each trying up to Attempts
// times (with backoff, and within a retry budget if one is set), so one
// message can cost Attempts^Layers calls.
//
// How the group feeds it (Handoff):
//   - log: each member processes its poll with Workers calls in flight and
//     polls again when all are settled; the backlog waits in the log, and
//     the lag shows it.
//   - memory: members hand every polled record to a bounded in-memory
//     queue (and commit at once); Workers for the whole group take from
//     it. With Requeue a message whose calls all failed goes back to the
//     queue, and is dropped (lost) when there is no room: dequeuing needs
//     headroom too. Without it the message is given up (lost). The
//     queue is the group's, but each message belongs to the process that
//     polled it: when that process crashes, its queued messages and calls
//     in flight are gone, their offsets already committed (lost).
type downstream struct {
	w    *world
	g    *group
	spec *scenarios.Downstream
	svc  sim.Time // one call's service time at full speed
	slow float64

	busy    int
	queue   []*dsCall
	qHead   int
	budget  []float64
	pending int // jobs not settled

	mem        []*dsJob // memory handoff queue (FIFO)
	memHead    int
	idle       int // memory handoff: idle workers
	jobsByPoll map[*member]int

	calls, timeouts, jobs, gaveUp, handoffDropped int64
	crashLost                                     int64 // memory handoff: messages a crash took with it
}

// amplification is calls per message handed to the dependency.
func (d *downstream) amplification() float64 {
	if d == nil || d.jobs == 0 {
		return 0
	}
	return float64(d.calls) / float64(d.jobs)
}

// dsJob is one message on its way through the layered retries.
type dsJob struct {
	m     *member // log handoff: the member whose poll it belongs to
	inc   uint32
	seq   uint32
	ri    int // index in the member's poll
	rec   pollRec
	att   []int // attempts used per layer, innermost first
	first bool
	// Memory handoff: the member whose process holds the message, and its
	// crash count when it took it. A crash loses the process's queue and
	// the calls it had in flight; their offsets are already committed.
	from *member
	life uint32
}

// orphaned reports whether the process holding a memory-handoff message
// crashed since it took it.
func (j *dsJob) orphaned() bool { return j.from != nil && j.from.crashes != j.life }

// dsCall is one call to the dependency.
type dsCall struct {
	job       *dsJob
	abandoned bool
	settled   bool
	timer     sim.EventID
}

func newDownstream(w *world, g *group) (*downstream, error) {
	spec := g.spec.Downstream
	if spec == nil {
		return nil, nil
	}
	d := &downstream{w: w, g: g, spec: spec, slow: 1, budget: make([]float64, max(spec.Layers, 1)),
		idle: max(spec.Workers, 1)}
	d.svc = sim.Seconds(float64(max(spec.Concurrency, 1)) / float64(spec.Capacity))
	return d, nil
}

// pollLimit is how many records a member may take in one poll.
func (d *downstream) pollLimit(m *member) int {
	return max(m.g.spec.MaxPollRecords, 1)
}

// handoff takes over a member's poll.
func (d *downstream) handoff(m *member) {
	g := d.g
	now := d.w.s.Now()
	if d.spec.Handoff == "memory" {
		for i := range m.recs {
			r := m.recs[i]
			if len(d.mem)-d.memHead >= d.spec.HandoffCapacity {
				d.handoffDropped++
			} else {
				d.mem = append(d.mem, &dsJob{rec: r, att: make([]int, len(d.budget)), from: m, life: m.crashes})
			}
			// Handed over: the member's job is done with it.
			r.fate = fateHanded
			m.complete(&r, now)
		}
		m.recs = m.recs[:0]
		m.busy = false
		d.dispatchMemory()
		if g.commit == scenarios.CommitAfter {
			m.sendCommit(true)
			return
		}
		m.maybePoll()
		return
	}
	for i := range m.recs {
		m.recs[i].done = 1 << 62 // settled one by one
		m.recs[i].fate = fateOK
	}
	d.jobsFor(m)
}

// jobsFor starts calls for the member's poll, Workers at a time.
func (d *downstream) jobsFor(m *member) {
	if d.jobsByPoll == nil {
		d.jobsByPoll = map[*member]int{}
	}
	inFlight := d.jobsByPoll[m]
	for i := range m.recs {
		if inFlight >= d.spec.Workers {
			break
		}
		r := &m.recs[i]
		if r.fate != fateOK || r.done != 1<<62 {
			continue
		}
		r.done = 1<<62 - 1 // started
		inFlight++
		d.start(&dsJob{m: m, inc: m.inc, seq: m.pollSeq, ri: i, rec: *r, att: make([]int, len(d.budget))})
	}
	d.jobsByPoll[m] = inFlight
}

func (d *downstream) start(j *dsJob) {
	d.jobs++
	d.pending++
	j.first = true
	d.call(j)
}

// call sends one attempt to the dependency.
func (d *downstream) call(j *dsJob) {
	w := d.w
	d.calls++
	if j.first {
		for l := range d.budget {
			if j.att[l] == 0 {
				d.budget[l] = min(d.budget[l]+float64(d.spec.RetryBudget), 10)
			}
		}
	}
	j.first = false
	if d.g.fh != nil && d.g.fh.outage > 0 {
		w.s.At(w.s.Now()+2*w.net.Latency, func() { d.failed(j) })
		return
	}
	if len(d.queue)-d.qHead >= d.spec.Queue {
		// Refused at once: the caller sees an error after a round trip.
		w.s.At(w.s.Now()+2*w.net.Latency, func() { d.failed(j) })
		return
	}
	c := &dsCall{job: j}
	c.timer = w.s.At(w.s.Now()+sim.Time(d.spec.Timeout), func() {
		if !c.settled {
			c.abandoned = true
			d.failed(j)
		}
	})
	d.queue = append(d.queue, c)
	d.serve()
}

// serve starts queued calls while servers are free.
func (d *downstream) serve() {
	w := d.w
	for d.busy < max(d.spec.Concurrency, 1) && d.qHead < len(d.queue) {
		c := d.queue[d.qHead]
		d.queue[d.qHead] = nil
		d.qHead++
		d.busy++
		w.s.At(w.s.Now()+sim.Time(float64(d.svc)*d.slow), func() {
			d.busy--
			if !c.abandoned {
				c.settled = true
				w.s.Cancel(c.timer)
				d.succeeded(c.job)
			}
			d.serve()
		})
	}
	if d.qHead > 4096 && d.qHead*2 > len(d.queue) {
		d.queue = append(d.queue[:0], d.queue[d.qHead:]...)
		d.qHead = 0
	}
}

// failed decides the next attempt after a failed call: the innermost layer
// with attempts and budget left retries (resetting the layers inside it).
func (d *downstream) failed(j *dsJob) {
	d.timeouts++
	for l := range j.att {
		if j.att[l]+1 < d.spec.Attempts && (d.spec.RetryBudget == 0 || d.budget[l] >= 1) {
			if d.spec.RetryBudget > 0 {
				d.budget[l]--
			}
			j.att[l]++
			for k := 0; k < l; k++ {
				j.att[k] = 0
			}
			j.first = true
			back := sim.Time(d.spec.Backoff)
			if back > 0 {
				n := j.att[l]
				for i := 1; i < n; i++ {
					back *= 2
				}
				back = sim.Time(float64(back) * (0.8 + 0.4*d.g.members[0].rng.Float64()))
			}
			d.w.s.At(d.w.s.Now()+back, func() { d.call(j) })
			return
		}
	}
	d.gaveUp++
	d.settle(j, false)
}

func (d *downstream) succeeded(j *dsJob) { d.settle(j, true) }

// settle ends a message's journey.
func (d *downstream) settle(j *dsJob, ok bool) {
	d.pending--
	w := d.w
	now := w.s.Now()
	if j.m == nil {
		// Memory handoff. After a failure the worker backs off before it
		// takes the next message.
		if back := sim.Time(d.spec.Backoff); !ok && back > 0 {
			w.s.At(now+back, func() { d.idle++; d.dispatchMemory() })
		} else {
			d.idle++
		}
		if j.orphaned() {
			// Its process died meanwhile: nobody records the result.
			d.crashLost++
		} else if ok {
			r := j.rec
			r.fate = fateOK
			d.g.processedBy(&r, now)
		} else if !d.spec.Requeue {
			// Given up: the offset was committed at the handoff, so the
			// message is lost.
		} else if len(d.mem)-d.memHead < d.spec.HandoffCapacity {
			// Back to the queue for another go.
			for l := range j.att {
				j.att[l] = 0
			}
			d.mem = append(d.mem, j)
		} else {
			d.handoffDropped++
		}
		d.dispatchMemory()
		return
	}
	m := j.m
	d.jobsByPoll[m]--
	if m.inc != j.inc || m.pollSeq != j.seq || !m.busy {
		return // the member crashed or moved on
	}
	r := &m.recs[j.ri]
	if !ok {
		r.fate = fateGaveUp
	}
	m.complete(r, now)
	r.fate, r.done = fateUntouched, 0
	d.jobsFor(m)
	for i := range m.recs {
		if m.recs[i].fate != fateUntouched {
			return
		}
	}
	m.recs = m.recs[:0]
	m.busy = false
	if d.g.commit == scenarios.CommitAfter {
		m.sendCommit(true)
		return
	}
	m.maybePoll()
}

// dispatchMemory hands queued messages to idle workers.
func (d *downstream) dispatchMemory() {
	for d.idle > 0 && d.memHead < len(d.mem) {
		j := d.mem[d.memHead]
		d.mem[d.memHead] = nil
		d.memHead++
		if j.orphaned() {
			d.crashLost++ // queued in a process that crashed
			continue
		}
		d.idle--
		d.start(j)
	}
	if d.memHead > 4096 && d.memHead*2 > len(d.mem) {
		d.mem = append(d.mem[:0], d.mem[d.memHead:]...)
		d.memHead = 0
	}
}

// quiet reports whether nothing waits at or for the dependency.
func (d *downstream) quiet() bool {
	return d == nil || (d.pending == 0 && d.memHead >= len(d.mem))
}

// processedBy records a message processed by the group outside a member's
// poll (memory handoff workers).
func (g *group) processedBy(r *pollRec, done sim.Time) {
	w := g.w
	g.consumed++
	g.bytesOut += r.size
	if g.fromEarlierRun(r) {
		g.earlierRun++
		return
	}
	w.chk.Processed(g.idx, int(r.prod), int(r.part), r.seq, r.key, r.born)
	if r.born >= w.warm {
		lat := done - r.born
		g.e2e.RecordTime(lat)
		w.chk.Interval.RecordTime(lat)
	}
}
