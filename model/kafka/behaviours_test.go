package kafka

import (
	"fmt"
	"testing"

	"mqsim/model/load"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// fastFailover is behaviours.md's fast-failover on two brokers, A (0) and
// B (1), every partition on both (RF 2, m=1, acks=1, unclean election on).
// Followers batch their fetches (256KB) so each leader holds an
// unreplicated tail when it dies.
//
//	10s  A crashes holding unreplicated epoch-1 batches
//	19s  A fenced (9s session timeout): B leads epoch 2 and takes writes
//	22s  B crashes
//	24s  A returns; the ISR is {B}, B is down: A is elected uncleanly
//	     (epoch 3) with its unreplicated tail, and takes writes after it
//	32s  B returns and follows A
func fastFailover(mode string) *scenarios.Scenario {
	s := faultScenario(3000, 45*units.Second, "1", 1,
		scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 14 * units.Second, Broker: brokerID(0)},
		scenarios.Fault{Type: "broker-crash", At: 22 * units.Second, Duration: 10 * units.Second, Broker: brokerID(1)})
	s.Cluster.Brokers = 2
	s.Topics[0].ReplicationFactor = 2
	s.Cluster.UncleanLeaderElection = true
	s.Cluster.ReplicaFetchMinBytes = 256 << 10
	s.Cluster.Truncation = mode
	return s
}

// fast-failover with leader-epoch truncation. B's latest epoch is 2 (the
// partitions A led first) or 1 (those B led throughout); A never had epoch
// 2, so it answers with the end of the largest epoch it had below it (1):
// B walks back through the epochs (KIP-279), truncates to where its own
// epoch 2 began and fetches A's epoch-1 tail and epoch-3 writes: every
// replica converges. What B acknowledged (acks=1) that A never had is
// truncated; what no consumer had read by then is lost, as the unclean
// election allows.
//
// Numbers: A led partitions 0, 2, 4 (its preferred ones) and B 1, 3, 5.
// At 19s three clean elections move A's partitions to B; at 24s all six
// partitions have ISR {B} with B down, so six unclean elections give them
// to A: 9 elections, 6 unclean. B truncates everything it took after A's
// crash (10s) until its own (22s): on its partitions 12s of writes, on
// A's the 9s the producer held back while they were offline plus 3s of
// epoch 2, so 12s of the 3000 msg/s in all = 36000, within Poisson noise
// and A's fetch lag (256KB fetches) at 10s: [0.97, 1.04] × 36000.
func TestFastFailoverLeaderEpoch(t *testing.T) {
	r := mustRun(t, fastFailover(scenarios.TruncateLeaderEpoch))
	noViolations(t, "fast-failover", r)
	if r.LeaderElections != 9 || r.UncleanElections != 6 {
		t.Errorf("elections %d (unclean %d), want 3 clean + 6 unclean = 9", r.LeaderElections, r.UncleanElections)
	}
	if r.DivergedPartitions != 0 || r.FinalUnderReplicated != 0 {
		t.Errorf("diverged %d, under-replicated %d at the end: want B truncated, caught up and back in every ISR",
			r.DivergedPartitions, r.FinalUnderReplicated)
	}
	if lo, hi := int64(36000*97/100), int64(36000*104/100); r.TruncatedRecords < lo || r.TruncatedRecords > hi {
		t.Errorf("truncated %d, want B's 12s of writes after A's crash, in [%d, %d]", r.TruncatedRecords, lo, hi)
	}
	if r.Lost == 0 || r.Lost > r.TruncatedRecords {
		t.Errorf("lost %d, truncated %d: want a loss, every lost record a truncated one", r.Lost, r.TruncatedRecords)
	}
}

