package sns

import (
	"fmt"
	"math/rand/v2"

	wl "mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// producer is one producer instance: an open-loop publisher of Publish
// calls at its arrival times.
type producer struct {
	w       *world
	spec    *scenarios.Producer
	result  int
	id      int
	t       *topic
	arr     wl.Arrivals
	keys    *wl.KeyGen
	size    sim.Dist
	rng     *rand.Rand
	attrRng *rand.Rand
	seq     int32

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
			pr := &producer{w: w, spec: p, result: pi, id: id, t: t, size: p.MessageSize.Dist,
				rng: w.s.Stream(name), attrRng: w.s.Stream(name + "/attributes"), ackHist: hist}
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

// drawAttrs draws the message attributes every message carries.
func (p *producer) drawAttrs() Attrs {
	specs := p.w.cfg.Attributes
	if len(specs) == 0 {
		return nil
	}
	out := make(Attrs, 0, len(specs))
	for _, a := range specs {
		if a.Type == "Number" {
			out = append(out, Attr{Name: a.Name, Number: true, N: a.Min + p.attrRng.Float64()*(a.Max-a.Min)})
			continue
		}
		i := p.attrRng.IntN(len(a.Values))
		if len(a.Shares) > 0 {
			x := p.attrRng.Float64()
			i = len(a.Values) - 1
			for j, sh := range a.Shares {
				if x < float64(sh) {
					i = j
					break
				}
				x -= float64(sh)
			}
		}
		out = append(out, Attr{Name: a.Name, S: []string{a.Values[i]}})
	}
	return out
}

func (p *producer) arrive() {
	w := p.w
	now := w.s.Now()
	p.produced++
	w.produced++
	m := &msg{id: msgID{p.id, p.seq}, key: p.keys.Next(), born: now, size: wl.Size(p.size, p.rng), attrs: p.drawAttrs()}
	p.seq++
	at := now + w.half
	if t := p.t; t.spec.IsFIFO() {
		if t.nextSlot > at {
			at = t.nextSlot
			w.svc.SNSThrottled++
		}
		t.nextSlot = at + max(sim.Seconds(1/t.spec.FIFOPublishRate), 1)
	}
	w.s.At(at, func() {
		w.publish(p.t, m)
		w.s.After(w.half, func() { p.acked1(m) })
	})
	if next := p.arr.Next(now); next < w.end {
		w.s.At(next, p.arrive)
	}
}

// acked1 is the Publish response reaching the producer.
func (p *producer) acked1(m *msg) {
	w := p.w
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
