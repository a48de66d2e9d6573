package rabbitmq

import (
	"mqsim/model/fieldeffect"
	"reflect"
	"strings"
	"testing"

	"mqsim/scenarios"
)

// Every setting of the rabbitmq: section is implemented or refused: for
// each field (found by reflection, so a new one cannot be forgotten) a
// pair of runs — a built-in scenario, and the same with one --set — give
// different results, or the field is descriptive, or it is listed with the
// behaviour test that shows it.

var (
	rbWork    = fieldeffect.On("rabbitmq-work-queue", "duration=3s")
	rbPrefet  = fieldeffect.On("rabbitmq-prefetch", "duration=5s")
	rbLoop    = fieldeffect.On("rabbitmq-requeue-loop", "duration=5s")
	rbLoopRej = fieldeffect.On("rabbitmq-requeue-loop", "duration=5s", "rabbitmq.queues.0.on_failure=reject")
	rbFail    = fieldeffect.On("rabbitmq-quorum-node-failure", "duration=20s", "faults.0.at=3s", "faults.0.duration=10s")
	rbAlarm   = fieldeffect.On("rabbitmq-memory-alarm", "duration=25s")
	rbDisk    = fieldeffect.On("rabbitmq-memory-alarm", "duration=25s", "rabbitmq.memory=16GiB", "rabbitmq.disk=200MB")
	rbTopic   = fieldeffect.On("rabbitmq-topic-routing", "duration=3s")
	rbMaxLen  = fieldeffect.On("rabbitmq-prefetch", "duration=5s", "rabbitmq.queues.0.max_length=100")
	rbFailM   = fieldeffect.On("rabbitmq-quorum-node-failure", "duration=20s", "faults.0.at=3s", "faults.0.duration=10s", "faults.0.lose_page_cache=true")
	rbCredit  = fieldeffect.On("rabbitmq-work-queue", "duration=3s", "rabbitmq.credit_more=1")
	rbSlowDsk = fieldeffect.On("rabbitmq-memory-alarm", "duration=5s", "cluster.hardware.disk_write=12MB/s")
)

var rabbitEffects = map[string]fieldeffect.Pair{
	"rabbitmq.memory":                       rbAlarm.With("rabbitmq.memory=1GiB"),
	"rabbitmq.disk":                         rbDisk.With("rabbitmq.disk=1GB"),
	"rabbitmq.disk_free_limit":              rbDisk.With("rabbitmq.disk_free_limit=100MB"),
	"rabbitmq.memory_high_watermark":        rbAlarm.With("rabbitmq.memory_high_watermark=0.9"),
	"rabbitmq.credit_initial":               rbCredit.With("rabbitmq.credit_initial=1"),
	"rabbitmq.credit_more":                  rbWork.With("rabbitmq.credit_more=1"),
	"rabbitmq.classic_sync_interval":        rbSlowDsk.With("rabbitmq.classic_sync_interval=1s"),
	"rabbitmq.election_timeout":             rbFail.With("rabbitmq.election_timeout=1s"),
	"rabbitmq.heartbeat":                    rbFailM.With("rabbitmq.heartbeat=5s"),
	"rabbitmq.exchanges.type":               rbTopic.With("rabbitmq.exchanges.0.type=fanout"),
	"rabbitmq.exchanges.alternate_exchange": rbTopic.With("rabbitmq.exchanges.0.alternate_exchange=events"),
	"rabbitmq.publishers.routing_keys":      rbTopic.With("rabbitmq.publishers.0.routing_keys.0=us.x.y"),
	"rabbitmq.publishers.max_unconfirmed":   rbTopic.With("rabbitmq.publishers.0.max_unconfirmed=1"),
	"rabbitmq.queues.type":                  rbWork.With("rabbitmq.queues.0.type=classic"),
	"rabbitmq.queues.quorum_size":           rbWork.With("rabbitmq.queues.0.quorum_size=1"),
	"rabbitmq.queues.delivery_limit":        rbLoop.With("rabbitmq.queues.1.delivery_limit=5"),
	"rabbitmq.queues.prefetch":              rbPrefet.With("rabbitmq.queues.0.prefetch=2"),
	"rabbitmq.queues.ack":                   rbWork.With("rabbitmq.queues.0.ack=auto"),
	"rabbitmq.queues.ack_multiple":          rbWork.With("rabbitmq.queues.0.ack_multiple=10"),
	"rabbitmq.queues.on_failure":            rbLoop.With("rabbitmq.queues.0.on_failure=reject"),
	"rabbitmq.queues.dead_letter_exchange":  rbLoopRej.With("rabbitmq.queues.0.dead_letter_exchange=orders-dlx"),
	"rabbitmq.queues.message_ttl":           rbPrefet.With("rabbitmq.queues.0.message_ttl=1s"),
	"rabbitmq.queues.max_length":            rbPrefet.With("rabbitmq.queues.0.max_length=100"),
	"rabbitmq.queues.overflow":              rbMaxLen.With("rabbitmq.queues.0.overflow=reject-publish"),
	"rabbitmq.queues.bindings.key":          rbTopic.With("rabbitmq.queues.0.bindings.0.key=us.#"),
}

