package rabbitmq

import (
	"errors"
	"fmt"
	"slices"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/model/load"
	"mqsim/model/net"
	"mqsim/sim"
)

// raft is a quorum queue's replication: one member per node, each with a
// real commitlog log. The leader appends each enqueue as a record carrying
// the message id, followers append the leader's batches unchanged, every
// member fsyncs through its node's shared WAL (group commit), and an entry
// is committed once a majority has it on disk. Committed entries are
// applied in log order: the message becomes ready and its target counts as
// accepted for the publisher's confirm. On the leader's node failing, the
// live members elect the one with the longest log after election_timeout;
// the others truncate to it and catch up from it.
type raft struct {
	q       *queue
	members []*member
	leader  int // member index, -1 during an election
	term    int32
	commit  int64 // entries below are committed and applied
	parked  []int32
	pending map[int32]bool // proposed, not yet committed (resubmitted if an election loses them)
	bb      commitlog.BatchBuilder
	key     []byte
	prefix  []byte
	links   [][]net.Link // [from][to] member links
}

// member is one replica of a quorum queue.
type member struct {
	r       *raft
	i       int
	n       *rnode
	log     *commitlog.Log
	durable int64 // log end offset fsynced on this member
	match   int64 // the leader's view of this member's durable end
	sending bool  // leader: a replication message to this member is in flight
}

var errStopScan = errors.New("stop")

func newRaft(q *queue, first, size int) (*raft, error) {
	w := q.w
	r := &raft{q: q, pending: map[int32]bool{}}
	for i := range size {
		n := w.nodes[(first+i)%len(w.nodes)]
		l, err := commitlog.OpenMemory(commitlog.Config{Clock: func() int64 { return int64(w.s.Now() / sim.Millisecond) }, RetentionAge: -1})
		if err != nil {
			return nil, fmt.Errorf("queue %s: %w", q.name, err)
		}
		r.members = append(r.members, &member{r: r, i: i, n: n, log: l})
	}
	r.links = make([][]net.Link, size)
	for i := range r.links {
		r.links[i] = make([]net.Link, size)
	}
	return r, nil
}

// majority is (N/2)+1.
func (r *raft) majority() int { return len(r.members)/2 + 1 }

// propose appends an enqueue to the leader's log and replicates it.
func (r *raft) propose(mid int32) {
	if r.leader < 0 {
		r.parked = append(r.parked, mid)
		r.q.storedRose()
		return
	}
	w := r.q.w
	m := &w.msgs[mid]
	ld := r.members[r.leader]
	r.bb.Reset(commitlog.BatchHeader{SizedValues: true})
	var key []byte
	if m.key >= 0 {
		r.key = load.KeyBytes(r.key, m.key)
		key = r.key
	}
	r.prefix = check.AppendID(r.prefix[:0], int(m.prod), m.seq, m.born)
	r.bb.AddSized(int64(m.born/sim.Millisecond), key, r.prefix, max(m.size, int64(len(r.prefix))), nil)
	b, err := r.bb.Build()
	if err != nil {
		w.fail(fmt.Errorf("queue %s: %w", r.q.name, err))
		return
	}
	if _, err := ld.log.Append(b, r.term); err != nil {
		w.fail(fmt.Errorf("queue %s: append: %w", r.q.name, err))
		return
	}
	r.pending[mid] = true
	r.q.storedRose()
	ld.n.wal.write(ld, ld.log.LogEndOffset(), m.size)
	r.replicate()
}

// replicate sends each live follower what it lacks, one message in flight
// per follower.
func (r *raft) replicate() {
	if r.leader < 0 {
		return
	}
	w := r.q.w
	ld := r.members[r.leader]
	for _, f := range r.members {
		if f == ld || f.sending || !f.n.up || f.log.LogEndOffset() >= ld.log.LogEndOffset() {
			continue
		}
		from := f.log.LogEndOffset()
		res, err := ld.log.Read(from, commitlog.ReadOptions{MaxBytes: 1 << 20})
		if err != nil || len(res.Data) == 0 {
			continue
		}
		f.sending = true
		term, life, data, size := r.term, f.n.epoch, res.Data, res.Size
		ld.NICOutUse(size)
		w.net.Send(&r.links[ld.i][f.i], func(uint64) { r.receive(f, term, life, from, data, size) }, 0)
	}
}

