package scenarios

import (
	"strings"
	"testing"
)

// txnProducerBase is a valid transactional plain producer; each case
// edits one line.
const txnProducerBase = `name: p
duration: 10s
topics:
  - name: orders
    partitions: 3
producers:
  - name: app
    topic: orders
    rate: 100/s
    transactional_id: app
consumer_groups:
  - name: sink
    topic: orders
    isolation_level: read_committed
`

func TestTxnProducerDefaults(t *testing.T) {
	ls, err := ParseScenario("p.yaml", []byte(txnProducerBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := ls.Producers[0]
	// commit_interval 100ms (as Kafka Streams' under exactly-once),
	// transaction.timeout.ms 60s, idempotence on (Kafka turns it on for a
	// transactional.id), transaction.version 1.
	if p.Transaction == nil || p.Transaction.CommitInterval != DefaultCommitInterval || p.Transaction.TransactionTimeout != DefaultTransactionTimeout ||
		!*p.EnableIdempotence || p.Acks != "all" || ls.Cluster.TransactionVersion != 1 {
		t.Errorf("defaults: %+v, idempotence %v, acks %s, transaction.version %d", p.Transaction, *p.EnableIdempotence, p.Acks, ls.Cluster.TransactionVersion)
	}
	if ws := ls.Warnings(); len(ws) != 0 {
		t.Errorf("warnings %v, want none (a transactional producer writes orders)", ws)
	}
	if got := p.TransactionalIDOf(0, 1); got != "app" {
		t.Errorf("one instance's transactional.id %q, want app", got)
	}
	if got := p.TransactionalIDOf(2, 3); got != "app-2" {
		t.Errorf("instance 2 of 3: transactional.id %q, want app-2", got)
	}
}

// Bad input names the file, the line and the field.
func TestTxnProducerValidation(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           []string
	}{
		{"acks=1", "    transactional_id: app\n", "    transactional_id: app\n    acks: \"1\"\n",
			[]string{"p.yaml:11", "producers[0].acks", "acks=all"}},
		{"idempotence off", "    transactional_id: app\n", "    transactional_id: app\n    enable_idempotence: false\n",
			[]string{"p.yaml:11", "producers[0].enable_idempotence", "idempotent"}},
		{"commit interval 0", "    transactional_id: app\n", "    transactional_id: app\n    transaction:\n      commit_interval: 0s\n",
			[]string{"p.yaml:12", "producers[0].transaction.commit_interval"}},
		{"timeout over the broker maximum", "    transactional_id: app\n", "    transactional_id: app\n    transaction:\n      transaction_timeout: 16m\n",
			[]string{"p.yaml:12", "producers[0].transaction.transaction_timeout", "transaction.max.timeout.ms"}},
		{"abort ratio over 100%", "    transactional_id: app\n", "    transactional_id: app\n    transaction:\n      abort_ratio: 2x\n",
			[]string{"p.yaml:12", "producers[0].transaction.abort_ratio"}},
		{"settings without an id", "    transactional_id: app\n", "    transaction:\n      commit_interval: 1s\n",
			[]string{"p.yaml:10", "producers[0].transaction", "transactional_id"}},
		{"transaction version 3", "duration: 10s\n", "duration: 10s\ncluster:\n  transaction_version: 3\n",
			[]string{"p.yaml:4", "cluster.transaction_version", "KIP-890"}},
		{"guarantee without transactions", "name: p\n", "name: p\nguarantee: at-least-once\n",
			[]string{"producers[0].transactional_id", "guarantee: at-least-once"}},
		{"crash of an unknown producer", "consumer_groups:\n", "faults:\n  - type: producer-crash\n    producer: ap\n    at: 1s\nconsumer_groups:\n",
			[]string{"p.yaml:13", "faults[0].producer", "app"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(txnProducerBase, c.old, c.new, 1)
			if text == txnProducerBase {
				t.Fatalf("edit %q not applied", c.old)
			}
			_, err := ParseScenario("p.yaml", []byte(text), nil)
			if err == nil {
				t.Fatalf("accepted:\n%s", text)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q: want %q", err, w)
				}
			}
		})
	}
}
