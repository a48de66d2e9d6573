package pulsar

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"mqsim/model"
	"mqsim/sim"
)

// scheduleFaults plays the shared faults (broker-crash, consumer-crash)
// and the pulsar section's bookie crashes.
func (w *world) scheduleFaults() error {
	mark := func(at, d sim.Time, typ, label string) {
		w.res.Faults = append(w.res.Faults, model.FaultEvent{Time: at.Seconds(), Type: typ, Phase: "start", Label: label})
		if d > 0 {
			w.res.Faults = append(w.res.Faults, model.FaultEvent{Time: (at + d).Seconds(), Type: typ, Phase: "end", Label: label})
		}
	}
	for i := range w.sc.Faults {
		f := &w.sc.Faults[i]
		at, d := sim.Time(f.At), sim.Time(f.Duration)
		switch f.Type {
		case "broker-crash":
			if f.Broker == nil || *f.Broker < 0 || *f.Broker >= len(w.brokers) {
				return fmt.Errorf("faults[%d]: broker-crash needs a broker (0 to %d)", i, len(w.brokers)-1)
			}
			b := w.brokers[*f.Broker]
			machine := f.LosePageCache
			w.s.At(at, func() { b.crash(machine) })
			if d > 0 {
				w.s.At(at+d, b.restart)
			}
			mark(at, d, f.Type, cmp.Or(f.Label, fmt.Sprintf("broker %d crash", b.id)))
		case "network-partition":
			// The broker against the metadata store ("controller") and
			// the clients; brokers do not talk to each other here, so
			// "peers" changes nothing.
			if f.Broker == nil || *f.Broker < 0 || *f.Broker >= len(w.brokers) {
				return fmt.Errorf("faults[%d]: network-partition needs a broker (0 to %d)", i, len(w.brokers)-1)
			}
			if d <= 0 {
				return fmt.Errorf("faults[%d]: network-partition needs a duration (it heals after it)", i)
			}
			b := w.brokers[*f.Broker]
			from := f.From
			if len(from) == 0 {
				from = []string{"controller", "peers", "clients"}
			}
			for _, x := range from {
				switch x {
				case "controller":
					w.s.At(at, func() { b.cutFromMetadata(d) })
				case "clients":
					w.s.At(at, func() { b.cutFromClients(d) })
				case "peers":
				default:
					return fmt.Errorf("faults[%d]: network-partition from %q: Pulsar brokers are cut from the controller (the metadata store), peers or clients", i, x)
				}
			}
			mark(at, d, f.Type, cmp.Or(f.Label, fmt.Sprintf("broker %d partitioned from %v", b.id, from)))
		case "consumer-crash":
			var sb *subscription
			for _, x := range w.subs {
				if x.group.Name == f.Group {
					sb = x
				}
			}
			if sb == nil || f.Consumer == nil || *f.Consumer < 0 || *f.Consumer >= len(sb.cons) {
				return fmt.Errorf("faults[%d]: consumer-crash needs a group and a consumer of it", i)
			}
			cons := sb.cons[*f.Consumer]
			w.s.At(at, cons.crash)
			if d > 0 {
				w.s.At(at+d, cons.restart)
			}
			mark(at, d, f.Type, cmp.Or(f.Label, fmt.Sprintf("%s consumer %d crash", sb.group.Name, cons.i)))
		default:
			return fmt.Errorf("faults[%d]: %s is not modelled for Pulsar", i, f.Type)
		}
	}
	for i, o := range w.pc.RegionOutages {
		var reg *region
		for _, r := range w.regions {
			if r.name == o.Region {
				reg = r
			}
		}
		if reg == nil {
			return fmt.Errorf("pulsar.region_outages[%d]: no region %q", i, o.Region)
		}
		at, d := sim.Time(o.At), sim.Time(o.Duration)
		w.s.At(at, func() { w.regionOutage(reg, d) })
		mark(at, d, "region-outage", fmt.Sprintf("region %s dark", reg.name))
	}
	for i, bc := range w.pc.BookieCrashes {
		if bc.Bookie < 0 || bc.Bookie >= len(w.bookies) {
			return fmt.Errorf("pulsar.bookie_crashes[%d]: no bookie %d", i, bc.Bookie)
		}
		bk := w.bookies[bc.Bookie]
		at, d := sim.Time(bc.At), sim.Time(bc.Duration)
		machine := bc.LosePageCache
		w.s.At(at, func() { bk.crash(machine) })
		if d > 0 {
			w.s.At(at+d, bk.restart)
		}
		mark(at, d, "bookie-crash", fmt.Sprintf("bookie %d crash", bk.id))
	}
	return nil
}

