package pulsar

import (
	"fmt"

	"mqsim/model/commitlog"
	"mqsim/model/net"
	"mqsim/model/node"
)

// bookie is one BookKeeper bookie on its machine: a journal (every add is
// written to it and fsynced before the bookie answers; adds that arrive
// while an fsync runs share the next one: group commit) and ledger
// storage, where each ledger it holds entries of is a real commitlog log
// (one record batch per entry; entries arrive in entry order from one
// writer, but striping and recovery leave gaps, so an index maps entry
// ids to log offsets).
type bookie struct {
	*node.Machine
	w       *world
	id      int
	reg     *region
	node    net.NodeID
	up      bool
	epoch   int // bumped at each crash: callbacks of an older life are void
	journal int32
	storage int32
	jEnd    int64 // bytes written to the journal
	jq      []journalReq
	jHead   int
	ledgers map[int64]*stored
}

// stored is one ledger's entries on one bookie.
type stored struct {
	log      *commitlog.Log
	off      map[int64]int64 // entry id → log offset
	fenced   bool
	unsynced []int64 // entry ids appended, journal not yet fsynced
	maxEntry int64
	lac      int64 // the highest last-add-confirmed the writer piggybacked
}

// journalReq is an add waiting for the journal's fsync.
type journalReq struct {
	l     *ledger
	entry int64
	done  func()
}

func newBookie(w *world, id int, m *node.Machine) *bookie {
	return &bookie{Machine: m, w: w, id: id, up: true, node: w.net.AddNode(fmt.Sprintf("bookie-%d", id)),
		journal: m.Cache.NewOwner(), storage: m.Cache.NewOwner(), ledgers: map[int64]*stored{}}
}

func (bk *bookie) ledger(id int64) (*stored, error) {
	st := bk.ledgers[id]
	if st != nil {
		return st, nil
	}
	w := bk.w
	l, err := commitlog.OpenMemory(commitlog.Config{Clock: func() int64 { return int64(w.s.Now()) }, RetentionAge: -1, MaxBatchBytes: 64 << 20})
	if err != nil {
		return nil, fmt.Errorf("bookie %d ledger %d: %w", bk.id, id, err)
	}
	st = &stored{log: l, off: map[int64]int64{}, maxEntry: -1, lac: -1}
	bk.ledgers[id] = st
	return st, nil
}

// add stores an entry and calls done once the journal has it on disk.
// A fenced ledger refuses adds that are not recovery adds: the result is
// false and done is not called.
func (bk *bookie) add(l *ledger, entry, lac int64, data commitlog.Batch, bytes int64, recovery bool, done func()) (bool, error) {
	st, err := bk.ledger(l.id)
	if err != nil {
		return false, err
	}
	if st.fenced && !recovery {
		return false, nil
	}
	st.lac = max(st.lac, lac)
	if _, dup := st.off[entry]; !dup {
		ar, err := st.log.Append(append(commitlog.Batch(nil), data...), 0)
		if err != nil {
			return false, fmt.Errorf("bookie %d ledger %d entry %d: %w", bk.id, l.id, entry, err)
		}
		st.off[entry] = ar.FirstOffset
		st.maxEntry = max(st.maxEntry, entry)
		st.unsynced = append(st.unsynced, entry)
		bk.Cache.Write(bk.storage, bytes, st.log.LogEndOffset())
	}
	bk.w.res.BookieEntries++
	bk.jEnd += bytes
	bk.Cache.Write(bk.journal, bytes, bk.jEnd)
	bk.jq = append(bk.jq, journalReq{l: l, entry: entry, done: done})
	tag := uint64(len(bk.jq) - 1)
	life := bk.epoch
	bk.Cache.Fsync(bk.journal, tag, func(t uint64) {
		if bk.epoch != life {
			return
		}
		bk.synced(int(t))
	})
	return true, nil
}

// synced completes every journal request up to index upto.
func (bk *bookie) synced(upto int) {
	if upto < bk.jHead {
		return
	}
	for ; bk.jHead <= upto && bk.jHead < len(bk.jq); bk.jHead++ {
		rq := bk.jq[bk.jHead]
		bk.jq[bk.jHead] = journalReq{}
		if st := bk.ledgers[rq.l.id]; st != nil && len(st.unsynced) > 0 {
			st.unsynced = st.unsynced[1:]
		}
		rq.done()
	}
	if bk.jHead == len(bk.jq) {
		bk.jq, bk.jHead = bk.jq[:0], 0
	}
}

// has reports whether the bookie holds an entry (and is up).
func (bk *bookie) has(ledgerID, entry int64) bool {
	if !bk.up {
		return false
	}
	st := bk.ledgers[ledgerID]
	if st == nil {
		return false
	}
	_, ok := st.off[entry]
	return ok
}

// read returns an entry's batch from ledger storage.
func (bk *bookie) read(ledgerID, entry int64) ([]byte, error) {
	st := bk.ledgers[ledgerID]
	off, ok := st.off[entry]
	if !ok {
		return nil, fmt.Errorf("bookie %d: no entry %d of ledger %d", bk.id, entry, ledgerID)
	}
	res, err := st.log.Read(off, commitlog.ReadOptions{MaxBytes: 1})
	if err != nil {
		return nil, fmt.Errorf("bookie %d ledger %d entry %d: %w", bk.id, ledgerID, entry, err)
	}
	return res.Data, nil
}

// fence marks a ledger fenced (no more adds but recovery adds) and
// returns the last add confirmed the writer told the bookie (-1: none).
func (bk *bookie) fence(ledgerID int64) int64 {
	st, err := bk.ledger(ledgerID)
	if err != nil {
		bk.w.fail(err)
		return -1
	}
	st.fenced = true
	return st.lac
}

// drop deletes a ledger's storage (the ledger was deleted or offloaded).
func (bk *bookie) drop(ledgerID int64) {
	if st := bk.ledgers[ledgerID]; st != nil {
		_ = st.log.Close()
		delete(bk.ledgers, ledgerID)
	}
}

// crash stops the bookie. A machine crash loses what the journal had not
// fsynced: those entries are cut from ledger storage (the journal replay
// at restart would not find them).
func (bk *bookie) crash(machine bool) {
	bk.up = false
	bk.epoch++
	defer bk.w.bookieDown(bk)
	bk.jq, bk.jHead = nil, 0
	if machine {
		bk.w.net.CrashMachine(bk.node)
		bk.Cache.LoseDirty()
		for _, id := range sortedKeys(bk.ledgers) {
			st := bk.ledgers[id]
			if len(st.unsynced) == 0 {
				continue
			}
			cut := st.off[st.unsynced[0]]
			if err := st.log.TruncateTo(cut); err != nil {
				bk.w.fail(fmt.Errorf("bookie %d ledger %d: %w", bk.id, id, err))
				return
			}
			for _, e := range st.unsynced {
				delete(st.off, e)
			}
			st.maxEntry = -1
			for e := range st.off {
				st.maxEntry = max(st.maxEntry, e)
			}
		}
	} else {
		bk.w.net.CrashProcess(bk.node)
	}
	for _, st := range bk.ledgers {
		st.unsynced = nil
	}
}

func (bk *bookie) restart() {
	bk.up = true
	bk.epoch++
	bk.w.net.Restart(bk.node)
}
