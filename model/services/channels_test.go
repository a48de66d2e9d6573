package services

// The systems whose channels the tests' asynchronous calls go through
// (mqsim/model/systems links them into the command).
import (
	_ "mqsim/model/kafka"
	_ "mqsim/model/pulsar"
	_ "mqsim/model/rabbitmq"
	_ "mqsim/model/sqs"
)
