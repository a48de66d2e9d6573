package check

import (
	"testing"

	"mqsim/sim"
)

// An id written by AppendID reads back whole, the produce time rebuilt from
// the millisecond timestamp and the prefix's sub-millisecond part.
func TestIDRoundTrip(t *testing.T) {
	born := 12*sim.Second + 345*sim.Millisecond + 678*sim.Microsecond + 9
	v := AppendID(nil, 7, 1<<20, born)
	prod, seq, got, ok := ReadID(append(v, 0xff, 0xff), int64(born/sim.Millisecond))
	if !ok || prod != 7 || seq != 1<<20 || got != born {
		t.Errorf("ReadID(AppendID(7, 2^20, %v)) = %d, %d, %v, %v; want 7, 2^20, %v, true", born, prod, seq, got, ok, born)
	}
	if _, _, _, ok := ReadID([]byte{0x80}, 0); ok {
		t.Error("ReadID of a truncated prefix: ok, want not ok")
	}
	if k := ReadKey(AppendKey(nil, 9999)); k != 9999 {
		t.Errorf("ReadKey(AppendKey(9999)) = %d", k)
	}
	if k := ReadKey(nil); k != -1 {
		t.Errorf("ReadKey(nil) = %d, want -1", k)
	}
}
