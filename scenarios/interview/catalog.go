package interview

// Choice is one option of a multiple-choice question.
type Choice struct {
	Key   string `json:"key"`   // what an answer may type, e.g. "at-least-once"
	Label string `json:"label"` // the option as shown
	// Reason is the seed's reasoning for this option, in mqsim's words:
	// what the option buys and what it costs. It is shown after grading.
	Reason string `json:"-"`
}

// Decision is one design decision the drill asks for, with its options.
type Decision struct {
	ID       string // the rubric and answers-file field, e.g. "delivery"
	Step     int    // 1–5, the step of the interview framework it belongs to
	Question string
	Choices  []Choice // empty for partition_key, whose options come from the prompt
	// Scenarios are the built-in `mqsim run` scenarios that measure the
	// trade-off behind the decision (shown, or run with --prove, after
	// grading, as a follow-up's are).
	Scenarios []string
}

// Decisions lists the decisions in the order the drill asks them.
var Decisions = []Decision{
	{ID: "communication", Step: 1, Question: "Sync or async between the services?", Choices: []Choice{
		{"sync", "Synchronous call (HTTP/gRPC): the caller waits for the answer",
			"A synchronous call couples both services in time: the caller fails or slows down whenever the callee does, and throughput is capped by the slowest service. It is right when a person is waiting for the result (login, confirming a payment) or the answer must come back within about 10 ms."},
		{"async", "Asynchronous messaging: a queue or log sits between them",
			"Asynchronous messaging decouples the services in time and space: the producer succeeds even while the consumer is down, bursts are absorbed by the queue, one event can fan out to many consumers and can be replayed. The price is eventual processing, harder debugging, and a queue that must itself be durable."},
	}, Scenarios: []string{"sync-cascade"}},
	{ID: "model", Step: 2, Question: "Which messaging model?", Choices: []Choice{
		{"queue", "Point-to-point queue: each message goes to exactly one worker",
			"A point-to-point queue hands each message to one consumer and forgets it once processed: the shape of job distribution (process this image, send this email)."},
		{"pubsub", "Publish/subscribe: every subscriber gets its own copy",
			"Publish/subscribe broadcasts: every subscriber gets every event, so one 'order placed' event can feed inventory, notifications and analytics independently."},
		{"consumer-groups", "Consumer groups: pub/sub across groups, a queue within each group",
			"Consumer groups are the hybrid: every group sees every message (pub/sub), while inside a group each partition belongs to one consumer (point-to-point), so each downstream service scales out on its own."},
	}},
	{ID: "delivery", Step: 2, Question: "Which delivery guarantee?", Choices: []Choice{
		{"at-most-once", "At-most-once: send and forget, never retry",
			"At-most-once never retries: the fastest option, and messages can be lost. Acceptable only where a gap is harmless, such as metrics or debug logs."},
		{"at-least-once", "At-least-once: retry until acknowledged; duplicates possible",
			"At-least-once retries until the consumer acknowledges, so nothing is lost but duplicates happen; with idempotent consumers it is the standard answer for the great majority of systems."},
		{"exactly-once", "Exactly-once: transactional produce + offset commit in one transaction",
			"Exactly-once needs transactional produces and the consumer's offset commit in the same transaction: the slowest and most complex option, kept for money — financial transactions and billing. Measured (delivery-guarantees): no loss and no duplicate through a crash and a broker failure, with the reader's median latency 87 ms instead of 7.5 ms at a 100 ms commit interval."},
	}, Scenarios: []string{"delivery-guarantees"}},
	{ID: "idempotency", Step: 2, Question: "How do consumers make duplicates harmless?", Choices: []Choice{
		{"message-id", "A unique message ID, checked and recorded in the processing store",
			"Each message carries a unique ID; the consumer skips IDs it has already recorded and records new ones as it processes. Redelivery becomes harmless, which is what makes at-least-once effectively exactly-once."},
		{"transactions", "Transactions: the output and the offset commit succeed or fail together",
			"With transactions the consumer's writes and its offset commit are one atomic unit, so a crash never leaves half-applied work; the cost is throughput and operational complexity."},
		{"upsert", "Naturally idempotent writes: overwrite or upsert by key",
			"When applying a message means 'set the latest value for this key' (a position, a status), applying it twice leaves the same state, so no dedupe table is needed."},
		{"none", "Nothing: a lost or duplicated message is tolerable",
			"Skipping idempotency is only defensible when an occasional lost or doubled message changes nothing anyone acts on, like sampled metrics."},
	}},
	{ID: "system", Step: 2, Question: "Which system does the decision framework pick?", Choices: []Choice{
		{"kafka", "Kafka: a partitioned, replicated log",
			"Kafka keeps a replayable log for days or weeks, orders per partition and scales to millions of messages a second; it is the default for event streaming and data pipelines, at the cost of running brokers and KRaft (or a managed service)."},
		{"rabbitmq", "RabbitMQ: a broker with exchanges and routing keys",
			"RabbitMQ is a task queue with rich routing (priorities, routing keys) at tens of thousands of messages a second; consumed messages are gone, so there is no replay."},
		{"sqs", "SQS: a fully managed queue",
			"SQS needs no operations and scales without limit for simple job queues on AWS; ordering is best-effort unless FIFO, retention is at most 14 days, and there is no replay."},
		{"pulsar", "Pulsar: a log with tiered storage, multi-tenancy and geo-replication",
			"Pulsar offers Kafka-like throughput and replay plus tiered (effectively unlimited) retention, multi-tenancy and built-in geo-replication; it is the pick for multi-region, multi-tenant buses, and is as complex to run as Kafka."},
		{"sns", "SNS (fanning out to SQS queues and HTTP endpoints): managed fan-out",
			"SNS copies each published message to every subscription — an SQS queue per consumer, HTTP endpoints, Lambda — with per-subscription filter policies, and keeps nothing itself: no replay, and an HTTP endpoint that stays down longer than its delivery policy (3 retries in a minute by default) loses messages unless the subscription has a dead-letter queue."},
		{"pubsub", "Google Pub/Sub: managed publish/subscribe on Google Cloud",
			"Pub/Sub keeps a backlog per subscription, delivers by pull or push with an ack deadline the client must extend for long work, orders per ordering key when asked and dead-letters after a number of attempts: nothing to operate, no partitions to size."},
	}},
	{ID: "ordering", Step: 3, Question: "What ordering do you need?", Choices: []Choice{
		{"none", "None: any consumer may take any message",
			"When order does not matter (a welcome email), any queue with many competing consumers works and parallelism is unconstrained."},
		{"per-entity", "Per entity: partition by the entity's key",
			"Per-entity order comes from partitioning by the entity's key: all of one entity's events land in one partition and are processed in order by one consumer, while other entities proceed in parallel."},
		{"total", "Total: one partition or queue for everything",
			"Total order needs a single partition or queue: one consumer, no parallelism, so throughput is capped at what one partition and one consumer can do."},
	}},
	{ID: "partition_key", Step: 3, Question: "Which partition key?"},
	{ID: "failure", Step: 4, Question: "What happens when processing a message fails?", Choices: []Choice{
		{"retry-dlq", "Retry a few times with exponential backoff, then a dead-letter queue; alert on its depth",
			"Retrying with backoff rides out transient failures; after a few attempts the message moves to a dead-letter queue so it cannot block the messages behind it, and alerting on the DLQ's depth gets a person to look."},
		{"delay-queue", "Delay queue: retry after seconds or minutes",
			"A delay queue retries later rather than now, which suits rate limits and a downstream that is down for a while; on its own it does not stop a message that will never succeed."},
		{"human-review", "Dead-letter every failure, alert, and have a person review it",
			"For business-critical failures, retries end in a DLQ that raises an alert and is worked through by a person with inspection tools: nothing is dropped and nothing is silently retried forever."},
		{"drop", "Log the failure and drop the message",
			"Dropping keeps the pipeline moving at the price of losing data: acceptable for telemetry where one missing point changes nothing, never for money or user-visible state."},
	}},
	{ID: "backpressure", Step: 4, Question: "Producers outrun consumers for an hour. What is your backpressure strategy?", Choices: []Choice{
		{"queue-limit", "Bounded queue: reject new messages when it is full",
			"A depth limit protects the broker, but every producer must handle the rejection."},
		{"autoscale", "Scale consumers on lag",
			"Autoscaling consumers on lag catches up without losing anything, at the cost of money and spin-up time — and never beyond one consumer per partition."},
		{"drop", "Sample or drop low-priority messages",
			"Dropping low-priority messages sheds load by losing data on purpose: fine for metrics, not for anything that must add up."},
		{"rate-limit", "Throttle the producers",
			"Throttling producers pushes the problem upstream: the producer blocks or slows down."},
		{"retention", "Let the log absorb it: consumers pull at their own pace, retention holds the backlog",
			"A log-based system absorbs the burst on disk: consumers pull at their own pace and retention keeps the backlog for days, as long as there is disk for it."},
	}},
}

