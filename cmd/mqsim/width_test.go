package main

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// Output that is not a terminal fits 80 columns: every line of run, a
// --vary table, compare and the scenarios lists.
func TestOutputFits80Columns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "grid")
	cases := [][]string{
		{"run", "broker-failure-acks1", "--duration", "12s", "--set", "producers.*.linger=2ms", "--set", "consumer_groups.*.processing=lognormal(median=5ms, p99=50ms)"},
		{"run", "broker-failure", "--duration", "12s", "--vary", "acks=1,all", "--vary", "max_in_flight=1,5", "--out", dir},
		{"compare", dir},
		{"compare", filepath.Join(dir, "acks=1_max_in_flight=5")},
		{"scenarios"},
		{"scenarios", "--faults"},
		{"scenarios", "--profiles"},
	}
	for _, args := range cases {
		code, out, errs := run(t, args...)
		if code != 0 && code != exitCheck {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		if len(out) == 0 {
			t.Fatalf("%v printed nothing", args)
		}
		for i, l := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%v line %d is %d columns:\n%s", args, i+1, n, l)
			}
		}
	}
}
