package eventsource

import (
	"sort"

	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/sim"
)

// Event is one decoded record of the event log.
type Event struct {
	Offset int64
	Key    int64
	At     sim.Time // the record's timestamp (written)
	Amount int64
}

// Amount is the change an event makes to its entity's balance, a fixed
// function of its message id (payloads are simulated): -100 to +100.
func Amount(prod int, seq int32) int64 {
	x := uint64(prod)<<32 | uint64(uint32(seq))
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return int64(x%201) - 100
}

// decode turns a record into an event.
func decode(rec *commitlog.Record) (Event, bool) {
	prod, seq, _, ok := check.ReadID(rec.Value, rec.Timestamp)
	if !ok || rec.Key == nil {
		return Event{}, false
	}
	return Event{Offset: rec.Offset, Key: check.ReadKey(rec.Key), At: sim.Time(rec.Timestamp) * 1e6, Amount: Amount(prod, seq)}, true
}

// State is one entity's state in a view.
type State struct {
	Balance int64
	Version int64 // events applied
}

// View is a materialised view: entity → state.
type View map[int64]State

// Apply folds one event into the view.
func (v View) Apply(e Event) {
	s := v[e.Key]
	s.Balance += e.Amount
	s.Version++
	v[e.Key] = s
}

// Equal reports whether two views hold the same states.
func (v View) Equal(o View) bool {
	if len(v) != len(o) {
		return false
	}
	for k, s := range v {
		if o[k] != s {
			return false
		}
	}
	return true
}

// Keys lists the view's entities in order.
func (v View) Keys() []int64 {
	ks := make([]int64, 0, len(v))
	for k := range v {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// scan calls fn for each event of l in [from, upto).
func scan(l *commitlog.Log, from, upto int64, fn func(Event)) error {
	from = max(from, l.LogStartOffset())
	if from >= upto {
		return nil
	}
	err := l.ScanRecords(from, func(rec *commitlog.Record) error {
		if rec.Offset >= upto {
			return errStop
		}
		if e, ok := decode(rec); ok {
			fn(e)
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return err
}

// Fold is the view of log l's events in [from, upto), folded into v.
func Fold(v View, l *commitlog.Log, from, upto int64) error {
	return scan(l, from, upto, v.Apply)
}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }

var errStop error = stopErr{}

// eventCache holds each event log's decoded events, read once: a run's
// replays, snapshots, audit and changelog all fold the same logs.
type eventCache struct {
	logs map[*commitlog.Log][]Event
}

// scan calls fn for each event of l in [from, upto), from the cache when
// there is one.
func (c *eventCache) scan(l *commitlog.Log, from, upto int64, fn func(Event)) error {
	if c == nil {
		return scan(l, from, upto, fn)
	}
	evs, ok := c.logs[l]
	if !ok {
		if err := scan(l, 0, l.HighWatermark(), func(e Event) { evs = append(evs, e) }); err != nil {
			return err
		}
		c.logs[l] = evs
	}
	i := sort.Search(len(evs), func(i int) bool { return evs[i].Offset >= from })
	for ; i < len(evs) && evs[i].Offset < upto; i++ {
		fn(evs[i])
	}
	return nil
}
