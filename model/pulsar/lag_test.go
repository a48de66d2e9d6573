package pulsar

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"mqsim/internal/simtest"
	"mqsim/model"
	"mqsim/model/services"
	"mqsim/scenarios"
	"mqsim/sim"
)

// checkLags compares every running count with one recounted from the
// cursors and the producers, and every maximum with the value now.
func (w *world) checkLags() error {
	for _, sb := range w.subs {
		var lag, spans int64
		for _, c := range sb.cursors {
			var holes int64
			for _, a := range c.acked {
				if a {
					holes++
				}
			}
			span := int64(len(c.p.pos)) - c.markDelete
			lag += span - holes
			spans += span
			if holes != c.holes || sb.maxPartLag < span {
				return fmt.Errorf("subscription %s, %s at %v: running holes %d, recounted %d; span %d, max_partition_lag %d",
					sb.group.Name, c.p.name, w.s.Now(), c.holes, holes, span, sb.maxPartLag)
			}
		}
		if lag != sb.lagTotal || spans != sb.spanTotal || sb.maxLag < lag {
			return fmt.Errorf("subscription %s at %v: running lag %d, spans %d (max %d); recounted %d, %d",
				sb.group.Name, w.s.Now(), sb.lagTotal, sb.spanTotal, sb.maxLag, lag, spans)
		}
	}
	for _, p := range w.parts {
		if _, b, _ := p.backlog(); p.maxBacklogB < b {
			return fmt.Errorf("partition %s at %v: backlog %d B above its maximum %d B", p.name, w.s.Now(), b, p.maxBacklogB)
		}
	}
	var held int64
	for _, p := range w.pubs {
		for _, c := range p.conns {
			held += int64(len(c.batch))
			for _, op := range c.pending {
				held += int64(len(op.mids))
			}
		}
	}
	if held != w.held {
		return fmt.Errorf("at %v: running producer-held %d, recounted %d", w.s.Now(), w.held, held)
	}
	return nil
}

