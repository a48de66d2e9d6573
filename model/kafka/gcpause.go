package kafka

import (
	"fmt"
	"math/rand/v2"

	"mqsim/sim"
)

// Stop-the-world pauses of a broker's JVM (cluster.gc_pause): each broker
// pauses at random moments, gc_pause_interval apart on average (a Poisson
// process), for a duration drawn from gc_pause. While paused its
// request-handler threads do nothing (the CPU server's rate is 0): work
// in service waits, new requests queue, and everything resumes at the
// pause's end. NICs and disks go on (the kernel is not paused).

type gcPauser struct {
	w      *world
	b      *broker
	rng    *rand.Rand
	mean   sim.Time
	paused bool
	saved  float64
}

func (w *world) startGCPauses() {
	c := &w.sc.Cluster
	if c.GCPause.Dist == nil || c.GCPauseInterval <= 0 {
		return
	}
	for _, b := range w.brokers {
		g := &gcPauser{w: w, b: b, rng: w.s.Stream(fmt.Sprintf("broker/%d/gc", b.id)), mean: sim.Time(c.GCPauseInterval)}
		g.next()
	}
}

func (g *gcPauser) next() {
	gap := sim.Time(g.rng.ExpFloat64() * float64(g.mean))
	g.w.s.After(gap, g.pause)
}

func (g *gcPauser) pause() {
	d := sim.SampleTime(g.w.sc.Cluster.GCPause.Dist, g.rng)
	g.saved = g.b.CPU.RateFactor()
	g.b.CPU.SetRateFactor(0)
	g.w.s.After(d, func() {
		g.b.CPU.SetRateFactor(g.saved)
		g.next()
	})
}
