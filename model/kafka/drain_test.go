package kafka

import (
	"fmt"
	"strings"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// sentReq is one produce request as the sender sent it.
type sentReq struct {
	at     sim.Time
	broker int     // the broker the request went to
	parts  []int32 // the partition of each batch, in request order
	bytes  int64
}

// drainRig is one producer on a one-broker cluster (RF 1, acks=1, not
// idempotent) with no arrivals of its own: the test puts records into
// chosen partitions at chosen times and records every request sent.
type drainRig struct {
	w    *world
	p    *producer
	sent []sentReq
}

func newDrainRig(t *testing.T, parts int, mod func(*scenarios.Producer)) *drainRig {
	return newDrainRigOn(t, parts, mod, nil)
}

// newDrainRigOn is newDrainRig with the scenario changed by modSc before
// its defaults are filled.
func newDrainRigOn(t *testing.T, parts int, mod func(*scenarios.Producer), modSc func(*scenarios.Scenario)) *drainRig {
	t.Helper()
	no := false
	linger := units.Duration(5 * units.Millisecond)
	s := &scenarios.Scenario{
		Name: "drain", Seed: 1, Duration: units.Second,
		Cluster: scenarios.Cluster{Brokers: 1},
		Topics:  []scenarios.Topic{{Name: "events", Partitions: parts, ReplicationFactor: 1, MinInsyncReplicas: 1}},
		Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1, Acks: "1",
			EnableIdempotence: &no, Linger: &linger, MessageSize: mustSize(t, "100B")}},
	}
	if mod != nil {
		mod(&s.Producers[0])
	}
	if modSc != nil {
		modSc(s)
	}
	s.Defaults()
	s.Producers[0].Rate = 0 // no arrivals: the test puts every record
	w, err := build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &drainRig{w: w, p: w.prods[0]}
	drainTrace = func(p *producer, req *produceReq) {
		sr := sentReq{at: p.w.s.Now(), broker: req.c.b.id, bytes: req.bytes}
		for _, id := range req.batches {
			sr.parts = append(sr.parts, p.batches[id].part)
		}
		r.sent = append(r.sent, sr)
	}
	t.Cleanup(func() { drainTrace = nil; w.close() })
	return r
}

// put hands a record of size bytes (value) to partition part at time at.
func (r *drainRig) put(at sim.Time, part int, size int64) {
	r.w.s.At(at, func() {
		r.p.sticky = part
		r.p.put(r.w.s.Now(), size, -1)
	})
}

// Three records for partitions 0, 1 and 2 at t = 0, 1 and 2 ms, linger
// 5 ms, one broker. By hand (Kafka's ready/drain): partition 0's batch has
// lingered 5 ms at t = 5 ms, which makes the broker's connection ready; the
// drain then takes the first batch of every partition it leads, the open
// ones of partitions 1 and 2 too. So exactly ONE request, at t = 5 ms,
// carrying 3 batches (one per partition), and nothing at 6 or 7 ms when
// the later batches' own lingers would have ended.
func TestDrainTakesEveryPartitionsFirstBatch(t *testing.T) {
	r := newDrainRig(t, 3, nil)
	for i := range 3 {
		r.put(sim.Time(i)*sim.Millisecond, i, 100)
	}
	r.w.s.RunUntil(50 * sim.Millisecond)
	if len(r.sent) != 1 {
		t.Fatalf("%d requests sent (%+v), want 1", len(r.sent), r.sent)
	}
	got := r.sent[0]
	if got.at != 5*sim.Millisecond || len(got.parts) != 3 {
		t.Fatalf("request at %v with partitions %v, want at 5ms with 3 batches", got.at, got.parts)
	}
	seen := map[int32]bool{}
	for _, p := range got.parts {
		seen[p] = true
	}
	if len(seen) != 3 {
		t.Errorf("partitions %v, want 0, 1 and 2 once each", got.parts)
	}
}

