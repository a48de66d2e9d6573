package scenarios

import (
	"fmt"

	"mqsim/scenarios/units"
)

// Transactional producers: a plain producer with a transactional_id
// writes in transactions as an application calling Kafka's producer API
// does — initTransactions() once, then beginTransaction(), send() …,
// commitTransaction() every commit_interval (transaction: settings). Its
// records become visible to read_committed consumers, and acknowledged
// to the application, when their transaction commits.

// ProducerTransaction is a transactional producer's transaction settings.
type ProducerTransaction struct {
	// CommitInterval is how long the application keeps a transaction open
	// after its first record before it calls commitTransaction() (100ms,
	// as Kafka Streams' commit.interval.ms under exactly-once; the plain
	// producer API has no such setting, the application decides).
	CommitInterval units.Duration `yaml:"commit_interval" json:"commit_interval"`
	// TransactionTimeout is transaction.timeout.ms (60s): the coordinator
	// aborts a transaction open longer.
	TransactionTimeout units.Duration `yaml:"transaction_timeout" json:"transaction_timeout"`
	// AbortRatio is the share of transactions the application ends with
	// abortTransaction() instead of committing (0: none), every
	// 1/abort_ratio-th one, for lessons on what read_committed hides.
	AbortRatio units.Ratio `yaml:"abort_ratio" json:"abort_ratio,omitempty"`
}

// DefaultTransactionVersion is the cluster's transaction.version feature
// mqsim uses unless told: 1, the classic protocol (KIP-98) every client
// speaks. Kafka 4.0's brokers enable 2 (KIP-890) by default; set
// cluster.transaction_version: 2 for it.
const DefaultTransactionVersion = 1

// TransactionalIDOf returns the transactional.id of instance inst of a
// producer with n instances: the producer's own for one instance, else
// "<id>-<inst>" (each instance needs its own, or they fence each other).
func (p *Producer) TransactionalIDOf(inst, n int) string {
	if n <= 1 {
		return p.TransactionalID
	}
	return fmt.Sprintf("%s-%d", p.TransactionalID, inst)
}

// defaultsProducerTxn fills the transaction settings of transactional
// producers, and turns their idempotence on when the file leaves it unset
// (Kafka does, for a transactional.id) and acks allow it.
func (s *Scenario) defaultsProducerTxn() {
	if s.Cluster.TransactionVersion == 0 && s.transactional() {
		s.Cluster.TransactionVersion = DefaultTransactionVersion
	}
	for i := range s.Producers {
		p := &s.Producers[i]
		if p.TransactionalID == "" {
			continue
		}
		if p.Transaction == nil {
			p.Transaction = &ProducerTransaction{}
		}
		setDur(&p.Transaction.CommitInterval, DefaultCommitInterval)
		setDur(&p.Transaction.TransactionTimeout, DefaultTransactionTimeout)
		if p.EnableIdempotence == nil && (p.Acks == "" || p.Acks == "all" || p.Acks == "-1") {
			on := true
			p.EnableIdempotence = &on
		}
	}
}

// transactional reports whether a producer or a pipeline stage writes
// in transactions (the cluster's transaction.version is resolved only
// then: it changes nothing else).
func (s *Scenario) transactional() bool {
	for i := range s.Producers {
		if s.Producers[i].TransactionalID != "" {
			return true
		}
	}
	for i := range s.ConsumerGroups {
		if s.ConsumerGroups[i].Pipeline.Transactional() {
			return true
		}
	}
	return false
}

// validateProducerTxn checks transactional producers and the cluster's
// transaction.version.
func (s *Scenario) validateProducerTxn(v *validator) {
	if tv := s.Cluster.TransactionVersion; tv != 0 && tv != 1 && tv != 2 {
		v.add("cluster.transaction_version", "%d: want 1 (the classic protocol: the producer adds each partition with AddPartitionsToTxn) or 2 (KIP-890: partition leaders add it on the first write, the epoch is bumped at every transaction end)", tv)
	}
	ids := map[string]int{}
	for i := range s.Producers {
		p := &s.Producers[i]
		f := fmt.Sprintf("producers[%d].", i)
		if p.TransactionalID == "" {
			if p.Transaction != nil {
				v.add(f+"transaction", "transaction settings without a transactional_id: give the producer one, or remove them")
			}
			continue
		}
		if s.SystemName() != SystemKafka {
			v.add(f+"transactional_id", "transactions are Kafka's: set system: kafka, or remove it")
			continue
		}
		if j, dup := ids[p.TransactionalID]; dup {
			v.add(f+"transactional_id", "%q is producers[%d]'s too: two producers with one transactional.id fence each other", p.TransactionalID, j)
		}
		ids[p.TransactionalID] = i
		switch {
		case p.Acks != "all":
			v.add(f+"acks", "acks=%s with a transactional_id: a transactional producer is idempotent, which needs acks=all", p.Acks)
		case p.EnableIdempotence != nil && !*p.EnableIdempotence:
			v.add(f+"enable_idempotence", "false with a transactional_id: Kafka refuses it (a transactional producer is idempotent); remove the field")
		}
		if s.Guarantee != "" && s.Guarantee != GuaranteeExactlyOnce {
			v.add(f+"transactional_id", "guarantee: %s writes without transactions: remove the transactional_id, or set guarantee: exactly-once", s.Guarantee)
		}
		t := p.Transaction
		if t == nil {
			continue
		}
		if t.CommitInterval <= 0 {
			v.add(f+"transaction.commit_interval", "must be positive: the application commits its transaction commit_interval after its first record (100ms by default)")
		}
		switch {
		case t.TransactionTimeout <= 0:
			v.add(f+"transaction.transaction_timeout", "must be positive (Kafka's transaction.timeout.ms is 60s)")
		case t.TransactionTimeout > MaxTransactionTimeout:
			v.add(f+"transaction.transaction_timeout", "%v is above the broker's transaction.max.timeout.ms (%v): InitProducerId refuses it (INVALID_TRANSACTION_TIMEOUT)", t.TransactionTimeout, MaxTransactionTimeout)
		case t.CommitInterval >= t.TransactionTimeout:
			v.add(f+"transaction.commit_interval", "%v is not shorter than transaction_timeout %v: every transaction would be aborted by the coordinator", t.CommitInterval, t.TransactionTimeout)
		}
		if t.AbortRatio < 0 || t.AbortRatio > 1 {
			v.add(f+"transaction.abort_ratio", "%v: want a share from 0%% to 100%% of transactions", t.AbortRatio)
		}
	}
}

func init() {
	FaultTypes["producer-crash"] = FaultRule{
		Doc: "a producer's process dies (every instance): what it buffered and had in flight is gone; with a duration a new " +
			"process starts after it — a transactional one calls InitProducerId, which fences its predecessor and aborts " +
			"the transaction it left open (without one, the coordinator aborts it after transaction_timeout)",
		Target: "producer"}
}

// producerTarget checks a producer fault's producer: field and returns
// its target for the overlap check.
func (s *Scenario) producerTarget(v *validator, at string, f *Fault) string {
	if f.Producer == "" {
		v.add(at+".producer", "missing: which producer")
		return ""
	}
	for i := range s.Producers {
		if s.Producers[i].Name == f.Producer {
			return "producer:" + f.Producer
		}
	}
	names := make([]string, len(s.Producers))
	for i := range s.Producers {
		names[i] = s.Producers[i].Name
	}
	v.add(at+".producer", "no producer %q in this scenario%s", f.Producer, DidYouMean(f.Producer, names))
	return ""
}
