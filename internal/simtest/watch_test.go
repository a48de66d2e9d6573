package simtest

import (
	"errors"
	"testing"

	"mqsim/sim"
)

// Every 100 ms over a 1 s run is ticks at 0.1 … 1.0 s, 10 of them, and
// the end's check an 11th; the first error is the one returned, and no
// check runs after it but the ticks go on.
func TestWatch(t *testing.T) {
	s := sim.New(1)
	var at []sim.Time
	end := Watch(s, 100*sim.Millisecond, func() error {
		at = append(at, s.Now())
		if len(at) == 3 {
			return errors.New("third")
		}
		return nil
	})
	s.RunUntil(sim.Second)
	if err := end(); err == nil || err.Error() != "third" {
		t.Errorf("end() = %v, want the third check's error", err)
	}
	if len(at) != 3 || at[2] != 300*sim.Millisecond {
		t.Errorf("checks at %v, want 3, the last at 300ms (none after a failure)", at)
	}
	s2 := sim.New(1)
	n := 0
	end = Watch(s2, 100*sim.Millisecond, func() error { n++; return nil })
	s2.RunUntil(sim.Second)
	if err := end(); err != nil || n != 11 {
		t.Errorf("end() = %v after %d checks, want nil after 11 (10 ticks and the end)", err, n)
	}
}
