package check

import (
	"math/rand/v2"
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

// A Ledger holds exactly the ids put in it, whatever the order of Set,
// SetRange and Test calls across producers and partitions (the bitmap
// last looked up is remembered, and bitmaps grow as they go): checked
// against a plain map of ids.
func TestLedgerAgainstMap(t *testing.T) {
	type id struct {
		prod, part int
		seq        int32
	}
	rng := rand.New(rand.NewPCG(3, 4))
	l, want := NewLedger(), map[id]bool{}
	for range 20_000 {
		prod, part := rng.IntN(4), rng.IntN(5)
		seq := int32(rng.IntN(700))
		switch rng.IntN(4) {
		case 0:
			l.Set(prod, part, seq)
			want[id{prod, part, seq}] = true
		case 1:
			n := int32(rng.IntN(130))
			l.SetRange(prod, part, seq, n)
			for s := seq; s < seq+n; s++ {
				want[id{prod, part, s}] = true
			}
		case 2:
			if got := l.add(prod, part, seq); got == want[id{prod, part, seq}] {
				t.Fatalf("add(%d, %d, %d) = %v, but the id was already in: %v", prod, part, seq, got, want[id{prod, part, seq}])
			}
			want[id{prod, part, seq}] = true
		default:
			if got := l.Test(prod, part, seq); got != want[id{prod, part, seq}] {
				t.Fatalf("Test(%d, %d, %d) = %v, want %v", prod, part, seq, got, !got)
			}
		}
	}
	n := 0
	l.Each(func(prod, part int, seq int32) {
		n++
		if !want[id{prod, part, seq}] {
			t.Fatalf("Each gave (%d, %d, %d), never put in", prod, part, seq)
		}
	})
	if n != len(want) {
		t.Fatalf("Each gave %d ids, want %d", n, len(want))
	}
}

// Settle sorts the acknowledged ids a group never processed into unseen
// (still pending ahead of it) and lost: counted here by hand.
func TestCheckerSettle(t *testing.T) {
	c := New(1)
	c.Ack(0, 0, 0, 100) // ids 0…99 of (0, 0)
	c.Ack(1, 2, 60, 10) // ids 60…69 of (1, 2), across a word boundary
	for s := int32(0); s < 90; s++ {
		c.Processed(0, 0, 0, s, -1, 0) // 90 of the first 100 processed
	}
	c.Processed(0, 1, 2, 63, -1, 0)
	c.Processed(0, 1, 2, 64, -1, 0)
	c.Processed(0, 5, 5, 1, -1, 0) // processed, never acknowledged: neither
	pending := NewLedger()
	pending.SetRange(0, 0, 95, 10) // 95…99 of the unprocessed 90…99 still pending
	pending.Set(1, 2, 69)
	pending.Set(1, 2, 64) // pending and processed: not unseen
	lost, unseen := c.Settle(0, pending)
	// (0, 0): 90…94 lost, 95…99 unseen; (1, 2): 60…62 and 65…68 lost, 69 unseen.
	if lost != 5+3+4 || unseen != 5+1 {
		t.Errorf("lost %d, unseen %d; want 12, 6", lost, unseen)
	}
}