// decision returns the catalog entry for id.
func decision(id string) (*Decision, bool) {
	for i := range Decisions {
		if Decisions[i].ID == id {
			return &Decisions[i], true
		}
	}
	return nil, false
}

// Quantity is one back-of-envelope number the drill asks for; Key is the
// capacity plan's row key.
type Quantity struct {
	Key      string
	Question string
	Kind     string // "rate", "bytes" or "count": how an answer is parsed
}

// Quantities lists the numbers of step 5 in the order they are asked.
var Quantities = []Quantity{
	{"avg_messages_per_sec", "Average messages per second?", "rate"},
	{"peak_messages_per_sec", "Peak messages per second?", "rate"},
	{"bytes_per_day", "Bytes per day?", "bytes"},
	{"replicated_bytes", "Storage for the whole retention period, with replication?", "bytes"},
	{"partitions", "How many partitions?", "count"},
	{"brokers", "How many brokers?", "count"},
}

// FollowUp is a question an interviewer asks after the design, with the
// built-in simulator scenarios that show the answer in numbers.
type FollowUp struct {
	ID       string
	Question string
	Choices  []Choice
	Answer   string // the key of the right choice
	// Explanation is the written answer, ready to say aloud.
	Explanation string
	// Scenarios are the built-in `mqsim run` scenarios that prove the
	// answer, the one that shows the problem first.
	Scenarios []string
}

