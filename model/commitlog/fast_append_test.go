package commitlog

import "testing"

// HasProducer answers as ProducerState's ok: true once a batch of the
// producer is in the log, false for a producer never seen and for batches
// without a producer id.
func TestHasProducer(t *testing.T) {
	l, err := OpenMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if l.HasProducer(9) {
		t.Fatal("empty log: HasProducer(9) = true, want false")
	}
	mustAppend(t, l, build(t, BatchHeader{}, rec{1, nil, []byte("plain")}), 1)
	mustAppend(t, l, build(t, BatchHeader{Idempotent: true, ProducerID: 9}, rec{2, nil, []byte("v")}), 1)
	for _, pid := range []int64{9, 10, -1} {
		_, want := l.ProducerState(pid)
		if got := l.HasProducer(pid); got != want {
			t.Errorf("HasProducer(%d) = %v, want %v (ProducerState's ok)", pid, got, want)
		}
	}
	if !l.HasProducer(9) {
		t.Error("HasProducer(9) = false after its batch was appended")
	}
}
