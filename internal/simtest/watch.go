// Package simtest holds what tests that watch a simulation run share.
package simtest

import (
	"fmt"

	"mqsim/model/channel"
	"mqsim/sim"
)

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

// ServiceChurn is a service graph that sends 200 calls/s through a queue
// on system (sqs, rabbitmq, pulsar or kafka) to a worker that is slowed
// 5× from 3 s to 7 s, then crashes from 10 s to 12 s: what the queue held
// comes back, redelivered. The running-count tests of every system's
// service channel run it.
func ServiceChurn(system string) string {
	return `name: churn
system: services
seed: 2
duration: 20s
drain: 40s
services:
  call: async
  via: {system: ` + system + `}
  client: {rate: 200/s}
  graph:
    - {name: api, instances: 2, service_time: exp(1ms), calls: [{to: work}]}
    - {name: work, instances: 2, threads: 4, service_time: exp(15ms)}
  faults:
    - {type: slow, service: work, at: 3s, duration: 4s, slowdown: 5x}
    - {type: crash, service: work, at: 10s, duration: 2s}
`
}

// ChannelWithinMax reports an error when channel ch stores more than the
// most it says it ever stored: a maximum kept where counts rise must be at
// least every value they take.
func ChannelWithinMax(now sim.Time, ch interface {
	Stored() int
	Stats() channel.Stats
}) error {
	if n, m := ch.Stored(), ch.Stats().MaxStored; m < n {
		return fmt.Errorf("channel at %v: %d stored, above its maximum %d", now, n, m)
	}
	return nil
}
