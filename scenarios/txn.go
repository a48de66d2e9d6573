package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"mqsim/scenarios/units"
)

// Transactions and pipelines (Kafka's exactly-once: KIP-98, KIP-447).
//
// A consumer group with a pipeline: section is a consume-transform-produce
// stage: every record it processes is written to the output topic, at the
// same partition (the output is co-partitioned with the input, as a
// key-preserving Kafka Streams step is), carrying the input message's id so
// the checker follows it end to end to the groups reading the output. With
// a transactional_id the stage's producer is transactional: its outputs
// and its input offsets commit atomically, every commit_interval.
//
// The scenario's guarantee: field sets, for every pipeline and the groups
// reading its output, the producer, consumer and commit settings one of
// the seed's delivery guarantees needs (see ApplyGuarantee).

// Kafka's transaction defaults.
const (
	// DefaultCommitInterval is Kafka Streams' commit.interval.ms under
	// exactly-once (30s at-least-once; a stage commits after every poll
	// then, so the field applies only to transactional stages).
	DefaultCommitInterval = 100 * units.Millisecond
	// DefaultTransactionTimeout is the producer's transaction.timeout.ms.
	DefaultTransactionTimeout = 60 * units.Second
	// MaxTransactionTimeout is the broker's transaction.max.timeout.ms: a
	// producer asking for more is refused (INVALID_TRANSACTION_TIMEOUT).
	MaxTransactionTimeout = 15 * units.Minute
	// TransactionStatePartitions is transaction.state.log.num.partitions,
	// and TransactionStateReplicationFactor its replication factor (at most
	// the broker count).
	TransactionStatePartitions        = 50
	TransactionStateReplicationFactor = 3
)

// The delivery guarantees guarantee: accepts, in the seed's order.
const (
	GuaranteeAtMostOnce            = "at-most-once"
	GuaranteeAtLeastOnce           = "at-least-once"
	GuaranteeAtLeastOnceIdempotent = "at-least-once-idempotent"
	GuaranteeExactlyOnce           = "exactly-once"
)

// Guarantees lists the guarantee: values, from fastest to slowest.
var Guarantees = []string{GuaranteeAtMostOnce, GuaranteeAtLeastOnce, GuaranteeAtLeastOnceIdempotent, GuaranteeExactlyOnce}

// Pipeline makes a consumer group a consume-transform-produce stage.
type Pipeline struct {
	// Output is the topic the stage writes one record to per record it
	// processes; it has as many partitions as the input topic.
	Output string `yaml:"output" json:"output"`
	// Acks is the stage producer's acks: all (default), 1 or 0.
	Acks string `yaml:"acks" json:"acks"`
	// TransactionalID makes the stage's producers transactional: member
	// slot i uses transactional.id "<id>-<i>", so a restarted member
	// fences its predecessor.
	TransactionalID string `yaml:"transactional_id" json:"transactional_id,omitempty"`
	// CommitInterval is how long a transaction stays open (Kafka Streams'
	// commit.interval.ms, 100ms under exactly-once).
	CommitInterval units.Duration `yaml:"commit_interval" json:"commit_interval"`
	// TransactionTimeout is transaction.timeout.ms (60s): the coordinator
	// aborts a transaction open longer.
	TransactionTimeout units.Duration `yaml:"transaction_timeout" json:"transaction_timeout"`
}

// Transactional reports whether the stage writes in transactions.
func (p *Pipeline) Transactional() bool { return p != nil && p.TransactionalID != "" }

// guaranteeWants is what a delivery guarantee needs of the producers, the
// pipeline stages and the groups reading a stage's output.
type guaranteeWants struct {
	acks        string // producers' and stages' acks
	idempotence bool   // producers' enable_idempotence
	commit      string // readers' commit mode, and stages' unless stageCommit
	stageCommit string // stages' commit mode, if not commit
	txn         bool   // stages transactional
	isolation   string // readers' isolation_level
	dedupe      bool   // readers' idempotent processing
}

