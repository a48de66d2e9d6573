package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dustin/go-humanize"

	"mqsim/scenarios"
)

// Why is the checker's verdict on one count — lost, duplicates or
// reordered — with a one-line reason derived from the scenario's
// configuration and what the run observed.
type Why struct {
	What  string // "lost", "duplicates", "reordered"
	Count int64
	Why   string
}

// Whys explains the three counts a design review asks about first. The
// reasons name the settings that decide each count (acks, min.insync.replicas,
// idempotence, max.in.flight, the commit mode) and the faults that struck.
func Whys(r *Run) []Why {
	if r.Measured {
		return nil
	}
	if r.Scenario != nil && r.Scenario.System == scenarios.SystemSQS && r.Scenario.SQS != nil {
		return sqsWhys(r) // run_sqs.go
	}
	if r.Scenario != nil && r.Scenario.SystemName() == scenarios.SystemRabbitMQ {
		return rabbitWhys(r) // run_queues.go
	}
	if whys, ok := fanoutWhys(r); ok { // run_sns.go, run_pubsub.go
		return whys
	}
	if r.Scenario != nil && r.Scenario.System == scenarios.SystemPulsar && r.Scenario.Pulsar != nil {
		return pulsarWhys(r) // run_pulsar.go
	}
	c := describeConfig(r.Scenario)
	res := r.Results
	if w, ok := kafkaGeoWhy(r); ok { // run_kafkageo.go
		return []Why{w, {"duplicates", res.Duplicates, whyDuplicates(c, r)}, {"reordered", res.Reordered, whyReordered(c, r)}}
	}
	whys := []Why{
		{"lost", res.Lost, whyLost(c, r)},
		{"duplicates", res.Duplicates, whyDuplicates(c, r)},
		{"reordered", res.Reordered, whyReordered(c, r)},
	}
	if allShare(r.Scenario) {
		return shareWhys(r, whys) // run_queues.go
	}
	return whys
}

// config is what decides delivery guarantees, summarised over the
// scenario's producers, topics and groups.
type config struct {
	acks          []string // distinct, sorted
	weakAcks      string   // "1" or "0" when some producer does not wait for the ISR
	idempotent    bool     // every producer is idempotent
	maxInFlight   int      // the largest max.in.flight
	minISR        int      // the smallest min.insync.replicas of any topic
	rf            int      // the smallest replication factor of any topic
	unclean       bool
	commitBefore  bool // some group commits before processing
	groupIdem     bool // every group processes idempotently
	brokerFaults  []scenarios.Fault
	consumerFault []scenarios.Fault
}

func describeConfig(s *scenarios.Scenario) config {
	c := config{idempotent: true, groupIdem: true, minISR: 1 << 30, rf: 1 << 30}
	if s == nil {
		return config{}
	}
	seen := map[string]bool{}
	for _, p := range s.Producers {
		if !seen[p.Acks] {
			seen[p.Acks] = true
			c.acks = append(c.acks, p.Acks)
		}
		if p.Acks != "all" && (c.weakAcks == "" || p.Acks == "0") {
			c.weakAcks = p.Acks
		}
		if p.EnableIdempotence == nil || !*p.EnableIdempotence {
			c.idempotent = false
		}
		c.maxInFlight = max(c.maxInFlight, p.MaxInFlight)
	}
	sort.Strings(c.acks)
	for _, t := range s.Topics {
		c.minISR = min(c.minISR, t.MinInsyncReplicas)
		c.rf = min(c.rf, t.ReplicationFactor)
	}
	if len(s.Topics) == 0 {
		c.minISR, c.rf = 0, 0
	}
	c.unclean = s.Cluster.UncleanLeaderElection
	for _, g := range s.ConsumerGroups {
		c.commitBefore = c.commitBefore || g.Commit == "before"
		c.groupIdem = c.groupIdem && g.Idempotent
	}
	if len(s.ConsumerGroups) == 0 {
		c.groupIdem = false
	}
	for _, f := range s.Faults {
		switch {
		case f.Group != "" || f.Consumer != nil:
			c.consumerFault = append(c.consumerFault, f)
		case f.Broker != nil || f.Leader != "" || len(f.From) > 0:
			c.brokerFaults = append(c.brokerFaults, f)
		}
	}
	return c
}

