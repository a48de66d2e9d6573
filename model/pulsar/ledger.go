package pulsar

import (
	"fmt"
	"slices"

	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/sim"
)

// fragment is a run of a ledger's entries written to one ensemble: from
// entry first until the next fragment's first.
type fragment struct {
	first int64
	ens   []*bookie
}

// ledger is a BookKeeper ledger as its writer (a broker) sees it: the
// ensemble's fragments, the next entry id, the last add confirmed (LAC)
// and the adds in flight. An entry is confirmed once AckQuorum bookies of
// its write set have journaled it, and confirmations are handed out in
// entry order.
type ledger struct {
	w      *world
	id     int64
	writer *broker
	life   int // the writer's epoch when it opened the ledger
	frags  []fragment
	next   int64
	lac    int64
	// pending adds, in entry order, not yet confirmed; unfull those
	// confirmed that some bookie of their write set has not answered yet
	// (a bookie silent past the add timeout is replaced all the same).
	pending []*addOp
	unfull  []*addOp
	closed  bool
	zombie  bool  // closed by a new owner's recovery, its old writer not told yet
	last    int64 // the last entry once closed (recovery may end it before entries a reader knew of)
	failed  bool
	created sim.Time
	bytes   int64
	entries int64
	// offloaded: the object store has a copy; onBookies: the bookies
	// still hold it (until the offload deletion lag passes).
	offloaded, offloading bool
	onBookies             bool
	firstPos              int64 // position of its first message in the partition (-1 while none)
	lastPos               int64 // position after its last confirmed message
	lastAt                sim.Time
	links                 map[int]*net.Link // writer → bookie
	back                  map[int]*net.Link // bookie → writer
	watchdog              bool
	onConfirm             func(*addOp)
	onFail                func()
}

// addOp is one entry being added.
type addOp struct {
	l      *ledger // the ledger it was last added to
	entry  int64
	held   bool // a backlog quota held it (counted once)
	gaveUp bool // the producer's send timeout failed it
	rated  bool // passed the publish-rate quota
	// Geo-replication: the replicator a replicated entry answers, the
	// source position after it and the request's generation.
	repl    *replicator
	replEnd int64
	replGen int
	cpuDone bool
	data    commitlog.Batch
	bytes   int64
	mids    []int32
	acks    []int // bookie ids that journaled it (in the current write set)
	quorum  bool
	sentAt  sim.Time
	lacSent int64 // the writer's last add confirmed when it sent this add (piggybacked)
	created sim.Time
	pc      *pconn // the producer connection it answers (data entries)
	// retry: a copy a consumer's client publishes to its subscription's
	// retry letter topic.
	retry    *retryMsg
	retrySub *subscription
	snap     *snapshot // the cursor state it persists (cursor entries)
}

// newLedger creates a ledger on E live bookies, starting at a rotating
// bookie so ledgers spread; nil when fewer than E bookies are up.
func (w *world) newLedger(writer *broker) *ledger {
	pc := w.pc
	var ens []*bookie
	bookies := writer.reg.bookies
	start := int(w.nextLedger % int64(len(bookies)))
	for i := range bookies {
		bk := bookies[(start+i)%len(bookies)]
		if bk.up && len(ens) < pc.Ensemble {
			ens = append(ens, bk)
		}
	}
	if len(ens) < pc.Ensemble {
		return nil
	}
	w.nextLedger++
	return &ledger{w: w, id: w.nextLedger, writer: writer, life: writer.epoch, frags: []fragment{{first: 0, ens: ens}},
		lac: -1, last: -1, created: w.s.Now(), onBookies: true, firstPos: -1, links: map[int]*net.Link{}, back: map[int]*net.Link{}}
}

// fragmentOf is the fragment holding entry e.
func (l *ledger) fragmentOf(e int64) *fragment {
	for i := len(l.frags) - 1; i > 0; i-- {
		if l.frags[i].first <= e {
			return &l.frags[i]
		}
	}
	return &l.frags[0]
}

// writeSet is the Qw bookies entry e goes to: striped round the ensemble
// starting at e mod E.
func (l *ledger) writeSet(e int64) []*bookie {
	return writeSet(l.fragmentOf(e).ens, l.w.pc.WriteQuorum, e)
}

// writeSet picks the qw bookies of ens that entry e is written to.
func writeSet(ens []*bookie, qw int, e int64) []*bookie {
	out := make([]*bookie, 0, qw)
	for k := range qw {
		out = append(out, ens[(int(e%int64(len(ens)))+k)%len(ens)])
	}
	return out
}

