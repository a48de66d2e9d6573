package kafka

import (
	"testing"

	"mqsim/model"
	"mqsim/scenarios/units"
	"mqsim/sim"
)

// TestPageCacheHitDoesNotWaitForDisk: a fetch served wholly from the page
// cache never waits behind another reader's disk read, as in Kafka (the
// handler thread copies from memory; only a miss blocks on the disk).
// From 1 s to 1.5 s every broker's disk is busy with a 0.5 s read of cold
// data (a job of disk_read × 0.5 s bytes put on its queue directly). The
// baseline's fetches, replica and consumer, all hit the page cache, so
// acks and end-to-end latency must not notice: by hand, a fetch queued
// behind the read would wait up to 0.5 s, and the 2,500 messages produced
// in that half second (5K msg/s) are 2.5% of the 100K — above the 1% a
// p99 reads — so both p99s would be hundreds of milliseconds; unhindered
// they stay at the baseline's few milliseconds.
func TestPageCacheHitDoesNotWaitForDisk(t *testing.T) {
	s := baseScenario(5000, 20*units.Second)
	w, err := build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.close() })
	w.s.At(sim.Second, func() {
		for _, b := range w.brokers {
			b.DiskR.Submit(b.DiskR.Config().Rate*0.5, 0, func(sim.Job) {})
		}
	})
	partial, err := model.Play(w.s, Options{}, step, w.end, w.end+sim.Time(s.Drain), w.quiet, w.afterStep)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.finish(partial)
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost != 0 || r.Produced < 90_000 {
		t.Fatalf("produced %d, lost %d", r.Produced, r.Lost)
	}
	if r.AckLatency.P99 > 50 || r.E2ELatency.P99 > 50 {
		t.Errorf("ack p99 %.1f ms, e2e p99 %.1f ms with the disks busy for 0.5 s: want the baseline's few ms (cached fetches do not queue at the disk)",
			r.AckLatency.P99, r.E2ELatency.P99)
	}
}
