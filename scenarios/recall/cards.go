package recall

// Topic is a group of cards, named after the table of the seed it drills.
type Topic struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}

// Topics lists the topics in the order the seed presents them.
var Topics = []Topic{
	{"sync-async", "Sync vs async"},
	{"models", "Queues, pub/sub and consumer groups"},
	{"delivery", "Delivery guarantees"},
	{"ordering", "Ordering"},
	{"kafka", "Kafka's components"},
	{"kafka-fast", "Why Kafka is fast"},
	{"sizing", "Back-of-envelope sizing"},
	{"failures", "Failure handling and dead-letter queues"},
	{"backpressure", "Backpressure strategies"},
	{"systems", "Kafka, RabbitMQ, SQS or Pulsar"},
	{"quick-recall", "Quick recall"},
}

// Card is one flash card: a question and the answer to say.
type Card struct {
	ID    string `json:"id"`
	Topic string `json:"topic"`
	Front string `json:"front"`
	Back  string `json:"back"`
}

// cards are written in mqsim's own words; recall_test checks each topic
// against the facts of the seed.
var cards = []Card{
	// Sync vs async.
	{"sync-coupling", "sync-async", "How are two services coupled when one calls the other synchronously, and when they talk through a queue?",
		"A synchronous call couples them in time and space: both must be up and each must know the other. A queue decouples both: the producer neither waits for nor needs to know the consumer."},
	{"sync-failure", "sync-async", "Service A calls B. What happens to A when B is down — synchronously, and asynchronously?",
		"Synchronously, A fails with B. Asynchronously, A succeeds: the message waits in the queue until B is back."},
	{"sync-throughput", "sync-async", "What limits throughput in a synchronous chain, and what does a queue change?",
		"A chain of calls runs at the speed of its slowest service. A queue absorbs bursts, so producers and consumers each run at their own rate."},
	{"sync-costs", "sync-async", "What do you give up by going async?",
		"An immediate response (work is processed eventually), easy debugging (no single request/response trace), and the queue itself must be durable or messages can be lost."},
	{"async-when", "sync-async", "Give the five signs that a call should be asynchronous.",
		"The producer needs no immediate confirmation; the consumer is slower than the producer; you must survive downstream failures; several consumers need the event (fan-out); you want to replay it."},
	{"sync-when", "sync-async", "When should a call stay synchronous?",
		"When a user is waiting for the answer (login, confirming a payment), for simple request/response reads (a profile), and when latency must stay under about 10 ms."},

	// Models.
	{"model-queue", "models", "Point-to-point queue: who gets a message, and what happens to it after?",
		"Exactly one consumer gets it, and once consumed it is gone. Used for job distribution: 'process this image', 'send this email' (RabbitMQ, SQS, Celery)."},
	{"model-pubsub", "models", "Publish/subscribe: who gets a message?",
		"Every subscriber, each with its own copy — for broadcasting events that several services need, like 'order placed' feeding inventory, notifications and analytics (Kafka, SNS, Google Pub/Sub)."},
	{"model-groups", "models", "How do Kafka's consumer groups combine the queue and pub/sub models?",
		"Inside a group each partition goes to one consumer (point-to-point); across groups every group gets every message (pub/sub)."},

	// Delivery.
	{"delivery-amo", "delivery", "At-most-once: how does it work, what does it cost, when is it fine?",
		"Send and forget, never retry. Fastest, but messages can be lost — fine for metrics and logs, where loss is tolerable."},
	{"delivery-alo", "delivery", "At-least-once: how does it work, and what does it demand of consumers?",
		"Retry until the consumer acknowledges; duplicates can arrive, so consumers must be idempotent. It is the standard, right for about 95% of systems."},
	{"delivery-eo", "delivery", "Exactly-once: what does it take, and when is it worth it?",
		"Transactional produces, idempotent consumers and the offset commit in the same transaction. Slowest and most complex — kept for financial transactions and billing."},
	{"delivery-practical", "delivery", "What is the practical delivery answer in an interview?",
		"At-least-once with idempotent consumers: every message has a unique ID, the consumer records processed IDs (an idempotency key in its database) and skips repeats — effectively exactly-once without its cost."},
	{"delivery-idempotent", "delivery", "Walk through an idempotent consumer receiving message msg-abc-123.",
		"Check whether msg-abc-123 was already processed. If yes, acknowledge and skip. If no, process it, record the ID, then acknowledge. A redelivery is then harmless."},

	// Ordering.
	{"ordering-none", "ordering", "No ordering needed: what can you use?",
		"Any queue with many competing consumers, e.g. sending welcome emails."},
	{"ordering-entity", "ordering", "How do you get per-entity ordering?",
		"Partition by the entity's key: all of user_123's events land in one partition and are processed in order, while user_456's interleave freely on another."},
	{"ordering-total", "ordering", "Total ordering: how, and at what price?",
		"A single partition or queue — no parallelism, so it is slow. Needed for things like a financial ledger or a consensus log."},
	{"ordering-kafka", "ordering", "What ordering does Kafka guarantee?",
		"Order within a partition only. Use a partition key to put related messages in the same partition."},

	// Kafka components.
	{"kafka-broker", "kafka", "What is a Kafka broker, and why have several?",
		"A server that stores the message log; several make the storage distributed."},
	{"kafka-topic-partition", "kafka", "Topic versus partition?",
		"A topic is a named feed ('orders', 'clicks') that separates data logically; a partition is an ordered, immutable log inside a topic and the unit of parallelism."},
	{"kafka-offset", "kafka", "What is an offset and what does it enable?",
		"A message's position in its partition. Consumers track offsets, which enables replay and exactly-once processing."},
	{"kafka-rf", "kafka", "Replication factor: usual value and purpose?",
		"The number of copies of each partition, usually 3, for fault tolerance."},
	{"kafka-isr", "kafka", "What is the ISR?",
		"The in-sync replicas: the replicas caught up with the leader. It is what the durability guarantee rests on."},
	{"kafka-log", "kafka", "Why is Kafka log-based, and why pull-based?",
		"Messages are appended and kept until retention expires, which allows replay. Consumers pull at their own pace, which gives natural backpressure."},

	// Why Kafka is fast.
	{"fast-sequential", "kafka-fast", "Why is appending to a log so fast?",
		"It is sequential disk I/O — around 600 MB/s against about 100 MB/s for random access."},
	{"fast-zerocopy", "kafka-fast", "What is zero-copy in Kafka?",
		"The sendfile system call moves data from disk to the network without copying it through user space."},
	{"fast-batch", "kafka-fast", "How does batching make Kafka fast?",
		"Many messages are compressed together and travel as one batch."},
	{"fast-pagecache", "kafka-fast", "What role does the page cache play?",
		"The operating system keeps recently used log segments in memory, so most reads never touch the disk."},

	// Sizing.
	{"sizing-partitions", "sizing", "100K messages/s to consume, one consumer does 5K/s: how many partitions?",
		"100K / 5K = 20 partitions minimum; with 2x headroom, 40."},
	{"sizing-rate", "sizing", "500M daily users, 20 events each: messages per day, per second, and at a 10x peak?",
		"10 billion a day; 10B / 86,400 ≈ 115K per second on average; about 1.16M per second at the peak."},
	{"sizing-storage", "sizing", "10 billion 500-byte messages a day, kept 7 days, replication factor 3: how much storage?",
		"5 TB a day; 35 TB for 7 days; 105 TB with three replicas."},
	{"sizing-brokers", "sizing", "105 TB to store, 10 TB of disk per broker, 1.16M msg/s at 10K per partition: brokers and partitions?",
		"About 11 brokers (105 / 10 = 10.5, rounded up) and about 116 partitions (1.16M / 10K = 115.7, rounded up)."},

	// Failures.
	{"fail-retry", "failures", "Immediate retry: how, and for what?",
		"Retry about 3 times with backoff — for transient failures like a network blip."},
	{"fail-dlq", "failures", "Dead-letter queue: how, and for what?",
		"After N failed retries, move the message to a separate queue — for poison messages and persistent failures."},
	{"fail-delay", "failures", "Delay queue: how, and for what?",
		"Retry after seconds or minutes — for rate limits and a downstream that is down for a while."},
	{"fail-human", "failures", "When does failure handling need a person?",
		"For business-critical failures: alert, and inspect the DLQ with tooling."},
	{"fail-poison", "failures", "What is the poison-message problem, and the fix?",
		"One message that always fails blocks everything behind it — head-of-line blocking. A DLQ moves it aside so processing continues."},

	// Backpressure.
	{"bp-limit", "backpressure", "Backpressure by queue depth limit: how, and the trade-off?",
		"Reject new messages when the queue is full; the producer gets an error it must handle."},
	{"bp-scale", "backpressure", "Backpressure by consumer scaling: how, and the trade-off?",
		"Autoscale consumers on lag; it costs money and spin-up time."},
	{"bp-drop", "backpressure", "Backpressure by sampling or dropping: how, and the trade-off?",
		"Drop low-priority messages — data loss, acceptable for metrics."},
	{"bp-throttle", "backpressure", "Backpressure by producer rate limiting: the trade-off?",
		"The producer is throttled, so it is blocked."},
	{"bp-kafka", "backpressure", "What is Kafka's approach to backpressure?",
		"Consumers pull at their own pace and messages are retained for days — you need enough disk for the retention."},

	// Systems.
	{"sys-throughput", "systems", "Throughput of Kafka, RabbitMQ, SQS and Pulsar?",
		"Kafka: millions/s. RabbitMQ: 10–50K/s. SQS: unlimited (managed). Pulsar: millions/s."},
	{"sys-retention", "systems", "Retention and replay of Kafka, RabbitMQ, SQS and Pulsar?",
		"Kafka keeps days or weeks and replays by resetting offsets; RabbitMQ keeps messages until consumed, no replay; SQS keeps at most 14 days, no replay; Pulsar has tiered, effectively infinite retention and replays."},
	{"sys-ordering", "systems", "Ordering in Kafka, RabbitMQ, SQS and Pulsar?",
		"Kafka and Pulsar: per partition. RabbitMQ: per queue. SQS: best-effort, FIFO queues available."},
	{"sys-usecase", "systems", "Typical use of each: Kafka, RabbitMQ, SQS, Pulsar?",
		"Kafka: event streaming, data pipelines. RabbitMQ: task queues, RPC. SQS: simple, serverless on AWS. Pulsar: multi-tenant, geo-replicated."},
	{"sys-ops", "systems", "How hard is each to operate?",
		"Kafka: complex (ZooKeeper or KRaft, brokers). RabbitMQ: moderate. SQS: nothing to operate. Pulsar: complex."},
	{"sys-delivery", "systems", "Delivery guarantee of Kafka, RabbitMQ, SQS and Pulsar?",
		"All at-least-once; Kafka also offers exactly-once (idempotent producer, transactions, read_committed). At-least-once holds for what was replicated before the acknowledgement: a classic RabbitMQ queue lives on one node."},
	{"sys-measured", "systems", "Which claims of the comparison table need a qualifier when measured (mqsim compare-systems)?",
		"RabbitMQ's per-queue order holds only with one consumer: competing consumers reorder a key. SQS's 'unlimited' is for standard queues: a FIFO queue takes 300 API calls per second per action without high-throughput mode. RabbitMQ's 10–50K/s is quorum queues with 1 KB messages."},
	{"sys-fanout", "systems", "SNS and Google Pub/Sub beside the table: what do they add, and what do they lack?",
		"Managed publish/subscribe: SNS copies each message to every subscription (SQS queues, HTTP endpoints) with filter policies; Pub/Sub keeps a backlog per subscription with ack deadlines, ordering keys and dead-letter topics. Neither replays what was acked (Pub/Sub's seek aside), and an SNS HTTP endpoint down longer than its retry policy loses messages without a DLQ."},
	{"sys-decide", "systems", "The decision framework: replay, simple AWS jobs, complex routing, multi-region multi-tenant, no infrastructure?",
		"Replay → Kafka or Pulsar. Simple job queue on AWS → SQS. Priorities and routing keys → RabbitMQ. Multi-region, multi-tenant → Pulsar. No infrastructure → SQS or a managed Kafka."},

	// Quick recall.
	{"qr-async", "quick-recall", "When async over sync?",
		"When the producer needs no immediate response, must survive the consumer failing, or runs at a different rate."},
	{"qr-ordering", "quick-recall", "What ordering guarantee does a partitioned log give?",
		"Within a partition only; partition by the entity key for per-entity order."},
	{"qr-alo-eo", "quick-recall", "At-least-once or exactly-once?",
		"At-least-once with an idempotent consumer is the practical standard."},
	{"qr-kafka-rabbit", "quick-recall", "Kafka or RabbitMQ?",
		"Kafka for event streaming, replay and high throughput; RabbitMQ for task queues and routing."},
	{"qr-partitions", "quick-recall", "How many partitions?",
		"Target throughput divided by per-consumer throughput, times 2 for headroom."},
	{"qr-dlq", "quick-recall", "What is a dead-letter queue for?",
		"It receives messages that failed N retries, so they stop blocking the queue (no head-of-line blocking)."},
	{"qr-fast", "quick-recall", "Why is Kafka fast, in four words?",
		"Sequential I/O, zero-copy, batching, page cache."},
	{"qr-group", "quick-recall", "What does a consumer group do, and what caps its size?",
		"It load-balances partitions across consumers; a group can use at most as many consumers as there are partitions."},
}

// Cards returns every card, in the order of Topics.
func Cards() []Card { return append([]Card(nil), cards...) }
