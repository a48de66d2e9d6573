package verify

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"mqsim/model"

	"mqsim/capacity"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// Probe is one short run of the headroom search.
type Probe struct {
	Rate      float64 `json:"offered_per_s"`
	Delivered float64 `json:"delivered_per_s"` // processed/s while producing, the slowest group
	P99       float64 `json:"p99_e2e_seconds"`
	Sustains  bool    `json:"sustains"`
	GaveOut   string  `json:"gave_out,omitempty"` // for a probe that does not sustain: what gave out
	// Saturated says GaveOut is a resource (nearly full) rather than a
	// check that failed with no resource nearly full.
	Saturated bool           `json:"saturated,omitempty"`
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
	// FirstOut is what gave out at FailsAt: a resource when Saturated,
	// else the check that failed first.
	FirstOut  string `json:"first_out,omitempty"`
	Saturated bool   `json:"saturated,omitempty"`
	// Targets lists where each throughput resource reaches its target,
	// lowest rate first.
	Targets []TargetRate `json:"targets"`
	// NMinus1 is the plan at its peak with one broker shut down.
	NMinus1 *Verification `json:"n_minus_1,omitempty"`
	// Budget states the bound on the search's work.
	Budget string `json:"budget"`
	// Best is the run at HoldsTo (nil when nothing sustained).
	Best *Verification `json:"-"`
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
func Ceiling() float64 { return DefaultBudget.Ceiling() }

// Budget bounds a search's work: at most Probes probes after the first,
// each offering at most Messages and lasting MinDuration to MaxDuration.
type Budget struct {
	Probes                   int
	Messages                 int64
	MinDuration, MaxDuration units.Duration
}

// DefaultBudget is the headroom search's (the constants above).
var DefaultBudget = Budget{Probes: MaxProbes, Messages: ProbeMessages, MinDuration: MinProbeDuration, MaxDuration: ProbeDuration}

// Ceiling is the highest rate a probe offers within the budget.
func (b Budget) Ceiling() float64 {
	return min(scenarios.MaxRate, float64(b.Messages)/b.MinDuration.Seconds())
}

// duration is how long a probe at rate runs: Messages' worth, between
// MinDuration and MaxDuration.
func (b Budget) duration(rate float64) units.Duration {
	return min(b.MaxDuration, max(b.MinDuration, budgetDuration(rate, b.Messages)))
}

// Headroom searches for the highest rate the plan sustains, starting from
// its verification at the peak v, and plays the peak with one broker down.
// The search brackets the answer (from the rate at which the busiest
// resource measured at the peak would be full, doubling or halving), then
// bisects to 2%, within MaxProbes probes in all.
func Headroom(p *capacity.Plan, v *Verification, opt Options) (*HeadroomResult, error) {
	h := newHeadroom()
	err := search(h, v, DefaultBudget, func(rate float64, d units.Duration) (*Verification, error) {
		return play(p, opt, rate, d, false)
	})
	if err != nil {
		return nil, err
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

func newHeadroom() *HeadroomResult {
	return &HeadroomResult{Ceiling: Ceiling(),
		Budget: fmt.Sprintf("at most %d probes of at most %s messages each (%s to %s simulated), and the N−1 run of at most %s messages: at most %s simulated messages",
			MaxProbes, units.FormatSI(ProbeMessages), MinProbeDuration, ProbeDuration, units.FormatSI(MaxMessages), units.FormatSI(MaxProbes*ProbeMessages+MaxMessages))}
}


// search finds the highest rate that sustains, from the judged run first:
// it brackets the answer (from the rate at which first's busiest resource
// would be full, doubling up or halving down) and bisects to 2%, within
// MaxProbes probes. It records every run in h.
func search(h *HeadroomResult, first *Verification, b Budget, probe func(rate float64, d units.Duration) (*Verification, error)) error {
	h.Probes = append(h.Probes, probeOf(first))
	if first.Sustains {
		h.Best = first
	}
	probes := 0
	try := func(rate float64) (bool, error) {
		probes++
		d := b.duration(rate)
		// A pilot of a quarter of the probe first: a rate far past
		// saturation shows at once, and its probe stops there.
		if pilot := d / 4; pilot >= b.MinDuration {
			pv, err := probe(rate, pilot)
			if err != nil {
				return false, err
			}
			if clearlyUnbounded(pv) {
				h.Probes = append(h.Probes, probeOf(pv))
				return false, nil
			}
		}
		pv, err := probe(rate, d)
		if err != nil {
			return false, err
		}
		h.Probes = append(h.Probes, probeOf(pv))
		if pv.Sustains && (h.Best == nil || pv.Rate > h.Best.Rate) {
			h.Best = pv
		}
		return pv.Sustains, nil
	}
	lo, hi := 0.0, 0.0
	if first.Sustains {
		lo = first.Rate
		_, u := busiest(first)
		r := 2 * first.Rate
		if u > 0 {
			r = first.Rate / u * 1.05 // just past where the busiest resource would be full
		}
		r = min(h.Ceiling, max(r, 1.1*first.Rate))
		for hi == 0 && probes < b.Probes && r > lo {
			ok, err := try(r)
			if err != nil {
				return err
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
		hi = first.Rate
		for r := first.Rate / 2; lo == 0 && probes < b.Probes; r /= 2 {
			ok, err := try(r)
			if err != nil {
				return err
			}
			if ok {
				lo = r
			} else {
				hi = r
			}
		}
	}
	for lo > 0 && hi > 0 && hi/lo > 1.02 && probes < b.Probes {
		m := (lo + hi) / 2
		ok, err := try(m)
		if err != nil {
			return err
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
			h.FirstOut, h.Saturated = pr.GaveOut, pr.Saturated
		}
	}
	return nil
}

// Loader loads a scenario with extra --set entries applied last.
type Loader func(sets []string) (*scenarios.LoadedScenario, error)

// MaxRate searches a scenario for the highest total producer rate it
// sustains — lag bounded, the load accepted and acknowledged, nothing
// lost — scaling every producer's rate in proportion to base's, starting
// with a probe at start messages/s. Every probe keeps the work budget.
// It is the search of Headroom without a plan: there are no targets and
// no N−1 run.
func MaxRate(load Loader, base *scenarios.LoadedScenario, start float64) (*HeadroomResult, error) {
	return MaxRateWithin(load, base, start, DefaultBudget)
}

// MaxRateWithin is MaxRate within a given work budget.
func MaxRateWithin(load Loader, base *scenarios.LoadedScenario, start float64, b Budget) (*HeadroomResult, error) {
	total := 0.0
	for _, p := range base.Producers {
		total += float64(p.Rate)
	}
	if total <= 0 || start <= 0 {
		return nil, fmt.Errorf("scenario %s: no producer rate to scale", base.Name)
	}
	probe := func(rate float64, d units.Duration) (*Verification, error) {
		sets := []string{
			"duration=" + nanos(d),
			"warmup=" + nanos(min(units.Second, d/10)),
			"drain=" + nanos(max(units.Millisecond, d/4)),
			"sample_interval=" + nanos(max(units.Millisecond, d/samplesPerRun)),
		}
		for i, p := range base.Producers {
			sets = append(sets, fmt.Sprintf("producers.%d.rate=%s/s", i, strconv.FormatFloat(rate*float64(p.Rate)/total, 'f', -1, 64)))
		}
		ls, err := load(sets)
		if err != nil {
			return nil, err
		}
		res, err := model.Run(&ls.Scenario, model.Options{})
		if err != nil {
			return nil, fmt.Errorf("scenario %s at %s: %w", ls.Name, units.Rate(rate), err)
		}
		v := &Verification{Workload: ls.Name, Which: "scenario", Rate: rate, Duration: d, Seed: ls.Seed,
			Scenario: ls, Results: res}
		judge(v, capacity.SLO{}, res, func() []Resource { return brokerResources(res, d.Seconds()) })
		return v, nil
	}
	first, err := probe(start, b.duration(start))
	if err != nil {
		return nil, err
	}
	h := newHeadroom()
	h.Ceiling = b.Ceiling()
	h.Budget = fmt.Sprintf("at most %d probes of at most %s messages each (%s to %s simulated): at most %s simulated messages",
		b.Probes+1, units.FormatSI(float64(b.Messages)), b.MinDuration, b.MaxDuration, units.FormatSI(float64(int64(b.Probes+1)*b.Messages)))
	if err := search(h, first, b, probe); err != nil {
		return nil, err
	}
	return h, nil
}

// clearlyUnbounded says a run is far past saturation: its lag grows by
// more than a tenth of the offered rate, or acknowledgements fall a tenth
// behind production.
func clearlyUnbounded(v *Verification) bool {
	return v.LagGrowth > 5*LagGrowthShare || v.AckShare < 1-5*LagGrowthShare
}

// probeOf summarises a run as a point of the headroom curve.
func probeOf(v *Verification) Probe {
	pr := Probe{Rate: v.Rate, Delivered: v.Delivered, P99: v.P99, Sustains: v.Sustains, Duration: v.Duration, Messages: v.Messages}
	if !v.Sustains {
		pr.GaveOut, pr.Saturated = gaveOut(v)
	}
	return pr
}

// gaveOut names what failed in a run that does not sustain its rate: the
// busiest throughput resource when it is nearly full (90%), else the first
// failing check.
func gaveOut(v *Verification) (string, bool) {
	if r, u := busiest(v); u >= 0.9 {
		return r, true
	}
	for _, c := range v.Checks {
		if !c.Pass {
			return c.Name, false
		}
	}
	return "", false
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
	case !h.Saturated:
		return fmt.Sprintf("This plan holds to %s; at %s it fails %q with no broker resource nearly full (the clients' pipeline limits it).", units.Rate(h.HoldsTo), units.Rate(h.FailsAt), h.FirstOut)
	}
	return fmt.Sprintf("This plan holds to %s; %s gives out first (at %s).", units.Rate(h.HoldsTo), h.FirstOut, units.Rate(h.FailsAt))
}
