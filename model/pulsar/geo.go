package pulsar

import (
	"fmt"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/load"
	"mqsim/model/net"
	"mqsim/sim"
)

// replBatch is the most messages a replicator sends in one request.
const replBatch = 500

// replicator is geo-replication of one partition to another region: a
// durable cursor in the source region reading the messages published
// there (not those replicated in) and publishing them, in order, one
// request in flight, to the same partition in the remote region over the
// WAN. A request not answered in time is sent again (the remote copy may
// then hold it twice).
type replicator struct {
	w        *world
	from, to *partition
	wan      *sim.RateServer
	next     int64 // positions of from below are replicated
	inflight bool
	gen      int
	bb       commitlog.BatchBuilder
	key      []byte
	prefix   []byte
}

// connectRegions joins the regions: WAN latency between every pair of
// brokers in different regions, a WAN link of WANBandwidth each way
// between two regions, and a replicator per partition and remote region.
func (w *world) connectRegions() error {
	if len(w.regions) < 2 {
		return nil
	}
	d := sim.Time(w.pc.WANLatency)
	for _, a := range w.brokers {
		for _, b := range w.brokers {
			if a.reg != b.reg {
				w.net.SetDelay(a.node, b.node, d)
			}
		}
	}
	for _, a := range w.regions {
		for _, b := range w.regions {
			if a == b {
				continue
			}
			wan, err := sim.NewRateServer(w.s, sim.RateServerConfig{Name: fmt.Sprintf("wan/%s-%s", a.name, b.name), Servers: 1, Rate: float64(w.pc.WANBandwidth)})
			if err != nil {
				return err
			}
			for i, p := range a.parts {
				r := &replicator{w: w, from: p, to: b.parts[i], wan: wan}
				p.repls = append(p.repls, r)
				w.repls = append(w.repls, r)
			}
		}
	}
	return nil
}

// kick sends the next request if none is in flight.
func (r *replicator) kick() {
	w := r.w
	from := r.from
	if r.inflight || !from.ready || from.owner == nil || !from.owner.up {
		return
	}
	var mids []int32
	end := r.next
	for end < int64(len(from.pos)) && len(mids) < replBatch {
		mid := from.pos[end].mid
		if int(w.msgs[mid].region) == from.reg.idx {
			mids = append(mids, mid)
		}
		end++
	}
	if len(mids) == 0 {
		r.next = end
		return
	}
	r.bb.Reset(commitlog.BatchHeader{SizedValues: true})
	for _, mid := range mids {
		m := &w.msgs[mid]
		var key []byte
		if m.key >= 0 {
			r.key = load.KeyBytes(r.key, m.key)
			key = r.key
		}
		r.prefix = check.AppendID(r.prefix[:0], int(m.prod), m.seq, m.born)
		r.bb.AddSized(int64(m.born/sim.Millisecond), key, r.prefix, max(m.size, int64(len(r.prefix))), nil)
	}
	b, err := r.bb.Build()
	if err != nil {
		w.fail(fmt.Errorf("replicator %s: %w", from.name, err))
		return
	}
	r.inflight = true
	r.gen++
	gen := r.gen
	op := &addOp{data: append(commitlog.Batch(nil), b...), bytes: b.Size(), mids: mids, repl: r, replEnd: end,
		replGen: gen, created: from.pos[r.next].at}
	src := from.owner
	src.NICOut.Submit(float64(op.bytes), 0, func(sim.Job) {
		r.wan.Submit(float64(op.bytes), 0, func(sim.Job) {
			dst := r.to.owner
			if dst == nil || !src.up {
				return
			}
			w.net.Send(&net.Link{From: src.node, To: dst.node}, func(uint64) {
				if dst.up && r.to.owner == dst && r.to.ready {
					r.to.append(op)
				}
			}, 0)
		})
	})
	w.s.After(5*sim.Second+2*sim.Time(w.pc.WANLatency), func() {
		if r.gen == gen && r.inflight {
			r.inflight = false
			r.kick()
		}
	})
}

// replicated is the remote region's receipt for a request.
func (r *replicator) replicated(op *addOp) {
	w := r.w
	dst, src := r.to.owner, r.from.owner
	w.net.Send(&net.Link{From: dst.node, To: src.node}, func(uint64) {
		if op.replGen != r.gen || !r.inflight {
			return
		}
		r.inflight = false
		r.next = op.replEnd
		w.res.MaxReplicationLag = max(w.res.MaxReplicationLag, (w.s.Now() - op.created).Seconds())
		r.kick()
	}, 0)
}

// unreplicated counts the acknowledged messages of the source region the
// remote region's copy of the partition does not hold.
func (r *replicator) unreplicated() int64 {
	w := r.w
	have := check.NewLedger()
	for _, mp := range r.to.pos {
		m := &w.msgs[mp.mid]
		have.Set(int(m.prod), 0, m.seq)
	}
	var n int64
	for _, mp := range r.from.pos {
		m := &w.msgs[mp.mid]
		if int(m.region) == r.from.reg.idx && w.chk.Acked().Test(int(m.prod), 0, m.seq) && !have.Test(int(m.prod), 0, m.seq) {
			n++
		}
	}
	return n
}

// regionOutage takes a region's brokers and bookies down (their machines)
// and, with a duration, brings them back.
func (w *world) regionOutage(reg *region, d sim.Time) {
	reg.dark = true
	for _, b := range reg.brokers {
		b.crash(true)
	}
	for _, bk := range reg.bookies {
		if bk.up {
			bk.crash(true)
		}
	}
	if d > 0 {
		w.s.After(d, func() {
			reg.dark = false
			for _, bk := range reg.bookies {
				bk.restart()
			}
			for _, b := range reg.brokers {
				b.restart()
			}
		})
	}
}