// fast-failover with high-watermark truncation (Kafka before KIP-101):
// A, returning, truncates to its high watermark, dropping its unreplicated
// epoch-1 tail, and leads epoch 3 from there. B, the lone in-sync leader
// before its crash, had its high watermark at its log end, so truncating
// to it removes nothing; it fetches from its own log end, past which A's
// batches are newer (epoch 3 > B's 1 or 2) and are appended. The same
// offsets hold different records on A and B and nothing in the protocol
// tells B: all six partitions end with in-sync replicas that differ.
func TestFastFailoverHighWatermark(t *testing.T) {
	r := mustRun(t, fastFailover(scenarios.TruncateHighWatermark))
	noViolations(t, "fast-failover hw", r)
	if r.DivergedPartitions != 6 {
		t.Errorf("diverged %d (truncated %d, lost %d), want all 6 partitions",
			r.DivergedPartitions, r.TruncatedRecords, r.Lost)
	}
}

// isrShrink is behaviours.md's isr-shrink on 5 brokers, one partition per
// broker, RF 5, acks=all. The leader of events/0 (broker 0) is cut from
// its peers at 10s (replication only: clients and controller still reach
// it); after replica.lag.time.max (5s here, checked every 2.5s) its ISR
// shrinks to itself. At 25s it is cut off from everyone; the controller
// fences it at 34s; at 45s the network heals. Consumers process 750
// msg/s of the 2000 written, so what partition 0 took after 10s is still
// unread when it is truncated: a lost record is one nobody read.
func isrShrink(m int, unclean bool) *scenarios.Scenario {
	s := faultScenario(2000, 60*units.Second, "all", m,
		scenarios.Fault{Type: "network-partition", At: 10 * units.Second, Duration: 15 * units.Second,
			Broker: brokerID(0), From: []string{"peers"}},
		scenarios.Fault{Type: "network-partition", At: 25 * units.Second, Duration: 20 * units.Second,
			Broker: brokerID(0), From: []string{"controller", "peers", "clients"}, Label: "isolated"})
	s.Cluster.Brokers = 5
	s.Topics[0].Partitions = 5
	s.Topics[0].ReplicationFactor = 5
	s.Cluster.ReplicaLagTimeMax = 5 * units.Second
	s.Cluster.UncleanLeaderElection = unclean
	s.Producers[0].Keys = "uniform(1000)"
	s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(4ms)")
	return s
}

// isr-shrink, m=1, unclean election on: the leader alone in its ISR keeps
// acknowledging; fenced, it is replaced by an out-of-sync follower
// (unclean), and when it rejoins it truncates what it took since 10s.
// Keys are hashed (murmur2 of the key id, as Kafka's partitioner): the
// share of partition 0 is counted below. It gets 2000 × share msg/s for
// the 15s the lone leader served (those in flight when the ISR shrank are
// answered once the high watermark moves); its consumer, about 125 msg/s
// per partition, had read it only up to about 3s of writes, so every
// truncated record is a loss: 2000 × share × 15s, ± 5% (Poisson noise and
// the requests in flight at 10s and 25s). Idempotence is off, as the
// plain producer's loss is the one counted here; with it on the producer
// bumps partition 0's epoch after the truncation
// (TestISRShrinkUncleanIdempotent).
func TestISRShrinkUnclean(t *testing.T) {
	s := isrShrink(1, true)
	no := false
	s.Producers[0].EnableIdempotence = &no
	r := mustRun(t, s)
	noViolations(t, "isr-shrink m=1", r)
	if r.LeaderElections != 1 || r.UncleanElections != 1 {
		t.Errorf("elections %d, unclean %d, want 1 and 1 (partition 0)", r.LeaderElections, r.UncleanElections)
	}
	keys := 0
	for k := range int64(1000) {
		if partitionFor(load.KeyBytes(nil, k), 5) == 0 {
			keys++
		}
	}
	want := 2000 * float64(keys) / 1000 * 15
	if lo, hi := int64(want*0.95), int64(want*1.05); r.Lost < lo || r.Lost > hi {
		t.Errorf("lost %d, want the lone leader's 15s of acknowledged writes (%.0f), in [%d, %d]", r.Lost, want, lo, hi)
	}
	if r.Lost > r.TruncatedRecords || r.DivergedPartitions != 0 {
		t.Errorf("lost %d truncated %d diverged %d: want every lost record truncated, no divergence", r.Lost, r.TruncatedRecords, r.DivergedPartitions)
	}
}