// usable: the writer can still add.
func (l *ledger) usable() bool {
	return (!l.closed || l.zombie) && !l.failed && l.writer.up && l.writer.epoch == l.life
}

// add appends an entry: it gets the next entry id and goes to its write
// set.
func (l *ledger) add(op *addOp) {
	op.l = l
	op.entry = l.next
	l.next++
	op.acks = op.acks[:0]
	op.quorum = false
	l.pending = append(l.pending, op)
	for _, bk := range l.writeSet(op.entry) {
		l.send(op, bk)
	}
	l.armWatchdog()
}

func (l *ledger) link(bk *bookie) (*net.Link, *net.Link) {
	if x := l.links[bk.id]; x != nil {
		return x, l.back[bk.id]
	}
	up := &net.Link{From: l.writer.node, To: bk.node}
	up.Undelivered = func(_ uint64, refused bool) {
		if refused && l.usable() {
			l.bookieFailed(bk)
		}
	}
	down := &net.Link{From: bk.node, To: l.writer.node}
	l.links[bk.id], l.back[bk.id] = up, down
	return up, down
}

// send writes an add to one bookie: the request crosses the network and
// the bookie's NIC, the bookie journals it (fsync) and answers.
func (l *ledger) send(op *addOp, bk *bookie) {
	w := l.w
	op.sentAt = w.s.Now()
	op.lacSent = l.lac
	up, down := l.link(bk)
	l.writer.NICOut.Submit(float64(op.bytes), 0, func(sim.Job) {})
	w.net.Send(up, func(uint64) {
		life := bk.epoch
		bk.NICIn.Submit(float64(op.bytes), 0, func(sim.Job) {
			if bk.epoch != life || !bk.up {
				return
			}
			ok, err := bk.add(l, op.entry, op.lacSent, op.data, op.bytes, false, func() {
				w.net.Send(down, func(uint64) { l.acked(op, bk) }, 0)
			})
			if err != nil {
				w.fail(err)
				return
			}
			if !ok { // fenced: another broker recovered the ledger
				w.net.Send(down, func(uint64) {
					if l.usable() {
						l.fail()
					}
				}, 0)
			}
		})
	}, 0)
}

// acked is a bookie's answer to an add.
func (l *ledger) acked(op *addOp, bk *bookie) {
	if !l.usable() {
		return
	}
	if !slices.Contains(l.writeSet(op.entry), bk) || slices.Contains(op.acks, bk.id) {
		return
	}
	op.acks = append(op.acks, bk.id)
	if op.quorum {
		if len(op.acks) >= l.w.pc.WriteQuorum {
			l.unfull = slices.DeleteFunc(l.unfull, func(x *addOp) bool { return x == op })
		}
		return
	}
	if len(op.acks) >= l.w.pc.AckQuorum {
		op.quorum = true
	}
	// Confirm in entry order.
	for len(l.pending) > 0 && l.pending[0].quorum {
		done := l.pending[0]
		l.pending = l.pending[1:]
		l.lac = max(l.lac, done.entry)
		if len(done.acks) < l.w.pc.WriteQuorum {
			l.unfull = append(l.unfull, done)
		}
		l.entries++
		l.bytes += done.bytes
		if l.onConfirm != nil {
			l.onConfirm(done)
		}
		if l.w.probe != nil {
			l.w.probe(atConfirm, l, done)
			if !l.usable() {
				return
			}
		}
	}
}

// bookieFailed replaces a failed bookie of the current ensemble with a
// live one outside it (an ensemble change: a new fragment from the first
// unconfirmed entry) and resends the pending adds it was to store. With no
// bookie to spare the ledger fails: the managed ledger closes it and opens
// another.
func (l *ledger) bookieFailed(bk *bookie) {
	cur := l.frags[len(l.frags)-1]
	i := slices.Index(cur.ens, bk)
	if i < 0 {
		return
	}
	var repl *bookie
	bookies := l.writer.reg.bookies
	for j := range bookies {
		c := bookies[(int(l.id)+j)%len(bookies)]
		if c.up && !slices.Contains(cur.ens, c) {
			repl = c
			break
		}
	}
	if repl == nil {
		l.fail()
		return
	}
	ens := slices.Clone(cur.ens)
	ens[i] = repl
	first := l.lac + 1
	if last := &l.frags[len(l.frags)-1]; last.first == first {
		last.ens = ens
	} else {
		l.frags = append(l.frags, fragment{first: first, ens: ens})
	}
	l.w.res.EnsembleChanges++
	// Confirmed entries stay in their fragment, under-replicated (the
	// auto-recovery service would copy them; it is not modelled).
	l.unfull = l.unfull[:0]
	for _, op := range l.pending {
		ws := l.writeSet(op.entry)
		if slices.Contains(ws, repl) {
			op.acks = slices.DeleteFunc(op.acks, func(id int) bool { return id == bk.id })
			op.quorum = len(op.acks) >= l.w.pc.AckQuorum
			l.send(op, repl)
		}
	}
	if l.w.probe != nil {
		l.w.probe(atEnsembleChange, l, nil)
	}
}

