package rabbitmq

import (
	"fmt"
	"math/rand/v2"

	"mqsim/model/load"
	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// wal is a node's write-ahead log, shared by every quorum-queue member on
// it: a write goes to the page cache and waits for an fsync of the WAL
// file; writes that arrive while one fsync runs go together in the next
// (group commit). The fsync costs the disk the dirty bytes (and a seek if
// the disk last served another file) plus the disk's fsync latency.
type wal struct {
	n    *rnode
	file int32 // the WAL's file in its node's page cache
}

func (wl *wal) write(mb *member, upto, bytes int64) {
	n := wl.n
	n.walWrites++
	n.Cache.Write(wl.file, bytes, upto)
	life := n.epoch
	n.Cache.Fsync(wl.file, 0, func(uint64) {
		if n.epoch == life {
			mb.r.durableAt(mb, upto)
		}
	})
}

// addMemory changes the bytes a queue holds on its node and raises or
// clears the memory alarm.
func (q *queue) addMemory(d int64) {
	q.mem += d
	// The bodies are on disk too: on every quorum member's node (acked
	// messages are removed), on a classic queue's node.
	if q.r != nil {
		for _, mb := range q.r.members {
			mb.n.disk += d
		}
	} else if q.home != nil {
		q.home.disk += d
	}
	if q.home != nil {
		q.home.memory += d
	}
	q.w.checkAlarm()
}

// setHome moves a quorum queue to its new leader's node, with its memory.
func (q *queue) setHome(n *rnode) {
	q.home = n
	n.memory += q.mem
	q.w.checkAlarm()
	if q.dlxALO {
		q.w.s.After(0, q.dlxPump) // its dead-letter worker starts beside the new leader
	}
}

// checkAlarm sets the cluster-wide memory alarm while any node holds more
// than memory_high_watermark of its RAM, and the disk alarm while any
// node's free disk is below disk_free_limit: either blocks every
// publisher.
func (w *world) checkAlarm() {
	limit := int64(float64(w.rc.Memory) * float64(w.rc.MemoryHighWatermark))
	diskLimit := int64(w.rc.Disk) - int64(w.rc.DiskFreeLimit)
	mem, disk := false, false
	for _, n := range w.nodes {
		w.res.MaxMemory = max(w.res.MaxMemory, n.memory)
		mem = mem || n.memory > limit
		disk = disk || (w.rc.Disk > 0 && n.disk > diskLimit)
	}
	now := w.s.Now()
	if mem != w.memAlarm {
		w.memAlarm = mem
		if mem {
			w.alarmSince = now
		} else {
			w.res.AlarmSeconds += (now - w.alarmSince).Seconds()
		}
	}
	if disk != w.diskAlarm {
		w.diskAlarm = disk
		if disk {
			w.diskSince = now
		} else {
			w.res.DiskAlarmSeconds += (now - w.diskSince).Seconds()
		}
	}
	on := mem || disk
	if on == w.alarm {
		return
	}
	w.alarm = on
	if on {
		return
	}
	for _, p := range w.pubs {
		p.pump()
	}
}

// publisher is one producer instance on one connection and channel, in
// confirm mode.
type publisher struct {
	w      *world
	idx    int
	name   string
	spec   *scenarios.Producer
	rs     scenarios.RabbitPublisher
	ex     *exchange
	n      *rnode // the node its connection is on
	arr    load.Arrivals
	keys   *load.KeyGen
	rng    *rand.Rand
	ids    []int32 // message id by sequence
	credit int
	taken  int

	unconfirmed int
	open        map[int32]bool // published, no outcome yet
	backlog     []int32
	head        int
	up, down    net.Link
	life        int  // connection generation
	stale       bool // its node's machine died and it has not noticed (heartbeat)

	blocked, inFlow       bool
	blockedAt, flowAt     sim.Time
	produced, acked, fail int64
	indeterminate         int64
	ackHist               *sim.Histogram
	bytesAcked            int64
}

func (w *world) newPublishers() error {
	byProducer := map[string]scenarios.RabbitPublisher{}
	for _, rp := range w.rc.Publishers {
		byProducer[rp.Producer] = rp
	}
	for pi := range w.sc.Producers {
		ps := &w.sc.Producers[pi]
		arr, err := scenarios.ParseArrival(ps.Arrival)
		if err != nil {
			return fmt.Errorf("producer %s: %w", ps.Name, err)
		}
		keys, err := scenarios.ParseKeys(ps.Keys)
		if err != nil {
			return fmt.Errorf("producer %s: %w", ps.Name, err)
		}
		if ps.MessageSize.Dist == nil {
			return fmt.Errorf("producer %s: no message size", ps.Name)
		}
		ex := w.exchanges[ps.Topic]
		if ex == nil {
			return fmt.Errorf("producer %s: unknown topic %q", ps.Name, ps.Topic)
		}
		inst := max(ps.Instances, 1)
		rate := float64(ps.Rate) / float64(inst)
		for i := range inst {
			idx := len(w.pubs)
			name := fmt.Sprintf("%s-%d", ps.Name, i)
			p := &publisher{w: w, idx: idx, name: name, spec: ps, rs: byProducer[ps.Name], ex: ex,
				n:    w.nodes[idx%len(w.nodes)],
				arr:  load.Arrivals{A: arr, Rate: rate, Rng: w.s.Stream("producer/" + name + "/arrivals")},
				keys: load.NewKeyGen(keys, w.s.Stream("producer/"+name+"/keys")),
				rng:  w.s.Stream("producer/" + name), credit: w.rc.CreditInitial,
				open: map[int32]bool{}, ackHist: sim.NewLatencyHistogram()}
			if p.rs.DefaultExchange {
				p.ex = w.defaultEx
			}
			w.pubs = append(w.pubs, p)
		}
	}
	return nil
}

func (p *publisher) start() {
	if p.arr.Rate > 0 {
		p.w.s.AtCall(p.arr.Next(0), p.arrive, 0)
	}
}

// arrive is the application handing the client one message.
func (p *publisher) arrive(uint64) {
	w := p.w
	now := w.s.Now()
	if now >= w.end {
		return
	}
	w.s.AtCall(p.arr.Next(now), p.arrive, 0)
	m := msg{prod: int32(p.idx), seq: int32(len(p.ids)), born: now,
		size: load.Size(p.spec.MessageSize.Dist, p.rng), key: p.keys.Next()}
	if n := len(p.rs.RoutingKeys); n > 0 {
		m.rk = p.rs.RoutingKeys[pick(m.key, n)]
	}
	if n := len(p.rs.Headers); n > 0 {
		m.hdr = p.rs.Headers[pick(m.key, n)]
	}
	if n := len(p.rs.Expirations); n > 0 {
		m.ttl = sim.Time(p.rs.Expirations[pick(m.key, n)])
	}
	m.prio = -1
	if n := len(p.rs.Priorities); n > 0 {
		m.prio = int16(p.rs.Priorities[pick(m.key, n)])
	}
	mid := int32(len(w.msgs))
	w.msgs = append(w.msgs, m)
	p.ids = append(p.ids, mid)
	p.produced++
	p.backlog = append(p.backlog, mid)
	p.pump()
}

// pick maps a key id to one of n choices (a null key: the first).
func pick(key int64, n int) int {
	if key < 0 {
		return 0
	}
	return int(key % int64(n))
}

// pump sends waiting messages while nothing holds the publisher back: a
// memory alarm (connection.blocked), no credit (flow), the unconfirmed
// limit, or a lost connection.
func (p *publisher) pump() {
	w := p.w
	now := w.s.Now()
	if p.blocked && !w.alarm {
		p.blocked = false
		w.res.PublisherBlockedSeconds += (now - p.blockedAt).Seconds()
	}
	if p.inFlow && p.credit > 0 {
		p.inFlow = false
		w.res.FlowSeconds += (now - p.flowAt).Seconds()
	}
	for p.head < len(p.backlog) {
		switch {
		case !p.n.up && !p.stale:
			return
		case w.alarm:
			if !p.blocked {
				p.blocked, p.blockedAt = true, now
			}
			return
		case p.credit <= 0:
			if !p.inFlow {
				p.inFlow, p.flowAt = true, now
			}
			return
		case p.rs.MaxUnconfirmed > 0 && p.unconfirmed >= p.rs.MaxUnconfirmed:
			return
		}
		mid := p.backlog[p.head]
		p.head++
		if p.head > 1024 && p.head*2 > len(p.backlog) {
			p.backlog = append(p.backlog[:0], p.backlog[p.head:]...)
			p.head = 0
		}
		p.credit--
		p.unconfirmed++
		p.open[mid] = true
		n, life := p.n, p.life
		w.net.Send(&p.up, func(uint64) {
			if life == p.life && n.up {
				n.receive(p, mid)
			}
		}, 0)
	}
}

// took is the queue granting credit back: every credit_more messages it
// has taken from this publisher.
func (p *publisher) took() {
	p.taken++
	if p.taken < p.w.rc.CreditMore {
		return
	}
	p.taken -= p.w.rc.CreditMore
	p.w.net.Send(&p.down, func(uint64) {
		p.credit += p.w.rc.CreditMore
		p.pump()
	}, 0)
}

// receive is the node's reader and channel: the message crosses the NIC,
// the exchange routes it, and each target queue gets it.
func (n *rnode) receive(p *publisher, mid int32) {
	w := n.w
	m := &w.msgs[mid]
	life := n.epoch
	n.NICIn.Submit(float64(m.size), 0, func(sim.Job) {
		if n.epoch != life {
			return
		}
		w.bytesIn += m.size
		targets := p.ex.route(nil, m.rk, m.hdr)
		if len(targets) == 0 {
			p.took()
			if p.rs.Mandatory {
				w.res.Returned++
				m.nacked = true
			} else {
				w.res.Unroutable++
			}
			p.outcome(mid)
			return
		}
		m.pending = int32(len(targets))
		for i, q := range targets {
			q.publish(n, mid, i == 0)
		}
	})
}

// accepted: queue q has the message (on disk, or committed by a
// majority); once every target has, the publisher gets its confirm.
func (w *world) accepted(q *queue, mid int32) {
	m := &w.msgs[mid]
	m.pending--
	if m.pending == 0 {
		w.confirm(q, mid)
	}
}

// refuse: queue q refused the message (reject-publish, queue down): the
// publisher gets a nack once every target has answered.
func (w *world) refuse(q *queue, mid int32) {
	m := &w.msgs[mid]
	m.nacked = true
	m.pending--
	if m.pending == 0 {
		w.confirm(q, mid)
	}
}

func (w *world) confirm(q *queue, mid int32) {
	p := w.pubs[w.msgs[mid].prod]
	life := p.life
	from := q.home
	if from == nil {
		from = p.n
	}
	w.net.Send(&p.down, func(uint64) {
		if life == p.life {
			p.outcome(mid)
		}
	}, 0)
}

// outcome is the publisher learning what became of a message.
func (p *publisher) outcome(mid int32) {
	if !p.open[mid] {
		return
	}
	delete(p.open, mid)
	w := p.w
	m := &w.msgs[mid]
	p.unconfirmed--
	if m.nacked {
		p.fail++
	} else {
		p.acked++
		p.bytesAcked += m.size
		w.chk.Ack(int(m.prod), 0, m.seq, 1)
		if m.born >= w.warm {
			d := w.s.Now() - m.born
			p.ackHist.Record(int64(d))
			w.ack.Record(int64(d))
		}
	}
	if w.ch != nil {
		w.ch.outcome(mid, !m.nacked)
	}
	p.pump()
}

// connLost: the publisher's connection died with its node. Unconfirmed
// messages stay unknown to it (indeterminate); it reconnects to the next
// live node after a second and goes on with its backlog.
func (p *publisher) connLost() {
	p.life++
	p.stale = false
	p.indeterminate += int64(len(p.open))
	if p.w.ch != nil {
		p.w.ch.lost(p)
	}
	p.unconfirmed = 0
	clear(p.open)
	p.credit = p.w.rc.CreditInitial
	p.taken = 0
	p.w.s.After(sim.Second, p.reconnect)
}

func (p *publisher) reconnect() {
	for i := range p.w.nodes {
		n := p.w.nodes[(p.n.id+1+i)%len(p.w.nodes)]
		if n.up {
			p.n = n
			p.pump()
			return
		}
	}
	p.w.s.After(sim.Second, p.reconnect)
}