// isr-shrink, m=2, unclean election off: once the ISR is the leader alone
// produce to partition 0 is refused (NOT_ENOUGH_REPLICAS), batches
// waiting for the high watermark are answered _AFTER_APPEND; fenced at
// 34s, the leader is the only in-sync replica, so the partition is offline
// until it returns at 45s and leads again. Nothing acknowledged is lost;
// partition 0 is unavailable from the shrink (the first ISR check after
// 15s, checks every 2.5s) to the heal and its election (45s + 5ms):
// between 27.5s and 30s, plus up to two 100ms ticks of the
// unavailability sampling. The other partitions keep 4 in-sync replicas:
// partition 0's time is all the cluster's.
func TestISRShrinkClean(t *testing.T) {
	r := mustRun(t, isrShrink(2, false))
	noViolations(t, "isr-shrink m=2", r)
	if r.NotEnoughReplicas == 0 || r.Lost != 0 || r.UncleanElections != 0 || r.DivergedPartitions != 0 {
		t.Errorf("not enough replicas %d lost %d unclean %d diverged %d, want > 0, 0, 0, 0",
			r.NotEnoughReplicas, r.Lost, r.UncleanElections, r.DivergedPartitions)
	}
	if lo, hi := 27.5, 30.2; r.MaxUnavailableSeconds < lo || r.MaxUnavailableSeconds > hi || r.UnavailableSeconds != r.MaxUnavailableSeconds {
		t.Errorf("partition 0 unavailable %.1fs of the cluster's %.1fs, want [%v, %v], all of it",
			r.MaxUnavailableSeconds, r.UnavailableSeconds, lo, hi)
	}
}

// delivery-timeout: broker 0's NIC is 10000× slower from 5s to 15s. With
// acks=all every partition waits for broker 0 (a follower of all of them,
// still in every ISR: replica.lag.time.max is 30s), so produce requests
// get no answer within request.timeout (1s); retried, they still wait, and
// delivery.timeout (2s) ends them. The producer reports them failed, but
// the requests it gave up on were already on their way and are appended
// when the NIC recovers. The checker counts them indeterminate, not
// failed; never acknowledged, they are no loss whether or not they were
// processed. Idempotence is off, so retried copies land as duplicates;
// TestDeliveryTimeoutIdempotent runs the same fault with it on.
//
// Numbers: what is produced from the stall (5s) until delivery.timeout
// before its end (13s), 8s × 3000/s, expires in flight; add the batches
// caught at 5s and those expiring while the NIC's backlog drains after
// 15s: between 7s and 10s of the producer's 3000 msg/s.
func TestDeliveryTimeout(t *testing.T) {
	s := faultScenario(3000, 30*units.Second, "all", 2,
		scenarios.Fault{Type: "slow-nic", At: 5 * units.Second, Duration: 10 * units.Second, Broker: brokerID(0), Slowdown: 10000})
	s.Producers[0].RequestTimeout = units.Second
	s.Producers[0].DeliveryTimeout = 2 * units.Second
	no := false
	s.Producers[0].EnableIdempotence = &no
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, s)
	noViolations(t, "delivery-timeout", r)
	if lo, hi := int64(3000*7), int64(3000*10); r.Indeterminate < lo || r.Indeterminate > hi || r.Lost != 0 {
		t.Errorf("indeterminate %d lost %d, want [%d, %d] and 0", r.Indeterminate, r.Lost, lo, hi)
	}
	// Every message is accounted once: acked, failed or indeterminate.
	if r.Acked+r.Failed+r.Indeterminate != r.Produced {
		t.Errorf("acked %d + failed %d + indeterminate %d != produced %d", r.Acked, r.Failed, r.Indeterminate, r.Produced)
	}
	// The batches given up on landed: the group processed distinct
	// messages beyond those acknowledged (retried copies of them are
	// duplicates, allowed without idempotence).
	g := r.Groups[0]
	if distinct := g.Processed - g.Duplicates; distinct <= r.Acked {
		t.Errorf("processed %d distinct messages, acked %d: want the timed-out batches to have landed", distinct, r.Acked)
	}
}

