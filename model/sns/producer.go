package sns

import (
	"fmt"
	"math/rand/v2"

	wl "mqsim/model/load"
	"mqsim/sim"
)

// producer is one producer instance: an open-loop publisher of Publish
// calls at its arrival times.
type producer struct {
	*wl.Publisher
	w       *world
	t       *topic
	attrRng *rand.Rand
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
		pr := &producer{Publisher: pub, w: w, t: t, attrRng: w.s.Stream(pub.Name + "/attributes")}
		w.prods = append(w.prods, pr)
		if first := pr.Arr.Next(0); first < w.end {
			w.s.At(first, pr.arrive)
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
	p.Produced++
	w.produced++
	m := &msg{id: msgID{p.ID, p.Seq}, key: p.Keys.Next(), born: now, size: wl.Size(p.Size, p.Rng), attrs: p.drawAttrs()}
	p.Seq++
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
	if next := p.Arr.Next(now); next < w.end {
		w.s.At(next, p.arrive)
	}
}

// acked1 is the Publish response reaching the producer.
func (p *producer) acked1(m *msg) {
	w := p.w
	p.Acked++
	p.Calls++ // a Publish call carries one message
	w.acked++
	w.ackedBytes += m.size
	p.t.chk.Ack(m.id.prod, 0, m.id.seq, 1)
	lat := w.s.Now() - m.born
	p.AckHist.RecordTime(lat)
	if m.born >= sim.Time(w.sc.Warmup) {
		w.ack.RecordTime(lat)
	}
}
