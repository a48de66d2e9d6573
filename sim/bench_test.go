package sim_test

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"mqsim/sim"
)

// holder is the hold model's only handler: each event draws a gap from
// Exp(1 s) and schedules the next, keeping the population constant.
type holder struct {
	s    *sim.Sim
	rng  *rand.Rand
	left int
}

func (h *holder) Handle(arg uint64) {
	h.left--
	if h.left <= 0 {
		h.s.Stop()
	}
	h.s.ScheduleAfter(sim.Time(h.rng.ExpFloat64()*float64(sim.Second)), h, arg)
}

// fillHold returns a simulator holding n pending events of the hold model.
func fillHold(n int) (*sim.Sim, *holder) {
	s := sim.New(1)
	h := &holder{s: s, rng: s.Stream("hold")}
	for i := 0; i < n; i++ {
		s.Schedule(sim.Time(h.rng.ExpFloat64()*float64(sim.Second)), h, uint64(i))
	}
	return s, h
}

// BenchmarkHold is the classic hold model: a steady population of pending
// events, each step pops the earliest and schedules one at now + Exp(1).
// It reports events/s and, from the heap growth while filling the
// population, bytes per pending event.
func BenchmarkHold(b *testing.B) {
	for _, n := range []int{100, 10_000, 1_000_000} {
		b.Run("pending="+strconv.Itoa(n), func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			s, h := fillHold(n)
			runtime.GC()
			runtime.ReadMemStats(&after)
			perPending := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)

			// Warm up: one pass over the population so the event storage
			// has reached its steady size before timing.
			h.left = n
			s.Run()

			h.left = b.N
			b.ReportAllocs()
			b.ResetTimer()
			s.Run()
			b.StopTimer()
			if s.Pending() != n {
				b.Fatalf("pending = %d, want %d", s.Pending(), n)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(perPending, "B/pending")
		})
	}
}

// mm1 is an M/M/1 queue written the way a user of the package writes it:
// a Handler for arrivals and a RateServer for the server.
type mm1 struct {
	s        *sim.Sim
	srv      *sim.RateServer
	arrivals *rand.Rand
	service  *rand.Rand
	lambda   float64
	mu       float64
	left     int
	done     func(sim.Job)
	waitSum  sim.Time
	served   int
}

func (m *mm1) Handle(uint64) {
	m.srv.SubmitTime(sim.Seconds(m.service.ExpFloat64()/m.mu), 0, m.done)
	if m.left--; m.left > 0 {
		m.s.ScheduleAfter(sim.Seconds(m.arrivals.ExpFloat64()/m.lambda), m, 0)
	}
}

func (m *mm1) complete(j sim.Job) {
	m.waitSum += j.Wait()
	m.served++
}

func runMM1Kernel(seed uint64, customers int) (wq float64) {
	s := sim.New(seed)
	srv, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "mm1", Servers: 1, Rate: 1})
	if err != nil {
		panic(err)
	}
	m := &mm1{s: s, srv: srv, arrivals: s.Stream("arrivals"), service: s.Stream("service"),
		lambda: 0.9, mu: 1, left: customers}
	m.done = m.complete
	s.Schedule(0, m, 0)
	s.Run()
	return m.waitSum.Seconds() / float64(m.served)
}

// The baseline: the same M/M/1 on a bare typed binary heap ordered by
// (time, seq), no kernel, no allocation per event.
type bev struct {
	t    int64
	seq  uint64
	kind uint8 // 0 arrival, 1 departure
}

type bheap []bev

func (h bheap) less(i, j int) bool {
	return h[i].t < h[j].t || (h[i].t == h[j].t && h[i].seq < h[j].seq)
}

func (h *bheap) push(e bev) {
	*h = append(*h, e)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !a.less(i, p) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *bheap) pop() bev {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && a.less(r, l) {
			m = r
		}
		if !a.less(m, i) {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}

func runMM1Baseline(seed uint64, customers int) (wq float64) {
	arr := rand.New(sim.NewSource(seed, "arrivals"))
	svc := rand.New(sim.NewSource(seed, "service"))
	h := make(bheap, 0, 16)
	var seq uint64
	queue := make([]int64, 0, 1024) // arrival times of waiting customers
	head := 0
	busy := false
	left := customers
	var waitSum int64
	served := 0
	h.push(bev{t: 0, seq: seq, kind: 0})
	for len(h) > 0 {
		e := h.pop()
		now := e.t
		if e.kind == 0 {
			if busy {
				queue = append(queue, now)
			} else {
				busy = true
				seq++
				h.push(bev{t: now + int64(sim.Seconds(svc.ExpFloat64())), seq: seq, kind: 1})
			}
			if left--; left > 0 {
				seq++
				h.push(bev{t: now + int64(sim.Seconds(arr.ExpFloat64()/0.9)), seq: seq, kind: 0})
			}
			continue
		}
		served++
		if head < len(queue) {
			waitSum += now - queue[head]
			head++
			if head == len(queue) {
				queue, head = queue[:0], 0
			}
			seq++
			h.push(bev{t: now + int64(sim.Seconds(svc.ExpFloat64())), seq: seq, kind: 1})
		} else {
			busy = false
		}
	}
	return float64(waitSum) / 1e9 / float64(served)
}

// BenchmarkMM1 runs 100,000 customers of M/M/1 (λ = 0.9, μ = 1) per
// iteration, through the kernel and through the bare-heap baseline.
func BenchmarkMM1(b *testing.B) {
	const customers = 100_000
	for _, c := range []struct {
		name string
		run  func(uint64, int) float64
	}{{"kernel", runMM1Kernel}, {"baseline", runMM1Baseline}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var wq float64
			for i := 0; i < b.N; i++ {
				wq += c.run(uint64(i+1), customers)
			}
			b.ReportMetric(float64(b.N)*customers/b.Elapsed().Seconds(), "customers/s")
			b.ReportMetric(wq/float64(b.N), "Wq")
		})
	}
}
