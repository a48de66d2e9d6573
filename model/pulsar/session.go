package pulsar

import (
	"slices"

	"mqsim/sim"
)

// A broker cut off from the metadata store (a network-partition fault
// from the controller) keeps running: its producers stay connected and it
// goes on adding their batches to the ledgers it has open, confirming them
// once Qa bookies answer. The store expires its session after
// session_timeout and gives its bundles to another broker, which fences
// each open ledger on its bookies and recovers its end. From then on the
// old owner is a zombie: only fencing stops it — its next add is refused
// by a fenced bookie, it closes the topic and its producers look the new
// owner up. Were the ledger not fenced, the zombie would confirm entries
// after the end the new owner recovered: acknowledged, and never read.
// When the partition heals the old owner learns its session expired and
// drops every bundle it still thought it owned.

// serves reports whether the broker handles publishes for the partition:
// it owns it and loaded it, or it is the zombie still writing to it.
func (b *broker) serves(p *partition) bool {
	return !b.clientsCut && (p.owner == b && p.ready || p.zombie == b)
}

// cutFromMetadata starts a network partition between the broker and the
// metadata store; its session expires after SessionTimeout unless it
// heals first.
func (b *broker) cutFromMetadata(d sim.Time) {
	w := b.w
	b.metaCut = true
	b.metaGen++
	gen := b.metaGen
	w.s.After(sim.Time(w.pc.SessionTimeout), func() {
		if b.metaGen == gen && b.metaCut && b.up && !b.sessionLost {
			b.sessionLost = true
			w.reassign(b)
		}
	})
	if d > 0 {
		w.s.After(d, func() {
			if b.metaGen == gen {
				b.healMetadata()
			}
		})
	}
}

// healMetadata ends the partition: a broker whose session expired learns
// it now, drops what it still served and opens a new session.
func (b *broker) healMetadata() {
	w := b.w
	b.metaGen++ // voids the pending expiry
	b.metaCut = false
	if !b.sessionLost {
		return
	}
	b.sessionLost = false
	for _, p := range w.parts {
		if p.zombie == b {
			p.stopZombie()
		}
	}
}

// stopZombie: the old owner learned it lost the partition (a fenced add,
// or its expired session); it fails its ledger's adds and closes its
// producers' connections, which look the owner up again and resend.
func (p *partition) stopZombie() {
	b := p.zombie
	if b == nil {
		return
	}
	p.zombie = nil
	for _, l := range p.ledgers {
		if l.zombie && l.writer == b {
			l.zombie = false
			l.failed = true
			l.pending = nil
		}
	}
	for _, pr := range p.w.pubs {
		for _, c := range pr.conns {
			if c.p == p && c.conn && c.b == b {
				c.lost()
			}
		}
	}
}

// zombieAppend is the zombie adding a batch to the ledger it still has
// open.
func (p *partition) zombieAppend(op *addOp) {
	for _, l := range slices.Backward(p.ledgers) {
		if l.zombie && l.writer == p.zombie && l.usable() {
			l.add(op)
			return
		}
	}
	// Nothing left to write to: the topic is closed to it.
	p.stopZombie()
}

// dropConsumers closes the broker's consumer connections for a
// partition it no longer owns: they look the new owner up.
func (b *broker) dropConsumers(p *partition) {
	for _, sb := range b.w.subs {
		for _, cons := range sb.cons {
			if p.num >= len(cons.conns) {
				continue
			}
			if cc := cons.conns[p.num]; cc.c.p == p && cc.conn && cc.b == b {
				cc.lostBroker()
			}
		}
	}
}

// cutFromClients starts a network partition between the broker and the
// clients: their connections die after the keep-alive and they cannot
// connect to it until it heals.
func (b *broker) cutFromClients(d sim.Time) {
	w := b.w
	b.clientsCut = true
	for _, pr := range w.pubs {
		for _, c := range pr.conns {
			if c.conn && c.b == b {
				life := c.life
				w.s.After(clientKeepAlive, func() {
					if c.life == life && c.b == b && b.clientsCut {
						c.lost()
					}
				})
			}
		}
	}
	for _, sb := range w.subs {
		for _, cons := range sb.cons {
			for _, cc := range cons.conns {
				if cc.conn && cc.b == b {
					life := cc.life
					w.s.After(clientKeepAlive, func() {
						if cc.life == life && b.clientsCut {
							cc.lostBroker()
						}
					})
				}
			}
		}
	}
	if d > 0 {
		w.s.After(d, func() { b.clientsCut = false })
	}
}
