package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCapacitySystems: --system rabbitmq and sqs size the same workload
// for a queue, in every output format, and refuse bad queue settings and
// the Kafka-only modes with exit 2.
func TestCapacitySystems(t *testing.T) {
	for _, sys := range []string{"rabbitmq", "sqs"} {
		code, out, errs := run(t, "capacity", "partitions-100k", "--system", sys, "--output", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", sys, code, errs)
		}
		var plan struct {
			System string `json:"system"`
			Rows   []struct {
				Key string `json:"key"`
			} `json:"rows"`
			Verdict []string `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(out), &plan); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range plan.Rows {
			keys = append(keys, r.Key)
		}
		joined := strings.Join(keys, " ")
		if plan.System != sys || len(plan.Verdict) == 0 || !strings.Contains(joined, sys+"_") || strings.Contains(joined, "partitions_producer") {
			t.Errorf("%s: system %q, verdict %q, rows %s: want the queue's rows and no Kafka ones", sys, plan.System, plan.Verdict, joined)
		}
		for _, o := range []string{"table", "markdown", "yaml"} {
			if code, _, errs := run(t, "capacity", "partitions-100k", "--system", sys, "--output", o); code != 0 {
				t.Errorf("%s -o %s: exit %d: %s", sys, o, code, errs)
			}
		}
	}
	for _, args := range [][]string{
		{"capacity", "--system", "sqs", "--set", "queue.send_batch=11"},
		{"capacity", "--system", "rabbitmq", "--scenario"},
		{"capacity", "--system", "pulsar"},
	} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
