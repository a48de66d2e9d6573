package kafka

import (
	"testing"

	"pgregory.net/rapid"
)

// The partitions a commit carries come from a list the member keeps
// between changes of its partitions: at every commit of runs that move
// partitions between members (crashes, restarts, scaling, added
// partitions, records retried after a backoff, random churn) the kept list
// is the one made afresh from the member's partitions (a mismatch fails
// the run).
func TestCommitPartsKeptListIsFresh(t *testing.T) {
	verifyCommitParts = true
	defer func() { verifyCommitParts = false }()
	for _, name := range []string{"consumer-crash", "rolling-restart", "slow-consumer-scaled", "add-partitions", "poison-message", "at-most-once"} {
		runBuiltin(t, name)
	}
	rapid.Check(t, func(t *rapid.T) {
		s := churnScenario(t)
		// Auto-commit commits inside every poll, even while a newly
		// owned partition waits for its starting offset.
		s.ConsumerGroups[0].Commit = rapid.SampledFrom([]string{"after", "auto", "before"}).Draw(t, "commit")
		if err := s.Validate(); err != nil {
			t.Fatalf("invalid scenario: %v", err)
		}
		w, _, err := run(s, Options{})
		if w != nil {
			defer w.close()
		}
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	})
}
