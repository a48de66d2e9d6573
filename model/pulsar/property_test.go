package pulsar

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"mqsim/internal/proptest"
	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/sim"
)

// TestNoAckedLossProperty: with Qa ≥ 2, nothing acknowledged is lost
// across random bookie and broker crashes, for random E/Qw/Qa,
// subscription types and rates; and the producers' ledger closes
// (produced = acked + failed + indeterminate).
//
// The crashes are of two kinds. Clock crashes strike at whole seconds,
// never more than Qw − Qa bookies down at once (writes go on). Aimed
// crashes strike at the moments a wrong quorum rule or a wrong recovery
// would show, drawn by the test from what the model is doing:
//
//   - an entry just confirmed (it reached Qa bookies and its receipt left
//     the broker): up to Qa − 1 of the bookies that journaled it are lost
//     for good, every bookie of its write set that has not answered yet
//     loses power (and what its journal had not fsynced), the writer dies;
//   - an ensemble change just made: the replacement and other bookies of
//     the new ensemble lose power, the writer dies;
//   - a new owner about to recover a ledger: bookies of its last ensemble
//     lose power (recovery must wait for enough answers), one is lost.
//
// A power cut comes back after a few seconds; at most Qa − 1 bookies are
// ever lost for good in a run (an acknowledged entry is on Qa journals,
// so one of them survives). Retention keeps everything, so besides the
// checker's count every confirmed entry must still be readable at the end
// (a consumer may have read it from the broker's cache before its copies
// were lost). Planting either bug this test exists for — confirming at
// Qa − 1 answers, or a fence that does not stop the old writer — makes it
// fail within its default number of checks.
func TestNoAckedLossProperty(t *testing.T) {
	proptest.Checks(t, 100, 25) // unless -rapid.checks says otherwise
	rapid.Check(t, func(rt *rapid.T) {
		// E/Qw/Qa: Pulsar's default, the common 3/3/2, striping.
		eqq := rapid.SampledFrom([][3]int{{2, 2, 2}, {3, 3, 2}, {3, 3, 3}, {3, 2, 2}, {4, 3, 2}, {4, 2, 2}}).Draw(rt, "E/Qw/Qa")
		e, qw, qa := eqq[0], eqq[1], eqq[2]
		bookies := e + rapid.IntRange(0, 1).Draw(rt, "spare")
		typ := rapid.SampledFrom([]string{"failover", "shared", "key_shared"}).Draw(rt, "type")
		y := fmt.Sprintf(`
name: prop
system: pulsar
seed: %d
duration: 8s
drain: 40s
cluster:
  brokers: 2
  hardware: {fsync_latency: %q}
topics:
  - {name: t, partitions: %d}
producers:
  - {name: p, topic: t, rate: %d/s, instances: 2, keys: uniform(50), message_size: 512B}
consumer_groups:
  - {name: g, topic: t, consumers: 2, processing: exp(500us)}
pulsar:
  bookies: %d
  ensemble: %d
  write_quorum: %d
  ack_quorum: %d
  session_timeout: 2s
  add_entry_timeout: 2s
  send_timeout: 20s
  topics: [{topic: t, retention_infinite: true}]
  subscriptions:
    - {group: g, type: %s}
`, rapid.Uint64Range(1, 1000).Draw(rt, "seed"),
			// A long-tailed fsync: one journal often answers well before
			// another (the window a quorum rule matters in).
			rapid.SampledFrom([]string{"lognormal(median=1ms, p99=20ms)", "lognormal(median=200us, p99=5ms)", "const(2ms)"}).Draw(rt, "fsync"), rapid.IntRange(1, 3).Draw(rt, "partitions"), rapid.IntRange(50, 400).Draw(rt, "rate"),
			bookies, e, qw, qa, typ)
		// At most Qa − 1 bookies are lost for good in the whole run.
		lossBudget := qa - 1
		// Clock crashes one after another, never more than Qw − Qa down.
		if qw-qa > 0 && rapid.Bool().Draw(rt, "clockCrashes") {
			y += "  bookie_crashes:\n"
			at := 1
			for range rapid.IntRange(1, 3).Draw(rt, "bookieCrashes") {
				// A crash without a duration never comes back: its disk
				// is gone for the rest of the run.
				d := rapid.IntRange(0, 3).Draw(rt, "down")
				if d == 0 {
					lossBudget--
				}
				y += fmt.Sprintf("    - {bookie: %d, at: %ds, duration: %ds, lose_page_cache: %v}\n",
					rapid.IntRange(0, bookies-1).Draw(rt, "bookie"), at, d, rapid.Bool().Draw(rt, "machine"))
				at += d + rapid.IntRange(0, 2).Draw(rt, "gap")
				if at >= 8 || d == 0 {
					break
				}
			}
		}
		if rapid.Bool().Draw(rt, "brokerCrash") {
			y += fmt.Sprintf("faults:\n  - {type: broker-crash, broker: %d, at: %ds, duration: %ds}\n",
				rapid.IntRange(0, 1).Draw(rt, "broker"), rapid.IntRange(1, 6).Draw(rt, "brokerAt"), rapid.IntRange(1, 4).Draw(rt, "brokerDown"))
		}
		aim := aimedCrash{
			pattern: rapid.SampledFrom([]string{"quorum", "quorum", "receipt", "ensemble", "recovery", "zombie", "zombie"}).Draw(rt, "pattern"),
			nth:     rapid.IntRange(1, 150).Draw(rt, "nth"),
			lose:    min(lossBudget, rapid.IntRange(0, qa-1).Draw(rt, "lose")),
			down:    sim.Time(rapid.IntRange(1, 4).Draw(rt, "powerDown")) * sim.Second,
		}
		switch aim.pattern {
		case "ensemble", "recovery":
			aim.nth = 1 + aim.nth%3
		case "quorum":
			aim.lose = lossBudget // as many as may be lost
			aim.nth = 1 + aim.nth%20
		case "zombie":
			aim.nth = 1 + aim.nth%5
			// Cut off longer than the session timeout (2 s).
			aim.down = sim.Time(rapid.IntRange(3, 6).Draw(rt, "cutOff")) * sim.Second
		case "receipt":
			aim.nth = 1 + aim.nth%20
			// Back before the new owner recovers (session_timeout 2 s),
			// without the entry.
			aim.down = sim.Time(rapid.IntRange(1, 15).Draw(rt, "cutDown")) * 100 * sim.Millisecond
		}
		ls, err := scenarios.ParseScenario("prop.yaml", []byte(y), nil)
		if err != nil {
			rt.Fatalf("%v\n%s", err, y)
		}
		w, r, err := runProbed(&ls.Scenario, model.Options{}, aim.probe)
		if err != nil {
			rt.Fatalf("run: %v\n%s", err, y)
		}
		if r.Lost != 0 {
			rt.Fatalf("lost %d of %d acknowledged (aimed: %s)\n%s", r.Lost, r.Acked, aim.did, y)
		}
		// Retention keeps everything, so every confirmed entry must still
		// be readable at the end (a consumer may have read it from the
		// broker's cache before its copies were lost: still a loss).
		for _, p := range w.parts {
			for q := range p.pos {
				if p.gone(int64(q)) || p.unreachable(int64(q)) {
					mp := p.pos[q]
					rt.Fatalf("%s position %d (ledger %d entry %d, ensembles %s) can no longer be read (aimed: %s)\n%s",
						p.name, q, mp.l.id, mp.entry, mp.l.ensembles(), aim.did, y)
				}
			}
		}
		if r.Produced != r.Acked+r.Failed+r.Indeterminate {
			rt.Fatalf("produced %d != acked %d + failed %d + indeterminate %d\n%s", r.Produced, r.Acked, r.Failed, r.Indeterminate, y)
		}
	})
}

