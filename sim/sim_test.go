package sim_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"mqsim/sim"
)

func TestTime(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want sim.Time
	}{
		{1.5, 1500 * sim.Millisecond},
		{1e-9, sim.Nanosecond},
		{0.4e-9, 0},
		{-2, -2 * sim.Second},
		{1e300, sim.Forever},
	} {
		if got := sim.Seconds(c.in); got != c.want {
			t.Errorf("Seconds(%g) = %d, want %d", c.in, got, c.want)
		}
	}
	if got := (90 * sim.Minute).String(); got != "1h30m0s" {
		t.Errorf("String = %q, want 1h30m0s", got)
	}
	if got := (250 * sim.Microsecond).Seconds(); got != 0.00025 {
		t.Errorf("Seconds() = %g, want 0.00025", got)
	}
}

// TestFIFOAtEqualTimes: events at one time run in scheduling order, also
// when scheduled from inside events and mixed with other times.
func TestFIFOAtEqualTimes(t *testing.T) {
	s := sim.New(1)
	var got []int
	for i := 0; i < 100; i++ {
		s.At(sim.Time(10*(i%3)), func() { got = append(got, i) })
	}
	s.At(10, func() {
		s.At(10, func() { got = append(got, 1000) })
		s.After(0, func() { got = append(got, 1001) })
	})
	s.Run()
	var want []int
	for _, tm := range []int{0, 1, 2} {
		for i := 0; i < 100; i++ {
			if i%3 == tm {
				want = append(want, i)
			}
		}
		if tm == 1 {
			want = append(want, 1000, 1001)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order = %v\nwant    %v", got, want)
	}
	if s.Now() != 20 || s.Events() != 103 || s.Pending() != 0 {
		t.Fatalf("Now=%v Events=%d Pending=%d, want 20ns 103 0", s.Now(), s.Events(), s.Pending())
	}
}

func TestCancelReschedule(t *testing.T) {
	s := sim.New(1)
	var got []string
	a := s.At(10, func() { got = append(got, "a") })
	b := s.At(20, func() { got = append(got, "b") })
	c := s.At(30, func() { got = append(got, "c") })
	if !s.Cancel(b) || s.Cancel(b) {
		t.Fatal("Cancel(b) should succeed once")
	}
	if !s.Reschedule(c, 5) {
		t.Fatal("Reschedule(c) failed")
	}
	if s.Pending() != 2 {
		t.Fatalf("Pending = %d, want 2", s.Pending())
	}
	s.Run()
	if !slices.Equal(got, []string{"c", "a"}) {
		t.Fatalf("ran %v, want [c a]", got)
	}
	if s.Cancel(a) || s.Reschedule(a, 50) || s.Cancel(0) {
		t.Fatal("operations on finished or zero IDs must fail")
	}
	// A stale ID must not touch the event that reuses its storage.
	d := s.At(100, func() { got = append(got, "d") })
	if s.Cancel(c) || s.Cancel(a) {
		t.Fatal("stale ID cancelled a new event")
	}
	s.Run()
	if got[len(got)-1] != "d" || s.Cancel(d) {
		t.Fatalf("ran %v, want d last", got)
	}
}

func TestStopAndRunUntil(t *testing.T) {
	s := sim.New(1)
	n := 0
	var tick func()
	tick = func() {
		n++
		if n == 5 {
			s.Stop()
		}
		s.After(sim.Second, tick)
	}
	s.At(0, tick)
	s.Run()
	if n != 5 || s.Now() != 4*sim.Second || s.Pending() != 1 {
		t.Fatalf("after Stop: n=%d now=%v pending=%d, want 5 4s 1", n, s.Now(), s.Pending())
	}
	s.RunUntil(7500 * sim.Millisecond)
	if n != 8 || s.Now() != 7500*sim.Millisecond {
		t.Fatalf("after RunUntil: n=%d now=%v, want 8 7.5s", n, s.Now())
	}
	s.RunUntil(sim.Second) // in the past: nothing
	if n != 8 || s.Now() != 7500*sim.Millisecond {
		t.Fatalf("RunUntil(past) changed state: n=%d now=%v", n, s.Now())
	}
}

func TestSchedulePastIsReported(t *testing.T) {
	s := sim.New(1)
	var at []sim.Time
	s.At(10, func() {
		s.At(5, func() { at = append(at, s.Now()) })
		s.After(-3, func() { at = append(at, s.Now()) })
	})
	s.At(10, func() { at = append(at, -1) })
	s.Run()
	// Both past events run at 10, after the event already due at 10.
	if !slices.Equal(at, []sim.Time{-1, 10, 10}) {
		t.Fatalf("ran at %v, want [-1 10 10]", at)
	}
	if s.Err() == nil {
		t.Fatal("Err() = nil after scheduling in the past")
	}
	if sim.New(1).Err() != nil {
		t.Fatal("fresh Sim has an error")
	}
}

// TestHeapAgainstReference drives the kernel with random schedules,
// cancellations and reschedules (enough to trigger compaction) and checks
// that events run exactly as a sorted reference list says.
func TestHeapAgainstReference(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := sim.New(1)
		type ref struct {
			t   sim.Time
			seq int
			tag int
		}
		var want []ref
		var ids []sim.EventID
		var tags []int
		var got []int
		seq := 0
		n := rapid.IntRange(1, 3000).Draw(rt, "n")
		for i := 0; i < n; i++ {
			switch op := rapid.IntRange(0, 9).Draw(rt, "op"); {
			case op < 6 || len(ids) == 0:
				tm := sim.Time(rapid.IntRange(0, 50).Draw(rt, "t"))
				tag := i
				ids = append(ids, s.Schedule(tm, recorder{&got}, uint64(tag)))
				tags = append(tags, tag)
				seq++
				want = append(want, ref{tm, seq, tag})
			case op < 8:
				k := rapid.IntRange(0, len(ids)-1).Draw(rt, "k")
				if !s.Cancel(ids[k]) {
					rt.Fatalf("Cancel of a pending event failed")
				}
				want = slices.DeleteFunc(want, func(r ref) bool { return r.tag == tags[k] })
				ids = slices.Delete(ids, k, k+1)
				tags = slices.Delete(tags, k, k+1)
			default:
				k := rapid.IntRange(0, len(ids)-1).Draw(rt, "k")
				tm := sim.Time(rapid.IntRange(0, 50).Draw(rt, "t"))
				if !s.Reschedule(ids[k], tm) {
					rt.Fatalf("Reschedule of a pending event failed")
				}
				seq++
				for j := range want {
					if want[j].tag == tags[k] {
						want[j].t, want[j].seq = tm, seq
					}
				}
			}
		}
		if s.Pending() != len(want) {
			rt.Fatalf("Pending = %d, want %d", s.Pending(), len(want))
		}
		slices.SortFunc(want, func(a, b ref) int {
			if a.t != b.t {
				return int(a.t - b.t)
			}
			return a.seq - b.seq
		})
		s.Run()
		if len(got) != len(want) {
			rt.Fatalf("ran %d events, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i].tag {
				rt.Fatalf("event %d: ran tag %d, want %d", i, got[i], want[i].tag)
			}
		}
	})
}

