package kafka

import (
	"mqsim/scenarios"
	"mqsim/sim"
)

// Client quotas (the scenario's quotas: section), as Kafka's brokers
// enforce them. Each broker measures each client id's produce bytes,
// fetch response bytes (a consumer group's members) and producer
// handler-thread time with a sampled rate (quotaRate: quota.window.num
// samples of quota.window.size); a produce request that takes a measured
// rate over its quota gets throttle_time_ms = (rate − quota) / quota ×
// window — the time at which the rate over the window would be back at
// the quota — the larger of the byte-rate and request-percentage
// throttles. Since KIP-219 the broker answers at once and mutes the
// connection for the throttle time: the connection's next request is not
// read until then (prFree); a throttled fetch response is held as long
// (csSend). The bytes are recorded when the response
// leaves (after replication for acks=all), not when the request arrives:
// the same rate, a few milliseconds later.

// quotaState is a world's client quotas.
type quotaState struct {
	w      *world
	num    int
	size   sim.Time
	byName map[string]*quotaClient // by client id (a producer's name)

	throttled    int64           // responses that carried a throttle time
	held         int64           // records in requests a muted connection held back
	counted      map[uint64]bool // requests (by use) counted in held
	throttleTime sim.Time        // summed
}

// quotaClient is one client id's quotas and, per broker, its measured
// rates.
type quotaClient struct {
	byteRate  float64 // producer_byte_rate, bytes/s; 0: none
	reqPct    float64 // request_percentage; 0: none
	fetchRate float64 // consumer_byte_rate, bytes/s; 0: none
	bytes     []quotaRate
	cpu       []quotaRate // in percent-seconds of one thread
	fetched   []quotaRate
}

// newQuotas sets up the scenario's quotas (nil without any).
func newQuotas(w *world) *quotaState {
	q := w.sc.Quotas
	if q == nil || len(q.Clients) == 0 {
		return nil
	}
	qs := &quotaState{w: w, num: q.WindowNum, size: sim.Time(q.WindowSize), byName: map[string]*quotaClient{}, counted: map[uint64]bool{}}
	for _, c := range q.Clients {
		qs.byName[c.ClientID] = &quotaClient{byteRate: float64(c.ProducerByteRate), reqPct: c.RequestPercentage,
			fetchRate: float64(c.ConsumerByteRate), bytes: make([]quotaRate, len(w.brokers)), cpu: make([]quotaRate, len(w.brokers)),
			fetched: make([]quotaRate, len(w.brokers))}
	}
	return qs
}

// throttle records a produce request's bytes and handler time for its
// client on its broker and returns the throttle time it earns (0 within
// the quota).
func (qs *quotaState) throttle(spec *scenarios.Producer, b int, bytes int64, cpu sim.Time, acks int) sim.Time {
	cl := qs.byName[spec.Name]
	if cl == nil {
		return 0
	}
	now := qs.w.s.Now()
	var d sim.Time
	if cl.byteRate > 0 {
		r := &cl.bytes[b]
		r.record(now, float64(bytes), qs.num, qs.size)
		d = r.throttle(now, cl.byteRate, qs.num, qs.size)
	}
	if cl.reqPct > 0 && acks != 0 { // Kafka leaves acks=0 requests out of the request quota
		r := &cl.cpu[b]
		r.record(now, cpu.Seconds()*100, qs.num, qs.size)
		d = max(d, r.throttle(now, cl.reqPct, qs.num, qs.size))
	}
	if d > 0 {
		qs.throttled++
		qs.throttleTime += d
	}
	return d
}

// fetchThrottle records a consumer fetch response's bytes for its group's
// client id on its broker and returns the throttle time it earns.
func (qs *quotaState) fetchThrottle(group string, b int, bytes int64) sim.Time {
	cl := qs.byName[group]
	if cl == nil || cl.fetchRate <= 0 {
		return 0
	}
	now := qs.w.s.Now()
	r := &cl.fetched[b]
	r.record(now, float64(bytes), qs.num, qs.size)
	d := r.throttle(now, cl.fetchRate, qs.num, qs.size)
	if d > 0 {
		qs.throttled++
		qs.throttleTime += d
	}
	return d
}

// csSend sends a fetch response on to its consumer: at once, or after the
// throttle time a consumer_byte_rate quota sets (the session has one fetch
// in flight, so holding its response mutes it).
func (w *world) csSend(id uint64) {
	s := w.sessions[id]
	if w.quotas != nil {
		if d := w.quotas.fetchThrottle(s.m.g.spec.Name, s.b.id, 64+s.bytes); d > 0 {
			w.s.AfterCall(d, w.csThrottled, id)
			return
		}
	}
	w.net.Send(&s.down, w.fCsClientIn, id) // through the consumer's host (clienthost.go)
}

