package sqs

import (
	"fmt"
	"math"

	wl "mqsim/model/load"
	"mqsim/sim"
)

// producer is one producer instance: an open-loop sender of SendMessage
// calls at its arrival times (SDK calls run concurrently, so a slow call
// does not hold the next one back).
type producer struct {
	*wl.Publisher
	w  *world
	qs *qstate
	cd sim.Dist // Celery countdown, or nil

	// batch is the SendMessageBatch being filled; batchSeq invalidates the
	// timer of a batch already sent.
	batch      []*Message
	batchBytes int64
	batchSeq   int
}

func (w *world) buildProducers() error {
	pubs, err := wl.NewPublishers(w.s, w.sc)
	if err != nil {
		return err
	}
	for _, pub := range pubs {
		qs := w.byName[pub.Spec.Topic]
		if qs == nil {
			return fmt.Errorf("scenario %s: producer %s sends to unknown queue %q", w.sc.Name, pub.Spec.Name, pub.Spec.Topic)
		}
		pr := &producer{Publisher: pub, w: w, qs: qs}
		if w.sc.Celery != nil && w.sc.Celery.Countdown.Dist != nil {
			pr.cd = w.sc.Celery.Countdown.Dist
		}
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
	size := int64(math.Max(1, math.Round(p.Size.Sample(p.Rng))))
	m := &Message{Prod: p.ID, Part: p.qs.idx, Seq: p.Seq, Key: p.Keys.Next(), Born: now, Size: size}
	p.Seq++
	m.DedupID = uint64(m.Prod)<<32 | uint64(uint32(m.Seq)) // the producer's message id; a body hash is as unique here
	if p.cd != nil {
		m.ETA = now + sim.SampleTime(p.cd, p.Rng)
	}
	if size > int64(p.qs.spec.MaxMessageSize) {
		// SQS refuses the call: InvalidParameterValue, nothing enqueued.
		p.Failed++
		w.failed++
		w.tooLarge++
	} else {
		p.add(m)
	}
	if next := p.Arr.Next(now); next < w.end {
		w.s.At(next, p.arrive)
	}
}

// add puts m in the open batch, sending the batch when it is full (by
// count or by the 1 MiB a batch may carry) or batch_open after it opened.
func (p *producer) add(m *Message) {
	w := p.w
	if len(p.batch) > 0 && p.batchBytes+m.Size > maxBatchBytes {
		p.flush()
	}
	p.batch = append(p.batch, m)
	p.batchBytes += m.Size
	if len(p.batch) >= w.cfg.SendBatch {
		p.flush()
		return
	}
	if len(p.batch) == 1 {
		seq := p.batchSeq
		w.s.After(sim.Time(w.cfg.BatchOpen), func() {
			if p.batchSeq == seq {
				p.flush()
			}
		})
	}
}

// maxBatchBytes is SendMessageBatch's limit on a batch's total size.
const maxBatchBytes = 1 << 20

// flush sends the open batch in one call.
func (p *producer) flush() {
	w := p.w
	batch := p.batch
	p.batch, p.batchBytes = nil, 0
	p.batchSeq++
	var bytes int64
	for _, m := range batch {
		bytes += m.Size
	}
	w.sendBatch(p.qs, batch, bytes, func() {
		p.Calls++
		for _, m := range batch {
			p.Acked++
			w.acked++
			w.ackedBytes += m.Size
			w.chk.Ack(m.Prod, m.Part, m.Seq, 1)
			lat := w.s.Now() - m.Born
			p.AckHist.RecordTime(lat)
			if m.Born >= sim.Time(w.sc.Warmup) {
				w.ack.RecordTime(lat)
			}
		}
	})
}
