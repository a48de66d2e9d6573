package kafka

import (
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// A NIC shared fairly between connections against one first-in-first-out
// queue. 3 brokers with 50 MB/s NICs, RF 3, acks=all, 1,500 msg/s of
// 10 KB (5 MB/s led by each broker); a live group keeps up, and a second
// group stalls from 2s to 22s and then reads its 20s backlog (100 MB per
// broker) as fast as the leaders' NICs allow.
//
// While it catches up, each leader's NIC out has a backlog: both queues
// are work conserving, so the NIC stays busy (theory: 100% while work
// waits; at least 90% of each second from 23s to 25s). What differs is
// what a follower's fetch response waits for. First in first out, it
// waits behind every catch-up response queued before it; shared fairly,
// behind at most one job of each other connection. An acks=all write is
// acknowledged once the followers' next fetches have carried it, so its
// latency during the burst is mostly that wait: it must be at least 1.5
// times lower when the NIC is shared fairly. Before and after the burst
// both are a few milliseconds.
//
// batch.size is 128 KB: at the default 16 KB a batch holds one 10 KB
// record, and as Kafka's sender sends at most one batch of a partition per
// request, with 5 requests in flight, a partition moves at most 5 records
// per acknowledgement round trip — 250 msg/s at a 20 ms round trip, its
// whole load — so once acks slow the producer itself falls behind and
// both NICs show the producer's backlog instead of the fetch's wait.
func TestFairNICServesFollowersUnderSaturation(t *testing.T) {
	build := func(queue string) *Results {
		s := &scenarios.Scenario{
			Name: "nic-share", Seed: 1, Duration: 30 * units.Second,
			Cluster: scenarios.Cluster{Brokers: 3, Hardware: scenarios.Hardware{NICIn: 50e6, NICOut: 50e6, NICQueue: queue}},
			Topics:  []scenarios.Topic{{Name: "events", Partitions: 6, ReplicationFactor: 3, MinInsyncReplicas: 2}},
			Producers: []scenarios.Producer{{Name: "app", Topic: "events", Rate: 1500, Acks: "all",
				MessageSize: sizeOf("10KB"), Keys: "uniform(10000)", BatchSize: 128000}},
			ConsumerGroups: []scenarios.ConsumerGroup{
				{Name: "live", Topic: "events", Consumers: 3},
				{Name: "catchup", Topic: "events", Consumers: 3}},
			Faults: []scenarios.Fault{{Type: "consumer-stall", Group: "catchup", At: 2 * units.Second, Duration: 20 * units.Second}},
		}
		s.Defaults()
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return mustRun(t, s)
	}
	fair, fifo := build(scenarios.NICQueueFair), build(scenarios.NICQueueFIFO)
	for _, c := range []struct {
		name string
		r    *Results
	}{{"fair", fair}, {"fifo", fifo}} {
		if busy, _ := window(c.r, "util/0/nic_out", 23, 25); busy < 0.9 {
			t.Errorf("%s: broker 0's NIC out %.0f%% busy during the catch-up, want at least 90%%", c.name, 100*busy)
		}
		if before, _ := window(c.r, "ack_p50_ms", 10, 20); before > 20 {
			t.Errorf("%s: ack p50 %.1f ms before the burst, want a few ms", c.name, before)
		}
	}
	// Followers keep up within replica.lag.time.max under the fair NIC: a
	// leader's NIC out (50 MB/s) carries its 2 followers' fetches (each
	// needs its share of 15 MB/s ÷ 3 leaders = 5 MB/s) beside at most 6
	// consumer fetch sessions; fair queueing gives each of the 8 flows at
	// least 50 ÷ 8 = 6.25 MB/s, above the 5 MB/s a follower needs, so no
	// follower falls behind and the ISR never shrinks.
	if fair.ISRShrinks != 0 || fair.MinISR != 3 {
		t.Errorf("fair NIC: %d ISR shrinks, min ISR %d; want 0 and 3 (followers keep up)", fair.ISRShrinks, fair.MinISR)
	}
	fairAck, _ := window(fair, "ack_p50_ms", 23, 25)
	fifoAck, _ := window(fifo, "ack_p50_ms", 23, 25)
	if fifoAck < 1.5*fairAck {
		t.Errorf("ack p50 during the catch-up: fair %.0f ms, fifo %.0f ms: want fifo at least 1.5 times fair", fairAck, fifoAck)
	}
	t.Logf("ack p50 during the catch-up: fair %.0f ms, fifo %.0f ms; ISR shrinks fair %d fifo %d, min ISR %d %d", fairAck, fifoAck, fair.ISRShrinks, fifo.ISRShrinks, fair.MinISR, fifo.MinISR)
}
