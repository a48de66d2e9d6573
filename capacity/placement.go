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

// BusiestBroker is how many replicas, and how many partition leaders, the
// busiest broker holds when partitions partitions of replica factor rf are
// placed on brokers brokers by ReplicaBroker. Kafka balances leaders
// exactly (ceil(partitions ÷ brokers)) but not followers: with 232
// partitions × RF 3 on 15 brokers the busiest holds 49 replicas where the
// average is 46.4.
//
// It counts without placing the replicas one by one. Write partition n as
// q × brokers + r: its leader is broker r and its followers sit at the
// offsets 1 + ((s + i) mod (brokers − 1)), i < rf − 1, from it, with
// s = q mod (brokers − 1) the same for the whole round q. A full round (r
// over every broker) gives every broker one leader and rf − 1 followers;
// only the last, partial round (r < R = partitions mod brokers) is uneven:
// broker k gets a leader if k < R and a follower for each offset o with
// (k − o) mod brokers < R, an interval of R brokers from o. So the count
// is exact at any size, in O(rf²) (a capacity search tries thousands of
// broker counts).
func BusiestBroker(partitions, rf, brokers int) (replicas, leaders int) {
	if brokers < 1 || partitions < 1 {
		return 0, 0
	}
	leaders = (partitions + brokers - 1) / brokers
	rf = max(1, min(rf, brokers))
	q, r := partitions/brokers, partitions%brokers
	if r == 0 {
		return q * rf, leaders
	}
	// The partial round's replicas on a broker: how many of the rf
	// intervals [o, o+R) (mod brokers) cover it, o = 0 for the leaders
	// and each follower offset. The most covered broker is the start of
	// some interval (coverage only rises at a start), so trying the rf
	// starts finds it: O(rf²), nothing allocated up to RF 32.
	var buf [32]int
	starts := append(buf[:0], 0)
	if rf > 1 {
		s := q % (brokers - 1)
		for i := range rf - 1 {
			starts = append(starts, 1+(s+i)%(brokers-1))
		}
	}
	most := 0
	for _, x := range starts {
		c := 0
		for _, o := range starts {
			if ((x-o)%brokers+brokers)%brokers < r {
				c++
			}
		}
		most = max(most, c)
	}
	return q*rf + most, leaders
}
