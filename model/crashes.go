package model

import (
	"fmt"

	"mqsim/scenarios"
)

// ConsumerCrashes resolves the faults of a scenario on a managed service,
// whose one fault is a consumer crash, to the consumers each one stops,
// and calls hit for every such consumer. members gives a group's
// consumers and whether the group exists. Any other fault type is an
// error naming the system.
func ConsumerCrashes[C any](sc *scenarios.Scenario, system string, members func(group string) ([]C, bool), hit func(c C, f *scenarios.Fault)) error {
	for i := range sc.Faults {
		f := &sc.Faults[i]
		if f.Type != "consumer-crash" {
			return fmt.Errorf("scenario %s: faults[%d]: %s is not modelled under system: %s", sc.Name, i, f.Type, system)
		}
		cs, ok := members(f.Group)
		if !ok {
			return fmt.Errorf("scenario %s: faults[%d]: unknown group %q", sc.Name, i, f.Group)
		}
		if f.Consumer != nil {
			if *f.Consumer < 0 || *f.Consumer >= len(cs) {
				return fmt.Errorf("scenario %s: faults[%d]: group %s has no consumer %d", sc.Name, i, f.Group, *f.Consumer)
			}
			cs = cs[*f.Consumer : *f.Consumer+1]
		}
		for _, c := range cs {
			hit(c, f)
		}
	}
	return nil
}