// Never two batches of one partition in one request. batch.size is 1,000
// and each record 1,000 B: with its overhead and the batch header a record
// fills a batch alone, which is sealed at once. At t = 0: one full batch for each of
// partitions 1–5, then two full batches of partition 0. By hand: each of
// the first five fills sends a request at once (the connection takes up
// to 5 in flight), so partition 0's two full batches wait in its deque.
// Each response frees a slot; the next drain may take only partition 0's
// FIRST batch, so its two batches go in two more requests: 7 requests,
// none with a partition twice, partition 0 in two of them, in order.
func TestDrainOneBatchPerPartitionPerRequest(t *testing.T) {
	r := newDrainRig(t, 6, func(p *scenarios.Producer) {
		p.BatchSize = 1000
		p.MaxInFlight = 5
	})
	for part := 1; part <= 5; part++ {
		r.put(0, part, 1000)
	}
	r.put(0, 0, 1000)
	r.put(0, 0, 1000)
	r.w.s.RunUntil(100 * sim.Millisecond)
	if len(r.sent) != 7 {
		t.Fatalf("%d requests (%+v), want 7", len(r.sent), r.sent)
	}
	with0 := 0
	for i, s := range r.sent {
		seen := map[int32]bool{}
		for _, p := range s.parts {
			if seen[p] {
				t.Errorf("request %d carries two batches of partition %d: %v", i, p, s.parts)
			}
			seen[p] = true
		}
		if seen[0] {
			with0++
			if i < 5 {
				t.Errorf("request %d (sent while the first five fill) carries partition 0", i)
			}
		}
	}
	if with0 != 2 {
		t.Errorf("partition 0 went in %d requests, want 2", with0)
	}
	if got := r.p.nBatches; got != 7 {
		t.Errorf("%d batches sealed, want 7", got)
	}
	if s := r.sent[5]; len(s.parts) != 1 {
		t.Errorf("request 6 carries partitions %v, want partition 0's first batch alone", s.parts)
	}
}

// max.request.size splits a drain. Four partitions each get one record of
// 376 B at t = 0: a batch of 376 + 24 = 400 bytes (the model's estimate).
// max.request.size 1,000: a request takes two (800 B) and stops before the
// third (1,200 > 1,000). By hand: at t = 5 ms two requests of two batches
// each, every partition in exactly one.
func TestDrainStopsAtMaxRequestSize(t *testing.T) {
	r := newDrainRig(t, 4, func(p *scenarios.Producer) {
		p.MaxRequestSize = 1000
		p.MaxInFlight = 5
	})
	for part := range 4 {
		r.put(0, part, 376)
	}
	r.w.s.RunUntil(50 * sim.Millisecond)
	if len(r.sent) != 2 {
		t.Fatalf("%d requests (%+v), want 2", len(r.sent), r.sent)
	}
	seen := map[int32]int{}
	for _, s := range r.sent {
		if s.at != 5*sim.Millisecond || len(s.parts) != 2 || s.bytes != 800 {
			t.Errorf("request at %v of %d batches, %d B: want at 5ms, 2 batches, 800 B", s.at, len(s.parts), s.bytes)
		}
		for _, p := range s.parts {
			seen[p]++
		}
	}
	if len(seen) != 4 {
		t.Errorf("partitions sent %v, want each of 0–3 once", seen)
	}
}

