package scenarios

import (
	"fmt"

	"mqsim/scenarios/units"
)

// Celery's defaults (celery/celery docs, configuration and tasks pages).
const (
	DefaultCeleryPrefetchMultiplier = 4
	DefaultCeleryConcurrency        = 1
	DefaultCeleryMaxRetries         = 3
	DefaultCeleryRetryDelay         = 180 * units.Second // default_retry_delay
	DefaultCeleryRetryBackoffMax    = 600 * units.Second // retry_backoff_max
)

// Celery is the `celery:` section: every consumer group of the scenario is
// a pool of Celery workers (consumers = workers) on the SQS transport.
type Celery struct {
	// Concurrency is worker_concurrency: tasks one worker runs at once
	// (Celery's default is the CPU count; here 1 unless set).
	Concurrency int `yaml:"concurrency" json:"concurrency"`
	// PrefetchMultiplier is worker_prefetch_multiplier: a worker reserves
	// up to concurrency × multiplier messages (0 = unlimited). Default 4.
	PrefetchMultiplier *int `yaml:"prefetch_multiplier" json:"prefetch_multiplier"`
	// AcksLate is task_acks_late: acknowledge (delete) after the task ran
	// instead of just before (at-least-once instead of at-most-once).
	AcksLate bool `yaml:"acks_late" json:"acks_late"`
	// MaxRetries is max_retries (3): a failed task is retried with a
	// countdown this many times, then fails for good.
	MaxRetries *int `yaml:"max_retries" json:"max_retries"`
	// DefaultRetryDelay is default_retry_delay (180s): the countdown of a
	// retry without retry_backoff.
	DefaultRetryDelay units.Duration `yaml:"default_retry_delay" json:"default_retry_delay"`
	// RetryBackoff is retry_backoff: countdowns of 1, 2, 4, 8 … s, capped at
	// RetryBackoffMax (600s).
	RetryBackoff    bool           `yaml:"retry_backoff" json:"retry_backoff,omitempty"`
	RetryBackoffMax units.Duration `yaml:"retry_backoff_max" json:"retry_backoff_max"`
	// RetryJitter is retry_jitter (true): with retry_backoff, each
	// countdown is drawn uniformly from [0, countdown].
	RetryJitter *bool `yaml:"retry_jitter" json:"retry_jitter"`
	// RateLimit is the task's rate_limit, per worker (not global): at most
	// this many task starts per second on each worker. 0 = none.
	RateLimit units.Rate `yaml:"rate_limit" json:"rate_limit,omitempty"`
	// RejectOnWorkerLost is task_reject_on_worker_lost: with acks_late, a
	// task whose process was killed is requeued (visible again at once)
	// instead of acknowledged. It acts when crash_kills is processes.
	RejectOnWorkerLost bool `yaml:"reject_on_worker_lost" json:"reject_on_worker_lost,omitempty"`
	// CrashKills is what a consumer-crash fault kills on a worker: "worker"
	// (the default: the whole worker, which sends nothing more; its
	// unacknowledged messages come back after the visibility timeout) or
	// "processes" (the pool's processes running tasks; the worker lives,
	// replaces them at once and settles each lost task: acknowledged, or
	// requeued with acks_late and reject_on_worker_lost).
	CrashKills string `yaml:"crash_kills" json:"crash_kills,omitempty"`
	// Countdown, if set, is the countdown every task is published with
	// (apply_async(countdown=…)): the worker holds it in memory until its
	// ETA, outside the prefetch window.
	Countdown TimeDist `yaml:"countdown" json:"countdown,omitzero"`
	// Transport is the broker Celery talks to: "sqs" (the default) or
	// "redis", a Redis-like transport whose unacknowledged messages come
	// back after its visibility_timeout (Celery's default 1 h: the
	// queues' visibility_timeout defaults to it), with a sub-millisecond
	// round trip (sqs.request_latency defaults to 1ms) and no bill per
	// request. It has no FIFO queues and no redrive policy.
	Transport string `yaml:"transport" json:"transport,omitempty"`
}