// wants returns what guarantee g needs (ok false for an unknown one):
//
//	at-most-once             acks=0; commit before processing
//	at-least-once            acks=all, not idempotent; readers commit after processing, stages
//	                         auto-commit (every auto_commit_interval, what earlier polls wrote)
//	at-least-once-idempotent as at-least-once, idempotent producers; readers dedupe (idempotent processing)
//	exactly-once             acks=all, idempotent producers; stages transactional; readers read_committed
func wants(g string) (guaranteeWants, bool) {
	switch g {
	case GuaranteeAtMostOnce:
		return guaranteeWants{acks: "0", commit: "before", isolation: "read_uncommitted"}, true
	case GuaranteeAtLeastOnce:
		return guaranteeWants{acks: "all", commit: "after", stageCommit: "auto", isolation: "read_uncommitted"}, true
	case GuaranteeAtLeastOnceIdempotent:
		return guaranteeWants{acks: "all", idempotence: true, commit: "after", stageCommit: "auto", isolation: "read_uncommitted", dedupe: true}, true
	case GuaranteeExactlyOnce:
		return guaranteeWants{acks: "all", idempotence: true, commit: "after", txn: true, isolation: "read_committed"}, true
	}
	return guaranteeWants{}, false
}

func (w guaranteeWants) stage() string {
	if w.stageCommit != "" {
		return w.stageCommit
	}
	return w.commit
}

// readsOutput reports whether group i reads a pipeline stage's output.
func (s *Scenario) readsOutput(i int) bool {
	for j := range s.ConsumerGroups {
		if pl := s.ConsumerGroups[j].Pipeline; pl != nil && pl.Output == s.ConsumerGroups[i].Topic {
			return true
		}
	}
	return false
}

// ApplyGuarantee fills, for the scenario's guarantee, the settings the
// file leaves unset on the producers, the pipeline stages and the groups
// reading a stage's output (see wants). A setting the file gives that
// the guarantee needs otherwise is kept, and Validate refuses it.
func (s *Scenario) ApplyGuarantee() {
	w, ok := wants(s.Guarantee)
	if !ok {
		return
	}
	for i := range s.Producers {
		p := &s.Producers[i]
		setStr(&p.Acks, w.acks)
		if p.EnableIdempotence == nil {
			on := w.idempotence
			p.EnableIdempotence = &on
		}
	}
	for i := range s.ConsumerGroups {
		cg := &s.ConsumerGroups[i]
		if pl := cg.Pipeline; pl != nil {
			setStr(&cg.Commit, w.stage())
			setStr(&pl.Acks, w.acks)
			if w.txn {
				setStr(&pl.TransactionalID, cg.Name)
			}
		}
		if s.readsOutput(i) {
			setStr(&cg.Commit, w.commit)
			setStr(&cg.IsolationLevel, w.isolation)
			cg.Idempotent = cg.Idempotent || w.dedupe
		}
	}
}

// validateGuarantee refuses a setting the file gives that the guarantee
// needs otherwise.
func (s *Scenario) validateGuarantee(v *validator) {
	w, ok := wants(s.Guarantee)
	if !ok {
		return
	}
	conflict := func(field, got, want string) {
		if got != want {
			v.add(field, "%s, but guarantee: %s needs %s: remove the field (the guarantee sets it) or the guarantee", got, s.Guarantee, want)
		}
	}
	for i := range s.Producers {
		p := &s.Producers[i]
		f := fmt.Sprintf("producers[%d].", i)
		conflict(f+"acks", p.Acks, w.acks)
		if p.EnableIdempotence != nil {
			conflict(f+"enable_idempotence", fmt.Sprint(*p.EnableIdempotence), fmt.Sprint(w.idempotence))
		}
	}
	for i := range s.ConsumerGroups {
		cg := &s.ConsumerGroups[i]
		f := fmt.Sprintf("consumer_groups[%d].", i)
		if pl := cg.Pipeline; pl != nil {
			conflict(f+"commit", cg.Commit, w.stage())
			conflict(f+"pipeline.acks", pl.Acks, w.acks)
			if pl.Transactional() != w.txn {
				conflict(f+"pipeline.transactional_id", fmt.Sprintf("%q", pl.TransactionalID), map[bool]string{true: "one", false: "none"}[w.txn])
			}
		}
		if s.readsOutput(i) {
			conflict(f+"commit", cg.Commit, w.commit)
			conflict(f+"isolation_level", cg.IsolationLevel, w.isolation)
		}
	}
}

