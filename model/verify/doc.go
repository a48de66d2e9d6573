// Package verify proves a capacity plan by simulation: it plays the plan
// at its peak (scenarios.FromPlan, then model.Run), judges whether the plan
// holds, sets what each resource measured beside the plan's arithmetic,
// and searches for the rate at which the plan stops holding.
//
// How a caller uses it:
//
//  1. Verify(plan, Options) runs the plan at its peak and returns a
//     Verification: the checks (load accepted, lag bounded, nothing lost,
//     p99 end-to-end within the workload's SLO), the resources (measured
//     utilisation of the busiest broker beside the plan's arithmetic and
//     target), Holds, and Binding — the resource or check that fails, or
//     the one nearest its limit when the plan holds.
//  2. Headroom(v, Options) searches for the highest rate the plan sustains
//     by bisection on the offered rate, one short probe per step, and runs
//     the peak again with one broker shut down (N−1).
//
// When a plan holds at a rate (Judge): every consumer group's lag at the
// end of producing is at most max_lag of traffic (the SLO's, 5 s without
// one) and its least-squares slope over the last 80% of producing is
// at most 2% of the offered rate (a lag that grows by more than that is
// unbounded: the consumers fall behind); producers were handed the
// offered load (within Poisson noise and 2%) and, over the last 80% of
// producing, acknowledgements kept up with it to 2% (else the cluster
// falls behind its producers, a queue consumer lag does not see); nothing
// was lost, failed or indeterminate; no broker resource (NIC, disk, CPU)
// was busy 98% of the time or more (a saturated server's queue only
// grows, though a short run may not show it: a page cache absorbs disk
// writes for a while); p99 end-to-end
// is within the SLO's p99_e2e if stated. The verdict at the peak also
// needs every resource at or below the plan's target (NICs: the
// network_target; storage projected over the retention: the disk fill
// target; partition replicas per broker: max_partitions_per_broker; disk
// throughput and consumers: 100%). The headroom search judges sustain
// only (the checks, not the targets): targets are margins, saturation is
// where delivery breaks; where each resource reaches its target follows
// from the verifying run by proportion and is reported beside it.
//
// Work budget: every run's messages are bounded. The verifying run offers
// at most MaxMessages (its duration is shortened to fit, and says so);
// each probe offers at most ProbeMessages and lasts at most ProbeDuration
// but never less than MinProbeDuration, so rates above ProbeMessages ÷
// MinProbeDuration are not probed; at most MaxProbes probes run. A probe
// far above saturation therefore costs no more memory than one below it:
// the simulation keeps at most the messages it was offered. A probe whose
// quarter-length pilot is clearly past saturation (lag growing by more
// than 10% of the offered rate, or acknowledgements 10% behind) stops
// there.
//
// The package reaches the model only through model.Run and model.Results,
// and the plan only through scenarios.FromPlan.
package verify
