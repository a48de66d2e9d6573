package sqs

import "testing"

// TestCeleryRedisTransport: ETA tasks with a 270 s countdown, the queue's
// visibility timeout left at its default. On the SQS transport that is
// 30 s, so each task is received again every 30 s while a worker holds it
// and runs 1 + ⌊270 / 30⌋ = 10 times: 9 duplicates per task. On the Redis
// transport Celery's visibility_timeout is 1 h: ⌊270 / 3600⌋ = 0, no
// duplicates — until a countdown passes an hour. Its requests cost
// nothing (no price per million).
func TestCeleryRedisTransport(t *testing.T) {
	const y = `name: eta
system: sqs
seed: 1
duration: 10s
drain: 10m
sqs:
  queues:
    - {name: q, receive_wait: 20s}
producers:
  - {name: p, topic: q, rate: 1/s, arrival: constant}
consumer_groups:
  - {name: w, topic: q, consumers: 2, processing: const(100ms)}
celery:
  concurrency: 2
  countdown: const(270s)
`
	_, sqs := play(t, load(t, y))
	_, redis := play(t, load(t, y, "celery.transport=redis"))
	tasks := sqs.Acked
	if tasks < 9 || tasks > 10 {
		t.Fatalf("%d tasks, want 9 or 10 (one a second for 10 s)", tasks)
	}
	if sqs.Duplicates != 9*tasks {
		t.Errorf("SQS transport: %d duplicates for %d tasks, want 9 each", sqs.Duplicates, tasks)
	}
	if redis.Duplicates != 0 || redis.Lost != 0 || redis.Unseen != 0 {
		t.Errorf("Redis transport: duplicates %d, lost %d, unseen %d; want 0", redis.Duplicates, redis.Lost, redis.Unseen)
	}
	if redis.MonthlyCost != 0 || sqs.MonthlyCost == 0 {
		t.Errorf("monthly cost: Redis %g (want 0), SQS %g (want above 0)", redis.MonthlyCost, sqs.MonthlyCost)
	}
}