// max.in.flight = 1 mutes: a partition's next batch (and the connection's
// next request) waits until the request in flight is answered. Full
// batches (one record of 1,000 B each, batch.size 1,000) for partitions 0
// and 1 at t = 0, then a second one for partition 0. By hand: request 1 at t = 0 carries
// partition 0's first batch (sent as it fills); partition 1's and
// partition 0's second batch wait; at the response, request 2 takes the
// first batch of each (partitions 0 and 1). Never two requests in flight.
func TestDrainMaxInFlightOneMutes(t *testing.T) {
	r := newDrainRig(t, 2, func(p *scenarios.Producer) {
		p.BatchSize = 1000
		p.MaxInFlight = 1
	})
	r.put(0, 0, 1000)
	r.put(0, 1, 1000)
	r.put(0, 0, 1000)
	var most int
	for t0 := sim.Time(0); t0 < 50*sim.Millisecond; t0 += 10 * sim.Microsecond {
		r.w.s.RunUntil(t0)
		most = max(most, r.p.conns[0].inFlight)
	}
	if most != 1 {
		t.Errorf("at most %d requests in flight, want 1", most)
	}
	if len(r.sent) != 2 {
		t.Fatalf("%d requests (%+v), want 2", len(r.sent), r.sent)
	}
	if s := r.sent[0]; s.at != 0 || len(s.parts) != 1 || s.parts[0] != 0 {
		t.Errorf("request 1 at %v with partitions %v, want at 0 with partition 0", s.at, s.parts)
	}
	if s := r.sent[1]; s.at <= 0 || len(s.parts) != 2 {
		t.Errorf("request 2 at %v with partitions %v, want after the response with partitions 0 and 1", s.at, s.parts)
	}
}

// The request count at 3,000 partitions. The baseline (5K msg/s of 500 B,
// keys spread over 10,000, 2 producer instances, 3 brokers, linger 5 ms,
// batch.size 16 KB) for 2 s: 10,000 messages. Each instance sends to a
// broker when the first batch waiting for it has lingered 5 ms, and that
// request takes every partition's waiting batch; none fills (a partition
// gets a record every 1.2 s). So at most instances × brokers × (1 s /
// linger) = 2 × 3 × 200 = 1,200 requests a second: 2,400 in 2 s. Each
// instance-broker pair gets 5,000 / 6 = 833 msg/s, one every 1.2 ms on
// average, so a window opens about 1.2 ms after the last send and the
// pairs send every 6.2 ms: about 1,935 requests. The sender before this
// model sent each partition's batch at its own linger, about one request
// per message (10,000).
func TestDrainRequestsAtManyPartitions(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 partitions")
	}
	ls, err := scenarios.LoadScenario("baseline", []string{"topics.0.partitions=3000", "duration=2s"})
	if err != nil {
		t.Fatal(err)
	}
	sc := ls.Scenario
	r := mustRun(t, &sc)
	if r.Produced < 9500 || r.Produced > 10500 {
		t.Fatalf("%d produced, want 10,000 ± 5%%", r.Produced)
	}
	bound := int64(2 * 3 * 200 * 2)
	t.Logf("%d produce requests for %d messages", r.ProduceRequests, r.Produced)
	if r.ProduceRequests > bound || r.ProduceRequests < 1700 {
		t.Errorf("%d produce requests for %d messages, want at most %d (instances × brokers × 1s/linger × 2 s) and about 1,935", r.ProduceRequests, r.Produced, bound)
	}
}

// A produce request's appends all reach a follower's parked fetch: Kafka
// completes delayed fetches once the whole request is appended. 2 brokers,
// 6 partitions with RF 2, acks=all, so broker 0 leads 3 partitions that
// broker 1 follows; broker 1's fetcher waits for 1,500 bytes (at most
// 500 ms). One 1,000 B record for each of broker 0's partitions at t = 0,
// linger 5 ms: one request at 5 ms with 3 batches of about 1,100 B. By
// hand: the fetch sees all 3,300 B at once, returns them, and the
// follower's next fetch (a round trip later) moves the high watermark
// past all three: every ack within a few milliseconds. Woken by each
// append, it would return after the second (2,200 ≥ 1,500 B) and the
// third batch, 1,100 B alone, would wait the fetch's 500 ms.
func TestDrainRequestWakesFetchOnce(t *testing.T) {
	r := newDrainRigOn(t, 6, func(p *scenarios.Producer) { p.Acks = "all" }, func(s *scenarios.Scenario) {
		s.Cluster.Brokers = 2
		s.Cluster.ReplicaFetchMinBytes = 1500
		s.Cluster.ReplicaFetchWaitMax = units.Duration(500 * units.Millisecond)
		s.Topics[0].ReplicationFactor = 2
	})
	var led []int
	for i, q := range r.w.topics[0].parts {
		if q.leader.b.id == 0 {
			led = append(led, i)
		}
	}
	if len(led) != 3 {
		t.Fatalf("broker 0 leads partitions %v, want 3 of the 6", led)
	}
	for _, part := range led {
		r.put(0, part, 1000)
	}
	r.w.s.RunUntil(2 * sim.Second)
	if len(r.sent) != 1 || len(r.sent[0].parts) != 3 {
		t.Fatalf("requests %+v, want one with 3 batches", r.sent)
	}
	if got := r.p.acked; got != 3 {
		t.Fatalf("%d records acknowledged, want 3", got)
	}
	if mx := sim.Time(r.p.ackRec.Max()); mx > 50*sim.Millisecond {
		t.Errorf("slowest ack %v, want a few ms (the fetch takes all three batches at once)", mx)
	}
}

