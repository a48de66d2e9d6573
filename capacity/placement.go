package capacity

// ReplicaBroker is the broker that holds replica j (0 is the leader) of
// the n-th partition placed on a cluster of brokers brokers with replica
// factor rf, as Kafka places replicas without racks and from start index
// 0: the leader round robin over the brokers, the followers after it with
// a shift that grows every full round of the brokers. Brokers and n start
// at 0; j < rf ≤ brokers.
func ReplicaBroker(n, j, brokers int) int {
	first := n % brokers
	if j == 0 || brokers < 2 {
		return first
	}
	shift := (n / brokers) % (brokers - 1)
	return (first + 1 + (shift+j-1)%(brokers-1)) % brokers
}

// exactPlacementLimit bounds the replicas BusiestBroker places one by one;
// past it the placement is even to within one replica per broker, which
// the ceiling gives.
const exactPlacementLimit = 2_000_000

// BusiestBroker is how many replicas, and how many partition leaders, the
// busiest broker holds when partitions partitions of replica factor rf are
// placed on brokers brokers by ReplicaBroker. Kafka balances leaders
// exactly (ceil(partitions ÷ brokers)) but not followers: with 232
// partitions × RF 3 on 15 brokers the busiest holds 49 replicas where the
// average is 46.4.
func BusiestBroker(partitions, rf, brokers int) (replicas, leaders int) {
	if brokers < 1 || partitions < 1 {
		return 0, 0
	}
	leaders = (partitions + brokers - 1) / brokers
	rf = max(1, min(rf, brokers))
	if partitions*rf > exactPlacementLimit {
		return (partitions*rf + brokers - 1) / brokers, leaders
	}
	held := make([]int, brokers)
	for n := range partitions {
		for j := range rf {
			held[ReplicaBroker(n, j, brokers)]++
		}
	}
	for _, h := range held {
		replicas = max(replicas, h)
	}
	return replicas, leaders
}
