package scenarios

import (
	"strings"
	"testing"
)

// txnBase is a valid transactional pipeline; each case edits one line.
const txnBase = `name: p
duration: 10s
topics:
  - name: in
    partitions: 3
  - name: out
    partitions: 3
producers:
  - name: src
    topic: in
    rate: 100/s
consumer_groups:
  - name: stage
    topic: in
    pipeline:
      output: out
      transactional_id: stage
  - name: sink
    topic: out
    isolation_level: read_committed
`

func TestTxnValid(t *testing.T) {
	ls, err := ParseScenario("p.yaml", []byte(txnBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	pl := ls.ConsumerGroups[0].Pipeline
	// Kafka Streams' commit.interval.ms under exactly-once, the producer's
	// transaction.timeout.ms, acks=all; a transactional stage commits
	// after processing.
	if pl.CommitInterval != DefaultCommitInterval || pl.TransactionTimeout != DefaultTransactionTimeout || pl.Acks != "all" || ls.ConsumerGroups[0].Commit != "after" {
		t.Errorf("defaults: %+v, commit %s", *pl, ls.ConsumerGroups[0].Commit)
	}
	if ws := ls.Warnings(); len(ws) != 0 {
		t.Errorf("warnings %v, want none (a transactional stage writes out)", ws)
	}
}

// Bad input names the file, the line and the field.
func TestTxnValidation(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           []string
	}{
		{"commit interval 0", "      transactional_id: stage\n", "      transactional_id: stage\n      commit_interval: 0s\n",
			[]string{"p.yaml:18", "consumer_groups[0].pipeline.commit_interval"}},
		{"timeout over the broker maximum", "      transactional_id: stage\n", "      transactional_id: stage\n      transaction_timeout: 20m\n",
			[]string{"p.yaml:18", "consumer_groups[0].pipeline.transaction_timeout", "transaction.max.timeout.ms"}},
		{"transactional with acks=1", "      transactional_id: stage\n", "      transactional_id: stage\n      acks: \"1\"\n",
			[]string{"p.yaml:18", "consumer_groups[0].pipeline.acks", "acks=all"}},
		{"transactional with auto commit", "    pipeline:\n", "    commit: auto\n    pipeline:\n",
			[]string{"p.yaml:15", "consumer_groups[0].commit", "commit: after"}},
		{"unknown output", "      output: out\n", "      output: nowhere\n",
			[]string{"p.yaml:16", "consumer_groups[0].pipeline.output", "unknown topic"}},
		{"output is the input", "      output: out\n", "      output: in\n",
			[]string{"p.yaml:16", "consumer_groups[0].pipeline.output", "another topic"}},
		{"partition counts differ", "  - name: out\n    partitions: 3\n", "  - name: out\n    partitions: 4\n",
			[]string{"consumer_groups[0].pipeline.output", "co-partitioned"}},
		{"unknown guarantee", "name: p\n", "name: p\nguarantee: exactly-twice\n",
			[]string{"p.yaml:2", "guarantee", "exactly-once"}},
		{"guarantee against a setting", "name: p\n", "name: p\nguarantee: at-least-once\n",
			[]string{"consumer_groups[0].pipeline.transactional_id", "guarantee: at-least-once"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(txnBase, c.old, c.new, 1)
			if text == txnBase {
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

// read_committed on a topic no transactional producer writes is allowed,
// as in Kafka, with a warning naming the field.
func TestTxnReadCommittedWarning(t *testing.T) {
	text := strings.Replace(txnBase, "      transactional_id: stage\n", "", 1)
	ls, err := ParseScenario("p.yaml", []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := ls.Warnings()
	if len(ws) != 1 || !strings.Contains(ws[0].Error(), "p.yaml:19") || !strings.Contains(ws[0].Error(), "consumer_groups[1].isolation_level") {
		t.Errorf("warnings %v, want one at p.yaml:19 on consumer_groups[1].isolation_level", ws)
	}
}

// guarantee fills what the file leaves out, as the seed's table says.
func TestGuaranteeSettings(t *testing.T) {
	text := strings.Replace(strings.Replace(txnBase, "      transactional_id: stage\n", "", 1), "    isolation_level: read_committed\n", "", 1)
	for _, c := range []struct {
		g, acks                 string
		idem                    bool
		stageCommit, sinkCommit string
		txn                     bool
		iso                     string
		dedupe                  bool
	}{
		{GuaranteeAtMostOnce, "0", false, "before", "before", false, "read_uncommitted", false},
		{GuaranteeAtLeastOnce, "all", false, "auto", "after", false, "read_uncommitted", false},
		{GuaranteeAtLeastOnceIdempotent, "all", true, "auto", "after", false, "read_uncommitted", true},
		{GuaranteeExactlyOnce, "all", true, "after", "after", true, "read_committed", false},
	} {
		ls, err := ParseScenario("p.yaml", []byte(text), []string{"guarantee=" + c.g})
		if err != nil {
			t.Fatalf("%s: %v", c.g, err)
		}
		p, st, sink := ls.Producers[0], ls.ConsumerGroups[0], ls.ConsumerGroups[1]
		if p.Acks != c.acks || *p.EnableIdempotence != c.idem || st.Commit != c.stageCommit || sink.Commit != c.sinkCommit ||
			st.Pipeline.Transactional() != c.txn || sink.IsolationLevel != c.iso || sink.Idempotent != c.dedupe || st.Pipeline.Acks != c.acks {
			t.Errorf("%s: producer acks %s idempotent %v; stage commit %s acks %s transactional %v; sink commit %s %s dedupe %v",
				c.g, p.Acks, *p.EnableIdempotence, st.Commit, st.Pipeline.Acks, st.Pipeline.Transactional(), sink.Commit, sink.IsolationLevel, sink.Idempotent)
		}
	}
}
