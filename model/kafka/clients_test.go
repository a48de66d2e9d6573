package kafka

import (
	"math"
	"testing"

	"mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// watched is a produce request to the crashed broker: when it was sent and
// when the producer was done with it (refused, reset or timed out).
type watched struct {
	id       uint32
	use      uint64
	sent     sim.Time
	net      sim.Time // when it left the producer's host for the network (0: not yet seen)
	inFlight bool     // already sent when the broker crashed
	ended    sim.Time
}

// crashWatch builds the crash scenario (broker 0, leader of events/0,
// crashes at 10s for 15s; request_timeout 3s; slow replica fetches), runs
// it to 17s, polling every 20µs from the crash for the produce requests to
// broker 0 — those in flight at the crash and those sent before 14s — and
// noting when each ends at its producer.
func crashWatch(t *testing.T, machine bool) (w *world, reqs []*watched) {
	t.Helper()
	f := scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 15 * units.Second, Leader: "events/0",
		LosePageCache: machine}
	s := faultScenario(5000, 30*units.Second, "all", 2, f)
	s.Producers[0].RequestTimeout = 3 * units.Second
	// Followers fetch in 1MB batches waiting up to 500ms, so acks=all
	// requests wait on the high watermark and many are in flight.
	s.Cluster.ReplicaFetchMinBytes, s.Cluster.ReplicaFetchWaitMax = 1<<20, 500*units.Millisecond
	w, err := build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.close() })
	const crash = 10 * sim.Second
	seen := map[uint64]bool{}
	scan := func(inFlight bool) {
		for id, r := range w.preqs {
			if r.use == 0 || seen[r.use] || r.timedOut || r.c == nil || r.c.b.id != 0 || r.c.p.acks == 0 {
				continue
			}
			if !inFlight && r.sentAt < crash {
				continue
			}
			seen[r.use] = true
			reqs = append(reqs, &watched{id: uint32(id), use: r.use, sent: r.sentAt, inFlight: inFlight, ended: -1})
		}
	}
	var poll func()
	poll = func() {
		now := w.s.Now()
		if now < 14*sim.Second {
			scan(false)
		}
		for _, x := range reqs {
			r := w.preqs[x.id]
			if r.use == x.use && x.net == 0 && r.netAt >= x.sent {
				x.net = r.netAt
			}
			if x.ended < 0 && (r.use != x.use || r.timedOut) {
				x.ended = now
			}
		}
		if now < 18*sim.Second {
			w.s.At(now+20*sim.Microsecond, poll)
		}
	}
	w.s.At(crash, func() { scan(true); poll() })
	w.s.RunUntil(17 * sim.Second)
	if w.err != nil {
		t.Fatal(w.err)
	}
	return w, reqs
}

// A crashed process refuses fast; a crashed machine is silent.
//
// Process: requests in flight when it dies fail when its host's reset
// reaches the producer, one network latency (± jitter) after the crash;
// requests sent afterwards are refused a round trip (2 × latency ± jitter
// each way) after they left the producer's host for the network (its CPU
// and NIC come first, clienthost.go) — all within a millisecond, far below
// request_timeout (3s). Machine: nothing answers, so every request ends
// exactly request_timeout after it was sent. Polling adds up to 20µs.
func TestCrashedProcessRefusesMachineTimesOut(t *testing.T) {
	const poll = 20 * sim.Microsecond
	const timeout = 3 * sim.Second
	for _, machine := range []bool{false, true} {
		w, reqs := crashWatch(t, machine)
		lat, jit := w.net.Latency, w.net.Jitter
		var before, after int
		for _, x := range reqs {
			if x.ended < 0 {
				t.Errorf("machine=%v: request sent at %v never ended", machine, x.sent)
				continue
			}
			var lo, hi sim.Time
			switch {
			case machine:
				lo, hi = x.sent+timeout, x.sent+timeout+poll
			case x.inFlight:
				lo, hi = 10*sim.Second+lat-jit, 10*sim.Second+lat+jit+poll
			default:
				lo, hi = x.net+2*(lat-jit), x.net+2*(lat+jit)+poll
			}
			if x.ended < lo || x.ended > hi {
				t.Errorf("machine=%v: request sent at %v (in flight at the crash: %v) ended at %v, want in [%v, %v]",
					machine, x.sent, x.inFlight, x.ended, lo, hi)
			}
			if x.inFlight {
				before++
			} else {
				after++
			}
		}
		if before == 0 || after == 0 {
			t.Errorf("machine=%v: watched %d requests in flight at the crash and %d sent after it, want some of each", machine, before, after)
		}
	}
}

