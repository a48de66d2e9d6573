package pubsub

import (
	"fmt"

	wl "mqsim/model/load"
	"mqsim/sim"
)

// producer is one publisher instance: open-loop Publish calls; with
// ordering keys, each key's messages go one batch at a time, at most
// key_rate bytes/s.
type producer struct {
	*wl.Publisher
	w *world
	t *topic
	// ordering keys: the key's batch waiting, whether one is in flight,
	// and when the key's rate lets the next go.
	pending  map[int64][]*msg
	inFlight map[int64]bool
	free     map[int64]sim.Time
}

func (w *world) buildProducers() error {
	pubs, err := wl.NewPublishers(w.s, w.sc)
	if err != nil {
		return err
	}
	for _, pub := range pubs {
		t := w.byTopic[pub.Spec.Topic]
		if t == nil {
			return fmt.Errorf("scenario %s: producer %s publishes to unknown topic %q", w.sc.Name, pub.Spec.Name, pub.Spec.Topic)
		}
		pr := &producer{Publisher: pub, w: w, t: t,
			pending: map[int64][]*msg{}, inFlight: map[int64]bool{}, free: map[int64]sim.Time{}}
		w.prods = append(w.prods, pr)
		if first := pr.Arr.Next(0); first < w.end {
			w.s.At(first, pr.arrive)
		}
	}
	return nil
}

func (p *producer) arrive() {
	w := p.w
	now := w.s.Now()
	p.Produced++
	w.produced++
	m := &msg{id: msgID{p.ID, p.Seq}, key: p.Keys.Next(), born: now, size: wl.Size(p.Size, p.Rng)}
	p.Seq++
	if p.t.ordered && m.key >= 0 {
		p.pending[m.key] = append(p.pending[m.key], m)
		if p.inFlight[m.key] || p.free[m.key] > now {
			w.svc.PubSubKeyWaits++
		}
		p.sendKey(m.key)
	} else {
		p.send([]*msg{m}, nil)
	}
	if next := p.Arr.Next(now); next < w.end {
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
			p.Calls++
			for _, m := range ms {
				p.Acked++
				w.acked++
				w.ackedBytes += m.size
				p.t.chk.Ack(m.id.prod, 0, m.id.seq, 1)
				lat := w.s.Now() - m.born
				p.AckHist.RecordTime(lat)
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
