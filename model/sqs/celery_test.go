package sqs

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"mqsim/scenarios"
	"mqsim/sim"
)

const celeryBase = `name: celery
system: sqs
seed: 1
duration: %s
sample_interval: 1s
sqs:
  queues:
    - name: tasks
      receive_wait: 20s
      visibility_timeout: %s
producers:
  - name: app
    topic: tasks
    rate: %s
    arrival: constant
consumer_groups:
  - name: workers
    topic: tasks
    consumers: %d
    processing: %s
celery:
%s`

// Each worker keeps concurrency × prefetch_multiplier messages unacked:
// 3 workers × 2 × 4 = 24 in flight, early or late ack (an early-acked
// running task has left the window and the queue).
func TestCeleryReservation(t *testing.T) {
	for _, late := range []bool{false, true} {
		sc := load(t, fmt.Sprintf(celeryBase, "30s", "12h", "100/s", 3, "const(10m)",
			fmt.Sprintf("  concurrency: 2\n  prefetch_multiplier: 4\n  acks_late: %v\n", late)))
		w, err := build(sc)
		if err != nil {
			t.Fatal(err)
		}
		w.s.RunUntil(sim.Seconds(20))
		if got := w.queues[0].q.InFlight(); got != 24 {
			t.Errorf("acks_late=%v: %d messages in flight, want 3 workers × 2 × 4 = 24", late, got)
		}
		running := 0
		for _, c := range w.groups[0].consumers {
			running += c.running
		}
		if running != 6 {
			t.Errorf("acks_late=%v: %d tasks running, want 3 × 2 = 6", late, running)
		}
	}
}

// A task held for its ETA longer than the visibility timeout becomes
// visible again and is received — and run — again: ⌊ETA / visibility⌋
// extra runs. 9 tasks (one a second from 1 s to 9 s) with a countdown of
// 100 s: visibility 30 s gives ⌊100/30⌋ = 3 duplicates each, 40 s gives
// ⌊100/40⌋ = 2, 120 s none.
func TestCeleryETADuplicates(t *testing.T) {
	for _, c := range []struct {
		vis  string
		want int64
	}{{"30s", 9 * 3}, {"40s", 9 * 2}, {"120s", 0}} {
		sc := load(t, fmt.Sprintf(celeryBase, "10s", c.vis, "1/s", 2, "const(1s)", "  concurrency: 4\n  countdown: const(100s)\n"), "drain=5m")
		_, r := play(t, sc)
		if r.Duplicates != c.want || r.Lost != 0 || r.Unseen != 0 {
			t.Errorf("visibility %s: duplicates %d, lost %d, unseen %d; want %d, 0, 0", c.vis, r.Duplicates, r.Lost, r.Unseen, c.want)
		}
	}
}

// rate_limit is per worker: 10 workers at 100/m start at most 1,000
// tasks a minute between them (16.67/s), with a backlog to draw from.
func TestCeleryRateLimitIsPerWorker(t *testing.T) {
	sc := load(t, fmt.Sprintf(celeryBase, "70s", "12h", "40/s", 10, "const(1ms)", "  rate_limit: 100/m\n"))
	_, r := play(t, sc)
	col := r.Series.Column("consumed_per_s/workers")
	var sum float64
	n := 0
	for i, tm := range r.Series.Time {
		if tm > 10 && tm <= 70 {
			sum += col[i]
			n++
		}
	}
	got := sum / float64(n) * 60
	if math.Abs(got-1000) > 20 {
		t.Errorf("%.0f tasks/min between 10 s and 70 s, want 10 workers × 100/m = 1,000/m", got)
	}
}