// csThrottled sends a throttled fetch response once its time has passed.
func (w *world) csThrottled(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	w.net.Send(&s.down, w.fCsClientIn, id)
}

// prFree frees a produce connection once its response has left the
// broker: at once, or, when the client went over its quota, once the
// throttle time has passed (the broker mutes the channel meanwhile).
func (w *world) prFree(r *produceReq) sim.Time {
	c := r.c
	if w.quotas != nil {
		d := w.quotas.throttle(c.p.spec, c.b.id, 64+r.bytes, w.prCPU(r), c.p.acks)
		if d > 0 {
			inc := w.net.Incarnation(c.b.node)
			w.s.After(d, func() {
				// A crash while muted reset the connection (controller.go).
				if c.busy && w.net.Incarnation(c.b.node) == inc {
					for _, id := range c.waiting { // held back by the mute (once each)
						r := w.preqs[id]
						if w.quotas.counted[r.use] {
							continue
						}
						w.quotas.counted[r.use] = true
						for _, bid := range r.batches {
							w.quotas.held += int64(c.p.batches[bid].n)
						}
					}
					w.prNext(c)
				}
			})
			return d
		}
	}
	w.prNext(c)
	return 0
}

// prThrottled sends a throttled response once its throttle time has
// passed.
func (w *world) prThrottled(id uint64) {
	if w.faulty && !w.ctl.prBrokerOK(w.preqs[id]) {
		return // the broker died meanwhile: the response is lost with the connection
	}
	w.net.Send(&w.preqs[id].c.down, w.fPrResp, id)
}

// prNext lets a produce connection's next request in.
func (w *world) prNext(c *prodConn) {
	c.busy = false
	if len(c.waiting) > 0 {
		next := c.waiting[0]
		c.waiting = c.waiting[1:]
		c.busy = true
		w.useTime(c.b.CPU, w.prCPU(w.preqs[next]), w.fPrRoom, uint64(next))
	}
}

// quotaRate is Kafka's sampled rate: up to num samples, each covering
// size from its first record; a sample older than num × size counts for
// nothing. The rate is the samples' sum over the window they cover,
// which is at least num − 1 full samples (so a client's first burst is
// spread over that much).
type quotaRate struct {
	samples []quotaSample
	cur     int
}

type quotaSample struct {
	start sim.Time
	value float64
}

// record adds v at now.
func (q *quotaRate) record(now sim.Time, v float64, num int, size sim.Time) {
	if len(q.samples) == 0 {
		q.samples = append(q.samples, quotaSample{start: now})
	} else if now-q.samples[q.cur].start >= size {
		q.cur = (q.cur + 1) % num
		if q.cur >= len(q.samples) {
			q.samples = append(q.samples, quotaSample{start: now})
		} else {
			q.samples[q.cur] = quotaSample{start: now}
		}
	}
	q.samples[q.cur].value += v
}

// purge resets the samples that have fallen out of the window.
func (q *quotaRate) purge(now sim.Time, num int, size sim.Time) {
	for i := range q.samples {
		if now-q.samples[i].start >= sim.Time(num)*size {
			q.samples[i] = quotaSample{start: now}
		}
	}
}

// window is the time the samples cover at now: from the oldest sample's
// start, and at least num − 1 sample sizes.
func (q *quotaRate) window(now sim.Time, num int, size sim.Time) sim.Time {
	q.purge(now, num, size)
	if len(q.samples) == 0 {
		return sim.Time(num-1) * size
	}
	oldest := q.samples[0].start
	for _, s := range q.samples[1:] {
		oldest = min(oldest, s.start)
	}
	elapsed := now - oldest
	if full := int(elapsed / size); full < num-1 {
		elapsed += sim.Time(num-1-full) * size
	}
	return elapsed
}

// rate is the measured rate per second at now.
func (q *quotaRate) rate(now sim.Time, num int, size sim.Time) float64 {
	win := q.window(now, num, size)
	var sum float64
	for _, s := range q.samples {
		sum += s.value
	}
	return sum / win.Seconds()
}

// throttle is the time to mute a client whose rate is over bound:
// (rate − bound) / bound × window; 0 within it.
func (q *quotaRate) throttle(now sim.Time, bound float64, num int, size sim.Time) sim.Time {
	r := q.rate(now, num, size)
	if r <= bound {
		return 0
	}
	return sim.Time((r - bound) / bound * float64(q.window(now, num, size)))
}

// quotaResults adds the quotas' counts to r.
func (w *world) quotaResults(r *Results) {
	if qs := w.quotas; qs != nil {
		r.QuotaThrottled = qs.throttled
		r.QuotaThrottleTime = qs.throttleTime.Seconds()
		r.PublishThrottled = qs.held // what a quota delayed, as Pulsar's publish-rate quota reports it
	}
}
