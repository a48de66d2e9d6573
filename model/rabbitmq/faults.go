package rabbitmq

import (
	"fmt"

	"mqsim/model"
	"mqsim/sim"
)

// Fault types this system plays (scenarios.RabbitFaults lists them for
// validation).
func (w *world) scheduleFaults() error {
	for i := range w.sc.Faults {
		f := &w.sc.Faults[i]
		at := sim.Time(f.At)
		label := f.Label
		switch f.Type {
		case "broker-crash":
			if f.Broker == nil || *f.Broker < 0 || *f.Broker >= len(w.nodes) {
				return fmt.Errorf("faults[%d]: broker-crash needs a node (broker: 0 to %d)", i, len(w.nodes)-1)
			}
			n := w.nodes[*f.Broker]
			if label == "" {
				label = fmt.Sprintf("node %d crash", n.id)
			}
			machine := f.LosePageCache
			w.s.At(at, func() { n.crash(machine) })
			w.res.Faults = append(w.res.Faults, model.FaultEvent{Time: f.At.Seconds(), Type: f.Type, Phase: "start", Label: label})
			if f.Duration > 0 {
				w.s.At(at+sim.Time(f.Duration), func() { n.restart() })
				w.res.Faults = append(w.res.Faults, model.FaultEvent{Time: (f.At + f.Duration).Seconds(), Type: f.Type, Phase: "end", Label: label})
			}
		case "consumer-crash":
			var g *group
			for _, x := range w.groups {
				if x.spec.Name == f.Group {
					g = x
				}
			}
			if g == nil || f.Consumer == nil || *f.Consumer < 0 || *f.Consumer >= len(g.cons) {
				return fmt.Errorf("faults[%d]: consumer-crash needs a group and a consumer of it", i)
			}
			c := g.cons[*f.Consumer]
			w.s.At(at, func() {
				if c.conn {
					c.connLost()
				}
				c.alive = false
				c.g.q.streamMoved()
			})
			if f.Duration > 0 {
				w.s.At(at+sim.Time(f.Duration), func() {
					c.alive = true
					c.busy = false
					c.reconnect()
					c.g.q.streamMoved()
				})
			}
		default:
			return fmt.Errorf("faults[%d]: %s is not modelled for RabbitMQ", i, f.Type)
		}
	}
	return nil
}

// crash stops a node: its connections close (publishers' unconfirmed
// messages become indeterminate, consumers' unacknowledged deliveries are
// requeued), its quorum members stop (unsynced WAL data is lost), and
// quorum queues it led elect a new leader. A machine crash closes nothing:
// its publishers notice after the heartbeat timeout.
func (n *rnode) crash(machine bool) {
	if !n.up {
		return
	}
	w := n.w
	n.up = false
	n.lostMachine = machine
	n.epoch++
	if machine {
		n.Cache.LoseDirty() // what no fsync covered is gone; the epoch drops every waiter
	}
	for _, p := range w.pubs {
		if p.n != n {
			continue
		}
		if !machine {
			p.connLost()
			continue
		}
		p.stale = true // it goes on sending into the void until its credit runs out
		life := p.life
		w.s.After(sim.Time(w.rc.Heartbeat), func() {
			if p.life == life && p.stale {
				p.connLost()
			}
		})
	}
	for _, q := range w.queues {
		if q.quorum {
			q.r.nodeDown(n)
			continue
		}
		if q.home == n {
			for _, mid := range q.unsynced {
				w.msgs[mid].nacked = true // never confirmed: the publisher never learns
			}
			q.unsynced = nil
			q.syncs, q.syncTimer = 0, false
			q.lostHome()
		}
	}
}

// restart brings a node back: its quorum members resume from their logs
// and catch up; its classic queues come back with what they held.
func (n *rnode) restart() {
	if n.up {
		return
	}
	n.up = true
	for _, q := range n.w.queues {
		if q.quorum {
			q.r.nodeUp(n)
		} else if q.home == n {
			q.dispatch()
		}
	}
	for _, p := range n.w.pubs {
		if p.stale && p.n == n {
			p.connLost() // its next write meets a reset: the old connection is gone
		}
		p.pump()
	}
}