// aimedCrash is one crash struck at the nth occurrence of a moment, by
// pattern:
//
//   - quorum: an entry just confirmed: up to lose of the bookies that
//     journaled it are lost for good, the rest of its write set (not
//     answered yet) loses power;
//   - receipt: an entry just confirmed: the rest of its write set loses
//     power and the writer dies, so a new owner must recover the entry
//     from the bookies that journaled it;
//   - ensemble: an ensemble change just made: the other bookies of the
//     new ensemble lose power, the replacement may be lost, the writer
//     dies;
//   - recovery: a new owner about to recover a ledger: a bookie of its
//     last ensemble may be lost, another loses power;
//   - zombie: an entry just confirmed: the writer is cut off from the
//     metadata store past its session timeout and goes on writing while
//     a new owner recovers its ledger (only fencing stops it).
type aimedCrash struct {
	pattern string
	nth     int
	lose    int // bookies lost for good (≤ Qa − 1 over the run)
	down    sim.Time
	seen    int
	did     string
}

// window: the entry is confirmed but some bookie of its write set has
// no durable copy yet (it has not received it, or its journal has not
// fsynced it) — the moment the ack quorum and recovery's rule decide.
func (a *aimedCrash) window(l *ledger, op *addOp) bool {
	for _, bk := range l.writeSet(op.entry) {
		st := bk.ledgers[l.id]
		if !bk.up || st == nil {
			return true
		}
		if _, ok := st.off[op.entry]; !ok || slices.Contains(st.unsynced, op.entry) {
			return true
		}
	}
	return false
}

