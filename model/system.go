package model

import (
	"errors"
	"fmt"
	"sort"

	"mqsim/scenarios"
	"mqsim/sim"
)

// Options are a run's settings that are not part of the scenario.
type Options struct {
	// DataDir, if set, puts every replica's log on files under it
	// (DataDir/broker-N/TOPIC-P); otherwise logs live in memory.
	DataDir string
	// Progress, if set, is called a few times per simulated second at
	// most, with the simulated time and the time the run will end at the
	// latest (duration plus drain).
	Progress func(simNow, simEnd sim.Time)
	// Stop, if set, ends the run early when closed: the loop stops at the
	// current simulated time (checked every step), and the results cover
	// what happened until then, with Results.Partial set.
	Stop <-chan struct{}
}

// RunFunc builds a resolved scenario's system on the kernel, plays it and
// returns its Results. It must be deterministic (same scenario and seed,
// same Results) and return an error rather than panic on anything it
// cannot run.
type RunFunc func(sc *scenarios.Scenario, opts Options) (*Results, error)

// DefaultSystem is the system a scenario that names none runs on.
const DefaultSystem = "kafka"

// systems holds each registered system's RunFunc by kind. Systems
// register from an init function; package mqsim/model/systems links them
// all in.
var systems = map[string]RunFunc{}

// Register makes a system available to Run under kind. It panics on an
// empty kind, a nil run or a kind registered twice: each is a programming
// error, found by the first test that links the system in.
func Register(kind string, run RunFunc) {
	if kind == "" || run == nil {
		panic("model.Register: empty kind or nil run")
	}
	if _, dup := systems[kind]; dup {
		panic("model.Register: system " + kind + " registered twice")
	}
	systems[kind] = run
}

// Systems lists the registered systems' kinds, sorted.
func Systems() []string {
	kinds := make([]string, 0, len(systems))
	for k := range systems {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// Run plays a resolved scenario (Defaults filled, validated) on its
// system (scenarios' system:, DefaultSystem when unset), and lists in
// Results.NotApplied the scenario's settings that system does not have. The system must be
// linked into the program (import mqsim/model/systems); Run returns an
// error naming the system when it is not. Same scenario and seed, same
// Results.
func Run(sc *scenarios.Scenario, opts Options) (*Results, error) {
	if sc == nil {
		return nil, errors.New("no scenario")
	}
	kind := sc.SystemName()
	run, ok := systems[kind]
	if !ok {
		return nil, fmt.Errorf("scenario %s: system %q is not linked into this program (import mqsim/model/systems)", sc.Name, kind)
	}
	res, err := run(sc, opts)
	if res != nil {
		res.NotApplied = sc.NotApplied()
		if res.Produced > 0 {
			res.EventsPerMessage = float64(res.Events) / float64(res.Produced)
		}
	}
	return res, err
}

// Play advances a system's kernel s to limit (the scenario's duration plus
// its drain) in steps of step. After each step afterStep, if set, may end
// the run with an error, opts.Progress hears the simulated time, and past
// end the run stops early as soon as quiet reports nothing left to do.
// A closed opts.Stop ends it at the current step: partial is then true.
// The kernel's own error (s.Err) is left to the caller, which stops its
// samplers first.
func Play(s *sim.Sim, opts Options, step, end, limit sim.Time, quiet func() bool, afterStep func() error) (partial bool, err error) {
	for t := sim.Time(0); ; {
		select {
		case <-opts.Stop:
			return true, nil
		default:
		}
		t = min(t+step, limit)
		s.RunUntil(t)
		if afterStep != nil {
			if err := afterStep(); err != nil {
				return false, err
			}
		}
		if opts.Progress != nil {
			opts.Progress(t, limit)
		}
		if t >= limit || (t >= end && quiet()) {
			return false, nil
		}
	}
}