var rabbitDescriptive = map[string]string{
	"rabbitmq.exchanges.name":           "a name bindings and topics refer to",
	"rabbitmq.publishers.producer":      "a reference to a producer (an unknown one is refused)",
	"rabbitmq.queues.name":              "a name, shown in errors",
	"rabbitmq.queues.group":             "a reference to a consumer group (an unknown one is refused)",
	"rabbitmq.queues.bindings.exchange": "a reference to an exchange (an unknown one is refused)",
}

var rabbitNotShown = map[string]string{
	"rabbitmq.publishers.headers":             "a list of maps, which --set cannot write: TestHeadersExchange",
	"rabbitmq.queues.bindings.headers":        "a map: TestHeadersExchange, TestHeadersMatch",
	"rabbitmq.queues.bindings.match":          "TestHeadersExchange, TestHeadersMatch",
	"rabbitmq.queues.dead_letter_strategy":    "no built-in dead-letters into a down queue: TestDeadLetterStrategies",
	"rabbitmq.dead_letter_retry":              "no built-in dead-letters into a down queue: TestDeadLetterStrategies",
	"rabbitmq.queues.dead_letter_routing_key": "the built-ins dead-letter through fanout exchanges, which ignore keys: TestDeadLetterRoutingKey",
	"rabbitmq.consumer_timeout":               "no built-in holds a delivery a minute: TestConsumerTimeout",
	"rabbitmq.publishers.priorities":          "a list no built-in sets: TestPriorities",
	"rabbitmq.publishers.expirations":         "a list no built-in sets: TestPerMessageExpiration",
	"rabbitmq.queues.max_priority":            "no built-in uses priorities: TestPriorities",
	"rabbitmq.publishers.default_exchange":    "no built-in publishes to it: TestDefaultExchange",
	"rabbitmq.queues.stream_offset":           "no built-in has a stream: TestStreamOffsetAfterCrash",
	"rabbitmq.publishers.mandatory":           "needs an unroutable key, which no built-in has: TestMandatoryReturns",
}

// TestEveryRabbitSettingHasAnEffect always checks every field is
// classified; the pairs of runs run with MQSIM_FIELD_EFFECTS=1.
func TestEveryRabbitSettingHasAnEffect(t *testing.T) {
	fieldeffect.Check(t, fieldeffect.Spec{
		Sections: map[string]reflect.Type{"rabbitmq": reflect.TypeFor[scenarios.RabbitMQ]()},
		Pairs:    rabbitEffects,
		Aside:    fieldeffect.Union(rabbitDescriptive, rabbitNotShown),
		Run:      Run,
		Always:   false,
	})
}

// TestHeadersExchange: a headers exchange routes by x-match. Key ids 0 and
// 1 pick {format: pdf, type: report} and {format: csv, type: report}; the
// all-queue binds {format: pdf, type: report} and gets half; the any-queue
// binds {format: csv, type: log} with any and gets the other half.
func TestHeadersExchange(t *testing.T) {
	y := strings.Replace(base, "consumers: 2", "consumers: 1", 1) + `  - {name: other, topic: jobs, processing: const(1ms)}
rabbitmq:
  exchanges: [{name: jobs, type: headers}]
  publishers:
    - producer: api
      headers: [{format: pdf, type: report}, {format: csv, type: report}]
  queues:
    - group: workers
      bindings: [{exchange: jobs, headers: {format: pdf, type: report}}]
    - group: other
      bindings: [{exchange: jobs, headers: {format: csv, type: log}, match: any}]
`
	r := runYAML(t, y)
	a, b := r.Groups[0].Processed, r.Groups[1].Processed
	if a+b != r.Acked || a < r.Acked*4/10 || b < r.Acked*4/10 {
		t.Errorf("all-queue %d, any-queue %d of %d: want about half each, all delivered", a, b, r.Acked)
	}
}

