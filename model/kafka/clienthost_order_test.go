package kafka

import (
	"testing"

	"mqsim/model"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// TestRequestsLeaveHostInSendOrder: a producer's host serialises requests
// on several cores, so a short request can finish its CPU work before a
// long one sent earlier; it must still reach the broker after it, as on
// Kafka's one TCP connection per broker. Each connection's requests are
// watched as they reach the broker; their send times must not decrease.
//
// The reordering this guards against: at 50K msg/s over 6 partitions and
// 3 brokers with 4 KB batches (about 7 records of 500 B), batches fill
// every ~0.8 ms per partition, so a connection has several requests in
// flight; a request holds one batch per partition (1 to ~14 records) at
// 50µs of CPU per record (cpu_per_record raised), so requests take 50µs
// to 0.7 ms on one of 4 cores, and a short one sent just after a long one
// finishes first. Without the ordering 28 of ~12K requests overtook.
func TestRequestsLeaveHostInSendOrder(t *testing.T) {
	s := baseScenario(50000, 2*units.Second)
	s.Producers[0].BatchSize = 4096
	s.ClientHardware.CPUPerRecord = 50 * units.Microsecond
	s.ClientHardware.Cores = 4
	w, err := build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.close() })
	type seen struct {
		use  uint64
		sent sim.Time
	}
	last := map[*prodConn]seen{}
	arrived, overtaken := 0, 0
	arrive := w.fPrArrive
	w.fPrArrive = func(id uint64) {
		r := w.preqs[id]
		if p, ok := last[r.c]; ok && r.sentAt < p.sent {
			overtaken++
		}
		last[r.c] = seen{r.use, r.sentAt}
		arrived++
		arrive(id)
	}
	if _, err := model.Play(w.s, Options{}, step, w.end, w.end+sim.Time(s.Drain), w.quiet, w.afterStep); err != nil {
		t.Fatal(err)
	}
	if arrived < 1000 {
		t.Fatalf("only %d requests reached the brokers", arrived)
	}
	if overtaken > 0 {
		t.Errorf("%d of %d requests reached their broker before one sent earlier on the same connection", overtaken, arrived)
	}
}
