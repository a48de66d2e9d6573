package sim

import (
	"fmt"
	"math"
)

// Job is a unit of work on a RateServer, as handed to its completion
// callback.
type Job struct {
	Tag     uint64    // caller's identifier, passed through untouched
	Amount  float64   // work in the server's rate unit (0 for SubmitTime jobs)
	Arrived Time      // when it was submitted
	Started Time      // when a server took it
	Done    func(Job) // called when service completes (may be nil)
}

// Wait returns the time the job spent queued before service.
func (j Job) Wait() Time { return j.Started - j.Arrived }

// NoWaiting as RateServerConfig.MaxQueue makes a loss system: a job that
// finds every server busy is rejected.
const NoWaiting = -1

// RateServerConfig describes a RateServer.
type RateServerConfig struct {
	Name     string  // for errors and reports
	Servers  int     // parallel servers c ≥ 1
	Rate     float64 // work per second per server (bytes/s, items/s) at rate factor 1; > 0
	MaxQueue int     // waiting jobs allowed besides those in service; 0 unbounded, NoWaiting none
	// Fair shares the servers between flows (SubmitFlow) instead of
	// serving one first-in-first-out queue (fair.go).
	Fair bool
}

// RateServer is c identical servers fed from one FIFO queue: the model of a
// NIC, a disk or a CPU. A job of amount a takes a/Rate seconds of service
// (or an explicit service time), stretched by 1/f while the rate factor is
// f. It keeps its own statistics and schedules one kernel event per job, with
// no allocation per job in steady state.
type RateServer struct {
	// What every job reads or writes comes first, in as few cache lines
	// as it fits.
	sim     *Sim
	factor  float64
	fair    *fairState // with Fair: the flows' queues instead of queue
	servers []serving
	idle    []int   // stack of idle server indices
	rate    float64 // cfg.Rate
	arrived uint64
	started uint64
	served  uint64
	work    float64
	waitSum float64 // ns
	respSum float64 // ns

	busy, inSystem TimeAverage
	queue          ring[pendingJob]
	waiting        TimeAverage

	cfg      RateServerConfig
	rejected uint64
	start    Time
}

type pendingJob struct {
	job  Job
	full float64 // service time at factor 1, ns
}

// serving is one server's job: 64 bytes, one cache line.
type serving struct {
	job   Job
	left  float64 // remaining service at factor 1, ns, as of since; idleLeft when idle
	since Time
	ev    EventID
}

// idleLeft marks an idle server (left is never negative in service).
const idleLeft = -1

// NewRateServer returns an idle server.
func NewRateServer(s *Sim, cfg RateServerConfig) (*RateServer, error) {
	if cfg.Servers < 1 {
		return nil, fmt.Errorf("rate server %q: servers (%d) must be at least 1", cfg.Name, cfg.Servers)
	}
	if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) {
		return nil, fmt.Errorf("rate server %q: rate (%g) must be positive and finite", cfg.Name, cfg.Rate)
	}
	if cfg.MaxQueue < NoWaiting {
		return nil, fmt.Errorf("rate server %q: max queue (%d) must be ≥ 0, or NoWaiting", cfg.Name, cfg.MaxQueue)
	}
	r := &RateServer{sim: s, cfg: cfg, factor: 1, rate: cfg.Rate, servers: make([]serving, cfg.Servers)}
	for i := range r.servers {
		r.servers[i].left = idleLeft
	}
	if cfg.Fair {
		r.fair = &fairState{byID: map[uint64]int32{}}
	}
	for i := cfg.Servers - 1; i >= 0; i-- {
		r.idle = append(r.idle, i)
	}
	r.ResetStats()
	return r, nil
}

// Config returns the server's configuration.
func (r *RateServer) Config() RateServerConfig { return r.cfg }

// Submit offers a job of the given amount of work. It returns false, and
// counts a rejection, if the wait queue is full; done is then never called.
// A negative or NaN amount counts as 0.
func (r *RateServer) Submit(amount float64, tag uint64, done func(Job)) bool {
	if !(amount > 0) {
		amount = 0
	}
	if r.fair != nil {
		return r.submitFair(Job{Tag: tag, Amount: amount, Done: done}, amount/r.rate*1e9, 0)
	}
	return r.submit(Job{Tag: tag, Amount: amount, Done: done}, amount/r.rate*1e9)
}

// SubmitTime offers a job whose service takes d at rate factor 1,
// whatever its amount; otherwise as Submit.
func (r *RateServer) SubmitTime(d Time, tag uint64, done func(Job)) bool {
	if r.fair != nil {
		return r.submitFair(Job{Tag: tag, Done: done}, float64(max(d, 0)), 0)
	}
	return r.submit(Job{Tag: tag, Done: done}, float64(max(d, 0)))
}

func (r *RateServer) submit(j Job, full float64) bool {
	now := r.sim.now
	j.Arrived = now
	r.arrived++
	if len(r.idle) > 0 {
		r.inSystem.Add(now, 1)
		r.busy.Add(now, 1)
		r.begin(r.idle[len(r.idle)-1], j, full)
		r.idle = r.idle[:len(r.idle)-1]
		return true
	}
	if r.cfg.MaxQueue == NoWaiting || (r.cfg.MaxQueue > 0 && r.queue.len() >= r.cfg.MaxQueue) {
		r.rejected++
		return false
	}
	r.inSystem.Add(now, 1)
	r.queue.push(pendingJob{job: j, full: full})
	r.waiting.Set(now, float64(r.queue.len()))
	return true
}

