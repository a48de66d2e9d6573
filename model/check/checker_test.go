package check

import (
	"testing"

	"mqsim/sim"
)

// Per-key order across partitions is send order: a key's message on its new
// partition after its older ones is in order; one processed before an older
// message of the key (still on the old partition) reorders it.
func TestCheckerKeyMovesPartition(t *testing.T) {
	c := New(1)
	const key = 7
	c.Processed(0, 0, 1, 40, key, 10*sim.Second) // old partition, seq 40
	c.Processed(0, 0, 5, 0, key, 16*sim.Second)  // new partition, seq 0, sent later
	if c.Reordered(0) != 0 {
		t.Fatalf("in send order across partitions: %d reordered, want 0", c.Reordered(0))
	}
	c.Processed(0, 0, 1, 41, key, 11*sim.Second) // older message of the key, processed after
	c.Processed(0, 0, 5, 1, key, 17*sim.Second)  // in order on its partition
	if c.Reordered(0) != 1 {
		t.Errorf("an older message after a newer one on another partition: %d reordered, want 1", c.Reordered(0))
	}
}

// Processing a message a second time counts one duplicate and leaves the
// set as it was; ids on word boundaries (63, 64) are told apart.
func TestCheckerDuplicates(t *testing.T) {
	c := New(2)
	for _, seq := range []int32{0, 63, 64, 200} {
		c.Processed(0, 1, 2, seq, -1, 0)
	}
	c.Processed(0, 1, 2, 64, -1, 0) // again
	c.Processed(1, 1, 2, 64, -1, 0) // another group: its first time
	if c.Duplicates(0) != 1 || c.Duplicates(1) != 0 {
		t.Fatalf("duplicates %d, %d; want 1, 0", c.Duplicates(0), c.Duplicates(1))
	}
	var got []int32
	c.done[0].Each(func(_, _ int, seq int32) { got = append(got, seq) })
	if want := []int32{0, 63, 64, 200}; len(got) != len(want) || got[0] != 0 || got[1] != 63 || got[2] != 64 || got[3] != 200 {
		t.Errorf("group 0 processed %v, want %v", got, want)
	}
}

// SetRange sets exactly the ids seq0 … seq0+n-1, as n calls of Set would:
// ranges within a word, ending or starting on a word boundary, and
// spanning several words.
func TestLedgerSetRange(t *testing.T) {
	for _, c := range []struct{ seq0, n int32 }{{0, 1}, {0, 64}, {5, 10}, {60, 4}, {60, 5}, {63, 1}, {64, 64}, {1, 200}, {100, 300}} {
		a, b := NewLedger(), NewLedger()
		a.SetRange(3, 1, c.seq0, c.n)
		for s := c.seq0; s < c.seq0+c.n; s++ {
			b.Set(3, 1, s)
		}
		for s := int32(0); s < 512; s++ {
			if a.Test(3, 1, s) != b.Test(3, 1, s) {
				t.Fatalf("SetRange(%d, %d): id %d is %v, want %v", c.seq0, c.n, s, a.Test(3, 1, s), b.Test(3, 1, s))
			}
		}
	}
}
