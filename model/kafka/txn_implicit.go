package kafka

import (
	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/sim"
)

// transaction.version 2 (KIP-890, Kafka 4.0's brokers' default): the
// producer sends no AddPartitionsToTxn. A partition leader that receives
// a transactional batch for a partition its log shows no transaction of
// the producer's epoch on asks the transaction coordinator itself
// (AddPartitionsToTxn from broker to coordinator: the coordinator adds
// the partition, writing Ongoing to __transaction_state as for the
// client's request) and appends once it is answered; the produce request
// waits meanwhile, and its connection with it. The client saves its own
// round trip to the coordinator per transaction, and a write the
// coordinator refuses (an old epoch) is never appended. With the epoch
// bumped at every EndTxn (txn_coord.go), a late write of an ended
// transaction is fenced instead of joining the next one.

// leaderAdd sends broker b's AddPartitionsToTxn for id's transaction to
// its coordinator, through the network, paying the coordinator's NIC and
// a handler thread; done(code) runs back at b. A coordinator that cannot
// be reached or has moved is asked again after 100ms;
// CONCURRENT_TRANSACTIONS after 20ms.
func (tc *txnCoords) leaderAdd(b *broker, id string, pid int64, epoch int16, refs []txnPartRef, done func(code int8)) {
	w := tc.w
	retry := func(d sim.Time) {
		w.s.After(d, func() {
			if w.reach(b) == reachOK {
				tc.leaderAdd(b, id, pid, epoch, refs, done)
			}
		})
	}
	c := tc.coordinator(id)
	if c == nil {
		retry(txnRetryBackoff)
		return
	}
	bytes := int64(32 + 8*len(refs))
	w.net.Send(tc.brokerLink(b, c), func(uint64) {
		if w.reach(c) != reachOK {
			retry(txnRetryBackoff)
			return
		}
		w.use(c.NICIn, float64(64+bytes), func(uint64) {
			w.useTime(c.CPU, c.CPUCost(bytes), func(uint64) {
				if !tc.isCoordinator(c, id) {
					retry(txnRetryBackoff)
					return
				}
				tc.addPartitions(id, pid, epoch, refs, func(code int8) {
					w.use(c.NICOut, 64, func(uint64) {
						w.net.Send(tc.brokerLink(c, b), func(uint64) {
							switch code {
							case txnConcurrent:
								retry(txnConcurrentBackoff)
							case txnNotCoordinator:
								retry(txnRetryBackoff)
							default:
								done(code)
							}
						}, 0)
					}, 0)
				})
			}, 0)
		}, 0)
	}, 0)
}

// brokerLink is the link from broker a to broker b (inter-broker
// requests), created at first use.
func (tc *txnCoords) brokerLink(a, b *broker) *net.Link {
	n := len(tc.w.brokers)
	if tc.links == nil {
		tc.links = make([]net.Link, n*n)
	}
	l := &tc.links[a.id*n+b.id]
	if l.From == 0 {
		l.From, l.To = a.node, b.node
	}
	return l
}

// verify is the leader's check of a plain transactional producer's
// produce request r (transaction.version 2): it reports true, holding
// the request, when a partition of r's transactional batches has no
// transaction of the batch's epoch yet, and handles r again once the
// coordinator has answered for all of them.
func (t *plainTxn) verify(r *produceReq, id uint64) bool {
	if !t.tv2 {
		return false
	}
	p := t.p
	w := p.w
	var refs []txnPartRef
	var epoch int16
	for _, bid := range r.batches {
		pb := p.batches[bid]
		part := p.t.parts[pb.part]
		if part.leader.b != r.c.b {
			continue // refused as NOT_LEADER_OR_FOLLOWER when handled
		}
		b := commitlog.Batch(pb.data)
		epoch = b.ProducerEpoch()
		if t.verified[pb.part] == int32(epoch) || t.refused[pb.part] == int32(epoch) {
			continue
		}
		if st, ok := part.leader.log.ProducerState(p.pid); ok && st.Epoch == epoch && st.TxnFirstOffset >= 0 {
			continue
		}
		refs = append(refs, txnPartRef{topic: int32(p.t.idx), part: pb.part})
	}
	if len(refs) == 0 {
		return false
	}
	use := r.use
	w.txn.leaderAdd(r.c.b, t.id, p.pid, epoch, refs, func(code int8) {
		for _, ref := range refs {
			if code == txnOK {
				t.verified[ref.part] = int32(epoch)
			} else {
				t.refused[ref.part] = int32(epoch)
			}
		}
		if r.use == use {
			w.prHandle(id)
		}
	})
	return true
}

// refusedWrite reports whether the coordinator refused the transaction
// of batch b's epoch on its partition (the producer was fenced): the
// leader answers INVALID_PRODUCER_EPOCH. (A batch that overtook its
// epoch's first one is refused by the log itself: after a COMMIT marker
// carried the next epoch, sequences must start at 0.)
func (t *plainTxn) refusedWrite(b *pbatch) bool {
	if !t.tv2 {
		return false
	}
	bb := commitlog.Batch(b.data)
	return t.refused[b.part] == int32(bb.ProducerEpoch())
}
