package kafka

import "testing"

// TestRecordTooLarge: 1 MiB messages are over max.request.size once their
// record overhead is counted (Kafka measures the serialized record), so
// send() refuses every one; the run ends normally, each counted failed as
// too large.
func TestRecordTooLarge(t *testing.T) {
	s := baseScenario(200, 1e9) // 200 msg/s for 1 s
	s.Producers[0].MessageSize = mustSize(t, "1MiB")
	r := mustRun(t, s)
	if r.Produced < 100 {
		t.Fatalf("produced %d, want about 200", r.Produced)
	}
	if r.Acked != 0 || r.Failed != r.Produced || r.RecordTooLarge != r.Produced {
		t.Errorf("produced %d: acked %d, failed %d, too large %d; want all failed as too large",
			r.Produced, r.Acked, r.Failed, r.RecordTooLarge)
	}
}

// TestBatchOverMaxMessageBytes: the producer's batches (batch_size 16KiB of
// 500 B records) are over a topic max_message_bytes of 2KiB; the leader
// refuses each with MESSAGE_TOO_LARGE, answered to the producer, and the
// run finishes with them counted, not with an internal failure.
func TestBatchOverMaxMessageBytes(t *testing.T) {
	s := baseScenario(2000, 1e9)
	s.Topics[0].MaxMessageBytes = 2 << 10
	s.Producers[0].Linger = durPtr(50e6) // 50 ms: batches of ~100 records, far over 2KiB
	r := mustRun(t, s)
	if r.RecordTooLarge == 0 || r.RecordTooLarge > r.Failed {
		t.Errorf("record_too_large %d, failed %d: want batches refused by the log, counted failed", r.RecordTooLarge, r.Failed)
	}
	// A batch of at most 3 records of 500 B fits 2KiB (61 B header + 3 × ~520 B);
	// the 100-record batches cannot: most records fail.
	if r.RecordTooLarge < r.Produced/2 {
		t.Errorf("record_too_large %d of %d produced: want most refused", r.RecordTooLarge, r.Produced)
	}
}