// Producers and consumers learn the new leader from a metadata refresh,
// not from the controller. By hand (as TestBrokerCrashAcksAll): broker 0's last
// heartbeat before the crash at 10s left at 8.3333s and arrived 150µs
// later; the session (9s) runs out at 17.33348s; the metadata batch costs
// 5ms and reaches the brokers one latency later: 17.33863s. Until then
// every metadata answer still names broker 0 (or no leader) at the old
// epoch, so the producer's cache keeps broker 0. Afterwards the next
// refresh moves it: refreshes follow the refusals of retried batches
// (retry_backoff 100ms doubling to retry_backoff_max 1s, ±20%), each
// after retry_backoff, plus a round trip — so within 1.2s + 100ms + 1ms of
// the batch taking effect.
func TestProducersFindNewLeaderByMetadata(t *testing.T) {
	w, _ := crashWatch(t, false)
	p := w.prods[0]
	part := w.topics[0].parts[0]
	effect := sim.Time(17.33348*float64(sim.Second)) + 5*sim.Millisecond + w.net.Latency
	var owner *member
	for _, m := range w.groups[0].all {
		if m.alive && m.owns(0) {
			owner = m
		}
	}
	if owner == nil {
		t.Fatal("no member owns partition 0")
	}
	var moved, cmoved sim.Time = -1, -1
	var poll func()
	poll = func() {
		if moved < 0 && p.leaderOf(0) != 0 {
			moved = w.s.Now()
		}
		if cmoved < 0 && owner.leaderOf(0) != 0 {
			cmoved = w.s.Now()
		}
		if moved < 0 || cmoved < 0 {
			w.s.At(w.s.Now()+sim.Millisecond, poll)
		}
	}
	w.s.At(w.s.Now(), poll)
	w.s.RunUntil(22 * sim.Second)
	if w.err != nil {
		t.Fatal(w.err)
	}
	if part.leader.b.id == 0 {
		t.Fatalf("partition 0 still led by broker 0 at 22s")
	}
	lo := effect - 3*sim.Millisecond // the session check's tick
	hi := effect + 1200*sim.Millisecond + 100*sim.Millisecond + sim.Millisecond
	if moved < lo || moved > hi {
		t.Errorf("producer moved partition 0 off broker 0 at %v, want after the new leader took effect (≈ %v) and within one refresh: [%v, %v]",
			moved, effect, lo, hi)
	}
	// The consumer owning partition 0 is told NOT_LEADER_OR_FOLLOWER (or
	// finds no leader) at every fetch and refreshes every 100ms
	// (retry.backoff.ms) until an answer names the new leader: within
	// 100ms + a round trip + the poll's 1ms of the batch taking effect.
	if chi := effect + 100*sim.Millisecond + 2*sim.Millisecond; cmoved < lo || cmoved > chi {
		t.Errorf("consumer moved partition 0 off broker 0 at %v, want in [%v, %v]", cmoved, lo, chi)
	}
	if got := p.leaderOf(0); got != part.leader.b.id {
		t.Errorf("producer's cached leader %d, controller's %d", got, part.leader.b.id)
	}
	if p.meta.refreshes == 0 {
		t.Errorf("no metadata request was sent")
	}
}