// TestDeadLetterRoutingKey: rejected messages go through a direct
// dead-letter exchange whose only binding is "dead". With
// dead_letter_routing_key "dead" they reach the DLQ; with their own
// (empty) routing key nothing matches and they are routed nowhere.
func TestDeadLetterRoutingKey(t *testing.T) {
	y := strings.Replace(base, "  - {name: jobs, partitions: 1}", "  - {name: jobs, partitions: 1}\n  - {name: dlx, partitions: 1}", 1) +
		`    failures: {poison_keys: [42], policy: retry}
  - {name: dlq, topic: dlx, processing: const(1ms)}
rabbitmq:
  exchanges: [{name: dlx, type: direct}]
  queues:
    - {group: workers, on_failure: reject, dead_letter_exchange: dlx, dead_letter_routing_key: dead}
    - {group: dlq, bindings: [{exchange: dlx, key: dead}]}
`
	r := runYAML(t, y)
	if r.DeadRejected == 0 || r.Groups[1].Processed != r.DeadRejected {
		t.Errorf("dead-lettered %d, the DLQ processed %d: want all of them", r.DeadRejected, r.Groups[1].Processed)
	}
	r = runYAML(t, strings.Replace(y, ", dead_letter_routing_key: dead", "", 1))
	if r.DeadRejected == 0 || r.Groups[1].Processed != 0 {
		t.Errorf("without the key: dead-lettered %d, the DLQ processed %d: want none routed", r.DeadRejected, r.Groups[1].Processed)
	}
}

// TestConsumerTimeout: one message at 1 s, processed in 150 s, with a
// 1-minute consumer timeout checked every minute (60, 120, … s). At 120 s
// the delivery (made at ~1 s) is 119 s old: the channel closes and the
// message is requeued (not counted as a failed delivery), and delivered
// again at ~121 s on the new channel; the first processing still ends at
// 151 s (its ack void) and the second at 301 s: two processings of one
// message, one duplicate. The check at 240 s finds the second delivery
// (121 s) 119 s old: a second timeout. The run ends at 2 s + 300 s.
func TestConsumerTimeout(t *testing.T) {
	y := `
name: ct
system: rabbitmq
seed: 1
duration: 2s
drain: 300s
topics: [{name: jobs, partitions: 1}]
producers: [{name: api, topic: jobs, rate: 1/s, arrival: constant}]
consumer_groups: [{name: slow, topic: jobs, processing: const(150s)}]
rabbitmq:
  consumer_timeout: 1m
  queues: [{group: slow, prefetch: 1}]
`
	r := runYAML(t, y)
	if r.ConsumerTimeouts != 2 || r.Groups[0].Processed != 2 || r.Duplicates != 1 {
		t.Errorf("timeouts %d, processed %d, duplicates %d: want 2, 2, 1", r.ConsumerTimeouts, r.Groups[0].Processed, r.Duplicates)
	}
	r = runYAML(t, strings.Replace(y, "consumer_timeout: 1m", "consumer_timeout: 30m", 1))
	if r.ConsumerTimeouts != 0 || r.Duplicates != 0 {
		t.Errorf("30 min: timeouts %d, duplicates %d: want none", r.ConsumerTimeouts, r.Duplicates)
	}
}

// TestMachineCrash: a process crash closes its connections at once; a
// machine crash closes nothing, so the publisher on it goes on sending
// into the void until its credit (400, re-granted 200 at a time: between
// 200 and 400 left at the crash) runs out, and learns only when the node
// comes back 10 s later (before the 60 s heartbeat): hundreds of messages
// indeterminate instead of the few in flight.
func TestMachineCrash(t *testing.T) {
	y := strings.Replace(base, "keys: uniform(100)}", "keys: uniform(100)}", 1) + `rabbitmq:
  queues: [{group: workers, type: quorum}]
faults:
  - {type: broker-crash, broker: 0, at: 5s, duration: 10s}
`
	r := runYAML(t, y)
	if r.Indeterminate > 20 || r.Lost != 0 {
		t.Errorf("process crash: indeterminate %d, lost %d", r.Indeterminate, r.Lost)
	}
	r = runYAML(t, strings.Replace(y, "duration: 10s}", "duration: 10s, lose_page_cache: true}", 1))
	if r.Indeterminate < 200 || r.Lost != 0 {
		t.Errorf("machine crash: indeterminate %d (want at least 200), lost %d", r.Indeterminate, r.Lost)
	}
}

// TestDefaultExchange: publishing to the default exchange with routing
// key "workers" reaches the queue named workers (bound by its name); the
// key "nobody" names no queue, so with mandatory those come back.
func TestDefaultExchange(t *testing.T) {
	y := base + `rabbitmq:
  publishers: [{producer: api, default_exchange: true, mandatory: true, routing_keys: [workers, nobody]}]
`
	r := runYAML(t, y)
	if r.Groups[0].Processed+r.Returned != r.Produced || r.Returned == 0 || r.Groups[0].Processed < r.Produced/3 {
		t.Errorf("processed %d, returned %d of %d: want the key workers delivered, nobody returned", r.Groups[0].Processed, r.Returned, r.Produced)
	}
}