type recorder struct{ got *[]int }

func (r recorder) Handle(arg uint64) { *r.got = append(*r.got, int(arg)) }

// traceHash runs a small stochastic model and hashes every event's time and
// sequence number plus the random draws.
func traceHash(seed uint64) [32]byte {
	s := sim.New(seed)
	h := sha256.New()
	var buf [24]byte
	s.SetTrace(func(now sim.Time, seq uint64, id sim.EventID) {
		binary.LittleEndian.PutUint64(buf[0:], uint64(now))
		binary.LittleEndian.PutUint64(buf[8:], seq)
		binary.LittleEndian.PutUint64(buf[16:], uint64(id))
		h.Write(buf[:])
	})
	st, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "srv", Servers: 2, Rate: 1000, MaxQueue: 20})
	if err != nil {
		panic(err)
	}
	arr := s.Stream("arrivals")
	size, _ := sim.ParseDist("lognormal(median=800, p99=5000)", nil)
	sizes := s.Stream("sizes")
	var arrive func()
	n := 0
	arrive = func() {
		st.Submit(size.Sample(sizes), uint64(n), nil)
		if n++; n < 5000 {
			s.After(sim.Seconds(arr.ExpFloat64()*0.6), arrive)
		}
	}
	s.At(0, arrive)
	s.Run()
	fmt.Fprintf(h, "%+v", st.Stats())
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestDeterminism(t *testing.T) {
	a, b := traceHash(7), traceHash(7)
	if a != b {
		t.Fatalf("same seed, different traces: %x vs %x", a, b)
	}
	if c := traceHash(8); c == a {
		t.Fatalf("different seeds, same trace %x", a)
	}
}

func TestStreams(t *testing.T) {
	s := sim.New(42)
	a := s.Stream("producer/a")
	if s.Stream("producer/a") != a {
		t.Fatal("same name gave a different stream object")
	}
	first := a.Uint64()

	// Adding another stream, and drawing from it, does not change a's draws.
	s2 := sim.New(42)
	s2.Stream("consumer/x").Uint64()
	if got := s2.Stream("producer/a").Uint64(); got != first {
		t.Fatalf("stream depends on other streams: %x vs %x", got, first)
	}
	if sim.New(43).Stream("producer/a").Uint64() == first {
		t.Fatal("different master seeds gave the same first draw")
	}
	if s.Stream("producer/b").Uint64() == sim.New(42).Stream("producer/a").Uint64() {
		t.Fatal("different names gave the same first draw")
	}
}

func TestScheduleDoesNotAllocate(t *testing.T) {
	s := sim.New(1)
	var h counter
	fn := h.call
	allocs := testing.AllocsPerRun(1000, func() {
		s.ScheduleAfter(sim.Millisecond, &h, 1)
		id := s.AfterCall(2*sim.Millisecond, fn, 2)
		s.Reschedule(id, s.Now()+3*sim.Millisecond)
		s.Cancel(s.ScheduleAfter(sim.Second, &h, 3))
		s.RunUntil(s.Now() + 10*sim.Millisecond)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per schedule/run cycle, want 0", allocs)
	}
	if h.n == 0 {
		t.Fatal("handlers never ran")
	}
}

type counter struct{ n int }

func (c *counter) Handle(uint64) { c.n++ }
func (c *counter) call(uint64)   { c.n++ }
