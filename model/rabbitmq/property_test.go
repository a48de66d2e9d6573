package rabbitmq

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"mqsim/internal/proptest"
	"mqsim/model"
	"mqsim/scenarios"
)

// TestQuorumCrashProperty: over random schedules of node crashes (one
// node down at a time, so a majority of every quorum queue stays alive),
// prefetch values and queue counts, with manual acks and quorum queues:
// nothing confirmed is lost (a slow group may leave some unseen); the publishers' ledger
// closes (produced = acked + failed + indeterminate); each queue's own
// ledger balances (enqueued = settled + dead-lettered + depth); and the
// checker agrees with the queues: a group's distinct processed messages
// are at least its queue's acks (an ack follows a processing), and what it
// counts unseen the queue still holds. Run with majority() = 1 instead of
// (N/2)+1 this test finds confirmed messages lost within a few cases.
func TestQuorumCrashProperty(t *testing.T) {
	proptest.Checks(t, 20, 5) // unless -rapid.checks says otherwise
	rapid.Check(t, func(rt *rapid.T) {
		groups := rapid.IntRange(1, 3).Draw(rt, "groups")
		y := fmt.Sprintf(`
name: prop
system: rabbitmq
seed: %d
duration: 12s
drain: 30s
cluster: {brokers: 3, hardware: {network_latency: %dms}}
topics:
  - {name: jobs, partitions: 1}
producers:
  - {name: api, topic: jobs, rate: %d/s, instances: %d, keys: uniform(50)}
consumer_groups:
`, rapid.Uint64Range(1, 1000).Draw(rt, "seed"), rapid.IntRange(1, 10).Draw(rt, "latency"), rapid.IntRange(50, 400).Draw(rt, "rate"), rapid.IntRange(1, 4).Draw(rt, "instances"))
		q := "rabbitmq:\n  queues:\n"
		for g := range groups {
			y += fmt.Sprintf("  - {name: g%d, topic: jobs, consumers: %d, processing: exp(%dms)}\n", g,
				rapid.IntRange(1, 4).Draw(rt, "consumers"), rapid.IntRange(1, 5).Draw(rt, "service"))
			q += fmt.Sprintf("    - {group: g%d, type: quorum, prefetch: %d}\n", g, rapid.IntRange(0, 50).Draw(rt, "prefetch"))
		}
		y += "faults:\n"
		at := 1
		for range rapid.IntRange(1, 3).Draw(rt, "crashes") {
			d := rapid.IntRange(1, 6).Draw(rt, "down")
			y += fmt.Sprintf("  - {type: broker-crash, broker: %d, at: %ds, duration: %ds}\n", rapid.IntRange(0, 2).Draw(rt, "node"), at, d)
			at += d + rapid.IntRange(0, 3).Draw(rt, "gap")
			if at >= 11 {
				break
			}
		}
		ls, err := scenarios.ParseScenario("prop.yaml", []byte(y+q), nil)
		if err != nil {
			rt.Fatalf("%v\n%s", err, y+q)
		}
		w, r, err := run(&ls.Scenario, model.Options{})
		if err != nil {
			rt.Fatalf("run: %v", err)
		}
		if r.Lost != 0 {
			rt.Fatalf("lost %d (acked %d)\n%s", r.Lost, r.Acked, y+q)
		}
		if r.Produced != r.Acked+r.Failed+r.Indeterminate {
			rt.Fatalf("produced %d != acked %d + failed %d + indeterminate %d", r.Produced, r.Acked, r.Failed, r.Indeterminate)
		}
		for gi, g := range w.groups {
			qu := g.q
			if d := int64(qu.depth()); qu.enqueued != qu.settled+qu.dead+d {
				rt.Fatalf("queue %s: enqueued %d != settled %d + dead %d + depth %d", qu.name, qu.enqueued, qu.settled, qu.dead, d)
			}
			gr := r.Groups[gi]
			if distinct := gr.Processed - gr.Duplicates; distinct < qu.settled {
				rt.Fatalf("group %s: %d distinct processed < %d acks the queue settled", gr.Name, distinct, qu.settled)
			}
			if gr.Unseen > int64(qu.depth()) {
				rt.Fatalf("group %s: %d unseen but the queue holds %d", gr.Name, gr.Unseen, qu.depth())
			}
		}
	})
}
