package kafka

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// Heartbeats are messages on the network: a lossy link drops them like any
// other. A network-degrade fault losing every message between broker 0
// and the controller voters from 5s (no cut, so nothing but the network
// knows) stops its heartbeats reaching the controller, which fences it
// when its session runs out and moves its 2 leaderships.
//
// By hand (as TestKRaftOneBatchMovesAllLeaders): broker 0 of 3 heartbeats
// at 333.333ms + 2k s; the last before 5s left at 4.333333s and arrived
// 150µs ± 50µs later; the session (9s) runs out at 13.333483s; the batch
// costs 5ms, commits a round trip (300µs) later and reaches the other
// brokers 150µs after that: 13.338933s, within ± 4 × 50µs (each of the
// four one-way trips has its jitter). The batch never reaches broker 0 while
// the link drops everything; once the fault ends (25s) its next heartbeat
// (by 27s) is answered with the log, so it has applied everything by the
// end, and the controller registers it again.
func TestHeartbeatsMeetNetworkDrops(t *testing.T) {
	s := faultScenario(2000, 35*units.Second, "all", 2,
		scenarios.Fault{Type: "network-degrade", At: 5 * units.Second, Duration: 20 * units.Second, Broker: brokerID(0),
			From: []string{"controller"}, Share: 1})
	w, err := build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	w.s.RunUntil(20 * sim.Second)
	c := w.ctl
	if !c.bs[0].fenced {
		t.Fatalf("broker 0 not fenced at 20s: its heartbeats were dropped since 5s")
	}
	if c.bs[0].applied >= c.meta.batch {
		t.Errorf("broker 0 applied batch %d of %d at 20s: the batch moving its leaders must not reach it over a link losing every message",
			c.bs[0].applied, c.meta.batch)
	}
	const lat = 150 * sim.Microsecond
	want := 333333333*sim.Nanosecond + 4*sim.Second + lat + 9*sim.Second + 5*sim.Millisecond + 3*lat
	moved := leadersMovedAfter(t, w, 5*sim.Second, 0)
	if len(moved) != 2 {
		t.Fatalf("%d leaderships moved, want broker 0's 2", len(moved))
	}
	for _, p := range moved {
		if at := c.ps[p].electedAt; at < want-4*w.net.Jitter || at > want+4*w.net.Jitter {
			t.Errorf("partition %d: new leader at %v, want %v ± %v", p.idx, at, want, 4*w.net.Jitter)
		}
	}
	w.s.RunUntil(30 * sim.Second)
	if c.bs[0].fenced || c.bs[0].applied != c.meta.batch {
		t.Errorf("at 30s broker 0 fenced %v, applied %d of %d: want it registered again and caught up by its heartbeats",
			c.bs[0].fenced, c.bs[0].applied, c.meta.batch)
	}
}

// A follower learns whom to follow from the controller's metadata, not
// from the controller's state. Broker 2 is cut off from the controller
// (not from its peers) from 5s to 25s; broker 0, leader of partitions 0
// and 3, crashes at 6s for good. The controller fences broker 0 when its
// session runs out (its last heartbeat left at 4.33s: by 13.4s) and makes
// broker 1 the leader of both; broker 2 misses that batch, so its replicas
// of them keep trying broker 0 and fall behind broker 1's log (acks=1:
// broker 1 keeps appending). When the cut heals its metadata fetch brings
// the batch one latency later (≤ 200µs), and its replicas fetch from
// broker 1 and catch up.
func TestFollowerLearnsLeaderFromMetadata(t *testing.T) {
	s := faultScenario(2000, 40*units.Second, "1", 1,
		scenarios.Fault{Type: "network-partition", At: 5 * units.Second, Duration: 20 * units.Second, Broker: brokerID(2),
			From: []string{"controller"}},
		scenarios.Fault{Type: "broker-crash", At: 6 * units.Second, Broker: brokerID(0)})
	w, err := build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	parts := []*partition{w.topics[0].parts[0], w.topics[0].parts[3]}
	w.s.RunUntil(24 * sim.Second)
	for _, p := range parts {
		if p.leader.b.id != 1 {
			t.Fatalf("partition %d led by broker %d at 24s, want broker 1", p.idx, p.leader.b.id)
		}
		q := p.replicaOn(2)
		if q.fetcher != nil && q.fetcher.src.id != 0 {
			t.Errorf("partition %d: broker 2's replica fetches from broker %d at 24s: it cannot have heard of the new leader", p.idx, q.fetcher.src.id)
		}
		if lag := p.leader.log.LogEndOffset() - q.log.LogEndOffset(); lag < 1000 {
			t.Errorf("partition %d: broker 2's replica %d behind the leader at 24s, want it stalled since 6s (thousands)", p.idx, lag)
		}
	}
	w.s.RunUntil(25*sim.Second + 200*sim.Microsecond)
	for _, p := range parts {
		if q := p.replicaOn(2); q.fetcher == nil || q.fetcher.src.id != 1 {
			t.Errorf("partition %d: broker 2's replica not fetching from broker 1 one latency after the cut healed", p.idx)
		}
	}
	w.s.RunUntil(30 * sim.Second)
	for _, p := range parts {
		if lag := p.leader.log.LogEndOffset() - p.replicaOn(2).log.LogEndOffset(); lag > 200 {
			t.Errorf("partition %d: broker 2's replica %d behind at 30s, want caught up", p.idx, lag)
		}
	}
}

// Metadata requests and group requests cost a broker handler thread its
// cpu_per_request, as every other request does. With cpu_per_request set
// to 20ms (and 100 msg/s, so 8 threads are nearly idle), a group request
// sent at t0 is served at t0 + latency (150µs ± 50µs) + 20ms, and a
// producer's metadata refresh is answered at t0 + 2 × latency + 20ms;
// without the charge they took the latency alone.
func TestMetadataAndGroupRequestsCostCPU(t *testing.T) {
	s := baseScenario(100, 20*units.Second)
	s.Cluster.Hardware.CPUPerRequest = 20 * units.Millisecond
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	w, err := build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	const cost = 20 * sim.Millisecond
	if got := w.brokers[0].CPUReq; got != cost {
		t.Fatalf("cpu_per_request %v, the derivation assumes %v", got, cost)
	}
	lat, j := w.net.Latency, w.net.Jitter
	w.s.RunUntil(10 * sim.Second)
	m := w.groups[0].all[0]
	if m.coord == nil {
		t.Fatal("member 0 has no coordinator at 10s")
	}
	t0 := w.s.Now()
	served := sim.Time(-1)
	m.groupCall(func() { served = w.s.Now() }, nil)
	p := w.prods[0]
	p.refreshMetadata(0)
	w.s.RunUntil(t0 + sim.Second)
	// Queueing behind the few produce requests in flight adds at most one
	// other request's 20ms on a busy thread: 8 threads at 100 msg/s are
	// almost never all busy.
	if lo, hi := t0+lat-j+cost, t0+lat+j+2*cost; served < lo || served > hi {
		t.Errorf("group request served at %v, want within [%v, %v] (latency + cpu_per_request)", served, lo, hi)
	}
	if lo, hi := t0+2*(lat-j)+cost, t0+2*(lat+j)+2*cost; p.meta.last < lo || p.meta.last > hi {
		t.Errorf("metadata answered at %v, want within [%v, %v] (round trip + cpu_per_request)", p.meta.last, lo, hi)
	}
}
