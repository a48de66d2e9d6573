package rabbitmq

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
)

// TestTopicMatchDocsExamples: the topic exchange tutorial's bindings
// "*.orange.*" (Q1), "*.*.rabbit" and "lazy.#" (Q2) and its example
// routing keys, plus the reference's "a.b.*" misses "a.b", "a.b.#" matches.
func TestTopicMatchDocsExamples(t *testing.T) {
	q1, q2 := &queue{name: "Q1"}, &queue{name: "Q2"}
	ex := &exchange{typ: exTopic, bindings: []binding{
		{q: q1, words: splitPattern("*.orange.*")},
		{q: q2, words: splitPattern("*.*.rabbit")},
		{q: q2, words: splitPattern("lazy.#")},
	}}
	for _, c := range []struct {
		rk   string
		want string
	}{
		{"quick.orange.rabbit", "Q1,Q2"}, {"lazy.orange.elephant", "Q1,Q2"},
		{"quick.orange.fox", "Q1"}, {"lazy.brown.fox", "Q2"}, {"lazy.pink.rabbit", "Q2"},
		{"quick.brown.fox", ""}, {"orange", ""}, {"quick.orange.new.rabbit", ""},
		{"lazy.orange.new.rabbit", "Q2"}, {"lazy", "Q2"},
	} {
		var names []string
		for _, q := range ex.route(nil, c.rk, nil) {
			names = append(names, q.name)
		}
		if got := strings.Join(names, ","); got != c.want {
			t.Errorf("%q routes to %q, want %q", c.rk, got, c.want)
		}
	}
	if topicMatch(splitPattern("a.b.*"), "a.b") {
		t.Error(`"a.b.*" matched "a.b"`)
	}
	if !topicMatch(splitPattern("a.b.#"), "a.b") {
		t.Error(`"a.b.#" missed "a.b"`)
	}
}

// TestHeadersMatch: x-match all needs every bound header, any one.
func TestHeadersMatch(t *testing.T) {
	h := map[string]string{"format": "pdf", "type": "report"}
	all := &binding{headers: map[string]string{"format": "pdf", "type": "log"}}
	anyB := &binding{headers: map[string]string{"format": "pdf", "type": "log"}, any: true}
	if headersMatch(all, h) || !headersMatch(anyB, h) {
		t.Error("x-match all matched a partial set, or any missed one match")
	}
}

const base = `
name: t
system: rabbitmq
seed: 1
duration: 20s
drain: 10s
cluster:
  brokers: 3
topics:
  - {name: jobs, partitions: 1}
producers:
  - {name: api, topic: jobs, rate: 200/s, keys: uniform(100)}
consumer_groups:
  - name: workers
    topic: jobs
    consumers: 2
    processing: const(1ms)
`

