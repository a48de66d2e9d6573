package kafka

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// TestCorruptBatchTakesLogDirOffline: a batch of the leader's log rots on
// disk mid-run (one byte flipped, past what the slow consumer has read);
// when the consumer's fetch reaches it, the read fails its CRC, and as in
// Kafka the leader's log directory goes offline: the broker stops and its
// leadership moves. The run finishes and lists the failure instead of
// ending with an internal failure.
func TestCorruptBatchTakesLogDirOffline(t *testing.T) {
	dir := t.TempDir()
	s := baseScenario(2000, 6*units.Second)
	s.Topics[0].Partitions = 1
	s.ConsumerGroups[0].Consumers = 1
	s.ConsumerGroups[0].Processing = scenarios.TimeDist{Spec: "exp(5ms)", Dist: expDist(200)} // 200 msg/s: the group falls behind
	file := filepath.Join(dir, "broker-0", "events-0", "00000000000000000000.log")
	flipped := false
	var at int64
	opts := Options{DataDir: dir, Progress: func(now, _ sim.Time) {
		if flipped || now < 2*sim.Second {
			return
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("read the leader's segment: %v", err)
			return
		}
		at = int64(len(data)) * 9 / 10
		f, err := os.OpenFile(file, os.O_RDWR, 0)
		if err != nil {
			t.Errorf("open: %v", err)
			return
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte{data[at] ^ 0xff}, at); err != nil {
			t.Errorf("flip: %v", err)
		}
		flipped = true
	}}
	r, err := Run(s, opts)
	if err != nil {
		t.Fatalf("run over a corrupted batch ended with an error: %v", err)
	}
	if !flipped {
		t.Fatal("the segment was never corrupted")
	}
	if len(r.LogDirFailures) != 1 {
		t.Fatalf("log dir failures %+v, want broker 0's", r.LogDirFailures)
	}
	f := r.LogDirFailures[0]
	if f.Broker != 0 || f.Topic != "events" || f.Partition != 0 || f.AtSeconds < 2 {
		t.Errorf("failure %+v: want broker 0, events-0, after the flip at 2s", f)
	}
	t.Logf("flipped byte %d; %+v; acked %d lost %d unseen %d", at, f, r.Acked, r.Lost, r.Unseen)
}

