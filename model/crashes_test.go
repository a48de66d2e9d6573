package model

import (
	"strings"
	"testing"

	"mqsim/scenarios"
)

// TestConsumerCrashes: a crash of a whole group hits each member, a crash
// naming a consumer hits that one; another fault type, an unknown group or
// a consumer the group lacks is an error naming it.
func TestConsumerCrashes(t *testing.T) {
	one := 1
	members := func(g string) ([]string, bool) {
		if g == "billing" {
			return []string{"c0", "c1", "c2"}, true
		}
		return nil, false
	}
	sc := &scenarios.Scenario{Name: "s", Faults: []scenarios.Fault{
		{Type: "consumer-crash", Group: "billing"},
		{Type: "consumer-crash", Group: "billing", Consumer: &one},
	}}
	var hit []string
	if err := ConsumerCrashes(sc, "sqs", members, func(c string, _ *scenarios.Fault) { hit = append(hit, c) }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(hit, ",") != "c0,c1,c2,c1" {
		t.Errorf("hit %v, want c0,c1,c2 then c1", hit)
	}
	three := 3
	for _, tc := range []struct {
		f    scenarios.Fault
		want string
	}{
		{scenarios.Fault{Type: "broker-crash"}, "faults[0]: broker-crash is not modelled under system: sqs"},
		{scenarios.Fault{Type: "consumer-crash", Group: "nope"}, `faults[0]: unknown group "nope"`},
		{scenarios.Fault{Type: "consumer-crash", Group: "billing", Consumer: &three}, "group billing has no consumer 3"},
	} {
		sc.Faults = []scenarios.Fault{tc.f}
		err := ConsumerCrashes(sc, "sqs", members, func(string, *scenarios.Fault) {})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.f, err, tc.want)
		}
	}
}