// NICOutUse charges the leader's NIC for replication bytes (no wait:
// replication is not the bottleneck this model studies).
func (mb *member) NICOutUse(bytes int64) { mb.n.NICOut.Submit(float64(bytes), 0, func(sim.Job) {}) }

// receive is a follower appending the leader's batches.
func (r *raft) receive(f *member, term int32, life int, from int64, data []byte, size int64) {
	if !f.n.up || f.n.epoch != life || term != r.term || f.log.LogEndOffset() != from {
		f.sending = false
		if r.leader >= 0 && term == r.term {
			r.replicate()
		}
		return
	}
	if _, err := f.log.AppendReplicated(data); err != nil {
		r.q.w.fail(fmt.Errorf("queue %s: member %d: %w", r.q.name, f.i, err))
		return
	}
	f.n.wal.write(f, f.log.LogEndOffset(), size)
}

// durableAt is called when a member's WAL fsync covers its log up to upto.
func (r *raft) durableAt(mb *member, upto int64) {
	upto = min(upto, mb.log.LogEndOffset())
	if upto <= mb.durable {
		if r.leader >= 0 && mb != r.members[r.leader] {
			mb.sending = false
			r.replicate()
		}
		return
	}
	mb.durable = upto
	if r.leader < 0 {
		return
	}
	ld := r.members[r.leader]
	if mb == ld {
		mb.match = upto
		r.advance()
		return
	}
	term, life := r.term, mb.n.epoch
	r.q.w.net.Send(&r.links[mb.i][ld.i], func(uint64) {
		mb.sending = false
		if term != r.term || r.leader < 0 || mb.n.epoch != life {
			return
		}
		mb.match = max(mb.match, upto)
		r.advance()
		r.replicate()
	}, 0)
}

// advance moves the commit index to the largest offset a majority holds
// durably, and applies the newly committed entries.
func (r *raft) advance() {
	ld := r.members[r.leader]
	var c int64
	for _, cand := range r.members {
		v := cand.match
		if cand == ld {
			v = ld.durable
		}
		n := 0
		for _, o := range r.members {
			ov := o.match
			if o == ld {
				ov = ld.durable
			}
			if ov >= v {
				n++
			}
		}
		if n >= r.majority() {
			c = max(c, v)
		}
	}
	if c <= r.commit {
		return
	}
	from := r.commit
	r.commit = c
	r.apply(ld.log, from, c)
}

