package kafka

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mqsim/scenarios"
)

// A run resumed over the logs of an earlier, cleanly stopped and drained
// run is a restart: producers get fresh producer ids, groups resume from
// the offsets committed in __consumer_offsets, and the earlier records stay
// outside the counts. Nothing is left to read again, so the resumed run's
// numbers are a fresh run's: before this, the same second run reported
// every message of the first as a duplicate (9,928 in baseline at 2 s) and
// a p99 end-to-end latency of 415 ms.
func TestResumedRunIsARestart(t *testing.T) {
	ls, err := scenarios.LoadScenario("baseline", []string{"duration=2s"})
	if err != nil {
		t.Fatal(err)
	}
	sc := &ls.Scenario
	fresh, err := Run(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first, err := Run(sc, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Run(sc, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if first.Produced == 0 || first.Duplicates != 0 || first.Lost != 0 {
		t.Fatalf("first run: produced %d, duplicates %d, lost %d", first.Produced, first.Duplicates, first.Lost)
	}
	g := second.Groups[0]
	if second.Duplicates != 0 || second.Lost != 0 || second.Unseen != 0 || second.Retries != 0 {
		t.Errorf("resumed run: duplicates %d, lost %d, unseen %d, retries %d; want 0 each",
			second.Duplicates, second.Lost, second.Unseen, second.Retries)
	}
	if g.Processed != second.Produced || g.EarlierRun != 0 {
		t.Errorf("resumed run: processed %d of %d produced, %d earlier records read; want all, none again",
			g.Processed, second.Produced, g.EarlierRun)
	}
	if g.E2ELatency.P99 != fresh.Groups[0].E2ELatency.P99 {
		t.Errorf("resumed run: p99 end-to-end %v ms, fresh run %v ms: want the same", g.E2ELatency.P99, fresh.Groups[0].E2ELatency.P99)
	}
}

// A resumed log that was not shut down cleanly and lost part of its last
// batch is cut by recovery on reopening, and the results say where and
// what was dropped: a torn tail never changes the numbers silently.
func TestResumedTornTailIsReported(t *testing.T) {
	ls, err := scenarios.LoadScenario("baseline", []string{"duration=1s"})
	if err != nil {
		t.Fatal(err)
	}
	sc := &ls.Scenario
	dir := t.TempDir()
	if _, err := Run(sc, Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "broker-0", "events-0")
	seg := filepath.Join(part, "00000000000000000000.log")
	st, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	// A crash: no clean-shutdown marker, and the last 10 bytes of the
	// segment never reached the disk (they fall inside the last batch).
	if err := os.Remove(filepath.Join(part, "clean-shutdown")); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, st.Size()-10); err != nil {
		t.Fatal(err)
	}
	res, err := Run(sc, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var found *Recovery
	for i := range res.Recovered {
		if res.Recovered[i].Log == "broker-0/events-0" {
			found = &res.Recovered[i]
		}
	}
	if found == nil {
		t.Fatalf("recovered = %+v; want broker-0/events-0 listed", res.Recovered)
	}
	// The torn batch is dropped whole: every byte of it that is left, from
	// its start to the cut end of the segment (its header announces 10
	// bytes more than are there), and the log ends where it began.
	if found.BytesDropped <= 0 || !strings.Contains(found.Reason, "torn") ||
		!strings.Contains(found.Reason, fmt.Sprintf("%d bytes announced, %d left", found.BytesDropped+10, found.BytesDropped)) {
		t.Errorf("recovery = %+v; want the torn last batch's %s bytes dropped", *found, "remaining")
	}
	if len(res.Recovered) != 1 {
		t.Errorf("recovered %d logs, want only the damaged one: %+v", len(res.Recovered), res.Recovered)
	}
}

// A run resumed over the logs of a run that elected new leaders goes on
// from their leader epochs. broker-failure's crash moves leadership (epoch
// 0 → 1 on the crashed broker's partitions, and on its __consumer_offsets
// partition); the resumed run used to start every partition at epoch 0,
// and its first append or commit there was fenced (FENCED_LEADER_EPOCH,
// exit 1). Now each partition starts past the newest epoch its logs hold,
// the followers agree with the leader by leader epochs, and the resumed
// run loses and duplicates nothing.
func TestResumeAfterElectionGoesOnFromTheEpochs(t *testing.T) {
	ls, err := scenarios.LoadScenario("broker-failure", []string{"duration=30s"})
	if err != nil {
		t.Fatal(err)
	}
	sc := &ls.Scenario
	dir := t.TempDir()
	w1, first, err := run(sc, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, tp := range w1.topics {
		for _, p := range tp.parts {
			if p.epoch > 0 {
				moved++
			}
		}
	}
	if err := w1.close(); err != nil {
		t.Fatal(err)
	}
	if moved == 0 || first.Lost != 0 {
		t.Fatalf("first run: %d partitions past epoch 0, lost %d: want some moved, none lost", moved, first.Lost)
	}
	second, err := Run(sc, Options{DataDir: dir})
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if second.Lost != 0 || second.Duplicates != 0 || second.Acked != second.Produced || second.DivergedPartitions != 0 {
		t.Errorf("resumed run: produced %d, acked %d, lost %d, duplicates %d, diverged partitions %d; want all acked, none lost, duplicated or diverged",
			second.Produced, second.Acked, second.Lost, second.Duplicates, second.DivergedPartitions)
	}
}
