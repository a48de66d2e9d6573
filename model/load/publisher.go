package load

import (
	"fmt"
	"math/rand/v2"

	"mqsim/scenarios"
	"mqsim/sim"
)

// Publisher is one instance of a scenario producer in a system whose
// client sends messages it draws one at a time (SQS, SNS, Pub/Sub): its
// arrival times, keys and sizes come from streams of its own, and it
// keeps the counts its producer's result sums.
type Publisher struct {
	Spec   *scenarios.Producer
	Name   string // producer/NAME/INST: its streams' name, and the prefix of any others it draws from
	Result int    // the spec's index among the scenario's producers
	ID     int    // the instance's index among every producer's instances: the checker's producer
	Arr    Arrivals
	Keys   *KeyGen
	Size   sim.Dist
	Rng    *rand.Rand // the instance's own stream, for sizes and what else a message draws
	Seq    int32      // the next message's sequence number

	Produced, Acked, Failed int64
	Calls                   int64          // acknowledged publish calls: Acked ÷ Calls is the mean batch
	AckHist                 *sim.Histogram // shared by the instances of one spec
}

// NewPublishers gives every instance of every producer of sc its own
// streams, named producer/NAME/INST (with /arrivals and /keys), and an
// equal share of the producer's rate. Producers must have had Defaults.
func NewPublishers(s *sim.Sim, sc *scenarios.Scenario) ([]*Publisher, error) {
	var out []*Publisher
	for pi := range sc.Producers {
		p := &sc.Producers[pi]
		a, err := scenarios.ParseArrival(p.Arrival)
		if err != nil {
			return nil, fmt.Errorf("producer %s: %w", p.Name, err)
		}
		k, err := scenarios.ParseKeys(p.Keys)
		if err != nil {
			return nil, fmt.Errorf("producer %s: %w", p.Name, err)
		}
		if p.MessageSize.Dist == nil {
			return nil, fmt.Errorf("scenario %s: producer %s: message_size is not resolved: call Defaults", sc.Name, p.Name)
		}
		hist := sim.NewLatencyHistogram()
		for inst := range p.Instances {
			name := fmt.Sprintf("producer/%s/%d", p.Name, inst)
			out = append(out, &Publisher{Spec: p, Name: name, Result: pi, ID: len(out), Size: p.MessageSize.Dist,
				Arr:  Arrivals{A: a, Rate: float64(p.Rate) / float64(p.Instances), Rng: s.Stream(name + "/arrivals")},
				Keys: NewKeyGen(k, s.Stream(name+"/keys")), Rng: s.Stream(name), AckHist: hist})
		}
	}
	return out, nil
}

// Instance returns p itself, so a system's producer that embeds a
// Publisher hands it to model.PublisherResults.
func (p *Publisher) Instance() *Publisher { return p }
