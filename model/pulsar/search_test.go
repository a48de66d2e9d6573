package pulsar

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// TestConsumerFaultSearch plays random subscriptions (failover above
// all, with shared and Key_Shared beside), consumers that crash — some
// for good, several at once — and sometimes a broker crash, with zero,
// short and long processing times and tiny receiver queues, looking for
// a run that fails, panics or loses an acknowledged message (a consumer
// or broker crash loses nothing: the bookies keep every entry). A handful
// by default; MQSIM_FAULT_SEEDS=N plays N (700 passed when the
// report of a failover stack overflow was looked into).
func TestConsumerFaultSearch(t *testing.T) {
	n := 4
	if v := os.Getenv("MQSIM_FAULT_SEEDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("MQSIM_FAULT_SEEDS=%q: want a positive number of runs", v)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		parts := 1 + rng.IntN(6)
		cons := 1 + rng.IntN(6)
		typ := []string{"failover", "failover", "failover", "shared", "key_shared"}[rng.IntN(5)]
		ack := []string{"individual", "cumulative"}[rng.IntN(2)]
		if typ != "failover" {
			ack = "individual" // cumulative acks are refused on shared subscriptions
		}
		y := fmt.Sprintf(`
name: search
system: pulsar
seed: %d
duration: 10s
drain: 20s
cluster: {brokers: 2}
topics:
  - {name: t, partitions: %d}
producers:
  - {name: p, topic: t, rate: %d/s, keys: uniform(100), message_size: 512B}
consumer_groups:
  - {name: g, topic: t, consumers: %d, processing: "%s"}
pulsar:
  subscriptions:
    - {group: g, type: %s, ack: %s, failover_delay: %dms, receiver_queue: %d}
faults:
`, rng.IntN(10000), parts, 50+rng.IntN(5000), cons, []string{"0", "const(100us)", "exp(1ms)", "const(5ms)"}[rng.IntN(4)],
			typ, ack, 1+rng.IntN(2000), 1+rng.IntN(1000))
		for k := range min(cons, 1+rng.IntN(3)) {
			// A third of them never come back.
			y += fmt.Sprintf("  - {type: consumer-crash, group: g, consumer: %d, at: %dms, duration: %dms}\n",
				k, rng.IntN(9000), rng.IntN(3)*rng.IntN(5000))
		}
		if rng.IntN(3) == 0 {
			y += fmt.Sprintf("  - {type: broker-crash, broker: %d, at: %dms, duration: %dms}\n", rng.IntN(2), rng.IntN(9000), 1+rng.IntN(5000))
		}
		ls, err := scenarios.ParseScenario("search.yaml", []byte(y), nil)
		if err != nil {
			t.Fatalf("%v\n%s", err, y)
		}
		_, r, err := run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatalf("%v\n%s", err, y)
		}
		if r.Lost != 0 {
			t.Fatalf("lost %d of %d acknowledged\n%s", r.Lost, r.Acked, y)
		}
	}
}
