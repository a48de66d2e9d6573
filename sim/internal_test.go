package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestCompactionBoundsHeap: a model that cancels almost every timeout it
// sets must not accumulate dead heap entries.
func TestCompactionBoundsHeap(t *testing.T) {
	s := New(1)
	var timeout EventID
	n, maxHeap := 0, 0
	var step func()
	step = func() {
		s.Cancel(timeout)
		timeout = s.After(30*Second, func() { t.Error("cancelled timeout fired") })
		maxHeap = max(maxHeap, len(s.heap))
		if n++; n < 200_000 {
			s.After(Millisecond, step)
		}
	}
	s.At(0, step)
	s.RunUntil(210 * Second) // the last timeout is due at 230 s
	if s.Pending() != 1 {
		t.Fatalf("Pending = %d, want 1", s.Pending())
	}
	// Without compaction the heap would hold every timeout of the last
	// 30 s (30,000); with it, stale entries stay below max(2·live, 2·compactMin).
	if maxHeap > 2*compactMin+4 {
		t.Fatalf("heap grew to %d entries with 2 live events", maxHeap)
	}
	s.Cancel(timeout)
	s.Run()
	if s.Events() != 200_000 {
		t.Fatalf("Events = %d, want 200000", s.Events())
	}
}

// TestMemoryLayout pins the sizes that the 48-bytes-per-event budget
// rests on, and a rate server's job in service filling one cache line.
func TestMemoryLayout(t *testing.T) {
	if got := unsafe.Sizeof(serving{}); got != 64 {
		t.Errorf("a server's job in service is %d bytes, want 64", got)
	}
	if got := sizeofEntry(); got != 16 {
		t.Errorf("heap entry is %d bytes, want 16", got)
	}
	if got := sizeofSlot(); got != 32 {
		t.Errorf("slot is %d bytes, want 32", got)
	}
}

func sizeofEntry() uintptr { return unsafe.Sizeof(entry{}) }
func sizeofSlot() uintptr  { return unsafe.Sizeof(slot{}) }

type tagRecorder struct{ got *[]uint64 }

func (r tagRecorder) Handle(arg uint64) { *r.got = append(*r.got, arg) }

// TestRenumber lowers the sequence-number limit so that renumbering happens
// every few dozen schedules, mixed with cancels, reschedules and runs, and
// checks the order against a reference list sorted by (time, schedule order).
func TestRenumber(t *testing.T) {
	for _, limit := range []uint32{5, 37, 1000} {
		s := New(1)
		s.seqLimit = limit
		r := rand.New(NewSource(uint64(limit), "renumber"))
		type ref struct {
			t     Time
			order int
			tag   uint64
		}
		var want, ran []ref
		var got []uint64
		pending := map[uint64]EventID{}
		var tags []uint64 // pending tags in creation order, for deterministic picks
		order := 0
		for i := 0; i < 20_000; i++ {
			switch op := r.IntN(10); {
			case op < 6 || len(tags) == 0:
				tag := uint64(i)
				tm := s.Now() + Time(r.IntN(20))
				pending[tag] = s.Schedule(tm, tagRecorder{&got}, tag)
				tags = append(tags, tag)
				order++
				want = append(want, ref{tm, order, tag})
			case op < 7:
				k := r.IntN(len(tags))
				if !s.Cancel(pending[tags[k]]) {
					t.Fatal("cancel failed")
				}
				tag := tags[k]
				want = slices.DeleteFunc(want, func(x ref) bool { return x.tag == tag })
				delete(pending, tag)
				tags = slices.Delete(tags, k, k+1)
			case op < 8:
				k := r.IntN(len(tags))
				tm := s.Now() + Time(r.IntN(20))
				if !s.Reschedule(pending[tags[k]], tm) {
					t.Fatal("reschedule failed")
				}
				order++
				for j := range want {
					if want[j].tag == tags[k] {
						want[j].t, want[j].order = tm, order
					}
				}
			default:
				// Run what is due up to a random horizon and compare.
				until := s.Now() + Time(r.IntN(10))
				slices.SortFunc(want, func(a, b ref) int {
					if a.t != b.t {
						return int(a.t - b.t)
					}
					return a.order - b.order
				})
				n := 0
				for n < len(want) && want[n].t <= until {
					n++
				}
				ran = append(ran[:0], want[:n]...)
				want = slices.Delete(want, 0, n)
				got = got[:0]
				s.RunUntil(until)
				if len(got) != len(ran) {
					t.Fatalf("limit %d step %d: ran %d events, want %d", limit, i, len(got), len(ran))
				}
				for j := range ran {
					if got[j] != ran[j].tag {
						t.Fatalf("limit %d step %d: event %d is tag %d, want %d", limit, i, j, got[j], ran[j].tag)
					}
					delete(pending, ran[j].tag)
					tags = slices.DeleteFunc(tags, func(x uint64) bool { return x == ran[j].tag })
				}
			}
		}
		if s.Pending() != len(want) {
			t.Fatalf("limit %d: Pending = %d, want %d", limit, s.Pending(), len(want))
		}
	}
}
