package kafka

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"mqsim/internal/proptest"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// TestExactlyOnceUnderCrashes: over random schedules of crashes of the
// stage's members (its producers: some restarted, some not), of brokers
// (transaction and group coordinators, partition leaders) and of
// machines, under either transaction.version, an exactly-once pipeline delivers every acknowledged input to
// its read_committed reader once: 0 lost, 0 duplicated, 0 aborted read,
// and every transaction ends committed or aborted (none hangs past its
// timeout, within the drain).
func TestExactlyOnceUnderCrashes(t *testing.T) {
	proptest.Checks(t, 12, 4) // unless -rapid.checks says otherwise
	rapid.Check(t, func(t *rapid.T) {
		text := fmt.Sprintf(`
name: eos-prop
seed: %d
duration: 6s
drain: 120s
cluster:
  brokers: 3
  transaction_version: %d
topics:
  - name: in
    partitions: %d
  - name: out
    partitions: %d
producers:
  - name: src
    topic: in
    rate: %d/s
    keys: uniform(100)
consumer_groups:
  - name: stage
    topic: in
    consumers: 2
    processing: const(0.5ms)
    session_timeout: 6s
    heartbeat_interval: 2s
    pipeline:
      output: out
      transactional_id: stage
      commit_interval: %dms
      transaction_timeout: 10s
  - name: sink
    topic: out
    isolation_level: read_committed
    commit: after
`, rapid.Uint64().Draw(t, "seed"), rapid.IntRange(1, 2).Draw(t, "transaction_version"), 1, 1, rapid.IntRange(100, 600).Draw(t, "rate"), rapid.SampledFrom([]int{20, 100, 400}).Draw(t, "commit_interval_ms"))
		parts := rapid.IntRange(1, 4).Draw(t, "partitions")
		ls, err := scenarios.ParseScenario("eos-prop.yaml", []byte(text), []string{fmt.Sprintf("topics.*.partitions=%d", parts)})
		if err != nil {
			t.Fatal(err)
		}
		s := &ls.Scenario
		// One fault per target (validation refuses overlaps on a target);
		// member 0 may die for good, its transaction left to the timeout.
		for slot := range 2 {
			if !rapid.Bool().Draw(t, fmt.Sprintf("crash_stage_%d", slot)) {
				continue
			}
			c := slot
			f := scenarios.Fault{Type: "consumer-crash", Group: "stage", Consumer: &c,
				At: units.Duration(rapid.IntRange(500, 5000).Draw(t, fmt.Sprintf("stage_%d_at_ms", slot))) * units.Millisecond}
			// Member 1 always comes back: with no stage member left,
			// nothing would be transformed at all (a liveness loss, not
			// a delivery one).
			if slot == 1 || rapid.Bool().Draw(t, fmt.Sprintf("stage_%d_restarts", slot)) {
				f.Duration = units.Duration(rapid.IntRange(100, 3000).Draw(t, fmt.Sprintf("stage_%d_down_ms", slot))) * units.Millisecond
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
		sink := r.Groups[1]
		tx := r.Transactions
		if sink.Lost != 0 || sink.Unseen != 0 || sink.Duplicates != 0 || tx.AbortedRecordsRead != 0 {
			t.Fatalf("sink: lost %d, unseen %d, duplicates %d, aborted read %d (acked %d); faults %+v",
				sink.Lost, sink.Unseen, sink.Duplicates, tx.AbortedRecordsRead, r.Acked, s.Faults)
		}
		if tx.Open != 0 {
			t.Fatalf("%d transactions open after the drain", tx.Open)
		}
	})
}