// FollowUps is the catalog a prompt picks its follow-ups from.
var FollowUps = []FollowUp{
	{ID: "consumers-fall-behind", Question: "Your consumers fall behind the producers. What happens?",
		Choices: []Choice{
			{Key: "a", Label: "Messages are lost once the broker's memory fills up"},
			{Key: "b", Label: "Lag grows for as long as the rates differ; the log keeps the backlog, so add consumers (up to one per partition) or make them faster"},
			{Key: "c", Label: "The broker pushes faster until the consumers catch up"},
			{Key: "d", Label: "Producers are blocked immediately"},
		},
		Answer:      "b",
		Explanation: "Consumers pull at their own pace, so nothing is pushed at them: lag grows at the difference between the produce and consume rates for as long as that lasts, and retention keeps the backlog on disk. The fix is more consumers — but a group uses at most one consumer per partition, which is why the partition count was sized for the peak — or faster processing. The backlog only becomes loss if it outlives retention.",
		Scenarios:   []string{"slow-consumer", "slow-consumer-scaled"}},
	{ID: "broker-dies-acks1", Question: "A broker dies. What do you lose with acks=1?",
		Choices: []Choice{
			{Key: "a", Label: "Nothing: replication factor 3 protects every acknowledged message"},
			{Key: "b", Label: "Everything on that broker's disk"},
			{Key: "c", Label: "Messages the leader acknowledged but followers had not yet copied; a follower becomes leader without them"},
			{Key: "d", Label: "Only messages still in the producer's buffer"},
		},
		Answer:      "c",
		Explanation: "With acks=1 the leader acknowledges as soon as it has appended the write, before any follower has fetched it. If the leader dies in that window, a follower that never saw those messages is elected and the producer has already been told they succeeded: acknowledged messages are lost. With acks=all and min.insync.replicas=2 the acknowledgement waits for the in-sync replicas, so a single broker failure loses nothing acknowledged — at the cost of a little latency.",
		Scenarios:   []string{"broker-failure-acks1", "broker-failure"}},
	{ID: "endpoint-outage", Question: "The webhook endpoint your SNS topic delivers to is down for 10 minutes. What happens to the messages?",
		Choices: []Choice{
			{Key: "a", Label: "Nothing: SNS keeps retrying for days"},
			{Key: "b", Label: "SNS retries on the subscription's delivery policy (by default 3 times in a minute), then discards each message — unless the subscription has a dead-letter queue"},
			{Key: "c", Label: "SNS queues them until the endpoint is back"},
			{Key: "d", Label: "The publisher gets an error"},
		},
		Answer:      "b",
		Explanation: "The publisher was answered long ago; SNS retries the delivery on the HTTP/S delivery policy — by default 3 retries 20 s apart — and then discards the message. In a 10-minute outage everything first tried more than a minute before recovery is gone, silently. Give the subscription a dead-letter queue, stretch the policy (up to 3,600 s in all), or put an SQS queue between SNS and the service, which AWS-managed endpoints retry for 23 days.",
		Scenarios:   []string{"sns-http-endpoint-outage"}},
	{ID: "ack-deadline", Question: "Your Pub/Sub subscribers take 15 s per message and the ack deadline is 10 s. What do you see?",
		Choices: []Choice{
			{Key: "a", Label: "Nothing: the ack still arrives"},
			{Key: "b", Label: "Each message is redelivered to another subscriber after 10 s and processed twice, unless the client extends its lease"},
			{Key: "c", Label: "Messages are dead-lettered at once"},
			{Key: "d", Label: "The publisher is throttled"},
		},
		Answer:      "b",
		Explanation: "The deadline expires while the first subscriber still works, so Pub/Sub delivers the message again — to another subscriber, at once without a retry policy — and both process it: a redelivery storm that doubles the work. Client libraries extend leases (ModifyAckDeadline) while a message is held; keep that on, or set the deadline above the longest processing time, and make processing idempotent anyway.",
		Scenarios:   []string{"pubsub-ack-deadline"}},
	{ID: "fan-out-filter", Question: "Four services subscribe to one order topic but each wants only some orders. Where do you filter?",
		Choices: []Choice{
			{Key: "a", Label: "In every consumer: receive everything, drop what it does not want"},
			{Key: "b", Label: "One topic per kind of order"},
			{Key: "c", Label: "A filter policy on each subscription, so unwanted copies are never made"},
			{Key: "d", Label: "A single queue shared by the four services"},
		},
		Answer:      "c",
		Explanation: "A subscription filter policy (AND across attributes, OR within one's values, numeric ranges) makes the fan-out copy only what each subscriber wants: no deliveries, requests or consumer work for the rest, and no topic per combination. Filtering in the consumer pays for every copy; a shared queue is point-to-point and gives each order to only one service.",
		Scenarios:   []string{"sns-fanout-filter"}},
	{ID: "noisy-tenant", Question: "One tenant bursts to ten times its usual rate on the shared cluster. What keeps the other tenants' latency?",
		Choices: []Choice{
			{Key: "a", Label: "Add brokers until the burst fits"},
			{Key: "b", Label: "A publish-rate quota per tenant at the broker, so the burst is throttled at its own producers"},
			{Key: "c", Label: "A consumer group per tenant"},
			{Key: "d", Label: "Shorter retention for that tenant"},
		},
		Answer:      "b",
		Explanation: "Without a quota the burst shares every queue, disk and NIC with the quiet tenants, so their latency rises with it; a per-tenant (namespace) publish-rate quota makes the broker stop reading the noisy tenant's connections past its rate, so only its producers slow down. In noisy-tenant the quiet tenant's p99 is 42.5 ms with the quota and 738 ms without. On Kafka (--vary system=kafka) a client quota of 5 MB/s per broker mutes the noisy producer's connection for (rate − quota) / quota × window: the quiet tenant's p99 falls from 488 ms to 154 ms, not to its quiet 6 ms, because each broker's replica fetcher still carries the throttled tenant's megabyte requests beside the quiet one's records. Adding brokers costs money for every burst; consumer groups and retention do nothing for the write path.",
		Scenarios:   []string{"noisy-tenant"}},
	{ID: "region-loss", Question: "Regions replicate asynchronously, and one region goes dark for good. What is lost?",
		Choices: []Choice{
			{Key: "a", Label: "Nothing: every acknowledged message is already in the other regions"},
			{Key: "b", Label: "What that region acknowledged but had not yet replicated: about the replication lag's worth"},
			{Key: "c", Label: "Everything produced in that region since the last backup"},
			{Key: "d", Label: "Only messages no consumer had read yet"},
		},
		Answer:      "b",
		Explanation: "Asynchronous geo-replication acknowledges the producer in its own region and ships the message later, so a region lost for good takes with it what it acknowledged within the replication lag — the price of not waiting on a WAN round trip for every write. In geo-replication-region-loss that is 132 acknowledged messages at a 165 ms lag, and none if the region comes back; on Kafka with a MirrorMaker 2-style replicator (--vary system=kafka), 89 messages at a mean lag of 85 ms — and consumers failing over resume at their last checkpoint of offsets, so they process again about 20,000 messages handled since it (checkpoints every 7 s of offsets committed every 5 s). Synchronous replication across regions would lose none, at a WAN round trip on every write.",
		Scenarios:   []string{"geo-replication-region-loss"}},
	{ID: "poison-message", Question: "One message always fails. Now what?",
		Choices: []Choice{
			{Key: "a", Label: "Retry it until it succeeds"},
			{Key: "b", Label: "Restart the consumer"},
			{Key: "c", Label: "Retry a few times with backoff, then move it to a dead-letter queue, alert, and carry on"},
			{Key: "d", Label: "Skip the whole partition"},
		},
		Answer:      "c",
		Explanation: "Retrying a poison message in place blocks everything behind it in that partition: head-of-line blocking, with that partition's lag growing without bound while the others are fine. Retry a bounded number of times with exponential backoff, then move it to a dead-letter queue and continue; alert on the DLQ's depth so a person looks at it. Retry topics avoid blocking too, but give up per-key order.",
		Scenarios:   []string{"poison-message"}},
	{ID: "hot-key", Question: "One key carries most of the traffic. What breaks?",
		Choices: []Choice{
			{Key: "a", Label: "Nothing: the partitioner spreads it evenly"},
			{Key: "b", Label: "That key's partition and its one consumer saturate while the others idle; adding consumers does not help"},
			{Key: "c", Label: "All partitions slow down equally"},
			{Key: "d", Label: "The broker rejects the hot key"},
		},
		Answer:      "b",
		Explanation: "A key always hashes to the same partition, and a partition has one consumer per group, so a hot key makes one partition the bottleneck while the rest idle; more consumers or partitions do not help that key. Options: a finer key (user plus a sub-key) where per-entity order allows it, salting the hot key into a few sub-keys and merging downstream, or handling the hot entity separately.",
		Scenarios:   []string{"hot-partition"}},
	{ID: "producer-retries", Question: "A produce request times out and the producer retries. Can the log now hold a duplicate?",
		Choices: []Choice{
			{Key: "a", Label: "No: brokers never store the same message twice"},
			{Key: "b", Label: "Yes, if the first attempt was appended and only the response was lost — unless the producer is idempotent"},
			{Key: "c", Label: "Only with acks=0"},
			{Key: "d", Label: "Only if the consumer crashes"},
		},
		Answer:      "b",
		Explanation: "A timeout does not mean the write failed: if the leader appended it and only the response was lost, the retry appends it again at a new offset. An idempotent producer (producer id plus sequence numbers) lets the broker drop the repeat; consumers should be idempotent anyway.",
		Scenarios:   []string{"lost-response"}},
	{ID: "retries-reorder", Question: "Retries are on with several requests in flight. Can one key's messages arrive out of order?",
		Choices: []Choice{
			{Key: "a", Label: "No: a partition is always ordered"},
			{Key: "b", Label: "Yes: a failed batch retried after a later one succeeded lands behind it — unless idempotence is on (or one request in flight)"},
			{Key: "c", Label: "Only across partitions"},
			{Key: "d", Label: "Only when a broker fails"},
		},
		Answer:      "b",
		Explanation: "The partition keeps the order in which writes arrive, not the order in which they were sent. With several batches in flight and no idempotence, a batch that fails and is retried lands after the batch behind it. Idempotence (sequence numbers per partition) or a single request in flight keeps send order.",
		Scenarios:   []string{"reorder-retries", "reorder-idempotent"}},
	{ID: "consumer-crash", Question: "A consumer crashes halfway through a batch. Lost or duplicated?",
		Choices: []Choice{
			{Key: "a", Label: "Lost, always"},
			{Key: "b", Label: "Neither: the broker tracks each message"},
			{Key: "c", Label: "Duplicated if it commits after processing (redelivery from the last commit); lost if it commits before processing"},
			{Key: "d", Label: "Duplicated, always"},
		},
		Answer:      "c",
		Explanation: "What the new owner reads next is decided by the last committed offset. Commit after processing and a crash redelivers everything processed since that commit: duplicates, no loss — at-least-once, made harmless by idempotent consumers. Commit before processing and the crash skips what was committed but not processed: at-most-once.",
		Scenarios:   []string{"consumer-crash", "at-most-once"}},
	{ID: "exactly-once-cost", Question: "Billing must never charge twice. Exactly-once transactions, or at-least-once with idempotent consumers?",
		Choices: []Choice{
			{Key: "a", Label: "Exactly-once always: it is free in Kafka since 0.11"},
			{Key: "b", Label: "Either gives no duplicates; at-least-once with an idempotent consumer is cheaper, exactly-once pays in latency (about half the commit interval) and requests, so use it where the consumer cannot dedupe"},
			{Key: "c", Label: "At-least-once alone: duplicates never happen without a broker failure"},
			{Key: "d", Label: "At-most-once: a lost charge is better than a double one"},
		},
		Answer:      "b",
		Explanation: "Measured on one pipeline under the same crash and broker failure: at-most-once lost 1,980 records, at-least-once duplicated 23, idempotent consumers and exactly-once neither. The difference is the cost: exactly-once's reader sees a record only when its transaction commits — the median end to end went from 7.5 ms to 87 ms at a 100 ms commit interval — and every commit adds AddPartitionsToTxn, TxnOffsetCommit and EndTxn round trips, two replicated __transaction_state writes and a marker per partition. So the seed's practical answer stands: at-least-once with an idempotent consumer gives effective exactly-once; use transactions when the output is itself a Kafka topic read by consumers you do not control (a stream processor).",
		Scenarios:   []string{"delivery-guarantees", "transaction-cost"}},
	{ID: "zombie-producer", Question: "An exactly-once stream processor stalls for 20 s, its partitions move to another instance, then it wakes and commits. What stops the duplicates?",
		Choices: []Choice{
			{Key: "a", Label: "Nothing: exactly-once assumes processes never pause"},
			{Key: "b", Label: "The broker deduplicates by message key"},
			{Key: "c", Label: "Fencing: its offset commit carries its old group generation (or its producer epoch was bumped by a successor), so it is refused, its transaction aborts, and read_committed readers never see what it wrote"},
			{Key: "d", Label: "The consumer's session timeout deletes its writes"},
		},
		Answer:      "c",
		Explanation: "The zombie's writes are in the log, but inside a transaction that can no longer commit: KIP-447 makes TxnOffsetCommit carry the member's generation, and a new instance with the same transactional.id bumps the producer epoch (PRODUCER_FENCED). The zombie aborts; an ABORT marker hides its records from read_committed readers, which meanwhile wait behind its open transaction (the last stable offset). A read_uncommitted reader does see them: exactly-once needs read_committed end to end.",
		Scenarios:   []string{"zombie-fencing", "exactly-once-pipeline", "transactional-producer"}},
	{ID: "hanging-transaction", Question: "read_committed consumers stop making progress while the brokers are healthy and producers keep writing. What is a likely cause?",
		Choices: []Choice{
			{Key: "a", Label: "The consumers are too slow"},
			{Key: "b", Label: "A transactional producer died mid-transaction: its open transaction pins the last stable offset until transaction.timeout.ms aborts it"},
			{Key: "c", Label: "The high watermark stopped because a follower is slow"},
			{Key: "d", Label: "Retention deleted the segments"},
		},
		Answer:      "b",
		Explanation: "A read_committed consumer reads only below the last stable offset: the first offset of the oldest undecided transaction. A producer that dies without a successor leaves its transaction open; everything after it on those partitions — other producers' committed data too — waits until the coordinator aborts it after transaction.timeout.ms (60 s, found at its next 10 s check: ~65 s in the simulation). Lag grows, then drops at once. Keep the timeout short and watch for hanging transactions.",
		Scenarios:   []string{"hanging-transaction"}},
	{ID: "retention-outlived", Question: "A consumer group is down for longer than the retention period. What happens when it returns?",
		Choices: []Choice{
			{Key: "a", Label: "It resumes exactly where it stopped"},
			{Key: "b", Label: "Its position has been deleted; it jumps to the latest (skipping data) or the earliest left, depending on auto.offset.reset"},
			{Key: "c", Label: "The broker keeps the data until the group returns"},
			{Key: "d", Label: "The producer is blocked"},
		},
		Answer:      "b",
		Explanation: "Retention deletes old segments whether or not anyone has read them. The group's committed offset now points at deleted data, and auto.offset.reset decides: latest silently skips everything in between, earliest reprocesses whatever is left. Size retention for the longest outage you must survive, and alert on lag long before it gets there.",
		Scenarios:   []string{"retention-loss"}},
	{ID: "all-replicas-down", Question: "Every in-sync replica of a partition is down and only a stale one is alive. What do you choose?",
		Choices: []Choice{
			{Key: "a", Label: "There is no choice: Kafka always keeps data and availability"},
			{Key: "b", Label: "Stay unavailable until an in-sync replica returns, or allow an unclean election and lose what the stale replica lacks"},
			{Key: "c", Label: "Restore from the consumers"},
			{Key: "d", Label: "Add a replica"},
		},
		Answer:      "b",
		Explanation: "It is consistency against availability. With unclean leader election off the partition stays offline until an in-sync replica comes back and nothing acknowledged is lost; with it on, the stale replica leads at once and every acknowledged write it never received is gone, even with acks=all. Money-moving topics keep it off.",
		Scenarios:   []string{"unclean-election", "min-isr-unavailable"}},
	{ID: "retry-storm", Question: "A downstream dependency slows down and every layer retries. What happens?",
		Choices: []Choice{
			{Key: "a", Label: "Retries smooth it out"},
			{Key: "b", Label: "Load multiplies (three layers of four attempts is up to 64x) and can keep the system down after the trigger is gone; use backoff with jitter and retry budgets"},
			{Key: "c", Label: "Nothing, the queue absorbs it"},
			{Key: "d", Label: "The dependency scales up automatically"},
		},
		Answer:      "b",
		Explanation: "Each layer's retries multiply the next layer's load: four attempts at each of three layers is up to 64 times the traffic against a dependency that is already slow, and the overload can outlast its cause. Retry at one layer only, with exponential backoff and jitter and a retry budget, and let a durable queue hold the work instead.",
		Scenarios:   []string{"retry-storm"}},
	{ID: "slow-dependency", Question: "The services call each other synchronously, and one three calls down slows from 50 ms to 2 s. What happens?",
		Choices: []Choice{
			{Key: "a", Label: "Only the requests that reach the slow service get slower"},
			{Key: "b", Label: "The callers' thread pools fill one after another, then the shared edge's, so even requests that never touch it fail until it recovers; a queue before it keeps the edge up and turns the slowdown into lag"},
			{Key: "c", Label: "The load balancer routes around the slow service"},
			{Key: "d", Label: "Timeouts protect every caller, so nothing else is affected"},
		},
		Answer:      "b",
		Explanation: "Each synchronous caller holds a thread for as long as it waits, so by Little's law the threads it needs are arrival rate × latency: at 60 calls/s a 2 s wait needs 120 threads, and a pool of 20 is gone in a third of a second. Its callers then wait on it, their pools fill in turn, and the edge's pool — shared by every kind of request — fills with them, so pages that never call the slow service fail too (the seed's \"one slow service blocked 14 others\"). Timeouts only bound the wait; they do not shrink arrival × timeout below the pool. With a queue in front of the slow service the caller returns once the broker has the message: the edge stays available and the backlog grows by arrival − service rate, draining when the service recovers. The price is that the work is done later.",
		Scenarios:   []string{"sync-cascade", "sync-vs-async-latency"}},
	{ID: "rebuild-read-model", Question: "A bug corrupted the balances read model. How do you get it back, and how long does it take?",
		Choices: []Choice{
			{Key: "a", Label: "Restore last night's database backup; the events since are gone"},
			{Key: "b", Label: "Replay the event log into a fresh view: events ÷ min(fetch rate, apply rate); snapshots every N events cut it to loading the latest plus at most N events"},
			{Key: "c", Label: "It cannot be rebuilt once the log has been compacted or read"},
			{Key: "d", Label: "Instantly: a read model is only a cache"},
		},
		Answer:      "b",
		Explanation: "The log is the source of truth, so the view is a fold of its events: start a new consumer at offset 0 (or at the latest snapshot) and apply every event again. It takes events ÷ min(fetch rate, apply rate) — a week of events, one every 2 seconds, with 2 ms applies is 302,400 ÷ 500/s ≈ 10 minutes, fetching is rarely the bottleneck — so snapshots every N events bound a rebuild to loading one plus at most N events, paid for in snapshot writes and storage. The same fold up to the offset for a time answers an auditor's \"what was the balance then?\". An event log must never be compacted: compaction keeps only each key's last event.",
		Scenarios:   []string{"event-sourcing-replay", "audit-point-in-time"}},
}

// followUp returns the catalog entry for id.
func followUp(id string) (*FollowUp, bool) {
	for i := range FollowUps {
		if FollowUps[i].ID == id {
			return &FollowUps[i], true
		}
	}
	return nil, false
}

// StepTitles are the five steps of the interview framework.
var StepTitles = [6]string{"",
	"Sync or async",
	"System and delivery guarantee",
	"Ordering and partitioning",
	"Failures and backpressure",
	"Back-of-envelope",
}
