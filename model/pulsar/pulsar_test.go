package pulsar

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/model/check"
	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// base is a small Pulsar scenario; tests add to it.
const base = `
name: t
system: pulsar
seed: 1
duration: 10s
drain: 20s
cluster: {brokers: 2}
topics:
  - {name: orders, partitions: 4}
producers:
  - {name: api, topic: orders, rate: 400/s, instances: 2, keys: uniform(100), message_size: 1KB}
consumer_groups:
  - {name: g, topic: orders, consumers: 2, processing: exp(200us)}
`

// failover is the pulsar section base needs for its two consumers
// (exclusive, Pulsar's default, takes one); tests add settings below it.
const failover = "pulsar:\n  subscriptions:\n    - {group: g, type: failover}\n"

func parse(t testing.TB, y string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("t.yaml", []byte(y), nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	return &ls.Scenario
}

func runYAML(t testing.TB, y string) (*world, *model.Results) {
	t.Helper()
	w, r, err := run(parse(t, y), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

// TestWriteSetStriping: entry e goes to Qw consecutive bookies of the
// ensemble starting at e mod E, so with E = 3 and Qw = 2 each bookie
// stores 2/3 of the entries, and with E = Qw every bookie stores all.
func TestWriteSetStriping(t *testing.T) {
	ens := []*bookie{{id: 0}, {id: 1}, {id: 2}}
	ids := func(bs []*bookie) []int {
		var out []int
		for _, b := range bs {
			out = append(out, b.id)
		}
		return out
	}
	want := [][]int{{0, 1}, {1, 2}, {2, 0}, {0, 1}, {1, 2}, {2, 0}}
	per := map[int]int{}
	for e := range int64(6) {
		got := ids(writeSet(ens, 2, e))
		if !slices.Equal(got, want[e]) {
			t.Errorf("writeSet(E=3, Qw=2, entry %d) = %v, want %v", e, got, want[e])
		}
		for _, id := range got {
			per[id]++
		}
	}
	for id, n := range per {
		if n != 4 { // 6 entries × 2/3
			t.Errorf("bookie %d stores %d of 6 entries, want 4 (Qw/E = 2/3)", id, n)
		}
	}
	for e := range int64(4) {
		if got := ids(writeSet(ens, 3, e)); len(got) != 3 {
			t.Errorf("E = Qw = 3: entry %d goes to %v, want all three", e, got)
		}
	}
}

// testLedger builds a world on 3 bookies with a 3/3/2 ledger open on
// them, without running producers.
func testLedger(t *testing.T) (*world, *ledger) {
	t.Helper()
	y := strings.Replace(base, "rate: 400/s", "rate: 1/s", 1) + failover + "  bookies: 3\n  ensemble: 3\n  write_quorum: 3\n  ack_quorum: 2\n"
	sc := parse(t, y)
	w, err := build(sc, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.s.RunUntil(10 * sim.Millisecond)
	l := w.parts[0].cur
	if l == nil {
		t.Fatal("no open ledger after 10ms")
	}
	return w, l
}

func entryBatch(t *testing.T, w *world, prod int, seq int32) commitlog.Batch {
	var bb commitlog.BatchBuilder
	bb.Reset(commitlog.BatchHeader{SizedValues: true})
	bb.AddSized(0, nil, check.AppendID(nil, prod, seq, 0), 100, nil)
	b, err := bb.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRecoveryRule: a new writer recovers an entry past the last
// confirmed one if any bookie of its write set has it, and ends the
// ledger at the first entry at least Qw − Qa + 1 = 2 bookies lack; with
// fewer answers it cannot decide.
func TestRecoveryRule(t *testing.T) {
	w, l := testLedger(t)
	ens := l.frags[0].ens
	b := entryBatch(t, w, 0, 0)
	// Entry 0 reached one bookie only: not acknowledged, but recoverable.
	if _, err := ens[0].add(l, 0, -1, b, b.Size(), false, func() {}); err != nil {
		t.Fatal(err)
	}
	got, _, last, ok, err := l.recoverEnd()
	if err != nil || !ok || len(got) != 1 || last != 0 {
		t.Fatalf("recoverEnd = %d entries, %v, %v; want entry 0 recovered and the end at entry 1 (3 bookies lack it ≥ 2)", len(got), ok, err)
	}
	for _, bk := range ens {
		if !bk.has(l.id, 0) {
			t.Errorf("bookie %d lacks the recovered entry: recovery copies it to the whole write set", bk.id)
		}
	}
	// Fenced: a normal add is refused, a recovery add is not.
	if ok, _ := ens[1].add(l, 1, -1, b, b.Size(), false, func() {}); ok {
		t.Error("a fenced bookie accepted an add")
	}

	// Entry 0 on nobody; one of three bookies down: the two that answer
	// lack it, 2 ≥ Qw − Qa + 1, so the ledger ends before it.
	w2, l2 := testLedger(t)
	_ = w2
	l2.frags[0].ens[2].up = false
	got, _, _, ok, _ = l2.recoverEnd()
	if !ok || len(got) != 0 {
		t.Errorf("two bookies lacking entry 0: recovered %d, decided %v; want the ledger empty", len(got), ok)
	}
	// Two down: one answer cannot rule out an entry acknowledged by the
	// other two (and fencing needs E − Qa + 1 = 2 answers).
	_, l3 := testLedger(t)
	l3.frags[0].ens[1].up = false
	l3.frags[0].ens[2].up = false
	if _, _, _, ok, _ := l3.recoverEnd(); ok {
		t.Error("decided the end of a 3/3/2 ledger from one bookie")
	}
}

// TestAckQuorum: a receipt waits for Qa journals. With a bookie of a
// 3/3/2 ensemble down, entries still confirm (2 of 3 answer); with two of
// them down, none does.
func TestAckQuorum(t *testing.T) {
	for _, c := range []struct {
		down      int
		confirmed bool
	}{{0, true}, {1, true}, {2, false}} {
		w, l := testLedger(t)
		for i := range c.down {
			l.frags[0].ens[2-i].up = false
			l.frags[0].ens[2-i].epoch++
		}
		var got []int64
		l.onConfirm = func(op *addOp) { got = append(got, op.entry) }
		l.onFail = func() {}
		for i := range int32(3) {
			b := entryBatch(t, w, 0, i)
			l.add(&addOp{data: b, bytes: b.Size()})
		}
		w.s.RunUntil(w.s.Now() + 100*sim.Millisecond)
		if c.confirmed != (len(got) == 3) || !c.confirmed && len(got) != 0 {
			t.Errorf("%d of 3 bookies down: confirmed entries %v, want all 3 = %v", c.down, got, c.confirmed)
		}
		if c.confirmed && !slices.Equal(got, []int64{0, 1, 2}) {
			t.Errorf("confirmed %v, want entry order 0 1 2", got)
		}
	}
}

// TestEnsembleChange: a bookie whose process dies refuses connections, so
// the writer replaces it at once with the spare (4 bookies, 3/3/2): a new
// fragment without it, nothing acknowledged lost, no send failed.
func TestEnsembleChange(t *testing.T) {
	y := base + failover + `  bookies: 4
  ensemble: 3
  write_quorum: 3
  ack_quorum: 2
  bookie_crashes:
    - {bookie: 1, at: 3s}
`
	w, r := runYAML(t, y)
	if r.Lost != 0 || r.Failed != 0 || r.EnsembleChanges == 0 {
		t.Fatalf("lost %d, failed %d, ensemble changes %d; want 0, 0, > 0", r.Lost, r.Failed, r.EnsembleChanges)
	}
	for _, p := range w.parts {
		for _, l := range p.ledgers {
			last := l.frags[len(l.frags)-1]
			if slices.Contains(last.ens, w.bookies[1]) && l.created < 3*sim.Second && !l.closed {
				t.Errorf("%s ledger %d still writes to the dead bookie: %s", p.name, l.id, l.ensembles())
			}
		}
	}
	// With no spare (3 bookies, E = 3) the ledger cannot go on and no new
	// one can be made: writes stop.
	y3 := strings.Replace(y, "bookies: 4", "bookies: 3", 1)
	_, r3 := runYAML(t, y3)
	if r3.Lost != 0 || r3.Acked > r.Acked*4/10 {
		t.Errorf("no spare bookie: lost %d, acked %d of %d; want 0 lost and writes stopped after 3 s of 10", r3.Lost, r3.Acked, r3.Produced)
	}
}

// TestSubscriptionTypes: exclusive gives everything to one consumer;
// failover gives each partition to one active consumer (per-key order
// kept); shared spreads messages over all consumers in batches (and may
// reorder a key); key_shared spreads keys and keeps their order.
func TestSubscriptionTypes(t *testing.T) {
	for _, c := range []struct {
		typ       string
		consumers int
	}{{"exclusive", 1}, {"failover", 2}, {"shared", 2}, {"key_shared", 2}} {
		y := strings.Replace(base, "consumers: 2", fmt.Sprintf("consumers: %d", c.consumers), 1) +
			fmt.Sprintf("pulsar:\n  subscriptions:\n    - {group: g, type: %s}\n", c.typ)
		w, r := runYAML(t, y)
		if r.Lost != 0 || r.Unseen != 0 || r.Duplicates != 0 {
			t.Errorf("%s: lost %d unseen %d duplicates %d, want 0", c.typ, r.Lost, r.Unseen, r.Duplicates)
		}
		if c.typ != "shared" && r.Reordered != 0 {
			t.Errorf("%s: %d reordered, want per-key order", c.typ, r.Reordered)
		}
		total := r.Groups[0].Processed
		for _, cons := range w.subs[0].cons {
			// 4 partitions over 2 consumers, or keys hashed into two
			// halves, or round-robin: each takes a real share.
			if c.consumers > 1 && (cons.done < total/4 || cons.done > total*3/4) {
				t.Errorf("%s: consumer %d processed %d of %d", c.typ, cons.i, cons.done, total)
			}
		}
	}
}

// TestKeySharedRanges: auto split gives a joining consumer the upper half
// of the largest range; a leaving consumer's range merges into its
// neighbour.
func TestKeySharedRanges(t *testing.T) {
	sb := &subscription{rangeSize: 65536}
	c0, c1, c2 := &consumer{i: 0}, &consumer{i: 1}, &consumer{i: 2}
	str := func() string {
		var parts []string
		for _, r := range sb.ranges {
			parts = append(parts, fmt.Sprintf("%d-%d:c%d", r.from, r.to, r.c.i))
		}
		return strings.Join(parts, " ")
	}
	sb.join(c0)
	sb.join(c1)
	if got := str(); got != "0-32768:c0 32768-65536:c1" {
		t.Errorf("after two joins: %s", got)
	}
	sb.join(c2)
	if got := str(); got != "0-16384:c0 16384-32768:c2 32768-65536:c1" {
		t.Errorf("after three joins: %s", got)
	}
	sb.leave(c2)
	if got := str(); got != "0-32768:c0 32768-65536:c1" {
		t.Errorf("after c2 left: %s", got)
	}
	sb.leave(c0)
	if got := str(); got != "0-65536:c1" {
		t.Errorf("after c0 left: %s", got)
	}
}

// TestKeySharedJoiningRule: the built-in stall — a consumer that rejoins
// while an unacknowledged message sits before the read position gets none
// of its keys; the held messages reach the look-ahead limit (2,000 per
// consumer) and the whole subscription stops. An ack timeout with a
// dead-letter policy acknowledges the stuck messages after 3 redeliveries
// and the subscription drains.
func TestKeySharedJoiningRule(t *testing.T) {
	ls, err := scenarios.LoadScenario("pulsar-key-shared-stall", nil)
	if err != nil {
		t.Fatal(err)
	}
	w, r, err := run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxKeySharedHeld < 4000 || r.Groups[0].FinalLag < 15_000 {
		t.Errorf("held %d, final lag %d: want the look-ahead limit 4,000 reached and the subscription stalled", r.MaxKeySharedHeld, r.Groups[0].FinalLag)
	}
	c := w.subs[0].cursors[0]
	if _, joined := c.joined[w.subs[0].cons[1]]; !joined {
		t.Error("the rejoined consumer left the joined set: the mark-delete position passed a message never acknowledged")
	}
	fix, err := scenarios.LoadScenario("pulsar-key-shared-stall", []string{
		"pulsar.subscriptions[0].ack_timeout=5s", "pulsar.subscriptions[0].max_redeliver_count=3",
		"drain=40s"}) // the last key-7 message needs 3 timeouts of 5 s, checked each second
	if err != nil {
		t.Fatal(err)
	}
	_, r2, err := run(&fix.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Groups[0].FinalLag != 0 || r2.DeadLettered == 0 || r2.Lost != 0 {
		t.Errorf("with ack timeout and DLQ: final lag %d, dead-lettered %d, lost %d; want 0, > 0, 0", r2.Groups[0].FinalLag, r2.DeadLettered, r2.Lost)
	}
}

// TestAckHolePersistence: acks 1, 3, 5 and 7 above a mark-delete of 0
// leave four acknowledged ranges (holes between them); with at most two
// ranges persisted, a new owner restores 1 and 3 and forgets 5 and 7, so
// those are delivered again. The mark-delete position itself survives.
func TestAckHolePersistence(t *testing.T) {
	y := strings.Replace(base, "rate: 400/s", "rate: 1/s", 1) + failover + "  unacked_ranges_to_persist: 2\n"
	w, err := build(parse(t, y), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.s.RunUntil(10 * sim.Millisecond)
	p := w.parts[0]
	for i := range 10 {
		w.msgs = append(w.msgs, msg{size: 10})
		p.pos = append(p.pos, mpos{mid: int32(i)})
		p.cum = append(p.cum, p.cum[len(p.cum)-1]+10)
	}
	c := newCursor(w.subs[0], p, 0)
	for _, pos := range []int64{1, 3, 5, 7} {
		c.ack(pos)
	}
	if got := c.ranges(); !slices.Equal(got, [][2]int64{{1, 2}, {3, 4}, {5, 6}, {7, 8}}) {
		t.Fatalf("ranges = %v, want [1,2) [3,4) [5,6) [7,8)", got)
	}
	c.ack(0)
	if c.markDelete != 2 {
		t.Fatalf("mark-delete = %d after acking 0 and 1, want 2", c.markDelete)
	}
	c.persisted = c.takeSnapshot()
	if w.res.MaxAckHoles != 3 {
		t.Errorf("max ack holes = %d, want 3 ranges above mark-delete 2", w.res.MaxAckHoles)
	}
	c.restore()
	for pos, want := range map[int64]bool{0: true, 1: true, 2: false, 3: true, 4: false, 5: true, 6: false, 7: false} {
		if got := c.isAcked(pos); got != want {
			t.Errorf("after restore, position %d acked = %v, want %v (2 ranges persisted: [3,4) [5,6))", pos, got, want)
		}
	}
}

// TestBacklogPolicies: the built-in's three topics — hold blocks sends
// (held, none failed on that topic), exception fails them, eviction
// skips the slowest subscription's oldest messages (dropped, not lost).
func TestBacklogPolicies(t *testing.T) {
	ls, err := scenarios.LoadScenario("pulsar-backlog-quota", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, r, err := run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]model.ProducerResult{}
	for _, p := range r.Producers {
		byName[p.Name] = p
	}
	if h := byName["p-hold"]; h.Failed != 0 || r.QuotaHeld == 0 {
		t.Errorf("hold: failed %d, held %d; want sends held, none refused", h.Failed, r.QuotaHeld)
	}
	if e := byName["p-exception"]; e.Failed == 0 || e.Failed != r.QuotaRejected {
		t.Errorf("exception: failed %d, rejected %d; want every refused send failed", e.Failed, r.QuotaRejected)
	}
	if v := byName["p-eviction"]; v.Failed != 0 || r.QuotaEvicted == 0 || r.Lost != 0 || r.Dropped != r.QuotaEvicted {
		t.Errorf("eviction: failed %d, evicted %d, lost %d, dropped %d; want evictions dropped by policy, none lost", v.Failed, r.QuotaEvicted, r.Lost, r.Dropped)
	}
}

// TestRetentionDeletesConsumedLedgers: with retention 0, closed ledgers
// every subscription has acknowledged are deleted from the bookies; with
// infinite retention none is.
func TestRetentionDeletesConsumedLedgers(t *testing.T) {
	y := base + failover + "  rollover_entries: 200\n  rollover_min_time: 1s\n"
	w, r := runYAML(t, y)
	if r.LedgerRollovers < 3 || r.LedgersDeleted == 0 {
		t.Fatalf("rollovers %d, deleted %d: want consumed ledgers deleted", r.LedgerRollovers, r.LedgersDeleted)
	}
	for _, bk := range w.bookies {
		for id := range bk.ledgers {
			for _, p := range w.parts {
				for _, l := range p.ledgers {
					if l.id == id && l.deletedAll() {
						t.Errorf("bookie %d still stores deleted ledger %d", bk.id, id)
					}
				}
			}
		}
	}
	_, r2 := runYAML(t, y+"  topics:\n    - {topic: orders, retention_infinite: true}\n")
	if r2.LedgersDeleted != 0 {
		t.Errorf("infinite retention deleted %d ledgers", r2.LedgersDeleted)
	}
}

// TestDeterministic: same scenario and seed, same results.
func TestDeterministic(t *testing.T) {
	y := base + "faults:\n  - {type: broker-crash, broker: 0, at: 3s, duration: 2s}\npulsar:\n  session_timeout: 2s\n  subscriptions:\n    - {group: g, type: shared}\n"
	_, a := runYAML(t, y)
	_, b := runYAML(t, y)
	if fmt.Sprintf("%+v", *a) != fmt.Sprintf("%+v", *b) {
		t.Error("two runs of one scenario and seed differ")
	}
}

// TestNoisyTenantQuota: one burst of the noisy tenant (5 s at 30,000
// msg/s of 4 KB: 160 MB/s on each of the bookies' 200 MB/s disks) raises
// the quiet tenant's latency several times over; with the noisy
// namespace's publish-rate quota (10 MB/s) the quiet tenant keeps its
// latency and only the noisy producer waits.
func TestNoisyTenantQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("two runs of a burst on spinning disks")
	}
	p99 := func(sets ...string) (float64, *model.Results) {
		ls, err := scenarios.LoadScenario("noisy-tenant", append([]string{"duration=12s", "drain=20s"}, sets...))
		if err != nil {
			t.Fatal(err)
		}
		_, r, err := run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r.Groups[0].E2ELatency.P99, r
	}
	with, rw := p99()
	without, ro := p99("pulsar.topics.1.publish_rate=0")
	if rw.PublishThrottled == 0 || ro.PublishThrottled != 0 {
		t.Errorf("throttled %d with the quota, %d without", rw.PublishThrottled, ro.PublishThrottled)
	}
	if with > 100 || without < 4*with {
		t.Errorf("quiet tenant's p99 %.1f ms with the quota, %.1f ms without: want under 100 ms, and the burst to raise it over 4×", with, without)
	}
}

// TestGeoReplication: with both regions up, every message published in
// us-east reaches eu-west (its group processes all, nothing unreplicated);
// a permanent loss of us-east loses for eu-west exactly what was not
// replicated; a region that comes back replicates what it held, and
// nothing acknowledged is lost.
func TestGeoReplication(t *testing.T) {
	load := func(sets ...string) *model.Results {
		ls, err := scenarios.LoadScenario("geo-replication-region-loss", sets)
		if err != nil {
			t.Fatal(err)
		}
		_, r, err := run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	group := func(r *model.Results, name string) model.GroupResult {
		for _, g := range r.Groups {
			if g.Name == name {
				return g
			}
		}
		t.Fatalf("no group %s", name)
		return model.GroupResult{}
	}
	// No outage: the outage at 29 s of a 30 s run with a 1-minute
	// session leaves time for nothing, so move it past the run by
	// bringing the region back at once.
	up := load("duration=10s", "pulsar.region_outages.0.at=9s", "pulsar.region_outages.0.duration=100ms", "pulsar.session_timeout=1s")
	if up.Lost != 0 || up.GeoUnreplicated != 0 || group(up, "billing-eu").Processed < up.Acked {
		t.Errorf("both regions back: lost %d, unreplicated %d, eu processed %d of %d acked", up.Lost, up.GeoUnreplicated, group(up, "billing-eu").Processed, up.Acked)
	}
	loss := load()
	eu := group(loss, "billing-eu")
	if eu.Lost == 0 || eu.Lost != loss.GeoUnreplicated {
		t.Errorf("region loss: eu-west lost %d, unreplicated %d: want the same, above 0", eu.Lost, loss.GeoUnreplicated)
	}
	back := load("pulsar.region_outages.0.duration=5s", "pulsar.session_timeout=3s")
	if back.Lost != 0 || back.GeoUnreplicated != 0 {
		t.Errorf("region back after 5 s: lost %d, unreplicated %d; want 0 and 0", back.Lost, back.GeoUnreplicated)
	}
}

// TestFencingStopsZombie: a broker cut off from the metadata store for
// 8 s (past the 2 s session timeout) keeps its producers and goes on
// writing; the new owner fences its ledger, the zombie's next add is
// refused, its producers move to the new owner, and nothing acknowledged
// is lost.
func TestFencingStopsZombie(t *testing.T) {
	w, r := runYAML(t, base+failover+"  session_timeout: 2s\n"+
		"faults:\n  - {type: network-partition, broker: 0, from: [controller], at: 3s, duration: 8s}\n")
	if w.zombiesFenced == 0 {
		t.Fatalf("no zombie was stopped by a fence (bundle reassignments %d)", r.BundleReassignments)
	}
	if r.Lost != 0 || r.Acked == 0 {
		t.Fatalf("lost %d of %d acknowledged", r.Lost, r.Acked)
	}
}

// TestDeduplicationAfterFailover: a broker's process dies while batches
// are in flight; its producers resend what was not acknowledged to the
// new owner, which recovered the entries the old owner had written.
// Without deduplication those messages are written twice; with it
// (brokerDeduplicationEnabled) the new owner, which rebuilt the highest
// sequence id per producer from the ledger, drops them: 0 written twice,
// and each dropped send is answered, so none fails.
func TestDeduplicationAfterFailover(t *testing.T) {
	// A journal fsync of a few milliseconds keeps entries in flight when
	// the process dies.
	y := strings.NewReplacer("cluster: {brokers: 2}", "cluster: {brokers: 2, hardware: {fsync_latency: const(5ms)}}", "rate: 400/s", "rate: 4000/s").Replace(base) +
		failover + "  session_timeout: 2s\n%s" +
		"faults:\n  - {type: broker-crash, broker: 0, at: 3s, duration: 3s}\n"
	_, off := runYAML(t, fmt.Sprintf(y, ""))
	_, on := runYAML(t, fmt.Sprintf(y, "  deduplication: true\n"))
	if off.WrittenTwice == 0 || off.DedupDropped != 0 {
		t.Fatalf("without deduplication: %d written twice, %d dropped; want some written twice (the failover's retries)", off.WrittenTwice, off.DedupDropped)
	}
	if on.WrittenTwice != 0 || on.DedupDropped == 0 {
		t.Fatalf("with deduplication: %d written twice, %d dropped; want 0 written twice, the retries dropped", on.WrittenTwice, on.DedupDropped)
	}
	for _, r := range []*model.Results{off, on} {
		if r.Lost != 0 || r.Failed != 0 {
			t.Fatalf("lost %d, failed %d", r.Lost, r.Failed)
		}
	}
	t.Logf("written twice without deduplication: %d; with it: 0 (%d dropped)", off.WrittenTwice, on.DedupDropped)
}

// TestRetryLetterTopic: with on_failure: reconsume_later, a message that
// always fails (poison) goes to the retry letter topic, comes back after
// the reconsume delay, and after max_redeliver_count (3) reconsumes the
// 4th failure sends it to the dead-letter topic: 3 copies on the retry
// topic per dead-lettered message, each at least the 2 s delay after the
// one before, and nothing lost.
func TestRetryLetterTopic(t *testing.T) {
	y := strings.Replace(base, "processing: exp(200us)}", "processing: exp(200us), failures: {poison_share: 2%, policy: retry}}", 1) +
		"pulsar:\n  subscriptions:\n    - {group: g, type: shared, on_failure: reconsume_later, reconsume_delay: 2s, max_redeliver_count: 3}\n"
	w, r := runYAML(t, y)
	if r.DeadLettered == 0 {
		t.Fatal("nothing dead-lettered")
	}
	if r.RetryLettered != 3*r.DeadLettered {
		t.Fatalf("%d copies on the retry topic for %d dead-lettered, want 3 each", r.RetryLettered, r.DeadLettered)
	}
	if r.Lost != 0 || r.NegativeAcks != 0 {
		t.Fatalf("lost %d, nacked %d; want 0, 0 (failures go to the retry topic)", r.Lost, r.NegativeAcks)
	}
	var retry *partition
	for _, p := range w.parts {
		if p.retry {
			retry = p
		}
	}
	if retry == nil || retry.name != "orders-g-RETRY" || int64(len(retry.pos)) != r.RetryLettered {
		t.Fatalf("retry topic %+v: want orders-g-RETRY holding every copy (%d)", retry, r.RetryLettered)
	}
	// A message's next copy is written only after the previous one came
	// back, at least the reconsume delay later.
	first := map[int32]sim.Time{}
	for _, mp := range retry.pos {
		if t0, ok := first[mp.mid]; ok && mp.at-t0 < 2*sim.Second {
			t.Fatalf("message %d: copies %v apart, want at least the 2s reconsume delay", mp.mid, mp.at-t0)
		}
		first[mp.mid] = mp.at
	}
}

// TestAutoRecovery: bookie 0 of 4 (E = Qw = 3, Qa = 2) dies for good.
// Its session expires after 2 s; with lost_bookie_recovery_delay 0 the
// auditor marks its fragments at once and the workers copy every entry it
// held to the live bookie outside each fragment's ensemble. Every copy
// goes through its target's 80 Mbit/s NIC (10 MB/s), so the copy takes at
// least the busiest target's bytes ÷ 10 MB/s, and — the
// journal fsyncs and the producers' own writes sharing those NICs — not
// much more; every entry ends on 3 bookies again and nothing is lost.
func TestAutoRecovery(t *testing.T) {
	y := strings.NewReplacer("cluster: {brokers: 2}", "cluster: {brokers: 2, hardware: {nic_in: 80Mbps}}",
		"duration: 10s", "duration: 8s", "message_size: 1KB", "message_size: 8KB").Replace(base) + failover + `  bookies: 4
  ensemble: 3
  write_quorum: 3
  ack_quorum: 2
  session_timeout: 2s
  add_entry_timeout: 2s
  bookie_crashes:
    - {bookie: 0, at: 6s, lose_page_cache: true}
`
	w, r := runYAML(t, y)
	if r.Lost != 0 || r.UnrecoverableEntries != 0 {
		t.Fatalf("lost %d, %d entries unrecoverable", r.Lost, r.UnrecoverableEntries)
	}
	if r.MaxUnderReplicatedEntries == 0 || r.ReplicatedEntries != r.MaxUnderReplicatedEntries || w.rec.under != 0 {
		t.Fatalf("under-replicated at most %d, %d copied, %d left; want all copied", r.MaxUnderReplicatedEntries, r.ReplicatedEntries, w.rec.under)
	}
	// From the first copy to the last.
	var busiest int64
	for _, b := range w.rec.toTarget {
		busiest = max(busiest, b)
	}
	bound := float64(busiest) / 10e6
	copying := (w.rec.lastCopy - w.rec.firstCopy).Seconds()
	if r.AutoRecoverySeconds < 2+copying {
		t.Fatalf("recovery reported %.2fs from the loss, less than the 2 s session timeout and %.2fs of copying", r.AutoRecoverySeconds, copying)
	}
	if copying < bound || copying > 1.5*bound+0.5 {
		t.Fatalf("copying took %.2fs for %d bytes (%d to the busiest target): want %.2fs (÷ 10 MB/s) to %.2fs",
			copying, r.ReplicatedBytes, busiest, bound, 1.5*bound+0.5)
	}
	// Every ledger's fragments now name live bookies only.
	for _, p := range w.parts {
		for _, l := range p.ledgers {
			for fi, f := range l.frags {
				if slices.Contains(f.ens, w.bookies[0]) && (fi < len(l.frags)-1 || l.closed) {
					t.Fatalf("ledger %d fragment %d still on the lost bookie: %s", l.id, fi, l.ensembles())
				}
			}
		}
	}
	t.Logf("%d entries (%d bytes, %d to the busiest target) re-replicated in %.2fs of copying (bound %.2fs)", r.ReplicatedEntries, r.ReplicatedBytes, busiest, copying, bound)
}

// TestMetadataStore: a metadata write costs the client's round trip to
// the leader, the leader's round trip to a follower and a follower's
// fsync: with a 1 ms one-way latency and a constant 5 ms fsync, 4 × 1 ms +
// 5 ms = 9 ms (the leader's own fsync runs beside the follower's). Without
// a majority nothing moves: with 2 of the 3 nodes down from 2 s to 12 s, a
// broker that dies at 3 s keeps its bundles until the majority is back
// (after 12 s), where with the store whole they move once its 2 s session
// expires (at 5 s).
func TestMetadataStore(t *testing.T) {
	y := strings.Replace(base, "cluster: {brokers: 2}",
		"cluster: {brokers: 2, hardware: {network_latency: 1ms, network_latency_dist: const(1ms), fsync_latency: const(5ms)}}", 1) + failover +
		"  session_timeout: 2s\n%sfaults:\n  - {type: broker-crash, broker: 0, at: 3s, duration: 20s}\n"
	w, err := build(parse(t, fmt.Sprintf(y, "")), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var took sim.Time
	// At 1.5 s, between the cursors' first ledgers (at 1 s) and anything
	// else the store writes.
	w.s.At(1500*sim.Millisecond, func() {
		start := w.s.Now()
		w.regions[0].meta.write(w.brokers[1].node, func() { took = w.s.Now() - start })
	})
	w.s.RunUntil(2 * sim.Second)
	if want := 9 * sim.Millisecond; took < want || took > want+100*sim.Microsecond {
		t.Fatalf("a metadata write took %v, want 9ms (4 one-way latencies and an fsync)", took)
	}
	whole, _ := runYAML(t, fmt.Sprintf(y, ""))
	cut, r := runYAML(t, fmt.Sprintf(y, "  metadata_crashes:\n    - {node: 0, at: 2s, duration: 10s}\n    - {node: 1, at: 2s, duration: 10s}\n"))
	if whole.lastReassign < 5*sim.Second || whole.lastReassign > 6*sim.Second {
		t.Fatalf("with the store whole the bundles moved at %v, want at 5s (crash at 3s, 2s session)", whole.lastReassign)
	}
	if cut.lastReassign < 12*sim.Second || r.BundleReassignments == 0 {
		t.Fatalf("without a majority the bundles moved at %v (%d moves), want after 12s", cut.lastReassign, r.BundleReassignments)
	}
	if r.Lost != 0 {
		t.Fatalf("lost %d", r.Lost)
	}
}

// TestAutoRecoveryTwoLostBookiesOneFragment: two bookies of one ensemble
// (E = Qw = 3 of 6, so each fragment is on three bookies) are lost for
// good at once. Each of the fragment's two losses is copied by its own
// worker; both look for a live bookie outside the ensemble from the same
// starting point, so without a reservation both pick the same one and the
// fragment ends up naming one bookie twice — two places of the ensemble
// on one machine, and entries whose write set was three bookies on two
// (a property search found a lost entry this way). Every fragment must
// name distinct bookies, none of them lost, with nothing lost.
func TestAutoRecoveryTwoLostBookiesOneFragment(t *testing.T) {
	y := strings.NewReplacer("duration: 10s", "duration: 6s").Replace(base) + failover + `  bookies: 6
  ensemble: 3
  write_quorum: 3
  ack_quorum: 2
  session_timeout: 2s
  add_entry_timeout: 2s
  bookie_crashes:
    - {bookie: 0, at: 4s, lose_page_cache: true}
    - {bookie: 1, at: 4s, lose_page_cache: true}
`
	w, r := runYAML(t, y)
	if r.Lost != 0 || r.UnrecoverableEntries != 0 {
		t.Fatalf("lost %d, %d entries unrecoverable", r.Lost, r.UnrecoverableEntries)
	}
	for _, p := range w.parts {
		for _, l := range p.ledgers {
			for fi, f := range l.frags {
				seen := map[*bookie]bool{}
				for _, bk := range f.ens {
					if seen[bk] {
						t.Fatalf("ledger %d fragment %d names bookie %d twice: %s", l.id, fi, bk.id, l.ensembles())
					}
					seen[bk] = true
				}
				closed := fi < len(l.frags)-1 || l.closed
				if closed && (seen[w.bookies[0]] || seen[w.bookies[1]]) {
					t.Fatalf("ledger %d fragment %d still on a lost bookie: %s", l.id, fi, l.ensembles())
				}
			}
		}
	}
	if r.FragmentsReplicated < 2 {
		t.Fatalf("%d fragments re-replicated: the test needs two losses in one fragment", r.FragmentsReplicated)
	}
}
