package rabbitmq

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

// checkDepths compares each queue's running counts with ones recounted
// from its ready levels, its consumers' unacknowledged deliveries and, for
// a stream, its live consumers' positions; and its maximum with the depth.
func (w *world) checkDepths() error {
	for _, q := range w.queues {
		unacked, depth := 0, 0
		switch {
		case q.isStream:
			if q.g != nil {
				for _, c := range q.g.cons {
					if c.alive {
						depth = max(depth, len(q.stream)-c.done)
					}
				}
			}
		default:
			if q.g != nil && !q.g.auto {
				for _, c := range q.g.cons {
					unacked += len(c.out)
				}
			}
			depth = q.readyLen() + unacked
		}
		if !q.isStream && (q.ready != q.readyLen() || q.unacked != unacked) || q.depth() != depth || q.maxDepth < int64(depth) {
			return fmt.Errorf("queue %s at %v: running ready %d, unacked %d, depth %d (max %d); recounted %d, %d, %d",
				q.name, w.s.Now(), q.ready, q.unacked, q.depth(), q.maxDepth, q.readyLen(), unacked, depth)
		}
	}
	return nil
}

// runChecked plays sc with checkDepths every iv and at the end; the first
// mismatch fails t.
func runChecked(t *testing.T, sc *scenarios.Scenario, iv sim.Time) *model.Results {
	t.Helper()
	w, err := build(sc, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	end := simtest.Watch(w.s, iv, w.checkDepths)
	r, err := w.play(model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := end(); err != nil {
		t.Fatal(err)
	}
	return r
}

func parse(t *testing.T, y string, sets ...string) *scenarios.Scenario {
	t.Helper()
	ls, err := scenarios.ParseScenario("t.yaml", []byte(y), sets)
	if err != nil {
		t.Fatal(err)
	}
	return &ls.Scenario
}

// The running depths are the ones recounted from every queue, every
// 10 ms and at the end, over the built-ins (classic and quorum queues,
// node failures and elections, memory alarms, requeue loops and dead
// letters, topic routing) and runs that exercise the rest: dead letters
// of both strategies to a DLQ whose node is down, priorities, a TTL and a
// full queue dropping its head, a stream whose consumer crashes and
// rereads, and ack multiple with a consumer timeout (a mismatch fails the
// run).
func TestDepthBookkeepingIsExact(t *testing.T) {
	for _, name := range []string{"rabbitmq-memory-alarm", "rabbitmq-prefetch", "rabbitmq-quorum-node-failure",
		"rabbitmq-requeue-loop", "rabbitmq-topic-routing", "rabbitmq-work-queue"} {
		t.Run(name, func(t *testing.T) {
			ls, err := scenarios.LoadScenario(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			runChecked(t, &ls.Scenario, 10*sim.Millisecond)
		})
	}
	withDLX := strings.Replace(base, "  - {name: jobs, partitions: 1}", "  - {name: jobs, partitions: 1}\n  - {name: dlx, partitions: 1}", 1)
	slow := strings.Replace(withDLX, "const(1ms)", "const(100ms)", 1)
	for _, c := range []struct{ name, y string }{
		{"dlx-at-most-once", dlxYAML},
		{"dlx-at-least-once", strings.Replace(dlxYAML, "max_length: 100000}", "max_length: 100000, dead_letter_strategy: at-least-once}", 1)},
		{"priorities", slow + `rabbitmq:
  publishers: [{producer: api, priorities: [0, 5, 9]}]
  queues: [{group: workers, type: classic, max_priority: 9, prefetch: 3}]
`},
		{"ttl-and-drop-head", slow + `rabbitmq:
  queues:
    - {group: workers, prefetch: 2, message_ttl: 300ms, max_length: 40, dead_letter_exchange: dlx}
    - {name: dead, bindings: [{exchange: dlx}]}
faults:
  - {type: consumer-crash, group: workers, consumer: 0, at: 3s, duration: 4s}
`},
		{"stream", base + `rabbitmq:
  queues: [{group: workers, type: stream, prefetch: 10, stream_offset: first}]
faults:
  - {type: consumer-crash, group: workers, consumer: 0, at: 5s, duration: 5s}
  - {type: broker-crash, broker: 0, at: 8s, duration: 3s}
`},
		{"quorum-ack-multiple", strings.Replace(base, "const(1ms)", "exp(8ms)", 1) + `    failures: {transient_rate: 10%, policy: retry}
rabbitmq:
  consumer_timeout: 1m
  queues: [{group: workers, type: quorum, prefetch: 20, ack_multiple: 5, delivery_limit: 4}]
faults:
  - {type: broker-crash, broker: 0, at: 3s, duration: 5s}
  - {type: consumer-crash, group: workers, consumer: 1, at: 4s, duration: 6s}
`},
	} {
		t.Run(c.name, func(t *testing.T) { runChecked(t, parse(t, c.y), 10*sim.Millisecond) })
	}
}

// stalledConsumer is a classic queue fed at exactly 1,000 msg/s and read
// by one consumer with no processing cost, which is down from 2.2 s to
// 2.8 s, between two of the sampler's 1 s ticks.
const stalledConsumer = `name: stall-between-samples
system: rabbitmq
seed: 1
duration: 5s
drain: 5s
topics: [{name: jobs, partitions: 1}]
producers:
  - {name: p, topic: jobs, rate: 1000/s, arrival: constant}
consumer_groups:
  - {name: w, topic: jobs, consumers: 1, processing: 0s}
rabbitmq:
  queues: [{group: w, type: classic, prefetch: 10}]
faults:
  - {type: consumer-crash, group: w, consumer: 0, at: 2200ms, duration: 600ms}
`

// A depth spike between two samples: the maximum is the run's, not the
// samples'. Counted by hand: a message reaches the queue every
// millisecond (a network hop after it is published) and is delivered at
// once; the consumer acks it without processing and the ack is back
// within a round trip, well under a millisecond — so at every whole
// second the depth is 0 or 1 and the 1 s samples see nothing. At 2.2 s
// the consumer dies: its connection closes and what it had not acked (at
// most 1) is requeued; the 600 messages that reach the queue until 2.8 s
// wait. At 2.8 s it consumes again: 10 deliveries (its prefetch) go out
// at once, still unacknowledged, and the first acks are back a round trip
// later, when at most one more message has arrived. So the maximum is 600
// to 602 messages; the largest 1 s sample is at most 1.
func TestMaxDepthCountsASpikeBetweenSamples(t *testing.T) {
	r := runChecked(t, parse(t, stalledConsumer), sim.Millisecond)
	g := r.Groups[0]
	if g.MaxLag < 600 || g.MaxLag > 602 {
		t.Errorf("max_lag %d, want the 600 messages that arrived during the stall and up to 2 more (600..602)", g.MaxLag)
	}
	if r.MaxQueueDepth != g.MaxLag || g.MaxPartLag != g.MaxLag || r.MaxLag != g.MaxLag {
		t.Errorf("max_queue_depth %d, max_partition_lag %d, results max_lag %d: want the group's %d", r.MaxQueueDepth, g.MaxPartLag, r.MaxLag, g.MaxLag)
	}
	if r.Series.IntervalSeconds != 1 {
		t.Fatalf("sample interval %v s, want the default 1 s", r.Series.IntervalSeconds)
	}
	if sampled := slices.Max(r.Series.Column("lag/w")); sampled > 1 {
		t.Errorf("largest 1 s sample of the depth %v, want at most 1 (the spike falls between samples)", sampled)
	}
	if g.FinalLag != 0 || g.Processed != r.Acked || r.Acked < 4999 {
		t.Errorf("final depth %d, processed %d, acked %d: want 0, every message, about 5,000", g.FinalLag, g.Processed, r.Acked)
	}
}

// The maxima do not depend on when the sampler looks: the quorum queue's
// node failure reports the same max_lag and max_queue_depth at 1 s and
// at 10 ms samples.
func TestMaxDepthIsIndependentOfTheSampleInterval(t *testing.T) {
	run := func(iv string) *model.Results {
		return runBuiltin(t, "rabbitmq-quorum-node-failure", "sample_interval="+iv)
	}
	slow, fast := run("1s"), run("10ms")
	if slow.MaxQueueDepth != fast.MaxQueueDepth || slow.MaxLag != fast.MaxLag {
		t.Errorf("max_queue_depth %d / %d, max_lag %d / %d at 1 s / 10 ms samples: want the same",
			slow.MaxQueueDepth, fast.MaxQueueDepth, slow.MaxLag, fast.MaxLag)
	}
}

// A service's queue on RabbitMQ: its running depth is the one recounted
// every 10 ms, and the channel's most stored (depth plus what Raft has not
// committed) at least what it stores, through a worker that is slowed,
// then crashes.
func TestChannelBookkeepingIsExact(t *testing.T) {
	var end func() error
	channelBuilt = func(ch *rchannel) {
		end = simtest.Watch(ch.w.s, 10*sim.Millisecond, func() error {
			if err := ch.w.checkDepths(); err != nil {
				return err
			}
			return simtest.ChannelWithinMax(ch.w.s.Now(), ch)
		})
	}
	defer func() { channelBuilt = nil }()
	r, err := services.Run(parse(t, simtest.ServiceChurn("rabbitmq")), model.Options{})
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
