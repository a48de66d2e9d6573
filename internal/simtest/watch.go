// Package simtest holds what tests that watch a simulation run share.
package simtest

import "mqsim/sim"

// Watch runs check every iv of simulated time from now on, for as long as
// the run goes, and returns a function to call once the run is over: it
// runs check a last time unless an earlier one failed, and returns the
// first error. Tests of running counts (a lag, a depth, a backlog) use it
// to compare them with a recount at every tick and at the end.
func Watch(s *sim.Sim, iv sim.Time, check func() error) (end func() error) {
	var bad error
	var tick func()
	tick = func() {
		if bad == nil {
			bad = check()
		}
		s.After(iv, tick)
	}
	s.After(iv, tick)
	return func() error {
		if bad == nil {
			bad = check()
		}
		return bad
	}
}