func (a *aimedCrash) probe(w *world) func(moment, *ledger, *addOp) {
	cut := func(bk *bookie) {
		if !bk.up {
			return
		}
		bk.crash(true)
		a.did += fmt.Sprintf(" power-cut bookie %d;", bk.id)
		w.s.After(a.down, bk.restart)
	}
	lose := func(bk *bookie) {
		if !bk.up || a.lose == 0 {
			return
		}
		a.lose--
		bk.crash(true)
		a.did += fmt.Sprintf(" lost bookie %d;", bk.id)
	}
	killWriter := func(l *ledger) {
		if b := l.writer; b.up {
			b.crash(true)
			a.did += fmt.Sprintf(" crashed broker %d;", b.id)
			w.s.After(a.down, b.restart)
		}
	}
	want := map[string]moment{"quorum": atConfirm, "receipt": atConfirm, "zombie": atConfirm, "ensemble": atEnsembleChange, "recovery": atRecovery}[a.pattern]
	return func(at moment, l *ledger, op *addOp) {
		if at != want {
			return
		}
		if at == atConfirm && !a.window(l, op) {
			return
		}
		a.seen++
		if a.seen != a.nth {
			return
		}
		a.did = fmt.Sprintf("%s at %v, ledger %d:", a.pattern, w.s.Now(), l.id)
		if op != nil {
			a.did = fmt.Sprintf("%s at %v, ledger %d entry %d (journaled by %v):", a.pattern, w.s.Now(), l.id, op.entry, op.acks)
		}
		switch a.pattern {
		case "quorum", "receipt":
			for _, bk := range l.writeSet(op.entry) {
				switch {
				case !slices.Contains(op.acks, bk.id):
					cut(bk)
				case a.pattern == "quorum":
					lose(bk)
				}
			}
			if a.pattern == "receipt" {
				killWriter(l)
			}
		case "ensemble":
			ens := l.frags[len(l.frags)-1].ens
			for _, bk := range ens {
				if bk.up && !slices.Contains(l.frags[0].ens, bk) {
					lose(bk)
				} else {
					cut(bk)
				}
			}
			killWriter(l)
		case "zombie":
			if l.writer.up && !l.writer.metaCut {
				l.writer.cutFromMetadata(a.down)
				a.did += fmt.Sprintf(" broker %d cut from the metadata store;", l.writer.id)
			}
		case "recovery":
			ens := l.frags[len(l.frags)-1].ens
			lose(ens[0])
			cut(ens[len(ens)-1])
		}
	}
}