// defaultsTxn applies the guarantee and the pipelines' defaults; it runs
// before the groups' own defaults, so a transactional stage's commit mode
// defaults to after (its offsets commit in its transactions).
func (s *Scenario) defaultsTxn() {
	s.ApplyGuarantee()
	s.defaultsProducerTxn() // txn_producer.go
	for i := range s.ConsumerGroups {
		pl := s.ConsumerGroups[i].Pipeline
		if pl == nil {
			continue
		}
		setStr(&pl.Acks, "all")
		if pl.Acks == "-1" {
			pl.Acks = "all"
		}
		setDur(&pl.CommitInterval, DefaultCommitInterval)
		setDur(&pl.TransactionTimeout, DefaultTransactionTimeout)
		if pl.Transactional() {
			setStr(&s.ConsumerGroups[i].Commit, "after")
		}
	}
}

// validateTxn checks guarantee: and every pipeline: section.
func (s *Scenario) validateTxn(v *validator, topics map[string]int) {
	s.validateProducerTxn(v) // txn_producer.go
	if s.Guarantee != "" {
		if !slices.Contains(Guarantees, s.Guarantee) {
			v.add("guarantee", "unknown guarantee %q: want one of %s%s", s.Guarantee, strings.Join(Guarantees, ", "), DidYouMean(s.Guarantee, Guarantees))
		} else if !s.hasPipeline() {
			v.add("guarantee", "%s needs a pipeline: a consumer group with a pipeline: section (consume, transform, produce), whose settings it decides", s.Guarantee)
		}
		s.validateGuarantee(v)
	}
	partsOf := map[string]int{}
	for _, t := range s.Topics {
		partsOf[t.Name] = t.Partitions
	}
	for i := range s.ConsumerGroups {
		g := &s.ConsumerGroups[i]
		pl := g.Pipeline
		if pl == nil {
			continue
		}
		f := fmt.Sprintf("consumer_groups[%d].pipeline.", i)
		if s.SystemName() != SystemKafka {
			v.add(f[:len(f)-1], "pipelines and transactions are Kafka's: set system: kafka, or remove it")
			continue
		}
		s.topicRef(v, f+"output", pl.Output, topics)
		if pl.Output != "" && pl.Output == g.Topic {
			v.add(f+"output", "%q is the topic the group reads: a stage writes to another topic", pl.Output)
		} else if n, ok := partsOf[pl.Output]; ok && n != partsOf[g.Topic] {
			v.add(f+"output", "topic %s has %d partitions, the input %s has %d: a stage writes each record to its input's partition number (co-partitioned, as a key-preserving Kafka Streams step), so give them the same count",
				pl.Output, n, g.Topic, partsOf[g.Topic])
		}
		v.oneOf(f+"acks", pl.Acks, "all", "1", "0")
		if pl.CommitInterval <= 0 {
			v.add(f+"commit_interval", "must be positive: a transaction commits every commit_interval (Kafka Streams' commit.interval.ms, 100ms under exactly-once)")
		}
		if pl.TransactionTimeout <= 0 {
			v.add(f+"transaction_timeout", "must be positive (Kafka's transaction.timeout.ms is 60s)")
		} else if pl.TransactionTimeout > MaxTransactionTimeout {
			v.add(f+"transaction_timeout", "%v is above the broker's transaction.max.timeout.ms (%v): InitProducerId refuses it (INVALID_TRANSACTION_TIMEOUT)", pl.TransactionTimeout, MaxTransactionTimeout)
		}
		if !pl.Transactional() {
			continue
		}
		if pl.Acks != "all" {
			v.add(f+"acks", "acks=%s with a transactional_id: a transactional producer is idempotent, which needs acks=all", pl.Acks)
		}
		if g.Commit != "after" {
			v.add(fmt.Sprintf("consumer_groups[%d].commit", i), "%s with a transactional pipeline: its offsets commit inside its transactions (TxnOffsetCommit); set commit: after", g.Commit)
		}
		if g.Pipeline.CommitInterval >= pl.TransactionTimeout && pl.TransactionTimeout > 0 {
			v.add(f+"commit_interval", "%v is not shorter than transaction_timeout %v: every transaction would be aborted by the coordinator", pl.CommitInterval, pl.TransactionTimeout)
		}
	}
}

