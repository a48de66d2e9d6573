package pulsar

import (
	"fmt"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/sim"
)

// The retry letter topic (on_failure: reconsume_later). The application
// calls reconsumeLater on a message it failed: the client publishes a
// copy, with its reconsume count, to <topic>-<subscription>-RETRY with a
// delivery delay and acknowledges the original. The retry topic is a
// managed ledger of its own (real entries on the bookies, owned by its
// bundle's broker, moved and recovered like any other); its subscription
// delivers each copy once the delay has passed. Past MaxRedeliverCount
// reconsumes the client sends the message to the dead-letter topic
// instead. Simplification: the retry topic's own subscription is not a
// cursor — a delivered copy a consumer holds when it dies goes back to
// the retry topic at once, and the retry topic's dispatch pays no
// permits.

// retryMsg is a copy on the retry topic.
type retryMsg struct {
	mid   int32
	times int32 // reconsumes so far (RECONSUMETIMES)
}

// newRetryTopic creates the subscription's retry topic.
func (w *world) newRetryTopic(sb *subscription) error {
	reg := sb.reg
	p := newPartition(w, fmt.Sprintf("%s-%s-RETRY", sb.group.Topic, sb.group.Name), 0, len(w.parts))
	p.name = p.topic
	p.reg, p.retry = reg, true
	if reg.name != "" {
		p.name = reg.name + "/" + p.name
	}
	w.parts = append(w.parts, p)
	reg.parts = append(reg.parts, p)
	p.owner = reg.bundles[p.bundle]
	p.epoch++
	sb.retryTopic = p
	return p.openLedger()
}

// reconsumeLater publishes a failed message to the retry topic and
// acknowledges what the consumer held; past the limit it dead-letters it.
func (cons *consumer) reconsumeLater(d delivery) {
	sb := cons.sb
	w := sb.w
	m := &w.msgs[d.mid]
	times := d.times + 1
	if int(times) > sb.spec.MaxRedeliverCount {
		if !m.dead {
			m.dead = true
			w.chk.Handled(sb.idx, int(m.prod), 0, m.seq)
			sb.deadLettered++
			w.res.DeadLettered++
		}
		cons.ack(d)
		return
	}
	p := sb.retryTopic
	var bb commitlog.BatchBuilder
	bb.Reset(commitlog.BatchHeader{SizedValues: true})
	id := check.AppendID(nil, int(m.prod), m.seq, m.born)
	bb.AddSized(int64(m.born/sim.Millisecond), nil, id, max(m.size, int64(len(id))), nil)
	b, err := bb.Build()
	if err != nil {
		w.fail(fmt.Errorf("%s: %w", p.name, err))
		return
	}
	sb.retryOut++
	w.res.RetryLettered++
	op := &addOp{data: append(commitlog.Batch(nil), b...), bytes: b.Size(), mids: []int32{d.mid}, created: w.s.Now(),
		retry: &retryMsg{mid: d.mid, times: times}, retrySub: sb}
	// The client's send crosses the network to the retry topic's owner.
	w.s.After(w.net.Latency, func() { p.append(op) })
	cons.ack(d)
}

// retried: the copy is on the retry topic; it becomes deliverable after
// the delay.
func (sb *subscription) retried(op *addOp) {
	rm := *op.retry
	sb.w.s.After(sim.Time(sb.spec.ReconsumeDelay), func() {
		sb.retryReady = append(sb.retryReady, rm)
		sb.dispatchRetries()
	})
}

// dispatchRetries hands the retry topic's due copies to live consumers:
// round-robin (shared), by key (Key_Shared), or the first live consumer
// (exclusive, failover: the retry topic has one partition).
func (sb *subscription) dispatchRetries() {
	w := sb.w
	for len(sb.retryReady) > 0 {
		var live []*consumer
		for _, c := range sb.cons {
			if c.alive {
				live = append(live, c)
			}
		}
		if len(live) == 0 || sb.retryTopic.owner == nil || !sb.retryTopic.owner.up {
			// Tried again when a consumer connects or every second.
			if !sb.retryArm {
				sb.retryArm = true
				w.s.After(sim.Second, func() {
					sb.retryArm = false
					sb.dispatchRetries()
				})
			}
			return
		}
		rm := sb.retryReady[0]
		sb.retryReady = sb.retryReady[1:]
		cons := live[0]
		switch sb.spec.Type {
		case "shared":
			cons = live[sb.retryRR%len(live)]
			sb.retryRR++
		case "key_shared":
			cons = live[int(keyHash(w.msgs[rm.mid].key)%uint32(len(live)))]
		}
		d := delivery{mid: rm.mid, times: rm.times, life: cons.life, retry: true}
		cons.retryHeld = append(cons.retryHeld, rm)
		w.s.After(w.net.Latency, func() {
			if cons.life != d.life || !cons.alive {
				return
			}
			cons.queue = append(cons.queue, d)
			cons.work()
		})
	}
}

// retryAcked: the consumer is done with a copy from the retry topic.
func (cons *consumer) retryAcked(d delivery) {
	for i, rm := range cons.retryHeld {
		if rm.mid == d.mid && rm.times == d.times {
			cons.retryHeld = append(cons.retryHeld[:i], cons.retryHeld[i+1:]...)
			break
		}
	}
	cons.sb.retryOut--
}

// retryBack: a dead consumer's copies go back to the retry topic.
func (cons *consumer) retryBack() {
	sb := cons.sb
	if len(cons.retryHeld) == 0 {
		return
	}
	sb.redelivered += int64(len(cons.retryHeld))
	sb.retryReady = append(sb.retryReady, cons.retryHeld...)
	cons.retryHeld = nil
	sb.dispatchRetries()
}
