package scenarios

import (
	"strings"
	"testing"
)

// Every enum string of the schema resolves to its constant; "" is Kafka's
// default; anything else is an error naming the field.
func TestEnums(t *testing.T) {
	acks := map[string]AcksLevel{"0": AcksNone, "1": AcksLeader, "all": AcksAll, "-1": AcksAll, "": AcksAll}
	for s, want := range acks {
		if got, err := (&Producer{Acks: s}).AcksLevel(); err != nil || got != want {
			t.Errorf("acks %q = %v, %v; want %v", s, got, err, want)
		}
	}
	commits := map[string]CommitMode{"": CommitAuto, "auto": CommitAuto, "after": CommitAfter, "before": CommitBefore}
	for s, want := range commits {
		if got, err := (&ConsumerGroup{Commit: s}).CommitMode(); err != nil || got != want {
			t.Errorf("commit %q = %v, %v; want %v", s, got, err, want)
		}
	}
	iso := map[string]Isolation{"": ReadUncommitted, "read_uncommitted": ReadUncommitted, "read_committed": ReadCommitted}
	for s, want := range iso {
		if got, err := (&ConsumerGroup{IsolationLevel: s}).Isolation(); err != nil || got != want {
			t.Errorf("isolation_level %q = %v, %v; want %v", s, got, err, want)
		}
	}
	resets := map[string]OffsetReset{"": ResetLatest, "latest": ResetLatest, "earliest": ResetEarliest}
	for s, want := range resets {
		if got, err := (&ConsumerGroup{AutoOffsetReset: s}).OffsetReset(); err != nil || got != want {
			t.Errorf("auto_offset_reset %q = %v, %v; want %v", s, got, err, want)
		}
	}
	as := map[string]Assignor{"": AssignRange, "range": AssignRange, "roundrobin": AssignRoundRobin, "cooperative-sticky": AssignCooperativeSticky}
	for s, want := range as {
		if got, err := (&ConsumerGroup{Assignment: s}).Assignor(); err != nil || got != want {
			t.Errorf("assignment %q = %v, %v; want %v", s, got, err, want)
		}
	}
	g := &ConsumerGroup{Name: "g", Commit: "sometimes", IsolationLevel: "dirty", AutoOffsetReset: "none", Assignment: "sticky"}
	for field, err := range map[string]error{
		"commit":            second(g.CommitMode()),
		"isolation_level":   second(g.Isolation()),
		"auto_offset_reset": second(g.OffsetReset()),
		"assignment":        second(g.Assignor()),
		"acks":              second((&Producer{Name: "p", Acks: "2"}).AcksLevel()),
	} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("bad %s: error %v, want one naming the field", field, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// auto_offset_reset: none hands the application an error in Kafka; the
// model does not, so validation refuses it, naming the field.
func TestOffsetResetNoneRefused(t *testing.T) {
	_, err := LoadScenario("retention-loss", []string{"consumer_groups.*.auto_offset_reset=none"})
	if err == nil || !strings.Contains(err.Error(), "auto_offset_reset") || !strings.Contains(err.Error(), "not modelled") {
		t.Errorf("auto_offset_reset none: error %v, want a refusal naming the field", err)
	}
}