// max.in.flight = 1 mutes a partition across connections: its batch in
// flight to its old leader keeps its next batch from going to the new one
// until it is answered (Kafka's guaranteeMessageOrder). Two brokers, RF 1;
// a full batch of partition 0 goes to broker 0 at t = 0; the producer then
// learns (here: is told) that broker 1 leads partition 0, and a second
// full batch of it fills at once. By hand: the connection to broker 1 is
// free, but the partition is muted, so the second request leaves only
// after the first one's response, and no request ever leaves while a
// batch of partition 0 is in flight.
func TestDrainMaxInFlightOneMutesAcrossLeaders(t *testing.T) {
	r := newDrainRigOn(t, 2, func(p *scenarios.Producer) {
		p.BatchSize = 1000
		p.MaxInFlight = 1
	}, func(s *scenarios.Scenario) { s.Cluster.Brokers = 2 })
	part := -1
	for i, q := range r.w.topics[0].parts {
		if q.leader.b.id == 0 {
			part = i
		}
	}
	if part < 0 {
		t.Fatal("broker 0 leads no partition")
	}
	inFlight := []int{}
	drainTrace = func(p *producer, req *produceReq) {
		inFlight = append(inFlight, p.parts[part].inFlight)
		r.sent = append(r.sent, sentReq{at: p.w.s.Now()})
	}
	var answered sim.Time
	r.put(0, part, 1000)
	r.w.s.At(0, func() {
		r.p.meta.parts[part].leader = 1
		r.p.moveLeader(part)
		r.p.sticky = part
		r.p.put(0, 1000, -1)
	})
	for t0 := sim.Time(0); t0 < 50*sim.Millisecond && answered == 0; t0 += 10 * sim.Microsecond {
		r.w.s.RunUntil(t0)
		if len(r.sent) == 1 && r.p.parts[part].inFlight == 0 {
			answered = r.w.s.Now()
		}
	}
	r.w.s.RunUntil(50 * sim.Millisecond)
	if len(r.sent) < 2 {
		t.Fatalf("%d requests, want the second batch sent after the first is answered", len(r.sent))
	}
	if r.sent[1].at < answered || answered == 0 {
		t.Errorf("second request at %v, first answered at %v: want after", r.sent[1].at, answered)
	}
	for i, n := range inFlight {
		if n != 0 {
			t.Errorf("request %d left with %d batches of partition %d in flight, want 0 (muted)", i+1, n, part)
		}
	}
}

