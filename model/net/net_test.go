package net

import (
	"math"
	"sort"
	"testing"

	"mqsim/sim"
)

// Messages sent on one link 10 µs apart, with a latency of 1 ms ± 400 µs:
// each arrives no earlier than latency − jitter after it was sent, no later
// than latency + jitter after the latest send before it (it may wait behind
// an earlier message, never overtake it), and in send order.
func TestSendLatencyJitterOrder(t *testing.T) {
	s := sim.New(1)
	const lat, jit, gap = sim.Millisecond, 400 * sim.Microsecond, 10 * sim.Microsecond
	n := New(s, s.Stream("network"), lat, jit)
	var l Link
	var arrived []sim.Time
	for i := range 200 {
		s.AtCall(sim.Time(i)*gap, func(uint64) {
			n.Send(&l, func(uint64) { arrived = append(arrived, s.Now()) }, 0)
		}, 0)
	}
	s.Run()
	if len(arrived) != 200 {
		t.Fatalf("%d arrivals, want 200", len(arrived))
	}
	for i, at := range arrived {
		sent := sim.Time(i) * gap
		if at < sent+lat-jit || at > sent+lat+jit {
			t.Errorf("message %d sent at %v arrived at %v, want within [%v, %v]", i, sent, at, sent+lat-jit, sent+lat+jit)
		}
		if i > 0 && at < arrived[i-1] {
			t.Errorf("message %d arrived at %v, before message %d (%v): a link never reorders", i, at, i-1, arrived[i-1])
		}
	}
}

// probe sends one message from a to b at time at on a fresh link and
// records what became of it: arrival time, or refusal time, or silent loss.
type probe struct {
	arrived, refused, lost sim.Time
}

func sendAt(s *sim.Sim, n *Network, from, to NodeID, at sim.Time) *probe {
	p := &probe{arrived: -1, refused: -1, lost: -1}
	l := &Link{From: from, To: to, Undelivered: func(_ uint64, refused bool) {
		if refused {
			p.refused = s.Now()
		} else {
			p.lost = s.Now()
		}
	}}
	s.AtCall(at, func(uint64) { n.Send(l, func(uint64) { p.arrived = s.Now() }, 0) }, 0)
	return p
}

// A dead process on a live machine refuses: the sender hears of it one
// round trip (2 × 1ms) after sending, and nothing arrives. A dead machine
// is silent: nothing arrives and nothing is refused (the loss is reported
// at once, for bookkeeping only). After a restart messages arrive after
// the latency again.
func TestProcessRefusesMachineIsSilent(t *testing.T) {
	s := sim.New(1)
	const lat = sim.Millisecond
	n := New(s, s.Stream("network"), lat, 0)
	a, b := n.AddNode("client"), n.AddNode("broker")
	n.CrashProcess(b)
	proc := sendAt(s, n, a, b, 10*sim.Millisecond)
	s.AtCall(20*sim.Millisecond, func(uint64) { n.CrashMachine(b) }, 0)
	mach := sendAt(s, n, a, b, 30*sim.Millisecond)
	s.AtCall(40*sim.Millisecond, func(uint64) { n.Restart(b) }, 0)
	back := sendAt(s, n, a, b, 50*sim.Millisecond)
	s.Run()
	if proc.arrived != -1 || proc.refused != 12*sim.Millisecond {
		t.Errorf("to a dead process: arrived %v, refused %v; want refused at 10ms + 2 × 1ms = 12ms", proc.arrived, proc.refused)
	}
	if mach.arrived != -1 || mach.refused != -1 || mach.lost != 30*sim.Millisecond {
		t.Errorf("to a dead machine: arrived %v refused %v lost %v; want silent loss noted at 30ms", mach.arrived, mach.refused, mach.lost)
	}
	if back.arrived != 51*sim.Millisecond {
		t.Errorf("after the restart: arrived %v, want 50ms + 1ms", back.arrived)
	}
}

// A message in flight when its destination crashes is lost with the
// connection (sent at 0, the crash at 0.5ms, it would have arrived at 1ms).
func TestInFlightLostWithCrash(t *testing.T) {
	s := sim.New(1)
	n := New(s, s.Stream("network"), sim.Millisecond, 0)
	a, b := n.AddNode("a"), n.AddNode("b")
	p := sendAt(s, n, a, b, 0)
	s.AtCall(sim.Millisecond/2, func(uint64) { n.CrashProcess(b) }, 0)
	s.Run()
	if p.arrived != -1 || p.lost != sim.Millisecond {
		t.Errorf("arrived %v lost %v, want lost at 1ms", p.arrived, p.lost)
	}
}