// Retries: with retry_backoff and no jitter the countdowns are 1, 2, 4, 8
// … s, capped at retry_backoff_max; without it, default_retry_delay.
func TestCeleryBackoff(t *testing.T) {
	yes, no := true, false
	c := &scenarios.Celery{RetryBackoff: true, RetryJitter: &no, RetryBackoffMax: 600 * 1e9, DefaultRetryDelay: 180 * 1e9}
	for n, want := range map[int]float64{1: 1, 2: 2, 3: 4, 4: 8, 10: 512, 11: 600} {
		if got := backoff(c, n, nil).Seconds(); got != want {
			t.Errorf("retry %d: countdown %gs, want %gs", n, got, want)
		}
	}
	c.RetryBackoff = false
	if got := backoff(c, 1, nil).Seconds(); got != 180 {
		t.Errorf("without retry_backoff: %gs, want default_retry_delay 180s", got)
	}
	// retry_jitter: uniform in [0, 4 s] before the 3rd retry, mean 2 s.
	c.RetryBackoff, c.RetryJitter = true, &yes
	rng := rand.New(rand.NewPCG(1, 2))
	var sum float64
	for range 10_000 {
		d := backoff(c, 3, rng).Seconds()
		if d < 0 || d > 4 {
			t.Fatalf("jittered countdown %gs outside [0, 4]", d)
		}
		sum += d
	}
	if mean := sum / 10_000; math.Abs(mean-2) > 0.05 {
		t.Errorf("mean jittered countdown %.3fs, want 2s (uniform on [0, 4])", mean)
	}
}

// A task that always fails runs 1 + max_retries times, then fails for
// good; with backoff and no jitter, its runs start 1, 2 and 4 s apart.
func TestCeleryMaxRetries(t *testing.T) {
	sc := load(t, fmt.Sprintf(celeryBase, "2s", "30s", "1/s", 1, "const(10ms)",
		"  retry_backoff: true\n  retry_jitter: false\n")+"", "consumer_groups.0.failures.poison_share=100%", "consumer_groups.0.failures.policy=retry")
	_, r := play(t, sc)
	if r.Produced != 1 || r.ProcessingRetries != 3 || r.Discarded != 1 || r.Lost != 0 || r.Duplicates != 0 {
		t.Errorf("produced %d, retries %d, failed for good %d, lost %d, duplicates %d; want 1, 3, 1, 0, 0",
			r.Produced, r.ProcessingRetries, r.Discarded, r.Lost, r.Duplicates)
	}
}

// A worker dies while running two 100 s tasks (sent at 1 s and 2 s) at
// 2.5 s. Killing the whole worker: early-acked tasks are lost, late-acked
// ones come back after the 200 s visibility timeout. Killing its processes
// (the worker lives): early-acked tasks are lost, late-acked ones are
// acknowledged as failed — lost — unless reject_on_worker_lost requeues
// them at once.
func TestCeleryWorkerLost(t *testing.T) {
	for _, c := range []struct {
		celery          string
		restart         string
		lost, processed int64
	}{
		{"  crash_kills: worker\n", "10s", 2, 0},
		{"  crash_kills: worker\n  acks_late: true\n", "10s", 0, 2},
		{"  crash_kills: processes\n", "0s", 2, 0},
		{"  crash_kills: processes\n  acks_late: true\n", "0s", 2, 0},
		{"  crash_kills: processes\n  acks_late: true\n  reject_on_worker_lost: true\n", "0s", 0, 2},
	} {
		yaml := fmt.Sprintf(celeryBase, "3s", "200s", "1/s", 1, "const(100s)", "  concurrency: 2\n"+c.celery) +
			"faults:\n  - type: consumer-crash\n    group: workers\n    consumer: 0\n    at: 2500ms\n    duration: " + c.restart + "\n"
		_, r := play(t, load(t, yaml, "drain=10m"))
		if r.Lost != c.lost || r.Groups[0].Processed != c.processed || r.Duplicates != 0 || r.Unseen != 0 {
			t.Errorf("%q: lost %d, processed %d, duplicates %d, unseen %d; want %d, %d, 0, 0",
				c.celery, r.Lost, r.Groups[0].Processed, r.Duplicates, r.Unseen, c.lost, c.processed)
		}
	}
}