// The drain STOPS at a partition Kafka's
// shouldStopDrainBatchesForPartition holds (drainBatchesForOneNode breaks
// there, not continues), and the next drain starts at it. An idempotent
// producer on one broker, linger 5 ms, one 100 B record each for
// partitions B, A and C at t = 0, listed in that drain order. A's batch
// is made a retry (attempt 1, log sequence 1) while its partition's batch
// of sequence 0 is still in flight: a retried batch that is not the first
// in flight stops the drain. By hand:
//   - t = 5 ms (the lingers end): the request takes B's batch and stops at
//     A; C, after A in the rotation, waits. One request: [B].
//   - the connection is still ready (C's batch), but the next drain starts
//     at A and stops there at once: no request, and no busy loop.
//   - t = 10 ms: sequence 0 is answered (nothing in flight, acknowledged
//     up to 1); the drain starts at A: one request [A, C].
//
// Skipping A instead (the model before) sent [B, C] at 5 ms and [A] at
// 10 ms.
func TestDrainStopsAtHeldRetry(t *testing.T) {
	yes := true
	r := newDrainRig(t, 3, func(p *scenarios.Producer) {
		p.Acks = "all"
		p.EnableIdempotence = &yes
	})
	const partA, partB, partC = 0, 1, 2
	r.w.s.At(0, func() {
		for _, part := range []int{partB, partA, partC} {
			r.p.sticky = part
			r.p.put(0, 100, -1)
		}
		a := &r.p.parts[partA]
		b := r.p.batches[a.dq[0]]
		b.attempts, b.stamped, b.epoch, b.logSeq = 1, true, a.epoch, 1
		a.inFlight, a.unresolved = 1, 1 // sequence 0 in flight; acknowledged up to 0
	})
	r.w.s.At(10*sim.Millisecond, func() {
		a := &r.p.parts[partA]
		a.inFlight, a.ackedNext = 0, 1
		r.p.drain(r.p.conns[0])
	})
	r.w.s.RunUntil(50 * sim.Millisecond)
	want := []sentReq{
		{at: 5 * sim.Millisecond, parts: []int32{partB}},
		{at: 10 * sim.Millisecond, parts: []int32{partA, partC}},
	}
	checkSent(t, r.sent, want)
}