// delivery-timeout with idempotence on. A batch gets its log sequence
// when first sent, so one that expires unsent leaves no gap; one that was
// sent and expired may: when the log refuses the first batch after it as
// out of order, the producer bumps that partition's epoch and stamps its
// unacknowledged batches again from sequence 0 (KIP-360). Either way the
// producer recovers: once the NIC's backlog has drained (by 20s) every
// partition acknowledges again, at the producer's 3000 msg/s. The same
// 7s to 10s of messages expire as without idempotence (indeterminate, or
// failed unsent), nothing acknowledged is lost, and the log
// deduplicates the retried copies of the batches it took: no duplicates.
//
// Seeds 119, 154, 174 and 197 once gave duplicates: a batch written at
// 13.7s whose response sat behind the slowed NIC was retried, and when a
// later batch's refusal made the producer bump the partition's epoch, the
// retry was stamped again in the new epoch and written a second time.
// Kafka's producer bumps only once every batch it sent has completed, so
// a sent batch keeps its sequence; so does the model now.
func TestDeliveryTimeoutIdempotent(t *testing.T) {
	for _, seed := range []uint64{1, 119, 154, 174, 197} {
		s := faultScenario(3000, 30*units.Second, "all", 2,
			scenarios.Fault{Type: "slow-nic", At: 5 * units.Second, Duration: 10 * units.Second, Broker: brokerID(0), Slowdown: 10000})
		s.Seed = seed
		s.Producers[0].RequestTimeout = units.Second
		s.Producers[0].DeliveryTimeout = 2 * units.Second
		yes := true
		s.Producers[0].EnableIdempotence = &yes
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		r := mustRun(t, s)
		noViolations(t, fmt.Sprintf("delivery-timeout idempotent, seed %d", seed), r)
		// As Kafka's sender, a retried batch that is not the first of its
		// partition still unanswered waits (and the partition's later
		// batches behind it): some batches expire in the accumulator,
		// never sent — failed, known unwritten — where without idempotence
		// they would have gone out and expired in flight. So it is the
		// expired total, failed plus indeterminate, that is the same 7s
		// to 10s of messages.
		if lo, hi := int64(3000*7), int64(3000*10); r.Indeterminate+r.Failed < lo || r.Indeterminate+r.Failed > hi || r.Lost != 0 {
			t.Errorf("seed %d: indeterminate %d + failed %d, lost %d, want [%d, %d] and 0", seed, r.Indeterminate, r.Failed, r.Lost, lo, hi)
		}
		if r.Acked+r.Failed+r.Indeterminate != r.Produced {
			t.Errorf("seed %d: acked %d + failed %d + indeterminate %d != produced %d", seed, r.Acked, r.Failed, r.Indeterminate, r.Produced)
		}
		if r.Duplicates != 0 || r.Reordered != 0 {
			t.Errorf("seed %d: duplicates %d reordered %d, want 0 and 0", seed, r.Duplicates, r.Reordered)
		}
		// Acknowledgements after the fault: the mean of acked_per_s over
		// the samples from 20s on is the producer's rate, 3000 ± 5%
		// (Poisson noise over 10s is about 0.6%).
		sum, n := 0.0, 0
		for i, at := range r.Series.Time {
			if at > 20 && at <= 30 {
				sum += r.Series.Column("acked_per_s")[i]
				n++
			}
		}
		if n == 0 || sum/float64(n) < 3000*0.95 || sum/float64(n) > 3000*1.05 {
			t.Errorf("seed %d: acked %.0f/s over %d samples after 20s, want the producer's 3000/s ± 5%%", seed, sum/float64(max(n, 1)), n)
		}
	}
}

