package kafka

import (
	"fmt"
	"sort"

	"mqsim/scenarios"
	"mqsim/sim"
)

// faultAction is one fault of a scenario, bound to the world: apply runs at
// the fault's time, revert at its end (only when it has a Duration).
type faultAction interface {
	apply() error
	revert() error
}

// faultKinds builds the action for each fault type. Each family of faults
// registers its types from an init function in its own file (brokers and
// the network in one, consumers and downstreams in another), so the set
// grows without touching this file. A test checks that every type the
// scenarios package accepts is registered here and vice versa.
var faultKinds = map[string]func(w *world, f *scenarios.Fault) (faultAction, error){}

// faultLabel is the default label for a fault: its type and target.
func faultLabel(f *scenarios.Fault) string {
	if f.Label != "" {
		return f.Label
	}
	switch {
	case f.Broker != nil:
		return fmt.Sprintf("%s b%d", f.Type, *f.Broker)
	case f.Leader != "":
		return fmt.Sprintf("%s (leader of %s)", f.Type, f.Leader)
	case f.Group != "" && f.Consumer != nil:
		return fmt.Sprintf("%s %s/%d", f.Type, f.Group, *f.Consumer)
	case f.Group != "":
		return fmt.Sprintf("%s %s", f.Type, f.Group)
	}
	return f.Type
}

// scheduleFaults binds every fault of the scenario and schedules its start
// and end. Faults at the same time start in the order the scenario lists them.
func (w *world) scheduleFaults() error {
	for i := range w.sc.Faults {
		f := &w.sc.Faults[i]
		build, ok := faultKinds[f.Type]
		if !ok {
			return fmt.Errorf("faults[%d]: fault type %q is not implemented by the model", i, f.Type)
		}
		act, err := build(w, f)
		if err != nil {
			return fmt.Errorf("faults[%d] (%s): %w", i, f.Type, err)
		}
		label := faultLabel(f)
		w.s.At(sim.Time(f.At), func() {
			w.faultEvents = append(w.faultEvents, FaultEvent{Time: w.s.Now().Seconds(), Type: f.Type, Phase: "start", Label: label})
			if err := act.apply(); err != nil {
				w.fail(fmt.Errorf("faults[%d] (%s) at %v: %w", i, f.Type, w.s.Now(), err))
			}
		})
		if f.Duration > 0 {
			w.s.At(sim.Time(f.At+f.Duration), func() {
				w.faultEvents = append(w.faultEvents, FaultEvent{Time: w.s.Now().Seconds(), Type: f.Type, Phase: "end", Label: label + " ends"})
				if err := act.revert(); err != nil {
					w.fail(fmt.Errorf("faults[%d] (%s) ending at %v: %w", i, f.Type, w.s.Now(), err))
				}
			})
		}
	}
	return nil
}

// FaultTypes lists the fault types the model implements, sorted.
func FaultTypes() []string {
	names := make([]string, 0, len(faultKinds))
	for n := range faultKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
