package scenarios

import (
	"slices"
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	names := []string{"slow-consumer", "slow-consumer-scaled", "slow-batch", "baseline", "broker-failure", "broker-failure-acks1"}
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"slow-consumr", []string{"slow-consumer"}},    // one letter dropped
		{"baselin", []string{"baseline"}},              // one letter short
		{"Broker_Failure", []string{"broker-failure"}}, // case and separators ignored
		{"brokerfailure", []string{"broker-failure"}},  // separator left out
		{"zzz", nil}, // nothing near
		{"slow", []string{"slow-consumer", "slow-consumer-scaled", "slow-batch"}}, // a prefix of several, in the order given
	} {
		got := Suggest(c.in, names)
		if c.want == nil && len(got) > 0 || c.want != nil && (len(got) == 0 || !slices.Equal(got[:len(c.want)], c.want)) {
			t.Errorf("Suggest(%q) = %q, want %q first", c.in, got, c.want)
		}
	}
	if got := DidYouMean("ack", []string{"acks", "linger"}); got != "; did you mean acks?" {
		t.Errorf("DidYouMean(ack) = %q", got)
	}
}

// Lists of names go on lines of their own, none longer than 78 columns.
func TestNameList(t *testing.T) {
	got := NameList("built-in scenarios", Scenarios())
	lines := strings.Split(got, "\n")
	if lines[0] != "" || lines[1] != "  built-in scenarios:" {
		t.Fatalf("NameList starts %q, want a new line and the title", lines[:2])
	}
	var seen []string
	for _, l := range lines[2:] {
		if len(l) > 78 || !strings.HasPrefix(l, "    ") {
			t.Errorf("line %q: want 4-space indent and at most 78 columns", l)
		}
		for _, n := range strings.Split(strings.TrimSpace(l), ",") {
			if n = strings.TrimSpace(n); n != "" {
				seen = append(seen, n)
			}
		}
	}
	if !slices.Equal(seen, Scenarios()) {
		t.Errorf("NameList lists %q, want every scenario in order", seen)
	}
}
