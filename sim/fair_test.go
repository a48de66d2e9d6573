package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Two flows share a fair server of 1,000 B/s. Flow A queues 100 jobs of
// 1,000 B at time 0, then flow B queues 10. First in first out, B's jobs
// would finish at 101 s to 110 s, after A's last at 100 s. Shared fairly,
// the server alternates (A's first job is already in service): B's k-th
// job finishes at 2k + 1 s (k = 1..10), so its last at 21 s, and A's last
// at 110 s — the server never idles while work waits.
func TestFairServerSharesBetweenFlows(t *testing.T) {
	for _, fair := range []bool{false, true} {
		s := New(1)
		r, err := NewRateServer(s, RateServerConfig{Name: "nic", Servers: 1, Rate: 1000, Fair: fair})
		if err != nil {
			t.Fatal(err)
		}
		var doneA, doneB []Time
		for range 100 {
			r.SubmitFlow(1000, 1, 0, func(Job) { doneA = append(doneA, s.Now()) })
		}
		for range 10 {
			r.SubmitFlow(1000, 2, 0, func(Job) { doneB = append(doneB, s.Now()) })
		}
		s.Run()
		if len(doneA) != 100 || len(doneB) != 10 {
			t.Fatalf("fair %v: %d and %d jobs done, want 100 and 10", fair, len(doneA), len(doneB))
		}
		wantA := 100 * Second
		if fair {
			wantA = 110 * Second
		}
		if last := doneA[99]; last != wantA {
			t.Errorf("fair %v: A's last job done at %v, want %v (work conserving)", fair, last, wantA)
		}
		for k, at := range doneB {
			want := Time(101+k) * Second
			if fair {
				want = Time(2*(k+1)+1) * Second
			}
			if at != want {
				t.Errorf("fair %v: B's job %d done at %v, want %v", fair, k+1, at, want)
			}
		}
	}
}

// Backlogged flows of different job sizes share bytes, not jobs: flow A
// sends 4,000 B jobs and flow B 1,000 B jobs, both with far more queued
// than 100 s can serve at 1,000 B/s; over the first 100 s each gets about
// half the bytes (to within one job of A).
func TestFairServerSharesBytes(t *testing.T) {
	s := New(1)
	r, err := NewRateServer(s, RateServerConfig{Name: "nic", Servers: 1, Rate: 1000, Fair: true})
	if err != nil {
		t.Fatal(err)
	}
	var bytesA, bytesB float64
	for range 100 {
		r.SubmitFlow(4000, 1, 0, func(j Job) {
			if s.Now() <= 100*Second {
				bytesA += j.Amount
			}
		})
	}
	for range 400 {
		r.SubmitFlow(1000, 2, 0, func(j Job) {
			if s.Now() <= 100*Second {
				bytesB += j.Amount
			}
		})
	}
	s.RunUntil(100 * Second)
	if bytesA < 46000 || bytesA > 54000 || bytesB < 46000 || bytesB > 54000 {
		t.Errorf("in 100s flow A got %.0f B and flow B %.0f B, want 50,000 each within one 4,000 B job", bytesA, bytesB)
	}
}

// A one-server fair server that finds itself idle tags the job without
// looking its flow up: the jobs finish in exactly the order and at exactly
// the times of a server that stamps the flow as it does when busy — over a
// random mix of flows, sizes and gaps, at low and high load.
func TestFairServerIdleTagSameOrder(t *testing.T) {
	for _, load := range []float64{0.2, 0.7, 1.5} {
		run := func(eager bool) []uint64 {
			s := New(3)
			r, err := NewRateServer(s, RateServerConfig{Name: "nic", Servers: 1, Rate: 1e6, Fair: true})
			if err != nil {
				t.Fatal(err)
			}
			r.fair.eager = eager
			rng := rand.New(rand.NewPCG(9, 10))
			var got []uint64
			done := func(j Job) { got = append(got, uint64(s.Now())<<20|j.Tag) }
			var tag uint64
			var next func()
			next = func() {
				for range 1 + rng.IntN(3) {
					tag++
					r.SubmitFlow(float64(100+rng.IntN(5000)), uint64(rng.IntN(6)), tag, done)
				}
				if tag < 20_000 {
					// Mean work per job ≈ 2,550 B, 2 jobs per call: gaps
					// of 5.1 ms ÷ load at 1 MB/s.
					s.After(Time(rng.ExpFloat64()*5.1e6/load), next)
				}
			}
			s.At(0, next)
			s.Run()
			return got
		}
		want, got := run(true), run(false)
		if len(want) < 20_000 || !slices.Equal(got, want) {
			t.Fatalf("load %g: %d completions, want %d; or the order or times differ", load, len(got), len(want))
		}
	}
}