// faultPhrase names the first fault of a list and when it struck:
// "broker-crash b1 at 10s" (plus "and 2 more").
func faultPhrase(fs []scenarios.Fault) string {
	if len(fs) == 0 {
		return ""
	}
	f := fs[0]
	label := f.Label
	if label == "" {
		label = f.Type
		switch {
		case f.Broker != nil:
			label += fmt.Sprintf(" b%d", *f.Broker)
		case f.Leader != "":
			label += " (leader of " + f.Leader + ")"
		case f.Group != "" && f.Consumer != nil:
			label += fmt.Sprintf(" %s/%d", f.Group, *f.Consumer)
		case f.Group != "":
			label += " " + f.Group
		}
	}
	s := label + " at " + f.At.String()
	if len(fs) > 1 {
		s += fmt.Sprintf(" and %d more", len(fs)-1)
	}
	return s
}

func whyLost(c config, r *Run) string {
	res := r.Results
	bf := faultPhrase(c.brokerFaults)
	var s string
	switch {
	case res.Lost > 0 && res.LostToRetention > 0:
		s = fmt.Sprintf("retention deleted %s of them before their group processed them: the group fell further behind than the topic keeps", humanize.Comma(res.LostToRetention))
		if res.LostToRetention < res.Lost {
			s = fmt.Sprintf("retention deleted %s of the %s before their group processed them: the group fell further behind than the topic keeps", humanize.Comma(res.LostToRetention), humanize.Comma(res.Lost))
		}
		if res.OffsetResets > 0 {
			s += fmt.Sprintf(", and auto.offset.reset moved it past them (%s resets)", humanize.Comma(res.OffsetResets))
		}
		if res.FinalLag == 0 {
			s += ". That is why the final lag is 0: lag counts what is still in the log, and these messages no longer are"
		}
	case res.Lost > 0 && c.unclean && bf != "":
		s = "unclean leader election let an out-of-sync replica lead after " + bf + ", truncating acknowledged writes it never had"
	case res.Lost > 0 && c.weakAcks != "" && bf != "":
		s = "acks=" + c.weakAcks + " and a leader failure (" + bf + "): acknowledged writes not yet replicated were truncated when a follower took over"
	case res.Lost > 0 && bf != "" && c.minISR <= 1:
		s = "acks=all with min.insync.replicas=1: once the ISR shrank to the leader alone its acknowledged writes had no other copy, and " + bf + " lost them"
	case res.Lost > 0 && c.commitBefore:
		s = "commit=before (at-most-once): offsets were committed before processing, so messages in hand when a consumer stopped were skipped"
	case res.Lost > 0 && len(c.consumerFault) > 0:
		s = "after " + faultPhrase(c.consumerFault) + ", the group resumed past acknowledged messages it never processed"
	case res.Lost > 0:
		s = "acknowledged messages are no longer in the log ahead of any group's position"
	case bf == "" && c.weakAcks != "":
		s = "no broker failed: acks=" + c.weakAcks + " writes sit on the leader alone when acknowledged, but no leader was lost, so nothing was truncated"
	case bf == "":
		s = "no broker failed, so no acknowledged write was ever truncated"
	case c.weakAcks == "" && c.minISR >= 2:
		s = fmt.Sprintf("acks=all with min.insync.replicas=%d: a write was acknowledged only once every in-sync replica (at least %d) had it, so the leader elected after %s had every acknowledged message", c.minISR, c.minISR, bf)
	case c.weakAcks == "":
		s = "acks=all: acknowledged writes were on every in-sync replica, and the leader elected after " + bf + " came from the ISR"
	default:
		s = "acks=" + c.weakAcks + " can lose unreplicated writes when a leader fails, but none were pending when " + bf + " struck"
	}
	if res.Unseen > 0 {
		s += fmt.Sprintf(" (%s more were unseen: still in the log, waiting for a consumer, when the drain ended — not lost)", humanize.Comma(res.Unseen))
	}
	return s
}

func whyDuplicates(c config, r *Run) string {
	res := r.Results
	var skipped int64
	for _, g := range res.Groups {
		skipped += g.Skipped
	}
	cf := faultPhrase(c.consumerFault)
	if res.Duplicates > 0 {
		var parts []string
		if res.Retries > 0 && !c.idempotent {
			parts = append(parts, fmt.Sprintf("producer retries (%s) without idempotence re-sent batches that had already been written", humanize.Comma(res.Retries)))
		}
		if cf != "" && !c.commitBefore {
			parts = append(parts, "after "+cf+", consumers re-read messages they had processed but not yet committed (at-least-once)")
		}
		if len(parts) == 0 {
			parts = append(parts, "messages were processed more than once: a re-read of a range already processed")
		}
		return strings.Join(parts, "; and ") + groupDetail(r)
	}
	var s string
	switch {
	case skipped > 0:
		s = fmt.Sprintf("idempotent processing skipped %s redeliveries", humanize.Comma(skipped))
	case res.Retries > 0 && c.idempotent:
		s = fmt.Sprintf("%s retries, but the idempotent producer's sequence numbers let the leader drop any batch it already had", humanize.Comma(res.Retries))
	case res.Retries > 0:
		s = fmt.Sprintf("%s retries, but none re-sent a batch that had been written (a rejected request is not appended)", humanize.Comma(res.Retries))
	default:
		s = "no produce request was retried"
	}
	switch {
	case cf == "":
		s += ", and no consumer re-read a range it had processed"
	case c.commitBefore:
		s += "; commit=before never redelivers (at-most-once)"
	case c.groupIdem:
		s += "; consumers dedupe by message id"
	}
	return s
}

