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
	// Past the exact limit the ceiling stands in: 1M × 3 over 7 brokers.
	if r, l := BusiestBroker(1_000_000, 3, 7); r != 428572 || l != 142858 {
		t.Errorf("large placement: %d replicas, %d leaders; want ceil(3M/7) = 428,572 and ceil(1M/7) = 142,858", r, l)
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
