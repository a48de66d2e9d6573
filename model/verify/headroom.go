package verify

import (
	"fmt"
	"math"
	"slices"

	"mqsim/capacity"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// Probe is one short run of the headroom search.
type Probe struct {
	Rate      float64        `json:"offered_per_s"`
	Delivered float64        `json:"delivered_per_s"` // processed/s while producing, the slowest group
	P99       float64        `json:"p99_e2e_seconds"`
	Sustains  bool           `json:"sustains"`
	GaveOut   string         `json:"gave_out,omitempty"` // for a probe that does not sustain: what gave out
	Duration  units.Duration `json:"duration_seconds"`
	Messages  int64          `json:"messages"`
}

// TargetRate is the offered rate at which a resource reaches the plan's
// target, in proportion to what it measured at the peak.
type TargetRate struct {
	Resource string  `json:"resource"`
	Target   float64 `json:"target"`
	Rate     float64 `json:"rate"`
}

// HeadroomResult is the answer of the headroom search.
type HeadroomResult struct {
	// Probes in the order they ran; Curve returns them by rate.
	Probes []Probe `json:"probes"`
	// HoldsTo is the highest rate sustained (0: none, not even the
	// lowest probed); FailsAt the lowest that was not (0: none up to
	// Ceiling).
	HoldsTo float64 `json:"holds_to"`
	FailsAt float64 `json:"fails_at"`
	// Ceiling is the highest rate a probe may offer within the work
	// budget (ProbeMessages in MinProbeDuration) or a scenario's limit.
	Ceiling float64 `json:"ceiling"`
	// FirstOut is what gave out at FailsAt.
	FirstOut string `json:"first_out,omitempty"`
	// Targets lists where each throughput resource reaches its target,
	// lowest rate first.
	Targets []TargetRate `json:"targets"`
	// NMinus1 is the plan at its peak with one broker shut down.
	NMinus1 *Verification `json:"n_minus_1,omitempty"`
	// Budget states the bound on the search's work.
	Budget string `json:"budget"`
}

// Curve is the probes sorted by offered rate, the peak run included.
func (h *HeadroomResult) Curve() []Probe {
	c := slices.Clone(h.Probes)
	slices.SortStableFunc(c, func(a, b Probe) int {
		switch {
		case a.Rate < b.Rate:
			return -1
		case a.Rate > b.Rate:
			return 1
		}
		return 0
	})
	return c
}

// Ceiling is the highest rate a probe offers within the work budget.
func Ceiling() float64 {
	return min(scenarios.MaxRate, ProbeMessages/MinProbeDuration.Seconds())
}

// Headroom searches for the highest rate the plan sustains, starting from
// its verification at the peak v, and plays the peak with one broker down.
// The search brackets the answer (from the rate at which the busiest
// resource measured at the peak would be full, doubling or halving), then
// bisects to 2%, within MaxProbes probes in all.
func Headroom(p *capacity.Plan, v *Verification, opt Options) (*HeadroomResult, error) {
	h := &HeadroomResult{Ceiling: Ceiling(),
		Budget: fmt.Sprintf("at most %d probes of at most %s messages each (%s to %s simulated), and the N−1 run of at most %s messages: at most %s simulated messages",
			MaxProbes, units.FormatSI(ProbeMessages), MinProbeDuration, ProbeDuration, units.FormatSI(MaxMessages), units.FormatSI(MaxProbes*ProbeMessages+MaxMessages))}
	h.Probes = append(h.Probes, probeOf(v))
	probes := 0
	probe := func(rate float64) (bool, error) {
		probes++
		d := min(ProbeDuration, max(MinProbeDuration, budgetDuration(rate, ProbeMessages)))
		pv, err := play(p, opt, rate, d, false)
		if err != nil {
			return false, err
		}
		h.Probes = append(h.Probes, probeOf(pv))
		return pv.Sustains, nil
	}
	lo, hi := 0.0, 0.0
	if v.Sustains {
		lo = v.Rate
		_, u := busiest(v)
		r := 2 * v.Rate
		if u > 0 {
			r = v.Rate / u * 1.05 // just past where the busiest resource would be full
		}
		r = min(h.Ceiling, max(r, 1.1*v.Rate))
		for hi == 0 && probes < MaxProbes && r > lo {
			ok, err := probe(r)
			if err != nil {
				return nil, err
			}
			if !ok {
				hi = r
				break
			}
			lo = r
			if r >= h.Ceiling {
				break
			}
			r = min(h.Ceiling, 2*r)
		}
	} else {
		hi = v.Rate
		for r := v.Rate / 2; lo == 0 && probes < MaxProbes; r /= 2 {
			ok, err := probe(r)
			if err != nil {
				return nil, err
			}
			if ok {
				lo = r
			} else {
				hi = r
			}
		}
	}
	for lo > 0 && hi > 0 && hi/lo > 1.02 && probes < MaxProbes {
		m := (lo + hi) / 2
		ok, err := probe(m)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = m
		} else {
			hi = m
		}
	}
	h.HoldsTo, h.FailsAt = lo, hi
	for _, pr := range h.Probes {
		if pr.Rate == hi && !pr.Sustains {
			h.FirstOut = pr.GaveOut
		}
	}
	for _, r := range v.Resources {
		if r.Saturates && r.Measured > 0 && !math.IsNaN(r.Measured) {
			h.Targets = append(h.Targets, TargetRate{Resource: r.Name, Target: r.Target, Rate: v.Rate * r.Target / r.Measured})
		}
	}
	slices.SortStableFunc(h.Targets, func(a, b TargetRate) int {
		switch {
		case a.Rate < b.Rate:
			return -1
		case a.Rate > b.Rate:
			return 1
		}
		return 0
	})
	if v.Brokers > 1 {
		nv, err := play(p, opt, v.Rate, v.Duration, true)
		if err != nil {
			return nil, fmt.Errorf("one broker down: %w", err)
		}
		h.NMinus1 = nv
	}
	return h, nil
}

// probeOf summarises a run as a point of the headroom curve.
func probeOf(v *Verification) Probe {
	pr := Probe{Rate: v.Rate, Delivered: v.Delivered, P99: v.P99, Sustains: v.Sustains, Duration: v.Duration, Messages: v.Messages}
	if !v.Sustains {
		pr.GaveOut = gaveOut(v)
	}
	return pr
}

// gaveOut names what failed in a run that does not sustain its rate: the
// busiest throughput resource when it is nearly full (90%), else the first
// failing check.
func gaveOut(v *Verification) string {
	if r, u := busiest(v); u >= 0.9 {
		return r
	}
	for _, c := range v.Checks {
		if !c.Pass {
			return c.Name
		}
	}
	return ""
}

// Summary is the search's answer in one sentence.
func (h *HeadroomResult) Summary() string {
	switch {
	case h.HoldsTo == 0:
		return fmt.Sprintf("The plan does not sustain even %s.", units.Rate(h.FailsAt))
	case h.FailsAt == 0:
		return fmt.Sprintf("This plan holds to at least %s, the most a probe offers within its work budget.", units.Rate(h.HoldsTo))
	case h.FirstOut == "":
		return fmt.Sprintf("This plan holds to %s; at %s it does not.", units.Rate(h.HoldsTo), units.Rate(h.FailsAt))
	}
	return fmt.Sprintf("This plan holds to %s; %s gives out first (at %s).", units.Rate(h.HoldsTo), h.FirstOut, units.Rate(h.FailsAt))
}
