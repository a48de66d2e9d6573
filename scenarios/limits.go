package scenarios

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"mqsim/sim"
)

// Size limits Kafka accepts in a configuration but that refuse work at run
// time: a message size distribution that can reach max_request_size, or
// the topic's max_message_bytes, makes some sends fail (RecordTooLarge).
// They are warnings, not errors: the scenario runs and counts them.

// recordOverheadMax is what a record adds to its value on the wire, at
// most, for these checks (length, attributes, deltas, key and value
// lengths, headers count), and batchHeader a batch's header.
const (
	recordOverheadMax = 24
	batchHeader       = 61
)

// Warnings lists, located like errors (file, line, field), the settings
// that will make a run refuse some records.
func (ls *LoadedScenario) Warnings() []error {
	err := Located(ls.Source, ls.Node, errors.Join(append(Errors(ls.Scenario.sizeWarnings()), Errors(ls.Scenario.txnWarnings())...)...))
	if err == nil {
		return nil
	}
	return Errors(err)
}

func (s *Scenario) sizeWarnings() error {
	var v validator
	s.serviceWarnings(&v) // services.go
	for i := range s.Producers {
		p := &s.Producers[i]
		if p.MessageSize.Dist == nil {
			continue
		}
		up := sizeUpper(p.MessageSize.Dist)
		f := fmt.Sprintf("producers[%d].message_size", i)
		if up+recordOverheadMax > float64(p.MaxRequestSize) {
			v.add(f, "%s can reach %s, over max_request_size %d B with the record's overhead: such records are refused by send() (RecordTooLarge) and counted failed",
				p.MessageSize.Spec, fmtSize(up), int64(p.MaxRequestSize))
			continue
		}
		for _, t := range s.Topics {
			if t.Name == p.Topic && up+recordOverheadMax+batchHeader > float64(t.MaxMessageBytes) {
				v.add(f, "%s can reach %s, over topic %s's max_message_bytes %d B: batches holding such a record are refused by the leader and counted failed",
					p.MessageSize.Spec, fmtSize(up), t.Name, int64(t.MaxMessageBytes))
			}
		}
	}
	return errors.Join(v.errs...)
}

// sizeUpper is the largest size a distribution gives: its bound when it
// has one, else the largest of 10,000 draws from a fixed seed.
func sizeUpper(d sim.Dist) float64 {
	switch d := d.(type) {
	case sim.Constant:
		return d.Value
	case sim.Uniform:
		return d.Max
	case *sizeTrace:
		return d.Max()
	}
	r := rand.New(rand.NewPCG(1, 2))
	top := 0.0
	for range 10000 {
		top = math.Max(top, d.Sample(r))
	}
	return top
}

func fmtSize(v float64) string {
	if v >= math.MaxInt64 {
		return "unbounded sizes"
	}
	return fmt.Sprintf("%.0f B", v)
}
