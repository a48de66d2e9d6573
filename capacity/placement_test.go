package capacity

import "testing"

// Kafka's placement by hand, 4 partitions × RF 2 on 3 brokers: the leader
// of partition n is n mod 3; the follower is (first + 1 + shift) mod 3 with
// shift = (n ÷ 3) mod 2. n=0: {0,1}; n=1: {1,2}; n=2: {2,0}; n=3 (shift
// 1): {0,2}. Broker 0 holds 3 replicas, broker 1 holds 2, broker 2 holds 3;
// leaders 0,1,2,0: broker 0 leads 2.
func TestReplicaBrokerByHand(t *testing.T) {
	want := [][2]int{{0, 1}, {1, 2}, {2, 0}, {0, 2}}
	for n, w := range want {
		for j := range 2 {
			if got := ReplicaBroker(n, j, 3); got != w[j] {
				t.Errorf("partition %d replica %d on broker %d, want %d", n, j, got, w[j])
			}
		}
	}
	if r, l := BusiestBroker(4, 2, 3); r != 3 || l != 2 {
		t.Errorf("busiest broker holds %d replicas and leads %d, want 3 and 2", r, l)
	}
	// The seed's exact plan, 116 partitions × RF 3 on 11 brokers: the
	// verifying run measured 33 replicas on its busiest broker (against
	// 31.6 on average, docs/capacity.md); the placement is the model's.
	if r, l := BusiestBroker(116, 3, 11); r != 33 || l != 11 {
		t.Errorf("seed plan: busiest holds %d replicas and leads %d, want 33 and ceil(116/11) = 11", r, l)
	}
	// 1M × 3 over 7 brokers: 142,857 full rounds of 3 replicas per broker
	// (428,571) and a partial round of one partition: its leader on broker
	// 0, its followers (s = 142,857 mod 6 = 3) at offsets 4 and 5 from it.
	// Brokers 0, 4 and 5 hold 428,572.
	if r, l := BusiestBroker(1_000_000, 3, 7); r != 428572 || l != 142858 {
		t.Errorf("large placement: %d replicas, %d leaders; want 428,572 and ceil(1M/7) = 142,858", r, l)
	}
	// Every replica of a partition sits on a different broker.
	for nb := 2; nb <= 9; nb++ {
		for n := range 50 {
			seen := map[int]bool{}
			for j := range min(3, nb) {
				b := ReplicaBroker(n, j, nb)
				if seen[b] || b < 0 || b >= nb {
					t.Fatalf("%d brokers, partition %d: replica %d on broker %d twice or out of range", nb, n, j, b)
				}
				seen[b] = true
			}
		}
	}
}

// The count equals placing every replica by ReplicaBroker, for every
// placement small enough to place (partitions up to 400, RF up to 6 and
// 33 and 40, brokers up to 45).
func TestBusiestBrokerCountsThePlacement(t *testing.T) {
	for brokers := 1; brokers <= 45; brokers++ {
		for _, rf := range []int{1, 2, 3, 4, 5, 6, 33, 40} {
			for partitions := 1; partitions <= 400; partitions += 1 + partitions/40 {
				held := make([]int, brokers)
				led := make([]int, brokers)
				f := max(1, min(rf, brokers))
				for n := range partitions {
					led[ReplicaBroker(n, 0, brokers)]++
					for j := range f {
						held[ReplicaBroker(n, j, brokers)]++
					}
				}
				wantR, wantL := 0, 0
				for k := range brokers {
					wantR, wantL = max(wantR, held[k]), max(wantL, led[k])
				}
				if r, l := BusiestBroker(partitions, rf, brokers); r != wantR || l != wantL {
					t.Fatalf("%d partitions × RF %d on %d brokers: %d replicas, %d leaders; placing them gives %d and %d",
						partitions, rf, brokers, r, l, wantR, wantL)
				}
			}
		}
	}
}
