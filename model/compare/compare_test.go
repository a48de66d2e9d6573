package compare

import (
	"strings"
	"testing"

	"mqsim/capacity"
	_ "mqsim/model/kafka"
	_ "mqsim/model/pubsub"
	_ "mqsim/model/pulsar"
	_ "mqsim/model/rabbitmq"
	_ "mqsim/model/sns"
	_ "mqsim/model/sqs"
	"mqsim/model/verify"
	"mqsim/scenarios"
)

// A small workload on four columns, short trials: the measured cells say
// what each system's design predicts.
func TestCompareSmall(t *testing.T) {
	lw, err := scenarios.LoadWorkload("payments", []string{"messages_per_day=50M", "peak_factor=1x"})
	if err != nil {
		t.Fatal(err)
	}
	// 50M/day ≈ 579/s; capped at 250/s: under a FIFO queue's 300 calls/s
	// per action (one delete per message).
	c, err := Compare(lw.Workload, Options{Duration: 6e9, MaxRate: 250, Parallel: 2,
		Systems: []string{"kafka", "rabbitmq-quorum", "sqs-fifo", "pulsar", "sns-sqs", "pubsub", "pulsar-nowhere"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Columns) != 6 || c.Rate != 250 {
		t.Fatalf("%d columns at %v/s, want 6 at 250/s", len(c.Columns), c.Rate)
	}
	byID := map[string]*Column{}
	for _, col := range c.Columns {
		byID[col.ID] = col
		if col.Skipped != "" {
			t.Errorf("%s skipped: %s", col.ID, col.Skipped)
		}
	}
	// Every trial that applies ran (a refused scenario would show here).
	for _, col := range c.Columns {
		for trial, r := range col.Runs {
			if r.NA == "" && r.Results == nil {
				t.Errorf("%s %s: did not run: %s", col.ID, trial, r.Err)
			}
		}
	}
	// The RabbitMQ column runs on the nodes its own capacity plan gives
	// (at least the quorum's 3), not the Kafka plan's brokers.
	rp, err := capacity.QueuePlan(c.Plan, capacity.SystemRabbitMQ)
	if err != nil {
		t.Fatal(err)
	}
	if want := max(3, rp.Brokers); byID["rabbitmq-quorum"].Nodes != want || !strings.Contains(byID["rabbitmq-quorum"].NodesOf, "RabbitMQ capacity plan") {
		t.Errorf("rabbitmq-quorum nodes %d (%s), want the RabbitMQ plan's %d", byID["rabbitmq-quorum"].Nodes, byID["rabbitmq-quorum"].NodesOf, want)
	}
	// Kafka and Pulsar keep their logs: the replay group reads back what
	// was produced.
	for _, id := range []string{"kafka", "pulsar"} {
		if cell := c.Cell(byID[id], "Replay"); !strings.HasPrefix(cell.Text, "yes") {
			t.Errorf("%s replay = %q, want yes", id, cell.Text)
		}
	}
	// Queues and fan-out services keep nothing once consumed.
	for _, id := range []string{"sqs-fifo", "sns-sqs", "pubsub"} {
		if cell := c.Cell(byID[id], "Replay"); !strings.HasPrefix(cell.Text, "no") {
			t.Errorf("%s replay = %q, want no", id, cell.Text)
		}
		if r := byID[id].Runs[TrialNode]; r.NA == "" {
			t.Errorf("%s: node failure applies to a managed service", id)
		}
	}
	// 250/s is within a FIFO queue's 300 calls/s per action: kept up,
	// in order (FIFO groups), nothing lost. Its maximum rate is bound by
	// the 300 DeleteMessage calls/s (one per message): between the 250/s
	// it kept up with and 300/s — "Unlimited (managed)" contradicted.
	fifo := byID["sqs-fifo"]
	if cell := c.Cell(fifo, "Throughput"); !strings.HasSuffix(cell.Text, "kept up") || !cell.Contradicts {
		t.Errorf("SQS FIFO throughput at 250/s = %+v, want kept up, and the seed's unlimited contradicted", cell)
	}
	if h := fifo.Max; h == nil || h.HoldsTo < 250 || h.HoldsTo > 300 || h.FailsAt == 0 {
		t.Errorf("SQS FIFO maximum rate %+v (%s), want 250 to 300/s (300 delete calls/s)", h, fifo.MaxErr)
	}
	if cell := c.Cell(fifo, "Operations"); !strings.HasPrefix(cell.Text, "managed (no nodes to size)") || !strings.Contains(cell.Text, "300 calls/s limit binds") {
		t.Errorf("SQS FIFO operations = %q, want managed, the 300 calls/s limit binding", cell.Text)
	}
	// Kafka and Pulsar go far past the workload's rate on the plan's
	// cluster: their maximum is well above 250/s.
	for _, id := range []string{"kafka", "pulsar"} {
		if h := byID[id].Max; h == nil || h.HoldsTo < 10*250 {
			t.Errorf("%s maximum rate %+v (%s), want ≥ 2.5K/s", id, h, byID[id].MaxErr)
		}
	}
	if r := byID["sqs-fifo"].Runs[TrialSteady].Results; r.Reordered != 0 || r.Lost != 0 {
		t.Errorf("SQS FIFO steady: reordered %d, lost %d; want 0, 0", r.Reordered, r.Lost)
	}
	// Managed services: no nodes.
	if n := byID["pubsub"].Nodes; n != 0 {
		t.Errorf("Pub/Sub nodes = %d, want 0", n)
	}
	// The decision framework: replay keeps only Kafka; fan-out excludes a
	// lone SQS queue with the reason.
	vs, err := c.Decide([]string{"replay"})
	if err != nil {
		t.Fatal(err)
	}
	if !vs[0].OK || vs[0].Label != "Kafka" || !vs[1].OK || vs[1].Label != "Pulsar" || vs[2].OK {
		t.Errorf("need replay: %+v, want Kafka then Pulsar (fewer nodes first), the rest excluded", vs)
	}
	vs, _ = c.Decide([]string{"fan-out", "managed"})
	for _, v := range vs {
		if v.Label == "SQS FIFO" && (v.OK || !strings.Contains(strings.Join(v.Reasons, " "), "SNS in front")) {
			t.Errorf("SQS FIFO with fan-out: %+v, want excluded, pointing at SNS", v)
		}
		if v.Label == "SNS → SQS" && !v.OK {
			t.Errorf("SNS → SQS with fan-out, managed: excluded (%v)", v.Reasons)
		}
	}
	if _, err := c.Decide([]string{"telepathy"}); err == nil {
		t.Error("an unknown need was accepted")
	}
}

// Over a FIFO queue's limit the throughput cell contradicts the seed's
// "Unlimited (managed)" and says why.
func TestFIFOContradictsUnlimited(t *testing.T) {
	w := capacity.Workload{Name: "w", MessagesPerDay: 400e6, PeakFactor: 1, MessageSize: 500, Retention: 86400e9,
		ConsumerThroughput: 5000, ConsumerGroups: 1}
	// 400M/day = 4,630/s > 300 deletes/s.
	c, err := Compare(w, Options{Duration: 5e9, Systems: []string{"sqs-fifo"}, NoSearch: true})
	if err != nil {
		t.Fatal(err)
	}
	cell := c.Cell(c.Columns[0], "Throughput")
	if !cell.Contradicts || !strings.Contains(cell.Why, "300 API calls/s") {
		t.Errorf("cell = %+v, want a contradiction citing the FIFO limit", cell)
	}
}

// The table does not depend on how many trials run at once.
func TestCompareIsDeterministic(t *testing.T) {
	lw, err := scenarios.LoadWorkload("payments", []string{"messages_per_day=10M", "peak_factor=1x"})
	if err != nil {
		t.Fatal(err)
	}
	table := func(parallel int) string {
		c, err := Compare(lw.Workload, Options{Duration: 4e9, MaxRate: 100, Parallel: parallel, Systems: []string{"sqs-standard", "sns-sqs", "pubsub"},
			Search: verify.Budget{Probes: 2, Messages: 5000, MinDuration: 5e8, MaxDuration: 1e9}})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, crit := range Criteria {
			for _, col := range c.Columns {
				b.WriteString(c.Cell(col, crit).Text + "\n")
			}
		}
		return b.String()
	}
	if a, b := table(1), table(3); a != b {
		t.Errorf("parallel 1 and 3 differ:\n%s\n---\n%s", a, b)
	}
}
