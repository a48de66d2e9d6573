package pubsub

import (
	"fmt"
	"math/rand/v2"

	wl "mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// producer is one publisher instance: open-loop Publish calls; with
// ordering keys, each key's messages go one batch at a time, at most
// key_rate bytes/s.
type producer struct {
	w      *world
	result int
	id     int
	t      *topic
	arr    wl.Arrivals
	keys   *wl.KeyGen
	size   sim.Dist
	rng    *rand.Rand
	seq    int32
	// ordering keys: the key's batch waiting, whether one is in flight,
	// and when the key's rate lets the next go.
	pending  map[int64][]*msg
	inFlight map[int64]bool
	free     map[int64]sim.Time

	produced, acked int64
	ackHist         *sim.Histogram
}

func (w *world) buildProducers() error {
	id := 0
	for pi := range w.sc.Producers {
		p := &w.sc.Producers[pi]
		t := w.byTopic[p.Topic]
		if t == nil {
			return fmt.Errorf("scenario %s: producer %s publishes to unknown topic %q", w.sc.Name, p.Name, p.Topic)
		}
		a, err := scenarios.ParseArrival(p.Arrival)
		if err != nil {
			return fmt.Errorf("producer %s: %w", p.Name, err)
		}
		k, err := scenarios.ParseKeys(p.Keys)
		if err != nil {
			return fmt.Errorf("producer %s: %w", p.Name, err)
		}
		if p.MessageSize.Dist == nil {
			return fmt.Errorf("scenario %s: producer %s: message_size is not resolved: call Defaults", w.sc.Name, p.Name)
		}
		hist := sim.NewLatencyHistogram()
		for inst := range p.Instances {
			name := fmt.Sprintf("producer/%s/%d", p.Name, inst)
			pr := &producer{w: w, result: pi, id: id, t: t, size: p.MessageSize.Dist, rng: w.s.Stream(name), ackHist: hist,
				pending: map[int64][]*msg{}, inFlight: map[int64]bool{}, free: map[int64]sim.Time{}}
			pr.arr = wl.Arrivals{A: a, Rate: float64(p.Rate) / float64(p.Instances), Rng: w.s.Stream(name + "/arrivals")}
			pr.keys = wl.NewKeyGen(k, w.s.Stream(name+"/keys"))
			w.prods = append(w.prods, pr)
			id++
			if first := pr.arr.Next(0); first < w.end {
				w.s.At(first, pr.arrive)
			}
		}
	}
	return nil
}

func (p *producer) arrive() {
	w := p.w
	now := w.s.Now()
	p.produced++
	w.produced++
	m := &msg{id: msgID{p.id, p.seq}, key: p.keys.Next(), born: now, size: wl.Size(p.size, p.rng)}
	p.seq++
	if p.t.ordered && m.key >= 0 {
		p.pending[m.key] = append(p.pending[m.key], m)
		if p.inFlight[m.key] || p.free[m.key] > now {
			w.svc.PubSubKeyWaits++
		}
		p.sendKey(m.key)
	} else {
		p.send([]*msg{m}, nil)
	}
	if next := p.arr.Next(now); next < w.end {
		w.s.At(next, p.arrive)
	}
}

// sendKey publishes key's waiting messages as one batch when no batch of
// the key is in flight and its rate allows.
func (p *producer) sendKey(key int64) {
	w := p.w
	if p.inFlight[key] || len(p.pending[key]) == 0 {
		return
	}
	if at := p.free[key]; at > w.s.Now() {
		w.s.At(at, func() { p.inFlight[key] = false; p.sendKey(key) })
		p.inFlight[key] = true // held until the rate allows
		p.free[key] = 0
		return
	}
	batch := p.pending[key]
	delete(p.pending, key)
	var bytes int64
	for _, m := range batch {
		bytes += m.size
	}
	p.inFlight[key] = true
	p.free[key] = w.s.Now() + sim.Seconds(float64(bytes)/float64(w.cfg.KeyRate))
	p.send(batch, func() {
		p.inFlight[key] = false
		p.sendKey(key)
	})
}

// send is one Publish call carrying ms; then runs after the response.
func (p *producer) send(ms []*msg, then func()) {
	w := p.w
	w.s.After(w.half, func() {
		for _, m := range ms {
			w.svc.PubSubPublished++
			w.store(p.t, m, false)
		}
		w.s.After(w.half, func() {
			for _, m := range ms {
				p.acked++
				w.acked++
				w.ackedBytes += m.size
				p.t.chk.Ack(m.id.prod, 0, m.id.seq, 1)
				lat := w.s.Now() - m.born
				p.ackHist.RecordTime(lat)
				if m.born >= sim.Time(w.sc.Warmup) {
					w.ack.RecordTime(lat)
				}
			}
			if then != nil {
				then()
			}
		})
	})
}
