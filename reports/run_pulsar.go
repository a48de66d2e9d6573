package reports

import (
	"fmt"
	"strings"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// pulsarSetupLine is setupLine for a `system: pulsar` scenario: brokers,
// bookies and quorums, topics, subscriptions.
func pulsarSetupLine(s *scenarios.Scenario) string {
	p := s.Pulsar
	parts := []string{fmt.Sprintf("%d brokers and %d bookies (%s), ledgers E/Qw/Qa %d/%d/%d",
		s.Cluster.Brokers, p.Bookies, s.Cluster.Profile, p.Ensemble, p.WriteQuorum, p.AckQuorum)}
	for _, t := range s.Topics {
		parts = append(parts, fmt.Sprintf("topic %s: %d partitions", t.Name, t.Partitions))
	}
	for _, pr := range s.Producers {
		parts = append(parts, fmt.Sprintf("%s msg/s of %s", units.FormatSI(float64(pr.Rate)), pr.MessageSize.Spec))
	}
	for _, g := range s.ConsumerGroups {
		typ := "exclusive"
		for _, x := range p.Subscriptions {
			if x.Group == g.Name {
				typ = x.Type
			}
		}
		parts = append(parts, fmt.Sprintf("subscription %s (%s): %d consumers, %s each", g.Name, typ, g.Consumers, g.Processing.Spec))
	}
	return strings.Join(parts, "; ")
}

// pulsarLines sums up BookKeeper, the managed ledgers and the cursors.
func pulsarLines(res *model.Results) (bookkeeper, ledgers, reads string) {
	p := &res.Pulsar
	bookkeeper = fmt.Sprintf("%s entries journaled in %s fsyncs, %d ensemble changes",
		units.FormatSI(float64(p.BookieEntries)), units.FormatSI(float64(p.JournalFsyncs)), p.EnsembleChanges)
	ledgers = fmt.Sprintf("%d rollovers, %d recovered after a broker failure, %d bundles moved, %d deleted, %d offloaded; "+
		"%s cursor persists, at most %s ack holes",
		p.LedgerRollovers, p.LedgerRecoveries, p.BundleReassignments, p.LedgersDeleted, p.OffloadedLedgers,
		units.FormatSI(float64(p.CursorPersists)), units.FormatSI(float64(p.MaxAckHoles)))
	reads = fmt.Sprintf("%s from the broker cache, %s from bookies, %s from the object store",
		units.FormatSI(float64(p.CacheReads)), units.FormatSI(float64(p.BookieReads)), units.FormatSI(float64(p.TieredReads)))
	var extra []string
	if p.QuotaHeld+p.QuotaRejected+p.QuotaEvicted > 0 {
		extra = append(extra, fmt.Sprintf("backlog quotas held %s, refused %s, evicted %s",
			units.FormatSI(float64(p.QuotaHeld)), units.FormatSI(float64(p.QuotaRejected)), units.FormatSI(float64(p.QuotaEvicted))))
	}
	if p.NegativeAcks+p.AckTimeouts > 0 {
		extra = append(extra, fmt.Sprintf("%s negative acks, %s ack timeouts", units.FormatSI(float64(p.NegativeAcks)), units.FormatSI(float64(p.AckTimeouts))))
	}
	if p.MaxKeySharedHeld > 0 {
		extra = append(extra, fmt.Sprintf("Key_Shared held up to %s messages for joined consumers", units.FormatSI(float64(p.MaxKeySharedHeld))))
	}
	if len(extra) > 0 {
		reads += "; " + strings.Join(extra, "; ")
	}
	return bookkeeper, ledgers, reads
}

// pulsarWhys explains a Pulsar run's delivery counts in Pulsar's terms.
func pulsarWhys(r *Run) []Why {
	res := r.Results
	p := &res.Pulsar
	lost := fmt.Sprintf("a receipt means %d bookies journaled (fsynced) the entry, and a ledger's new owner recovers every entry any bookie of its write set holds",
		r.Scenario.Pulsar.AckQuorum)
	if res.Lost > 0 {
		lost = "acknowledged messages can no longer be read: the bookies holding them are gone (more failed than write quorum minus ack quorum), or recovery ended their ledger before them"
	}
	if p.QuotaEvicted > 0 {
		lost += fmt.Sprintf("; %s more were evicted by a backlog quota (dropped by policy, not lost)", units.FormatSI(float64(p.QuotaEvicted)))
	}
	dups := "no message was delivered again after it was processed"
	if res.Duplicates > 0 {
		dups = "messages were delivered again: acknowledgements not yet sent (grouped every ack_group_time) or not yet persisted in the cursor (mark_delete_interval) when a consumer or broker failed, or a send retried after a broker failure (no deduplication)"
	}
	order := "exclusive, failover and Key_Shared subscriptions deliver a key's messages in order"
	for _, x := range r.Scenario.Pulsar.Subscriptions {
		if x.Type == "shared" {
			order = "a shared subscription hands messages round-robin to consumers that work in parallel, and redelivers without order"
		}
	}
	return []Why{{"lost", res.Lost, lost}, {"duplicates", res.Duplicates, dups}, {"reordered", res.Reordered, order}}
}
