package reports

import (
	"fmt"
	"strings"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// sqsSetupLine is setupLine for a `system: sqs` scenario: queues instead of
// brokers and topics.
func sqsSetupLine(s *scenarios.Scenario) string {
	parts := []string{fmt.Sprintf("Amazon SQS, %s per request", s.SQS.RequestLatency)}
	for _, q := range s.SQS.Queues {
		p := fmt.Sprintf("queue %s (%s): visibility %s", q.Name, q.Type, q.VisibilityTimeout)
		if q.DeadLetterQueue != "" {
			p += fmt.Sprintf(", to %s after %d receives", q.DeadLetterQueue, q.MaxReceiveCount)
		}
		parts = append(parts, p)
	}
	for _, p := range s.Producers {
		parts = append(parts, fmt.Sprintf("%s msg/s of %s", units.FormatSI(float64(p.Rate)), p.MessageSize.Spec))
	}
	for _, g := range s.ConsumerGroups {
		who := "consumers"
		if s.Celery != nil {
			who = fmt.Sprintf("Celery workers × %d processes", s.Celery.Concurrency)
		}
		parts = append(parts, fmt.Sprintf("group %s: %d %s, %s each", g.Name, g.Consumers, who, g.Processing.Spec))
	}
	return strings.Join(parts, "; ")
}

// sqsServiceLine sums up a queue service's API use and its cost.
func sqsServiceLine(res *model.Results) string {
	q := res.QueueService
	return fmt.Sprintf("%s API calls, %s billed requests (%s/s, %s a month), %s empty receives, %s visibility changes, %s redelivered, %s dead-lettered",
		units.FormatSI(float64(q.APIRequests)), units.FormatSI(float64(q.BilledRequests)), units.FormatSI(q.RequestsPerSecond),
		units.FormatSI(q.MonthlyRequests), units.FormatSI(float64(q.EmptyReceives)), units.FormatSI(float64(q.VisibilityChanges)),
		units.FormatSI(float64(res.Redelivered)), units.FormatSI(float64(res.DeadLettered)))
}

// sqsWhys explains an SQS run's delivery counts in SQS's terms.
func sqsWhys(r *Run) []Why {
	res := r.Results
	lost := "every message was deleted only after it was processed, dead-lettered, or is still queued"
	if res.Lost > 0 {
		lost = "messages were deleted without being processed: acknowledged before running on a worker that died (Celery's early ack), or removed by the retention period"
	}
	dups := "no message outlived its visibility timeout in a consumer's hands"
	if res.Duplicates > 0 {
		dups = fmt.Sprintf("messages became visible again while a consumer still held them (work or an ETA longer than the visibility timeout, or a delete the queue missed) and were delivered again: %s redeliveries", units.FormatSI(float64(res.Redelivered)))
	}
	order := "FIFO queues hand out a message group only while none of its messages is in flight"
	for _, q := range r.Scenario.SQS.Queues {
		if !q.IsFIFO() {
			order = "a standard queue keeps a best-effort order: parallel consumers and redeliveries can reorder a key's messages"
			break
		}
	}
	return []Why{{"lost", res.Lost, lost}, {"duplicates", res.Duplicates, dups}, {"reordered", res.Reordered, order}}
}