// isr-shrink, m=1, unclean election, with idempotence on. The unclean
// leader of partition 0 holds none of the producer's sequences since 10s
// (or none at all): it refuses the producer's next batch as out of order.
// The producer waits for its requests in flight to the isolated leader,
// which time out at 25s + request.timeout (30s by default), bumps the
// partition's epoch, and writes again from sequence 0 of the new epoch.
// The stall (25s to about 56s) is far within delivery.timeout (120s by
// default), so every message is acknowledged in the end, none fails. In
// the last two seconds partition 0's share is acknowledged again: the
// producer's 2000 msg/s, not 2000 × (1 − share) as with the partition
// stalled (halfway between is the bound; Poisson noise is about 2%). What
// is lost is at most what the truncation removed; nothing is duplicated or
// reordered by the bump.
func TestISRShrinkUncleanIdempotent(t *testing.T) {
	s := isrShrink(1, true)
	yes := true
	s.Producers[0].EnableIdempotence = &yes
	r := mustRun(t, s)
	noViolations(t, "isr-shrink m=1 idempotent", r)
	if r.LeaderElections != 1 || r.UncleanElections != 1 {
		t.Errorf("elections %d, unclean %d, want 1 and 1 (partition 0)", r.LeaderElections, r.UncleanElections)
	}
	if r.Acked != r.Produced || r.Failed != 0 || r.Indeterminate != 0 {
		t.Errorf("produced %d acked %d failed %d indeterminate %d, want everything acknowledged", r.Produced, r.Acked, r.Failed, r.Indeterminate)
	}
	if r.Lost == 0 || r.Lost > r.TruncatedRecords || r.DivergedPartitions != 0 {
		t.Errorf("lost %d truncated %d diverged %d: want a loss, every lost record truncated, no divergence", r.Lost, r.TruncatedRecords, r.DivergedPartitions)
	}
	if r.Duplicates != 0 || r.Reordered != 0 {
		t.Errorf("duplicates %d reordered %d, want 0 and 0", r.Duplicates, r.Reordered)
	}
	keys := 0
	for k := range int64(1000) {
		if partitionFor(load.KeyBytes(nil, k), 5) == 0 {
			keys++
		}
	}
	share := float64(keys) / 1000
	sum := 0.0
	for i, at := range r.Series.Time {
		if at > 58 && at <= 60 {
			sum += r.Series.Column("acked_per_s")[i]
		}
	}
	if floor := 2 * 2000 * (1 - share/2); sum < floor {
		t.Errorf("acked %.0f in the last 2s, want partition 0 acknowledged again: > %.0f", sum, floor)
	}
}

// broker-down-group: a broker that is not the group's coordinator crashes
// while the group is stable and comes back. Consumers move their fetches
// to the partitions' new leaders; membership does not change, so there is
// no rebalance after the group formed, nothing is redelivered, and with
// acks=all, m=2 nothing is lost; everything is read by the end.
func TestBrokerDownGroup(t *testing.T) {
	coord := partitionFor([]byte("readers"), 3)
	victim := (coord + 1) % 3
	s := faultScenario(3000, 40*units.Second, "all", 2,
		scenarios.Fault{Type: "broker-crash", At: 10 * units.Second, Duration: 10 * units.Second, Broker: brokerID(victim)})
	r := mustRun(t, s)
	noViolations(t, "broker-down-group", r)
	if r.Rebalances != 0 || r.Duplicates != 0 || r.Lost != 0 || r.Unseen != 0 {
		t.Errorf("crash of broker %d (coordinator %d): rebalances %d duplicates %d lost %d unseen %d, want 0, 0, 0, 0",
			victim, coord, r.Rebalances, r.Duplicates, r.Lost, r.Unseen)
	}
	if r.LeaderElections < 2 {
		t.Errorf("leader elections %d, want the victim's 2 partitions moved", r.LeaderElections)
	}
}