// runChecked plays sc with checkLags every iv and at the end; the first
// mismatch fails t.
func runChecked(t *testing.T, sc *scenarios.Scenario, iv sim.Time) *model.Results {
	t.Helper()
	var end func() error
	_, r, err := runProbed(sc, model.Options{}, func(w *world) func(moment, *ledger, *addOp) {
		end = simtest.Watch(w.s, iv, w.checkLags)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := end(); err != nil {
		t.Fatal(err)
	}
	return r
}

// The running lags are the ones recounted from every cursor and producer,
// every 10 ms and at the end, over the built-ins — broker and bookie
// failures (cursors restored from their persisted state, sends timed
// out and sent again), backlog quotas evicting cursors, Key_Shared holds,
// tiered storage, geo-replication and a lost region, retry letter topics
// — and over a shared subscription with ack holes (negative acks, ack
// timeouts) (a mismatch fails the run); the maxima are at least every
// value seen.
func TestLagBookkeepingIsExact(t *testing.T) {
	for _, name := range []string{"pulsar-backlog-quota", "pulsar-baseline", "pulsar-bookie-failure",
		"pulsar-broker-failure", "pulsar-key-shared-stall", "pulsar-tiered-replay", "noisy-tenant",
		"geo-replication-region-loss"} {
		t.Run(name, func(t *testing.T) {
			ls, err := scenarios.LoadScenario(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			runChecked(t, &ls.Scenario, 10*sim.Millisecond)
		})
	}
	t.Run("shared-holes", func(t *testing.T) {
		y := strings.Replace(base, "exp(200us)}", "exp(200us), failures: {transient_rate: 10%, policy: retry}}", 1)
		runChecked(t, parse(t, y+`pulsar:
  subscriptions:
    - {group: g, type: shared, ack_timeout: 2s, negative_ack_delay: 300ms}
faults:
  - {type: broker-crash, broker: 0, at: 3s, duration: 4s}
  - {type: consumer-crash, group: g, consumer: 1, at: 2s, duration: 3s}
`), 10*sim.Millisecond)
	})
}

// stalledConsumer is one partition fed at exactly 1,000 msg/s, read by
// one consumer with no processing cost that acknowledges each message at
// once (no ack grouping) and is down from 2.2 s to 2.8 s, between two of
// the sampler's 1 s ticks.
const stalledConsumer = `name: stall-between-samples
system: pulsar
seed: 1
duration: 5s
drain: 5s
topics: [{name: t, partitions: 1}]
producers:
  - {name: p, topic: t, rate: 1000/s, arrival: constant}
consumer_groups:
  - {name: g, topic: t, consumers: 1, processing: 0s}
pulsar:
  subscriptions: [{group: g, ack_group_time: 1ms}]
faults:
  - {type: consumer-crash, group: g, consumer: 0, at: 2200ms, duration: 600ms}
`

// A lag spike between two samples: the maximum is the run's, not the
// samples'. Counted by hand: the producer batches for 1 ms
// (batching_max_delay), so an entry of 2 messages is written every 2 ms;
// the consumer receives it, acknowledges both within a millisecond, so the
// lag at any instant is 0, 2 or 4 — all the 1 s samples see. From 2.2 s
// the consumer is gone: the entry it held unacknowledged (2 messages)
// stays in the backlog, and the 600 messages written until 2.8 s join
// it; at 2.8 s it comes back and reads the backlog at once, while one
// more entry (2) lands before its first acknowledgement. So the maximum
// is 604 messages, ±2 (one entry) for which side of 2.2 s and 2.8 s the
// entries fall; max_partition_lag is the same (one partition, no holes),
// and max_backlog_bytes is 500 B (the default message size) per message.
func TestMaxLagCountsASpikeBetweenSamples(t *testing.T) {
	r := runChecked(t, parse(t, stalledConsumer), sim.Millisecond)
	g := r.Groups[0]
	if g.MaxLag < 602 || g.MaxLag > 606 {
		t.Errorf("max_lag %d, want 600 written during the stall, 2 held and 2 landing after, ±2 (602..606)", g.MaxLag)
	}
	if g.MaxPartLag != g.MaxLag || r.MaxLag != g.MaxLag {
		t.Errorf("max_partition_lag %d, results max_lag %d: want the group's %d", g.MaxPartLag, r.MaxLag, g.MaxLag)
	}
	if b := r.PulsarTopics[0].MaxBytes; b != 500*g.MaxLag {
		t.Errorf("max_backlog_bytes %d, want 500 B × %d", b, g.MaxLag)
	}
	if r.Series.IntervalSeconds != 1 {
		t.Fatalf("sample interval %v s, want the default 1 s", r.Series.IntervalSeconds)
	}
	if sampled := slices.Max(r.Series.Column("lag/g")); sampled > 4 {
		t.Errorf("largest 1 s sample of the lag %v, want at most 4 (the spike falls between samples)", sampled)
	}
	if g.FinalLag != 0 || g.Lost != 0 || r.Acked < 4999 {
		t.Errorf("final lag %d, lost %d, acked %d: want 0, none, about 5,000", g.FinalLag, g.Lost, r.Acked)
	}
}

// The maxima do not depend on when the sampler looks: the broker failure
// built-in reports the same max_lag, max_partition_lag and
// max_backlog_bytes at 1 s and at 10 ms samples.
func TestMaxLagIsIndependentOfTheSampleInterval(t *testing.T) {
	run := func(iv string) *model.Results {
		ls, err := scenarios.LoadScenario("pulsar-broker-failure", []string{"sample_interval=" + iv})
		if err != nil {
			t.Fatal(err)
		}
		_, r, err := run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	slow, fast := run("1s"), run("10ms")
	for i := range slow.Groups {
		s, f := slow.Groups[i], fast.Groups[i]
		if s.MaxLag != f.MaxLag || s.MaxPartLag != f.MaxPartLag {
			t.Errorf("group %s: max_lag %d / %d, max_partition_lag %d / %d at 1 s / 10 ms samples: want the same", s.Name, s.MaxLag, f.MaxLag, s.MaxPartLag, f.MaxPartLag)
		}
	}
	for i := range slow.PulsarTopics {
		if s, f := slow.PulsarTopics[i].MaxBytes, fast.PulsarTopics[i].MaxBytes; s != f {
			t.Errorf("%s: max_backlog_bytes %d / %d at 1 s / 10 ms samples", slow.PulsarTopics[i].Name, s, f)
		}
	}
}

// A service's queue on Pulsar: its running lag, spans and producer-held
// counts are the ones recounted every 10 ms, and the channel's most
// stored (what the producers hold plus the spans) at least what it
// stores, through a worker that is slowed, then crashes.
func TestChannelBookkeepingIsExact(t *testing.T) {
	var end func() error
	channelBuilt = func(ch *pchannel) {
		end = simtest.Watch(ch.w.s, 10*sim.Millisecond, func() error {
			if err := ch.w.checkLags(); err != nil {
				return err
			}
			return simtest.ChannelWithinMax(ch.w.s.Now(), ch)
		})
	}
	defer func() { channelBuilt = nil }()
	r, err := services.Run(parse(t, simtest.ServiceChurn("pulsar")), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := end(); err != nil {
		t.Fatal(err)
	}
	if r.MaxLag == 0 {
		t.Error("max_lag 0: the worker's queue never held anything")
	}
}
