// Package systems links every simulated system into a program, so that
// model.Run finds the system a scenario names. Import it for its side
// effect wherever scenarios are run (the command, sweeps, tests that run
// scenarios):
//
//	import _ "mqsim/model/systems"
//
// A system added beside model/kafka gets its blank import here.
package systems

import (
	_ "mqsim/model/kafka"    // Kafka: brokers, replicated partitions, producers, consumer groups
	_ "mqsim/model/pubsub"   // Google Pub/Sub: topics, pull and push subscriptions, ack deadlines, ordering keys
	_ "mqsim/model/pulsar"   // Apache Pulsar: stateless brokers, BookKeeper bookies, subscriptions
	_ "mqsim/model/rabbitmq" // RabbitMQ: exchanges, classic and quorum queues, confirms, prefetch
	_ "mqsim/model/services" // service graphs: pools, timeouts, retries, breakers, async calls through any channel (model/channel)
	_ "mqsim/model/sns"      // Amazon SNS: topics fanning out to SQS queues and HTTP endpoints
	_ "mqsim/model/sqs"      // Amazon SQS: standard and FIFO queues, consumers, Celery workers
)
