package main

import (
	"fmt"
	"math"

	"mqsim/capacity"
	"mqsim/model/verify"
	"mqsim/scenarios/units"
)

// interviewProofMessages bounds the run behind step 5's "and does it
// hold?": a glance at the peak, about a second of work.
const interviewProofMessages = 100_000

// provePlan plays a prompt's plan briefly at its peak and says what the
// simulation found, for the model answer's step 5.
func provePlan(p *capacity.Plan) string {
	ms := math.Floor(interviewProofMessages / p.PeakMessagesPerSec * 1e3)
	d := units.Duration(min(2000, max(50, ms))) * units.Millisecond
	v, err := verify.Verify(p, verify.Options{Duration: d})
	if err != nil {
		return fmt.Sprintf("The simulator cannot play this plan: %v.", err)
	}
	verdict := v.Verdict()
	say := fmt.Sprintf("Played in the simulator at the peak for %s: t%s", d, verdict[1:])
	for _, r := range v.Resources {
		if r.Name == v.Binding && !v.Holds && !math.IsNaN(r.Plan) {
			say += fmt.Sprintf(" The arithmetic gave %.0f%%; the busiest broker measured %.0f%%.", r.Plan*100, r.Measured*100)
		}
	}
	return say
}
