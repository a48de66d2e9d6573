package kafka

import (
	"testing"

	"mqsim/scenarios/units"
)

// A produce request wakes a consumer's parked fetch once, after all of its
// partitions are appended, as Kafka completes delayed fetches after the
// request (its action queue), not after each partition's append. One
// broker, RF 1 (a leader append moves the high watermark at once), 6
// partitions, 5K msg/s with the default 5 ms linger: each request carries
// a batch of every partition (about 25 records in 5 ms over 6 partitions)
// and one consumer reads all 6, idle between requests (25 records at
// 100 µs each take 2.5 ms). By hand, one fetch answers each request: a
// fetch per request. Woken at the first partition's append, the fetch
// took that partition alone and a second fetch the other five: 2.00
// fetches per request before the fix.
func TestProduceRequestWakesConsumerFetchOnce(t *testing.T) {
	s := baseScenario(5000, 10*units.Second)
	s.Cluster.Brokers = 1
	s.Topics[0].ReplicationFactor = 1
	s.Topics[0].MinInsyncReplicas = 1
	s.Producers[0].Keys = "uniform(10000)" // every partition has records in every 5 ms
	s.ConsumerGroups[0].Consumers = 1
	s.ConsumerGroups[0].Processing.Dist = expDist(1e4)
	r := mustRun(t, s)
	if r.Lost != 0 || r.Produced < 45000 {
		t.Fatalf("produced %d, lost %d: want about 50K, none lost", r.Produced, r.Lost)
	}
	per := float64(r.ConsumerFetches) / float64(r.ProduceRequests)
	t.Logf("produced %d, requests %d, fetches %d", r.Produced, r.ProduceRequests, r.ConsumerFetches)
	if per < 0.95 || per > 1.1 {
		t.Errorf("%d consumer fetches for %d produce requests (%.2f each), want one each", r.ConsumerFetches, r.ProduceRequests, per)
	}
}