// fail marks the ledger unusable; the managed ledger moves its pending
// adds to a new ledger.
func (l *ledger) fail() {
	if l.failed || l.closed && !l.zombie {
		return
	}
	l.failed = true
	if l.onFail != nil {
		l.onFail()
	}
}

// armWatchdog checks pending adds every second: a bookie of an add's
// write set silent for AddEntryTimeout is replaced.
func (l *ledger) armWatchdog() {
	if l.watchdog {
		return
	}
	l.watchdog = true
	l.w.s.After(sim.Second, func() {
		l.watchdog = false
		if !l.usable() || len(l.pending) == 0 && len(l.unfull) == 0 {
			return
		}
		now := l.w.s.Now()
		timeout := sim.Time(l.w.pc.AddEntryTimeout)
		for _, op := range slices.Concat(l.unfull, l.pending) {
			if now-op.sentAt < timeout {
				continue
			}
			for _, bk := range l.writeSet(op.entry) {
				if !slices.Contains(op.acks, bk.id) {
					l.bookieFailed(bk)
					if !l.usable() {
						return
					}
				}
			}
		}
		l.armWatchdog()
	})
}

// recoverEnd fences the ledger on its last ensemble and finds where it
// ends, as a new writer does before it closes a ledger it did not close
// itself. It knows only what the bookies tell it: the last add confirmed
// each piggybacked on its entries (the highest is where recovery starts)
// and which entries they hold. An entry after that is recovered if any
// bookie of its write set has it; the ledger ends at the first entry that
// at least Qw-Qa+1 bookies of its write set say they lack (fewer could
// not have acknowledged it). ok is false when too few bookies answer to
// decide (retry later). Recovered entries are copied to the live bookies
// of their write sets that lack them (recovery adds ignore the fence).
// from is the first entry recovered; last the ledger's last entry.
func (l *ledger) recoverEnd() (recovered []commitlog.Batch, from, last int64, ok bool, err error) {
	pc := l.w.pc
	cur := l.frags[len(l.frags)-1]
	answered := 0
	lac := int64(-1)
	for _, bk := range cur.ens {
		if bk.up {
			lac = max(lac, bk.fence(l.id))
			answered++
		}
	}
	if answered < pc.Ensemble-pc.AckQuorum+1 {
		return nil, 0, 0, false, nil
	}
	// Earlier fragments' bookies may know a later LAC too.
	for _, f := range l.frags {
		for _, bk := range f.ens {
			if st := bk.ledgers[l.id]; st != nil && bk.up {
				lac = max(lac, st.lac)
			}
		}
	}
	from = lac + 1
	for e := from; ; e++ {
		ws := l.writeSet(e)
		var holder *bookie
		lack := 0
		for _, bk := range ws {
			switch {
			case bk.has(l.id, e):
				if holder == nil {
					holder = bk
				}
			case bk.up:
				lack++
			}
		}
		if holder == nil {
			if lack >= pc.WriteQuorum-pc.AckQuorum+1 {
				return recovered, from, e - 1, true, nil
			}
			return nil, 0, 0, false, nil
		}
		data, err := holder.read(l.id, e)
		if err != nil {
			return nil, 0, 0, false, err
		}
		b := commitlog.Batch(append([]byte(nil), data...))
		for _, bk := range ws {
			if bk.up && !bk.has(l.id, e) {
				if _, err := bk.add(l, e, lac, b, b.Size(), true, func() {}); err != nil {
					return nil, 0, 0, false, err
				}
			}
		}
		recovered = append(recovered, b)
	}
}

// ensembles describes the fragments, e.g. "[0 1] [0 2]@512".
func (l *ledger) ensembles() string {
	s := ""
	for i, f := range l.frags {
		if i > 0 {
			s += " "
		}
		ids := make([]int, len(f.ens))
		for j, bk := range f.ens {
			ids[j] = bk.id
		}
		s += fmt.Sprint(ids)
		if i > 0 {
			s += fmt.Sprintf("@%d", f.first)
		}
	}
	return s
}
