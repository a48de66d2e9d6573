// Package channel is the seam between a service graph (model/services)
// and the queueing systems an asynchronous call can go through: a caller
// publishes into a Channel and goes on once the broker has the message;
// the callee's instances consume from it, settling each delivery (ack) or
// not (it comes back). A system provides channels by registering a
// Builder under its name from an init function, as systems register with
// model.Register; model/systems links every system in, so model/services
// names no system.
//
// A channel is built on the run's own kernel and network (Host): the
// broker's machines and timers are events of the same simulation, and the
// callers and consumers are nodes of the same network, so the run's
// faults reach the way to and from the broker.
//
// # Contract
//
//   - Publish(from, m, done): done(true) runs once the broker has taken
//     responsibility for m (an SQS SendMessage answer, a RabbitMQ publisher
//     confirm, a Pulsar send receipt, a Kafka produce acknowledgement),
//     done(false) once it refused it. A message lost on the way may never
//     get an answer: the caller's own timeout is its business.
//   - Attach(c) adds consumer c (one per callee instance, in order from 0).
//     The channel calls c.Deliver with deliveries for it; a pull system
//     (SQS, Kafka) delivers only after Want, a push system (RabbitMQ's
//     prefetch, Pulsar's permits) whenever the consumer has room under its
//     window (Window).
//   - Want(i, n): consumer i has n free threads and nothing else to do.
//   - Settle(i, d, ok): consumer i handled d; ok deletes (acks) it, !ok
//     leaves it to come back (a visibility timeout, a requeue, a negative
//     acknowledgement). Settling a delivery of an older incarnation of the
//     consumer (before a Stop) does nothing.
//   - Stop(i, machine) and Start(i): consumer i's process (machine) stopped
//     or started again; what it held comes back to the others, as the
//     system does it (a visibility timeout, a closed connection, a
//     session's end).
//   - Stored: messages published and not yet settled (ready and in
//     flight): the lag a slow consumer builds.
package channel

import (
	"fmt"
	"sort"

	"mqsim/model/net"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Message is one asynchronous call on its way to the callee.
type Message struct {
	Born sim.Time // when the edge request that caused it started
	Size int64    // bytes
}

// Delivery is a message handed to a consumer; Handle is the system's own
// (a receipt handle, a delivery tag, a message id) for settling it.
type Delivery struct {
	Message
	Handle any
}

// Consumer is one consuming process (a callee instance).
type Consumer struct {
	Node    net.NodeID
	Deliver func([]Delivery)
}

// Host is what a channel is built on.
type Host struct {
	Sim *sim.Sim
	Net *net.Network
	// Name is the channel's (its queue's or topic's) name.
	Name string
	Via  scenarios.ServiceVia
	// Queue is the services section's SQS settings (system sqs).
	Queue scenarios.ServiceQueue
	// Publishers is how many caller instances may publish (a system
	// whose producers are declared up front makes that many).
	Publishers int
	// Consumers is how many consumers will attach (the callee's
	// instances).
	Consumers int
	// Window is how many unsettled deliveries a consumer may hold (its
	// threads): RabbitMQ's prefetch, Pulsar's receiver queue.
	Window int
	// End is when the client stops; Drain how long the run may go on.
	End, Drain sim.Time
	// Fail stops the run with an internal error.
	Fail func(error)
}

// Stats are a channel's counters.
type Stats struct {
	Published, Refused int64
	// Delivered counts deliveries (a message delivered twice counts
	// twice); Redelivered those beyond each message's first.
	Delivered, Redelivered int64
	Settled                int64
	// DeadLettered are messages the channel gave up on (a dead-letter
	// queue, a delivery limit).
	DeadLettered int64
	// MaxStored is the most messages stored at once, seen as each was
	// taken.
	MaxStored int
	// Requests and EmptyReceives are API calls of a request-priced
	// service (SQS): sends, receives and deletes; receives that got none.
	Requests, EmptyReceives int64
}

// Channel is a queue or topic of some system in front of a consumer
// service.
type Channel interface {
	Publish(from net.NodeID, m Message, done func(ok bool))
	Attach(c Consumer)
	Want(i, n int)
	Settle(i int, d Delivery, ok bool)
	Stop(i int, machine bool)
	Start(i int)
	Stored() int
	Stats() Stats
}

// Builder builds a system's channel on a host.
type Builder func(h Host) (Channel, error)

var builders = map[string]Builder{}

// Register makes a system's channels available under its name. It panics
// on an empty name, a nil builder or a name registered twice: programming
// errors the first test that links the system finds.
func Register(system string, b Builder) {
	if system == "" || b == nil {
		panic("channel.Register: empty system or nil builder")
	}
	if _, dup := builders[system]; dup {
		panic("channel.Register: system " + system + " registered twice")
	}
	builders[system] = b
}

// New builds a channel of h.Via.System.
func New(h Host) (Channel, error) {
	b := builders[h.Via.System]
	if b == nil {
		return nil, fmt.Errorf("channel %s: no system %q provides channels (registered: %v); is mqsim/model/systems linked in?", h.Name, h.Via.System, Systems())
	}
	return b(h)
}

// Systems lists the systems that provide channels, sorted.
func Systems() []string {
	out := make([]string, 0, len(builders))
	for k := range builders {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