func whyReordered(c config, r *Run) string {
	res := r.Results
	if res.Reordered > 0 {
		if res.Retries > 0 && !c.idempotent && c.maxInFlight > 1 {
			return fmt.Sprintf("%s retries with up to %d requests in flight and no idempotence: a later batch landed while an earlier one waited for its retry",
				humanize.Comma(res.Retries), c.maxInFlight)
		}
		if res.Retries > 0 && !c.idempotent {
			return fmt.Sprintf("%s retries without idempotence: a retried batch landed after later batches of its partition", humanize.Comma(res.Retries))
		}
		if len(c.consumerFault) > 0 {
			return "after " + faultPhrase(c.consumerFault) + ", a key's messages were processed out of order"
		}
		return "a key's messages reached the consumers out of order"
	}
	switch {
	case res.Retries == 0:
		return "no produce request was retried, and one connection never reorders"
	case c.idempotent:
		return fmt.Sprintf("%s retries, but the idempotent producer holds a partition's later batches while one backs off, so order held", humanize.Comma(res.Retries))
	case c.maxInFlight <= 1:
		return fmt.Sprintf("%s retries, but max.in.flight=1 sends one request at a time, so no batch could overtake a retry", humanize.Comma(res.Retries))
	}
	return fmt.Sprintf("%s retries, but no later batch of the same key overtook one", humanize.Comma(res.Retries))
}

// groupDetail splits the duplicates by group when there are several:
// " (ledger 12; ledger-idempotent 0, 40 redeliveries skipped)".
func groupDetail(r *Run) string {
	if len(r.Results.Groups) < 2 {
		return ""
	}
	var parts []string
	for _, g := range r.Results.Groups {
		p := g.Name + " " + humanize.Comma(g.Duplicates)
		if g.Skipped > 0 {
			p += ", " + humanize.Comma(g.Skipped) + " redeliveries skipped"
		}
		parts = append(parts, p)
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// Headline is the verdict in one sentence, for the top of a report: what
// each run lost, duplicated or reordered of the messages the producers
// were told were written, and the fault during which it happened ("acks=1
// lost 19 acknowledged messages and reordered 15,462 during broker-crash
// (leader of orders/0) at 10s; acks=all lost none."). Bad is whether any
// run lost, duplicated or reordered a message.
func Headline(runs []*Run) (sentence string, bad bool) {
	var parts []string
	var faults []scenarios.Fault
	for _, r := range runs {
		res := r.Results
		var what []string
		if res.Lost > 0 {
			what = append(what, fmt.Sprintf("lost %s acknowledged %s", humanize.Comma(res.Lost), plural(res.Lost, "message")))
		} else {
			what = append(what, "lost none")
		}
		if res.Duplicates > 0 {
			what = append(what, "duplicated "+humanize.Comma(res.Duplicates))
		}
		if res.Reordered > 0 {
			what = append(what, "reordered "+humanize.Comma(res.Reordered))
		}
		bad = bad || res.Lost > 0 || res.Duplicates > 0 || res.Reordered > 0
		subject := r.Label
		if subject == "" {
			subject = "The run"
		}
		phrase := subject + " " + joinAnd(what)
		parts = append(parts, phrase)
		if faults == nil && r.Scenario != nil {
			faults = r.Scenario.Faults
		}
	}
	if len(runs) == 1 && !bad {
		return "Nothing the producers were told was written was lost, duplicated or reordered.", false
	}
	if len(parts) > 0 && bad && len(faults) > 0 {
		// The fault goes after the first run that had a loss.
		for i, r := range runs {
			res := r.Results
			if res.Lost > 0 || res.Duplicates > 0 || res.Reordered > 0 {
				parts[i] += " during " + faultPhrase(faults)
				break
			}
		}
	}
	return strings.Join(parts, "; ") + ".", bad
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
