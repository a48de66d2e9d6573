package kafka

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"mqsim/internal/proptest"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// TestTxnProducerUnderCrashes: over random schedules of crashes of a
// transactional plain producer (restarted or not) and of a broker (a
// transaction coordinator, a partition leader, or both), under either
// transaction.version, the read_committed reader processes every record
// whose transaction committed exactly once and no aborted one (beyond
// the acknowledged, only those of a transaction whose EndTxn a crashed
// process never heard back: indeterminate), and every transaction ends
// committed or aborted (none hangs past its timeout).
func TestTxnProducerUnderCrashes(t *testing.T) {
	proptest.Checks(t, 8, 3) // unless -rapid.checks says otherwise
	rapid.Check(t, func(t *rapid.T) {
		text := fmt.Sprintf(`
name: txp-prop
seed: %d
duration: 6s
drain: 120s
cluster:
  brokers: 3
  transaction_version: %d
topics:
  - name: events
    partitions: %d
producers:
  - name: app
    topic: events
    rate: %d/s
    keys: uniform(100)
    transactional_id: app
    transaction:
      commit_interval: %dms
      transaction_timeout: 10s
      abort_ratio: %d%%
consumer_groups:
  - name: sink
    topic: events
    isolation_level: read_committed
    commit: after
`, rapid.Uint64().Draw(t, "seed"), rapid.IntRange(1, 2).Draw(t, "transaction_version"), rapid.IntRange(1, 4).Draw(t, "partitions"),
			rapid.IntRange(100, 2000).Draw(t, "rate"), rapid.SampledFrom([]int{20, 100, 400}).Draw(t, "commit_interval_ms"),
			rapid.SampledFrom([]int{0, 0, 25}).Draw(t, "abort_pct"))
		ls, err := scenarios.ParseScenario("txp-prop.yaml", []byte(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		s := &ls.Scenario
		if rapid.Bool().Draw(t, "crash_producer") {
			f := scenarios.Fault{Type: "producer-crash", Producer: "app",
				At: units.Duration(rapid.IntRange(500, 5000).Draw(t, "producer_at_ms")) * units.Millisecond}
			if rapid.Bool().Draw(t, "producer_restarts") {
				f.Duration = units.Duration(rapid.IntRange(100, 3000).Draw(t, "producer_down_ms")) * units.Millisecond
			}
			s.Faults = append(s.Faults, f)
		}
		if rapid.Bool().Draw(t, "crash_broker") {
			b := rapid.IntRange(0, 2).Draw(t, "broker")
			s.Faults = append(s.Faults, scenarios.Fault{Type: "broker-crash", Broker: &b,
				At:            units.Duration(rapid.IntRange(500, 5000).Draw(t, "broker_at_ms")) * units.Millisecond,
				Duration:      units.Duration(rapid.IntRange(500, 4000).Draw(t, "broker_down_ms")) * units.Millisecond,
				LosePageCache: rapid.Bool().Draw(t, "lose_page_cache")})
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("scenario: %v", err)
		}
		r, err := Run(s, Options{})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		sink := r.Groups[0]
		tx := r.Transactions
		if sink.Lost != 0 || sink.Unseen != 0 || sink.Duplicates != 0 || tx.AbortedRecordsRead != 0 {
			t.Fatalf("sink: lost %d, unseen %d, duplicates %d, aborted read %d (acked %d); faults %+v",
				sink.Lost, sink.Unseen, sink.Duplicates, tx.AbortedRecordsRead, r.Acked, s.Faults)
		}
		// Every committed record once; beyond them only records of a
		// transaction whose EndTxn the crashed process never heard back.
		if sink.Processed < r.Acked || sink.Processed > r.Acked+r.Indeterminate {
			t.Fatalf("sink processed %d, acknowledged (committed) %d, indeterminate %d; faults %+v", sink.Processed, r.Acked, r.Indeterminate, s.Faults)
		}
		if tx.Open != 0 {
			t.Fatalf("%d transactions open after the drain", tx.Open)
		}
	})
}