func (s *Scenario) hasPipeline() bool {
	for i := range s.ConsumerGroups {
		if s.ConsumerGroups[i].Pipeline != nil {
			return true
		}
	}
	return false
}

// txnWarnings notes what Kafka accepts but does nothing: read_committed on
// a topic no transactional producer writes reads exactly what
// read_uncommitted would.
func (s *Scenario) txnWarnings() error {
	var v validator
	written := map[string]bool{}
	for i := range s.ConsumerGroups {
		if pl := s.ConsumerGroups[i].Pipeline; pl.Transactional() {
			written[pl.Output] = true
		}
	}
	for i := range s.Producers {
		if p := &s.Producers[i]; p.TransactionalID != "" {
			written[p.Topic] = true
		}
	}
	for i := range s.ConsumerGroups {
		g := &s.ConsumerGroups[i]
		if g.IsolationLevel == "read_committed" && !written[g.Topic] {
			v.add(fmt.Sprintf("consumer_groups[%d].isolation_level", i),
				"read_committed on topic %s, which no transactional producer writes: it reads what read_uncommitted would (allowed, as Kafka allows it)", g.Topic)
		}
	}
	return errors.Join(v.errs...)
}

func init() {
	Metrics = append(Metrics,
		MetricInfo{"transactions_committed", KindCount, "transactions completed as committed by their coordinators"},
		MetricInfo{"transactions_aborted", KindCount, "transactions completed as aborted (by the producer, a fencing InitProducerId, or the timeout)"},
		MetricInfo{"transactions_timed_out", KindCount, "transactions the coordinator aborted after transaction_timeout"},
		MetricInfo{"open_transactions", KindCount, "transactions not complete when the run ended (0: none hung)"},
		MetricInfo{"aborted_records_read", KindCount, "records of aborted transactions read_uncommitted consumers took (read_committed: always 0)"},
		MetricInfo{"lso_stall_seconds", KindDuration, "the longest time one transaction held a partition's last stable offset"},
		MetricInfo{"fenced_producers", KindCount, "producer epochs fenced (InitProducerId or timeout bumps) and zombie offset commits refused"},
		MetricInfo{"txn_markers", KindCount, "COMMIT/ABORT control batches written to partitions"},
		MetricInfo{"txn_log_writes", KindCount, "records appended to __transaction_state"},
		MetricInfo{"txn_requests", KindCount, "InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn requests the coordinators handled"},
		MetricInfo{"txn_client_requests", KindCount, "FindCoordinator, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn requests clients sent (transaction.version 2: no AddPartitionsToTxn for produced partitions)"},
		MetricInfo{"stage_outputs", KindCount, "records pipeline stages wrote to their output topics"},
		MetricInfo{"stage_produce_requests", KindCount, "produce requests pipeline stages sent"},
	)
}
