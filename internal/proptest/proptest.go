// Package proptest holds what the property tests of several packages
// share.
package proptest

import (
	"flag"
	"strconv"
	"testing"
)

// Checks sets the number of cases rapid tries in t to full, or to short
// under -short, unless -rapid.checks was given on the command line; the
// old value comes back when t ends. Property tests that each run a whole
// simulation keep their default run modest this way, and a longer search
// is one flag away.
func Checks(t testing.TB, full, short int) {
	n := full
	if testing.Short() {
		n = short
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
	f := flag.Lookup("rapid.checks")
	if f == nil || given {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatalf("rapid.checks: %v", err)
	}
	t.Cleanup(func() { f.Value.Set(old) })
}