// A one-way cut stops a→b but not b→a; a two-way partition both; Heal
// restores. Isolate cuts a node off from every other.
func TestCuts(t *testing.T) {
	s := sim.New(1)
	n := New(s, s.Stream("network"), sim.Millisecond, 0)
	a, b, c := n.AddNode("a"), n.AddNode("b"), n.AddNode("c")
	n.Cut(a, b)
	ab := sendAt(s, n, a, b, 0)
	ba := sendAt(s, n, b, a, 0)
	s.AtCall(5*sim.Millisecond, func(uint64) { n.Heal(a, b); n.Isolate(c) }, 0)
	ab2 := sendAt(s, n, a, b, 6*sim.Millisecond)
	ac := sendAt(s, n, a, c, 6*sim.Millisecond)
	ca := sendAt(s, n, c, a, 6*sim.Millisecond)
	s.AtCall(10*sim.Millisecond, func(uint64) { n.Rejoin(c) }, 0)
	ac2 := sendAt(s, n, a, c, 11*sim.Millisecond)
	s.Run()
	for _, x := range []struct {
		name string
		p    *probe
		want sim.Time // arrival, -1 for none
	}{{"a→b cut", ab, -1}, {"b→a open", ba, sim.Millisecond}, {"a→b healed", ab2, 7 * sim.Millisecond},
		{"a→c isolated", ac, -1}, {"c→a isolated", ca, -1}, {"a→c rejoined", ac2, 12 * sim.Millisecond}} {
		if x.p.arrived != x.want || x.want == -1 && x.p.lost == -1 {
			t.Errorf("%s: arrived %v (lost %v), want %v", x.name, x.p.arrived, x.p.lost, x.want)
		}
	}
}

// A drop of 30% loses about 30% of 10,000 messages (binomial: σ = √(10⁴ ×
// 0.3 × 0.7) ≈ 46, so ± 230 is 5σ); added delay 4ms and a 3× slow link
// make a 1ms trip 3 × 1 + 4 = 7ms.
func TestDropDelaySlow(t *testing.T) {
	s := sim.New(7)
	n := New(s, s.Stream("network"), sim.Millisecond, 0)
	a, b := n.AddNode("a"), n.AddNode("b")
	n.SetDrop(a, b, 0.3)
	var got, lost int
	l := &Link{From: a, To: b, Undelivered: func(uint64, bool) { lost++ }}
	for range 10000 {
		n.Send(l, func(uint64) { got++ }, 0)
	}
	s.Run()
	if lost < 3000-230 || lost > 3000+230 || got+lost != 10000 {
		t.Errorf("lost %d of 10000 (arrived %d), want 3000 ± 230", lost, got)
	}
	n.SetDrop(a, b, 0)
	n.SetDelay(b, a, 4*sim.Millisecond)
	n.SetSlow(b, a, 3)
	p := sendAt(s, n, b, a, s.Now())
	start := s.Now()
	s.Run()
	if p.arrived-start != 7*sim.Millisecond {
		t.Errorf("slow, delayed trip took %v, want 3 × 1ms + 4ms = 7ms", p.arrived-start)
	}
}

// A long-tailed latency: lognormal with median 150 µs and p99 600 µs.
// Messages on separate links (so none waits behind another) take one-way
// latencies whose median and p99 are those of the distribution: by hand,
// a lognormal with median m has p99 = m·e^(2.326σ), so σ = ln(4)/2.326 =
// 0.596, and p99.9 = m·e^(3.090σ) = 150 µs × 6.30 = 945 µs. Over 20,000
// samples each quantile is within 5%.
func TestSendLongTailedLatency(t *testing.T) {
	s := sim.New(1)
	d, err := sim.ParseDist("lognormal(median=150us, p99=600us)", sim.ParseNumber)
	if err != nil {
		t.Fatal(err)
	}
	n := New(s, s.Stream("network"), 150*sim.Microsecond, 50*sim.Microsecond)
	n.Dist = d
	const count = 20000
	lat := make([]float64, 0, count)
	for i := range count {
		sent := sim.Time(i) * sim.Millisecond
		l := &Link{}
		s.AtCall(sent, func(uint64) {
			n.Send(l, func(uint64) { lat = append(lat, (s.Now() - sent).Seconds()) }, 0)
		}, 0)
	}
	s.Run()
	sort.Float64s(lat)
	for _, q := range []struct {
		p    float64
		want float64
	}{{0.5, 150e-6}, {0.99, 600e-6}, {0.999, 945e-6}} {
		got := lat[int(q.p*float64(len(lat)))]
		if math.Abs(got-q.want) > 0.05*q.want {
			t.Errorf("p%g latency %.0fµs, want %.0fµs ± 5%%", 100*q.p, got*1e6, q.want*1e6)
		}
	}
}
