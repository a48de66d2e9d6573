package pulsar

import (
	"container/heap"
	"slices"

	"mqsim/sim"
)

// shared dispatchers hand each consumer up to this many messages in a row
// (dispatcherMaxRoundRobinBatchSize).
const roundRobinBatch = 20

// dispatch reads what the subscription's consumers can take — messages to
// redeliver first, then new ones — from the broker's cache, the bookies or
// the object store, and hands each to a consumer by the subscription's
// type. One read is in flight at a time.
func (c *cursor) dispatch() {
	p := c.p
	w := p.w
	sb := c.sub
	if !sb.started || c.reading || !p.ready || p.owner == nil || !p.owner.up {
		return
	}
	if sb.unacked >= w.pc.MaxUnackedPerSubscription {
		return
	}
	permits := sb.permits(c)
	if permits == 0 {
		return
	}
	perEntry := int64(1)
	if p.entries > 0 {
		perEntry = max(1, int64(len(p.pos))/p.entries)
	}
	limit := min(int64(permits), int64(w.pc.DispatchBatch)*perEntry)
	var batch []int64
	for len(c.replay) > 0 && int64(len(batch)) < limit {
		pos := heap.Pop(&c.replay).(int64)
		delete(c.inReplay, pos)
		if !c.isAcked(pos) && c.out[pos] == nil && !p.gone(pos) {
			batch = append(batch, pos)
		}
	}
	if !(sb.keyShared && c.heldN >= int64(w.pc.KeySharedLookahead*max(1, sb.connected()))) {
		for end := int64(len(p.pos)); c.readPos < end && int64(len(batch)) < limit; c.readPos++ {
			if !c.isAcked(c.readPos) && c.out[c.readPos] == nil && !c.inReplay[c.readPos] && !p.gone(c.readPos) {
				batch = append(batch, c.readPos)
			}
		}
	}
	if len(batch) == 0 {
		return
	}
	c.reading = true
	owner, epoch := p.owner, p.epoch
	done := func() {
		c.reading = false
		if p.owner != owner || p.epoch != epoch || !owner.up {
			return
		}
		// Nothing taken: wait for an ack, a flow or a new consumer
		// rather than read the same messages again.
		if c.deliver(batch) > 0 {
			c.dispatch()
		}
	}
	c.read(batch, done)
}

// read charges reading the batch: nothing for entries still in the
// broker's cache (younger than CacheEviction and written since the owner
// loaded the topic), the first byte and the bandwidth of the object store
// for offloaded ledgers, a disk read on a bookie holding the entry
// otherwise. With no live bookie holding an entry the read waits.
func (c *cursor) read(batch []int64, done func()) {
	p := c.p
	w := p.w
	now := w.s.Now()
	var tierBytes, bkBytes, cached int64
	var bk *bookie
	var tier, fromBk int64
	for _, pos := range batch {
		mp := p.pos[pos]
		size := w.msgs[mp.mid].size
		switch {
		case now-mp.at < sim.Time(w.pc.CacheEviction) && mp.at >= p.loadedAt:
			cached++
		case mp.l.offloaded:
			tierBytes += size
			tier++
		default:
			if bk == nil {
				for _, b := range mp.l.writeSet(mp.entry) {
					if b.has(mp.l.id, mp.entry) {
						bk = b
						break
					}
				}
				if bk == nil {
					// Nobody holds it now: requeue and try again later.
					for _, q := range batch {
						if !c.inReplay[q] {
							c.inReplay[q] = true
							heap.Push(&c.replay, q)
						}
					}
					w.s.After(sim.Second, func() { c.reading = false; c.dispatch() })
					return
				}
				if _, err := bk.read(mp.l.id, mp.entry); err != nil {
					w.fail(err)
					return
				}
			}
			bkBytes += size
			fromBk++
		}
	}
	w.res.CacheReads += cached
	w.res.TieredReads += tier
	w.res.BookieReads += fromBk
	w.secTiered += tier
	w.secBookie += fromBk
	var d sim.Time
	if tier > 0 {
		d += sim.Time(w.pc.ObjectStoreLatency) + sim.Seconds(float64(tierBytes)/float64(w.pc.ObjectStoreBandwidth))
	}
	if fromBk == 0 {
		if d == 0 {
			done()
			return
		}
		w.s.After(d, done)
		return
	}
	rtt := 2 * w.net.Latency
	bk.DiskR.Submit(float64(bkBytes), 0, func(sim.Job) {
		w.s.After(rtt+d, done)
	})
}

