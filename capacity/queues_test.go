package capacity

import (
	"math"
	"testing"

	"mqsim/scenarios/units"
)

func queueWorkload(q *QueueWorkload) Workload {
	return Workload{Name: "q", MessagesPerSec: 10_000, PeakFactor: 2, MessageSize: 1000, Retention: units.Day, Queue: q}
}

func planFor(t *testing.T, w Workload, system string) *Plan {
	t.Helper()
	p, err := Compute(w)
	if err != nil {
		t.Fatal(err)
	}
	qp, err := QueuePlan(p, system)
	if err != nil {
		t.Fatal(err)
	}
	return qp
}

func rowValue(t *testing.T, p *Plan, key string) float64 {
	t.Helper()
	r, ok := p.Row(key)
	if !ok {
		t.Fatalf("no row %s", key)
	}
	return r.Value
}

// TestRabbitMQPlan, by hand: 10,000/s × 2 = 20,000/s of 1,000 B.
//   - one queue: 1 / (20 µs + 0.001 MB × 300 µs) = 1 / 20.3 µs = 49,261/s,
//     so 1 queue;
//   - an hour's backlog: 20,000 × 3,600 = 72M messages;
//   - metadata: 72M × 32 B × 3 members = 6.912 GB; a node's room is
//     16 GiB × 0.6 − 4 × 512 MiB = 10.308 GB − 2.147 GB = 8.160 GB, so
//     0.847 nodes for memory;
//   - disk: 72M × 1,000 B × 3 = 216 GB on 10 TB disks: 0.0216 nodes;
//   - fsynced writes: 20 MB/s × 3 = 60 MB/s on 600 MB/s: 0.1 nodes;
//   - network: 20 MB/s × 4 / (1.25 GB/s × 0.7) = 0.0914 nodes;
//   - so 3 nodes, the quorum size binding.
func TestRabbitMQPlan(t *testing.T) {
	p := planFor(t, queueWorkload(nil), SystemRabbitMQ)
	for _, c := range []struct {
		key  string
		want float64
	}{
		{"rabbitmq_queue_throughput", 1 / 20.3e-6},
		{"rabbitmq_queues", 1},
		{"rabbitmq_backlog_messages", 72e6},
		{"rabbitmq_backlog_memory", 6.912e9},
		{"rabbitmq_memory_nodes", 6.912e9 / (16*(1<<30)*0.6 - 4*512*(1<<20))},
		{"rabbitmq_backlog_disk", 216e9},
		{"rabbitmq_disk_nodes", 0.0216},
		{"rabbitmq_disk_throughput_nodes", 0.1},
		{"rabbitmq_network_nodes", 20e6 * 4 / (1.25e9 * 0.7)},
		{"rabbitmq_nodes", 3},
	} {
		if got := rowValue(t, p, c.key); math.Abs(got-c.want) > 1e-6*math.Max(1, c.want) {
			t.Errorf("%s = %g, want %g", c.key, got, c.want)
		}
	}
	if p.BindingConstraint != "quorum size" || p.Brokers != 3 {
		t.Errorf("%d nodes, %s binds; want 3, quorum size", p.Brokers, p.BindingConstraint)
	}
	// A day's backlog: 1.728B messages × 96 B = 165.9 GB of metadata over
	// 8.160 GB a node: 20.33 → 21 nodes, memory binding.
	p = planFor(t, queueWorkload(&QueueWorkload{Backlog: units.Day}), SystemRabbitMQ)
	if p.Brokers != 21 || p.BindingConstraint != "memory" {
		t.Errorf("a day's backlog: %d nodes, %s binds; want 21, memory", p.Brokers, p.BindingConstraint)
	}
}

// TestSQSPlan, by hand: 20,000/s at the peak (10,000/s average), 1,000 B,
// 10 ms jobs (p99 46.05 ms), batches of 10, 20 ms calls.
//   - send, receive and delete calls: 2,000/s each; a batch of 10 × 1,000 B
//     is one 64 KB chunk, so 6,000 billed requests/s at the peak;
//   - a month at the average: 6,000 × 0.5 × 86,400 × 30 = 7.776B requests;
//   - threads: 20,000 × (10 ms + 2 × 20 ms / 10) = 280;
//   - in flight: 20,000 × (10 × 10 ms + 20 ms) = 2,400;
//   - visibility: 1.5 × (46.05 ms + 9 × 10 ms) = 204 ms, so 1 s (whole seconds);
//   - FIFO: 300 calls/s × 10 = 3,000 msg/s, past which the peak is;
//     groups: 20,000 × 10 ms = 200.
func TestSQSPlan(t *testing.T) {
	p := planFor(t, queueWorkload(&QueueWorkload{ServiceTime: 10 * units.Millisecond, FIFO: true}), SystemSQS)
	for _, c := range []struct {
		key  string
		want float64
	}{
		{"sqs_send_calls", 2000},
		{"sqs_receive_calls", 2000},
		{"sqs_delete_calls", 2000},
		{"sqs_billed_requests", 6000},
		{"sqs_monthly_requests", 7.776e9},
		{"sqs_consumers", 280},
		{"sqs_in_flight", 2400},
		{"sqs_visibility_timeout", 1},
		{"sqs_fifo_rate_limit", 3000},
		{"sqs_fifo_groups", 200},
	} {
		if got := rowValue(t, p, c.key); math.Abs(got-c.want) > 1e-6*math.Max(1, c.want) {
			t.Errorf("%s = %g, want %g", c.key, got, c.want)
		}
	}
	if len(p.Verdict) != 2 {
		t.Errorf("verdict %q: want the plan and the FIFO limit it passes", p.Verdict)
	}
	// 100 s jobs (p99 460.5 s): 1.5 × (460.5 + 900) = 2,040.8 → 2,041 s.
	p = planFor(t, queueWorkload(&QueueWorkload{ServiceTime: 100 * units.Second}), SystemSQS)
	if got := rowValue(t, p, "sqs_visibility_timeout"); got != 2041 {
		t.Errorf("visibility for 100 s jobs = %g s, want 2,041", got)
	}
}

// TestQueuePlanBadInput: out-of-range queue settings are errors naming the
// field.
func TestQueuePlanBadInput(t *testing.T) {
	for _, c := range []struct {
		q      QueueWorkload
		system string
		field  string
	}{
		{QueueWorkload{SendBatch: 11}, SystemSQS, "queue.send_batch"},
		{QueueWorkload{QuorumSize: 9}, SystemRabbitMQ, "queue.quorum_size"},
		{QueueWorkload{ServiceTime: 10 * units.Minute, ServiceP99: 9 * units.Hour}, SystemSQS, "queue.service_p99"},
		{QueueWorkload{HighThroughput: true}, SystemSQS, "queue.high_throughput"},
	} {
		p, err := Compute(queueWorkload(&c.q))
		if err != nil {
			t.Fatal(err)
		}
		_, err = QueuePlan(p, c.system)
		var fe *FieldError
		if err == nil || !asFieldError(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v on %s: error %v, want one naming %s", c.q, c.system, err, c.field)
		}
	}
}

func asFieldError(err error, fe **FieldError) bool {
	e, ok := err.(*FieldError)
	*fe = e
	return ok
}