// apply runs the state machine over committed entries [from, to): each
// message becomes ready and its publisher's target accepted.
func (r *raft) apply(l *commitlog.Log, from, to int64) {
	w := r.q.w
	err := l.ScanRecords(from, func(rec *commitlog.Record) error {
		if rec.Offset >= to {
			return errStopScan
		}
		prod, seq, _, ok := check.ReadID(rec.Value, rec.Timestamp)
		if !ok {
			return fmt.Errorf("record %d without a message id", rec.Offset)
		}
		mid := w.pubs[prod].ids[seq]
		delete(r.pending, mid)
		if m := &w.msgs[mid]; m.creditDue {
			m.creditDue = false
			w.pubs[prod].took()
		}
		if r.q.isStream {
			r.q.streamAppend(mid)
		} else {
			r.q.enqueueAt(mid, rec.Offset)
		}
		w.accepted(r.q, mid)
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		w.fail(fmt.Errorf("queue %s: apply: %w", r.q.name, err))
	}
}

// nodeDown handles a member's node stopping: its unsynced tail is gone;
// if it led, an election follows after the election timeout.
func (r *raft) nodeDown(n *rnode) {
	for _, mb := range r.members {
		if mb.n != n {
			continue
		}
		if mb.log.LogEndOffset() > mb.durable {
			if err := mb.log.TruncateTo(mb.durable); err != nil {
				r.q.w.fail(err)
			}
		}
		mb.sending = false
		if r.leader == mb.i {
			r.leader = -1
			r.q.lostHome()
			r.q.w.s.After(sim.Time(r.q.w.rc.ElectionTimeout), r.elect)
		}
	}
}

// nodeUp: a member back on its node resumes from its log; the leader
// catches it up. With no leader, an election is tried.
func (r *raft) nodeUp(n *rnode) {
	if r.leader < 0 {
		r.elect()
		return
	}
	for _, mb := range r.members {
		if mb.n == n && mb.i != r.leader {
			r.reconcile(mb)
			mb.match = 0
		}
	}
	r.replicate()
}

// reconcile truncates follower f where its log leaves the leader's, found
// by leader epochs (each entry carries the term it was written in) as
// Raft's consistency check finds it: f keeps the longest prefix whose
// epochs the leader has at the same offsets.
func (r *raft) reconcile(f *member) {
	ld := r.members[r.leader]
	for range 64 {
		e, ok := f.log.LatestEpoch()
		if !ok || f.log.LogEndOffset() == 0 {
			return
		}
		le, end := ld.log.EndOffsetForEpoch(e)
		if le < 0 {
			end = 0
		}
		if end >= f.log.LogEndOffset() && le == e {
			return
		}
		if err := f.log.TruncateTo(min(end, f.log.LogEndOffset())); err != nil {
			r.q.w.fail(err)
			return
		}
		f.durable = min(f.durable, f.log.LogEndOffset())
		if le == e {
			return
		}
	}
}

// elect picks the live member with the longest durable log (Raft's
// up-to-date rule) once a majority is up; followers truncate to the new
// leader's log and catch up from it; proposals lost with the old leader's
// unreplicated tail are proposed again.
func (r *raft) elect() {
	if r.leader >= 0 {
		return
	}
	live := 0
	best := -1
	for _, mb := range r.members {
		if !mb.n.up {
			continue
		}
		live++
		if best < 0 || newer(mb, r.members[best]) {
			best = mb.i
		}
	}
	if live < r.majority() {
		return // no quorum: wait for a node to come back (nodeUp)
	}
	w := r.q.w
	r.term++
	r.leader = best
	w.res.LeaderElections++
	ld := r.members[best]
	if ld.log.LogEndOffset() > ld.durable {
		if err := ld.log.TruncateTo(ld.durable); err != nil {
			w.fail(err)
			return
		}
	}
	for _, mb := range r.members {
		mb.sending = false
		mb.match = 0
		if mb != ld && mb.n.up {
			r.reconcile(mb)
		}
	}
	ld.match = ld.durable
	r.q.setHome(ld.n)
	// The queue's state is its leader's log: entries applied that the new
	// leader does not hold are gone (never, with a majority commit).
	if end := ld.log.LogEndOffset(); end < r.commit {
		r.q.forget(end)
		r.commit = end
	}
	// Entries the new leader holds beyond the commit index will commit;
	// proposals it never got are resubmitted, in id order.
	have := map[int32]bool{}
	if err := ld.log.ScanRecords(r.commit, func(rec *commitlog.Record) error {
		if prod, seq, _, ok := check.ReadID(rec.Value, rec.Timestamp); ok {
			have[w.pubs[prod].ids[seq]] = true
		}
		return nil
	}); err != nil {
		w.fail(err)
		return
	}
	var again []int32
	for mid := range r.pending {
		if !have[mid] {
			again = append(again, mid)
		}
	}
	sortIDs(again)
	again = append(again, r.parked...)
	r.parked = nil
	for _, mid := range again {
		delete(r.pending, mid)
		r.propose(mid)
	}
	r.advance()
	r.replicate()
	r.q.dispatch()
}

// newer is Raft's up-to-date rule: the later last term, then the longer log.
func newer(a, b *member) bool {
	ea, _ := a.log.LatestEpoch()
	eb, _ := b.log.LatestEpoch()
	if ea != eb {
		return ea > eb
	}
	return a.log.LogEndOffset() > b.log.LogEndOffset()
}

func sortIDs(ids []int32) { slices.Sort(ids) }