// deliver hands each message of a read to a consumer; what none may take
// now waits in the replay set (Key_Shared: held for a joined consumer).
func (c *cursor) deliver(batch []int64) (sent int) {
	p := c.p
	w := p.w
	sb := c.sub
	for _, pos := range batch {
		if c.isAcked(pos) || c.out[pos] != nil {
			continue
		}
		m := &w.msgs[p.pos[pos].mid]
		cons := sb.pick(c, m.key)
		if cons != nil && sb.keyShared {
			if at, ok := c.joined[cons]; ok && pos >= at {
				c.held(cons, pos)
				continue
			}
		}
		if cons == nil || !cons.canTake(c) {
			if !c.inReplay[pos] {
				c.inReplay[pos] = true
				heap.Push(&c.replay, pos)
			}
			continue
		}
		cons.send(c, pos)
		sent++
	}
	return sent
}

// held keeps a message back for a joined Key_Shared consumer.
func (c *cursor) held(cons *consumer, pos int64) {
	if c.heldFor == nil {
		c.heldFor = map[*consumer][]int64{}
	}
	c.heldFor[cons] = append(c.heldFor[cons], pos)
	c.heldN++
	w := c.p.w
	w.res.MaxKeySharedHeld = max(w.res.MaxKeySharedHeld, c.heldN)
}

// unhold releases what was held for a consumer (it may now receive, or it
// left) into the replay set.
func (c *cursor) unhold(cons *consumer) {
	list := c.heldFor[cons]
	if len(list) == 0 {
		return
	}
	delete(c.heldFor, cons)
	c.heldN -= int64(len(list))
	for _, pos := range list {
		if !c.inReplay[pos] && !c.isAcked(pos) {
			c.inReplay[pos] = true
			heap.Push(&c.replay, pos)
		}
	}
}

// pick chooses the consumer for a message by the subscription type.
func (sb *subscription) pick(c *cursor, key int64) *consumer {
	w := sb.w
	switch sb.spec.Type {
	case "exclusive":
		if x := sb.cons[0]; x.on(c) {
			return x
		}
		return nil
	case "failover":
		var live []*consumer
		for _, x := range sb.cons {
			if x.on(c) {
				live = append(live, x)
			}
		}
		if len(live) == 0 {
			c.active = nil
			return nil
		}
		want := live[c.p.num%len(live)]
		if c.active != want {
			// A new active consumer: the dispatcher waits FailoverDelay and
			// rewinds, so the previous one's unacknowledged messages go to
			// the new one.
			if prev := c.active; prev != nil {
				c.activeSince = w.s.Now() + sim.Time(sb.spec.FailoverDelay)
				var back []int64
				for pos, x := range c.out {
					if x == prev {
						back = append(back, pos)
					}
				}
				c.pushBack(back)
			}
			c.active = want
			c.failoverWake()
		}
		if w.s.Now() < c.activeSince {
			return nil
		}
		return want
	case "shared":
		n := len(sb.cons)
		for range n + 1 {
			x := sb.cons[c.rrNext%n]
			if x.on(c) && x.canTake(c) && c.rrCount < roundRobinBatch {
				c.rrCount++
				return x
			}
			c.rrNext++
			c.rrCount = 0
		}
		return nil
	case "key_shared":
		h := int(keyHash(max(key, 0)) % uint32(sb.rangeSize))
		for _, r := range sb.ranges {
			if h >= r.from && h < r.to {
				if r.c.on(c) {
					return r.c
				}
				return nil
			}
		}
	}
	return nil
}

// failoverWake re-dispatches once a failover standby may take over.
func (c *cursor) failoverWake() {
	if c.active != nil && c.activeSince > c.p.w.s.Now() {
		c.p.w.s.At(c.activeSince, c.dispatch)
	}
}

// krange is a Key_Shared hash range [from, to) and its consumer.
type krange struct {
	from, to int
	c        *consumer
}

// join gives a Key_Shared consumer half of the largest range (auto
// split), or the whole range to the first.
func (sb *subscription) join(cons *consumer) {
	if len(sb.ranges) == 0 {
		sb.ranges = []krange{{0, sb.rangeSize, cons}}
		return
	}
	big := 0
	for i, r := range sb.ranges {
		if r.to-r.from > sb.ranges[big].to-sb.ranges[big].from {
			big = i
		}
	}
	r := sb.ranges[big]
	mid := (r.from + r.to) / 2
	sb.ranges[big].to = mid
	sb.ranges = slices.Insert(sb.ranges, big+1, krange{mid, r.to, cons})
}

// leave merges a Key_Shared consumer's ranges into their neighbours.
func (sb *subscription) leave(cons *consumer) {
	for i := 0; i < len(sb.ranges); i++ {
		if sb.ranges[i].c != cons {
			continue
		}
		switch {
		case len(sb.ranges) == 1:
			sb.ranges = nil
			return
		case i > 0:
			sb.ranges[i-1].to = sb.ranges[i].to
		default:
			sb.ranges[i+1].from = sb.ranges[i].from
		}
		sb.ranges = slices.Delete(sb.ranges, i, i+1)
		i--
	}
}