// checkSent compares the requests sent (time and partitions, in order)
// with want.
func checkSent(t *testing.T, got, want []sentReq) {
	t.Helper()
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].at == want[i].at && fmt.Sprint(got[i].parts) == fmt.Sprint(want[i].parts)
	}
	if !same {
		var g, w []string
		for _, s := range got {
			g = append(g, fmt.Sprintf("%v %v", s.at, s.parts))
		}
		for _, s := range want {
			w = append(w, fmt.Sprintf("%v %v", s.at, s.parts))
		}
		t.Errorf("requests sent:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

// txnDrainRig is the drain rig with a transactional producer
// (transaction.version 1, a commit only after 10 s) and every network
// message taking exactly 3 ms one way, so an AddPartitionsToTxn's round
// trip is longer than the 5 ms linger. The add's round trip, by hand (the
// default profile cloud-nvme-25g: NICs 3.125 GB/s, 20 µs of handler CPU a
// request plus 300 µs a MB; __transaction_state has one replica here, so
// its write is committed as it is appended; each service time to the
// nanosecond: a NIC's rounded, the CPU's truncated):
//
//	3 ms up + NIC in (64 + 32 + 8n B)/3.125 GB/s, n partitions
//	+ CPU 20 µs + (32 + 8n B) × 0.3 ns/B, then the Ongoing write
//	+ NIC out 64 B/3.125 GB/s = 20.48 → 20 ns, + 3 ms down.
//
// One partition: 33.28 → 33 ns + 20,012 ns + 20 ns = 6 ms + 20,065 ns
// (addRTT); two: 35.84 → 36 ns + 20,014.4 → 20,014 ns + 20 ns = 6 ms +
// 20,070 ns (addRTT2).
//
// InitProducerId has answered well before 100 ms (FindCoordinator and
// InitProducerId: two such round trips).
func newTxnDrainRig(t *testing.T, parts int) *drainRig {
	t.Helper()
	yes := true
	lat, err := scenarios.ParseTimeDist("const(3ms)")
	if err != nil {
		t.Fatal(err)
	}
	return newDrainRigOn(t, parts, func(p *scenarios.Producer) {
		p.Acks = "all"
		p.EnableIdempotence = &yes
		p.TransactionalID = "app"
		p.Transaction = &scenarios.ProducerTransaction{CommitInterval: units.Duration(10 * units.Second)}
	}, func(s *scenarios.Scenario) {
		s.Cluster.TransactionVersion = 1
		s.Cluster.Hardware.NetworkLatencyDist = lat
		s.Duration = units.Duration(20 * units.Second)
	})
}

// An AddPartitionsToTxn's round trip in newTxnDrainRig with one
// partition and with two, by hand there.
const (
	addRTT  = 6*sim.Millisecond + 20065*sim.Nanosecond
	addRTT2 = 6*sim.Millisecond + 20070*sim.Nanosecond
)

// putTxn puts one record for each of parts, in that order, at time at,
// once InitProducerId has answered.
func (r *drainRig) putTxn(t *testing.T, at sim.Time, parts ...int) {
	r.w.s.At(at, func() {
		if !r.p.tx.ready {
			t.Errorf("at %v InitProducerId has not answered", at)
		}
		for _, part := range parts {
			r.p.sticky = part
			r.p.put(at, 100, -1)
		}
	})
}

// clientRequestsAt records the coordinator requests the client has sent
// by each of times.
func (r *drainRig) clientRequestsAt(times ...sim.Time) []int64 {
	got := make([]int64, len(times))
	for i, at := range times {
		r.w.s.At(at, func() { got[i] = r.w.txn.clientRequests })
	}
	return got
}

// Kafka's send() notes a partition new to the transaction and wakes the
// sender for the batch it opened; the sender's loop sends
// AddPartitionsToTxn before it drains. So the add leaves with the first
// record, not a linger later. One record for A at T0 = 100 ms, linger
// 5 ms. By hand (newTxnDrainRig):
//   - T0: AddPartitionsToTxn [A] leaves (the client's third coordinator
//     request, after FindCoordinator and InitProducerId).
//   - T0 + 5 ms: the linger ends, but A is not in the transaction yet:
//     the drain stops there, nothing is sent.
//   - T0 + addRTT = 106.020065 ms: the answer; the drain sends [A].
//
// The model before sent the add only when a drain first stopped at A
// (T0 + 5 ms), so [A] left at T0 + 5 ms + addRTT = 111.020065 ms.
func TestTxnAddLeavesWithFirstRecord(t *testing.T) {
	r := newTxnDrainRig(t, 3)
	const partA = 0
	t0 := 100 * sim.Millisecond
	reqs := r.clientRequestsAt(t0-sim.Microsecond, t0+sim.Microsecond, t0+5*sim.Millisecond+sim.Microsecond)
	r.putTxn(t, t0, partA)
	r.w.s.RunUntil(sim.Second)
	if fmt.Sprint(reqs) != "[2 3 3]" {
		t.Errorf("client coordinator requests just before T0, just after, after T0 + 5ms: %v, want [2 3 3] (the add leaves at T0)", reqs)
	}
	checkSent(t, r.sent, []sentReq{{at: t0 + addRTT, parts: []int32{partA}}})
}

// One AddPartitionsToTxn in flight at a time: a partition noted while one
// is in flight goes in the next, sent when the first is answered; and the
// sender drains nothing while one is in flight (Kafka's Sender.runOnce
// returns after sending or awaiting a transactional request). One record
// for A at T0 = 100 ms, one for C at T0 + 1 ms. By hand:
//   - T0: add [A] leaves; T0 + 1 ms: C is noted, the add in flight.
//   - T0 + 5 ms: A's linger ends; nothing drains.
//   - T0 + addRTT: [A] is added; add [C] leaves at once, and nothing
//     drains while it is in flight.
//   - T0 + 2·addRTT = 112.04013 ms: [C] is added; the drain sends [A, C].
//
// Four coordinator requests in all (FindCoordinator, InitProducerId, two
// adds). The model before sent one add for both at T0 + 5 ms and [A, C]
// at its answer, 111.02007 ms; sending [A] at T0 + addRTT, while the
// second add is in flight, is not what Kafka's sender does.
func TestTxnAddOneInFlight(t *testing.T) {
	r := newTxnDrainRig(t, 3)
	const partA, partC = 0, 2
	t0 := 100 * sim.Millisecond
	reqs := r.clientRequestsAt(t0+addRTT-sim.Microsecond, t0+addRTT+sim.Microsecond)
	r.putTxn(t, t0, partA)
	r.putTxn(t, t0+sim.Millisecond, partC)
	r.w.s.RunUntil(sim.Second)
	if fmt.Sprint(reqs) != "[3 4]" {
		t.Errorf("client coordinator requests just before and after the first add's answer: %v, want [3 4]", reqs)
	}
	if got := r.w.txn.clientRequests; got != 4 {
		t.Errorf("%d client coordinator requests, want 4", got)
	}
	checkSent(t, r.sent, []sentReq{{at: t0 + 2*addRTT, parts: []int32{partA, partC}}})
}

// While an AddPartitionsToTxn is in flight the sender drains nothing,
// not even partitions already in the transaction (Kafka's Sender.runOnce
// returns after maybeSendAndPollTransactionalRequest). At 100 ms one
// record each for B and C: their add leaves at once, and its answer
// (100 ms + addRTT2 = 106.02007 ms, after the linger's end at 105 ms)
// sends [B, C]. At 200 ms one record each for B, A and C, in that drain
// order; A is new to the transaction, and its add leaves at 200 ms. By
// hand:
//   - 205 ms: the lingers end; B is in the transaction, but the add is in
//     flight: nothing is sent.
//   - 200 ms + addRTT = 206.020065 ms: the add's answer; the drain takes
//     every partition's batch: request [B, A, C].
//
// The model before sent each add when the drain first stopped (105 ms,
// 205 ms): [B, C] at 111.02007 ms, then [B] at 205 ms (stopping at A)
// and [A, C] at 211.020065 ms.
func TestTxnNoDrainWhileAddInFlight(t *testing.T) {
	r := newTxnDrainRig(t, 3)
	const partA, partB, partC = 0, 1, 2
	r.putTxn(t, 100*sim.Millisecond, partB, partC)
	r.putTxn(t, 200*sim.Millisecond, partB, partA, partC)
	r.w.s.RunUntil(sim.Second)
	checkSent(t, r.sent, []sentReq{
		{at: 100*sim.Millisecond + addRTT2, parts: []int32{partB, partC}},
		{at: 200*sim.Millisecond + addRTT, parts: []int32{partB, partA, partC}},
	})
}

// A drain stopped at a partition whose hold a response on ANOTHER
// connection releases is woken by that response: no lost wake-up. Two
// brokers 10 ms from the producer (one way, ± the profile's jitter), RF 1,
// idempotent, linger 5 ms, batch.size 1,000. Partition A is led by broker
// 0, B by broker 1. By hand:
//   - t = 0: a full batch of A (log sequence 0) goes to broker 0: request
//     1, answered at about 20 ms (two network legs).
//   - t = 1 ms: the producer learns that broker 1 leads A; a record for A
//     and then one for B, lingering; A's batch is made a retry of log
//     sequence 1, so it must wait for sequence 0's answer.
//   - t = 6 ms: the connection to broker 1 is ready; its drain stops at A
//     at once: nothing is sent, B waits behind A.
//   - about 20 ms: broker 0 answers sequence 0; that answer drains the
//     connection to broker 1 too, whose request starts at A: [A, B].
func TestDrainStopWokenByAnotherConnection(t *testing.T) {
	yes := true
	r := newDrainRigOn(t, 2, func(p *scenarios.Producer) {
		p.Acks = "all"
		p.EnableIdempotence = &yes
		p.BatchSize = 1000
	}, func(s *scenarios.Scenario) {
		s.Cluster.Brokers = 2
		s.Cluster.Hardware.NetworkLatency = units.Duration(10 * units.Millisecond)
	})
	partA, partB := -1, -1
	for i, q := range r.w.topics[0].parts {
		if q.leader.b.id == 0 {
			partA = i
		} else {
			partB = i
		}
	}
	if partA < 0 || partB < 0 {
		t.Fatal("want one partition led by each broker")
	}
	r.put(0, partA, 1000)
	r.w.s.At(sim.Millisecond, func() {
		r.p.meta.parts[partA].leader = 1
		for _, part := range []int{partA, partB} {
			r.p.sticky = part
			r.p.put(sim.Millisecond, 100, -1)
		}
		a := &r.p.parts[partA]
		b := r.p.batches[a.dq[0]]
		b.attempts, b.stamped, b.epoch, b.logSeq = 1, true, a.epoch, 1
		a.unresolved++
	})
	r.w.s.RunUntil(40 * sim.Millisecond)
	if len(r.sent) < 2 {
		t.Fatalf("requests %+v, want A's first batch to broker 0, then [A B] to broker 1 at its answer", r.sent)
	}
	first, second := r.sent[0], r.sent[1]
	if first.at != 0 || first.broker != 0 || fmt.Sprint(first.parts) != fmt.Sprint([]int{partA}) {
		t.Errorf("request 1 %+v, want at 0 to broker 0 with partition %d", first, partA)
	}
	want := fmt.Sprint([]int{partA, partB})
	if second.broker != 1 || fmt.Sprint(second.parts) != want || second.at < 20*sim.Millisecond || second.at > 30*sim.Millisecond {
		t.Errorf("request 2 %+v, want to broker 1 with %s at the answer to request 1 (20–30 ms)", second, want)
	}
}

// A drain stopped at a held partition resumes when that partition moves
// to another leader: the old leader's connection drains again, and what
// waited behind the partition goes (Kafka's next drain of that broker no
// longer sees the partition). Two brokers, RF 1, idempotent, linger 5 ms;
// partitions A and B both led by broker 0, A first in drain order. At
// t = 0 one record each; A's batch is made a retry of log sequence 1
// while sequence 0 is in flight (and stays so). By hand:
//   - t = 5 ms: the drain to broker 0 stops at A: nothing is sent.
//   - t = 10 ms: the producer learns that broker 1 leads A. The
//     connection to broker 1 stops at A (still held); the one to broker 0
//     drains again without A: request [B] to broker 0 at 10 ms.
func TestDrainStopResumesWhenHeldPartitionMoves(t *testing.T) {
	yes := true
	r := newDrainRigOn(t, 4, func(p *scenarios.Producer) {
		p.Acks = "all"
		p.EnableIdempotence = &yes
	}, func(s *scenarios.Scenario) { s.Cluster.Brokers = 2 })
	var led []int
	for i, q := range r.w.topics[0].parts {
		if q.leader.b.id == 0 {
			led = append(led, i)
		}
	}
	if len(led) < 2 {
		t.Fatalf("broker 0 leads partitions %v, want two", led)
	}
	partA, partB := led[0], led[1]
	r.w.s.At(0, func() {
		for _, part := range []int{partA, partB} {
			r.p.sticky = part
			r.p.put(0, 100, -1)
		}
		a := &r.p.parts[partA]
		b := r.p.batches[a.dq[0]]
		b.attempts, b.stamped, b.epoch, b.logSeq = 1, true, a.epoch, 1
		a.inFlight, a.unresolved = 1, 1
	})
	r.w.s.At(10*sim.Millisecond, func() {
		r.p.meta.parts[partA].leader = 1
		r.p.moveLeader(partA)
	})
	r.w.s.RunUntil(50 * sim.Millisecond)
	if len(r.sent) != 1 || r.sent[0].at != 10*sim.Millisecond || r.sent[0].broker != 0 || fmt.Sprint(r.sent[0].parts) != fmt.Sprint([]int{partB}) {
		t.Errorf("requests %+v, want one, [%d] to broker 0 at 10ms", r.sent, partB)
	}
}