// Leader isolation with acks=1: the leader of events/0 (broker 0, leading
// partitions 0 and 3) is cut off from the controller and its peers at
// 10s for L seconds; producers still reach it. The controller fences it at
// ≈ 17.34s and elects new leaders, but nothing tells broker 0: it keeps
// acknowledging, and the producers — metadata_max_age 5m, and no error to
// make them refresh — keep writing to it until the cut heals, when it
// learns of the newer epoch, answers NOT_LEADER_OR_FOLLOWER and truncates
// everything it took alone. So the loss is the offered rate × the two
// partitions' share of keys × L: every write to them during the cut.
//
// The share is the murmur2 partitioner's over the 1,000 uniform keys,
// counted here. With L = 15s and 25s (5,000 msg/s): 5000 × share × L, and
// the difference 5000 × share × 10s; Poisson arrivals and the replication
// lag at the cut's start allow ± 5% (plus a 0.2s window).
func TestLeaderIsolationLossGrowsWithCut(t *testing.T) {
	const rate = 5000.0
	n := 0
	var buf []byte
	for k := range int64(1000) {
		buf = load.KeyBytes(buf, k)
		if pi := partitionFor(buf, 6); pi == 0 || pi == 3 {
			n++
		}
	}
	share := float64(n) / 1000
	lost := map[int]float64{}
	for _, l := range []int{15, 25} {
		cut := scenarios.Fault{Type: "network-partition", At: 10 * units.Second, Duration: units.Duration(l) * units.Second,
			Leader: "events/0", From: []string{"controller", "peers"}}
		s := faultScenario(rate, 40*units.Second, "1", 2, cut)
		s.Producers[0].Keys = "uniform(1000)"
		r := mustRun(t, s)
		noViolations(t, "isolation", r)
		want := rate * share * float64(l)
		lost[l] = float64(r.Lost)
		if math.Abs(float64(r.Lost)-want) > 0.05*want+rate*share*0.2 {
			t.Errorf("cut %ds: lost %d, want 5000/s × share %.3f × %ds = %.0f (± 5%%)", l, r.Lost, share, l, want)
		}
		if r.TruncatedRecords < r.Lost {
			t.Errorf("cut %ds: truncated %d < lost %d: the zombie's tail should be truncated", l, r.TruncatedRecords, r.Lost)
		}
	}
	diff, want := lost[25]-lost[15], rate*share*10
	if math.Abs(diff-want) > 0.1*want {
		t.Errorf("10s more of cut lost %.0f more, want 5000 × %.3f × 10s = %.0f (± 10%%): loss grows linearly with the cut", diff, share, want)
	}
}

// network-degrade between the only broker and its clients: every message
// takes slowdown times the latency, so with 20x each acks=1 produce round
// trip (request there, response back) takes 19 × 2 × latency longer, and
// the median acknowledgement moves by that much (± 10%: jitter scales
// too). A 20% drop loses requests and responses: their producers wait out
// request_timeout (1s here) and retry, so some acknowledgements take at
// least a second.
func TestNetworkDegrade(t *testing.T) {
	mk := func(f ...scenarios.Fault) *scenarios.Scenario {
		s := faultScenario(2000, 10*units.Second, "1", 1, f...)
		s.Cluster.Brokers = 1
		s.Topics[0].ReplicationFactor = 1
		s.Producers[0].RequestTimeout = units.Second
		s.Producers[0].DeliveryTimeout = 30 * units.Second
		return s
	}
	slow := scenarios.Fault{Type: "network-degrade", At: 0, Broker: brokerID(0), From: []string{"clients"}, Slowdown: 20}
	base := mustRun(t, mk())
	r := mustRun(t, mk(slow))
	w, _ := build(mk(), Options{})
	lat := w.net.Latency.Seconds() * 1000
	w.close()
	want := 19 * 2 * lat
	if got := r.AckLatency.P50 - base.AckLatency.P50; math.Abs(got-want) > 0.1*want {
		t.Errorf("20x slower client links moved the median ack by %.3fms (%.3f → %.3f), want 19 × 2 × %.3fms = %.3fms",
			got, base.AckLatency.P50, r.AckLatency.P50, lat, want)
	}
	lossy := scenarios.Fault{Type: "network-degrade", At: 2 * units.Second, Duration: 3 * units.Second, Broker: brokerID(0),
		From: []string{"clients"}, Share: 0.2}
	r = mustRun(t, mk(lossy))
	noViolations(t, "lossy", r)
	if r.Retries == 0 || r.AckLatency.Max < 1000 || r.Lost != 0 {
		t.Errorf("20%% loss: retries %d, max ack %.0fms, lost %d: want retries after 1s timeouts and nothing lost", r.Retries, r.AckLatency.Max, r.Lost)
	}
}
