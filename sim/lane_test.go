package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// laneModel drives a kernel with a mix of recurring sources and other
// events: each source reschedules itself on a coarse time grid (so that
// ties with other events are common) and sometimes schedules a one-off
// event or cancels its pending one and starts again; recurring says
// whether the sources use AtCallRecurring or plain AtCall. It returns the
// order the events ran in, as (time, tag) pairs.
func laneModel(recurring bool, seqLimit uint32) []uint64 {
	s := New(7)
	if seqLimit > 0 {
		s.seqLimit = seqLimit
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var order []uint64
	const sources = 20
	pending := make([]EventID, sources)
	var fire func(arg uint64)
	at := func(t Time, src int) {
		if recurring {
			pending[src] = s.AtCallRecurring(t, fire, uint64(src))
		} else {
			pending[src] = s.AtCall(t, fire, uint64(src))
		}
	}
	fire = func(arg uint64) {
		src := int(arg)
		order = append(order, uint64(s.Now())<<16|arg)
		if s.Now() > 20*Second {
			return
		}
		next := s.Now() + Time(1+rng.IntN(4))*Millisecond
		at(next, src)
		switch rng.IntN(6) {
		case 0: // a one-off event, maybe at the same time as a source's
			s.AtCall(s.Now()+Time(rng.IntN(4))*Millisecond, func(arg uint64) {
				order = append(order, uint64(s.Now())<<16|arg)
			}, 1000+arg)
		case 1: // a source blocked and restarted later (as backpressure does)
			o := (src + 1) % sources
			if s.Cancel(pending[o]) {
				s.AtCall(s.Now()+2*Millisecond, func(uint64) { at(s.Now()+Millisecond, o) }, 0)
			}
		}
	}
	for i := range sources {
		at(Time(i%3)*Millisecond, i)
	}
	s.Run()
	return order
}

// Events scheduled with AtCallRecurring run in exactly the order the same
// events scheduled with AtCall run in — ties, cancellations and sequence
// renumbering included — since the two heaps are merged on (time,
// sequence).
func TestRecurringLaneKeepsOrder(t *testing.T) {
	for _, limit := range []uint32{0, 5000} {
		want := laneModel(false, limit)
		got := laneModel(true, limit)
		if len(want) < 100_000 {
			t.Fatalf("only %d events: the model should run many", len(want))
		}
		if !slices.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("seqLimit %d: orders differ at event %d of %d/%d", limit, i, len(got), len(want))
		}
	}
}