// Celery's Redis transport (kombu): visibility_timeout 3600 s.
const (
	DefaultRedisVisibility = units.Hour
	DefaultRedisLatency    = units.Millisecond
)

// redisTransport reports whether the scenario's Celery workers use the
// Redis-like transport.
func (s *Scenario) redisTransport() bool { return s.Celery != nil && s.Celery.Transport == "redis" }

// Multiplier is the prefetch multiplier, Celery's default when unset.
func (c *Celery) Multiplier() int {
	if c.PrefetchMultiplier == nil {
		return DefaultCeleryPrefetchMultiplier
	}
	return *c.PrefetchMultiplier
}

// Retries is max_retries, Celery's default when unset.
func (c *Celery) Retries() int {
	if c.MaxRetries == nil {
		return DefaultCeleryMaxRetries
	}
	return *c.MaxRetries
}

// Jitter is retry_jitter, Celery's default (true) when unset.
func (c *Celery) Jitter() bool { return c.RetryJitter == nil || *c.RetryJitter }

func (s *Scenario) defaultsCelery() {
	c := s.Celery
	if c == nil {
		return
	}
	setInt(&c.Concurrency, DefaultCeleryConcurrency)
	setDur(&c.DefaultRetryDelay, DefaultCeleryRetryDelay)
	setDur(&c.RetryBackoffMax, DefaultCeleryRetryBackoffMax)
	setStr(&c.CrashKills, "worker")
	setStr(&c.Transport, "sqs")
}

func (s *Scenario) validateCelery(v *validator) {
	c := s.Celery
	if c == nil {
		return
	}
	v.between("celery.concurrency", c.Concurrency, 1, 10_000)
	if m := c.Multiplier(); m < 0 || m > 10_000 {
		v.add("celery.prefetch_multiplier", "%d is out of range: want 0 (unlimited) to 10,000", m)
	}
	if n := c.Retries(); n < 0 || n > 1000 {
		v.add("celery.max_retries", "%d is out of range: want 0 to 1000", n)
	}
	if c.DefaultRetryDelay < 0 {
		v.add("celery.default_retry_delay", "must not be negative")
	}
	if c.RetryBackoffMax <= 0 {
		v.add("celery.retry_backoff_max", "must be above 0 (Celery: 600s)")
	}
	if c.RateLimit < 0 {
		v.add("celery.rate_limit", "must not be negative")
	}
	v.oneOf("celery.crash_kills", c.CrashKills, "worker", "processes")
	v.oneOf("celery.transport", c.Transport, "sqs", "redis")
	if s.redisTransport() && s.SQS != nil {
		for i, q := range s.SQS.Queues {
			f := fmt.Sprintf("sqs.queues[%d].", i)
			if q.IsFIFO() {
				v.add(f+"type", "fifo with celery.transport: redis: the Redis transport has no FIFO queues")
			}
			if q.DeadLetterQueue != "" {
				v.add(f+"dead_letter_queue", "with celery.transport: redis: the Redis transport has no redrive policy")
			}
		}
	}
	if c.RejectOnWorkerLost && !c.AcksLate {
		v.add("celery.reject_on_worker_lost", "set without acks_late: an early-acked task is already deleted when its process dies, so there is nothing to reject")
	}
	for i, f := range s.Faults {
		if c.CrashKills == "processes" && f.Type == "consumer-crash" && f.Duration > 0 {
			v.add(fmt.Sprintf("faults[%d].duration", i), "with celery.crash_kills: processes the worker replaces its processes at once: remove the duration")
		}
	}
	if c.Countdown.Dist != nil {
		if m := c.Countdown.Mean(); m < 0 || m > 30*86400 {
			v.add("celery.countdown", "mean %gs is out of range: want 0 to 30 days", m)
		}
	}
}