// TestRottenBatchMetAfterTheRun: a resumed data directory whose replica of
// events-0 on broker 0 rotted in a batch of the earlier run (a CRC-covered
// byte flipped; the clean-shutdown marker kept, so reopening trusts the
// data). Nothing reads that batch during the run; the convergence check
// after it does. The failure is listed as a storage error met after the
// run, not as an invariant violation and not as an internal failure.
func TestRottenBatchMetAfterTheRun(t *testing.T) {
	ls, err := scenarios.LoadScenario("baseline", []string{"duration=500ms"})
	if err != nil {
		t.Fatal(err)
	}
	sc := &ls.Scenario
	dir := t.TempDir()
	if _, err := Run(sc, Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(dir, "broker-0", "events-0", "00000000000000000000.log")
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	data[commitlog.HeaderSize+2] ^= 0xff // inside the first batch's records
	if err := os.WriteFile(seg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(sc, Options{DataDir: dir})
	if err != nil {
		t.Fatalf("resumed run over a rotten batch: %v", err)
	}
	if len(res.InvariantViolations) > 0 {
		t.Errorf("invariant violations %q: a rotten batch is a storage error", res.InvariantViolations)
	}
	var found bool
	for _, f := range res.LogDirFailures {
		if f.Broker == 0 && f.Topic == "events" && f.Partition == 0 && f.AfterRun && f.Offset == 0 &&
			strings.Contains(f.Error, "corrupt batch in segment 00000000000000000000.log") {
			found = true
		}
	}
	if !found {
		t.Fatalf("log dir failures %+v; want broker 0's events-0 from offset 0, met after the run", res.LogDirFailures)
	}
}

// TestRottenRetryTopicBatch: a batch a retry topic holds from an earlier
// run rots on disk (one CRC-covered byte flipped in every replica; the
// clean-shutdown markers kept, so reopening trusts the data). The resumed
// retry rung reads it: as for any fetch, the leader's log directory goes
// offline and the run goes on, instead of ending with an internal failure.
func TestRottenRetryTopicBatch(t *testing.T) {
	ls, err := scenarios.LoadScenario("poison-message", []string{"duration=2s", "drain=2s"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Run(&ls.Scenario, Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	segs, err := filepath.Glob(filepath.Join(dir, "broker-*", "orders-retry-1s-*", "00000000000000000000.log"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := 0
	for _, seg := range segs {
		data, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			continue
		}
		data[len(data)-1] ^= 0xff // the last record of the last batch
		if err := os.WriteFile(seg, data, 0o644); err != nil {
			t.Fatal(err)
		}
		flipped++
	}
	if flipped == 0 {
		t.Fatal("the first run left nothing in the retry topic")
	}
	r, err := Run(&ls.Scenario, Options{DataDir: dir})
	if err != nil {
		t.Fatalf("run over a rotten retry-topic batch ended with an error: %v", err)
	}
	var found bool
	for _, f := range r.LogDirFailures {
		found = found || (strings.HasPrefix(f.Topic, "orders-retry-1s") && !f.AfterRun)
	}
	if !found {
		t.Fatalf("log dir failures %+v; want a retry-topic read taking a log directory offline", r.LogDirFailures)
	}
}

// TestForgedRecordsWithoutIDs: every replica of events-0 gets a batch
// appended at its log end with a valid CRC, the current epoch and records
// that carry no message id (forged: the run never writes one), and loses
// its clean-shutdown marker, so recovery accepts the batch as a write just
// before a crash. The resumed group reads it from its committed offset; the
// records do not decode, which is treated as the storage error it is (the
// leader's log directory goes offline), not as an internal failure.
func TestForgedRecordsWithoutIDs(t *testing.T) {
	ls, err := scenarios.LoadScenario("baseline", []string{"duration=500ms"})
	if err != nil {
		t.Fatal(err)
	}
	sc := &ls.Scenario
	dir := t.TempDir()
	if _, err := Run(sc, Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	parts, err := filepath.Glob(filepath.Join(dir, "broker-*", "events-0"))
	if err != nil || len(parts) == 0 {
		t.Fatalf("no replica of events-0: %v", err)
	}
	for _, part := range parts {
		seg := filepath.Join(part, "00000000000000000000.log")
		data, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		var last commitlog.Batch
		for rest := data; len(rest) > 0; {
			if last, rest, err = commitlog.ParseBatch(rest); err != nil {
				t.Fatal(err)
			}
		}
		if last == nil {
			t.Fatalf("%s holds no batch", seg)
		}
		var bb commitlog.BatchBuilder
		bb.Reset(commitlog.BatchHeader{})
		bb.Add(0, nil, []byte{}, nil)
		forged, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		forged = append(commitlog.Batch(nil), forged...)
		binary.BigEndian.PutUint64(forged[0:], uint64(last.NextOffset())) // base offset, outside the CRC
		binary.BigEndian.PutUint32(forged[12:], uint32(last.LeaderEpoch()))
		if err := os.WriteFile(seg, append(data, forged...), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(part, "clean-shutdown")); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(sc, Options{DataDir: dir})
	if err != nil {
		t.Fatalf("resumed run over forged records ended with an error: %v", err)
	}
	var found bool
	for _, f := range res.LogDirFailures {
		found = found || (f.Topic == "events" && f.Partition == 0 && strings.Contains(f.Error, "no message id"))
	}
	if !found {
		t.Fatalf("log dir failures %+v; want the forged records of events-0 listed", res.LogDirFailures)
	}
}
