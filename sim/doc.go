// Package sim is mqsim's discrete-event simulation kernel: a virtual clock,
// an event list, named random streams, distributions, resources and
// samplers. It knows nothing about messaging; the model builds brokers,
// producers and consumers out of these parts.
//
// # Invariants
//
//   - Time is Time: int64 nanoseconds of simulated time, never the wall
//     clock.
//   - Events run in (time, sequence) order: events due at the same time run
//     in the order they were scheduled, whatever the heap does.
//   - A run is a pure function of the model, its inputs and the master seed.
//     The package starts no goroutine, reads no clock and uses no global
//     random source, and no result depends on map iteration order.
//   - Scheduling in the past is not silently clamped: the event runs at Now
//     (after what is already due at Now) and Sim.Err reports the first such
//     call, so a model's tests can require Err() == nil.
//
// # Walkthrough
//
// Create a simulator with a master seed, schedule events, run:
//
//	s := sim.New(42)
//	s.After(5*sim.Millisecond, func() { fmt.Println("at", s.Now()) })
//	s.Run() // prints "at 5ms"
//
// A func() closure made per event allocates. On hot paths give the kernel a
// long-lived Handler (any type with Handle(arg uint64)) or a func(uint64)
// made once, plus a uint64 argument; these never allocate:
//
//	type producer struct {
//		s    *sim.Sim
//		gaps sim.Dist
//		rng  *rand.Rand
//	}
//
//	func (p *producer) Handle(seq uint64) {
//		// ... send record seq ...
//		p.s.ScheduleAfter(sim.SampleTime(p.gaps, p.rng), p, seq+1)
//	}
//
//	p := &producer{s: s, gaps: sim.Exponential{Rate: 1000}, rng: s.Stream("producer/orders-3")}
//	s.Schedule(0, p, 0)
//	s.RunUntil(10 * sim.Second)
//
// An arrival process that keeps one event pending and schedules the next
// as each runs (a producer's sends) should use AtCallRecurring: its events
// run in exactly the order AtCall's would, but are kept in a second heap,
// as small as the number of such sources, instead of the heap of
// everything pending (timeouts, deliveries, server completions). At a
// million arrivals a second that is the cheaper place for them.
//
// Schedule and its relatives return an EventID for Cancel (a timeout that
// is no longer needed) and Reschedule (a deadline that moves). Stop ends the
// current Run after the running event; Run and RunUntil continue later.
// SetTrace installs a per-event hook for tracing and trace hashes.
//
// # Random streams
//
// Stream(name) returns the generator for name (PCG seeded from SHA-256 of
// the master seed and the name). One name always gives the same *rand.Rand,
// and a stream's draws do not depend on which other streams exist.
//
// # Distributions
//
// Dist values (Constant, Uniform, Exponential, Normal truncated at 0,
// LogNormal, Pareto, Weibull, Empirical) sample from a stream passed in.
// ParseDist reads them from text such as "exp(2ms)" or
// "lognormal(median=5ms, p99=50ms)"; the caller's ValueParser decides the
// unit (ParseNumber reads plain numbers, and Go durations as seconds).
//
// # Resources
//
// RateServer is c parallel servers fed from one FIFO queue, serving work at
// a rate (bytes/s, items/s) that SetRateFactor can slow or stall; jobs that
// find the bounded queue full are rejected. Completion calls the job's Done
// func with the Job (tag, arrival and start times):
//
//	nic, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "b1/nic", Servers: 1, Rate: 125e6, MaxQueue: 1000})
//	ok := nic.Submit(64<<10, reqID, b.onSent) // b.onSent is a method value made once
//
// Queue[T] is a bounded FIFO that rejects or blocks when full and parks
// getters while empty; TokenBucket reserves tokens and returns the delay.
// Each keeps statistics (utilisation, time-average and maximum queue
// length, served, rejected, mean wait) with ResetStats to drop a warm-up.
//
// # Measuring
//
// Sampler calls registered functions every interval into float64 columns
// (its ticks do not keep Run alive). Histogram is an HDR histogram with
// exact count, mean, min and max and p50/p90/p99/p99.9 within three
// significant digits; histograms merge. TimeAverage is the time-weighted
// mean of any level.
package sim