// begin starts job j on server i (counted busy by the caller).
func (r *RateServer) begin(i int, j Job, full float64) {
	now := r.sim.now
	j.Started = now
	r.started++
	r.waitSum += float64(now - j.Arrived)
	sv := &r.servers[i]
	*sv = serving{job: j, left: full, since: now}
	r.arm(i)
}

// arm schedules server i's completion from its remaining work and the
// current factor; with factor 0 the job stays parked.
func (r *RateServer) arm(i int) {
	sv := &r.servers[i]
	if r.factor <= 0 {
		sv.ev = 0
		return
	}
	d := Time(math.Round(sv.left / r.factor))
	if sv.ev != 0 && r.sim.Reschedule(sv.ev, r.sim.now+d) {
		return
	}
	sv.ev = r.sim.Schedule(r.sim.now+d, r, uint64(i))
}

// Handle completes the job on server arg; it is the kernel's callback and
// not for callers.
func (r *RateServer) Handle(arg uint64) {
	i := int(arg)
	now := r.sim.now
	sv := &r.servers[i]
	j := sv.job
	*sv = serving{left: idleLeft}
	r.served++
	r.work += j.Amount
	r.respSum += float64(now - j.Arrived)
	r.inSystem.Add(now, -1)
	if f := r.fair; f != nil && f.queued > 0 {
		p := f.pop()
		r.waiting.Set(now, float64(f.queued))
		r.begin(i, p.job, p.full)
	} else if r.queue.len() > 0 {
		p := r.queue.pop()
		r.waiting.Set(now, float64(r.queue.len()))
		r.begin(i, p.job, p.full)
	} else {
		r.busy.Add(now, -1)
		r.idle = append(r.idle, i)
		if r.fair != nil && len(r.idle) == len(r.servers) {
			r.fair.idle()
		}
	}
	if j.Done != nil {
		j.Done(j)
	}
}

// SetRateFactor scales the service rate by f from now on (1 is nominal,
// 0.5 half speed, 0 stalled). Jobs in service keep the work already done
// and finish their remainder at the new speed.
func (r *RateServer) SetRateFactor(f float64) {
	if !(f >= 0) || math.IsInf(f, 0) {
		f = 0
	}
	if f == r.factor {
		return
	}
	now := r.sim.now
	for i := range r.servers {
		sv := &r.servers[i]
		if sv.left == idleLeft {
			continue
		}
		sv.left = max(sv.left-float64(now-sv.since)*r.factor, 0)
		sv.since = now
	}
	r.factor = f
	for i := range r.servers {
		sv := &r.servers[i]
		if sv.left == idleLeft {
			continue
		}
		if f <= 0 {
			r.sim.Cancel(sv.ev)
			sv.ev = 0
			continue
		}
		r.arm(i)
	}
}

// RateFactor returns the current rate factor.
func (r *RateServer) RateFactor() float64 { return r.factor }

// Busy returns the number of servers in service.
func (r *RateServer) Busy() int { return r.cfg.Servers - len(r.idle) }

// QueueLen returns the number of jobs waiting (not in service).
func (r *RateServer) QueueLen() int {
	if r.fair != nil {
		return r.fair.queued
	}
	return r.queue.len()
}

// ServerStats is a RateServer's record over its measurement window.
type ServerStats struct {
	Window       Time    // length of the window
	Arrived      uint64  // jobs offered
	Rejected     uint64  // jobs refused because the queue was full
	Started      uint64  // jobs that entered service
	Served       uint64  // jobs completed
	Work         float64 // amount completed
	Utilisation  float64 // time-average fraction of servers busy
	MeanQueue    float64 // time-average number waiting
	MaxQueue     int     // largest number waiting
	MeanInSystem float64 // time-average number waiting or in service
	MeanWait     Time    // mean queueing delay of jobs that started service
	MeanResponse Time    // mean time from submit to completion of jobs served
}

// Stats returns the statistics since creation or the last ResetStats.
func (r *RateServer) Stats() ServerStats {
	now := r.sim.now
	st := ServerStats{
		Window:       now - r.start,
		Arrived:      r.arrived,
		Rejected:     r.rejected,
		Started:      r.started,
		Served:       r.served,
		Work:         r.work,
		Utilisation:  r.busy.Mean(now) / float64(r.cfg.Servers),
		MeanQueue:    r.waiting.Mean(now),
		MaxQueue:     int(r.waiting.Max()),
		MeanInSystem: r.inSystem.Mean(now),
	}
	if r.started > 0 {
		st.MeanWait = Time(math.Round(r.waitSum / float64(r.started)))
	}
	if r.served > 0 {
		st.MeanResponse = Time(math.Round(r.respSum / float64(r.served)))
	}
	return st
}

// ResetStats starts a new measurement window at Now (to drop a warm-up).
// Jobs already present count in the levels but not in the counters.
func (r *RateServer) ResetStats() {
	now := r.sim.now
	r.start = now
	r.busy.Reset(now)
	r.waiting.Reset(now)
	r.inSystem.Reset(now)
	r.arrived, r.started, r.served, r.rejected = 0, 0, 0, 0
	r.work, r.waitSum, r.respSum = 0, 0, 0
}