func runYAML(t *testing.T, yaml string, sets ...string) *model.Results {
	t.Helper()
	ls, err := scenarios.ParseScenario("t.yaml", []byte(yaml), sets)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPrefetchStopsAtLimit: a consumer far slower than arrivals holds
// exactly prefetch unacknowledged deliveries, never more.
func TestPrefetchStopsAtLimit(t *testing.T) {
	y := strings.Replace(base, "const(1ms)", "const(100ms)", 1) + `
rabbitmq:
  queues:
    - {group: workers, prefetch: 5}
`
	r := runYAML(t, y)
	if r.MaxUnacked != 5 {
		t.Errorf("max unacked %d, want the prefetch 5", r.MaxUnacked)
	}
	if r.Lost != 0 {
		t.Errorf("lost %d", r.Lost)
	}
}

// TestDeliveryLimit: key 42 of uniform(100) fails every time and is
// rejected with requeue. With delivery_limit 3, each poison message is
// returned 3 times and dead-lettered at the 4th failure (more than the
// limit): requeued = 4 per poison message, all with reason delivery_limit.
func TestDeliveryLimit(t *testing.T) {
	y := base + `    failures: {poison_keys: [42], policy: retry}
rabbitmq:
  queues:
    - {group: workers, type: quorum, delivery_limit: 3}
`
	r := runYAML(t, y)
	poison := r.DeadDeliveryLimit + r.QueueDropped
	if poison == 0 {
		t.Fatal("no poison message reached the limit")
	}
	if r.Requeued != 4*poison {
		t.Errorf("requeued %d, want 4 × %d poison messages", r.Requeued, poison)
	}
	if r.Lost != 0 || r.Groups[0].FinalLag != 0 {
		t.Errorf("lost %d, final lag %d", r.Lost, r.Groups[0].FinalLag)
	}
}

// TestRequeueOrderClassic: a classic queue puts a requeued message back
// in its place: the poison message loops while the rest pass, and nothing
// is reordered.
func TestRequeueOrderClassic(t *testing.T) {
	y := base + `    failures: {poison_keys: [42], policy: retry}
rabbitmq:
  queues:
    - {group: workers, type: classic}
`
	r := runYAML(t, y)
	if r.Requeued < 1000 || r.Groups[0].FinalLag == 0 {
		t.Errorf("requeued %d, final lag %d: want a requeue loop that never ends", r.Requeued, r.Groups[0].FinalLag)
	}
	if r.Reordered != 0 || r.Lost != 0 {
		t.Errorf("reordered %d lost %d", r.Reordered, r.Lost)
	}
}

// TestDeadLetterReasons: reject without requeue dead-letters with reason
// rejected; a max length of 10 with drop-head dead-letters the oldest with
// reason maxlen; a TTL shorter than the wait expires at the head.
func TestDeadLetterReasons(t *testing.T) {
	withDLX := func(q string) string {
		return strings.Replace(base, "  - {name: jobs, partitions: 1}", "  - {name: jobs, partitions: 1}\n  - {name: dlx, partitions: 1}", 1) + q
	}
	r := runYAML(t, withDLX(`    failures: {poison_keys: [42], policy: retry}
rabbitmq:
  queues:
    - {group: workers, on_failure: reject, dead_letter_exchange: dlx}
    - {name: dead, bindings: [{exchange: dlx}]}
`))
	if r.DeadRejected == 0 || r.DeadRejected != r.DeadLettered {
		t.Errorf("rejected %d of %d dead-lettered", r.DeadRejected, r.DeadLettered)
	}
	slow := strings.Replace(withDLX(`rabbitmq:
  queues:
    - {group: workers, prefetch: 1, max_length: 10, dead_letter_exchange: dlx}
    - {name: dead, bindings: [{exchange: dlx}]}
`), "const(1ms)", "const(100ms)", 1)
	r = runYAML(t, slow)
	if r.DeadMaxlen == 0 {
		t.Error("no maxlen dead-letters from a full queue")
	}
	ttl := strings.Replace(withDLX(`rabbitmq:
  queues:
    - {group: workers, prefetch: 1, message_ttl: 50ms, dead_letter_exchange: dlx}
    - {name: dead, bindings: [{exchange: dlx}]}
`), "const(1ms)", "const(100ms)", 1)
	r = runYAML(t, ttl)
	if r.DeadExpired == 0 || r.Lost != 0 {
		t.Errorf("expired %d lost %d", r.DeadExpired, r.Lost)
	}
}

// erlangC is the probability an arrival waits in M/M/c with offered load a.
func erlangC(c int, a float64) float64 {
	sum, term := 0.0, 1.0
	for k := 0; k < c; k++ {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	last := term * a / float64(c)
	rho := a / float64(c)
	top := last / (1 - rho)
	return top / (sum + top)
}

// TestErlangC: a classic queue with c = 4 consumers at prefetch 1,
// Poisson arrivals λ = 300/s and exponential service μ = 100/s, and a
// negligible network, is M/M/4: the mean wait is
// Wq = C(c, λ/μ) / (cμ − λ); mean end-to-end latency minus the mean
// service time must match it within 5%.
func TestErlangC(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	const lambda, mu, c = 300.0, 100.0, 4
	y := `
name: mmc
system: rabbitmq
seed: 7
duration: 400s
drain: 60s
cluster:
  brokers: 1
  hardware: {network_latency: 1ns, network_jitter: 1ns, cpu_per_request: 1ns, cpu_per_mb: 1ns}
topics:
  - {name: q, partitions: 1}
producers:
  - {name: arrivals, topic: q, rate: 300/s, message_size: const(1B)}
consumer_groups:
  - {name: servers, topic: q, consumers: 4, processing: exp(10ms)}
rabbitmq:
  queues:
    - {group: servers, type: classic, prefetch: 1}
`
	var sum float64
	var n int64
	for seed := 1; seed <= 3; seed++ {
		r := runYAML(t, y, "seed="+itoa(seed))
		sum += r.E2ELatency.Mean / 1000 * float64(r.E2ELatency.Count)
		n += r.E2ELatency.Count
	}
	wq := erlangC(c, lambda/mu) / (c*mu - lambda)
	got := sum/float64(n) - 1/mu
	if math.Abs(got-wq)/wq > 0.05 {
		t.Errorf("mean wait %.4fs, Erlang C gives %.4fs (more than 5%% apart)", got, wq)
	}
}

// TestQuorumCrashesLoseNothing: random node crashes (one at a time, so a
// majority stays alive) never lose a confirmed message, and the
// publishers' ledger closes: every message produced is acked, failed or
// indeterminate.
func TestQuorumCrashesLoseNothing(t *testing.T) {
	for seed := range 6 {
		node := seed % 3
		at := 3 + seed
		y := base + `rabbitmq:
  queues:
    - {group: workers, type: quorum, prefetch: 20}
faults:
  - {type: broker-crash, broker: ` + string(rune('0'+node)) + `, at: ` + itoa(at) + `s, duration: ` + itoa(2+seed) + `s}
`
		r := runYAML(t, y, "seed="+itoa(seed+1))
		if r.Lost != 0 {
			t.Errorf("seed %d: lost %d confirmed messages", seed+1, r.Lost)
		}
		if r.Acked+r.Failed+r.Indeterminate != r.Produced {
			t.Errorf("seed %d: acked %d + failed %d + indeterminate %d != produced %d", seed+1, r.Acked, r.Failed, r.Indeterminate, r.Produced)
		}
		if r.Unseen != 0 {
			t.Errorf("seed %d: unseen %d after the drain", seed+1, r.Unseen)
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestBadInput: each mistake is named with its file, line and field.
func TestBadInput(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{base + "rabbitmq:\n  queues:\n    - {group: workers, prefetch: 70000}\n", "t.yaml:20: rabbitmq.queues[0].prefetch"},
		{base + "rabbitmq:\n  exchanges:\n    - {name: jobs, type: topic}\n  queues:\n    - group: workers\n      bindings: [{exchange: jobs, key: \"a..b\"}]\n", "rabbitmq.queues[0].bindings[0].key"},
		{strings.Replace(base, "system: rabbitmq", "system: sqs", 1) + "rabbitmq:\n  memory: 1GiB\n", "t.yaml:18: rabbitmq"},
		{strings.Replace(base, "system: rabbitmq", "system: rabbit", 1), "t.yaml:3: system"},
	} {
		_, err := scenarios.ParseScenario("t.yaml", []byte(c.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
}

// TestGroupCommit: ten quorum queues share each node's WAL; at 5,000
// messages/s (15,000 member writes/s over 3 nodes) one fsync covers many
// writes: fewer syncs than writes on every node, and every write is
// covered.
func TestGroupCommit(t *testing.T) {
	y := `
name: wal
system: rabbitmq
seed: 1
duration: 5s
drain: 5s
topics:
  - {name: jobs, partitions: 1}
producers:
  - {name: api, topic: jobs, rate: 5K/s, keys: uniform(10), instances: 3}
consumer_groups:
`
	q := "rabbitmq:\n  exchanges: [{name: jobs, type: direct}]\n  publishers: [{producer: api, routing_keys: [k0, k1, k2, k3, k4, k5, k6, k7, k8, k9]}]\n  queues:\n"
	for i := range 10 {
		y += "  - {name: g" + itoa(i) + ", topic: jobs, processing: const(0s)}\n"
		q += "    - {group: g" + itoa(i) + ", type: quorum, bindings: [{exchange: jobs, key: k" + itoa(i) + "}]}\n"
	}
	ls, err := scenarios.ParseScenario("t.yaml", []byte(y+q), nil)
	if err != nil {
		t.Fatal(err)
	}
	w, r, err := run(&ls.Scenario, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost != 0 || r.Acked == 0 {
		t.Fatalf("lost %d acked %d", r.Lost, r.Acked)
	}
	for _, n := range w.nodes {
		if syncs := n.Cache.OwnerFsyncs(n.wal.file); syncs == 0 || syncs >= n.walWrites {
			t.Errorf("node %d: %d fsyncs for %d writes: want group commit (fewer fsyncs)", n.id, syncs, n.walWrites)
		}
	}
}

// TestMandatoryReturns: a direct exchange with no binding for the key:
// with mandatory every message is returned (failed, never acked); without
// it every message is confirmed and dropped (unroutable), and no group
// counts it lost.
func TestMandatoryReturns(t *testing.T) {
	y := base + `rabbitmq:
  exchanges: [{name: jobs, type: direct}]
  publishers: [{producer: api, routing_keys: [nobody], mandatory: true}]
  queues: [{group: workers, bindings: [{exchange: jobs, key: work}]}]
`
	r := runYAML(t, y)
	if r.Returned != r.Produced || r.Failed != r.Produced || r.Acked != 0 {
		t.Errorf("returned %d failed %d acked %d of %d", r.Returned, r.Failed, r.Acked, r.Produced)
	}
	r = runYAML(t, strings.Replace(y, ", mandatory: true", "", 1))
	if r.Unroutable != r.Produced || r.Acked != r.Produced || r.Lost != 0 {
		t.Errorf("unroutable %d acked %d lost %d of %d", r.Unroutable, r.Acked, r.Lost, r.Produced)
	}
}

// TestAutoAckCrashLoses: a consumer crash with auto-ack loses what it held
// (at most once); with manual ack its unacknowledged deliveries are
// requeued and nothing is lost.
func TestAutoAckCrashLoses(t *testing.T) {
	y := strings.Replace(base, "const(1ms)", "const(20ms)", 1) + `rabbitmq:
  queues: [{group: workers, ack: auto}]
faults:
  - {type: consumer-crash, group: workers, consumer: 0, at: 5s}
`
	r := runYAML(t, y)
	if r.Lost == 0 {
		t.Error("auto-ack: a crashed consumer's buffered messages were not lost")
	}
	r = runYAML(t, strings.Replace(y, "ack: auto", "ack: manual, prefetch: 50", 1))
	if r.Lost != 0 || r.Requeued == 0 {
		t.Errorf("manual ack: lost %d, requeued %d; want 0 lost and the unacked requeued", r.Lost, r.Requeued)
	}
}

// TestMemoryAlarm: one consumer at 100/s, 1,000 messages/s of 10 KB: the
// classic queue grows 900 × 10,000 B = 9 MB/s; with 100 MiB of RAM the
// alarm fires at 0.6 × 104,857,600 B ≈ 62.9 MB, after about 62.9 / 9 ≈
// 7.0 s, and every publisher (also one whose queue is healthy) blocks.
func TestMemoryAlarm(t *testing.T) {
	y := `
name: alarm
system: rabbitmq
seed: 1
duration: 20s
drain: 1s
cluster: {brokers: 1}
topics:
  - {name: big, partitions: 1}
  - {name: small, partitions: 1}
producers:
  - {name: batch, topic: big, rate: 1K/s, arrival: constant, message_size: const(10KB)}
  - {name: web, topic: small, rate: 10/s, arrival: constant}
consumer_groups:
  - {name: slow, topic: big, processing: const(10ms)}
  - {name: fast, topic: small, processing: const(1ms)}
rabbitmq:
  memory: 100MiB
  queues:
    - {group: slow, prefetch: 1}
`
	r := runYAML(t, y)
	alarm := r.Series.Column("memory_alarm")
	first := -1
	for i, v := range alarm {
		if v > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("no memory alarm")
	}
	at := r.Series.Time[first]
	if at < 6.5 || at > 8.5 {
		t.Errorf("alarm first sampled at %.1fs, want about 7s (62.9 MB at 9 MB/s)", at)
	}
	if r.PublisherBlockedSeconds < 2*(20-8.5) {
		t.Errorf("publishers blocked %.1fs in total: want both blocked from the alarm on", r.PublisherBlockedSeconds)
	}
}

// TestQuorumSoftLimit: on a disk that takes ~40 ms per WAL fsync (a 4 KB
// page at 100 KB/s), 1,000 messages/s leave about 40 commands unapplied,
// past the soft limit of 32: the quorum queue withholds credit until it
// applies them, so the publisher spends time in flow. A classic queue on
// the same disk grants credit as it takes each message: no flow.
func TestQuorumSoftLimit(t *testing.T) {
	y := strings.Replace(base, "brokers: 3", "brokers: 3\n  hardware: {disk_write: 100KB/s}", 1)
	y = strings.Replace(y, "rate: 200/s", "rate: 1K/s, message_size: const(10B)", 1) + `rabbitmq:
  queues: [{group: workers, type: quorum}]
`
	r := runYAML(t, y)
	if r.FlowSeconds <= 0 {
		t.Errorf("quorum on a slow disk: flow %.2fs, want some", r.FlowSeconds)
	}
	r = runYAML(t, strings.Replace(y, "type: quorum", "type: classic", 1))
	if r.FlowSeconds != 0 {
		t.Errorf("classic: flow %.2fs, want none (credit granted on arrival)", r.FlowSeconds)
	}
}

// TestPriorities: one consumer serves 100/s (10 ms, prefetch 1, a 1 ns
// network); two publishers send 60/s each at constant spacing for 20 s.
// With strict priority the high one is always served first: all its
// 1,200 are processed, the low one gets the other 40/s — 800 by 20 s —
// and after a 1 s drain 1,200 − 800 − 100 = 300 low messages remain, no
// high one. On a classic queue with x-max-priority 9 the publishers set 9
// and 0; on a quorum queue, which always has 32 levels, one sets none
// (counted as 4) and the other 3, which waits.
func TestPriorities(t *testing.T) {
	y := `
name: prio
system: rabbitmq
seed: 1
duration: 20s
drain: 1s
cluster:
  brokers: 3
  hardware: {network_latency: 1ns, network_jitter: 1ns, cpu_per_request: 1ns, cpu_per_mb: 1ns}
topics: [{name: jobs, partitions: 1}]
producers:
  - {name: high, topic: jobs, rate: 60/s, arrival: constant, message_size: const(1B)}
  - {name: low, topic: jobs, rate: 60/s, arrival: constant, message_size: const(1B)}
consumer_groups: [{name: w, topic: jobs, processing: const(10ms)}]
rabbitmq:
  publishers: [{producer: high, priorities: [9]}, {producer: low, priorities: [0]}]
  queues: [{group: w, type: classic, max_priority: 9, prefetch: 1}]
`
	check := func(name, y string, hi, lo int) {
		ls, err := scenarios.ParseScenario("t.yaml", []byte(y), nil)
		if err != nil {
			t.Fatal(err)
		}
		w, r, err := run(&ls.Scenario, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		q := w.groups[0].q
		if n := q.lv[hi].len(); n > 2 {
			t.Errorf("%s: %d high-priority messages left, want none", name, n)
		}
		if n := q.lv[lo].len(); n < 270 || n > 330 {
			t.Errorf("%s: %d low-priority messages left, want about 300", name, n)
		}
		if r.Lost != 0 {
			t.Errorf("%s: lost %d", name, r.Lost)
		}
	}
	check("classic", y, 9, 0)
	qy := strings.Replace(y, "type: classic, max_priority: 9", "type: quorum", 1)
	qy = strings.Replace(qy, "[{producer: high, priorities: [9]}, {producer: low, priorities: [0]}]", "[{producer: low, priorities: [3]}]", 1)
	check("quorum", qy, 4, 3)
}

// TestDeterministic: the same scenario and seed give identical results,
// faults and elections included.
func TestDeterministic(t *testing.T) {
	y := base + `rabbitmq:
  queues: [{group: workers, type: quorum, prefetch: 5}]
faults:
  - {type: broker-crash, broker: 0, at: 3s, duration: 5s}
`
	a, b := runYAML(t, y), runYAML(t, y)
	if fmt.Sprintf("%+v", *a) != fmt.Sprintf("%+v", *b) {
		t.Error("two runs of one scenario and seed differ")
	}
}

// TestAckMultiple: one consumer with prefetch 100 kept busy (a backlog
// at 400/s of 1 ms jobs would idle it; 10 ms jobs at 90/s do not) acks
// with multiple=true every 10 deliveries: about a tenth of the ack frames
// of single acks (it flushes early only when its buffer runs dry), and
// every message processed once.
func TestAckMultiple(t *testing.T) {
	y := strings.Replace(base, "consumers: 2\n    processing: const(1ms)", "consumers: 1\n    processing: const(10ms)", 1)
	y = strings.Replace(y, "rate: 200/s", "rate: 90/s", 1) + `rabbitmq:
  queues: [{group: workers, prefetch: 100}]
`
	single := runYAML(t, y)
	multi := runYAML(t, strings.Replace(y, "prefetch: 100}", "prefetch: 100, ack_multiple: 10}", 1))
	if single.AckFrames != single.Groups[0].Processed {
		t.Errorf("single acks: %d frames for %d processed", single.AckFrames, single.Groups[0].Processed)
	}
	if multi.AckFrames*5 > single.AckFrames || multi.Lost != 0 || multi.Duplicates != 0 || multi.Groups[0].FinalLag != 0 {
		t.Errorf("multiple: %d frames (single %d), lost %d, duplicates %d, final lag %d",
			multi.AckFrames, single.AckFrames, multi.Lost, multi.Duplicates, multi.Groups[0].FinalLag)
	}
}