// crash stops a broker. Its clients notice at once when the process dies
// (the connection resets) or after the keep-alive when the machine does;
// the metadata store expires its session after SessionTimeout and its
// bundles move to the live brokers.
func (b *broker) crash(machine bool) {
	if !b.up {
		return
	}
	w := b.w
	b.up = false
	b.epoch++
	detect := 2 * w.net.Latency
	if machine {
		w.net.CrashMachine(b.node)
		b.Cache.LoseDirty()
		detect = clientKeepAlive
	} else {
		w.net.CrashProcess(b.node)
	}
	for _, p := range w.parts {
		if p.owner == b {
			p.ready = false
		}
	}
	for _, pr := range w.pubs {
		for _, c := range pr.conns {
			if c.conn && c.b == b {
				life := c.life
				w.s.After(detect, func() {
					if c.life == life {
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
					w.s.After(detect, func() {
						if cc.life == life {
							cc.lostBroker()
						}
					})
				}
			}
		}
	}
	w.s.After(sim.Time(w.pc.SessionTimeout), func() { w.reassign(b) })
}

func (b *broker) restart() {
	if b.up {
		return
	}
	b.up = true
	b.epoch++
	b.w.net.Restart(b.node)
}

// reassign moves a dead broker's bundles to the live broker owning the
// fewest (the load manager), which loads their partitions.
func (w *world) reassign(dead *broker) {
	reg := dead.reg
	for i, owner := range reg.bundles {
		if owner != dead {
			continue
		}
		count := map[*broker]int{}
		for _, o := range reg.bundles {
			count[o]++
		}
		var best *broker
		for _, b := range reg.brokers {
			if b.up && !b.sessionLost && (b != dead || dead.up) && (best == nil || count[b] < count[best]) {
				best = b
			}
		}
		if best == nil {
			w.s.After(sim.Second, func() { w.reassign(dead) })
			return
		}
		reg.bundles[i] = best
		w.res.BundleReassignments++
		for _, p := range reg.parts {
			if p.bundle == i {
				if dead.up && dead.sessionLost {
					p.zombie = dead // it goes on writing until fenced
					dead.dropConsumers(p)
				}
				p.owner = best
				p.epoch++
				p.ready = false
				epoch := p.epoch
				w.s.After(metaDelay, func() {
					if p.epoch == epoch && p.owner.up {
						p.load()
					}
				})
			}
		}
	}
}

// lostBroker: the consumer's connection to a dead broker closed; it
// drops what it buffered from that partition and reconnects.
func (cc *cconn) lostBroker() {
	cc.conn = false
	cc.life++
	cons := cc.cons
	q := cons.queue[:0]
	for _, d := range cons.queue {
		if d.cc != cc {
			q = append(q, d)
		}
	}
	cons.queue = q
	for k := range cons.tracked {
		if k.part == cc.c.p.num {
			delete(cons.tracked, k)
		}
	}
	cc.dial()
}

// startTickers runs the broker's periodic work on the partitions it owns:
// cursor persistence, time-based rollover, trimming and offload, backlog
// quota checks.
func (b *broker) startTickers() {
	w := b.w
	var persist, housekeeping, quota func()
	persist = func() {
		if b.up {
			for _, p := range w.parts {
				if p.owner == b && p.ready {
					for _, c := range p.cursors {
						c.persistState()
					}
				}
			}
		}
		w.s.After(sim.Time(w.pc.MarkDeleteInterval), persist)
	}
	housekeeping = func() {
		if b.up {
			for _, p := range w.parts {
				if p.owner == b && p.ready {
					p.maybeRoll()
					p.trim()
					for _, r := range p.repls {
						r.kick()
					}
					for _, c := range p.cursors {
						c.dispatch()
					}
				}
			}
		}
		w.s.After(sim.Second, housekeeping)
	}
	quota = func() {
		if b.up {
			for _, p := range w.parts {
				if p.owner == b && p.ready {
					p.checkQuota()
				}
			}
		}
		w.s.After(sim.Time(w.pc.BacklogQuotaCheck), quota)
	}
	w.s.After(sim.Time(w.pc.MarkDeleteInterval), persist)
	w.s.After(sim.Second, housekeeping)
	w.s.After(sim.Time(w.pc.BacklogQuotaCheck), quota)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[int64]V) []int64 {
	return slices.Sorted(maps.Keys(m))
}
