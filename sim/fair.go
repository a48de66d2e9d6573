package sim

// Fair queueing on a RateServer (RateServerConfig.Fair): jobs belong to
// flows (SubmitFlow), each flow is served first in first out, and the
// servers share themselves between the flows with work waiting, as
// Linux's fq qdisc and competing TCP connections share a link.
//
// It is self-clocked fair queueing (Golestani, 1994): a job arriving on
// flow f is stamped with a finish tag F = max(V, F_f) + its service time,
// where F_f is the tag of f's previous job and V is the tag of the job
// last put into service; a free server takes the waiting job with the
// smallest tag (flows' heads only, so each flow stays in order; ties by
// arrival). A flow with a backlog thus gets its share and no more, and a
// flow that has been idle starts at once after the job in service, however
// long the other flows' queues. Service is not preempted: fairness holds
// to within one job per flow, so callers should submit in pieces no larger
// than a socket's send buffer or a fetch response.

// fairFlow is one flow's queue.
type fairFlow struct {
	id     uint64
	jobs   ring[fairJob]
	last   float64 // finish tag of the flow's last job, in epoch
	epoch  uint32
	heapIx int // index in the server's heap, -1 when empty
}

type fairJob struct {
	pendingJob
	finish float64
	seq    uint64
}

// fairState is a fair RateServer's flows.
type fairState struct {
	flows  []*fairFlow
	byID   map[uint64]int32         // flow id → index in flows (looked up, never ranged)
	recent [flowCacheSize]*fairFlow // flows recently looked up, by a hash of their id
	heap   []*fairFlow              // flows with jobs waiting, by their head's finish tag
	vtime  float64                  // V: the finish tag of the job last put into service
	seq    uint64
	queued int
	epoch  uint32 // bumped when the server falls idle: tags start again from 0
	eager  bool   // stamp a job that finds a one-server server idle all the same (for tests)
}

// idle: nothing is queued or in service, so no flow owes anything: the
// tags start again (lazily, by epoch).
func (f *fairState) idle() {
	f.vtime = 0
	f.epoch++
}

// flowCacheSize is the number of entries of a fair server's direct-mapped
// cache of flows: a server sees each connection's flow over and over, and
// most have a few dozen to a few hundred connections.
const flowCacheSize = 256

// flow returns flow id's queue, made on first use.
func (f *fairState) flow(id uint64) *fairFlow {
	h := (id * 0x9E3779B97F4A7C15) >> 56 // Fibonacci hashing onto 256 entries
	if fl := f.recent[h]; fl != nil && fl.id == id {
		return fl
	}
	var fl *fairFlow
	if i, ok := f.byID[id]; ok {
		fl = f.flows[i]
	} else {
		fl = &fairFlow{id: id, heapIx: -1}
		f.byID[id] = int32(len(f.flows))
		f.flows = append(f.flows, fl)
	}
	f.recent[h] = fl
	return fl
}

func (f *fairState) less(a, b *fairFlow) bool {
	x, y := a.jobs.front(), b.jobs.front()
	if x.finish != y.finish {
		return x.finish < y.finish
	}
	return x.seq < y.seq
}

func (f *fairState) up(i int) {
	h := f.heap
	for i > 0 {
		p := (i - 1) / 2
		if !f.less(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		h[i].heapIx, h[p].heapIx = i, p
		i = p
	}
}

func (f *fairState) down(i int) {
	h := f.heap
	n := len(h)
	for {
		l, m := 2*i+1, i
		if l < n && f.less(h[l], h[m]) {
			m = l
		}
		if r := l + 1; r < n && f.less(h[r], h[m]) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		h[i].heapIx, h[m].heapIx = i, m
		i = m
	}
}

// stamp gives job j of flow fl its finish tag.
func (f *fairState) stamp(fl *fairFlow, full float64) (finish float64, seq uint64) {
	if fl.epoch != f.epoch {
		fl.epoch, fl.last = f.epoch, 0
	}
	finish = max(f.vtime, fl.last) + full
	fl.last = finish
	f.seq++
	return finish, f.seq
}

// push queues a stamped job on its flow.
func (f *fairState) push(fl *fairFlow, j fairJob) {
	fl.jobs.push(j)
	f.queued++
	if fl.heapIx < 0 {
		fl.heapIx = len(f.heap)
		f.heap = append(f.heap, fl)
		f.up(fl.heapIx)
	}
}

// pop takes the waiting job with the smallest finish tag.
func (f *fairState) pop() fairJob {
	fl := f.heap[0]
	j := fl.jobs.pop()
	f.queued--
	f.vtime = j.finish
	if fl.jobs.len() > 0 {
		f.down(0)
		return j
	}
	n := len(f.heap) - 1
	f.heap[0] = f.heap[n]
	f.heap[0].heapIx = 0
	f.heap = f.heap[:n]
	fl.heapIx = -1
	if n > 0 {
		f.down(0)
	}
	return j
}

// SubmitFlow offers a job of the given amount on flow id. On a fair server
// (RateServerConfig.Fair) the flows share the servers; otherwise it is
// Submit.
func (r *RateServer) SubmitFlow(amount float64, flow, tag uint64, done func(Job)) bool {
	if !(amount > 0) {
		amount = 0
	}
	full := amount / r.rate * 1e9
	if r.fair == nil {
		return r.submit(Job{Tag: tag, Amount: amount, Done: done}, full)
	}
	return r.submitFair(Job{Tag: tag, Amount: amount, Done: done}, full, flow)
}

func (r *RateServer) submitFair(j Job, full float64, flow uint64) bool {
	now := r.sim.now
	j.Arrived = now
	r.arrived++
	f := r.fair
	if len(r.idle) > 0 {
		if len(r.servers) == 1 && !f.eager {
			// Nothing is queued or in service and the tags started
			// again (idle), so the job's tag is full whatever its flow's
			// past, and V becomes full. Its flow is not even looked up:
			// every later tag of this busy period is at least V ≥ full,
			// so the flow's own last tag (full, had it been kept) can
			// never be the larger in max(V, F_f).
			f.seq++
			f.vtime = full
		} else {
			finish, _ := f.stamp(f.flow(flow), full)
			f.vtime = finish
		}
		r.inSystem.Add(now, 1)
		r.busy.Add(now, 1)
		r.begin(r.idle[len(r.idle)-1], j, full)
		r.idle = r.idle[:len(r.idle)-1]
		return true
	}
	if r.cfg.MaxQueue == NoWaiting || (r.cfg.MaxQueue > 0 && f.queued >= r.cfg.MaxQueue) {
		r.rejected++
		return false
	}
	fl := f.flow(flow)
	finish, seq := f.stamp(fl, full)
	r.inSystem.Add(now, 1)
	f.push(fl, fairJob{pendingJob: pendingJob{job: j, full: full}, finish: finish, seq: seq})
	r.waiting.Set(now, float64(f.queued))
	return true
}
