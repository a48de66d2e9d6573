package kafka

import (
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// txnConn is a transactional client's side of the coordinator protocol,
// shared by a pipeline stage's producer (txn_client.go) and a plain
// producer with a transactional_id (txn_producer.go):
//
//	FindCoordinator → InitProducerId (a new epoch)
//	AddPartitionsToTxn (batched) … EndTxn(commit or abort)
//
// Every step is a request through the network to the broker that serves
// it, paying its NIC and a handler thread; an answer that does not come
// within the request timeout, or a refused connection, makes the client
// find its coordinator again and retry. CONCURRENT_TRANSACTIONS is
// retried after 20ms (Kafka's producer retries AddPartitions that fast).
type txnConn struct {
	w          *world
	id         string // transactional.id
	slot       int    // FindCoordinator asks broker (slot+tries) % brokers
	timeout    sim.Time
	reqTimeout sim.Time
	isLive     func() bool
	// onInit runs when InitProducerId gives a new epoch, before the
	// callers waiting for it.
	onInit func()

	pid            int64
	epoch          int16
	ready, initing bool
	awaitInit      []func()

	coord    *broker
	finding  bool
	findTry  int
	awaiting []func()

	up, down []net.Link // per broker
}

func (c *txnConn) setup(w *world, node net.NodeID) {
	c.w = w
	c.up, c.down = make([]net.Link, len(w.brokers)), make([]net.Link, len(w.brokers))
	if node != 0 {
		for i, b := range w.brokers {
			c.up[i] = net.Link{From: node, To: b.node}
			c.down[i] = net.Link{From: b.node, To: node}
		}
	}
}

// live reports whether the client's process still runs.
func (c *txnConn) live() bool { return c.isLive() }

// call sends a request of bytes to broker b: serve runs there after its
// NIC and a handler thread and answers with answer(fn), fn running back at
// the client. If b does not serve it (dead, cut off, or serve refuses),
// failed runs at the client once it learns so: a refusal within a round
// trip, silence at the request timeout.
func (c *txnConn) call(b *broker, bytes int64, serve func(answer func(fn func())) bool, failed func()) {
	w := c.w
	done := false
	fail := func() {
		if !done && c.live() {
			done = true
			failed()
		}
	}
	w.s.After(c.reqTimeout, fail)
	w.net.Send(&c.up[b.id], func(uint64) {
		switch w.reach(b) {
		case reachSilent:
			return
		case reachRefused:
			w.net.Send(&c.down[b.id], func(uint64) { fail() }, 0)
			return
		}
		w.use(b.NICIn, float64(64+bytes), func(uint64) {
			w.useTime(b.CPU, b.CPUCost(bytes), func(uint64) {
				if w.reach(b) != reachOK {
					return
				}
				ok := serve(func(fn func()) {
					w.use(b.NICOut, 64, func(uint64) {
						w.net.Send(&c.down[b.id], func(uint64) {
							if !done && c.live() {
								done = true
								fn()
							}
						}, 0)
					}, 0)
				})
				if !ok {
					w.net.Send(&c.down[b.id], func(uint64) { fail() }, 0)
				}
			}, 0)
		}, 0)
	}, 0)
}

// withCoord runs fn once the client knows its coordinator.
func (c *txnConn) withCoord(fn func()) {
	if c.coord != nil {
		fn()
		return
	}
	c.awaiting = append(c.awaiting, fn)
	if c.finding {
		return
	}
	c.finding = true
	w := c.w
	tc := w.txn
	b := w.brokers[(c.slot+c.findTry)%len(w.brokers)]
	tc.clientRequests++
	c.call(b, 32, func(answer func(func())) bool {
		co := tc.coordinator(c.id)
		answer(func() { c.found(co) })
		return true
	}, func() {
		c.findTry++
		c.found(nil)
	})
}

func (c *txnConn) found(b *broker) {
	c.finding = false
	if b == nil {
		c.w.s.After(sim.Time(scenarios.DefaultConsumerRetryBackoff), func() {
			if c.live() && c.coord == nil && len(c.awaiting) > 0 {
				list := c.awaiting
				c.awaiting = nil
				for _, fn := range list {
					c.withCoord(fn)
				}
			}
		})
		return
	}
	c.coord = b
	list := c.awaiting
	c.awaiting = nil
	for _, fn := range list {
		fn()
	}
}

// coordCall sends a request to the transaction coordinator; serve runs
// there once the coordinator is known to be it (NOT_COORDINATOR, a refused
// or silent broker: the client finds it again and retries).
func (c *txnConn) coordCall(bytes int64, serve func(answer func(fn func()))) {
	c.withCoord(func() {
		b := c.coord
		tc := c.w.txn
		tc.clientRequests++
		c.call(b, bytes, func(answer func(func())) bool {
			if !tc.isCoordinator(b, c.id) {
				return false
			}
			serve(answer)
			return true
		}, func() {
			if c.coord == b {
				c.coord = nil
			}
			c.coordCall(bytes, serve)
		})
	})
}

// retryLater runs fn after d if the process still runs.
func (c *txnConn) retryLater(d sim.Time, fn func()) {
	c.w.s.After(d, func() {
		if c.live() {
			fn()
		}
	})
}

// init is InitProducerId; then runs once the client has its epoch.
func (c *txnConn) init(then func()) {
	if c.ready {
		then()
		return
	}
	c.awaitInit = append(c.awaitInit, then)
	if c.initing {
		return
	}
	c.initing = true
	tc := c.w.txn
	var try func()
	try = func() {
		c.coordCall(64, func(answer func(func())) {
			tc.initProducerID(c.id, c.timeout, func(code int8, pid int64, epoch int16) {
				answer(func() {
					switch code {
					case txnOK:
						c.pid, c.epoch, c.ready, c.initing = pid, epoch, true, false
						if c.onInit != nil {
							c.onInit()
						}
						list := c.awaitInit
						c.awaitInit = nil
						for _, fn := range list {
							fn()
						}
					case txnConcurrent:
						c.retryLater(txnConcurrentBackoff, try)
					default:
						c.coord = nil
						c.retryLater(sim.Time(scenarios.DefaultConsumerRetryBackoff), try)
					}
				})
			})
		})
	}
	try()
}

// addPartitions is AddPartitionsToTxn (or AddOffsetsToTxn with a group's
// offsets partition), retried on CONCURRENT_TRANSACTIONS.
func (c *txnConn) addPartitions(refs []txnPartRef, done func(code int8)) {
	tc := c.w.txn
	pid, epoch := c.pid, c.epoch
	var try func()
	try = func() {
		c.coordCall(int64(32+8*len(refs)), func(answer func(func())) {
			tc.addPartitions(c.id, pid, epoch, refs, func(code int8) {
				answer(func() {
					switch code {
					case txnConcurrent:
						c.retryLater(txnConcurrentBackoff, try)
					case txnNotCoordinator:
						c.coord = nil
						c.retryLater(sim.Time(scenarios.DefaultConsumerRetryBackoff), try)
					default:
						done(code)
					}
				})
			})
		})
	}
	try()
}

// endTxn is EndTxn(commit or abort), retried while the coordinator moves.
// Under transaction.version 2 the answer carries the epoch the
// coordinator bumped to (newEpoch; otherwise the same).
func (c *txnConn) endTxn(commit bool, done func(code int8, newEpoch int16)) {
	tc := c.w.txn
	pid, epoch := c.pid, c.epoch
	var try func()
	try = func() {
		c.coordCall(48, func(answer func(func())) {
			tc.endTxn(c.id, pid, epoch, commit, func(code int8, newEpoch int16) {
				answer(func() {
					switch code {
					case txnNotCoordinator:
						c.coord = nil
						c.retryLater(sim.Time(scenarios.DefaultConsumerRetryBackoff), try)
					case txnConcurrent:
						c.retryLater(txnConcurrentBackoff, try)
					default:
						done(code, newEpoch)
					}
				})
			})
		})
	}
	try()
}
