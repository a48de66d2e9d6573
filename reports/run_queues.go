package reports

import (
	"fmt"

	"github.com/dustin/go-humanize"

	"mqsim/model"
	"mqsim/scenarios"
)

// The WHY lines of a RabbitMQ run and of a Kafka run whose groups are all
// share groups: the same three counts as Kafka's, explained in the
// system's own terms (publisher confirms, acks and requeues; acquisition
// locks and acknowledgements) rather than produce retries and offset
// commits.

// rabbitWhys explains a RabbitMQ run's lost, duplicated and reordered
// messages.
func rabbitWhys(r *Run) []Why {
	res := r.Results
	lost := "every confirmed message stayed in its queue until a consumer acknowledged it (a quorum queue confirms after a majority fsynced it)"
	if res.Lost > 0 {
		lost = fmt.Sprintf("confirmed messages left their queue unprocessed: auto-acked deliveries on a consumer that died, or dropped by the queue (max-length drop-head, TTL expiry, the delivery limit) with no dead-letter exchange (%s dropped)", humanize.Comma(res.QueueDropped))
	}
	dups := "every delivery was acknowledged once processed, and no consumer lost its connection holding processed, unacknowledged deliveries"
	if res.Duplicates > 0 {
		dups = fmt.Sprintf("a consumer's channel closed (a crash, the consumer timeout) with deliveries it had processed but not yet acknowledged: the broker requeued them and another consumer processed them again (%s requeued)", humanize.Comma(res.Requeued))
	}
	order := "a queue hands out its messages in order, and nothing was requeued out of turn"
	if res.Reordered > 0 {
		order = "competing consumers of one queue finish in any order, and requeued messages go back near the head (classic) or to the returns queue (quorum)"
	}
	return []Why{{"lost", res.Lost, lost}, {"duplicates", res.Duplicates, dups}, {"reordered", res.Reordered, order}}
}

// allShare reports whether the run is Kafka's with only share groups.
func allShare(s *scenarios.Scenario) bool {
	if s == nil || s.SystemName() != scenarios.SystemKafka || len(s.ConsumerGroups) == 0 {
		return false
	}
	for i := range s.ConsumerGroups {
		if !s.ConsumerGroups[i].IsShare() {
			return false
		}
	}
	return true
}

// shareWhys replaces the consumer side of Kafka's WHY lines for share
// groups: records are acknowledged one by one under acquisition locks.
func shareWhys(r *Run, kafka []Why) []Why {
	res := r.Results
	sg := res.ShareGroups
	out := append([]Why(nil), kafka...)
	for i := range out {
		switch out[i].What {
		case "duplicates":
			if res.Duplicates == 0 {
				out[i].Why = "each record was acknowledged as soon as it was processed: no acquisition lock ran out in a consumer's hands and no consumer's connection closed with processed, unacknowledged records"
			} else {
				out[i].Why = fmt.Sprintf("records were acquired again while processed but not yet acknowledged — their lock ran out (%s lock expiries) or their consumer's connection closed (%s released): share groups are at-least-once", humanize.Comma(sg.LockExpiries), humanize.Comma(sg.ShareReleased))
			}
		case "reordered":
			if res.Reordered == 0 {
				out[i].Why = "no key's records finished out of order (a share group keeps no order: this run had no keys, or one consumer at a time)"
			} else {
				out[i].Why = "a share group hands one partition's records to several consumers at once, and they finish in any order: share groups keep no per-key order"
			}
		}
	}
	return out
}

// deliveryMeaning is what a DELIVERY row means for the run's system.
func deliveryMeaning(name, meaning string, s *scenarios.Scenario) string {
	if s == nil || name != "acked" {
		return meaning
	}
	switch s.SystemName() {
	case scenarios.SystemRabbitMQ:
		return "confirmed by the broker (publisher confirm: every target queue has it)"
	case scenarios.SystemSQS:
		return "SendMessage succeeded: the queue stored it"
	}
	return meaning
}

// rabbitQueuesLine sums up a RabbitMQ run's queues in a line.
func rabbitQueuesLine(res *model.Results) string {
	q := res.Queues
	dead := q.DeadRejected + q.DeadExpired + q.DeadMaxlen + q.DeadDeliveryLimit
	s := fmt.Sprintf("deepest queue %s messages, %s requeued, %s dead-lettered, %s dropped, fewest live quorum members %d",
		humanize.Comma(q.MaxQueueDepth), humanize.Comma(q.Requeued), humanize.Comma(dead), humanize.Comma(q.QueueDropped), res.MinISR)
	if q.AlarmSeconds > 0 || q.DiskAlarmSeconds > 0 {
		s += fmt.Sprintf("; alarms blocked publishing %.1f s (memory) and %.1f s (disk)", q.AlarmSeconds, q.DiskAlarmSeconds)
	}
	return s
}

// shareLine sums up a Kafka run's share groups in a line.
func shareLine(res *model.Results) string {
	sg := res.ShareGroups
	return fmt.Sprintf("%s acquisitions (%s redeliveries), %s lock expiries, %s released by closed connections, %s archived at the delivery limit, %s stale acknowledgements; in-flight window at most %s",
		humanize.Comma(sg.ShareAcquisitions), humanize.Comma(sg.ShareRedeliveries), humanize.Comma(sg.LockExpiries), humanize.Comma(sg.ShareReleased),
		humanize.Comma(sg.Archived), humanize.Comma(sg.StaleAcks), humanize.Comma(sg.MaxShareWindow))
}
