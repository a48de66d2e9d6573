package sqs

import (
	"fmt"
	"math"
	"math/rand/v2"

	wl "mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/sim"
)

// producer is one producer instance: an open-loop sender of SendMessage
// calls at its arrival times (SDK calls run concurrently, so a slow call
// does not hold the next one back).
type producer struct {
	w      *world
	spec   *scenarios.Producer
	result int // index of its spec, for ProducerResult
	id     int // the checker's producer index
	qs     *qstate
	arr    wl.Arrivals
	keys   *wl.KeyGen
	size   sim.Dist
	rng    *rand.Rand
	seq    int32
	cd     sim.Dist // Celery countdown, or nil

	produced, acked, failed int64
	ackHist                 *sim.Histogram

	// batch is the SendMessageBatch being filled; batchSeq invalidates the
	// timer of a batch already sent.
	batch      []*Message
	batchBytes int64
	batchSeq   int
}

func (w *world) buildProducers() error {
	id := 0
	for pi := range w.sc.Producers {
		p := &w.sc.Producers[pi]
		qs := w.byName[p.Topic]
		if qs == nil {
			return fmt.Errorf("scenario %s: producer %s sends to unknown queue %q", w.sc.Name, p.Name, p.Topic)
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
			pr := &producer{w: w, spec: p, result: pi, id: id, qs: qs, size: p.MessageSize.Dist,
				rng: w.s.Stream(name), ackHist: hist}
			pr.arr = wl.Arrivals{A: a, Rate: float64(p.Rate) / float64(p.Instances), Rng: w.s.Stream(name + "/arrivals")}
			pr.keys = wl.NewKeyGen(k, w.s.Stream(name+"/keys"))
			if w.sc.Celery != nil && w.sc.Celery.Countdown.Dist != nil {
				pr.cd = w.sc.Celery.Countdown.Dist
			}
			w.prods = append(w.prods, pr)
			id++
			first := pr.arr.Next(0)
			if first < w.end {
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
	size := int64(math.Max(1, math.Round(p.size.Sample(p.rng))))
	m := &Message{Prod: p.id, Part: p.qs.idx, Seq: p.seq, Key: p.keys.Next(), Born: now, Size: size}
	p.seq++
	m.DedupID = uint64(m.Prod)<<32 | uint64(uint32(m.Seq)) // the producer's message id; a body hash is as unique here
	if p.cd != nil {
		m.ETA = now + sim.SampleTime(p.cd, p.rng)
	}
	if size > int64(p.qs.spec.MaxMessageSize) {
		// SQS refuses the call: InvalidParameterValue, nothing enqueued.
		p.failed++
		w.failed++
		w.tooLarge++
	} else {
		p.add(m)
	}
	if next := p.arr.Next(now); next < w.end {
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
		for _, m := range batch {
			p.acked++
			w.acked++
			w.ackedBytes += m.Size
			w.chk.Ack(m.Prod, m.Part, m.Seq, 1)
			lat := w.s.Now() - m.Born
			p.ackHist.RecordTime(lat)
			if m.Born >= sim.Time(w.sc.Warmup) {
				w.ack.RecordTime(lat)
			}
		}
	})
}
