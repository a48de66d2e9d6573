package main

import (
	"bytes"
	"strings"
	"testing"
)

// compare-systems prints the seed's table with measured cells and answers
// --need; bad flags are bad input (exit 2).
func TestCompareSystemsCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := execute([]string{"compare-systems", "payments", "--systems", "sqs-standard,pubsub", "--duration", "4s", "--max-rate", "200",
		"--need", "managed,fan-out"}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"THROUGHPUT", "REPLAY", "DELIVERY", "OPERATIONS", "DECISION: need managed, fan-out", "1. Pub/Sub", "fan-out needs SNS"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range [][]string{
		{"compare-systems", "--need", "telepathy"},
		{"compare-systems", "--systems", "mq-series"},
		{"compare-systems", "--duration", "1s"},
		{"compare-systems", "no-such-workload"},
	} {
		out.Reset()
		errb.Reset()
		if code := execute(bad, strings.NewReader(""), &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", bad, code, errb.String())
		}
	}
}
